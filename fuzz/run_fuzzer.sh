#!/bin/sh
# Run one libFuzzer harness for a bounded time on a scratch copy of its
# committed corpus (the committed corpus is never modified by the suite).
# Usage: run_fuzzer.sh <fuzzer> <corpus dir> <seconds>
set -eu
fuzzer=$1
corpus=$2
seconds=$3
work=$(mktemp -d /tmp/cgear-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$corpus" ] && cp -r "$corpus/." "$work/corpus/" 2>/dev/null || true
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus"
