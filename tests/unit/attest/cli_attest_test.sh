#!/bin/sh
# `cgear platform` and `cgear attest`, end to end on the command line:
# platform init/show/export-cert (permissions), attest make from a signed
# image, attest verify with both base-value formats and its exit statuses,
# and the independent verifier on the same report.
# Usage: cli_attest_test.sh <cgear> <signed image> <verify_report.py>
set -eu
cgear=$1
image=$2
py=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CGEAR_PLATFORM_DIR="$work/platform"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$cgear" platform show >/dev/null 2>&1 && fail "show found a platform before init"
"$cgear" platform init >"$work/init.txt" || fail "platform init"
grep -q "created a new platform" "$work/init.txt" || fail "init did not say it created the platform"
"$cgear" platform init | grep -q "created" && fail "second init created again"
[ "$(stat -c %a "$CGEAR_PLATFORM_DIR")" = 700 ] || fail "platform folder not 0700"
for f in root.key attest-key.pem attest-cert.pem; do
    [ "$(stat -c %a "$CGEAR_PLATFORM_DIR/$f")" = 600 ] || fail "$f not 0600"
done
"$cgear" platform show --json | grep -q '"created": false' || fail "show --json"
"$cgear" platform export-cert -o "$work/platform.pem" || fail "export-cert"
openssl x509 -in "$work/platform.pem" -noout || fail "exported certificate does not parse"
"$cgear" platform export-cert --der | openssl x509 -inform DER -noout || fail "export-cert --der"

nonce=00112233445566778899aabbccddeeff
"$cgear" attest make "$image" --nonce $nonce -o "$work/r.cbor" || fail "attest make"
meas=$("$cgear" measure --json "$image" | sed -n 's/.*"measurement": "\([0-9a-f]*\)".*/\1/p')
signer=$("$cgear" measure --json "$image" | sed -n 's/.*"signer": "\([0-9a-f]*\)".*/\1/p')
[ ${#meas} = 96 ] || fail "no measurement from cgear measure"
name=$("$cgear" attest show --json "$work/r.cbor" | sed -n 's/.*"module_id": "\([^"]*\)".*/\1/p')
[ -n "$name" ] || fail "attest show"

printf 'measurement = %s\nsigner = %s\n' "$meas" "$signer" >"$work/good.policy"
"$cgear" attest verify "$work/r.cbor" --nonce $nonce --policy "$work/good.policy" >/dev/null || fail "good report"
"$cgear" attest verify "$work/r.cbor" --nonce $nonce --policy "$work/good.policy" --json | grep -q '"valid": true' \
    || fail "verify --json"
elf=$("$cgear" attest show --json "$work/r.cbor" | sed -n 's/.*"2": "\([0-9a-f]*\)".*/\1/p')
printf '# secGear base values\n%s %s %s\n' "$name" "$meas" "$elf" >"$work/base.txt"
"$cgear" attest verify "$work/r.cbor" --nonce $nonce --policy "$work/base.txt" --strict >/dev/null \
    || fail "secGear base value, strict"

# Rejections: exit status 1 and the reason on stderr.
set +e
"$cgear" attest verify "$work/r.cbor" --nonce ff$nonce --policy "$work/good.policy" 2>"$work/err" >/dev/null
[ $? = 1 ] || fail "wrong nonce: exit status"
grep -q "nonce" "$work/err" || fail "wrong nonce: reason"
"$cgear" attest make "$image" --nonce $nonce --debug -o "$work/d.cbor"
"$cgear" attest verify "$work/d.cbor" --nonce $nonce --policy "$work/good.policy" 2>"$work/err" >/dev/null
[ $? = 1 ] || fail "debug report: exit status"
grep -q "debug" "$work/err" || fail "debug report: reason"
"$cgear" attest make "$image" --nonce $nonce --timestamp 1000 -o "$work/s.cbor"
"$cgear" attest verify "$work/s.cbor" --nonce $nonce --policy "$work/good.policy" 2>"$work/err" >/dev/null
[ $? = 1 ] || fail "stale report: exit status"
grep -q "old" "$work/err" || fail "stale report: reason"
head -c 100 "$work/r.cbor" >"$work/t.cbor"
"$cgear" attest verify "$work/t.cbor" --nonce $nonce --policy "$work/good.policy" 2>"$work/err" >/dev/null
[ $? = 1 ] || fail "truncated report: exit status"
"$cgear" attest verify "$work/r.cbor" --policy "$work/good.policy" 2>/dev/null
[ $? = 2 ] || fail "missing --nonce: usage error"
printf 'colour = blue\n' >"$work/bad.policy"
"$cgear" attest verify "$work/r.cbor" --nonce $nonce --policy "$work/bad.policy" 2>"$work/err" >/dev/null
[ $? = 1 ] || fail "bad policy: exit status"
grep -q "line 1" "$work/err" || fail "bad policy: reason names the line"
set -e

python3 "$py" "$work/r.cbor" --nonce $nonce --measurement "$meas" --signer "$signer" --trusted "$work/platform.pem" \
    2>/dev/null || fail "independent verifier rejected the CLI's report"
echo "cli_attest: all checks passed"
