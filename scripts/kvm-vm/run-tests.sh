#!/bin/bash
# The emulated SVM machine: boots Debian's stock kernel (linux-image-amd64,
# fetched with apt-get download, never installed) in qemu-system-x86_64
# under TCG with -cpu max (AMD SVM with nested paging, emulated), loads
# kvm and kvm_amd from that kernel package, shares the host's root over
# virtio-9p and runs, chrooted into it, cgear doctor, the helloworld demo
# and `ctest -L kvm` of BUILD_DIR on a real (emulated-hardware) SVM KVM.
# No /dev/kvm needed on this machine.
#
# usage: run-tests.sh BUILD_DIR
#
# Writes BUILD_DIR/kvm-vm/: console.log (the serial console), ctest-kvm.xml
# (JUnit), result (the guest's exit status), kernel/ (the unpacked kernel
# package, reused), initramfs.cpio. Exits non-zero if the machine does not
# boot, has no /dev/kvm, or any step or test fails.
#
# Environment: KVM_VM_TIMEOUT (s, whole run, 2400), KVM_VM_MEM (6G),
# KVM_VM_SMP (2), KVM_VM_CYCLES (CGEAR_E2E_CYCLES, 20), KVM_VM_CTEST_ARGS
# (more ctest arguments, e.g. "-R e2e_kvm"), KVM_VM_EXCLUDE (ctest -E
# regex; default: the valgrind tests, far too slow here), KVM_VM_HEARTBEAT (s between the
# guest's heartbeat lines, 120), KVM_VM_STALL (s of console silence taken
# as a hang, 3 heartbeats + 60), KVM_VM_CACHE (9p cache mode, loose),
# KVM_VM_TCG_THREAD (single; multi hangs on QEMU 7.2, docs/testing.md).
# While it runs, BUILD_DIR/kvm-vm/monitor.sock is the QEMU monitor
# (scripts/kvm-vm/monitor.py).
set -euo pipefail
shopt -s extglob

here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd -P)
[ -f "$build/CMakeCache.txt" ] || { echo "kvm-vm: $build is not a CMake build directory" >&2; exit 2; }
grep -q '^CGEAR_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" &&
    { echo "kvm-vm: $build is a sanitizer build; give the plain build" >&2; exit 2; }
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
src=$(cd "$src" && pwd -P)
[ -f "$src/scripts/kvm-vm/guest-tests.sh" ] || { echo "kvm-vm: no scripts/kvm-vm in $src" >&2; exit 2; }

out="$build/kvm-vm"
timeout_s=${KVM_VM_TIMEOUT:-2400}
mem=${KVM_VM_MEM:-6G}
smp=${KVM_VM_SMP:-2}
cycles=${KVM_VM_CYCLES:-20}
tcg_thread=${KVM_VM_TCG_THREAD:-single}
heartbeat_s=${KVM_VM_HEARTBEAT:-120}
stall_s=${KVM_VM_STALL:-$((3 * heartbeat_s + 60))}
mkdir -p "$out"
log="$out/console.log"
rm -f "$out/result" "$out/ctest-kvm.xml" "$log" "$out/.hung" "$out/.t_ready" "$out/qemu.pid"

for tool in qemu-system-x86_64 modinfo timeout; do
    command -v "$tool" >/dev/null || { echo "kvm-vm: $tool missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
busybox=/bin/busybox
if [ ! -x $busybox ] || ldd $busybox >/dev/null 2>&1; then
    echo "kvm-vm: $busybox is not a static busybox (install busybox-static)" >&2
    exit 1
fi

# 1. The kernel package, unpacked once into the build directory.
kroot=$("$here/fetch-kernel.sh" "$out/kernel")
vmlinuz=$(ls "$kroot"/boot/vmlinuz-* | head -n 1)
kver=${vmlinuz##*/vmlinuz-}
moddir="$kroot/lib/modules/$kver"
echo "kvm-vm: kernel $(basename "$kroot") ($kver)"

# 2. The initramfs: static busybox, the init script, and kvm, kvm_amd,
# virtio-pci and 9p with their dependencies (modinfo -F depends), in load
# order. A module built into the kernel (modules.builtin) is skipped.
stage="$out/initramfs"
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,etc,modules}
cp $busybox "$stage/bin/busybox"
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"

declare -A loaded=()
order=()
modfile() {  # module name -> .ko path ('-' and '_' are the same in names)
    local pat=${1//[-_]/[-_]}
    find "$moddir/kernel" -name "$pat.ko*" | head -n 1
}
addmod() {
    local name=${1//-/_} f dep
    [ -n "${loaded[$name]:-}" ] && return 0
    loaded[$name]=1
    f=$(modfile "$name")
    if [ -z "$f" ]; then
        if grep -q "/${name//_/[-_]}\.ko" "$moddir/modules.builtin"; then
            return 0
        fi
        echo "kvm-vm: module $name not in $moddir" >&2
        exit 1
    fi
    for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
        addmod "$dep"
    done
    case "$f" in
    *.ko) cp "$f" "$stage/modules/$name.ko" ;;
    *) echo "kvm-vm: compressed module $f not supported" >&2; exit 1 ;;
    esac
    order+=("$name")
}
for m in virtio_pci 9pnet_virtio 9p kvm kvm_amd; do
    addmod "$m"
done
printf '%s\n' "${order[@]}" >"$stage/modules/order"
echo "kvm-vm: modules: ${order[*]}"

q() { printf "%q" "$1"; }
cat >"$stage/etc/kvm-vm.conf" <<CONF
KVM_VM_SRC=$(q "$src")
KVM_VM_BUILD=$(q "$build")
KVM_VM_OUT=$(q "$out")
KVM_VM_CYCLES=$(q "$cycles")
KVM_VM_CTEST_ARGS=$(q "${KVM_VM_CTEST_ARGS:-}")
KVM_VM_EXCLUDE=$(q "${KVM_VM_EXCLUDE-^valgrind}")
KVM_VM_MSIZE=$(q "${KVM_VM_MSIZE:-512000}")
KVM_VM_CACHE=$(q "${KVM_VM_CACHE:-loose}")
KVM_VM_HEARTBEAT=$(q "$heartbeat_s")
CONF
(cd "$stage" && find . | $busybox cpio -o -H newc -R 0:0 2>/dev/null) >"$out/initramfs.cpio"
rm -rf "$stage"

# A guest stuck in its kernel does not come back: on the third soft
# lockup, or when the console (which the guest's heartbeat feeds every
# KVM_VM_HEARTBEAT s) stays silent for KVM_VM_STALL s, print where its vCPUs
# are and stop it instead of waiting for the timeout.
stuck() {
    echo "kvm-vm: the guest is stuck ($1): its vCPUs, then stopping it" | tee -a "$log"
    python3 "$here/monitor.py" "$out/monitor.sock" "info registers -a" 2>&1 |
        grep -E '^(CPU#|RIP=|RAX=|RSI=|R8 |R12|CS |CR0|EFER)' | tee -a "$log" || true
    touch "$out/.hung"
    kill "$(cat "$out/qemu.pid" 2>/dev/null)" 2>/dev/null || true
}
# The serial console: to stdout and console.log, the markers noted.
console() {
    local line pending="" lockups=0 last rc
    last=$(date +%s)
    while :; do
        if IFS= read -r -t 30 line; then
            line=$pending$line
            pending=""
        else
            rc=$?
            if [ $rc -gt 128 ]; then  # no full line for 30 s
                pending+=$line
                if [ ! -f "$out/.hung" ] && [ $(($(date +%s) - last)) -gt "$stall_s" ]; then
                    stuck "no console output for ${stall_s}s"
                fi
                continue
            fi
            [ -z "$pending$line" ] && break  # end of output
            line=$pending$line
            pending=""
        fi
        last=$(date +%s)
        line=${line%$'\r'}
        line=${line//$'\e'\[?(\?)*([0-9;])[a-zA-Z]/}  # SeaBIOS's terminal codes
        line=${line//$'\e'c/}
        printf '%s\n' "$line"
        printf '%s\n' "$line" >>"$log"
        case "$line" in
        KVM-VM-READY:*) date +%s.%N >"$out/.t_ready" ;;
        *"watchdog: BUG: soft lockup"*)
            lockups=$((lockups + 1))
            if [ $lockups -eq 3 ]; then stuck "soft lockups in its kernel"; fi
            ;;
        esac
    done
}

# 3. Boot. The console goes to stdout and console.log; the guest's
# markers give the boot time and its exit status.
echo "kvm-vm: booting qemu-system-x86_64 -accel tcg,thread=$tcg_thread -cpu max -m $mem -smp $smp (timeout ${timeout_s}s)"
t_start=$(date +%s.%N)
t_ready=""
guest_rc=""
set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
    -accel tcg,thread="$tcg_thread" -cpu max -machine q35 -m "$mem" -smp "$smp" \
    -nographic -no-reboot -nodefaults -serial stdio \
    -monitor unix:"$out/monitor.sock",server=on,wait=off -pidfile "$out/qemu.pid" \
    -kernel "$vmlinuz" -initrd "$out/initramfs.cpio" \
    -append "console=ttyS0 panic=-1 quiet loglevel=5 mitigations=off" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap \
    </dev/null 2>&1 |
console
qemu_rc=${PIPESTATUS[0]}
set -e
t_end=$(date +%s.%N)
[ -f "$out/.t_ready" ] && t_ready=$(cat "$out/.t_ready")
rm -f "$out/.t_ready"

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
echo
echo "kvm-vm: qemu exited with $qemu_rc after $(secs "$t_start" "$t_end") s"
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
    echo "kvm-vm: FAIL: timed out after ${timeout_s}s (log: $log)"
    exit 1
fi
if [ -f "$out/.hung" ]; then
    rm -f "$out/.hung"
    echo "kvm-vm: FAIL: the guest hung (its vCPU registers are in $log)"
    exit 1
fi
if [ -z "$t_ready" ]; then
    echo "kvm-vm: FAIL: the machine did not boot to its tests (log: $log)"
    exit 1
fi
echo "kvm-vm: boot (qemu start to chroot ready): $(secs "$t_start" "$t_ready") s wall"
echo "kvm-vm: tests in the guest: $(secs "$t_ready" "$t_end") s wall"

if [ -f "$out/result" ]; then
    guest_rc=$(cat "$out/result")
else
    guest_rc=$(sed -n 's/^KVM-VM-RESULT: rc=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
fi
if [ -z "$guest_rc" ]; then
    echo "kvm-vm: FAIL: no exit status from the guest (log: $log)"
    exit 1
fi

# 4. Per-test results from the JUnit report.
junit_bad=0
if [ -f "$out/ctest-kvm.xml" ]; then
    python3 - "$out/ctest-kvm.xml" <<'PY' || junit_bad=1
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
bad = 0
counts = {"passed": 0, "failed": 0, "skipped": 0}
for tc in root.iter("testcase"):
    st = tc.get("status", "")
    if tc.find("failure") is not None or st in ("fail", "failed"):
        res = "failed"
    elif tc.find("skipped") is not None or st in ("notrun", "disabled", "skipped"):
        res = "skipped"
    else:
        res = "passed"
    counts[res] += 1
    print(f"kvm-vm:   {tc.get('name'):28s} {res:8s} {float(tc.get('time', 0)):8.1f} s")
print(f"kvm-vm: kvm tests in the emulated SVM guest: {counts['passed']} passed, "
      f"{counts['failed']} failed, {counts['skipped']} skipped")
# A skipped kvm test did not run on the SVM KVM: that is a failure here.
sys.exit(1 if counts["failed"] or counts["skipped"] or not counts["passed"] else 0)
PY
else
    echo "kvm-vm: no JUnit report ($out/ctest-kvm.xml): ctest did not run"
    junit_bad=1
fi

if [ "$guest_rc" -ne 0 ] || [ "$junit_bad" -ne 0 ]; then
    echo "kvm-vm: FAIL (guest status $guest_rc; log: $log)"
    exit 1
fi
echo "kvm-vm: PASS (log: $log)"
