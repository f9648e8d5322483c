/*
 * End-to-end tests of switchless calls through a real enclave on the
 * engine CGEAR_ENGINE names (tests/e2e/sl.edl). Usage: sl_host <enclave>
 *
 * Nothing here depends on timing: a call is held inside the enclave by a
 * gate the test opens (release()), and the test waits for blocked_count()
 * to see calls arrive. Every wait has a deadline (a failure, not a hang).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "enclave.h"
#include "e2e_util.h"
#include "secgear_uswitchless.h"
#include "sl_u.h"

#define THREADS 5 /* THREADS of sl_enclave (tests/e2e/CMakeLists.txt) */
#define DEADLINE_S 60

int o_twice(int x)
{
    return 2 * x;
}

/* A switchless enclave: @workers workers, policy, pool qwords, rollback. */
static void create_sl(cc_enclave_t *ctx, uint32_t workers, uint32_t policy, uint32_t qwords, uint32_t rollback)
{
    cc_sl_config_t cfg = CC_USWITCHLESS_CONFIG_INITIALIZER;
    cfg.num_tworkers = workers;
    cfg.workers_policy = policy;
    cfg.sl_call_pool_size_qwords = qwords;
    cfg.rollback_to_common = rollback;
    cfg.retries_before_fallback = 2000;
    enclave_features_t f = {ENCLAVE_FEATURE_SWITCHLESS, &cfg};
    e2e_create_with(ctx, 0, &f, 1);
    assert_int_equal(reset_gates(ctx), CC_SUCCESS);
}

static void wait_blocked(cc_enclave_t *ctx, int n)
{
    long end = e2e_now_ms() + DEADLINE_S * 1000L;
    int got = -1;
    while (e2e_now_ms() < end) {
        assert_int_equal(blocked_count(ctx, &got), CC_SUCCESS);
        if (got == n)
            return;
        e2e_sleep_ms(1);
    }
    fail_msg("%d calls blocked in the enclave, expected %d", got, n);
}

/* Collect @id, waiting while it is unfinished. */
static cc_enclave_result_t collect(cc_enclave_t *ctx, int id, void *retval)
{
    long end = e2e_now_ms() + DEADLINE_S * 1000L;
    cc_enclave_result_t rc;
    while ((rc = cc_sl_get_async_result(ctx, id, retval)) == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED) {
        if (e2e_now_ms() > end)
            fail_msg("task %d still unfinished after %d s", id, DEADLINE_S);
        sched_yield();
    }
    return rc;
}

static void test_feature_absent(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    int r = 0, id = 5;
    /* The switchless function runs as an ordinary ECALL. */
    assert_int_equal(sl_add(&ctx, &r, 40, 2), CC_SUCCESS);
    assert_int_equal(r, 42);
    assert_int_equal(sl_add_async(&ctx, &id, &r, 1, 2), CC_ERROR_SWITCHLESS_DISABLED);
    assert_int_equal(cc_sl_get_async_result(&ctx, 1 << 9, &r), CC_ERROR_SWITCHLESS_DISABLED);
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_ERROR_SWITCHLESS_DISABLED);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    assert_int_equal(cc_sl_get_async_result(&ctx, 1 << 9, &r), CC_ERROR_INVALID_ENCLAVE_ID);
    assert_int_equal(cc_sl_get_async_result(NULL, 1 << 9, &r), CC_ERROR_BAD_PARAMETERS);
}

static void test_config_errors(void **state)
{
    (void)state;
    cc_enclave_t ctx = {0};
    cc_sl_config_t cfg = CC_USWITCHLESS_CONFIG_INITIALIZER;
    enclave_features_t f[2] = {{ENCLAVE_FEATURE_SWITCHLESS, &cfg}, {ENCLAVE_FEATURE_SWITCHLESS, &cfg}};
    cfg.num_tworkers = THREADS; /* one thread must stay for ordinary ECALLs */
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.num_tworkers = 513;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.num_tworkers = 1;
    cfg.workers_policy = WORKERS_POLICY_MAX;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.workers_policy = WORKERS_POLICY_WAKEUP;
    cfg.sl_call_pool_size_qwords = 9;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.sl_call_pool_size_qwords = 1;
    cfg.num_max_params = 17;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.num_max_params = 16;
    /* a second switchless entry: secGear's answer */
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 2, &ctx), CC_ERROR_SWITCHLESS_REINIT);
    f[0].feature_desc = NULL;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    assert_false(ctx.used_flag);
    /* num_tworkers 0: the default, bounded by the manifest. */
    f[0].feature_desc = &cfg;
    cfg.num_tworkers = 0;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_SUCCESS);
    int r = 0;
    assert_int_equal(sl_add(&ctx, &r, 1, 1), CC_SUCCESS);
    assert_int_equal(r, 2);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void sync_calls(cc_enclave_t *ctx, int n)
{
    for (int i = 0; i < n; i++) {
        int r = 0;
        assert_int_equal(sl_add(ctx, &r, i, 3 * i), CC_SUCCESS);
        assert_int_equal(r, 4 * i);
    }
}

static void test_sync_values(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    sync_calls(&ctx, 2000);
    assert_int_equal(sl_empty(&ctx), CC_SUCCESS);
    /* [in]/[out] of many sizes, past one slot (256 KiB: chunked). */
    size_t sizes[] = {0, 1, 15, 4096, 65537, 300000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        uint8_t *in = malloc(n + 1), *out = malloc(n + 1);
        uint64_t want = 0, sum = 0;
        for (size_t i = 0; i < n; i++) {
            in[i] = (uint8_t)(i * 7 + k);
            want += in[i];
        }
        memset(out, 0, n + 1);
        assert_int_equal(sl_xform(&ctx, &sum, n ? in : NULL, n ? out : NULL, n), CC_SUCCESS);
        assert_true(sum == want);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(out[i], in[i] ^ 0x5a);
        free(in);
        free(out);
    }
    /* An OCALL from inside a switchless call. */
    int r = 0;
    assert_int_equal(sl_ocall(&ctx, &r, 21), CC_SUCCESS);
    assert_int_equal(r, 84);
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_SUCCESS);
    assert_true(st.sl_calls > 0);
    assert_true(st.sl_calls + st.fallbacks == 2000 + 1 + 6 + 1);
    /* An ordinary function stays ordinary. */
    assert_int_equal(plain_add(&ctx, &r, 2, 2), CC_SUCCESS);
    assert_int_equal(r, 4);
    cgear_sl_stats_t st2;
    assert_int_equal(cgear_sl_stats(&ctx, &st2), CC_SUCCESS);
    assert_true(st2.sl_calls + st2.fallbacks == st.sl_calls + st.fallbacks);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_busy_policy(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 1, WORKERS_POLICY_BUSY, 1, 0);
    sync_calls(&ctx, 2000);
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_SUCCESS);
    assert_true(st.sl_calls > 0);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

#define NCALLERS 6
#define CALLS_EACH 1500

static void *caller(void *arg)
{
    cc_enclave_t *ctx = arg;
    uint8_t in[100], out[100];
    for (int i = 0; i < CALLS_EACH; i++) {
        int r = 0;
        uint64_t sum = 0, want = 0;
        if (sl_add(ctx, &r, i, 1) != CC_SUCCESS || r != i + 1)
            return (void *)1;
        for (int j = 0; j < 100; j++) {
            in[j] = (uint8_t)(i + j);
            want += in[j];
        }
        if (sl_xform(ctx, &sum, in, out, sizeof in) != CC_SUCCESS || sum != want)
            return (void *)2;
        for (int j = 0; j < 100; j++)
            if (out[j] != (in[j] ^ 0x5a))
                return (void *)3;
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    pthread_t t[NCALLERS];
    for (int i = 0; i < NCALLERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, caller, &ctx), 0);
    for (int i = 0; i < NCALLERS; i++) {
        void *res = (void *)99;
        pthread_join(t[i], &res);
        assert_null(res);
    }
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_SUCCESS);
    assert_true(st.sl_calls + st.fallbacks == (uint64_t)NCALLERS * CALLS_EACH * 2);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_async_basic(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    int ids[50];
    for (int i = 0; i < 50; i++)
        assert_int_equal(sl_add_async(&ctx, &ids[i], NULL, i, 1000), CC_SUCCESS);
    for (int i = 0; i < 50; i++) {
        int r = -1;
        assert_int_equal(collect(&ctx, ids[i], &r), CC_SUCCESS);
        assert_int_equal(r, i + 1000);
        /* Collected: unknown now, also much later. */
        assert_int_equal(cc_sl_get_async_result(&ctx, ids[i], &r), CC_ERROR_SWITCHLESS_INVALID_TASK_ID);
    }
    /* Reused entries get new ids: an old id never collects a new task. */
    int again;
    assert_int_equal(sl_add_async(&ctx, &again, NULL, 1, 1), CC_SUCCESS);
    for (int i = 0; i < 50; i++)
        assert_int_not_equal(again, ids[i]);
    int r = 0;
    assert_int_equal(collect(&ctx, again, &r), CC_SUCCESS);
    assert_int_equal(r, 2);
    int bad[] = {-1, 0, 1, 63, 0x7fffffff};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cc_sl_get_async_result(&ctx, bad[i], &r), CC_ERROR_SWITCHLESS_INVALID_TASK_ID);
    assert_int_equal(sl_add_async(&ctx, NULL, NULL, 1, 1), CC_ERROR_BAD_PARAMETERS);
    /* void function; NULL retval */
    int id;
    assert_int_equal(sl_empty_async(&ctx, &id), CC_SUCCESS);
    assert_int_equal(collect(&ctx, id, NULL), CC_SUCCESS);
    /* [in]/[out] buffers and an OCALL, asynchronously. */
    uint8_t in[5000], out[5000];
    uint64_t want = 0, sum = 0;
    for (size_t i = 0; i < sizeof in; i++) {
        in[i] = (uint8_t)(i * 13);
        want += in[i];
    }
    memset(out, 0, sizeof out);
    assert_int_equal(sl_xform_async(&ctx, &id, NULL, in, out, sizeof in), CC_SUCCESS);
    assert_int_equal(collect(&ctx, id, &sum), CC_SUCCESS);
    assert_true(sum == want);
    for (size_t i = 0; i < sizeof in; i++)
        assert_int_equal(out[i], in[i] ^ 0x5a);
    assert_int_equal(sl_ocall_async(&ctx, &id, NULL, 5), CC_SUCCESS);
    assert_int_equal(collect(&ctx, id, &r), CC_SUCCESS);
    assert_int_equal(r, 20);
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_SUCCESS);
    assert_int_equal(st.async_submits, 50 + 1 + 1 + 1 + 1);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* A call held in the enclave is UNFINISHED until the test opens its gate. */
static void test_async_unfinished(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    int id, r = -1;
    assert_int_equal(sl_block_async(&ctx, &id, NULL, 1), CC_SUCCESS);
    wait_blocked(&ctx, 1);
    for (int i = 0; i < 100; i++)
        assert_int_equal(cc_sl_get_async_result(&ctx, id, &r), CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
    assert_int_equal(r, -1);
    assert_int_equal(release(&ctx, 1), CC_SUCCESS);
    assert_int_equal(collect(&ctx, id, &r), CC_SUCCESS);
    assert_int_equal(r, 10);
    assert_int_equal(cc_sl_get_async_result(&ctx, id, &r), CC_ERROR_SWITCHLESS_INVALID_TASK_ID);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Both workers held: a synchronous switchless call falls back to an
 * ordinary ECALL (it still works, and the counters say so). */
static void test_fallback_sync(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    int id[2], r = 0;
    assert_int_equal(sl_block_async(&ctx, &id[0], NULL, 2), CC_SUCCESS);
    assert_int_equal(sl_block_async(&ctx, &id[1], NULL, 2), CC_SUCCESS);
    wait_blocked(&ctx, 2);
    cgear_sl_stats_t before, after;
    assert_int_equal(cgear_sl_stats(&ctx, &before), CC_SUCCESS);
    assert_int_equal(sl_add(&ctx, &r, 5, 6), CC_SUCCESS);
    assert_int_equal(r, 11);
    assert_int_equal(cgear_sl_stats(&ctx, &after), CC_SUCCESS);
    assert_int_equal(after.fallbacks, before.fallbacks + 1);
    assert_int_equal(after.sl_calls, before.sl_calls);
    assert_int_equal(release(&ctx, 2), CC_SUCCESS);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(collect(&ctx, id[i], &r), CC_SUCCESS);
        assert_int_equal(r, 20);
    }
    /* Workers free again: switchless once more. */
    assert_int_equal(sl_add(&ctx, &r, 1, 2), CC_SUCCESS);
    assert_int_equal(cgear_sl_stats(&ctx, &before), CC_SUCCESS);
    assert_int_equal(before.sl_calls, after.sl_calls + 1);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Fill the 64-task pool with held calls, then one more. */
static void fill_pool(cc_enclave_t *ctx, int gate, int *ids)
{
    for (int i = 0; i < 64; i++)
        assert_int_equal(sl_block_async(ctx, &ids[i], NULL, gate), CC_SUCCESS);
    wait_blocked(ctx, 2); /* the two workers hold two; 62 wait in the pool */
}

static void drain_pool(cc_enclave_t *ctx, int gate, const int *ids)
{
    assert_int_equal(release(ctx, gate), CC_SUCCESS);
    for (int i = 0; i < 64; i++) {
        int r = 0;
        assert_int_equal(collect(ctx, ids[i], &r), CC_SUCCESS);
        assert_int_equal(r, gate * 10);
    }
}

static void test_pool_full(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    int ids[64], id = 12345, r = -1;
    fill_pool(&ctx, 3, ids);
    assert_int_equal(sl_add_async(&ctx, &id, &r, 2, 3), CC_ERROR_SWITCHLESS_TASK_POOL_FULL);
    assert_int_equal(r, -1);
    drain_pool(&ctx, 3, ids);
    /* Room again. */
    assert_int_equal(sl_add_async(&ctx, &id, NULL, 2, 3), CC_SUCCESS);
    assert_int_equal(collect(&ctx, id, &r), CC_SUCCESS);
    assert_int_equal(r, 5);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_pool_full_rollback(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 1);
    int ids[64], id = 12345, r = -1;
    fill_pool(&ctx, 4, ids);
    /* Runs now, as an ordinary call: result in place, no task. */
    assert_int_equal(sl_add_async(&ctx, &id, &r, 2, 3), CC_SUCCESS);
    assert_int_equal(id, -1);
    assert_int_equal(r, 5);
    uint8_t in[3] = {1, 2, 3}, out[3] = {0};
    uint64_t sum = 0;
    assert_int_equal(sl_xform_async(&ctx, &id, &sum, in, out, 3), CC_SUCCESS);
    assert_int_equal(id, -1);
    assert_true(sum == 6 && out[2] == (3 ^ 0x5a));
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_SUCCESS);
    assert_int_equal(st.rollbacks, 2);
    drain_pool(&ctx, 4, ids);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Destroy with calls held in the enclave and more queued: returns, frees
 * everything (ASan / valgrind check), hangs nowhere. */
static void test_destroy_pending(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_BUSY, 1, 0);
    int ids[10];
    for (int i = 0; i < 10; i++)
        assert_int_equal(sl_block_async(&ctx, &ids[i], NULL, 5), CC_SUCCESS);
    wait_blocked(&ctx, 2);
    long t0 = e2e_now_ms();
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    assert_true(e2e_now_ms() - t0 < DEADLINE_S * 1000L);
    int r;
    assert_int_equal(cc_sl_get_async_result(&ctx, ids[0], &r), CC_ERROR_INVALID_ENCLAVE_ID);
}

/* The enclave dies under pending tasks: each one's result is
 * CC_ERROR_ENCLAVE_LOST, and new submissions fail at once. */
static void test_enclave_dies(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create_sl(&ctx, 2, WORKERS_POLICY_WAKEUP, 1, 0);
    int ids[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(sl_block_async(&ctx, &ids[i], NULL, 6), CC_SUCCESS);
    wait_blocked(&ctx, 2);
    assert_int_equal(kill(cgear_enclave_pid(&ctx), SIGKILL), 0);
    for (int i = 0; i < 5; i++) {
        int r = -7;
        assert_int_equal(collect(&ctx, ids[i], &r), CC_ERROR_ENCLAVE_LOST);
        assert_int_equal(r, -7);
    }
    int id, r = 0;
    assert_int_equal(sl_add_async(&ctx, &id, NULL, 1, 1), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(sl_add(&ctx, &r, 1, 1), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

int main(int argc, char **argv)
{
    int status = e2e_begin(argc, argv, 2, "ENCLAVE");
    if (status >= 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_absent),  cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_sync_values),     cmocka_unit_test(test_busy_policy),
        cmocka_unit_test(test_concurrent),      cmocka_unit_test(test_async_basic),
        cmocka_unit_test(test_async_unfinished), cmocka_unit_test(test_fallback_sync),
        cmocka_unit_test(test_pool_full),       cmocka_unit_test(test_pool_full_rollback),
        cmocka_unit_test(test_destroy_pending), cmocka_unit_test(test_enclave_dies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
