#!/usr/bin/env python3
"""Seed inputs for fuzz_hypercall (input format: fuzz_hypercall.c).

Run from the repository root: python3 fuzz/hypercall/make_corpus.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
REALISTIC, ARBITRARY, WIDE_A1, DEBUG = 0, 1, 2, 4
HC_FUTEX, HC_CONSOLE, HC_START_CPU, HC_RANDOM = 5, 7, 8, 11
WAIT, WAKE, REQUEUE, CMP_REQUEUE = 0, 1, 3, 4


def u64(v):
    return struct.pack("<Q", v % (1 << 64))


def realistic(ram_pages=0, window_pages=3):
    return struct.pack("<I", ram_pages)[:3] + struct.pack("<H", window_pages)


def arbitrary(ram, wgpa, wsize):
    return u64(ram) + u64(wgpa) + u64(wsize)


# address selectors: raw, near the end of RAM, the window's start or end,
# small, the vCPU areas, near 2^64
def raw(v):
    return bytes([0]) + struct.pack("<h", 0) + u64(v)


def rel(sel, k):
    return bytes([sel]) + struct.pack("<h", k)


RAM_END, WIN, WIN_END, SMALL, CPU, TOP = 1, 2, 3, 4, 5, 6


def hcall(mode, layout, nr, a0, a1, a2=0, a3=raw(2**64 - 1), a4=0, a5=0, index=0, threads=4):
    a1b = u64(a1) if mode & WIDE_A1 else bytes([a1])
    return bytes([mode]) + layout + bytes([nr]) + a0 + a1b + u64(a2) + a3 + u64(a4) + u64(a5) + bytes([index, threads])


L = realistic()
seeds = {
    "futex_wait_ram": hcall(REALISTIC, L, HC_FUTEX, rel(CPU, 0x100), WAIT),
    "futex_wait_timeout": hcall(REALISTIC, L, HC_FUTEX, rel(CPU, 0x100), WAIT, 5, raw(1500000000)),
    "futex_wake_window": hcall(REALISTIC, L, HC_FUTEX, rel(WIN, 0), WAKE, 2**40),
    "futex_window_last_word": hcall(REALISTIC, L, HC_FUTEX, rel(WIN_END, -4), WAKE, 1),
    "futex_past_window": hcall(REALISTIC, L, HC_FUTEX, rel(WIN_END, -2), WAKE, 1),
    "futex_ram_last_word": hcall(REALISTIC, L, HC_FUTEX, rel(RAM_END, -4), WAIT),
    "futex_misaligned": hcall(REALISTIC, L, HC_FUTEX, rel(CPU, 2), WAIT),
    "futex_requeue": hcall(REALISTIC, L, HC_FUTEX, rel(CPU, 0), REQUEUE, 1 | (1 << 32), rel(CPU, 8)),
    "futex_cmp_requeue_window": hcall(REALISTIC, L, HC_FUTEX, rel(CPU, 0), CMP_REQUEUE, 1, rel(WIN, 0), 7),
    "futex_requeue_negative": hcall(REALISTIC, L, HC_FUTEX, rel(CPU, 0), REQUEUE, 0x80000000, rel(CPU, 8)),
    "futex_other_op": hcall(REALISTIC | WIDE_A1, L, HC_FUTEX, rel(CPU, 0), 0x81),
    "futex_top": hcall(REALISTIC, L, HC_FUTEX, rel(TOP, -4), WAIT),
    "console": hcall(REALISTIC | DEBUG, L, HC_CONSOLE, rel(SMALL, 1), 100, index=3),
    "console_full": hcall(REALISTIC | DEBUG | WIDE_A1, L, HC_CONSOLE, rel(SMALL, 2), 4096, index=63),
    "console_too_long": hcall(REALISTIC | DEBUG | WIDE_A1, L, HC_CONSOLE, rel(SMALL, 2), 4097, index=63),
    "random": hcall(REALISTIC, L, HC_RANDOM, rel(SMALL, 300), 0, index=1),
    "start_cpu": hcall(REALISTIC, L, HC_START_CPU, rel(SMALL, 2), 0, threads=4),
    "start_cpu_clamped": hcall(REALISTIC, L, HC_START_CPU, rel(SMALL, 1000), 0, threads=64),
    "arbitrary_window_wraps": hcall(ARBITRARY, arbitrary(1 << 20, 2**64 - 4096, 8192), HC_FUTEX, rel(TOP, -4096),
                                    WAKE, 1),
    "arbitrary_small_ram": hcall(ARBITRARY | DEBUG, arbitrary(4 << 20, 1 << 30, 4096), HC_CONSOLE, rel(SMALL, 1), 10,
                                 index=5),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {OUT}")
