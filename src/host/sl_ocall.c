/*
 * sl_ocall.c - the untrusted workers of switchless OCALLs: one host thread
 * per switchless OCALL slot, polling it for a request from the enclave,
 * running the OCALL and answering on the same slot. Design:
 * docs/architecture.md, "Switchless calls".
 */
#define _GNU_SOURCE
#include "sl_ocall.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpu_mask.h"
#include "futex.h"
#include "host.h"
#include "lifecycle.h"
#include "log.h"
#include "sys_ocall.h"

struct cg_sl_uw;

struct uworker {
    struct cg_sl_uw *u;
    struct cg_chan *ch;
    pthread_t thread;
};

struct cg_sl_uw {
    struct cg_enclave *e;
    uint32_t count;   /* workers started */
    uint64_t cores;   /* 0: not pinned */
    _Atomic(const cg_stub_table_t *) table;
    _Atomic uint64_t served;
    _Atomic uint32_t ready;   /* workers that have pinned themselves (or failed to) */
    _Atomic int pin_error;    /* first negative errno of a failed pin */
    struct uworker *w;
};

/* The OCALL itself: only functions the EDL marks switchless, never the
 * runtime's own OCALLs (those need the thread of the ECALL). */
static cc_enclave_result_t run(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    struct cg_sl_uw *u = ctx;
    const cg_stub_table_t *t = atomic_load_explicit(&u->table, memory_order_acquire);
    if (fn >= CG_SYS_OCALL_BASE || t == NULL || fn >= t->count || t->stubs[fn] == NULL || t->switchless == NULL ||
        !t->switchless[fn])
        return CC_ERROR_SWITCHLESS_INVALID_FUNCTION_ID;
    atomic_fetch_add_explicit(&u->served, 1, memory_order_relaxed);
    return t->stubs[fn](in, in_len, out);
}

static void *worker(void *arg)
{
    struct uworker *w = arg;
    struct cg_sl_uw *u = w->u;
    if (u->cores != 0) {
        int rc = cg_cpu_pin(0, u->cores);
        if (rc != 0) {
            int none = 0;
            atomic_compare_exchange_strong(&u->pin_error, &none, rc);
        }
    }
    atomic_fetch_add(&u->ready, 1);
    for (;;) {
        cc_enclave_result_t rc = cg_chan_wait(w->ch);
        uint32_t kind = 0, fn = 0, st;
        cg_msg_t msg;
        if (rc == CC_SUCCESS)
            rc = cg_chan_recv(w->ch, &kind, &fn, &st, &msg);
        if (rc == CC_ERROR_OUT_OF_MEMORY && kind == CG_MSG_OCALL) {
            rc = cg_chan_send(w->ch, CG_MSG_OCALL_RET, 0, (uint32_t)CC_ERROR_OUT_OF_MEMORY, NULL, 0);
            if (rc == CC_SUCCESS)
                continue;
        } else if (rc == CC_SUCCESS && kind != CG_MSG_OCALL) {
            cg_msg_free(msg.buf);
            rc = CC_ERROR_PROTOCOL;
        } else if (rc == CC_SUCCESS) {
            rc = cg_chan_serve(w->ch, CG_MSG_OCALL_RET, fn, &msg, run, u);
            if (rc == CC_SUCCESS)
                continue;
        }
        /* A dead slot (the enclave stopped) ends the worker; anything
         * else is the enclave breaking the protocol, which stops it, as
         * on an ECALL slot. */
        if (rc == CC_ERROR_PROTOCOL)
            cg_enclave_mark_lost(u->e, CC_ERROR_PROTOCOL, "it broke the call-window protocol on a switchless OCALL slot; stopped");
        else if (rc != CC_ERROR_ENCLAVE_LOST)
            cg_enclave_mark_lost(u->e, rc, cc_enclave_res2_str(rc));
        return NULL;
    }
}

static void mark_dead(struct cg_enclave *e)
{
    for (uint32_t i = 0; i < e->win.nuslots; i++) {
        struct cg_chan *ch = &e->win.chans[e->win.nslots + i];
        atomic_store(&ch->slot->turn, CG_TURN_DEAD);
        cg_futex_wake(&ch->slot->turn, 1 << 30);
    }
}

cc_enclave_result_t cg_sl_uw_start(struct cg_enclave *e, uint32_t spin, uint64_t cores, struct cg_sl_uw **out)
{
    *out = NULL;
    uint32_t n = e->win.nuslots;
    if (n == 0)
        return CC_SUCCESS;
    struct cg_sl_uw *u = calloc(1, sizeof(*u));
    if (u == NULL || (u->w = calloc(n, sizeof(*u->w))) == NULL) {
        free(u);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    u->e = e;
    u->cores = cores;
    for (uint32_t i = 0; i < n; i++) {
        struct uworker *w = &u->w[i];
        w->u = u;
        w->ch = &e->win.chans[e->win.nslots + i];
        w->ch->spin = spin;
        if (pthread_create(&w->thread, NULL, worker, w) != 0)
            break;
        u->count++;
    }
    cc_enclave_result_t rc = u->count == n ? CC_SUCCESS : CC_ERROR_OUT_OF_MEMORY;
    /* Pinning errors surface here, at creation, not later. */
    while (atomic_load(&u->ready) < u->count)
        sched_yield();
    int perr = atomic_load(&u->pin_error);
    if (rc == CC_SUCCESS && perr != 0) {
        char list[256];
        cg_cpu_list(cores, list, sizeof list);
        cg_log_error("cannot pin the switchless OCALL workers to CPU %s (uworkers_cores): error %d", list, -perr);
        rc = CC_ERROR_BAD_PARAMETERS;
    }
    if (rc != CC_SUCCESS) {
        cg_sl_uw_stop(e, u);
        return rc;
    }
    *out = u;
    return CC_SUCCESS;
}

void cg_sl_uw_stop(struct cg_enclave *e, struct cg_sl_uw *u)
{
    if (u == NULL)
        return;
    mark_dead(e);
    for (uint32_t i = 0; i < u->count; i++)
        pthread_join(u->w[i].thread, NULL);
    free(u->w);
    free(u);
}

void cg_sl_uw_set_table(struct cg_sl_uw *u, const cg_stub_table_t *t)
{
    if (u != NULL && t != NULL && atomic_load_explicit(&u->table, memory_order_relaxed) != t)
        atomic_store_explicit(&u->table, t, memory_order_release);
}

uint64_t cg_sl_uw_served(const struct cg_sl_uw *u)
{
    return u == NULL ? 0 : atomic_load_explicit(&((struct cg_sl_uw *)u)->served, memory_order_relaxed);
}
