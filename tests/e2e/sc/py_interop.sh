#!/bin/sh
# The Python client (src/secure_channel/client/python/cgear_sc_client.py:
# standard library + Debian's python3-cryptography, no cgear code) against
# the C server of examples/secure_channel, on the engine CGEAR_ENGINE names:
# handshake, the secret read by the enclave and its answer read back
# (changed, truncated, misdirected and replayed copies of it refused); a
# policy naming another measurement refused.
# Usage: py_interop.sh <python3> <cgear_sc_client.py> <sc_server> <enclave image> <cgear tool>
set -eu
python=$1 pyclient=$2 server=$3 image=$4 cgear=$5
work=$(mktemp -d /tmp/cgear-sc-py-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export CGEAR_PLATFORM_DIR="$work/platform"
. "$(dirname "$0")/../../../examples/secure_channel/start_server.sh"
fail() { echo "py_interop: FAIL: $*" >&2; [ -f "$work/server.out" ] && cat "$work/server.out" >&2; exit 1; }

"$python" -c "import cryptography" 2>/dev/null ||
    fail "$python has no cryptography package (Debian: python3-cryptography, scripts/install-deps.sh)"
"$cgear" platform init >/dev/null
cert="$CGEAR_PLATFORM_DIR/attest-cert.pem"
m=$("$cgear" measure "$image" | awk '$1 == "measurement:" {print $2}')
[ ${#m} -eq 96 ] || fail "no measurement from cgear measure"
wrong=$(echo "$m" | tr '0123456789abcdef' '123456789abcdef0')

start_server "$server" "$image" "$work"

"$python" "$pyclient" "$port" "python secret 42" --measurement "$m" --trusted "$cert" --check-tampering \
    >"$work/py.out" 2>&1 ||
    { cat "$work/py.out" >&2; fail "the Python client failed"; }
cat "$work/py.out"
grep -q 'py_client: the enclave read your 16-byte secret "python secret 42"' "$work/py.out" || fail "wrong answer"
grep -q 'replayed records refused' "$work/py.out" || fail "the Python client's tampering checks did not run"

if "$python" "$pyclient" "$port" "not for you" --measurement "$wrong" --trusted "$cert" >"$work/wrong.out" 2>&1; then
    cat "$work/wrong.out" >&2; fail "a policy naming another measurement connected"
fi
grep -q "measurement is not one we accept" "$work/wrong.out" || { cat "$work/wrong.out" >&2; fail "refused for another reason"; }

rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "the server ended with status $rc"
# the Python client's close reached the enclave: only the refused
# handshake's session was left
grep -q "done, 1 session(s) left" "$work/server.out" || fail "sessions left behind"
echo "py_interop: OK"
