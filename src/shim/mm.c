/*
 * mm.c - the enclave's memory inside the VM.
 *
 * The monitor maps a pool of guest-physical pages, sized from the manifest
 * (heap + stacks), contiguously at CG_G_POOL_VA as user, writable,
 * non-executable pages. mmap() hands out page runs from it, first fit, with
 * a bitmap kept outside user-visible memory; munmap() zeroes and frees them,
 * so every mapping starts zero-filled as Linux promises. brk() never grows
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
static uint64_t g_hint;

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
    g_hint = 0;
}

static int64_t find_run(uint64_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        uint64_t start = pass == 0 ? g_hint : 0, end = pass == 0 ? g_npages : g_hint;
        uint64_t run = 0;
        for (uint64_t i = start; i < end; i++) {
            run = used(i) ? 0 : run + 1;
            if (run == n)
                return (int64_t)(i + 1 - n);
        }
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
    int64_t first = find_run(n);
    if (first < 0) {
        cg_hcall(cg_this_cpu(), CG_HC_OOM, len, 0, 0, 0, 0);
        return -ENOMEM;
    }
    mark((uint64_t)first, n, 1);
    g_hint = (uint64_t)first + n;
    if (g_hint >= g_npages)
        g_hint = 0;
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
    /* Zero now, so the next mapping of these pages starts clean. */
    memset(cg_phys(cg_boot.pool_gpa + first * CG_G_PAGE), 0, n * CG_G_PAGE);
    mark(first, n, 0);
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
