#!/bin/sh
# Install the Debian packages cgear needs to build and test, if missing.
# Safe to run repeatedly: does nothing when everything is there.
set -eu

PACKAGES="gcc make cmake pkg-config musl-dev musl-tools libseccomp-dev libcmocka-dev libssl-dev libbearssl-dev libcbor-dev clang libclang-rt-14-dev valgrind python3 python3-cryptography qemu-system-x86 busybox-static kmod gdb"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "cgear: installing Debian packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "cgear: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
