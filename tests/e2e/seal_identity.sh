#!/bin/sh
# Sealed blobs are bound to the enclave, the signer and the platform:
#   measurement policy: another image (same ELF, other manifest name) fails;
#   signer policy:      that image unseals, an image signed by another key fails;
#   either policy:      another platform (CGEAR_PLATFORM_DIR) fails.
# Usage: seal_identity.sh <e2e_host> <e2e.enclave> <cgear tool>
# (CGEAR_ENGINE picks the engine, as for e2e_host.)
set -eu
host=$1
image=$2
cgear=$3
work=$(mktemp -d /tmp/cgear-seal-XXXXXX)
trap 'rm -rf "$work"' EXIT
export CGEAR_PLATFORM_DIR="$work/platform-a"

fail() { echo "seal_identity: FAIL: $*" >&2; exit 1; }

# Engine unusable here: the same skip as e2e_host (exit 77).
set +e
"$host" "$image" seal 0 "$work/m.blob" >"$work/out" 2>&1
rc=$?
set -e
[ $rc -eq 77 ] && { cat "$work/out" >&2; exit 77; }
if [ $rc -ne 0 ]; then
    cat "$work/out" >&2
    grep -q "0xffff000a" "$work/out" &&
        fail "sealing is not available in the enclave (CC_ERROR_NOT_SUPPORTED): no key block on fd 8 or no platform keys"
    fail "sealing with the measurement policy"
fi
"$host" "$image" seal 2 "$work/s.blob" >/dev/null || fail "sealing with the signer policy"

expect() { # expect ok|refused IMAGE BLOB WHAT
    set +e
    out=$("$host" "$2" unseal "$3" 2>&1)
    rc=$?
    set -e
    case "$1:$rc" in
    ok:0) ;;
    refused:1) echo "$out" | grep -q "unseal: 0xffff3071" || fail "$4: refused, but not with CC_ERROR_MAC_INVALID: $out" ;;
    *) fail "$4: wanted $1, got exit $rc: $out" ;;
    esac
}

expect ok "$image" "$work/m.blob" "same image, measurement policy"
expect ok "$image" "$work/s.blob" "same image, signer policy"

# Another enclave: the same ELF re-signed with another name (another
# measurement), by the same development key.
key=$(dirname "$image")
while [ ! -f "$key/cgear-dev-signing-key.pem" ] && [ "$key" != / ]; do key=$(dirname "$key"); done
[ -f "$key/cgear-dev-signing-key.pem" ] || fail "no development key above $image"
key=$key/cgear-dev-signing-key.pem
printf 'name = seal_other\n' >"$work/other.manifest"
"$cgear" sign -k "$key" -i "$image.elf" -m "$work/other.manifest" -o "$work/other.enclave" >/dev/null
expect refused "$work/other.enclave" "$work/m.blob" "another enclave, measurement policy"
expect ok "$work/other.enclave" "$work/s.blob" "another enclave of the same signer, signer policy"

# Another signer: the same ELF and manifest, signed by a new key.
"$cgear" keygen -o "$work/other-key.pem" >/dev/null
"$cgear" sign -k "$work/other-key.pem" -i "$image.elf" -o "$work/other-signer.enclave" >/dev/null
expect refused "$work/other-signer.enclave" "$work/s.blob" "another signer, signer policy"

# Another platform: a fresh platform folder, same image.
export CGEAR_PLATFORM_DIR="$work/platform-b"
expect refused "$image" "$work/m.blob" "another platform, measurement policy"
expect refused "$image" "$work/s.blob" "another platform, signer policy"
# and back on the first platform it still unseals
export CGEAR_PLATFORM_DIR="$work/platform-a"
expect ok "$image" "$work/m.blob" "first platform again"
echo "seal_identity: OK"
