/*
 * End-to-end tests of switchless OCALLs and of core binding through a real
 * enclave on the engine CGEAR_ENGINE names (tests/e2e/sl_ocall.edl).
 * Usage: sl_ocall_host <enclave>
 *
 * Which path an OCALL took is seen two ways: the runtime's counters
 * (cgear_sl_stats) and the thread that ran it (a switchless OCALL runs on
 * an untrusted worker, an ordinary one on the thread that made the ECALL).
 * Nothing depends on timing: a held OCALL waits for a gate the test opens.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "sl_ocall_u.h"

#define DEADLINE_S 60

/* ---- the OCALLs ---- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_open_gate = -1;
static int g_blocked;

int o_sl_twice(int x)
{
    return 2 * x;
}

int o_sl_tid(void)
{
    return (int)gettid();
}

int o_plain_tid(void)
{
    return (int)gettid();
}

uint64_t o_sl_xform(const uint8_t *in, uint8_t *out, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += in[i];
        out[i] = (uint8_t)(in[i] ^ 0x3c);
    }
    return sum;
}

int o_sl_block(int gate)
{
    pthread_mutex_lock(&g_lock);
    g_blocked++;
    pthread_cond_broadcast(&g_cond);
    while (g_open_gate != gate)
        pthread_cond_wait(&g_cond, &g_lock);
    g_blocked--;
    pthread_mutex_unlock(&g_lock);
    return gate * 10;
}

static void open_gate(int gate)
{
    pthread_mutex_lock(&g_lock);
    g_open_gate = gate;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
}

static void wait_host_blocked(int n)
{
    long end = e2e_now_ms() + DEADLINE_S * 1000L;
    pthread_mutex_lock(&g_lock);
    while (g_blocked != n && e2e_now_ms() < end) {
        pthread_mutex_unlock(&g_lock);
        e2e_sleep_ms(1);
        pthread_mutex_lock(&g_lock);
    }
    int got = g_blocked;
    pthread_mutex_unlock(&g_lock);
    if (got != n)
        fail_msg("%d OCALLs held on the host, expected %d", got, n);
}

/* ---- helpers ---- */

static void config(cc_sl_config_t *cfg, uint32_t uworkers, uint32_t policy)
{
    cc_sl_config_t init = CC_USWITCHLESS_CONFIG_INITIALIZER;
    *cfg = init;
    cfg->num_tworkers = 1;
    cfg->num_uworkers = uworkers;
    cfg->workers_policy = policy;
    cfg->retries_before_fallback = 2000;
}

static void create_cfg(cc_enclave_t *ctx, cc_sl_config_t *cfg)
{
    enclave_features_t f = {ENCLAVE_FEATURE_SWITCHLESS, cfg};
    e2e_create_with(ctx, 0, &f, 1);
}

static cgear_sl_stats_t stats(cc_enclave_t *ctx)
{
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(ctx, &st), CC_SUCCESS);
    return st;
}

static int64_t want_sum(int x, int times)
{
    int64_t s = 0;
    for (int i = 0; i < times; i++)
        s += 2 * (x + i);
    return s;
}

static void check_sl(cc_enclave_t *ctx, int x, int times)
{
    int64_t r = 0;
    assert_int_equal(call_sl(ctx, &r, x, times), CC_SUCCESS);
    assert_true(r == want_sum(x, times));
}

/* How many threads of process @pid may run exactly on the CPUs @list
 * ("Cpus_allowed_list" of /proc/PID/task/TID/status). */
static int threads_on(pid_t pid, const char *list)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[400], line[512];
        snprintf(path, sizeof path, "%s/%s/status", dir, de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue; /* the thread ended meanwhile */
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "Cpus_allowed_list:", 18) != 0)
                continue;
            char *v = line + 18;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            if (strcmp(v, list) == 0)
                n++;
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

static uint64_t allowed_mask(void)
{
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
    uint64_t m = 0;
    for (int i = 0; i < 64; i++)
        if (CPU_ISSET(i, &set))
            m |= (uint64_t)1 << i;
    return m;
}

/* ---- tests ---- */

static void test_values_and_path(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 2, WORKERS_POLICY_WAKEUP);
    create_cfg(&ctx, &cfg);
    check_sl(&ctx, 21, 500);
    cgear_sl_stats_t st = stats(&ctx);
    /* one caller, two free workers: every one of them switchless */
    assert_int_equal(st.ocall_sl_calls, 500);
    assert_int_equal(st.ocall_fallbacks, 0);

    /* A switchless OCALL runs on an untrusted worker, an ordinary one on
     * the thread that made the ECALL. */
    int tid = 0;
    assert_int_equal(call_sl_tid(&ctx, &tid), CC_SUCCESS);
    assert_true(tid > 0);
    assert_int_not_equal(tid, (int)gettid());
    assert_int_equal(call_plain_tid(&ctx, &tid), CC_SUCCESS);
    assert_int_equal(tid, (int)gettid());

    /* [in]/[out] of many sizes, past one slot (256 KiB: chunked). */
    size_t sizes[] = {0, 1, 4096, 65537, 300000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int r = 1;
        assert_int_equal(call_sl_xform(&ctx, &r, sizes[k]), CC_SUCCESS);
        assert_int_equal(r, 0);
    }
    st = stats(&ctx);
    assert_int_equal(st.ocall_sl_calls, 500 + 1 + 5);
    assert_int_equal(st.ocall_fallbacks, 0);
    /* switchless ECALLs still work beside them */
    assert_int_equal(sl_ecall_empty(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_busy_policy(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 1, WORKERS_POLICY_BUSY);
    create_cfg(&ctx, &cfg);
    check_sl(&ctx, 3, 300);
    assert_int_equal(stats(&ctx).ocall_sl_calls, 300);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

struct held {
    cc_enclave_t *ctx;
    int gate;
    int result;
    cc_enclave_result_t rc;
};

static void *hold(void *arg)
{
    struct held *h = arg;
    h->rc = call_sl_block(h->ctx, &h->result, h->gate);
    return NULL;
}

/* The only untrusted worker held: switchless OCALLs fall back to ordinary
 * ones (they still work, on the calling thread, and the counters say so),
 * and go switchless again once it is free. */
static void test_fallback(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 1, WORKERS_POLICY_WAKEUP);
    create_cfg(&ctx, &cfg);
    struct held h = {&ctx, 7, 0, CC_FAIL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold, &h), 0);
    wait_host_blocked(1);
    cgear_sl_stats_t before = stats(&ctx);
    assert_int_equal(before.ocall_sl_calls, 1);
    check_sl(&ctx, 5, 3);
    int tid = 0;
    assert_int_equal(call_sl_tid(&ctx, &tid), CC_SUCCESS);
    assert_int_equal(tid, (int)gettid());
    cgear_sl_stats_t after = stats(&ctx);
    assert_int_equal(after.ocall_fallbacks, before.ocall_fallbacks + 4);
    assert_int_equal(after.ocall_sl_calls, before.ocall_sl_calls);
    open_gate(7);
    pthread_join(t, NULL);
    assert_int_equal(h.rc, CC_SUCCESS);
    assert_int_equal(h.result, 70);
    check_sl(&ctx, 1, 1);
    assert_int_equal(stats(&ctx).ocall_sl_calls, after.ocall_sl_calls + 1);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

#define NCALLERS 3
#define CALLS_EACH 300

static void *caller(void *arg)
{
    cc_enclave_t *ctx = arg;
    for (int i = 0; i < 20; i++) {
        int64_t r = 0;
        if (call_sl(ctx, &r, i, CALLS_EACH / 20) != CC_SUCCESS || r != want_sum(i, CALLS_EACH / 20))
            return (void *)1;
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 2, WORKERS_POLICY_WAKEUP);
    create_cfg(&ctx, &cfg);
    pthread_t t[NCALLERS];
    for (int i = 0; i < NCALLERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, caller, &ctx), 0);
    for (int i = 0; i < NCALLERS; i++) {
        void *res = (void *)99;
        pthread_join(t[i], &res);
        assert_null(res);
    }
    cgear_sl_stats_t st = stats(&ctx);
    assert_int_equal(st.ocall_sl_calls + st.ocall_fallbacks, NCALLERS * CALLS_EACH);
    assert_true(st.ocall_sl_calls > 0);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* The untrusted workers run only what the EDL marks switchless: an
 * enclave asking for anything else on their slots is refused (and the
 * enclave lives on). Ids: declaration order in sl_ocall.edl. */
static void test_worker_refuses(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 1, WORKERS_POLICY_WAKEUP);
    create_cfg(&ctx, &cfg);
    const uint32_t bad[] = {2 /* o_plain_tid */, 5 /* none */, 1000, 0xffff0000u /* the runtime's own */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t st = 0;
        assert_int_equal(call_raw_sl(&ctx, &st, bad[i]), CC_SUCCESS);
        assert_int_equal(st, CC_ERROR_SWITCHLESS_INVALID_FUNCTION_ID);
    }
    assert_int_equal(stats(&ctx).ocall_sl_calls, 0);
    check_sl(&ctx, 1, 5);
    assert_int_equal(stats(&ctx).ocall_sl_calls, 5);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* The enclave dies while an untrusted worker runs its OCALL: the ECALL
 * fails with CC_ERROR_ENCLAVE_LOST, the worker's answer finds the slot dead
 * and the worker ends; destroy joins it. */
static void test_enclave_dies(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 1, WORKERS_POLICY_WAKEUP);
    create_cfg(&ctx, &cfg);
    struct held h = {&ctx, 9, 0, CC_FAIL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold, &h), 0);
    wait_host_blocked(1);
    assert_int_equal(kill(cgear_enclave_pid(&ctx), SIGKILL), 0);
    pthread_join(t, NULL);
    assert_int_equal(h.rc, CC_ERROR_ENCLAVE_LOST);
    open_gate(9);
    wait_host_blocked(0);
    int64_t r = 0;
    assert_int_equal(call_sl(&ctx, &r, 1, 1), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_feature_absent(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    check_sl(&ctx, 2, 10);
    int tid = 0;
    assert_int_equal(call_sl_tid(&ctx, &tid), CC_SUCCESS);
    assert_int_equal(tid, (int)gettid());
    cgear_sl_stats_t st;
    assert_int_equal(cgear_sl_stats(&ctx, &st), CC_ERROR_SWITCHLESS_DISABLED);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_config_errors(void **state)
{
    (void)state;
    cc_enclave_t ctx = {0};
    cc_sl_config_t cfg;
    config(&cfg, 65, WORKERS_POLICY_WAKEUP); /* cgear's limit is 64 */
    enclave_features_t f[2] = {{ENCLAVE_FEATURE_SWITCHLESS, &cfg}, {ENCLAVE_FEATURE_SWITCHLESS, &cfg}};
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.num_uworkers = 1;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 2, &ctx), CC_ERROR_SWITCHLESS_REINIT);
    /* a CPU this process may not use, in either mask */
    uint64_t allowed = allowed_mask();
    assert_true(allowed != ~(uint64_t)0);
    uint64_t bad = (uint64_t)1 << __builtin_ctzll(~allowed);
    cfg.tworkers_cores = bad;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.tworkers_cores = allowed | bad;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    cfg.tworkers_cores = 0;
    cfg.uworkers_cores = bad;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_ERROR_BAD_PARAMETERS);
    assert_false(ctx.used_flag);
    /* num_uworkers 0: secGear's default, 8 workers */
    cfg.uworkers_cores = 0;
    cfg.num_uworkers = 0;
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, f, 1, &ctx), CC_SUCCESS);
    check_sl(&ctx, 4, 20);
    assert_int_equal(stats(&ctx).ocall_sl_calls, 20);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Every kind of worker pinned to one CPU, seen from outside in
 * /proc/PID/task/TID/status: the enclave's switchless workers (the kvm
 * monitor's vCPU threads, the process engine's enclave threads) and the
 * host's untrusted workers; nothing else. */
static void test_pinning(void **state)
{
    (void)state;
    uint64_t allowed = allowed_mask();
    if (__builtin_popcountll(allowed) < 2) {
        /* one CPU: a pinned thread cannot be told from any other */
        fprintf(stderr, "SKIP test_pinning: this process may use only one CPU\n");
        skip();
    }
    int cpu = 63 - __builtin_clzll(allowed); /* the highest allowed CPU */
    char list[16];
    snprintf(list, sizeof list, "%d", cpu);
    int host_before = threads_on(getpid(), list);

    cc_enclave_t ctx;
    cc_sl_config_t cfg;
    config(&cfg, 3, WORKERS_POLICY_WAKEUP);
    cfg.num_tworkers = 2;
    cfg.tworkers_cores = (uint64_t)1 << cpu;
    cfg.uworkers_cores = (uint64_t)1 << cpu;
    create_cfg(&ctx, &cfg);
    pid_t pid = cgear_enclave_pid(&ctx);
    assert_true(pid > 0);
    assert_int_equal(threads_on(pid, list), 2);
    assert_int_equal(threads_on(getpid(), list), host_before + 3);
    /* and they serve */
    check_sl(&ctx, 1, 50);
    assert_int_equal(stats(&ctx).ocall_sl_calls, 50);
    assert_int_equal(sl_ecall_empty(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    /* the untrusted workers are gone with the enclave */
    assert_int_equal(threads_on(getpid(), list), host_before);

    /* only the untrusted workers pinned */
    config(&cfg, 2, WORKERS_POLICY_WAKEUP);
    cfg.uworkers_cores = (uint64_t)1 << cpu;
    create_cfg(&ctx, &cfg);
    assert_int_equal(threads_on(cgear_enclave_pid(&ctx), list), 0);
    assert_int_equal(threads_on(getpid(), list), host_before + 2);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

int main(int argc, char **argv)
{
    int status = e2e_begin(argc, argv, 2, "ENCLAVE");
    if (status >= 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_path), cmocka_unit_test(test_busy_policy),
        cmocka_unit_test(test_fallback),        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_feature_absent),  cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_pinning),         cmocka_unit_test(test_worker_refuses),
        cmocka_unit_test(test_enclave_dies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
