/*
 * End-to-end tests of shared memory (secgear_shared_memory.h) through a
 * real enclave on the engine CGEAR_ENGINE names (shm.edl).
 * Usage: shm_host <shm.enclave>; shm_small.enclave (64 KiB in at most 3
 * blocks) and shm_none.enclave (no shared memory) are read from the same
 * directory.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgear_edge_host.h"
#include "cgear_edge_rt.h"
#include "e2e_util.h"
#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "shm_u.h"

static char g_small[PATH_MAX], g_none[PATH_MAX];

static void create_from(cc_enclave_t *ctx, const char *image, const enclave_features_t *f, uint32_t n)
{
    memset(ctx, 0, sizeof *ctx);
    assert_int_equal(cc_enclave_create(image, AUTO_ENCLAVE_TYPE, 0, 0, f, n, ctx), CC_SUCCESS);
}

static void create_switchless(cc_enclave_t *ctx)
{
    cc_sl_config_t cfg = CC_USWITCHLESS_CONFIG_INITIALIZER;
    cfg.num_tworkers = 1;
    enclave_features_t f = {ENCLAVE_FEATURE_SWITCHLESS, &cfg};
    e2e_create_with(ctx, 0, &f, 1);
}

/* The host writes, the enclave reads in place; the enclave writes, the
 * host reads: the same bytes at the same address on both sides. */
static void test_roundtrip(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    const size_t n = 3 * 4096 + 17;
    uint8_t *p = cc_malloc_shared_memory(&ctx, n);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i], 0); /* zero-filled */
        p[i] = (uint8_t)(i * 7);
        want += p[i];
    }
    uint64_t sum = 0;
    assert_int_equal(shm_sum(&ctx, &sum, p, n), CC_SUCCESS);
    assert_int_equal(sum, want);
    assert_int_equal(shm_fill(&ctx, p + 5, n - 5, 40), CC_SUCCESS);
    for (size_t i = 0; i < n - 5; i++)
        assert_int_equal(p[5 + i], (uint8_t)(40 + i));
    assert_int_equal(p[4], (uint8_t)(4 * 7)); /* nothing before p + 5 was touched */
    /* To the enclave it is host memory; its heap is not. */
    int where = -1;
    assert_int_equal(shm_where(&ctx, &where, p, n), CC_SUCCESS);
    assert_int_equal(where, 1);
    assert_int_equal(heap_where(&ctx, &where), CC_SUCCESS);
    assert_int_equal(where, 2);
    assert_int_equal(cc_free_shared_memory(&ctx, p), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Several blocks: distinct, aligned, zeroed on reuse; a freed hole is reused. */
static void test_blocks(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    uint8_t *b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = cc_malloc_shared_memory(&ctx, (size_t)(1 + 1000 * i));
        assert_non_null(b[i]);
        assert_int_equal((uintptr_t)b[i] % 64, 0);
        memset(b[i], 0xa0 + i, (size_t)(1 + 1000 * i));
        if (i > 0)
            assert_true(b[i] >= b[i - 1] + 1 + 1000 * (i - 1));
    }
    for (int i = 0; i < 8; i++) {
        uint64_t sum = 0;
        assert_int_equal(shm_sum(&ctx, &sum, b[i], (size_t)(1 + 1000 * i)), CC_SUCCESS);
        assert_int_equal(sum, (uint64_t)(0xa0 + i) * (uint64_t)(1 + 1000 * i));
    }
    assert_int_equal(cc_free_shared_memory(&ctx, b[3]), CC_SUCCESS);
    uint8_t *again = cc_malloc_shared_memory(&ctx, 3001);
    assert_ptr_equal(again, b[3]); /* first fit: the hole b[3] left */
    for (int i = 0; i < 3001; i++)
        assert_int_equal(again[i], 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(cc_free_shared_memory(&ctx, b[i]), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Every misuse gets its error code, and nothing crashes. */
static void test_errors(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_null(cc_malloc_shared_memory(NULL, 16));
    assert_null(cc_malloc_shared_memory(&ctx, 0));
    assert_null(cc_malloc_shared_memory(&ctx, (size_t)1 << 40)); /* more than the manifest allows */
    uint8_t *p = cc_malloc_shared_memory(&ctx, 256);
    assert_non_null(p);
    int local = 0;
    assert_int_equal(cc_free_shared_memory(NULL, p), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_free_shared_memory(&ctx, NULL), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_free_shared_memory(&ctx, &local), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    assert_int_equal(cc_free_shared_memory(&ctx, p + 64), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    assert_int_equal(cc_register_shared_memory(&ctx, &local), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    assert_int_equal(cc_unregister_shared_memory(&ctx, p + 1), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    /* secGear's GP backend registers only for switchless enclaves. */
    assert_int_equal(cc_register_shared_memory(&ctx, p), CC_ERROR_SWITCHLESS_DISABLED);
    assert_int_equal(cc_unregister_shared_memory(&ctx, p), CC_ERROR_SHARED_MEMORY_NOT_REGISTERED);
    assert_int_equal(cc_free_shared_memory(&ctx, p), CC_SUCCESS);
    assert_int_equal(cc_free_shared_memory(&ctx, p), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID); /* twice */
    uint8_t *q = cc_malloc_shared_memory(&ctx, 64);
    assert_non_null(q);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    /* After destroy: the context is no enclave any more. */
    assert_null(cc_malloc_shared_memory(&ctx, 64));
    assert_int_equal(cc_free_shared_memory(&ctx, q), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_register_shared_memory(&ctx, q), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_unregister_shared_memory(&ctx, q), CC_ERROR_INVALID_HANDLE);
}

/* Registration (switchless enclaves), and an [in, out] buffer in a
 * registered block. */
static void test_register(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_switchless(&ctx);
    char *buf = cc_malloc_shared_memory(&ctx, 32);
    assert_non_null(buf);
    assert_int_equal(cc_register_shared_memory(&ctx, buf), CC_SUCCESS);
    assert_int_equal(cc_register_shared_memory(&ctx, buf), CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER);
    strcpy(buf, "switchless");
    assert_int_equal(shm_toupper(&ctx, buf, (int)strlen(buf)), CC_SUCCESS);
    assert_string_equal(buf, "SWITCHLESS");
    assert_int_equal(cc_unregister_shared_memory(&ctx, buf), CC_SUCCESS);
    assert_int_equal(cc_unregister_shared_memory(&ctx, buf), CC_ERROR_SHARED_MEMORY_NOT_REGISTERED);
    /* Freeing a registered block unregisters it. */
    assert_int_equal(cc_register_shared_memory(&ctx, buf), CC_SUCCESS);
    assert_int_equal(cc_free_shared_memory(&ctx, buf), CC_SUCCESS);
    assert_int_equal(cc_unregister_shared_memory(&ctx, buf), CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* The manifest's limits: 64 KiB in at most 3 blocks. */
static void test_limits(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_from(&ctx, g_small, NULL, 0);
    assert_null(cc_malloc_shared_memory(&ctx, 64 * 1024 + 1));
    uint8_t *a = cc_malloc_shared_memory(&ctx, 32 * 1024);
    uint8_t *b = cc_malloc_shared_memory(&ctx, 16 * 1024);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(cc_malloc_shared_memory(&ctx, 16 * 1024 + 1)); /* total size */
    uint8_t *c = cc_malloc_shared_memory(&ctx, 16);
    assert_non_null(c);
    assert_null(cc_malloc_shared_memory(&ctx, 16)); /* count */
    assert_int_equal(cc_free_shared_memory(&ctx, b), CC_SUCCESS);
    uint8_t *d = cc_malloc_shared_memory(&ctx, 16 * 1024 - 64);
    assert_non_null(d);
    memset(d, 3, 16 * 1024 - 64);
    uint64_t sum = 0;
    assert_int_equal(shm_sum(&ctx, &sum, d, 16 * 1024 - 64), CC_SUCCESS);
    assert_int_equal(sum, 3 * (16 * 1024 - 64));
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* shared_memory_size = 0: no region, a clear NULL, the enclave works. */
static void test_none(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_from(&ctx, g_none, NULL, 0);
    assert_null(cc_malloc_shared_memory(&ctx, 16));
    int where = -1;
    assert_int_equal(heap_where(&ctx, &where), CC_SUCCESS);
    assert_int_equal(where, 2);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Two enclaves: each region at its own address, each enclave sees its
 * own; one enclave's pointer is no block of the other. */
static void test_two_enclaves(void **state)
{
    (void)state;
    cc_enclave_t a, b;
    e2e_create(&a, 0);
    e2e_create(&b, 0);
    uint8_t *pa = cc_malloc_shared_memory(&a, 4096), *pb = cc_malloc_shared_memory(&b, 4096);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_ptr_not_equal(pa, pb);
    memset(pa, 1, 4096);
    memset(pb, 2, 4096);
    uint64_t sum = 0;
    assert_int_equal(shm_sum(&a, &sum, pa, 4096), CC_SUCCESS);
    assert_int_equal(sum, 4096);
    assert_int_equal(shm_sum(&b, &sum, pb, 4096), CC_SUCCESS);
    assert_int_equal(sum, 2 * 4096);
    int where = -1;
    assert_int_equal(shm_where(&b, &where, pa, 4096), CC_SUCCESS);
    assert_int_equal(where, 2); /* not b's shared memory */
    assert_int_equal(cc_free_shared_memory(&b, pa), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_register_shared_memory(&b, pa), CC_ERROR_INVALID_HANDLE);
    assert_int_equal(cc_free_shared_memory(&a, pa), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&a), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&b), CC_SUCCESS);
}

/* Shared memory is never executable in the enclave: code placed there by
 * the host ends the enclave as a crash, and the host carries on. */
static void test_not_executable(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    uint8_t *p = cc_malloc_shared_memory(&ctx, 64);
    assert_non_null(p);
    p[0] = 0xc3; /* ret */
    assert_int_equal(shm_exec(&ctx, p), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cgear_enclave_status(&ctx), CC_ERROR_ENCLAVE_CRASHED);
    /* The host's view of the block outlives the enclave until destroy. */
    assert_int_equal(p[0], 0xc3);
    assert_int_equal(cc_free_shared_memory(&ctx, p), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* A futex word in shared memory: the process engine's kernel serves it;
 * the kvm monitor serves futexes only in private memory and the window
 * (docs/shared-memory.md), so there it is EFAULT, not a crash. */
static void test_futex(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    uint32_t *w = cc_malloc_shared_memory(&ctx, sizeof *w);
    assert_non_null(w);
    long r = -1;
    assert_int_equal(shm_futex_wake(&ctx, &r, w), CC_SUCCESS);
    assert_int_equal(r, e2e_engine_is_kvm() ? -EFAULT : 0);
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

struct churn {
    cc_enclave_t *ctx;
    int fails;
};

static void *churn_thread(void *arg)
{
    struct churn *c = arg;
    for (int i = 0; i < 200; i++) {
        uint8_t *p = cc_malloc_shared_memory(c->ctx, 100 + (size_t)i);
        if (p == NULL) {
            c->fails++;
            continue;
        }
        memset(p, 1, 100 + (size_t)i);
        uint64_t sum = 0;
        if ((i % 50 == 0 && (shm_sum(c->ctx, &sum, p, 100 + (size_t)i) != CC_SUCCESS || sum != 100 + (uint64_t)i)) ||
            cc_free_shared_memory(c->ctx, p) != CC_SUCCESS)
            c->fails++;
    }
    return NULL;
}

/* Threads allocating and freeing at once. */
static void test_concurrent(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    pthread_t t[4];
    struct churn c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (struct churn){&ctx, 0};
        assert_int_equal(pthread_create(&t[i], NULL, churn_thread, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].fails, 0);
    }
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Zero copy: [in], [out] and [in, out] buffers wholly inside one
 * registered block cross as their address (the enclave sees the host's
 * pointer and works on the shared bytes); anything else is copied, with
 * the same results. */
static void test_zero_copy(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_switchless(&ctx);
    uint8_t *b = cc_malloc_shared_memory(&ctx, 4096), *c = cc_malloc_shared_memory(&ctx, 4096);
    assert_non_null(b);
    assert_non_null(c);
    assert_int_equal(cc_register_shared_memory(&ctx, b), CC_SUCCESS);
    uint64_t want = 0, sum = 0, got = 0;
    for (int i = 0; i < 4096; i++) {
        b[i] = (uint8_t)i;
        c[i] = (uint8_t)i;
        want += (uint8_t)i;
    }
    /* registered, whole buffer inside: no copy */
    assert_int_equal(zc_in(&ctx, &got, b, 4096, &sum), CC_SUCCESS);
    assert_int_equal(got, (uintptr_t)b);
    assert_int_equal(sum, want);
    assert_int_equal(zc_out(&ctx, &got, b + 100, 200, 7), CC_SUCCESS);
    assert_int_equal(got, (uintptr_t)(b + 100));
    for (int i = 100; i < 300; i++)
        assert_int_equal(b[i], 7);
    assert_int_equal(b[99], 99);
    assert_int_equal(b[300], (uint8_t)300);
    assert_int_equal(zc_inout(&ctx, &got, b, 64), CC_SUCCESS);
    assert_int_equal(got, (uintptr_t)b);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[63], 64);
    /* past the block's end, not registered, NULL: copied, same results */
    assert_int_equal(zc_in(&ctx, &got, b + 4000, 200, &sum), CC_SUCCESS);
    assert_int_not_equal(got, (uintptr_t)(b + 4000));
    assert_int_equal(zc_in(&ctx, &got, c, 4096, &sum), CC_SUCCESS);
    assert_int_not_equal(got, (uintptr_t)c);
    assert_int_equal(sum, want);
    assert_int_equal(zc_inout(&ctx, &got, c, 64), CC_SUCCESS);
    assert_int_not_equal(got, (uintptr_t)c);
    assert_int_equal(c[63], 64);
    assert_int_equal(zc_out(&ctx, &got, NULL, 0, 1), CC_SUCCESS);
    assert_int_equal(got, 0);
    /* beside a deep-copied struct (the proxy's segment list grows by one) */
    uint8_t abc[3] = {'a', 'b', 'c'};
    struct zc_msg m = {3, abc};
    assert_int_equal(zc_deep(&ctx, &got, &m, b + 1024, 64), CC_SUCCESS);
    assert_int_equal(got, (uintptr_t)(b + 1024));
    for (int i = 0; i < 64; i++)
        assert_int_equal(b[1024 + i], abc[i % 3]);
    assert_int_equal(zc_deep(&ctx, &got, &m, c, 64), CC_SUCCESS);
    assert_int_not_equal(got, (uintptr_t)c);
    assert_int_equal(c[5], 'c');
    /* unregistered again: copied */
    assert_int_equal(cc_unregister_shared_memory(&ctx, b), CC_SUCCESS);
    assert_int_equal(zc_inout(&ctx, &got, b, 64), CC_SUCCESS);
    assert_int_not_equal(got, (uintptr_t)b);
    assert_int_equal(b[0], 2);
    assert_int_equal(cc_free_shared_memory(&ctx, b), CC_SUCCESS);
    assert_int_equal(cc_free_shared_memory(&ctx, c), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* The request layout of zc_in (the generated cg__req_zc_in_t, shm_u.c). */
struct zc_in_req {
    uint64_t l_p;
    uint8_t f_p;
    size_t v_n;
    uint64_t l_sum;
    uint8_t f_sum;
};
#define ZC_IN_ID 6u /* zc_in's function id (shm_u.c) */

/* A forged zero-copy request for zc_in: address @addr, length @len. */
static cc_enclave_result_t forge_zc_in(cc_enclave_t *ctx, uint64_t addr, size_t len)
{
    struct zc_in_req req;
    memset(&req, 0, sizeof req);
    req.l_p = len;
    req.f_p = 2;
    req.v_n = len;
    req.l_sum = sizeof(uint64_t);
    req.f_sum = 1;
    cg_iov_t iov[3] = {{&req, sizeof req}};
    size_t n = 1, cur = sizeof req;
    assert_true(cg_blob_put(iov, &n, &cur, &addr, sizeof addr));
    cg_msg_t resp = {NULL, 0};
    cc_enclave_result_t rc = cg_host_ecall(ctx, ZC_IN_ID, iov, n, &resp, NULL);
    cg_msg_free(resp.buf);
    return rc;
}

/* The same request, honest and copied (f_p = 1): proves ZC_IN_ID and the
 * layout above still match shm.edl, so the refusals below mean what they say. */
static cc_enclave_result_t honest_zc_in(cc_enclave_t *ctx, const uint8_t *p, size_t len, uint64_t *sum)
{
    struct zc_in_req req;
    memset(&req, 0, sizeof req);
    req.l_p = len;
    req.f_p = 1;
    req.v_n = len;
    req.l_sum = sizeof(uint64_t);
    req.f_sum = 1;
    cg_iov_t iov[3] = {{&req, sizeof req}};
    size_t n = 1, cur = sizeof req;
    assert_true(cg_blob_put(iov, &n, &cur, p, len));
    cg_msg_t resp = {NULL, 0};
    cc_enclave_result_t rc = cg_host_ecall(ctx, ZC_IN_ID, iov, n, &resp, NULL);
    /* response: the uint64_t return value, then (aligned) the sum */
    if (rc == CC_SUCCESS && resp.len >= 2 * sizeof(uint64_t))
        memcpy(sum, resp.buf + resp.len - sizeof(uint64_t), sizeof *sum);
    cg_msg_free(resp.buf);
    return rc;
}

/* A host that claims zero copy for memory outside the shared region (the
 * enclave's own, or across the region's end) is refused, and the enclave
 * serves on. */
static void test_zero_copy_forged(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    uint8_t *b = cc_malloc_shared_memory(&ctx, 64);
    assert_non_null(b);
    uint8_t three[3] = {1, 2, 3};
    uint64_t honest = 0;
    assert_int_equal(honest_zc_in(&ctx, three, 3, &honest), CC_SUCCESS);
    assert_int_equal(honest, 6);
    uint64_t region_end = ((uintptr_t)b + (64u << 20) + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
    assert_int_equal(forge_zc_in(&ctx, 0x400000, 64), CC_ERROR_BAD_PARAMETERS);  /* the enclave's ELF */
    assert_int_equal(forge_zc_in(&ctx, region_end - 8, 64), CC_ERROR_BAD_PARAMETERS); /* across the end */
    assert_int_equal(forge_zc_in(&ctx, UINT64_MAX - 8, 64), CC_ERROR_BAD_PARAMETERS);   /* wraps */
    assert_int_equal(forge_zc_in(&ctx, (uintptr_t)b, 0), CC_ERROR_BAD_PARAMETERS);      /* empty */
    /* The same request with an address in the region is served: the
     * enclave checks the region, not the host's registrations. */
    memset(b, 2, 64);
    assert_int_equal(forge_zc_in(&ctx, (uintptr_t)b, 64), CC_SUCCESS);
    uint64_t sum = 0;
    assert_int_equal(shm_sum(&ctx, &sum, b, 64), CC_SUCCESS);
    assert_int_equal(sum, 128);
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_free_shared_memory(&ctx, b), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

int main(int argc, char **argv)
{
    int status = e2e_begin(argc, argv, 2, "SHM_ENCLAVE");
    if (status >= 0)
        return status;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", argv[1]);
    snprintf(g_small, sizeof g_small, "%s/shm_small.enclave", dirname(dir));
    snprintf(dir, sizeof dir, "%s", argv[1]);
    snprintf(g_none, sizeof g_none, "%s/shm_none.enclave", dirname(dir));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_register),
        cmocka_unit_test(test_limits),       cmocka_unit_test(test_none),
        cmocka_unit_test(test_two_enclaves), cmocka_unit_test(test_not_executable),
        cmocka_unit_test(test_concurrent),   cmocka_unit_test(test_zero_copy),
        cmocka_unit_test(test_zero_copy_forged), cmocka_unit_test(test_futex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
