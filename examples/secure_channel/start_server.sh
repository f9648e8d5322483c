# start_server.sh - sourced (not run) by test_secure_channel.sh and
# tests/e2e/sc/py_interop.sh: start_server SERVER IMAGE WORK starts the
# example's server for two clients in the background, waits until it
# listens and sets $pid and $port. The caller defines fail(); a server that
# cannot run on this engine (exit 77) ends the caller with 77, a skip.
start_server() {
    "$1" "$2" "$3/port" 2 >"$3/server.out" 2>&1 &
    pid=$!
    _i=0
    while [ ! -s "$3/port" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            _rc=0; wait "$pid" || _rc=$?
            pid=
            [ "$_rc" -eq 77 ] && { cat "$3/server.out" >&2; exit 77; }
            fail "the server ended (status $_rc) before listening"
        fi
        _i=$((_i + 1)); [ $_i -lt 600 ] || fail "the server did not start"
        sleep 0.1
    done
    port=$(cat "$3/port")
}
