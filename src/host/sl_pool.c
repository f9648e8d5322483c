/*
 * sl_pool.c - the asynchronous switchless task pool (see sl_pool.h).
 */
#include "sl_pool.h"

#include <stdlib.h>

#define NIL UINT32_MAX

int cg_sl_pool_init(struct cg_sl_pool *p, uint32_t cap)
{
    p->tasks = NULL;
    p->cap = p->used = 0;
    p->head = p->tail = NIL;
    if (cap == 0 || cap > CG_SL_MAX_TASKS)
        return -1;
    p->tasks = calloc(cap, sizeof(*p->tasks));
    if (p->tasks == NULL)
        return -1;
    p->cap = cap;
    return 0;
}

void cg_sl_pool_fini(struct cg_sl_pool *p)
{
    for (uint32_t i = 0; p->tasks != NULL && i < p->cap; i++)
        free(p->tasks[i].ctx);
    free(p->tasks);
    p->tasks = NULL;
    p->cap = p->used = 0;
    p->head = p->tail = NIL;
}

cc_enclave_result_t cg_sl_pool_submit(struct cg_sl_pool *p, cg_async_run_t run, cg_async_take_t take, void *ctx,
                                      int *id)
{
    if (p->used >= p->cap)
        return CC_ERROR_SWITCHLESS_TASK_POOL_FULL;
    uint32_t i = 0;
    while (p->tasks[i].state != CG_SL_FREE)
        i++; /* used < cap: there is one */
    struct cg_sl_task *t = &p->tasks[i];
    t->gen = (t->gen & CG_SL_GEN_MASK) + 1;
    if (t->gen > CG_SL_GEN_MASK)
        t->gen = 1; /* generation 0 never appears: ids 0..511 are never valid */
    t->state = CG_SL_QUEUED;
    t->run = run;
    t->take = take;
    t->ctx = ctx;
    t->rc = CC_FAIL;
    t->next = NIL;
    if (p->tail == NIL)
        p->head = i;
    else
        p->tasks[p->tail].next = i;
    p->tail = i;
    p->used++;
    *id = (int)((t->gen << CG_SL_IDX_BITS) | i);
    return CC_SUCCESS;
}

struct cg_sl_task *cg_sl_pool_next(struct cg_sl_pool *p)
{
    if (p->head == NIL)
        return NULL;
    struct cg_sl_task *t = &p->tasks[p->head];
    p->head = t->next;
    if (p->head == NIL)
        p->tail = NIL;
    t->next = NIL;
    t->state = CG_SL_RUNNING;
    return t;
}

void cg_sl_pool_done(struct cg_sl_pool *p, struct cg_sl_task *t, cc_enclave_result_t rc)
{
    (void)p;
    t->rc = rc;
    t->state = CG_SL_DONE;
}

/* The task @id names, or NULL. */
static struct cg_sl_task *lookup(struct cg_sl_pool *p, int id)
{
    if (id < 0 || p->tasks == NULL)
        return NULL;
    uint32_t u = (uint32_t)id, i = u & (CG_SL_MAX_TASKS - 1u), gen = u >> CG_SL_IDX_BITS;
    if (i >= p->cap || gen == 0)
        return NULL;
    struct cg_sl_task *t = &p->tasks[i];
    return t->state != CG_SL_FREE && t->gen == gen ? t : NULL;
}

cc_enclave_result_t cg_sl_pool_collect(struct cg_sl_pool *p, int id, void *retval)
{
    struct cg_sl_task *t = lookup(p, id);
    if (t == NULL)
        return CC_ERROR_SWITCHLESS_INVALID_TASK_ID;
    if (t->state != CG_SL_DONE)
        return CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED;
    cc_enclave_result_t rc = t->rc;
    if (rc == CC_SUCCESS && retval != NULL && t->take != NULL)
        t->take(t->ctx, retval);
    free(t->ctx);
    t->ctx = NULL;
    t->run = NULL;
    t->take = NULL;
    t->state = CG_SL_FREE;
    p->used--;
    return rc;
}

void cg_sl_pool_fail_queued(struct cg_sl_pool *p, cc_enclave_result_t rc)
{
    struct cg_sl_task *t;
    while ((t = cg_sl_pool_next(p)) != NULL)
        cg_sl_pool_done(p, t, rc);
}
