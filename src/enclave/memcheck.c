/*
 * memcheck.c - is a range enclave-private?
 *
 * In every engine the enclave's address space holds exactly two kinds of
 * memory: private memory, and host-visible memory (the call window, and
 * the shared-memory region of secgear_shared_memory.h). So "out of the enclave" means "entirely
 * inside a host-visible region", and "in the enclave" means "touching no
 * host-visible region".
 */
#include <stdint.h>

#include "cgear_edge_enclave.h"
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

static bool touches(uintptr_t s, uintptr_t e, const uint8_t *base, size_t len)
{
    uintptr_t rs = (uintptr_t)base, re = rs + len;
    return len != 0 && s < re && e > rs;
}

static bool inside(uintptr_t s, uintptr_t e, const uint8_t *base, size_t len)
{
    uintptr_t rs = (uintptr_t)base, re = rs + len;
    return len != 0 && s >= rs && e <= re;
}

void *cg_enclave_shm_span(uint64_t addr, size_t len)
{
    uintptr_t e;
    if (len == 0 || cg_trts_shm_size == 0 || __builtin_add_overflow((uintptr_t)addr, len, &e))
        return NULL;
    return inside((uintptr_t)addr, e, cg_trts_shm_base, cg_trts_shm_size) ? (void *)(uintptr_t)addr : NULL;
}

bool cc_enclave_memory_in_enclave(const void *addr, size_t size)
{
    uintptr_t s, e;
    if (!range_ok(addr, size, &s, &e))
        return false;
    return !touches(s, e, cg_trts_window_base, cg_trts_window_size) &&
           !touches(s, e, cg_trts_shm_base, cg_trts_shm_size);
}

bool cc_enclave_memory_out_enclave(const void *addr, size_t size)
{
    uintptr_t s, e;
    if (!range_ok(addr, size, &s, &e))
        return false;
    return inside(s, e, cg_trts_window_base, cg_trts_window_size) || inside(s, e, cg_trts_shm_base, cg_trts_shm_size);
}
