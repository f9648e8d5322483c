#!/bin/sh
# `cgear new` from the command line: exit status (0, 1 failure, 2 usage),
# messages, the files written, and --help.
# Usage: new_test.sh <cgear>
set -u
cgear=$(realpath "$1")
work=$(mktemp -d /tmp/cgear-cli-new-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() {
    want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got (wanted $want): $*"; cat "$work/err" >&2; }
}
has() { grep -q -- "$2" "$work/$1" || fail "'$2' not in $1 of the last command"; }

expect 0 "$cgear" --help
has out "new "
expect 0 "$cgear" new --help
has out "usage: cgear new NAME \[DIR\]"

# usage errors: status 2, nothing written
cd "$work" || exit 1
expect 2 "$cgear" new
has err "NAME is required"
expect 2 "$cgear" new a b c
has err "too many arguments"
expect 2 "$cgear" new --bogus
for bad in 1app App my-app _x abcdefghijklmnopqrstuvwxyz0123456 "a b" ../x; do
    expect 2 "$cgear" new "$bad"
    has err "cgear new: .*project name"
done
[ -z "$(ls -A "$work" | grep -v '^out$\|^err$')" ] || fail "a refused name left files behind"

# NAME alone: ./NAME
expect 0 "$cgear" new demo
has out "created project demo in demo"
for f in CMakeLists.txt README.md .gitignore demo.edl host/main.c enclave/enclave.c; do
    [ -s "$work/demo/$f" ] || fail "demo/$f not written"
done
grep -q "find_package(cgear REQUIRED)" "$work/demo/CMakeLists.txt" || fail "CMakeLists.txt lacks find_package"
grep -q '#include "demo_u.h"' "$work/demo/host/main.c" || fail "host does not include demo_u.h"
grep -rq "{{" "$work/demo" && fail "a placeholder was left in the project"

# again: the folder is not empty now
expect 1 "$cgear" new demo
has err "not empty"
# an explicit DIR, existing and empty
mkdir "$work/empty"
expect 0 "$cgear" new other "$work/empty"
[ -s "$work/empty/other.edl" ] || fail "other.edl not written into the empty folder"
# DIR is a file; DIR's parent is missing
expect 1 "$cgear" new x "$work/demo/README.md"
has err "not a folder"
expect 1 "$cgear" new x "$work/no/such"
has err "cannot create"
[ -e "$work/no" ] && fail "a failed run created folders"

[ "$fails" -eq 0 ] && echo "new_test: OK"
[ "$fails" -eq 0 ]
