/*
 * The hostile-enclave suite: tests/e2e/enclave/hostile_enclave.c attacks
 * its host, one attack per ECALL, on the engine CTest selects with
 * CGEAR_ENGINE. Each attack must end or confine only the attacking
 * enclave, with a clear error; a bystander enclave created first must keep
 * answering; and at the end no descriptor, child process or memory of the
 * host may have leaked. Usage: hostile_host <hostile.enclave>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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
#include "hostile_u.h"
#include "window.h"

static cc_enclave_t g_bystander;
static bool g_kvm;
static bool g_pvm; /* the kvm engine on PVM: the guest's pages are all user-accessible */

int ocall_take(uint8_t *buf, size_t len)
{
    return buf != NULL && len > 0 ? (int)(buf[0] + buf[len - 1]) : -1;
}

/* ---- helpers ---- */

/* An attacker: a debug enclave (SECGEAR_DEBUG_FLAG), whose losses the
 * runtime logs (see main()). */
static void create(cc_enclave_t *ctx)
{
    e2e_create(ctx, SECGEAR_DEBUG_FLAG);
}

/* The bystander still answers: one enclave's attack hurt no other. */
static void bystander_ok(void)
{
    int r = 0;
    assert_int_equal(hx_add(&g_bystander, &r, 20, 22), CC_SUCCESS);
    assert_int_equal(r, 42);
}

/* @ctx was lost with status @precise; its reason contains @words (if set);
 * later calls fail at once; destroy works. */
static void expect_lost(cc_enclave_t *ctx, cc_enclave_result_t precise, const char *words)
{
    assert_int_equal(cgear_enclave_status(ctx), precise);
    char why[400] = "";
    assert_int_equal(cgear_enclave_lost_reason(ctx, why, sizeof why), CC_SUCCESS);
    if (words != NULL && strstr(why, words) == NULL)
        fail_msg("lost reason \"%s\" does not say \"%s\"", why, words);
    int r = 0;
    assert_int_equal(hx_add(ctx, &r, 1, 2), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cc_enclave_destroy(ctx), CC_SUCCESS);
    bystander_ok();
}

/* ---- futex: moving the host's sleeping thread ---- */

/* A shared FUTEX_CMP_REQUEUE of the window's turn word is refused (EPERM)
 * on every engine: the host thread asleep there stays where the host can
 * wake it. */
static void test_requeue_shared_refused(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_futex_requeue(&ctx, &r, 0, 0), CC_SUCCESS);
    assert_int_equal(r, -EPERM);
    /* a private requeue can never reach the host's (shared) wait: the kvm
     * shim refuses it for a window word, Linux finds no waiter there */
    assert_int_equal(hx_futex_requeue(&ctx, &r, 1, 0), CC_SUCCESS);
    assert_int_equal(r, g_kvm ? -EPERM : 0);
    assert_int_equal(hx_add(&ctx, &r, 2, 3), CC_SUCCESS);
    assert_int_equal(r, 5);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

struct call_args {
    cc_enclave_t *ctx;
    int which;
    cc_enclave_result_t rc;
    int r;
};

static void *requeue_then_exit(void *arg)
{
    struct call_args *a = arg;
    a->rc = hx_futex_requeue(a->ctx, &a->r, a->which, 1);
    return NULL;
}

/* The attack of issue 12: requeue the host's ECALL thread, then exit. The
 * ECALL must come back (lost) and destroy must return. */
static void test_requeue_then_exit_no_hang(void **state)
{
    (void)state;
    for (int priv = 0; priv <= 1; priv++) {
        cc_enclave_t ctx;
        create(&ctx);
        struct call_args a = {&ctx, priv, CC_FAIL, 0};
        pthread_t t;
        long t0 = e2e_now_ms();
        assert_int_equal(pthread_create(&t, NULL, requeue_then_exit, &a), 0);
        pthread_join(t, NULL); /* a hang here is the bug; ctest's timeout catches it */
        assert_int_equal(a.rc, CC_ERROR_ENCLAVE_LOST);
        assert_true(e2e_now_ms() - t0 < 60000);
        expect_lost(&ctx, CC_ERROR_ENCLAVE_LOST, "exited with status 0");
    }
}

/* ---- the memory budget and the system-call table ---- */

static void expect_forbidden(cc_enclave_result_t (*attack)(cc_enclave_t *, int *, int), int which)
{
    cc_enclave_t ctx;
    create(&ctx);
    int r = 12345;
    assert_int_equal(attack(&ctx, &r, which), CC_ERROR_ENCLAVE_LOST);
    expect_lost(&ctx, CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL, NULL);
}

static void test_mmap_outside_budget_forbidden(void **state)
{
    (void)state;
    expect_forbidden(hx_mmap, 0); /* MAP_SHARED|MAP_ANONYMOUS, 2 GiB */
    expect_forbidden(hx_mmap, 1); /* MAP_GROWSDOWN, 2 GiB */
    expect_forbidden(hx_mmap, 7); /* MAP_HUGETLB */
}

static void test_mmap_errors_same_everywhere(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_mmap(&ctx, &r, 2), CC_SUCCESS); /* 2 GiB private: past the budget */
    assert_int_equal(r, -ENOMEM);
    assert_int_equal(hx_mmap(&ctx, &r, 3), CC_SUCCESS); /* PROT_EXEC */
    assert_int_equal(r, -EACCES);
    assert_int_equal(hx_mmap(&ctx, &r, 4), CC_SUCCESS); /* mprotect(PROT_EXEC) */
    assert_int_equal(r, -EACCES);
    assert_int_equal(hx_add(&ctx, &r, 2, 3), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* docs/syscalls.md: one table, enforced the same way by every engine. */
static void test_table_kills_on_every_engine(void **state)
{
    (void)state;
    expect_forbidden(hx_mmap, 5); /* mmap of fd 0 */
    expect_forbidden(hx_mmap, 6); /* write to fd 0 */
}

static void test_clone_flags(void **state)
{
    (void)state;
    expect_forbidden(hx_clone, 0); /* CLONE_PIDFD */
    expect_forbidden(hx_clone, 1); /* CLONE_NEWUSER */
    expect_forbidden(hx_clone, 2); /* fork */
}

/* More threads than the engine gives: confined (kvm: one vCPU per thread,
 * 64 in all, the call slots' included; process: the memory budget), the
 * enclave keeps serving. */
static void test_threads_beyond_limit(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_threads(&ctx, &r, 100), CC_SUCCESS);
    assert_true(r >= 0);
    if (g_kvm)
        /* THREADS 3: the serving threads hold three vCPUs; the first 61
         * start, later ones as earlier ones end and free theirs */
        assert_true(r >= 64 - 3 && r <= 100);
    assert_int_equal(hx_add(&ctx, &r, 2, 3), CC_SUCCESS);
    assert_int_equal(r, 5);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* ---- the loss reason cannot be spoofed ---- */

static void test_exit_status_not_monitor_status(void **state)
{
    (void)state;
    /* 110-121 are the monitor's own statuses (src/abi/monitor_abi.h) */
    for (int status = 110; status <= 121; status += 6) {
        cc_enclave_t ctx;
        create(&ctx);
        assert_int_equal(hx_exit(&ctx, status), CC_ERROR_ENCLAVE_LOST);
        char words[64];
        snprintf(words, sizeof words, "exited with status %d", status);
        expect_lost(&ctx, CC_ERROR_ENCLAVE_LOST, words);
    }
}

/* ---- the host's log ---- */

/* 1,000 refused requests write at most a burst of lines, not 1,000. */
static void test_refusals_rate_limited(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    struct e2e_captured log = e2e_stderr_begin();
    int r = 0;
    long t0 = e2e_now_ms();
    cc_enclave_result_t rc = hx_unknown_service(&ctx, &r, 1000);
    long periods = (e2e_now_ms() - t0) / 10000 + 1; /* CG_LOG_PERIOD_S: a slow machine may span several */
    char buf[65536];
    e2e_stderr_end(log, buf, sizeof buf);
    assert_int_equal(rc, CC_SUCCESS);
    assert_int_equal(r, 1000);
    int lines = 0;
    for (char *p = buf; (p = strstr(p, "unknown runtime service")) != NULL; p++)
        lines++;
    assert_true(lines >= 1);
    assert_true(lines <= 10 * periods); /* CG_LOG_BURST per period, not 1000 */
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* ---- messages: declared sizes, stalls, garbage ---- */

struct forge_args {
    cc_enclave_t *ctx;
    uint32_t kind;
    uint64_t declared;
    int chunks;
    cc_enclave_result_t rc;
};

static void *forge(void *arg)
{
    struct forge_args *a = arg;
    int r = 0;
    a->rc = hx_forge_message(a->ctx, &r, a->kind, a->declared, a->chunks);
    return NULL;
}

/* A response or an OCALL declaring 1 GiB from a 64 MiB enclave: more than
 * it could hold, so a protocol violation at once; nothing allocated. */
static void test_declared_beyond_enclave_memory(void **state)
{
    (void)state;
    uint32_t kinds[] = {CG_MSG_ECALL_RET, CG_MSG_OCALL};
    for (size_t i = 0; i < 2; i++) {
        cc_enclave_t ctx;
        create(&ctx);
        long before = e2e_status_kib("VmData");
        struct forge_args a = {&ctx, kinds[i], (uint64_t)1 << 30, 1, CC_FAIL};
        forge(&a);
        assert_int_equal(a.rc, CC_ERROR_ENCLAVE_LOST);
        assert_true(e2e_status_kib("VmData") - before < 256 * 1024);
        expect_lost(&ctx, CC_ERROR_PROTOCOL, "protocol");
    }
}

/* Declaring 48 MiB (within the enclave's memory), sending two chunks and
 * stalling: the host holds about what arrived, not 48 MiB, until the
 * enclave is destroyed - which ends the stalled call. */
static void test_declared_and_stalled(void **state)
{
    (void)state;
    uint32_t kinds[] = {CG_MSG_ECALL_RET, CG_MSG_OCALL};
    for (size_t i = 0; i < 2; i++) {
        cc_enclave_t ctx;
        create(&ctx);
        long before = e2e_status_kib("VmData");
        struct forge_args a = {&ctx, kinds[i], (uint64_t)48 << 20, 2, CC_FAIL};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, forge, &a), 0);
        /* let both chunks arrive and the enclave stall */
        e2e_sleep_ms(500);
        long grown = e2e_status_kib("VmData") - before;
        assert_true(grown < 24 * 1024); /* the old receive reserved all 48 MiB */
        assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
        pthread_join(t, NULL);
        assert_int_equal(a.rc, CC_ERROR_ENCLAVE_LOST);
        bystander_ok();
    }
}

/* An honest request bigger than the enclave's heap: a clean
 * out-of-memory for that call, and the enclave keeps serving. */
static void test_request_too_big_for_enclave(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    size_t len = (size_t)512 << 20;
    uint8_t *big = calloc(1, len);
    assert_non_null(big);
    int r = 0;
    assert_int_equal(hx_take(&ctx, &r, big, len), CC_ERROR_OUT_OF_MEMORY);
    free(big);
    uint8_t small[8] = {1, 0, 0, 0, 0, 0, 0, 2};
    assert_int_equal(hx_take(&ctx, &r, small, sizeof small), CC_SUCCESS);
    assert_int_equal(r, 3);
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* Honest big messages still cross through the host's growing buffer. */
static void test_honest_big_ocall(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_ocall_big(&ctx, &r, (size_t)24 << 20), CC_SUCCESS);
    assert_int_equal(r, 14);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

static void test_garbage_turn(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_garbage_turn(&ctx, &r), CC_ERROR_ENCLAVE_LOST);
    expect_lost(&ctx, CC_ERROR_PROTOCOL, "protocol");
    /* a message kind that does not exist, while the host waits */
    create(&ctx);
    struct forge_args f = {&ctx, 0x77, 16, 1, CC_FAIL};
    forge(&f);
    assert_int_equal(f.rc, CC_ERROR_ENCLAVE_LOST);
    expect_lost(&ctx, CC_ERROR_PROTOCOL, "protocol");
}

static void *hang(void *arg)
{
    struct call_args *a = arg;
    a->rc = hx_hang(a->ctx, &a->r);
    return NULL;
}

/* Never answering: destroy still ends the enclave and the waiting call. */
static void test_never_answers(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    struct call_args a = {&ctx, 0, CC_FAIL, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hang, &a), 0);
    e2e_sleep_ms(200);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, CC_ERROR_ENCLAVE_LOST);
    bystander_ok();
}

/* A raw hypercall (port I/O) from enclave code: a fault in user mode. */
static void test_raw_hypercall(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_port_io(&ctx, &r), CC_ERROR_ENCLAVE_LOST);
    expect_lost(&ctx, CC_ERROR_ENCLAVE_CRASHED, NULL);
}

/* Hostile pointers and lengths: the same errno as Linux on every engine. */
static void test_bad_pointers(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = -1;
    assert_int_equal(hx_bad_pointers(&ctx, &r), CC_SUCCESS);
    if (r != 0)
        fail_msg("probes that misbehaved: mask %#x (see hx_bad_pointers)", (unsigned)r);
    assert_int_equal(cgear_enclave_status(&ctx), CC_SUCCESS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
}

/* The guest kernel overwritten, or the page tables pointed outside the
 * VM: a crash of that enclave and nothing more. */
static void test_overwrite_shim(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_overwrite_shim(&ctx, &r), CC_ERROR_ENCLAVE_LOST);
    expect_lost(&ctx, CC_ERROR_ENCLAVE_CRASHED, NULL);
}

static void test_map_outside_memory(void **state)
{
    (void)state;
    cc_enclave_t ctx;
    create(&ctx);
    int r = 0;
    assert_int_equal(hx_map_outside(&ctx, &r), CC_ERROR_ENCLAVE_LOST);
    /* PVM: the tables are writable, the access reaches KVM, which has no
     * memory there; VMX/SVM: writing the tables faults first */
    expect_lost(&ctx, CC_ERROR_ENCLAVE_CRASHED, g_pvm ? "guest-physical address 0x4000000000" : NULL);
}

/* kvm: cgear-monitor runs under its own seccomp filter once the VM is
 * built. Asked to (a debug enclave, CGEAR_MONITOR_SELFTEST=seccomp, only
 * the host can ask), it makes one forbidden call: the kernel stops it and
 * the host says the monitor, not the enclave, broke its allow-list. */
static void test_monitor_filter_holds(void **state)
{
    (void)state;
    if (!g_kvm)
        skip(); /* the process engine's monitor becomes the enclave: its filter is the enclave's */
    struct e2e_captured log = e2e_stderr_begin();
    setenv("CGEAR_MONITOR_SELFTEST", "seccomp", 1);
    cc_enclave_t ctx;
    memset(&ctx, 0, sizeof ctx);
    cc_enclave_result_t rc = cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &ctx);
    unsetenv("CGEAR_MONITOR_SELFTEST");
    char buf[8192];
    e2e_stderr_end(log, buf, sizeof buf);
    if (rc == CC_SUCCESS)
        cc_enclave_destroy(&ctx);
    assert_int_not_equal(rc, CC_SUCCESS);
    if (strstr(buf, "cgear-monitor made a system call outside its own allow-list") == NULL)
        fail_msg("the host did not say the monitor was stopped by its filter: %s", buf);
    bystander_ok();
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int status = e2e_begin(argc, argv, 0, "<hostile.enclave>");
    if (status >= 0)
        return status;
    g_kvm = e2e_engine_is_kvm();
    g_pvm = g_kvm && e2e_kvm_is_pvm();
    /* Debug enclaves log each loss; quiet the informational lines only. */
    setenv("CGEAR_LOG", "quiet", 1);

    /* Counted once the runtime's per-process caches (the monitor's
     * memfd, the seccomp program) exist: they are meant to stay. */
    create(&g_bystander);
    int fds_before = e2e_count_fds();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requeue_shared_refused),
        cmocka_unit_test(test_requeue_then_exit_no_hang),
        cmocka_unit_test(test_mmap_outside_budget_forbidden),
        cmocka_unit_test(test_mmap_errors_same_everywhere),
        cmocka_unit_test(test_table_kills_on_every_engine),
        cmocka_unit_test(test_clone_flags),
        cmocka_unit_test(test_threads_beyond_limit),
        cmocka_unit_test(test_exit_status_not_monitor_status),
        cmocka_unit_test(test_refusals_rate_limited),
        cmocka_unit_test(test_declared_beyond_enclave_memory),
        cmocka_unit_test(test_declared_and_stalled),
        cmocka_unit_test(test_request_too_big_for_enclave),
        cmocka_unit_test(test_honest_big_ocall),
        cmocka_unit_test(test_garbage_turn),
        cmocka_unit_test(test_never_answers),
        cmocka_unit_test(test_raw_hypercall),
        cmocka_unit_test(test_bad_pointers),
        cmocka_unit_test(test_overwrite_shim),
        cmocka_unit_test(test_map_outside_memory),
        cmocka_unit_test(test_monitor_filter_holds),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* Nothing leaked: every descriptor back, every enclave process reaped. */
    int fds_after = e2e_count_fds();
    bool healthy = cc_enclave_destroy(&g_bystander) == CC_SUCCESS;
    if (fds_after != fds_before) {
        fprintf(stderr, "FAIL: %d descriptors before the attacks, %d after:\n", fds_before, fds_after);
        char cmd[64];
        snprintf(cmd, sizeof cmd, "ls -l /proc/%d/fd >&2", (int)getpid());
        if (system(cmd) != 0)
            fprintf(stderr, "(cannot list them)\n");
        healthy = false;
    }
    if (!e2e_no_children()) {
        fprintf(stderr, "FAIL: an enclave process was left behind\n");
        healthy = false;
    }
    return failed != 0 || !healthy ? 1 : 0;
}
