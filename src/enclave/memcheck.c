/*
 * memcheck.c - is a range enclave-private?
 *
 * In every engine the enclave's address space holds exactly two kinds of
 * memory: private memory, and host-visible memory (the call window, and
 * later shared-memory regions). So "out of the enclave" means "entirely
 * inside a host-visible region", and "in the enclave" means "touching no
 * host-visible region".
 */
#include <stdint.h>

#include "secgear_memory.h"
#include "trts.h"

static int range_ok(const void *addr, size_t size, uintptr_t *start, uintptr_t *end)
{
    if (addr == NULL)
        return 0;
    *start = (uintptr_t)addr;
    if (size == 0)
        size = 1;
    if (__builtin_add_overflow(*start, size, end))
        return 0;
    return 1;
}

bool cc_enclave_memory_in_enclave(const void *addr, size_t size)
{
    uintptr_t s, e;
    if (!range_ok(addr, size, &s, &e))
        return false;
    uintptr_t ws = (uintptr_t)cg_trts_window_base, we = ws + cg_trts_window_size;
    return e <= ws || s >= we;
}

bool cc_enclave_memory_out_enclave(const void *addr, size_t size)
{
    uintptr_t s, e;
    if (!range_ok(addr, size, &s, &e))
        return false;
    uintptr_t ws = (uintptr_t)cg_trts_window_base, we = ws + cg_trts_window_size;
    return s >= ws && e <= we;
}
