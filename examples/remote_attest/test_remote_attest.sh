#!/bin/sh
# remote_attest end to end: attest_host writes a report and a policy; in
# other processes `cgear attest verify` accepts it, refuses a wrong nonce,
# and docs/verify_report.py accepts it too.
# Usage: test_remote_attest.sh <attest_host> <cgear tool> <verify_report.py> [python3]
set -eu
host=$1
cgear=$2
pyverify=$3
python=${4:-python3}
work=$(mktemp -d /tmp/cgear-remote-attest-XXXXXX)
trap 'rm -rf "$work"' EXIT
# A platform (root secret, attestation key) of our own.
export CGEAR_PLATFORM_DIR="$work/platform"

fail() { echo "test_remote_attest: FAIL: $*" >&2; exit 1; }
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# The verifier picks a fresh nonce; the attester binds it into its report.
nonce=$(hex 32)
"$host" "$nonce" "$work/report" "$work/policy" >"$work/host.out" 2>&1 || { cat "$work/host.out" >&2; fail "attest_host"; }
[ -s "$work/report" ] || fail "attest_host wrote no report"
grep -qx "debug = refused" "$work/policy" || { cat "$work/policy" >&2; fail "the policy does not refuse debug (the enclave should run in production mode)"; }

# cgear's verifier, another process.
"$cgear" attest verify "$work/report" --nonce "$nonce" --policy "$work/policy" >"$work/verify.out" 2>&1 ||
    { cat "$work/verify.out" >&2; fail "cgear attest verify refused the report"; }

# Another nonce (a replayed report): refused, exit 1, saying why.
set +e
"$cgear" attest verify "$work/report" --nonce "$(hex 32)" --policy "$work/policy" >"$work/replay.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$work/replay.out" >&2; fail "a wrong nonce: wanted exit 1, got $rc"; }
grep -qi "nonce" "$work/replay.out" || { cat "$work/replay.out" >&2; fail "a wrong nonce was refused for another reason"; }

# Another measurement in the policy: refused.
sed "s/^measurement = .*/measurement = $(hex 48)/" "$work/policy" >"$work/other-policy"
"$cgear" attest verify "$work/report" --nonce "$nonce" --policy "$work/other-policy" >/dev/null 2>&1 &&
    fail "a policy pinning another measurement accepted the report"

# The independent verifier: standard library + openssl, trusting the
# platform certificate exported from this machine.
"$cgear" platform export-cert -o "$work/platform.pem" >/dev/null || fail "cgear platform export-cert"
measurement=$(sed -n 's/^measurement = //p' "$work/policy")
signer=$(sed -n 's/^signer = //p' "$work/policy")
"$python" "$pyverify" "$work/report" --nonce "$nonce" --trusted "$work/platform.pem" \
    --measurement "$measurement" ${signer:+--signer "$signer"} >"$work/py.out" 2>&1 ||
    { cat "$work/py.out" >&2; fail "verify_report.py refused the report"; }
"$python" "$pyverify" "$work/report" --nonce "$(hex 32)" --trusted "$work/platform.pem" >/dev/null 2>&1 &&
    fail "verify_report.py accepted a wrong nonce"

echo "test_remote_attest: OK (report accepted by cgear attest verify and verify_report.py, wrong nonce and measurement refused)"
