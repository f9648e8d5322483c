#!/bin/sh
# The independent verifier (docs/verify_report.py: Python standard library
# + the openssl command) accepts a report cgear made, and rejects it with a
# wrong nonce, a wrong measurement, an untrusted certificate or one altered
# byte. Usage: verify_report_test.sh <unit_attest> <verify_report.py>
set -eu
unit=$1
py=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$unit" "$work" # writes report.cbor, platform.pem, expected.txt
nonce=$(awk '$1 == "nonce" {print $2}' "$work/expected.txt")
meas=$(awk '$1 == "measurement" {print $2}' "$work/expected.txt")

fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$py" "$work/report.cbor" --nonce "$nonce" --measurement "$meas" --trusted "$work/platform.pem" --json \
    >"$work/out.json" || fail "a good report was rejected"
grep -q '"module_id": "helloworld"' "$work/out.json" || fail "payload not printed"
grep -q '"digest": "SHA384"' "$work/out.json" || fail "digest not printed"

if python3 "$py" "$work/report.cbor" --nonce 00"$nonce" --trusted "$work/platform.pem" 2>/dev/null; then
    fail "wrong nonce accepted"
fi
if python3 "$py" "$work/report.cbor" --measurement "$(echo "$meas" | tr 0-9 1-90)" 2>/dev/null; then
    fail "wrong measurement accepted"
fi
# A certificate that is not the report's: a fresh self-signed one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -subj /CN=other -days 1 \
    -keyout "$work/k.pem" -out "$work/other.pem" 2>/dev/null
if python3 "$py" "$work/report.cbor" --trusted "$work/other.pem" 2>/dev/null; then
    fail "untrusted certificate accepted"
fi
# Alter one byte inside the payload (offset 40: within module_id / digest).
python3 - "$work/report.cbor" "$work/forged.cbor" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[40] ^= 0x01
open(sys.argv[2], "wb").write(bytes(b))
PY
if python3 "$py" "$work/forged.cbor" 2>/dev/null; then
    fail "altered report accepted"
fi
echo "verify_report.py: all checks passed"
