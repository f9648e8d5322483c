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
 * Every buffer carries its capacity in a 16-byte header, which also keeps
 * the payload 16-byte aligned (CG_MSG_ALIGN).
 */
#include <stdlib.h>
#include <string.h>

#include "cgear_edge.h"

#define CG_CACHE_SLOTS 4
/* 1 MiB of payload plus room for the marshalling around it: before issue
 * 16 the limit was exactly 1 MiB, so a call carrying 1 MiB was never
 * cached (bench_scale: 13x memcpy on the process engine, 50x on kvm, where
 * every mmap/munmap is a guest system call and the shim zeroes the pages). */
#define CG_CACHE_MAX (((size_t)1 << 20) + ((size_t)64 << 10))
#define CG_HDR 16u
#define CG_GRAIN ((size_t)4096)

struct cache {
    void *blk[CG_CACHE_SLOTS]; /* block start (header) */
    size_t cap[CG_CACHE_SLOTS];
};

static __thread struct cache t_cache;

void *cg_msg_alloc(size_t len)
{
    if (len > CG_MAX_MESSAGE)
        return NULL;
    if (len == 0)
        len = 1;
    struct cache *c = &t_cache;
    int best = -1;
    for (int i = 0; i < CG_CACHE_SLOTS; i++)
        if (c->blk[i] != NULL && c->cap[i] >= len && (best < 0 || c->cap[i] < c->cap[best]))
            best = i;
    uint8_t *blk;
    if (best >= 0) {
        blk = c->blk[best];
        c->blk[best] = NULL;
    } else {
        /* Round up so that slightly different sizes reuse one buffer. */
        size_t cap = len <= CG_CACHE_MAX ? (len + CG_GRAIN - 1) & ~(CG_GRAIN - 1) : len;
        blk = malloc(CG_HDR + cap);
        if (blk == NULL)
            return NULL;
        memcpy(blk, &cap, sizeof cap);
    }
    memset(blk + CG_HDR, 0, len);
    return blk + CG_HDR;
}

void cg_msg_free(void *buf)
{
    if (buf == NULL)
        return;
    uint8_t *blk = (uint8_t *)buf - CG_HDR;
    size_t cap;
    memcpy(&cap, blk, sizeof cap);
    struct cache *c = &t_cache;
    if (cap <= CG_CACHE_MAX) {
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
