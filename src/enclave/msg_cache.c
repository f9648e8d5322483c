/*
 * msg_cache.c - message buffers inside the enclave.
 *
 * musl's mallocng gives groups of mid-sized blocks (a few KiB to a few
 * hundred KiB) back to the kernel as soon as they are all free, so a call
 * that allocates and frees its request and response would pay two mmap and
 * two munmap system calls (measured: 4 KiB in/out ECALL 13.5 us vs 0.6 us
 * empty). Each thread keeps the last few freed buffers of up to
 * CG_CACHE_MAX bytes and hands them out again.
 *
 * Larger buffers (a message of megabytes) are kept too, but fewer and not
 * for ever: at most CG_BIG_SLOTS per thread, at most big_budget() bytes
 * in the whole enclave (32 MiB, or an eighth of the manifest's heap if
 * that is less), and a thread releases its own once CG_BIG_IDLE smaller
 * allocations in a row did not need them, or a larger message does not
 * fit them. Before issue 16 every call carrying more than ~1 MiB paid
 * malloc and free of its buffers, each an mmap and a munmap: on the
 * process engine the kernel's page faults and zeroing of every page (4
 * MiB [in]: 3.4 ms, 6x memcpy), on kvm the shim's zeroing. A failed
 * allocation first gives the kept buffers back and tries again.
 *
 * Every buffer carries its capacity in a 16-byte header, which also keeps
 * the payload 16-byte aligned (CG_MSG_ALIGN).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cgear_edge.h"
#include "cgear_manifest.h"
#include "channel.h"

extern const struct cg_manifest cgear_manifest;

#define CG_CACHE_SLOTS 4
/* 1 MiB of payload plus room for the marshalling around it: before issue
 * 16 the limit was exactly 1 MiB, so a call carrying 1 MiB was never
 * cached (bench_scale: 13x memcpy on the process engine, 50x on kvm, where
 * every mmap/munmap is a guest system call and the shim zeroes the pages). */
#define CG_CACHE_MAX (((size_t)1 << 20) + ((size_t)64 << 10))
#define CG_HDR 16u
#define CG_GRAIN ((size_t)4096)
/* Buffers above CG_CACHE_MAX: an [in,out] call holds two at once. */
#define CG_BIG_SLOTS 2
#define CG_BIG_BYTES ((size_t)32 << 20)
#define CG_BIG_IDLE 32u
/* Their capacity grows in steps of 1/8 of a power of two, so that messages
 * of nearly the same size share a buffer. */
static size_t big_round(size_t len)
{
    size_t step = (size_t)1 << 17;
    while (step < len / 8)
        step <<= 1;
    return (len + step - 1) & ~(step - 1);
}

struct cache {
    void *blk[CG_CACHE_SLOTS]; /* block start (header) */
    size_t cap[CG_CACHE_SLOTS];
    void *big[CG_BIG_SLOTS];
    size_t big_cap[CG_BIG_SLOTS];
    size_t big_bytes;   /* kept in big[] */
    unsigned big_idle;  /* allocations since a big[] buffer was last used */
};

static __thread struct cache t_cache;
/* Bytes kept in every thread's big[] together. */
static size_t g_big_total;

static size_t big_budget(void)
{
    size_t eighth = (size_t)(cgear_manifest.heap_size / 8);
    return eighth < CG_BIG_BYTES ? eighth : CG_BIG_BYTES;
}

static void big_release(struct cache *c)
{
    for (int i = 0; i < CG_BIG_SLOTS; i++) {
        free(c->big[i]);
        c->big[i] = NULL;
    }
    __atomic_fetch_sub(&g_big_total, c->big_bytes, __ATOMIC_RELAXED);
    c->big_bytes = 0;
    c->big_idle = 0;
}

/* A block of at least @len bytes from the thread's cache, or NULL. */
static uint8_t *take(struct cache *c, size_t len)
{
    int best = -1;
    if (len <= CG_CACHE_MAX) {
        if (c->big_bytes != 0 && ++c->big_idle >= CG_BIG_IDLE)
            big_release(c); /* no large message for a while */
        for (int i = 0; i < CG_CACHE_SLOTS; i++)
            if (c->blk[i] != NULL && c->cap[i] >= len && (best < 0 || c->cap[i] < c->cap[best]))
                best = i;
        if (best < 0)
            return NULL;
        uint8_t *blk = c->blk[best];
        c->blk[best] = NULL;
        return blk;
    }
    for (int i = 0; i < CG_BIG_SLOTS; i++)
        if (c->big[i] != NULL && c->big_cap[i] >= len && (best < 0 || c->big_cap[i] < c->big_cap[best]))
            best = i;
    if (best < 0) {
        if (c->big_bytes != 0)
            big_release(c); /* too small for this message: make room for it */
        return NULL;
    }
    uint8_t *blk = c->big[best];
    c->big[best] = NULL;
    c->big_bytes -= c->big_cap[best];
    __atomic_fetch_sub(&g_big_total, c->big_cap[best], __ATOMIC_RELAXED);
    c->big_idle = 0;
    return blk;
}

static uint8_t *alloc_block(size_t len)
{
    if (len > CG_MAX_MESSAGE)
        return NULL;
    if (len == 0)
        len = 1;
    struct cache *c = &t_cache;
    uint8_t *blk = take(c, len);
    if (blk != NULL)
        return blk;
    /* Round up so that slightly different sizes reuse one buffer. */
    size_t cap = len <= CG_CACHE_MAX ? (len + CG_GRAIN - 1) & ~(CG_GRAIN - 1) : big_round(len);
    blk = malloc(CG_HDR + cap);
    if (blk == NULL && c->big_bytes != 0) {
        big_release(c);
        blk = malloc(CG_HDR + cap);
    }
    if (blk == NULL)
        return NULL;
    memcpy(blk, &cap, sizeof cap);
    return blk;
}

void *cg_msg_alloc(size_t len)
{
    uint8_t *blk = alloc_block(len);
    if (blk == NULL)
        return NULL;
    memset(blk + CG_HDR, 0, len);
    return blk + CG_HDR;
}

void *cg_msg_alloc_raw(size_t len)
{
    uint8_t *blk = alloc_block(len);
    return blk == NULL ? NULL : blk + CG_HDR;
}

void cg_msg_free(void *buf)
{
    if (buf == NULL)
        return;
    uint8_t *blk = (uint8_t *)buf - CG_HDR;
    size_t cap;
    memcpy(&cap, blk, sizeof cap);
    struct cache *c = &t_cache;
    if (cap > CG_CACHE_MAX) {
        int slot = -1;
        for (int i = 0; i < CG_BIG_SLOTS && slot < 0; i++)
            if (c->big[i] == NULL)
                slot = i;
        if (slot >= 0 && __atomic_add_fetch(&g_big_total, cap, __ATOMIC_RELAXED) <= big_budget()) {
            c->big[slot] = blk;
            c->big_cap[slot] = cap;
            c->big_bytes += cap;
            return;
        }
        if (slot >= 0)
            __atomic_fetch_sub(&g_big_total, cap, __ATOMIC_RELAXED);
    } else {
        int victim = -1;
        for (int i = 0; i < CG_CACHE_SLOTS; i++) {
            if (c->blk[i] == NULL) {
                victim = i;
                break;
            }
            if (c->cap[i] < cap && (victim < 0 || c->cap[i] < c->cap[victim]))
                victim = i;
        }
        if (victim >= 0) {
            /* Keep the larger buffer; drop the smallest cached one. */
            free(c->blk[victim]);
            c->blk[victim] = blk;
            c->cap[victim] = cap;
            return;
        }
    }
    free(blk);
}
