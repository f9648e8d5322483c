#!/bin/sh
# Regenerate the committed corpus: a tiny hand-made ELF64 with a
# .cgear_manifest section (the smallest thing the parser accepts as an
# enclave), a signed and an unsigned image of it, and two manifest files.
# Usage: make_corpus.sh <cgear tool>
set -eu
cgear=$1
dir=$(cd "$(dirname "$0")" && pwd)/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$dir/tiny.elf" <<'PY'
import struct, sys
shstr = b"\0.shstrtab\0.cgear_manifest\0"
name = b"fuzz".ljust(64, b"\0")
manifest = struct.pack("<IIIIQQ", 0x464D4743, 1, 2, 0, 1 << 24, 1 << 16) + name   # struct cg_manifest
ehsize = 64
man_off = ehsize
str_off = man_off + len(manifest)
sh_off = (str_off + len(shstr) + 7) & ~7
shdrs = struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
shdrs += struct.pack("<IIQQQQIIQQ", 1, 3, 0, 0, str_off, len(shstr), 0, 0, 1, 0)           # .shstrtab
shdrs += struct.pack("<IIQQQQIIQQ", 11, 1, 2, 0, man_off, len(manifest), 0, 0, 8, 0)      # .cgear_manifest
ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, 0, sh_off, 0, ehsize, 56, 0, 64, 3, 1)
body = eh + manifest + shstr
body += bytes(sh_off - len(body)) + shdrs
open(sys.argv[1], "wb").write(body)
PY
"$cgear" keygen -o "$work/k.pem" >/dev/null
"$cgear" sign -k "$work/k.pem" -i "$dir/tiny.elf" -o "$dir/signed.img" >/dev/null
"$cgear" sign --unsigned -i "$dir/tiny.elf" -o "$dir/unsigned.img" >/dev/null
printf 'name = fuzz\nversion = 1\nsecurity_version = 2\nthreads = 4\nheap_size = 64M\nstack_size = 128K\ndebug = only\nengines = process, kvm\n' >"$dir/manifest.txt"
printf '<?xml version="1.0"?>\n<!-- c -->\n<EnclaveConfiguration>\n  <ISVSVN>1</ISVSVN>\n  <StackMaxSize>0x40000</StackMaxSize>\n  <HeapMaxSize>0x100000</HeapMaxSize>\n  <TCSNum>2</TCSNum>\n  <DisableDebug>1</DisableDebug>\n</EnclaveConfiguration>\n' >"$dir/Enclave.config.xml"
ls -l "$dir"
