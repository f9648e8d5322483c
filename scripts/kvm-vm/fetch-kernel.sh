#!/bin/sh
# Fetch Debian's stock kernel (the versioned image package that
# linux-image-amd64 depends on) into CACHE_DIR, unpacked with dpkg -x, and
# print the unpacked root (CACHE_DIR/PACKAGE). Reused when already there.
# Nothing is installed on this machine.
#
# usage: fetch-kernel.sh CACHE_DIR
set -eu
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# The package linux-image-amd64 depends on, e.g. linux-image-6.1.0-57-amd64.
resolve() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *|\{0,1\}Depends: <\{0,1\}\(linux-image-[^ >]*\)>\{0,1\}$/\1/p' | head -n 1
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
    # No package lists yet (a fresh machine): a kernel already unpacked will do.
    for d in "$cache"/linux-image-*; do
        if [ -f "$d/.complete" ]; then
            echo "$d"
            exit 0
        fi
    done
    echo "kvm-vm: apt knows no linux-image-amd64: running apt-get update" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    $SUDO apt-get update -qq >&2
    pkg=$(resolve)
    [ -n "$pkg" ] || { echo "kvm-vm: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }
fi

root="$cache/$pkg"
if [ -f "$root/.complete" ]; then
    echo "$root"
    exit 0
fi

dl="$cache/download"
rm -rf "$dl" "$root.tmp"
mkdir -p "$dl"
download() {
    (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
}
if ! download; then
    echo "kvm-vm: apt-get download $pkg failed: running apt-get update and retrying" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    $SUDO apt-get update -qq >&2
    download
fi
deb=$(ls "$dl"/*.deb)
echo "kvm-vm: unpacking $(basename "$deb")" >&2
dpkg -x "$deb" "$root.tmp"
ls "$root.tmp"/boot/vmlinuz-* >/dev/null
touch "$root.tmp/.complete"
mv "$root.tmp" "$root"
rm -rf "$dl"
echo "$root"
