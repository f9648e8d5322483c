/* Host half of the switchless_performance example: times N empty ECALLs
 * made as ordinary calls, as switchless calls and as asynchronous
 * switchless calls, then N calls with an [in, out] buffer of registered
 * shared memory, ordinary and switchless. Prints the time per call; exits
 * 0 only if every call succeeded and every buffer holds what it should.
 * Usage: switchless_performance [N] (default 100000). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>

#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "switchless_u.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "switchless.enclave"
#endif
#define BUF_LEN 4096
#define POOL_QWORDS 2 /* a task pool of 2 x 64 asynchronous calls */
#define BATCH (64 * POOL_QWORDS)

static cc_enclave_t g_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, unsigned long n, double seconds)
{
    printf("%-34s %lu calls in %.3f s: %.2f us per call\n", what, n, seconds, seconds * 1e6 / (double)n);
}

static int empty_calls(int switchless, unsigned long n)
{
    double t0 = now_s();
    for (unsigned long i = 0; i < n; i++) {
        cc_enclave_result_t res = switchless ? ecall_empty_switchless(&g_ctx) : ecall_empty(&g_ctx);
        if (res != CC_SUCCESS) {
            fprintf(stderr, "empty ECALL %lu failed: %s\n", i, cc_enclave_res2_str(res));
            return -1;
        }
    }
    report(switchless ? "[switchless] empty ECALL" : "[ordinary]   empty ECALL", n, now_s() - t0);
    return 0;
}

/* Asynchronous: submit a batch that fits the task pool, collect it, repeat. */
static int async_calls(unsigned long n)
{
    static int ids[BATCH];
    double t0 = now_s();
    for (unsigned long done = 0; done < n;) {
        unsigned long k = n - done < BATCH ? n - done : BATCH;
        for (unsigned long i = 0; i < k; i++) {
            cc_enclave_result_t res = ecall_empty_switchless_async(&g_ctx, &ids[i]);
            if (res != CC_SUCCESS) {
                fprintf(stderr, "asynchronous ECALL failed: %s\n", cc_enclave_res2_str(res));
                return -1;
            }
        }
        for (unsigned long i = 0; i < k; i++) {
            cc_enclave_result_t res;
            /* yield: the driver threads that run the tasks need the CPU */
            while ((res = cc_sl_get_async_result(&g_ctx, ids[i], NULL)) == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED)
                sched_yield();
            if (res != CC_SUCCESS) {
                fprintf(stderr, "asynchronous ECALL result: %s\n", cc_enclave_res2_str(res));
                return -1;
            }
        }
        done += k;
    }
    report("[async]      empty ECALL", n, now_s() - t0);
    return 0;
}

/* [in, out] on a registered shared buffer: every call adds 1 to every byte. */
static int inout_calls(int switchless, char *buf, unsigned long n)
{
    memset(buf, 0, BUF_LEN);
    double t0 = now_s();
    for (unsigned long i = 0; i < n; i++) {
        int ret = -1;
        cc_enclave_result_t res = switchless ? ecall_inout_switchless(&g_ctx, &ret, buf, BUF_LEN)
                                             : ecall_inout(&g_ctx, &ret, buf, BUF_LEN);
        if (res != CC_SUCCESS || ret != BUF_LEN) {
            fprintf(stderr, "[in, out] ECALL %lu failed: %s (returned %d)\n", i, cc_enclave_res2_str(res), ret);
            return -1;
        }
    }
    report(switchless ? "[switchless] 4 KiB [in, out] ECALL" : "[ordinary]   4 KiB [in, out] ECALL", n, now_s() - t0);
    for (int i = 0; i < BUF_LEN; i++)
        if ((unsigned char)buf[i] != (unsigned char)n) {
            fprintf(stderr, "byte %d is %u after %lu calls, expected %u\n", i, (unsigned char)buf[i], n,
                    (unsigned char)n);
            return -1;
        }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    const char *path = argc > 2 ? argv[2] : ENCLAVE_PATH;
    if (n == 0) {
        fprintf(stderr, "usage: %s [N > 0] [ENCLAVE]\n", argv[0]);
        return 2;
    }
    cc_sl_config_t sl = CC_USWITCHLESS_CONFIG_INITIALIZER;
    sl.num_tworkers = 2;
    sl.sl_call_pool_size_qwords = POOL_QWORDS;
    enclave_features_t features = {ENCLAVE_FEATURE_SWITCHLESS, &sl};
    cc_enclave_result_t res = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &features, 1, &g_ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create enclave error: %s\n", cc_enclave_res2_str(res));
        return EXIT_FAILURE;
    }
    printf("enclave created on the %s engine\n", cgear_engine_name(g_ctx.type));

    int status = EXIT_FAILURE;
    char *buf = cc_malloc_shared_memory(&g_ctx, BUF_LEN);
    if (buf == NULL) {
        fprintf(stderr, "cc_malloc_shared_memory failed\n");
        goto out;
    }
    res = cc_register_shared_memory(&g_ctx, buf);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "cc_register_shared_memory failed: %s\n", cc_enclave_res2_str(res));
        goto out;
    }
    if (empty_calls(0, n) != 0 || empty_calls(1, n) != 0 || async_calls(n) != 0 || inout_calls(0, buf, n) != 0 ||
        inout_calls(1, buf, n) != 0)
        goto out;

    strcpy(buf, "switchless");
    if (test_toupper(&g_ctx, buf, (int)strlen(buf)) != CC_SUCCESS || strcmp(buf, "SWITCHLESS") != 0) {
        fprintf(stderr, "test_toupper on the shared buffer failed (it holds \"%.16s\")\n", buf);
        goto out;
    }
    printf("test_toupper on the registered shared buffer: %s\n", buf);
    res = cc_unregister_shared_memory(&g_ctx, buf);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "cc_unregister_shared_memory failed: %s\n", cc_enclave_res2_str(res));
        goto out;
    }
    status = EXIT_SUCCESS;
out:
    if (buf != NULL && cc_free_shared_memory(&g_ctx, buf) != CC_SUCCESS)
        status = EXIT_FAILURE;
    res = cc_enclave_destroy(&g_ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "destroy enclave error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    }
    return status;
}
