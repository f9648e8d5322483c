/*
 * mm.c - the enclave's memory inside the VM.
 *
 * The monitor maps a pool of guest-physical pages, sized from the manifest
 * (heap + stacks), contiguously at CG_G_POOL_VA as user, writable,
 * non-executable pages. mmap() hands out page runs from it, first fit from
 * the pool's start, with a bitmap kept outside user-visible memory;
 * munmap() zeroes and frees them, so every mapping starts zero-filled as
 * Linux promises. First fit from the start (before issue 16: from where
 * the last mapping ended, wrapping around) hands a freed run out again at
 * once: its pages are already backed by the host and mapped in KVM's
 * shadow tables on PVM, while every fresh page costs the first touch of
 * its user address and of its direct-map address (two shadow faults, a
 * VM exit each: a 4 MiB message buffer allocated per call made a 4 MiB
 * [in] ECALL 8x memcpy), and the enclave's RSS stays what it uses. All
 * vCPUs share the pool: a spinlock serialises the bitmap (before issue 16
 * two threads mapping at once could be given the same pages). brk() never grows
 * (musl falls back to mmap), and exhausting the pool is ENOMEM, as a real
 * RLIMIT_DATA would be: the budget is the manifest's, not the host's.
 *
 * mprotect() without PROT_EXEC is accepted and changes nothing: the pool is
 * never executable and the ELF's W^X layout is fixed by the monitor's page
 * tables. Which flags reach mmap() at all is decided in syscall.c (the
 * policy's CG_MMAP_* shapes).
 */
#include <errno.h>

#include "shim.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define PROT_EXEC 0x4

static uint64_t g_npages;
static uint8_t *g_bitmap;
static int g_lock;

/* Held only to read or change the bitmap; guest code here never sleeps
 * and takes no interrupts (SYSCALL clears IF). */
static void mm_lock(void)
{
    while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&g_lock, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static void mm_unlock(void)
{
    __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

static int used(uint64_t i)
{
    return (g_bitmap[i >> 3] >> (i & 7)) & 1;
}

static void mark(uint64_t first, uint64_t n, int on)
{
    for (uint64_t i = first; i < first + n; i++) {
        if (on)
            g_bitmap[i >> 3] |= (uint8_t)(1u << (i & 7));
        else
            g_bitmap[i >> 3] &= (uint8_t) ~(1u << (i & 7));
    }
}

void cg_mm_init(void)
{
    g_npages = cg_boot.pool_size / CG_G_PAGE;
    g_bitmap = cg_phys(cg_boot.bitmap_gpa);
    /* the initial stack (and anything else the monitor placed) */
    mark(0, (cg_boot.pool_used + CG_G_PAGE - 1) / CG_G_PAGE, 1);
}

/* The lowest run of @n free pages, or -1. Whole 64-page words are taken or
 * skipped at once (the bitmap is page-aligned, bit i of byte i / 8). */
static int64_t find_run(uint64_t n)
{
    uint64_t run = 0, start = 0;
    for (uint64_t i = 0; i < g_npages;) {
        if ((i & 63) == 0 && i + 64 <= g_npages) {
            uint64_t word;
            memcpy(&word, g_bitmap + (i >> 3), sizeof word);
            if (word == ~0ull) {
                run = 0;
                i += 64;
                continue;
            }
            if (word == 0) {
                if (run == 0)
                    start = i;
                run += 64;
                i += 64;
                if (run >= n)
                    return (int64_t)start;
                continue;
            }
        }
        if (used(i)) {
            run = 0;
        } else {
            if (run == 0)
                start = i;
            if (++run >= n)
                return (int64_t)start;
        }
        i++;
    }
    return -1;
}

int64_t cg_mm_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off)
{
    if (len == 0)
        return -EINVAL;
    if (len > cg_boot.pool_size + cg_boot.window_size) {
        cg_hcall(cg_this_cpu(), CG_HC_OOM, len, 0, 0, 0, 0);
        return -ENOMEM; /* as Linux past RLIMIT_DATA */
    }
    if ((flags & MAP_SHARED) && !(flags & MAP_ANONYMOUS)) {
        /* The only file an enclave has: the call window, whole. */
        if ((int32_t)fd != 3 || off != 0 || len > cg_boot.window_size || (flags & MAP_FIXED) || (prot & PROT_EXEC))
            return -EACCES;
        return (int64_t)cg_boot.window_va;
    }
    if (!(flags & MAP_ANONYMOUS) || (flags & MAP_FIXED) || (prot & PROT_EXEC))
        return -EACCES;
    (void)addr; /* a hint only; never honoured */
    uint64_t n = (len + CG_G_PAGE - 1) / CG_G_PAGE;
    mm_lock();
    int64_t first = find_run(n);
    if (first >= 0)
        mark((uint64_t)first, n, 1);
    mm_unlock();
    if (first < 0) {
        cg_hcall(cg_this_cpu(), CG_HC_OOM, len, 0, 0, 0, 0);
        return -ENOMEM;
    }
    return (int64_t)(cg_boot.pool_va + (uint64_t)first * CG_G_PAGE);
}

int64_t cg_mm_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (CG_G_PAGE - 1)) || len == 0)
        return -EINVAL;
    uint64_t n = (len + CG_G_PAGE - 1) / CG_G_PAGE;
    if (addr == cg_boot.window_va)
        return 0; /* the window stays mapped; unmapping it is the enclave's loss */
    if (addr < cg_boot.pool_va || addr >= cg_boot.pool_va + cg_boot.pool_size ||
        n > (cg_boot.pool_va + cg_boot.pool_size - addr) / CG_G_PAGE)
        return -EINVAL;
    uint64_t first = (addr - cg_boot.pool_va) / CG_G_PAGE;
    /* Zero now, so the next mapping of these pages starts clean: before
     * they are free, so outside the lock. */
    memset(cg_phys(cg_boot.pool_gpa + first * CG_G_PAGE), 0, n * CG_G_PAGE);
    mm_lock();
    mark(first, n, 0);
    mm_unlock();
    return 0;
}

int64_t cg_mm_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags)
{
    (void)old;
    (void)old_len;
    (void)new_len;
    (void)flags;
    return -ENOMEM; /* musl's realloc then copies; never wrong, sometimes slower */
}

uint64_t cg_mm_user_gpa(uint64_t va, uint64_t len, int write)
{
    uint64_t end;
    if (__builtin_add_overflow(va, len, &end))
        return 0;
    if (va >= cg_boot.pool_va && end <= cg_boot.pool_va + cg_boot.pool_size)
        return cg_boot.pool_gpa + (va - cg_boot.pool_va);
    if (va >= cg_boot.window_va && end <= cg_boot.window_va + cg_boot.window_size)
        return cg_boot.window_gpa + (va - cg_boot.window_va);
    for (uint64_t i = 0; i < cg_boot.nseg && i < 8; i++) {
        const struct cg_boot_seg *s = &cg_boot.seg[i];
        if ((s->writable || !write) && va >= s->va && end <= s->va + s->len)
            return s->gpa + (va - s->va);
    }
    return 0;
}

static void *user_ptr(uint64_t va, uint64_t len, int write)
{
    if (len == 0)
        return (void *)(uintptr_t)1;
    uint64_t gpa = cg_mm_user_gpa(va, len, write);
    if (gpa == 0)
        return NULL;
    /* The window lives outside the direct map; it is user-mapped, and the
     * shim may touch user pages (PVM has no SMAP; on VMX/SVM SMAP is off). */
    if (gpa >= cg_boot.window_gpa)
        return (void *)(uintptr_t)va;
    return cg_phys(gpa);
}

int64_t cg_copy_from_user(void *dst, uint64_t va, uint64_t len)
{
    void *p = user_ptr(va, len, 0);
    if (p == NULL)
        return -EFAULT;
    if (len)
        memcpy(dst, p, len);
    return 0;
}

int64_t cg_copy_to_user(uint64_t va, const void *src, uint64_t len)
{
    void *p = user_ptr(va, len, 1);
    if (p == NULL)
        return -EFAULT;
    if (len)
        memcpy(p, src, len);
    return 0;
}
