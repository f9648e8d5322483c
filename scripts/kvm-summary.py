#!/usr/bin/env python3
"""The end of `make test`: which KVMs the kvm engine's tests ran on, and how
many passed on each. A run in which no kvm test ran on any KVM fails: a
skipped kvm test proves nothing.

usage: kvm-summary.py [--native KIND JUNIT]... [--emulated JUNIT]...

KIND is what `cgear doctor --kvm-kind` printed (pvm, vmx, svm or none);
JUNIT is a CTest --output-junit report. A kvm test is a CTest test whose
name ends in `_kvm` (tests/CMakeLists.txt names them so)."""
import sys
import xml.etree.ElementTree as ET

NAMES = {"pvm": "native PVM (paravirtual KVM)", "vmx": "native VMX (Intel)", "svm": "native SVM (AMD)"}


def count(path):
    """(passed, failed, skipped) kvm tests in one JUnit report."""
    passed = failed = skipped = 0
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"kvm-summary: cannot read {path}: {e}", file=sys.stderr)
        return 0, 0, 0
    for case in root.iter("testcase"):
        if not case.get("name", "").endswith("_kvm"):
            continue
        if case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
            skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None or case.get("status") == "fail":
            failed += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(argv):
    runs = {}  # label -> [passed, failed, skipped]
    i = 0
    while i < len(argv):
        if argv[i] == "--native" and i + 2 < len(argv):
            kind, path = argv[i + 1], argv[i + 2]
            label = NAMES.get(kind, f"native ({kind}: no usable KVM)")
            i += 3
        elif argv[i] == "--emulated" and i + 1 < len(argv):
            label, path = "emulated SVM (QEMU TCG -cpu max, Debian kernel, kvm_amd)", argv[i + 1]
            i += 2
        else:
            print(__doc__, file=sys.stderr)
            return 2
        r = runs.setdefault(label, [0, 0, 0])
        for k, v in enumerate(count(path)):
            r[k] += v
    total = 0
    print("\nkvm engine: which KVMs this run exercised")
    for label, (p, f, s) in runs.items():
        extra = "".join([f", {f} failed" if f else "", f", {s} skipped" if s else ""])
        print(f"  {label}: {p} kvm tests passed{extra}")
        total += p
    if total == 0:
        print("FAIL: no kvm test ran on any KVM: run on a machine with /dev/kvm, or fix the emulated SVM machine (docs/testing.md)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
