#!/bin/sh
# Regenerate the committed corpus: a report made by the unit test's sample
# writer (all fields set), a report without nonce from `cgear attest make`
# if an image is given, and both base-value formats.
# Usage: make_corpus.sh <unit_attest> [<cgear> <signed image>]
set -eu
dir=$(cd "$(dirname "$0")" && pwd)/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$1" "$work"
cp "$work/report.cbor" "$dir/report.cbor"
if [ $# -ge 3 ]; then
    CGEAR_PLATFORM_DIR="$work/p" "$2" attest make "$3" --nonce 01 --debug --user-data cafe -o "$dir/debug.cbor"
fi
m=$(awk '$1 == "measurement" {print $2}' "$work/expected.txt")
printf '# cgear policy\nmodule_id = helloworld\nmeasurement = %s\nsigner = %s\nelf_hash = %s\nruntime = %s\nmin_security_version = 3\ndebug = allowed\nplatform_cert = p.pem\nmax_age = 60\n' \
    "$m" "$m" "$m" "$m" >"$dir/policy.txt"
printf '# taid img_hash mem_hash\nhelloworld %s %s\n* %s %s\n' "$m" "$m" "$m" "$m" >"$dir/basevalue.txt"
ls -l "$dir"
