#!/bin/sh
# seal_data end to end: seal in one process, unseal in another, and a blob
# with one changed byte is refused (exit 1, with a message saying so).
# Usage: test_seal_data.sh <seal_data program>
set -eu
prog=$1
work=$(mktemp -d /tmp/cgear-seal-data-XXXXXX)
trap 'rm -rf "$work"' EXIT
# A platform (root secret) of our own, so the test leaves the user's alone.
export CGEAR_PLATFORM_DIR="$work/platform"

fail() { echo "test_seal_data: FAIL: $*" >&2; exit 1; }

msg="sealed by test_seal_data $$"
"$prog" seal "$work/blob" "$msg" >"$work/seal.out" 2>&1 || { cat "$work/seal.out" >&2; fail "seal"; }
[ -s "$work/blob" ] || fail "seal wrote no blob"
grep -q "$msg" "$work/blob" && fail "the blob holds the message in clear"

# A new process: a new enclave instance unseals it.
"$prog" unseal "$work/blob" >"$work/unseal.out" 2>&1 || { cat "$work/unseal.out" >&2; fail "unseal in a new process"; }
grep -qx "unsealed from $work/blob: $msg" "$work/unseal.out" || { cat "$work/unseal.out" >&2; fail "unsealed the wrong message"; }

# The default message.
"$prog" seal "$work/default" >/dev/null || fail "seal the default message"
"$prog" unseal "$work/default" | grep -q "a message only this enclave can read back" || fail "unseal the default message"

# One changed byte (in the ciphertext, at offset 50) is refused.
size=$(wc -c <"$work/blob")
head -c 50 "$work/blob" >"$work/tampered"
printf 'X' >>"$work/tampered"
tail -c $((size - 51)) "$work/blob" >>"$work/tampered"
cmp -s "$work/blob" "$work/tampered" && fail "could not change a byte (it was already X)"
set +e
"$prog" unseal "$work/tampered" >"$work/tamper.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$work/tamper.out" >&2; fail "a changed byte: wanted exit 1, got $rc"; }
grep -q "refused: it does not authenticate" "$work/tamper.out" || { cat "$work/tamper.out" >&2; fail "a changed byte: no clear message"; }
grep -q "$msg" "$work/tamper.out" && fail "a changed blob still printed the message"

# A truncated blob is refused too.
head -c $((size - 1)) "$work/blob" >"$work/short"
set +e
"$prog" unseal "$work/short" >"$work/short.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "refused: not a sealed blob" "$work/short.out" || { cat "$work/short.out" >&2; fail "a truncated blob was not refused"; }

echo "test_seal_data: OK (sealed, unsealed in a new process, changed and truncated blobs refused)"
