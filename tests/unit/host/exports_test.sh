#!/bin/sh
# exports_test.sh LIB MAP INCLUDE_DIR - the runtime library exports exactly
# the public API: the dynamic symbols of LIB are the names MAP lists, every
# name in MAP is declared in an installed header, and every function an
# installed header marks CC_API_SPEC (the host API) is in MAP.
set -eu
lib=$1 map=$2 inc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
sed -n '/global:/,/local:/p' "$map" | sed 's|/\*.*\*/||' | grep -o '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;' |
    tr -d ' ;\t' | sort -u >"$tmp/listed"
grep -h 'CC_API_SPEC' "$inc"/*.h | grep -v '#define' | grep -o 'CC_API_SPEC[^(]*(' | grep -o '[A-Za-z_][A-Za-z0-9_]*($' | tr -d '(' | sort -u >"$tmp/marked"

fail=0
if ! cmp -s "$tmp/exported" "$tmp/listed"; then
    echo "FAIL: $lib exports differ from $map (< exported only, > listed only):"
    diff "$tmp/exported" "$tmp/listed" | grep '^[<>]' || true
    fail=1
fi
while read -r name; do
    if ! grep -q "\b$name(" "$inc"/*.h; then
        echo "FAIL: $name is exported but declared in no installed header ($inc)"
        fail=1
    fi
done <"$tmp/listed"
missing=$(comm -23 "$tmp/marked" "$tmp/listed")
if [ -n "$missing" ]; then
    echo "FAIL: declared CC_API_SPEC in $inc but not exported: $missing"
    fail=1
fi
[ "$(wc -l <"$tmp/exported")" -ge 20 ] || { echo "FAIL: implausibly few exports"; fail=1; }
[ $fail -eq 0 ] && echo "ok: $(wc -l <"$tmp/exported") exported symbols, all public API, all of it"
exit $fail
