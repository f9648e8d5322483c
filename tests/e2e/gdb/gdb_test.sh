#!/bin/bash
# gdb_test.sh HOST ENCLAVE CGEAR - gdb against a real debug enclave
# (CGEAR_GDB, docs/debugging.md), with Debian's gdb in batch mode and the
# unstripped ELF the build keeps beside the image (ENCLAVE.elf).
#
# kvm engine: refusals (a production enclave, malformed and non-loopback
# specs), then two sessions:
#   fault  attach to the running enclave (all vCPUs stopped), let the host
#          call; the enclave's page fault stops it as SIGSEGV in gdb_crash
#          on the thread that made the ECALL;
#   break  CGEAR_GDB=...,wait: attach before the first guest instruction,
#          break in gdb_add, read its arguments, step, continue to the fault.
#          On the PVM variant breakpoints reach the guest, not the monitor
#          (docs/debugging.md): there it stops at the breakpoint and ends.
# process engine: CGEAR_GDB is refused (no stub).
set -u
host=$1 enclave=$2 cgear=$3
elf=$enclave.elf
d=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; for f in "$d"/*.out; do echo "--- $f"; cat "$f"; done; exit 1; }
command -v gdb >/dev/null || { echo "skipped: no gdb"; exit 77; }
[ -f "$elf" ] || fail "no $elf"

# must fail, with @why in its output
refused() {
    local why=$1; shift
    env "$@" "$host" "$enclave" create ${PROD:-} > "$d/r.out" 2>&1 && fail "not refused: $*"
    grep -q -- "$why" "$d/r.out" || fail "refused without '$why': $* ($(cat "$d/r.out"))"
    echo "ok: refused $* ($why)"
}

if [ "${CGEAR_ENGINE:-}" = process ]; then
    # the process engine serves no stub (tests/cli/gdb_test.sh attaches by pid)
    PROD=prod refused "not a debug enclave" CGEAR_GDB=unix:$d/p.sock
    refused "not understood" CGEAR_GDB=bogus
    exit 0
fi
"$host" "$enclave" create > "$d/probe.out" 2>&1 || { grep -q "unavailable\|not usable\|cannot" "$d/probe.out" && exit 77; fail "plain create"; }
kind=$("$cgear" doctor --kvm-kind 2>/dev/null || echo unknown)
echo "KVM: $kind"

PROD=prod refused "production enclave" CGEAR_GDB=unix:$d/x.sock
refused "loopback" CGEAR_GDB=tcp:10.1.2.3:4000
refused "loopback" CGEAR_GDB=tcp:0.0.0.0:4000
refused "port must be" CGEAR_GDB=tcp:127.0.0.1:0
refused "expected unix:PATH" CGEAR_GDB=serial:/dev/ttyS0
refused "expected unix:PATH" CGEAR_GDB=unix:
touch "$d/plain"
refused "not a socket" CGEAR_GDB=unix:$d/plain

# start_host NAME SPEC: the host in the background, its socket up
start_host() {
    rm -f "$d/$1.go"
    CGEAR_GDB=$2 "$host" "$enclave" run "$d/$1.go" > "$d/$1-host.out" 2>&1 &
    for _ in $(seq 300); do [ -S "$d/$1.sock" ] && return; sleep 0.1; done
    fail "$1: no gdb socket"
}
gdb_run() { # NAME then gdb commands
    local name=$1; shift
    local args=()
    for c in "$@"; do args+=(-ex "$c"); done
    timeout 120 gdb -batch -nx -ex "set pagination off" -ex "file $elf" -ex "target remote $d/$name.sock" \
        "${args[@]}" > "$d/$name-gdb.out" 2>&1
    wait
}
expect() { grep -q -- "$2" "$d/$1" || fail "$1: no '$2'"; }

# fault: attached while it runs; the fault stops on the ECALL's thread
start_host fault "unix:$d/fault.sock"
for _ in $(seq 300); do grep -q created "$d/fault-host.out" && break; sleep 0.1; done
gdb_run fault "info threads" "shell touch $d/fault.go" "continue" "info threads" "bt" "continue"
expect fault-gdb.out "Thread 1 "
expect fault-gdb.out "received signal SIGSEGV"
expect fault-gdb.out "^#0 .*gdb_crash (how=.*1)"
expect fault-gdb.out '^\* 1 .*gdb_crash'   # the faulting thread is the selected one
expect fault-gdb.out "^#.*cg__stub_gdb_crash"
expect fault-host.out "add: .* 42"
expect fault-host.out "crash: "
expect fault-host.out "page fault"
echo "ok: fault stops as SIGSEGV in gdb_crash"

# a standalone enclave: cgear enclave start --gdb; attach, detach, attach again
"$cgear" enclave start "$enclave" --gdb "unix:$d/sa.sock" > "$d/sa-start.out" 2>&1 && fail "--gdb without --debug"
expect sa-start.out "needs --debug"
id=$(XDG_RUNTIME_DIR=$d "$cgear" enclave start "$enclave" --debug --engine kvm --gdb "unix:$d/sa.sock" 2>"$d/sa.out" | tail -1)
[ -n "$id" ] && [ -S "$d/sa.sock" ] || fail "cgear enclave start --gdb"
for n in 1 2; do
    timeout 60 gdb -batch -nx -ex "file $elf" -ex "target remote $d/sa.sock" -ex "info threads" -ex detach \
        > "$d/sa-gdb$n.out" 2>&1
    expect sa-gdb$n.out "Thread 2 .* in syscall"
    expect sa-gdb$n.out "detached"
done
XDG_RUNTIME_DIR=$d "$cgear" enclave stop "$id" > /dev/null 2>&1 || fail "the standalone enclave did not survive gdb"
echo "ok: cgear enclave start --gdb, attach and detach twice"

# interrupt (gdb's Ctrl-C: SIGINT to gdb sends 0x03) a spinning ECALL,
# write enclave memory, continue from that stop to the ECALL's end and on
# to the fault
rm -f "$d/int.go"
CGEAR_GDB=unix:$d/int.sock "$host" "$enclave" spin "$d/int.go" > "$d/int-host.out" 2>&1 &
ipid=$!
for _ in $(seq 300); do [ -S "$d/int.sock" ] && break; sleep 0.1; done
timeout 120 gdb -batch -nx -ex "set pagination off" -ex "file $elf" -ex "target remote $d/int.sock" \
    -ex "shell touch $d/int.go" -ex "continue" -ex "info threads" -ex "print gdb_stop_spin = 1" -ex "continue" \
    -ex "bt 1" -ex "continue" > "$d/int-gdb.out" 2>&1 &
gpid=$!
for _ in $(seq 300); do [ -f "$d/int.go" ] && break; sleep 0.1; done
sleep 2
kill -INT $gpid
wait $gpid
wait $ipid
expect int-gdb.out "received signal SIGINT"
expect int-gdb.out "gdb_spin (max_rounds="   # "0x... in gdb_spin" or, at a line start, "gdb_spin"
expect int-gdb.out '^\$1 = 1'
expect int-gdb.out "received signal SIGSEGV"
expect int-host.out "spin: success 1"   # 1: it stopped because gdb wrote the flag
expect int-host.out "add: .* 42"
echo "ok: interrupt a running ECALL, write memory, continue"

# break: from the first instruction
start_host brk "unix:$d/brk.sock,wait"
if [ "$kind" = pvm ]; then
    # PVM: the variant delivers #BP to the guest, and the shim cannot
    # return from an exception there (docs/kvm-pvm.md): the stop is at the
    # breakpoint with the arguments readable, but the enclave cannot go on
    # past it (docs/debugging.md), so continuing is not claimed here.
    gdb_run brk "break gdb_add" "shell touch $d/brk.go" "continue" "print a" "print b" "kill"
    expect brk-gdb.out "gdb_add (a=.*2, b=.*40)"
    expect brk-gdb.out '^\$1 = 2'
    expect brk-gdb.out '^\$2 = 40'
    echo "ok: breakpoint and arguments (PVM: continuing and stepping past a breakpoint are not possible, docs/debugging.md)"
    exit 0
fi
# VMX/SVM: #BP and the single step's #DB come to the monitor, from KVM or
# (where KVM does not intercept an int3: QEMU's emulated SVM) from the shim,
# which returns to the enclave when gdb resumes it.
gdb_run brk "break gdb_add" "shell touch $d/brk.go" "continue" "print a" "print b" "print \$pc" "stepi" \
    "print \$pc" "next" "finish" "delete" "continue" "bt 1" "continue"
expect brk-gdb.out "hit Breakpoint 1, gdb_add (a=.*2, b=.*40)"
expect brk-gdb.out '^\$1 = 2'
expect brk-gdb.out '^\$2 = 40'
pc1=$(sed -n 's/^\$3 = .*0x\([0-9a-f]*\).*/\1/p' "$d/brk-gdb.out")
pc2=$(sed -n 's/^\$4 = .*0x\([0-9a-f]*\).*/\1/p' "$d/brk-gdb.out")
[ -n "$pc1" ] && [ -n "$pc2" ] && [ "$pc1" != "$pc2" ] || fail "stepi did not move the pc ($pc1 -> $pc2)"
expect brk-gdb.out 'Value returned is \$5 = 42'
expect brk-gdb.out "received signal SIGSEGV"
expect brk-gdb.out "gdb_crash (how=.*1)"
expect brk-host.out "add: .* 42"
echo "ok: break, arguments, stepi, next, continue, fault ($kind)"
