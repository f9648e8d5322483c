/*
 * End-to-end tests of snapshots and resets (cgear_enclave_snapshot(),
 * cgear_enclave_reset(); docs/snapshots.md) through a real enclave
 * (snapshot.edl) on the engine CGEAR_ENGINE names. The kvm engine runs
 * the whole suite; the process engine must refuse both calls with
 * CC_ERROR_NOT_SUPPORTED and stay usable.
 * Usage: snapshot_host <snapshot.enclave>
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "e2e_util.h"
#include "enclave.h"
#include "snapshot_u.h"

static int add(cc_enclave_t *ctx, int v)
{
    int r = -1;
    assert_int_equal(counter_add(ctx, &r, v), CC_SUCCESS);
    return r;
}

static uint64_t resets(cc_enclave_t *ctx)
{
    uint64_t n = 0;
    assert_int_equal(resets_get(ctx, &n), CC_SUCCESS);
    return n;
}

/* The monitor's resident memory in KiB (its /proc status is readable
 * though it is not dumpable). */
static long monitor_rss_kib(cc_enclave_t *ctx)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", cgear_enclave_pid(ctx));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* What a request changes (a counter, a secret on the heap) is gone after
 * each reset; the state from before the snapshot stays. */
static void test_reset_restores_state(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_int_equal(add(&ctx, 5), 5); /* initialisation, kept by the snapshot */
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(add(&ctx, 1), 6);
        char secret[32];
        int n = snprintf(secret, sizeof secret, "tenant-%d", i);
        int rc = -1;
        assert_int_equal(secret_put(&ctx, &rc, (const uint8_t *)secret, (size_t)n), CC_SUCCESS);
        assert_int_equal(rc, 0);
        uint8_t back[32];
        size_t got = 0;
        assert_int_equal(secret_get(&ctx, &got, back, sizeof back), CC_SUCCESS);
        assert_int_equal(got, n);
        assert_memory_equal(back, secret, (size_t)n);
        assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
        assert_int_equal(add(&ctx, 0), 5);
        assert_int_equal(secret_get(&ctx, &got, back, sizeof back), CC_SUCCESS);
        assert_int_equal(got, 0); /* the last tenant's secret is gone */
        assert_int_equal(resets(&ctx), (uint64_t)i + 1);
    }
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* After a reset the random generators reseed before their next output,
 * the key block names a new instance, and reports still work (the host
 * accepts the new report key). */
static void test_reset_renews_identity(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    uint8_t r[2][32], inst[3][16];
    int rc = -1;
    assert_int_equal(random_get(&ctx, &rc, r[0], 32), CC_SUCCESS); /* the slot thread's DRBG is seeded */
    assert_int_equal(instance_get(&ctx, &rc, inst[0]), CC_SUCCESS);
    assert_int_equal(rc, 0);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    uint64_t seeds0 = 0, seeds = 0;
    assert_int_equal(seeds_get(&ctx, &seeds0), CC_SUCCESS);
    assert_int_equal(random_get(&ctx, &rc, r[0], 32), CC_SUCCESS);
    assert_int_equal(seeds_get(&ctx, &seeds), CC_SUCCESS);
    assert_int_equal(seeds, seeds0); /* no reset, no reseed */
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
        assert_int_equal(seeds_get(&ctx, &seeds), CC_SUCCESS);
        assert_int_equal(seeds, seeds0); /* restored */
        assert_int_equal(random_get(&ctx, &rc, r[i % 2], 32), CC_SUCCESS);
        assert_int_equal(rc, 0);
        assert_int_equal(seeds_get(&ctx, &seeds), CC_SUCCESS);
        assert_int_equal(seeds, seeds0 + 1); /* the restored DRBG reseeded first */
        assert_memory_not_equal(r[0], r[1], 32);
        assert_int_equal(instance_get(&ctx, &rc, inst[i]), CC_SUCCESS);
        assert_memory_not_equal(inst[i], inst[i - 1], 16);
        assert_int_equal(report_ok(&ctx, &rc), CC_SUCCESS);
        assert_int_equal(rc, CC_SUCCESS);
    }
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Threads of the enclave's own before and after the snapshot: vCPUs a
 * reset took back are set up again when the next thread needs them. */
static void test_threads_across_resets(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    int n = 0;
    assert_int_equal(threads_run(&ctx, &n, 4), CC_SUCCESS); /* vCPUs parked at the snapshot */
    assert_int_equal(n, 4);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(threads_run(&ctx, &n, 12), CC_SUCCESS); /* and some made after it */
        assert_int_equal(n, 12);
        assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
    }
    assert_int_equal(threads_run(&ctx, &n, 32), CC_SUCCESS);
    assert_int_equal(n, 32);
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* A thread of the enclave that sleeps on a condition variable stays
 * asleep across the snapshot and every reset, and is the snapshot's
 * again after each. */
static void test_sleeping_thread(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    int rc = -1, done = 0;
    assert_int_equal(sleeper_start(&ctx, &rc), CC_SUCCESS);
    assert_int_equal(rc, 0);
    assert_int_equal(sleeper_poke(&ctx, &done), CC_SUCCESS);
    assert_int_equal(done, 1);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sleeper_poke(&ctx, &done), CC_SUCCESS);
        assert_int_equal(done, 2);
        assert_int_equal(sleeper_poke(&ctx, &done), CC_SUCCESS);
        assert_int_equal(done, 3);
        assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
    }
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* A thread that computes (here: spins) makes snapshot and reset refuse
 * with CC_ERROR_BUSY and change nothing; once it ended, both work. */
static void test_busy(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    int rc = -1;
    assert_int_equal(spinner_start(&ctx, &rc), CC_SUCCESS);
    assert_int_equal(rc, 0);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_ERROR_BUSY);
    assert_int_equal(add(&ctx, 1), 1);
    assert_int_equal(spinner_stop(&ctx, &rc), CC_SUCCESS);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    assert_int_equal(add(&ctx, 1), 2);
    assert_int_equal(spinner_start(&ctx, &rc), CC_SUCCESS);
    assert_int_equal(cgear_enclave_reset(&ctx), CC_ERROR_BUSY);
    assert_int_equal(add(&ctx, 1), 3); /* nothing was reset */
    assert_int_equal(resets(&ctx), 0);
    assert_int_equal(spinner_stop(&ctx, &rc), CC_SUCCESS);
    assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
    assert_int_equal(add(&ctx, 0), 1);
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Misuse: reset before a snapshot, a second snapshot, contexts that hold
 * no enclave. Each is refused and the enclave goes on. */
static void test_errors(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_int_equal(cgear_enclave_reset(&ctx), CC_ERROR_BAD_STATE);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_ERROR_BAD_STATE);
    assert_int_equal(add(&ctx, 2), 2);
    assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
    assert_int_equal(add(&ctx, 0), 0);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    assert_int_equal(cgear_enclave_reset(&ctx), CC_ERROR_INVALID_ENCLAVE_ID);
    assert_int_equal(cgear_enclave_snapshot(NULL), CC_ERROR_INVALID_ENCLAVE_ID);
}

/* Sealing keys stay: what one run sealed, the next run unseals. */
static void test_seal_across_resets(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    uint8_t plain[32], back[32], sealed[512];
    for (int i = 0; i < 32; i++)
        plain[i] = (uint8_t)(i * 3 + 1);
    for (int i = 0; i < 3; i++) {
        uint32_t len = 0;
        int rc = -1;
        assert_int_equal(seal_it(&ctx, &rc, plain, sealed, sizeof sealed, &len), CC_SUCCESS);
        assert_int_equal(rc, 0);
        assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
        assert_int_equal(unseal_it(&ctx, &rc, sealed, len, back), CC_SUCCESS);
        assert_int_equal(rc, 0);
        assert_memory_equal(back, plain, 32);
    }
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

struct caller {
    cc_enclave_t *ctx;
    int calls, bad;
    volatile int *stop;
};

static void *call_loop(void *arg)
{
    struct caller *c = arg;
    while (!*c->stop) {
        int r = -1;
        /* before a reset it is 7 + what this round added, after it 7 */
        if (counter_add(c->ctx, &r, 0) != CC_SUCCESS || r < 7)
            c->bad++;
        c->calls++;
    }
    return NULL;
}

/* ECALLs from other threads while resets happen: each waits for the
 * reset, none fails. */
static void test_calls_during_resets(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_int_equal(add(&ctx, 7), 7);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    volatile int stop = 0;
    struct caller c[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        c[i] = (struct caller){&ctx, 0, 0, &stop};
        assert_int_equal(pthread_create(&t[i], NULL, call_loop, &c[i]), 0);
    }
    for (int i = 0; i < 30; i++) {
        assert_true(add(&ctx, 1) >= 8);
        assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
    }
    stop = 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].bad, 0);
        assert_true(c[i].calls > 0);
    }
    assert_int_equal(add(&ctx, 0), 7);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Memory a request took is given back by the reset (the monitor's
 * resident set shrinks again). */
static void test_memory_returns(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_SUCCESS);
    long base = monitor_rss_kib(&ctx);
    size_t n = 48u << 20;
    uint8_t *big = malloc(n);
    assert_non_null(big);
    memset(big, 0x5a, n);
    int rc = -1;
    assert_int_equal(secret_put(&ctx, &rc, big, n), CC_SUCCESS);
    assert_int_equal(rc, 0);
    free(big);
    long grown = monitor_rss_kib(&ctx);
    assert_true(grown - base > 40 * 1024); /* the copy in the enclave's heap */
    assert_int_equal(cgear_enclave_reset(&ctx), CC_SUCCESS);
    long after = monitor_rss_kib(&ctx);
    assert_true(grown - after > 40 * 1024);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* A new enclave from a snapshot starts where the snapshot stood (not
 * where its parent is now), with its own identity and seeds, keeps the
 * snapshot for resets of its own, and outlives its parent. */
static void test_create_from_snapshot(void **state)
{
    (void)state;
    cc_enclave_t parent, child[3];
    e2e_create(&parent, 0);
    int rc = -1, done = 0;
    assert_int_equal(add(&parent, 5), 5);
    int n = 0;
    assert_int_equal(threads_run(&parent, &n, 6), CC_SUCCESS); /* vCPUs parked in the snapshot */
    assert_int_equal(n, 6);
    assert_int_equal(sleeper_start(&parent, &rc), CC_SUCCESS);
    assert_int_equal(sleeper_poke(&parent, &done), CC_SUCCESS);
    assert_int_equal(done, 1);
    uint8_t inst_p[16], inst_c[16];
    assert_int_equal(instance_get(&parent, &rc, inst_p), CC_SUCCESS);
    memset(&child[0], 0, sizeof child[0]);
    assert_int_equal(cgear_enclave_create_from_snapshot(&parent, &child[0]), CC_ERROR_BAD_STATE);
    assert_int_equal(cgear_enclave_snapshot(&parent), CC_SUCCESS);
    /* the parent moves on after its snapshot */
    assert_int_equal(add(&parent, 1), 6);
    const char secret[] = "the parent's secret";
    assert_int_equal(secret_put(&parent, &rc, (const uint8_t *)secret, sizeof secret), CC_SUCCESS);
    for (int k = 0; k < 3; k++) {
        memset(&child[k], 0, sizeof child[k]);
        assert_int_equal(cgear_enclave_create_from_snapshot(&parent, &child[k]), CC_SUCCESS);
        assert_int_equal(cgear_enclave_engine(&child[k]), KVM_ENCLAVE_TYPE);
        assert_true(cgear_enclave_pid(&child[k]) != cgear_enclave_pid(&parent));
        assert_int_equal(add(&child[k], 0), 5); /* the snapshot's state */
        uint8_t back[64];
        size_t got = 1;
        assert_int_equal(secret_get(&child[k], &got, back, sizeof back), CC_SUCCESS);
        assert_int_equal(got, 0);
        assert_int_equal(resets(&child[k]), 1);
        assert_int_equal(instance_get(&child[k], &rc, inst_c), CC_SUCCESS);
        assert_memory_not_equal(inst_c, inst_p, 16);
        uint64_t s0 = 0, s1 = 0;
        uint8_t r[32];
        assert_int_equal(seeds_get(&child[k], &s0), CC_SUCCESS);
        assert_int_equal(random_get(&child[k], &rc, r, sizeof r), CC_SUCCESS);
        assert_int_equal(seeds_get(&child[k], &s1), CC_SUCCESS);
        assert_int_equal(s1, s0 + 1); /* reseeded before its first output */
        assert_int_equal(report_ok(&child[k], &rc), CC_SUCCESS);
        assert_int_equal(rc, CC_SUCCESS);
        /* the snapshot's sleeping thread is there, asleep */
        assert_int_equal(sleeper_poke(&child[k], &done), CC_SUCCESS);
        assert_int_equal(done, 2);
        /* a reset before its parked vCPUs ever ran, its own threads (on
         * them and beyond), and a reset to the snapshot again */
        assert_int_equal(cgear_enclave_reset(&child[k]), CC_SUCCESS);
        assert_int_equal(resets(&child[k]), 2);
        assert_int_equal(threads_run(&child[k], &n, 12), CC_SUCCESS);
        assert_int_equal(n, 12);
        assert_int_equal(add(&child[k], 10 + k), 15 + k);
        assert_int_equal(cgear_enclave_reset(&child[k]), CC_SUCCESS);
        assert_int_equal(add(&child[k], 0), 5);
        assert_int_equal(resets(&child[k]), 3);
        assert_int_equal(threads_run(&child[k], &n, 12), CC_SUCCESS);
        assert_int_equal(n, 12);
    }
    assert_int_equal(add(&parent, 0), 6); /* the parent is untouched */
    assert_int_equal(cc_enclave_destroy(&parent), CC_SUCCESS);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(add(&child[k], 1), 6); /* outlives its parent */
        assert_int_equal(cgear_enclave_status(&child[k]), CC_SUCCESS);
        assert_int_equal(cc_enclave_destroy(&child[k]), CC_SUCCESS);
    }
}

/* The process engine: both calls refused, the enclave unchanged. */
static void test_process_refuses(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    e2e_create(&ctx, 0);
    assert_int_equal(add(&ctx, 3), 3);
    assert_int_equal(cgear_enclave_snapshot(&ctx), CC_ERROR_NOT_SUPPORTED);
    assert_int_equal(cgear_enclave_reset(&ctx), CC_ERROR_NOT_SUPPORTED);
    cc_enclave_t child;
    memset(&child, 0, sizeof child);
    assert_int_equal(cgear_enclave_create_from_snapshot(&ctx, &child), CC_ERROR_NOT_SUPPORTED);
    assert_false(child.used_flag);
    assert_int_equal(add(&ctx, 1), 4);
    assert_int_equal(resets(&ctx), 0);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

int main(int argc, char **argv)
{
    int status = e2e_begin(argc, argv, 2, "SNAPSHOT_ENCLAVE");
    if (status >= 0)
        return status;
    const struct CMUnitTest kvm[] = {
        cmocka_unit_test(test_reset_restores_state),  cmocka_unit_test(test_reset_renews_identity),
        cmocka_unit_test(test_threads_across_resets), cmocka_unit_test(test_sleeping_thread),
        cmocka_unit_test(test_busy),                  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_seal_across_resets),    cmocka_unit_test(test_calls_during_resets),
        cmocka_unit_test(test_memory_returns),        cmocka_unit_test(test_create_from_snapshot),
    };
    const struct CMUnitTest process[] = {cmocka_unit_test(test_process_refuses)};
    const char *only = getenv("CGEAR_E2E_FILTER"); /* a cmocka pattern: run these tests only */
    if (only != NULL)
        cmocka_set_test_filter(only);
    if (e2e_engine_is_kvm())
        return cmocka_run_group_tests_name("snapshot (kvm)", kvm, NULL, NULL);
    return cmocka_run_group_tests_name("snapshot (process)", process, NULL, NULL);
}
