#!/bin/sh
# Drive every image command of the cgear tool and check its output and exit
# status: keygen, sign (ELF, re-sign, text and XML manifests, unsigned),
# measure (text, --json), verify (good, tampered, other signer, unsigned),
# --help everywhere, and usage errors.
# Usage: cli_test.sh <cgear> <enclave ELF>
set -u
cgear=$1
elf=$2
work=$(mktemp -d /tmp/cgear-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect STATUS CMD...: run, keep stdout/stderr in $work/out and $work/err
expect() {
    want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got (wanted $want): $*"; cat "$work/err" >&2; }
}
has() { grep -q -- "$2" "$work/$1" || fail "'$2' not in $1 of the last command"; }
json_ok() { python3 -m json.tool "$work/out" >/dev/null 2>&1 || ! command -v python3 >/dev/null || fail "stdout is not JSON"; }
field() { sed -n "s/^$1: *//p" "$work/out" | head -n 1; }

# --help: top level and every command, on stdout, status 0
expect 0 "$cgear" --help
for c in keygen sign measure verify; do has out "$c"; done
for c in keygen sign measure verify; do
    expect 0 "$cgear" $c --help
    has out "usage: cgear $c"
done
# usage errors: status 2, message on stderr, nothing on stdout
expect 2 "$cgear" nosuchcommand
has err "unknown command"
expect 2 "$cgear" keygen
has err "required"
expect 2 "$cgear" sign -i "$elf" -o "$work/x.img"
has err "required"
expect 2 "$cgear" measure
expect 2 "$cgear" verify a b
expect 2 "$cgear" measure --bogus x
[ -s "$work/out" ] && fail "usage error printed on stdout"

# keygen
expect 0 "$cgear" keygen -o "$work/k1.pem"
has out "signer: "
signer1=$(field signer)
[ "$(stat -c %a "$work/k1.pem")" = 600 ] || fail "key file is not mode 0600"
expect 1 "$cgear" keygen -o "$work/k1.pem"
has err "exists"
expect 0 "$cgear" keygen -o "$work/k1.pem" --if-missing
[ "$(field signer)" = "$signer1" ] || fail "--if-missing replaced the key"
expect 0 "$cgear" keygen -o "$work/k2.pem"
signer2=$(field signer)
[ "$signer1" != "$signer2" ] || fail "two keys have the same signer"
expect 1 "$cgear" keygen -o "$work/no/such/dir/k.pem"

# sign: from the ELF
expect 0 "$cgear" sign -k "$work/k1.pem" -i "$elf" -o "$work/a.img"
has out "measurement: "
meas=$(field measurement)
[ "$(field signer)" = "$signer1" ] || fail "sign reported another signer"
# measure (text): measurement, signer and manifest
expect 0 "$cgear" measure "$work/a.img"
[ "$(field measurement)" = "$meas" ] || fail "measure disagrees with sign"
[ "$(field signer)" = "$signer1" ] || fail "measure reports another signer"
has out "threads: "
has out "heap_size: "
has out "engines: *process,kvm"
# measure --json
expect 0 "$cgear" measure --json "$work/a.img"
json_ok
has out "\"measurement\": \"$meas\""
has out "\"signed\": true"
has out "\"signer\": \"$signer1\""
# verify
expect 0 "$cgear" verify "$work/a.img"
has out "OK"
expect 0 "$cgear" verify --json "$work/a.img"
json_ok
has out '"valid": true'
expect 0 "$cgear" verify --signer "$signer1" --measurement "$meas" "$work/a.img"
expect 1 "$cgear" verify --signer "$signer2" "$work/a.img"
has err "INVALID"

# the measurement does not depend on the signer, the path or the time
cp "$elf" "$work/copy.elf"
expect 0 "$cgear" sign -k "$work/k2.pem" -i "$work/copy.elf" -o "$work/b.img"
[ "$(field measurement)" = "$meas" ] || fail "measurement changed with the signer/path"
[ "$(field signer)" = "$signer2" ] || fail "signer of b.img"
expect 0 "$cgear" verify --signer "$signer2" "$work/b.img"
# re-signing an image in place keeps the measurement, changes the signer
cp "$work/a.img" "$work/c.img"
expect 0 "$cgear" sign -k "$work/k2.pem" -i "$work/c.img" -o "$work/c.img"
[ "$(field measurement)" = "$meas" ] || fail "re-signing changed the measurement"
expect 0 "$cgear" verify --signer "$signer2" "$work/c.img"
# a plain ELF measures like its unsigned image
expect 0 "$cgear" measure "$elf"
[ "$(field measurement)" = "$meas" ] || fail "plain ELF measurement differs"
has out "UNSIGNED"

# tampering: one byte in the middle of the ELF, one in the signature block
size=$(stat -c %s "$work/a.img")
for off in $((size / 2)) $((size - 5)); do
    cp "$work/a.img" "$work/t.img"
    printf '\377' | dd of="$work/t.img" bs=1 seek="$off" conv=notrunc 2>/dev/null
    cmp -s "$work/a.img" "$work/t.img" && { printf '\000' | dd of="$work/t.img" bs=1 seek="$off" conv=notrunc 2>/dev/null; }
    expect 1 "$cgear" verify "$work/t.img"
    has err "INVALID"
done
expect 1 "$cgear" verify --json "$work/t.img"
json_ok
has out '"valid": false'
# trailing byte: the structure is refused, by measure too
cp "$work/a.img" "$work/t.img"
printf 'x' >>"$work/t.img"
expect 1 "$cgear" measure "$work/t.img"
has err "header describes"
expect 1 "$cgear" verify /nonexistent.img
has err "cannot open"

# manifests: text and secGear XML
cat >"$work/m.txt" <<'M'
# release manifest
name = cli-test
version = 3
security_version = 2
threads = 4
heap_size = 64M
stack_size = 128K
debug = disabled
engines = process
M
expect 0 "$cgear" sign -k "$work/k1.pem" -i "$elf" -m "$work/m.txt" -o "$work/m.img"
[ "$(field measurement)" != "$meas" ] || fail "a manifest change kept the measurement"
expect 0 "$cgear" measure --json "$work/m.img"
json_ok
has out '"name": "cli-test", "version": 3, "security_version": 2, "threads": 4, "heap_size": 67108864, "stack_size": 131072, "debug": "disabled", "engines": \["process"\]'
cat >"$work/Enclave.config.xml" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<EnclaveConfiguration>
  <ProdID>0</ProdID>
  <ISVSVN>7</ISVSVN>
  <StackMaxSize>0x80000</StackMaxSize>
  <HeapMaxSize>0x2000000</HeapMaxSize>
  <TCSNum>3</TCSNum>
  <TCSPolicy>1</TCSPolicy>
  <DisableDebug>0</DisableDebug>
</EnclaveConfiguration>
X
expect 0 "$cgear" sign -k "$work/k1.pem" -i "$elf" -m "$work/Enclave.config.xml" -o "$work/x.img"
expect 0 "$cgear" measure "$work/x.img"
has out "security_version: 7"
has out "threads: *3"
has out "stack_size: *524288"
has out "heap_size: *33554432"
has out "debug: *allowed"
printf 'threads = 2\nthreads = 3\n' >"$work/bad.txt"
expect 1 "$cgear" sign -k "$work/k1.pem" -i "$elf" -m "$work/bad.txt" -o "$work/bad.img"
has err "line 2"
[ -e "$work/bad.img" ] && fail "a failed sign left an output file"

# unsigned images: built on request, reported, refused by verify
expect 0 "$cgear" sign --unsigned -i "$elf" -o "$work/u.img"
has out "UNSIGNED"
expect 0 "$cgear" measure --json "$work/u.img"
has out '"signed": false, "signer": null'
[ "$(sed -n 's/.*"measurement": "\([0-9a-f]*\)".*/\1/p' "$work/out")" = "$meas" ] || fail "unsigned measurement"
expect 1 "$cgear" verify "$work/u.img"
has err "not signed"
# a key that is not P-384
if command -v openssl >/dev/null; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/p256.pem" 2>/dev/null
    expect 1 "$cgear" sign -k "$work/p256.pem" -i "$elf" -o "$work/p.img"
    has err "P-384"
    # the signature is ECDSA P-384 over the measurement, checkable with openssl
    sigoff=$(( $(stat -c %s "$work/a.img") - $(od -An -tu4 -j20 -N4 "$work/a.img" | tr -d ' ') ))
    pklen=$(od -An -tu2 -j$((sigoff + 4)) -N2 "$work/a.img" | tr -d ' ')
    svlen=$(od -An -tu2 -j$((sigoff + 6)) -N2 "$work/a.img" | tr -d ' ')
    dd if="$work/a.img" of="$work/pub.der" bs=1 skip=$((sigoff + 8)) count="$pklen" 2>/dev/null
    dd if="$work/a.img" of="$work/sig.der" bs=1 skip=$((sigoff + 8 + pklen)) count="$svlen" 2>/dev/null
    printf '%s' "$meas" | xxd -r -p >"$work/meas.bin" 2>/dev/null || python3 -c "import sys;sys.stdout.buffer.write(bytes.fromhex('$meas'))" >"$work/meas.bin"
    openssl pkeyutl -verify -pubin -keyform DER -inkey "$work/pub.der" -in "$work/meas.bin" -sigfile "$work/sig.der" \
        -pkeyopt digest:sha384 >/dev/null 2>&1 || fail "openssl does not verify the signature over the measurement"
    [ "$(sha384sum "$work/pub.der" | cut -d' ' -f1)" = "$signer1" ] || fail "signer is not SHA-384 of the DER key"
fi

[ "$fails" -eq 0 ] || { echo "cli_test: $fails failure(s)" >&2; exit 1; }
echo "cli_test: OK"
