#!/usr/bin/env python3
"""Seed inputs for fuzz_window (see the input format in fuzz_window.c).

Run from the repository root: python3 fuzz/window/make_corpus.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

HOST, ENCLAVE, AUTO_ACK, SPIN1 = 0, 1, 2, 4
CAP_1M = 7 << 3  # slot capacity index 7: 1 MiB
NO_GROW = 0x40  # flips ch->grow (the host grows its receive buffer by default)


def cfg(c0, fn=1, req_len=0, c3=0):
    return bytes([c0, fn, req_len, c3])


def u16(v):
    return struct.pack("<H", v)


def wellformed(ksel, fn, total, status=0, op=3):
    """op 3 (+6k: total scaled): a well-formed (chunked) message; ksel 0 = a response, 1 = a request."""
    return bytes([op, ksel, fn, status]) + u16(total)


def compact(ksel, fn, flags, total=None, off=None, ln=None, status=0, data=b""):
    b = bytes([0, ksel, fn, status, flags])
    if total is not None:
        b += u16(total)
    if off is not None:
        b += u16(off)
    if ln is not None:
        b += u16(ln)
    return b + data


def raw(kind, fn, status, total, off, ln):
    return bytes([2]) + struct.pack("<IIIQQQ", kind, fn, status, total, off, ln)


def dispatch(a, *more):
    return bytes([a, *more])


ACK = bytes([4])
HAND_BACK = bytes([5, 0])
DEAD = bytes([5, 131])
GARBAGE_TURN = bytes([5, 128])

seeds = {
    "host_simple": cfg(AUTO_ACK) + wellformed(0, 1, 10),
    "host_multichunk": cfg(AUTO_ACK, 2, 200, 0x04) + wellformed(0, 2, 9000),
    "host_ocall": cfg(AUTO_ACK, 3, 1) + wellformed(1, 4, 5000) + dispatch(0x10, 100) + wellformed(0, 3, 20),
    "host_nested_ecall": cfg(AUTO_ACK, 5) + wellformed(1, 5, 100) + dispatch(0x08, 6, 2)
    + wellformed(0, 6, 50) + bytes([3]) + wellformed(0, 5, 30),
    "host_manual_ack": cfg(0, 1, 100) + ACK + wellformed(0, 1, 4097),
    "host_compact_chunks": cfg(AUTO_ACK) + compact(0, 1, 0x00, total=5000) + compact(0, 1, 0x00),
    "host_compact_input_data": cfg(AUTO_ACK) + compact(0, 1, 0x08, total=8) + b"ABCDEFGH",
    "host_raw_bad": cfg(AUTO_ACK) + raw(2, 1, 0, 2**64 - 1, 0, 2**64 - 1),
    "host_raw_offset": cfg(AUTO_ACK) + compact(0, 1, 0x00, total=5000) + raw(2, 1, 0, 5000, 4095, 905),
    "host_dead": cfg(AUTO_ACK, 1, 100) + DEAD,
    "host_garbage_turn": cfg(AUTO_ACK) + GARBAGE_TURN,
    "host_hand_back": cfg(AUTO_ACK, 1, 3) + HAND_BACK,
    # totals near and past the harness's allocation limit (FZ_MAX_ALLOC, 16 MiB)
    "enclave_oom": cfg(ENCLAVE | AUTO_ACK) + compact(0, 1, 0x30, total=7),
    "host_nested_oom_refused": cfg(AUTO_ACK | NO_GROW) + compact(1, 4, 0x30, total=7) + wellformed(0, 1, 3),
    "host_grow": cfg(AUTO_ACK | CAP_1M) + wellformed(0, 1, 80, op=21),
    "host_grow_fails": cfg(AUTO_ACK | CAP_1M) + wellformed(0, 1, 300, op=21),
    "host_max_in": cfg(AUTO_ACK, 1, 0, 0x10) + wellformed(1, 4, 979, op=9) + wellformed(0, 1, 3),
    "host_max_in_ok": cfg(AUTO_ACK, 1, 0, 0x10) + wellformed(1, 4, 978, op=9) + dispatch(0, 0) + wellformed(0, 1, 3),
    "host_request_refused": cfg(0, 1, 100) + compact(0, 1, 0x00, total=0, status=5),
    "host_max_alloc": cfg(AUTO_ACK) + compact(0, 1, 0x30, total=6) + compact(0, 1, 0x00),
    "host_dispatch_error": cfg(AUTO_ACK) + wellformed(1, 4, 10) + dispatch(0x01) + wellformed(0, 1, 1),
    "host_dispatch_unsendable": cfg(AUTO_ACK) + wellformed(1, 4, 10) + dispatch(0x02) + wellformed(1, 4, 10)
    + dispatch(0x03) + wellformed(0, 1, 1),
    "enclave_simple": cfg(ENCLAVE | AUTO_ACK) + wellformed(0, 1, 10),
    "enclave_nested_ecall": cfg(ENCLAVE | AUTO_ACK, 7, 80) + wellformed(1, 7, 5000) + dispatch(0, 10)
    + wellformed(0, 7, 1),
    "cap_4097_spin": cfg(AUTO_ACK | SPIN1 | (1 << 3), 1, 122) + wellformed(0, 1, 4098),
    "cap_8192": cfg(AUTO_ACK | (3 << 3), 1, 250, 3) + wellformed(0, 1, 16385),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {OUT}")
