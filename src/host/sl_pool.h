/*
 * sl_pool.h - the host's pool of asynchronous switchless tasks (f_async()).
 *
 * Pure bookkeeping, no threads and no locks: switchless.c holds the lock
 * and runs the tasks. A task goes FREE -> QUEUED (submitted) -> RUNNING (a
 * host driver thread carries out the call) -> DONE (result kept) -> FREE
 * (collected). Task ids are index | generation << CG_SL_IDX_BITS, so an id
 * from an earlier use of the same entry is refused instead of collecting a
 * stranger's result.
 */
#ifndef CGEAR_SL_POOL_H
#define CGEAR_SL_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgear_edge_host.h"

#define CG_SL_IDX_BITS 9u                 /* 512 tasks: secGear's largest pool (8 x 64) */
#define CG_SL_MAX_TASKS (1u << CG_SL_IDX_BITS)
#define CG_SL_GEN_MASK ((1u << (31u - CG_SL_IDX_BITS)) - 1u) /* ids stay positive ints */

enum cg_sl_state { CG_SL_FREE = 0, CG_SL_QUEUED, CG_SL_RUNNING, CG_SL_DONE };

struct cg_sl_task {
    uint32_t gen;   /* 1..CG_SL_GEN_MASK, advanced on every submit */
    uint32_t state; /* enum cg_sl_state */
    cg_async_run_t run;
    cg_async_take_t take;
    void *ctx;      /* the generated call context, malloc'd; owned by the pool */
    cc_enclave_result_t rc;
    uint32_t next;  /* FIFO link among QUEUED tasks */
};

struct cg_sl_pool {
    uint32_t cap;   /* tasks, <= CG_SL_MAX_TASKS */
    uint32_t used;  /* not FREE */
    uint32_t head, tail; /* FIFO of QUEUED tasks (index), UINT32_MAX when empty */
    struct cg_sl_task *tasks;
};

/* Allocate @cap (1..CG_SL_MAX_TASKS) free tasks. Returns 0, or -1 (bad
 * @cap or out of memory). */
int cg_sl_pool_init(struct cg_sl_pool *p, uint32_t cap);

/* Free every task context still held, and the pool. */
void cg_sl_pool_fini(struct cg_sl_pool *p);

/* Queue a call. The pool owns @ctx from CC_SUCCESS on. Returns
 * CC_SUCCESS with the id in *@id, or CC_ERROR_SWITCHLESS_TASK_POOL_FULL. */
cc_enclave_result_t cg_sl_pool_submit(struct cg_sl_pool *p, cg_async_run_t run, cg_async_take_t take, void *ctx,
                                      int *id);

/* The oldest QUEUED task, now RUNNING, or NULL if none is queued. */
struct cg_sl_task *cg_sl_pool_next(struct cg_sl_pool *p);

/* A RUNNING task finished with @rc. */
void cg_sl_pool_done(struct cg_sl_pool *p, struct cg_sl_task *t, cc_enclave_result_t rc);

/* Collect task @id: CC_ERROR_SWITCHLESS_INVALID_TASK_ID (no such id, or
 * already collected), CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED (QUEUED or
 * RUNNING: nothing changes), or the call's result: then its return value
 * goes to @retval (if both it and the task's take function are non-NULL),
 * its context is freed and the id released. */
cc_enclave_result_t cg_sl_pool_collect(struct cg_sl_pool *p, int id, void *retval);

/* Finish every QUEUED task with @rc without running it (the enclave is
 * gone). RUNNING tasks are left to their drivers. */
void cg_sl_pool_fail_queued(struct cg_sl_pool *p, cc_enclave_result_t rc);

#endif
