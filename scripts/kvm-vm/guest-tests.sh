#!/bin/sh
# Runs inside the emulated SVM machine, chrooted into the host's root
# (scripts/kvm-vm/init): cgear doctor, the helloworld demo on the kvm
# engine, and the kvm-labelled CTest tests of BUILD_DIR, writing a JUnit
# report to OUT_DIR/ctest-kvm.xml. Exits non-zero if any step fails.
set -u
build=${1:?usage: guest-tests.sh BUILD_DIR OUT_DIR}
out=${2:?usage: guest-tests.sh BUILD_DIR OUT_DIR}
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
cd "$build" || exit 1

status=0
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
step() {  # step NAME COMMAND...: run, report time and result
    name=$1
    shift
    echo "=== kvm-vm: $name"
    t0=$(now)
    "$@"
    rc=$?
    echo "=== kvm-vm: $name: rc=$rc in $(elapsed "$t0") s (guest clock)"
    [ $rc -eq 0 ] || status=1
    return $rc
}
kvm_kind() {
    kind=$("$build/tools/cgear/cgear" doctor --kvm-kind)
    rc=$?
    echo "cgear doctor --kvm-kind: $kind"
    [ $rc -eq 0 ] && [ "$kind" = svm ]
}

# A heartbeat on the console: the guest's load and busiest processes, so a
# slow or stuck test shows what it is doing (KVM_VM_HEARTBEAT seconds).
(
    while sleep "${KVM_VM_HEARTBEAT:-120}"; do
        echo "KVM-VM-HEARTBEAT: uptime $(cut -d' ' -f1 /proc/uptime)s, load $(cut -d' ' -f1-3 /proc/loadavg)"
        ps -eo pid,ppid,stat,etime,time,comm --sort=-time | head -n 6 | sed 's/^/KVM-VM-HEARTBEAT: /'
    done
) &
heartbeat=$!
trap 'kill $heartbeat 2>/dev/null' EXIT

step "cgear doctor" "$build/tools/cgear/cgear" doctor
step "cgear doctor --kvm-kind (must be svm)" kvm_kind
step "helloworld (CGEAR_ENGINE=kvm)" env CGEAR_ENGINE=kvm "$build/examples/helloworld/helloworld"
# valgrind under TCG is far too slow: valgrind_* stay out (KVM_VM_EXCLUDE,
# a ctest -E regex, changes that).
exclude=${KVM_VM_EXCLUDE-'^valgrind'}
# shellcheck disable=SC2086
step "ctest -L kvm (CGEAR_E2E_CYCLES=$CGEAR_E2E_CYCLES)" \
    ctest -L kvm ${exclude:+-E "$exclude"} --output-on-failure --output-junit "$out/ctest-kvm.xml" $KVM_VM_CTEST_ARGS
exit $status
