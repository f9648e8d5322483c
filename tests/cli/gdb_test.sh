#!/bin/sh
# gdb on the process engine (docs/debugging.md): a debug enclave created
# with CGEAR_GDB=attach can be attached by its host's user, stopped at a
# breakpoint in an ECALL, inspected, stepped and continued; a production
# enclave with the same opt-in, and a debug enclave without it, cannot be
# attached at all.
# Usage: gdb_test.sh <gdb_host> <enclave image>   (the ELF is <image>.elf)
# Run as root, everything (host and gdb) runs as the unprivileged uid 65534:
# root may trace any process, which would prove nothing. Exit 77 (skip)
# without gdb, or where Yama only lets ancestors trace (ptrace_scope >= 1).
set -u
host=$(realpath "$1")
img=$(realpath "$2")
gdb=${GDB:-gdb}
command -v "$gdb" >/dev/null 2>&1 || { echo "SKIP: no gdb"; exit 77; }
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)
case $scope in
none | 0) ;;
*) echo "SKIP: Yama ptrace_scope is $scope: only ancestors (or CAP_SYS_PTRACE) may attach (docs/debugging.md)"; exit 77 ;;
esac
work=$(mktemp -d /tmp/cgear-gdb-XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
cp "$img" "$work/t.enclave" && cp "$img.elf" "$work/t.enclave.elf" && chmod 0644 "$work"/t.enclave*
as=""
if [ "$(id -u)" -eq 0 ]; then
    chown 65534:65534 "$work"
    as="setpriv --reuid=65534 --regid=65534 --clear-groups --"
fi
export HOME="$work" CGEAR_ENGINE=process
unset CGEAR_LOG
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run CASE FLAG GDB_VALUE: start the host in the background, wait for its
# pid line, then attach gdb; gdb's output in $work/CASE.gdb, the host's in
# $work/CASE.out and .err.
run() {
    c=$1
    rm -f "$work/go"
    # shellcheck disable=SC2086
    CGEAR_GDB=$3 timeout 120 $as "$host" "$work/t.enclave" "$2" "$work/go" >"$work/$c.out" 2>"$work/$c.err" &
    hpid=$!
    i=0
    while ! grep -q '^pid ' "$work/$c.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 300 ] || { fail "$c: the host printed no pid"; cat "$work/$c.err" >&2; kill $hpid; return; }
        sleep 0.1
    done
    pid=$(sed -n 's/^pid //p' "$work/$c.out")
    # The go signal is given from inside gdb, once the breakpoint is set
    # (or by the script if gdb could not attach).
    # shellcheck disable=SC2086
    timeout 120 $as "$gdb" -batch -nx -p "$pid" "$work/t.enclave.elf" \
        -ex 'break counter_add' -ex "shell touch $work/go" -ex continue \
        -ex 'print delta' -ex next -ex 'print counter' -ex continue -ex 'print delta' -ex detach \
        >"$work/$c.gdb" 2>&1
    # shellcheck disable=SC2086
    $as touch "$work/go"
    wait $hpid
    hrc=$?
}
has() { grep -q -- "$2" "$work/$1" || { fail "'$2' not in $1"; cat "$work/$1" >&2; }; }
hasnt() { ! grep -q -- "$2" "$work/$1" || { fail "'$2' unexpectedly in $1"; cat "$work/$1" >&2; }; }

# 1. debug enclave, opted in: the host says how to attach; gdb stops in the
# first ECALL, reads its argument, steps, reads the result, continues, stops
# in the second ECALL and detaches (not killed under it: gdb 13 can trip
# over LWPs vanishing at the end); both calls complete.
run dbg debug attach
[ "$hrc" -eq 0 ] || fail "dbg: host exited $hrc"
has dbg.err "is attachable: gdb -p $pid "
has dbg.gdb "hit Breakpoint 1, counter_add (delta=.*41)"
has dbg.gdb '^\$1 = 41$'
has dbg.gdb '^\$2 = 41$'
has dbg.gdb '^\$3 = 1$'
has dbg.out '^result 41 '
has dbg.out '^result 42 '

# 2. production enclave, same opt-in: refused, with the reason; nothing
# runs (the unattachable production process is case 3's and e2e's
# test_proc_mem_unreadable's).
CGEAR_GDB=attach timeout 60 $as "$host" "$work/t.enclave" production "$work/go" >"$work/prod.out" 2>"$work/prod.err"
hrc=$?
[ "$hrc" -ne 0 ] || fail "prod: a production enclave was created with CGEAR_GDB=attach"
has prod.err "CGEAR_GDB=attach refused: enclave 'standalone_enclave' is not a debug enclave"
has prod.err "create failed: CC_ERROR_NOT_SUPPORTED\|create failed: not supported"
hasnt prod.out '^pid '

# 3. debug enclave without the opt-in: as unattachable as production.
run plain debug ""
[ "$hrc" -eq 0 ] || fail "plain: host exited $hrc"
hasnt plain.err "is attachable"
has plain.gdb "ptrace: Operation not permitted"
has plain.out '^result 42 '

[ $fails -eq 0 ] && echo "gdb_test: all checks passed"
exit $((fails != 0))
