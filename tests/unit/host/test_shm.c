/*
 * Unit tests of the host's shared-memory region (src/host/shm.c) without
 * an enclave: where the region goes, what the window header says, the
 * block table, the error codes and the zero-copy test of generated
 * proxies (cg_host_shm_zc).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "cgear_edge_host.h"
#include "engine.h"
#include "host.h"
#include "secgear_shared_memory.h"
#include "shm.h"
#include "window.h"

static const struct cg_engine g_process = {.name = "process", .type = PROCESS_ENCLAVE_TYPE};
static const struct cg_engine g_kvm = {.name = "kvm", .type = KVM_ENCLAVE_TYPE};

struct fake {
    struct cg_enclave e;
    struct cg_window_hdr hdr;
    cc_enclave_t ctx;
};

/* A context that looks created, with a region of @size bytes and at most
 * @blocks blocks; @sl: created with switchless. */
static void fake_init(struct fake *f, const struct cg_engine *engine, uint64_t size, uint32_t blocks, bool sl)
{
    memset(f, 0, sizeof *f);
    strcpy(f->e.ident.manifest.name, "unit");
    f->e.engine = engine;
    f->e.win.hdr = &f->hdr;
    f->e.sl = sl ? (struct cg_sl *)(uintptr_t)1 : NULL; /* only compared with NULL by shm.c */
    assert_int_equal(cg_shm_setup(&f->e, size, blocks), CC_SUCCESS);
    f->ctx.used_flag = true;
    f->ctx.private_data = &f->e;
}

static void fake_fini(struct fake *f)
{
    cg_shm_fini(&f->e);
    assert_null(f->e.shm);
    assert_int_equal(cg_shm_fd(&f->e), -1);
}

/* The region: page-aligned, a 2 MiB multiple, inside the range, announced
 * in the header; the process engine's enclave maps it itself. */
static void test_region(void **state)
{
    (void)state;
    struct fake a, b;
    fake_init(&a, &g_process, 1u << 20, 8, false);
    fake_init(&b, &g_kvm, 3u << 20, 8, false);
    assert_true(cg_shm_region_ok(a.hdr.shm_addr, a.hdr.shm_size));
    assert_true(cg_shm_region_ok(b.hdr.shm_addr, b.hdr.shm_size));
    assert_int_equal(a.hdr.shm_size, 2u << 20);
    assert_int_equal(b.hdr.shm_size, 4u << 20);
    assert_true(a.hdr.shm_addr + a.hdr.shm_size <= b.hdr.shm_addr || b.hdr.shm_addr + b.hdr.shm_size <= a.hdr.shm_addr);
    assert_int_equal(a.hdr.flags & CG_WINDOW_F_SHM_MAP, CG_WINDOW_F_SHM_MAP);
    assert_int_equal(b.hdr.flags & CG_WINDOW_F_SHM_MAP, 0);
    assert_true(cg_shm_fd(&a.e) >= 0);
    fake_fini(&a);
    fake_fini(&b);
    /* none */
    struct fake n;
    fake_init(&n, &g_kvm, 0, 8, false);
    assert_null(n.e.shm);
    assert_int_equal(n.hdr.shm_size, 0);
    assert_null(cc_malloc_shared_memory(&n.ctx, 1));
}

/* A taken address is skipped: the region goes to the next free one. */
static void test_address_taken(void **state)
{
    (void)state;
    void *want = (void *)(uintptr_t)CG_SHM_VA_MIN;
    void *block = mmap(want, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    assert_ptr_equal(block, want);
    struct fake f;
    fake_init(&f, &g_process, 1u << 20, 4, false);
    assert_int_not_equal(f.hdr.shm_addr, CG_SHM_VA_MIN);
    assert_true(cg_shm_region_ok(f.hdr.shm_addr, f.hdr.shm_size));
    fake_fini(&f);
    munmap(block, 4096);
}

/* Blocks: aligned, first fit, limits in bytes and in count. */
static void test_blocks(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, &g_process, 8192, 3, false);
    uint8_t *base = (uint8_t *)(uintptr_t)f.hdr.shm_addr;
    uint8_t *a = cc_malloc_shared_memory(&f.ctx, 1);
    uint8_t *b = cc_malloc_shared_memory(&f.ctx, 65);
    assert_ptr_equal(a, base);
    assert_ptr_equal(b, base + 64);
    assert_null(cc_malloc_shared_memory(&f.ctx, 8192 - 64 - 128 + 1)); /* size */
    uint8_t *c = cc_malloc_shared_memory(&f.ctx, 8192 - 64 - 128);
    assert_ptr_equal(c, base + 192);
    assert_int_equal(cc_free_shared_memory(&f.ctx, b), CC_SUCCESS);
    memset(a, 0xff, 64);
    assert_int_equal(cc_free_shared_memory(&f.ctx, a), CC_SUCCESS);
    uint8_t *d = cc_malloc_shared_memory(&f.ctx, 100); /* the hole a and b left */
    assert_ptr_equal(d, base);
    assert_int_equal(d[0], 0); /* zeroed again */
    uint8_t *e = cc_malloc_shared_memory(&f.ctx, 64);
    assert_ptr_equal(e, base + 128);
    assert_null(cc_malloc_shared_memory(&f.ctx, 1)); /* count: 3 blocks */
    assert_null(cc_malloc_shared_memory(&f.ctx, 0));
    assert_null(cc_malloc_shared_memory(NULL, 1));
    fake_fini(&f);
}

/* Every error code, without an enclave. */
static void test_errors(void **state)
{
    (void)state;
    struct fake f, g;
    fake_init(&f, &g_process, 1u << 20, 8, false);
    fake_init(&g, &g_process, 1u << 20, 8, true);
    uint8_t *p = cc_malloc_shared_memory(&f.ctx, 128), *q = cc_malloc_shared_memory(&g.ctx, 128);
    assert_non_null(p);
    assert_non_null(q);
    int local;
    assert_int_equal(cc_free_shared_memory(NULL, p), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_free_shared_memory(&f.ctx, NULL), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_free_shared_memory(&f.ctx, &local), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    assert_int_equal(cc_free_shared_memory(&f.ctx, p + 1), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    assert_int_equal(cc_free_shared_memory(&f.ctx, q), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_register_shared_memory(&f.ctx, p), CC_ERROR_SWITCHLESS_DISABLED);
    assert_int_equal(cc_register_shared_memory(&g.ctx, q), CC_SUCCESS);
    assert_int_equal(cc_register_shared_memory(&g.ctx, q), CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER);
    assert_int_equal(cc_unregister_shared_memory(&g.ctx, q), CC_SUCCESS);
    assert_int_equal(cc_unregister_shared_memory(&g.ctx, q), CC_ERROR_SHARED_MEMORY_NOT_REGISTERED);
    atomic_store(&g.e.fate.lost, true);
    assert_int_equal(cc_register_shared_memory(&g.ctx, q), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cc_free_shared_memory(&g.ctx, q), CC_SUCCESS); /* still works */
    assert_int_equal(cc_free_shared_memory(&f.ctx, p), CC_SUCCESS);
    assert_int_equal(cc_free_shared_memory(&f.ctx, p), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    cc_enclave_t gone = {0};
    assert_int_equal(cc_free_shared_memory(&gone, p), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_register_shared_memory(&gone, p), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_unregister_shared_memory(&gone, p), CC_ERROR_INVALID_HANDLE);
    fake_fini(&f);
    fake_fini(&g);
}

/* cg_host_shm_zc: only a range wholly inside one registered block. */
static void test_zero_copy_rule(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, &g_process, 1u << 20, 8, true);
    uint8_t *a = cc_malloc_shared_memory(&f.ctx, 256), *b = cc_malloc_shared_memory(&f.ctx, 256);
    assert_int_equal(cg_host_shm_zc(&f.ctx, a, 16), 0); /* not registered */
    assert_int_equal(cc_register_shared_memory(&f.ctx, a), CC_SUCCESS);
    assert_int_equal(cg_host_shm_zc(&f.ctx, a, 256), 1);
    assert_int_equal(cg_host_shm_zc(&f.ctx, a + 100, 156), 1);
    assert_int_equal(cg_host_shm_zc(&f.ctx, a + 100, 157), 0); /* into b */
    assert_int_equal(cg_host_shm_zc(&f.ctx, a, 0), 0);
    assert_int_equal(cg_host_shm_zc(&f.ctx, b, 16), 0);
    assert_int_equal(cc_register_shared_memory(&f.ctx, b), CC_SUCCESS);
    assert_int_equal(cg_host_shm_zc(&f.ctx, a + 200, 100), 0); /* two blocks: not one */
    assert_int_equal(cg_host_shm_zc(&f.ctx, b + 256, 16), 0); /* after the last block */
    assert_int_equal(cg_host_shm_zc(&f.ctx, (uint8_t *)(uintptr_t)f.hdr.shm_addr + f.hdr.shm_size - 8, 16), 0);
    int local = 0;
    assert_int_equal(cg_host_shm_zc(&f.ctx, &local, sizeof local), 0);
    assert_int_equal(cg_host_shm_zc(NULL, a, 16), 0);
    assert_int_equal(cc_free_shared_memory(&f.ctx, a), CC_SUCCESS);
    assert_int_equal(cg_host_shm_zc(&f.ctx, a, 16), 0); /* freed */
    fake_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region), cmocka_unit_test(test_address_taken), cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_errors), cmocka_unit_test(test_zero_copy_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
