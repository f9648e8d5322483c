/*
 * Unit tests of the asynchronous switchless task pool (src/host/sl_pool.c):
 * FIFO order, pool full, ids refused after collection and across reuse of
 * an entry (generation), unfinished tasks, failing queued tasks, and that
 * every context is freed (ASan / valgrind see leaks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sl_pool.h"

static cc_enclave_result_t run_nop(void *ctx)
{
    (void)ctx;
    return CC_SUCCESS;
}

static void take_int(void *ctx, void *retval)
{
    memcpy(retval, ctx, sizeof(int));
}

static int *ctx_int(int v)
{
    int *p = malloc(sizeof(*p));
    assert_non_null(p);
    *p = v;
    return p;
}

static void test_fifo_and_collect(void **state)
{
    (void)state;
    struct cg_sl_pool p;
    assert_int_equal(cg_sl_pool_init(&p, 4), 0);
    int id[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(cg_sl_pool_submit(&p, run_nop, take_int, ctx_int(10 + i), &id[i]), CC_SUCCESS);
    assert_true(id[0] > 0 && id[1] > 0 && id[2] > 0);
    assert_true(id[0] != id[1] && id[1] != id[2]);

    /* Queued: not finished, nothing changes. */
    int out = -1;
    assert_int_equal(cg_sl_pool_collect(&p, id[0], &out), CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
    assert_int_equal(out, -1);

    /* Oldest first. */
    struct cg_sl_task *t = cg_sl_pool_next(&p);
    assert_non_null(t);
    assert_int_equal(*(int *)t->ctx, 10);
    assert_int_equal(cg_sl_pool_collect(&p, id[0], &out), CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED); /* running */
    cg_sl_pool_done(&p, t, t->run(t->ctx));
    assert_int_equal(cg_sl_pool_collect(&p, id[0], &out), CC_SUCCESS);
    assert_int_equal(out, 10);
    /* Collected: the id is gone. */
    assert_int_equal(cg_sl_pool_collect(&p, id[0], &out), CC_ERROR_SWITCHLESS_INVALID_TASK_ID);

    t = cg_sl_pool_next(&p);
    assert_int_equal(*(int *)t->ctx, 11);
    /* A failed call: its result, and retval untouched. */
    cg_sl_pool_done(&p, t, CC_ERROR_ENCLAVE_LOST);
    out = -1;
    assert_int_equal(cg_sl_pool_collect(&p, id[1], &out), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(out, -1);

    /* NULL retval is fine. */
    t = cg_sl_pool_next(&p);
    cg_sl_pool_done(&p, t, CC_SUCCESS);
    assert_int_equal(cg_sl_pool_collect(&p, id[2], NULL), CC_SUCCESS);
    assert_null(cg_sl_pool_next(&p));
    cg_sl_pool_fini(&p);
}

static void test_full_and_reuse(void **state)
{
    (void)state;
    struct cg_sl_pool p;
    assert_int_equal(cg_sl_pool_init(&p, 2), 0);
    int a, b, c;
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, ctx_int(1), &a), CC_SUCCESS);
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, ctx_int(2), &b), CC_SUCCESS);
    int *extra = ctx_int(3);
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, extra, &c), CC_ERROR_SWITCHLESS_TASK_POOL_FULL);
    free(extra); /* not taken: still the caller's */

    /* Finish and collect a; its entry is reused with a new generation. */
    struct cg_sl_task *t = cg_sl_pool_next(&p);
    cg_sl_pool_done(&p, t, CC_SUCCESS);
    assert_int_equal(cg_sl_pool_collect(&p, a, NULL), CC_SUCCESS);
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, ctx_int(4), &c), CC_SUCCESS);
    assert_int_equal(c & (int)(CG_SL_MAX_TASKS - 1), a & (int)(CG_SL_MAX_TASKS - 1)); /* same entry */
    assert_int_not_equal(c, a);
    /* The stale id never names the new task, even once it is done. */
    t = cg_sl_pool_next(&p); /* b */
    cg_sl_pool_done(&p, t, CC_SUCCESS);
    t = cg_sl_pool_next(&p); /* c */
    cg_sl_pool_done(&p, t, CC_SUCCESS);
    assert_int_equal(cg_sl_pool_collect(&p, a, NULL), CC_ERROR_SWITCHLESS_INVALID_TASK_ID);
    assert_int_equal(cg_sl_pool_collect(&p, c, NULL), CC_SUCCESS);
    /* b is left pending: fini frees its context. */
    cg_sl_pool_fini(&p);
}

static void test_bad_ids(void **state)
{
    (void)state;
    struct cg_sl_pool p;
    assert_int_equal(cg_sl_pool_init(&p, 64), 0);
    int ids[] = {-1, 0, 1, 63, 64, (int)CG_SL_MAX_TASKS, 0x7fffffff, (int)((1u << CG_SL_IDX_BITS) | 100u)};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        assert_int_equal(cg_sl_pool_collect(&p, ids[i], NULL), CC_ERROR_SWITCHLESS_INVALID_TASK_ID);
    assert_int_equal(cg_sl_pool_init(&(struct cg_sl_pool){0}, 0), -1);
    assert_int_equal(cg_sl_pool_init(&(struct cg_sl_pool){0}, CG_SL_MAX_TASKS + 1), -1);
    cg_sl_pool_fini(&p);
}

/* Generations wrap without ever producing generation 0, and an id of
 * every generation of one entry is distinct from the previous one. */
static void test_generation_wrap(void **state)
{
    (void)state;
    struct cg_sl_pool p;
    assert_int_equal(cg_sl_pool_init(&p, 1), 0);
    p.tasks[0].gen = CG_SL_GEN_MASK - 1;
    int prev = -1;
    for (int i = 0; i < 4; i++) {
        int id;
        assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, ctx_int(i), &id), CC_SUCCESS);
        assert_true(id > 0);
        assert_true(((unsigned)id >> CG_SL_IDX_BITS) != 0);
        assert_int_not_equal(id, prev);
        struct cg_sl_task *t = cg_sl_pool_next(&p);
        cg_sl_pool_done(&p, t, CC_SUCCESS);
        assert_int_equal(cg_sl_pool_collect(&p, id, NULL), CC_SUCCESS);
        prev = id;
    }
    cg_sl_pool_fini(&p);
}

static void test_fail_queued(void **state)
{
    (void)state;
    struct cg_sl_pool p;
    assert_int_equal(cg_sl_pool_init(&p, 8), 0);
    int a, b, c;
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, take_int, ctx_int(1), &a), CC_SUCCESS);
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, take_int, ctx_int(2), &b), CC_SUCCESS);
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, take_int, ctx_int(3), &c), CC_SUCCESS);
    struct cg_sl_task *running = cg_sl_pool_next(&p); /* a */
    cg_sl_pool_fail_queued(&p, CC_ERROR_ENCLAVE_LOST);
    assert_null(cg_sl_pool_next(&p));
    assert_int_equal(cg_sl_pool_collect(&p, b, NULL), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cg_sl_pool_collect(&p, c, NULL), CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(cg_sl_pool_collect(&p, a, NULL), CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
    cg_sl_pool_done(&p, running, CC_SUCCESS);
    int out = 0;
    assert_int_equal(cg_sl_pool_collect(&p, a, &out), CC_SUCCESS);
    assert_int_equal(out, 1);
    cg_sl_pool_fini(&p);
}

/* The pool's largest size: 512 tasks, each id distinct. */
static void test_capacity(void **state)
{
    (void)state;
    struct cg_sl_pool p;
    assert_int_equal(cg_sl_pool_init(&p, CG_SL_MAX_TASKS), 0);
    static int ids[CG_SL_MAX_TASKS];
    for (uint32_t i = 0; i < CG_SL_MAX_TASKS; i++)
        assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, ctx_int((int)i), &ids[i]), CC_SUCCESS);
    int x;
    assert_int_equal(cg_sl_pool_submit(&p, run_nop, NULL, &x, &x), CC_ERROR_SWITCHLESS_TASK_POOL_FULL);
    for (uint32_t i = 1; i < CG_SL_MAX_TASKS; i++)
        assert_int_not_equal(ids[i], ids[i - 1]);
    cg_sl_pool_fini(&p); /* frees 512 pending contexts */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_collect), cmocka_unit_test(test_full_and_reuse),
        cmocka_unit_test(test_bad_ids),          cmocka_unit_test(test_generation_wrap),
        cmocka_unit_test(test_fail_queued),      cmocka_unit_test(test_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
