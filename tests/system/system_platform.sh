#!/bin/sh
# A system install: the platform in a root-only folder that only the
# set-user-ID-root cgear-launcher reads. The application runs as an
# ordinary user (65534) who cannot read the platform, and still seals,
# unseals and attests; nothing falls back to a per-user platform.
# Usage: system_platform.sh LAUNCHER PLATFORM_DIR CGEAR SEAL_DATA ATTEST_HOST VERIFY_PY E2E_HOST E2E_ENCLAVE
#   LAUNCHER      cgear_launcher_test (PLATFORM_DIR compiled in)
# Needs root (to make the launcher set-user-ID root); exits 77 otherwise.
set -eu
launcher=$1
pdir=$2
cgear=$3
seal_data=$4
attest_host=$5
pyverify=$6
e2e_host=$7
e2e_enclave=$8
ENGINE=${CGEAR_ENGINE:-process}

skip() { echo "system_platform: SKIP: $*" >&2; exit 77; }
fail() { echo "system_platform: FAIL: $*" >&2; exit 1; }
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

[ "$(id -u)" -eq 0 ] || skip "needs root to install a set-user-ID-root launcher"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not found"
work=$(mktemp -d /tmp/cgear-system-XXXXXX)
trap 'rm -rf "$work" "$pdir"' EXIT
chmod 755 "$work"
if command -v findmnt >/dev/null && findmnt -no OPTIONS -T "$work" | grep -qw nosuid; then
    skip "$work is on a nosuid mount: set-user-ID programs cannot run there"
fi

# The system platform, as `cgear platform init` run by root makes it.
rm -rf "$pdir"
CGEAR_PLATFORM_DIR="$pdir" "$cgear" platform init >/dev/null || fail "cgear platform init (root)"
CGEAR_PLATFORM_DIR="$pdir" "$cgear" platform export-cert -o "$work/system.pem" >/dev/null || fail "export-cert"
cp "$launcher" "$work/cgear-launcher"
chown 0:0 "$work/cgear-launcher"
chmod 4755 "$work/cgear-launcher"
mkdir -m 777 "$work/home"
# The enclave images next to their hosts, readable by the user.
for f in "$seal_data" "$attest_host" "$e2e_enclave"; do
    d=$(dirname "$f")
    chmod o+r "$d"/*.enclave
done

as_user() { # run as uid 65534, system install, empty HOME
    setpriv --reuid 65534 --regid 65534 --clear-groups \
        env -i PATH=/usr/bin:/bin HOME="$work/home" CGEAR_LAUNCHER="$work/cgear-launcher" \
        CGEAR_ENGINE="$ENGINE" CGEAR_LOG=quiet "$@"
}

# Control: the user cannot read the platform.
as_user cat "$pdir/root.key" >/dev/null 2>&1 && fail "uid 65534 can read the system root secret"
as_user "$work/cgear-launcher" check || fail "the launcher cannot open the system platform"

# Sealing: keys derived by the launcher, the blob opens again in a new process.
(cd "$(dirname "$seal_data")" && as_user "$seal_data" seal "$work/home/s.blob" "system secret") >"$work/seal.out" 2>&1 ||
    { cat "$work/seal.out" >&2; fail "sealing on the system platform"; }
(cd "$(dirname "$seal_data")" && as_user "$seal_data" unseal "$work/home/s.blob") >"$work/unseal.out" 2>&1 ||
    { cat "$work/unseal.out" >&2; fail "unsealing on the system platform"; }
grep -q "system secret" "$work/unseal.out" || fail "unsealed something else: $(cat "$work/unseal.out")"
[ -e "$work/home/.local" ] && fail "a per-user platform was created: the host fell back to the development platform"
# The same blob under a per-user platform (the host's own keys): refused.
(cd "$(dirname "$seal_data")" && setpriv --reuid 65534 --regid 65534 --clear-groups env -i PATH=/usr/bin:/bin \
    HOME="$work/home" CGEAR_LAUNCHER=none CGEAR_ENGINE="$ENGINE" CGEAR_LOG=quiet "$seal_data" unseal "$work/home/s.blob") \
    >/dev/null 2>&1 && fail "a per-user platform opened a blob sealed on the system platform"

# Attestation: the report is signed by the system platform, verified by a
# verifier that trusts only the system certificate.
nonce=$(hex 32)
(cd "$(dirname "$attest_host")" && as_user "$attest_host" "$nonce" "$work/home/report" "$work/home/policy") \
    >"$work/attest.out" 2>&1 || { cat "$work/attest.out" >&2; fail "attest_host on the system platform"; }
cp "$work/home/policy" "$work/policy"
echo "platform_cert = $work/system.pem" >>"$work/policy"
"$cgear" attest verify "$work/home/report" --nonce "$nonce" --policy "$work/policy" >"$work/verify.out" 2>&1 ||
    { cat "$work/verify.out" >&2; fail "the system-platform report was refused"; }
python3 "$pyverify" "$work/home/report" --nonce "$nonce" --trusted "$work/system.pem" >/dev/null 2>&1 ||
    fail "verify_report.py refused the system-platform report"

# A key made inside the enclave, bound by a report the enclave asked for
# (its request is authenticated with its report key, which the launcher
# re-derives): the report carries exactly that key.
nonce=$(hex 32)
as_user "$e2e_host" "$e2e_enclave" attest-key "$nonce" "$work/home/key.report" "$work/home/key.pub" \
    >"$work/key.out" 2>&1 || { cat "$work/key.out" >&2; fail "an enclave-requested report on the system platform"; }
"$cgear" attest verify "$work/home/key.report" --nonce "$nonce" --policy "$work/policy" --json \
    >"$work/key.json" 2>&1 && fail "the e2e enclave's report passed the remote_attest policy"
"$cgear" attest show "$work/home/key.report" --json >"$work/key.json" || fail "cgear attest show"
grep -q "\"public_key\": *\"$(cat "$work/home/key.pub")\"" "$work/key.json" ||
    { cat "$work/key.json" >&2; fail "the report does not carry the enclave's key"; }
python3 "$pyverify" "$work/home/key.report" --nonce "$nonce" --trusted "$work/system.pem" >/dev/null 2>&1 ||
    fail "verify_report.py refused the enclave-requested report"
# The host binding a key of its own in the enclave's name: refused.
as_user "$e2e_host" "$e2e_enclave" host-key-report >"$work/hostkey.out" 2>&1 &&
    { cat "$work/hostkey.out" >&2; fail "the host got a report binding its own public key"; }

# The launcher checks the image itself: a changed byte is refused even when
# the host asks directly. Request (src/abi/sys_ocall.h): version 2, no
# nonce, data or key, no instance or MAC: 64 bytes.
image=$(ls "$(dirname "$seal_data")"/*.enclave | head -n 1)
{ printf '\002\000\000\000'; head -c 60 /dev/zero; } >"$work/req"
as_user "$work/cgear-launcher" report "$ENGINE" 0 <"$work/req" 9<"$image" >"$work/direct.report" ||
    fail "the launcher refused a good image"
[ -s "$work/direct.report" ] || fail "the launcher wrote no report"
cp "$image" "$work/tampered.enclave"
size=$(stat -c %s "$work/tampered.enclave")
# Flip every bit of the middle byte (writing a fixed byte changes nothing
# where the image already holds that byte).
byte=$(dd if="$work/tampered.enclave" bs=1 skip=$((size / 2)) count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 255)))" | dd of="$work/tampered.enclave" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$image" "$work/tampered.enclave" && fail "the tampered copy is the same as the image"
set +e
as_user "$work/cgear-launcher" report "$ENGINE" 0 <"$work/req" 9<"$work/tampered.enclave" >/dev/null 2>"$work/tampered.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a tampered image: wanted exit 1, got $rc"
grep -qi "signature\|not a valid" "$work/tampered.err" || fail "a tampered image was refused for another reason: $(cat "$work/tampered.err")"
# A malformed request is refused too, and so is a MAC the enclave did not
# make (one changed byte of an otherwise well-formed request).
printf '\002\000\000\000\377\000\000\000' >"$work/badreq"
as_user "$work/cgear-launcher" report "$ENGINE" 0 <"$work/badreq" 9<"$image" >/dev/null 2>&1 &&
    fail "the launcher accepted a truncated request"
{ printf '\002\000\000\000'; head -c 12 /dev/zero; printf 'instance-16bytes'; head -c 32 /dev/zero; } >"$work/forged"
set +e
as_user "$work/cgear-launcher" report "$ENGINE" 0 <"$work/forged" 9<"$image" >/dev/null 2>"$work/forged.err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "not authenticated" "$work/forged.err" ||
    fail "a request with a forged MAC: exit $rc: $(cat "$work/forged.err")"

echo "system_platform: OK (uid 65534 sealed, unsealed and attested through the launcher, an enclave key bound; platform unreadable; host-bound key, forged MAC, tampered image and bad request refused)"
