#!/bin/sh
# secure_channel example end to end, on the engine CGEAR_ENGINE names:
# the server (host + enclave) on 127.0.0.1, a client with a policy naming
# the enclave's measurement gets its secret read and answered by the
# enclave; a client whose policy names another measurement refuses to
# connect; the server ends with no session left.
# Usage: test_secure_channel.sh <sc_server> <sc_client> <enclave image> <cgear tool>
set -eu
server=$1 client=$2 image=$3 cgear=$4
work=$(mktemp -d /tmp/cgear-sc-example-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export CGEAR_PLATFORM_DIR="$work/platform"
. "$(dirname "$0")/start_server.sh"
fail() { echo "test_secure_channel: FAIL: $*" >&2; [ -f "$work/server.out" ] && cat "$work/server.out" >&2; exit 1; }

# The data owner's policy: this image's measurement, production only.
m=$("$cgear" measure "$image" | awk '$1 == "measurement:" {print $2}')
[ ${#m} -eq 96 ] || fail "no measurement from cgear measure"
printf 'measurement = %s\n' "$m" >"$work/policy"
printf 'measurement = %s\n' "$(echo "$m" | tr '0123456789abcdef' '123456789abcdef0')" >"$work/wrong"

start_server "$server" "$image" "$work"

"$client" "$port" "$work/policy" "my secret 1234" >"$work/client.out" 2>&1 || { cat "$work/client.out" >&2; fail "the client failed"; }
cat "$work/client.out"
grep -q 'the enclave read your 14-byte secret "my secret 1234"' "$work/client.out" || fail "wrong answer"

if "$client" "$port" "$work/wrong" "not for you" >"$work/wrong.out" 2>&1; then
    cat "$work/wrong.out" >&2; fail "a client whose policy names another measurement connected"
fi
grep -q "sec chl verify ra report" "$work/wrong.out" || { cat "$work/wrong.out" >&2; fail "refused for another reason"; }
grep -q "not for you" "$work/server.out" && fail "the secret reached the server"

rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "the server ended with status $rc"
cat "$work/server.out"
# the first client closed its session; the refused client's handshake left
# one the enclave made for it (freed when the service stops)
grep -q "done, 1 session(s) left" "$work/server.out" || fail "sessions left behind"
echo "test_secure_channel: OK"
