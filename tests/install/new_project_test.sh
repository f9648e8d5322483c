#!/bin/sh
# `cgear new` end to end, as a user would: install cgear into a scratch
# prefix, let the INSTALLED tool write a project, build it with the
# commands its README gives, and run it on the best engine here.
# Usage: new_project_test.sh <cgear build dir>
set -eu
build=$1
work=$(mktemp -d /tmp/cgear-new-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "new_project_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null
cgear=$work/prefix/bin/cgear
cd "$work"
"$cgear" new sealdemo
cd sealdemo

# The README's build and run commands, exactly as written (the first two
# lines of its code block); the installed tool put its own prefix there.
sed -n '/^```$/,/^```$/p' README.md | sed '1d;$d' > commands.txt
build_cmd=$(sed -n 1p commands.txt)
run_cmd=$(sed -n 2p commands.txt)
case $build_cmd in *"-DCMAKE_PREFIX_PATH=$work/prefix "*) ;; *) die "README build command: $build_cmd" ;; esac
[ "$run_cmd" = "./build/sealdemo-host" ] || die "README run command: $run_cmd"
sh -c "$build_cmd" >build.log 2>&1 || { cat build.log >&2; die "the generated project does not build"; }
[ -f build/sealdemo.enclave.elf ] || die "no enclave ELF for gdb at build/sealdemo.enclave.elf"
"$cgear" verify build/sealdemo.enclave >/dev/null || die "the enclave image is not signed and valid"

# The engine the runtime picks here (kvm on this project's machines).
engine=$("$cgear" doctor | sed -n 's/^AUTO_ENCLAVE_TYPE runs enclaves on: //p')
[ -n "$engine" ] || die "cgear doctor names no engine"

check() { # check MODE OUTPUT
    echo "$2" | grep -qx "enclave created on the $engine engine ($1)" || die "$1: not created on $engine"
    echo "$2" | grep -qx 'ocall host_log: transform: 19 bytes processed in the enclave' || die "$1: no OCALL seen"
    echo "$2" | grep -qx 'ecall transform: "hello from sealdemo" -> "HELLO FROM SEALDEMO"' || die "$1: wrong ECALL result"
    echo "$2" | grep -qx 'sealing: [0-9]*-byte blob held by the host, unsealed in the enclave: round trip OK' ||
        die "$1: no seal/unseal round trip"
}
out=$(sh -c "$run_cmd") || die "the host failed: $out"
echo "$out"
check production "$out"
out=$(./build/sealdemo-host --debug) || die "the host failed with --debug: $out"
echo "$out"
check debug "$out"
echo "new_project_test: OK ($engine engine)"
