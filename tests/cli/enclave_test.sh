#!/bin/sh
# Drive the standalone-enclave commands of the cgear tool and check their
# output and exit status: start, list (text, --json, cleaning dead records),
# attach from separate host processes one after another (state kept, own
# OCALL table), one host at a time, console of a debug enclave (and the
# refusal for others), stop (also while a host is attached: its calls end),
# kill -9 of the holder (attached calls end, the enclave dies with it, list
# removes the record), resource limits, usage errors and bad ids.
# Usage: enclave_test.sh <cgear> <enclave image> <attaching host>
# Engine: $CGEAR_ENGINE (kvm or process; default process). Exit 77 if the
# engine cannot run here. $ATTACH_WRAPPER (e.g. valgrind ...) wraps the
# attaching host.
set -u
cgear=$1
img=$(realpath "$2")
host=$3
engine=${CGEAR_ENGINE:-process}
[ "$engine" = auto ] && engine=process
wrap=${ATTACH_WRAPPER:-}
if ! "$cgear" doctor 2>/dev/null | grep -q "^$engine  *yes"; then
    echo "SKIP: the $engine engine cannot run here"
    exit 77
fi
work=$(mktemp -d /tmp/cgear-encl-XXXXXX)
export XDG_RUNTIME_DIR="$work/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
rt="$XDG_RUNTIME_DIR/cgear"
started=""
cleanup() {
    for i in $started; do "$cgear" enclave stop "$i" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect STATUS CMD...: run, keep stdout/stderr in $work/out and $work/err
expect() {
    want=$1; shift
    timeout 120 "$@" >"$work/out" 2>"$work/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got (wanted $want): $*"; cat "$work/out" "$work/err" >&2; }
}
has() { grep -q -- "$2" "$work/$1" || { fail "'$2' not in $1 of the last command"; cat "$work/$1" >&2; }; }
hasnt() { ! grep -q -- "$2" "$work/$1" || fail "'$2' unexpectedly in $1 of the last command"; }
json_ok() { ! command -v python3 >/dev/null || python3 -m json.tool "$work/out" >/dev/null 2>&1 || fail "stdout is not JSON"; }
# json_get ID KEY: a field of enclave ID from `cgear enclave list --json`
json_get() {
    "$cgear" enclave list --json 2>/dev/null |
        python3 -c "import json,sys; print(next(e['$2'] for e in json.load(sys.stdin) if e['id']=='$1'))"
}
start() { # start ARGS...: start an enclave, its id in $id
    expect 0 "$cgear" enclave start --engine "$engine" "$@"
    id=$(cat "$work/out")
    echo "$id" | grep -Eq '^[0-9a-f]{12}$' || fail "start printed '$id', not an id"
    started="$started $id"
}
attach() { # attach STATUS ID OPS...: run the host attached to ID
    want=$1; a_id=$2; shift 2
    # shellcheck disable=SC2086
    expect "$want" $wrap "$host" "cgear-enclave:$a_id" "$@"
}
gone() { # gone PID: wait up to 10 s for a process to end
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}

# --help, usage errors (status 2, nothing on stdout)
expect 0 "$cgear" --help
has out "enclave"
expect 0 "$cgear" enclave --help
for c in start list console stop; do has out "$c"; done
for c in start list console stop; do
    expect 0 "$cgear" enclave $c --help
    has out "usage: cgear enclave $c"
done
expect 2 "$cgear" enclave
expect 2 "$cgear" enclave bogus
has err "unknown command"
expect 2 "$cgear" enclave start
has err "required"
expect 2 "$cgear" enclave start "$img" --engine warp
has err "unknown engine"
expect 2 "$cgear" enclave start "$img" --cpus 0
has err "cpus"
expect 2 "$cgear" enclave start "$img" --mem lots
expect 2 "$cgear" enclave list --bogus
expect 2 "$cgear" enclave stop
has err "required"
expect 2 "$cgear" enclave stop ../../etc
has err "not an enclave id"
expect 2 "$cgear" enclave console 'A B'
has err "not an enclave id"
[ -s "$work/out" ] && fail "usage error printed on stdout"
expect 1 "$cgear" enclave start "$work/no-such.img"
has err "cannot find"

# nothing running yet
expect 0 "$cgear" enclave list
has out "^ID "
[ "$(wc -l <"$work/out")" -eq 1 ] || fail "empty list printed rows"
expect 0 "$cgear" enclave list --json
json_ok
has out '^\[\]$'
# well-formed ids that name nothing
expect 1 "$cgear" enclave stop 0123456789ab
has err "no enclave with id '0123456789ab'"
expect 1 "$cgear" enclave console 0123456789ab
has err "no enclave with id"
attach 3 0123456789ab add 1
has out "attach: "
has err "no standalone enclave '0123456789ab' is running"
attach 3 'Bad/Id' add 1
has err "does not name a standalone enclave"

# more than the signed manifest grants
expect 1 "$cgear" enclave start --engine "$engine" --cpus 64 "$img"
has err "at most 2 threads"
[ -z "$(ls "$rt")" ] || fail "a failed start left files: $(ls "$rt")"

# start: a non-debug enclave with fewer threads and less heap
start --cpus 1 --mem 64 "$img"
e1=$id
has err "runs on the $engine engine"
has err "cgear-enclave:$e1"
[ "$(stat -c %a "$rt")" = 700 ] || fail "runtime directory is not mode 0700"
[ -S "$rt/$e1.sock" ] && [ -f "$rt/$e1.rec" ] || fail "no socket or record for $e1"
meas=$("$cgear" measure "$img" | sed -n 's/^measurement: *//p')

# list: text and JSON
expect 0 "$cgear" enclave list
has out "^$e1 *$engine *running *1 *64MiB *[0-9]*s *$(echo "$meas" | cut -c1-16)\.\.\. *$img"
expect 0 "$cgear" enclave list --json
json_ok
has out "\"id\":\"$e1\",\"engine\":\"$engine\",\"state\":\"running\""
has out "\"measurement\":\"$meas\""
has out "\"threads\":1,\"memory\":67108864,\"debug\":false"

# two host processes, one after the other: the enclave keeps its state
attach 0 "$e1" info add 5 ocall 20
has out "engine: $engine"
has out "debug: 0"
has out "measurement: $meas"
has out "info: success name: standalone_enclave threads: 1 heap: 67108864 attached: 1 pid: [1-9][0-9]* same-measurement: 1"
has out "counter: 5"
has out "ocall: 41"
# quiet by default: a library says nothing on success; CGEAR_LOG=info shows it
hasnt err "attached to standalone enclave"
CGEAR_LOG=info
export CGEAR_LOG
attach 0 "$e1" add 3
unset CGEAR_LOG
has out "counter: 8"
has err "attached to standalone enclave $e1"
expect 0 "$cgear" enclave list
has out "^$e1 *$engine *running"

# no console for a non-debug enclave
expect 1 "$cgear" enclave console "$e1"
has err "not a debug enclave"
has err "start --debug"

# one host at a time; stop while attached ends the attached host's calls
timeout 60 $wrap "$host" "cgear-enclave:$e1" add 1 wait-lost >"$work/a.out" 2>"$work/a.err" &
apid=$!
for _ in $(seq 100); do grep -q waiting "$work/a.out" && break; sleep 0.1; done
grep -q "counter: 9" "$work/a.out" || fail "background host did not attach: $(cat "$work/a.out" "$work/a.err")"
attach 3 "$e1" add 1
has out "attach: "
has err "one host attaches at a time"
expect 0 "$cgear" enclave list
has out "^$e1 *$engine *attached"
expect 0 "$cgear" enclave stop "$e1"
has out "stopped $e1"
has err "was attached"
wait $apid
st=$?
[ $st -eq 0 ] || fail "attached host exit $st after stop: $(cat "$work/a.out" "$work/a.err")"
grep -q "lost: .*status:" "$work/a.out" || fail "attached host did not see the enclave go"
[ -e "$rt/$e1.sock" ] || [ -e "$rt/$e1.rec" ] || [ -e "$rt/$e1.log" ] && fail "stop left files of $e1"
expect 0 "$cgear" enclave list
hasnt out "$e1"
expect 1 "$cgear" enclave stop "$e1"
has err "no enclave with id"
attach 3 "$e1" add 1

# a debug enclave: its console output, streamed and after the fact
start --debug "$img"
e2=$id
has err "debug"
timeout 60 "$cgear" enclave console "$e2" >"$work/c.out" 2>"$work/c.err" &
cpid=$!
attach 0 "$e2" say "first line from the enclave" add 2
# the streaming console shows it while the enclave runs
for _ in $(seq 100); do grep -q "first line" "$work/c.out" && break; sleep 0.1; done
grep -q "first line from the enclave" "$work/c.out" || fail "console did not stream: $(cat "$work/c.err")"
attach 0 "$e2" say "second line from the enclave" add 2
has out "counter: 4"
expect 0 "$cgear" enclave console --no-follow "$e2"
has out "first line from the enclave"
has out "second line from the enclave"
expect 0 "$cgear" enclave stop "$e2"
wait $cpid
st=$?
[ $st -eq 0 ] || fail "console exit $st after stop: $(cat "$work/c.err")"
grep -q "first line from the enclave" "$work/c.out" && grep -q "second line from the enclave" "$work/c.out" ||
    fail "streamed console lacks the enclave's lines: $(cat "$work/c.out")"

# kill -9 the holder: the attached host's calls end, the enclave dies with
# the holder, list shows it dead once and removes its record
start "$img"
e3=$id
hpid=$(json_get "$e3" holder_pid)
epid=$(json_get "$e3" enclave_pid)
[ "$hpid" -gt 1 ] && [ "$epid" -gt 1 ] || fail "list --json lacks the pids of $e3"
timeout 60 $wrap "$host" "cgear-enclave:$e3" add 7 wait-lost >"$work/a.out" 2>"$work/a.err" &
apid=$!
for _ in $(seq 100); do grep -q waiting "$work/a.out" && break; sleep 0.1; done
kill -9 "$hpid"
wait $apid
st=$?
[ $st -eq 0 ] || fail "attached host exit $st after kill -9 of the holder: $(cat "$work/a.out" "$work/a.err")"
grep -q "lost: " "$work/a.out" || fail "attached host did not see the holder die"
grep -q "holder process ended" "$work/a.err" || fail "attached host did not say why: $(cat "$work/a.err")"
gone "$epid" || fail "the enclave process $epid outlived its holder"
expect 0 "$cgear" enclave list
has out "^$e3 *$engine *dead"
has err "enclave $e3 is dead"
[ -e "$rt/$e3.rec" ] && fail "list kept the record of dead $e3"
expect 0 "$cgear" enclave list --json
json_ok
hasnt out "$e3"
attach 3 "$e3" add 1
has err "no standalone enclave '$e3' is running"

# the enclave crashes while a host is attached: its calls end with the
# reason, and list reports the death once
start "$img"
e6=$id
hpid=$(json_get "$e6" holder_pid)
attach 0 "$e6" add 1 crash
has out "crash: the enclave is gone.* then: the enclave is gone.* status: the enclave crashed"
gone "$hpid" || fail "holder $hpid outlived its crashed enclave"
expect 0 "$cgear" enclave list
has out "^$e6 *$engine *dead"
has err "enclave $e6 is dead (the enclave crashed"
[ -e "$rt/$e6.rec" ] || [ -e "$rt/$e6.log" ] && fail "list kept the files of dead $e6"

# stop and console on a stale record: a clear error, the record goes
start "$img"
e4=$id
hpid=$(json_get "$e4" holder_pid)
kill -9 "$hpid"
gone "$hpid" || fail "holder $hpid survived kill -9"
attach 3 "$e4" add 1
has err "is gone"
expect 1 "$cgear" enclave stop "$e4"
has err "not running"
has err "removed its record"
[ -e "$rt/$e4.rec" ] && fail "stop kept the stale record of $e4"

# SIGTERM to a holder stops its enclave cleanly
start "$img"
e5=$id
hpid=$(json_get "$e5" holder_pid)
kill "$hpid"
gone "$hpid" || fail "holder $hpid ignored SIGTERM"
[ -e "$rt/$e5.rec" ] && fail "SIGTERM left the record of $e5"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "all standalone-enclave checks passed ($engine engine)"
