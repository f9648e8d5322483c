/*
 * ecall.c - the host call driver: ECALLs out, OCALLs back in.
 *
 * A host thread making an ECALL takes a free slot (one per enclave thread)
 * and keeps it until the ECALL returns; OCALLs made by that ECALL arrive
 * on the same slot and run on the same host thread. An ECALL made from
 * inside such an OCALL (a nested ECALL) reuses the slot too, exactly as the
 * enclave thread that is waiting for the OCALL expects.
 */
#include <stdlib.h>

#include "cgear_edge_host.h"
#include "host.h"
#include "lifecycle.h"
#include "report.h"
#include "sys_ocall.h"
#include "log.h"
#include "switchless.h"

/* The slots this thread holds, innermost first (nested across enclaves). */
struct frame {
    struct cg_enclave *e;
    struct cg_chan *ch;
    const cg_stub_table_t *ocalls; /* the EDL's OCALL stubs */
    struct frame *prev;
};
static __thread struct frame *t_top;

static struct cg_chan *find_held(struct cg_enclave *e)
{
    for (struct frame *f = t_top; f != NULL; f = f->prev)
        if (f->e == e)
            return f->ch;
    return NULL;
}

/* One fewer caller inside (lock held): the next thread waiting for a slot
 * may go, and a destroy waits for the last one to unwind. */
static void leave_locked(struct cg_enclave *e)
{
    /* a quiesce waits for every slot, not just one: all must hear it */
    if (e->calls.quiescing)
        pthread_cond_broadcast(&e->calls.slot_free);
    else
        pthread_cond_signal(&e->calls.slot_free);
    if (--e->calls.callers == 0)
        pthread_cond_broadcast(&e->calls.idle);
}

/* Take a free slot, waiting while all are busy. The caller is counted from
 * here until give_slot(), so that a destroy from another thread waits for
 * it to unwind before freeing (nested calls run inside a counted one). */
static cc_enclave_result_t take_slot(struct cg_enclave *e, uint32_t *index)
{
    uint64_t all = cg_sl_ordinary_mask(e); /* switchless workers have their own slots */
    pthread_mutex_lock(&e->lock);
    e->calls.callers++;
    while (((e->calls.busy & all) == all || e->calls.quiescing) && !atomic_load(&e->fate.lost))
        pthread_cond_wait(&e->calls.slot_free, &e->lock);
    if (atomic_load(&e->fate.lost)) {
        leave_locked(e);
        pthread_mutex_unlock(&e->lock);
        return CC_ERROR_ENCLAVE_LOST;
    }
    uint32_t i = (uint32_t)__builtin_ctzll(~e->calls.busy & all);
    e->calls.busy |= (uint64_t)1 << i;
    pthread_mutex_unlock(&e->lock);
    *index = i;
    return CC_SUCCESS;
}

static void give_slot(struct cg_enclave *e, uint32_t index)
{
    pthread_mutex_lock(&e->lock);
    e->calls.busy &= ~((uint64_t)1 << index);
    leave_locked(e);
    pthread_mutex_unlock(&e->lock);
}

cc_enclave_result_t cg_calls_quiesce(struct cg_enclave *e)
{
    if (find_held(e) != NULL)
        return CC_ERROR_BAD_STATE;
    uint64_t all = e->win.nslots >= 64 ? ~0ull : ((1ull << e->win.nslots) - 1);
    pthread_mutex_lock(&e->lock);
    e->calls.callers++;
    while (e->calls.quiescing && !atomic_load(&e->fate.lost))
        pthread_cond_wait(&e->calls.slot_free, &e->lock);
    if (!atomic_load(&e->fate.lost)) {
        e->calls.quiescing = true;
        while ((e->calls.busy & all) != 0 && !atomic_load(&e->fate.lost))
            pthread_cond_wait(&e->calls.slot_free, &e->lock);
    }
    if (atomic_load(&e->fate.lost)) {
        e->calls.quiescing = false;
        leave_locked(e);
        pthread_mutex_unlock(&e->lock);
        return CC_ERROR_ENCLAVE_LOST;
    }
    e->calls.busy |= all;
    pthread_mutex_unlock(&e->lock);
    return CC_SUCCESS;
}

void cg_calls_resume(struct cg_enclave *e)
{
    uint64_t all = e->win.nslots >= 64 ? ~0ull : ((1ull << e->win.nslots) - 1);
    pthread_mutex_lock(&e->lock);
    e->calls.busy &= ~all;
    e->calls.quiescing = false;
    pthread_cond_broadcast(&e->calls.slot_free);
    if (--e->calls.callers == 0)
        pthread_cond_broadcast(&e->calls.idle);
    pthread_mutex_unlock(&e->lock);
}

static cc_enclave_result_t run_ocall(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    const struct frame *f = ctx;
    if (fn >= CG_SYS_OCALL_BASE)
        return cg_host_sys_ocall(f->e, fn, in, in_len, out);
    const cg_stub_table_t *t = f->ocalls;
    if (t == NULL || fn >= t->count || t->stubs[fn] == NULL)
        return CC_ERROR_OCALL_NOT_ALLOWED;
    if (f->e->sl != NULL)
        cg_sl_note_ocall(f->e, t, fn); /* a switchless function here fell back */
    return t->stubs[fn](in, in_len, out);
}

/* An ECALL; @sl: the function is switchless (transition_using_threads). */
static cc_enclave_result_t host_ecall(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                     cg_msg_t *resp, const cg_stub_table_t *ocalls, bool sl)
{
    if (enclave == NULL || resp == NULL || (req == NULL && nreq > 0))
        return CC_ERROR_BAD_PARAMETERS;
    resp->buf = NULL;
    resp->len = 0;
    if (!enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    struct cg_enclave *e = enclave->private_data;
    if (atomic_load(&e->fate.lost))
        return CC_ERROR_ENCLAVE_LOST;

    struct frame f = {e, find_held(e), ocalls, t_top};
    if (e->sl != NULL)
        cg_sl_note_ocall(e, ocalls, UINT32_MAX); /* the table its OCALL workers use */
    uint32_t index = 0;
    bool owned = f.ch == NULL;
    /* A switchless call uses a polling worker when one is free soon, and
     * falls back to an ordinary ECALL otherwise. */
    bool on_worker = owned && sl && e->sl != NULL && cg_sl_take_worker(e, &index);
    if (owned && !on_worker) {
        cc_enclave_result_t rc = take_slot(e, &index);
        if (rc != CC_SUCCESS)
            return rc;
    }
    if (owned)
        f.ch = &e->win.chans[index];
    t_top = &f;
    uint32_t status = CC_FAIL;
    cc_enclave_result_t rc = cg_chan_call(f.ch, CG_MSG_ECALL, fn, req, nreq, resp, &status, run_ocall, &f);
    t_top = f.prev;

    if (rc == CC_SUCCESS) {
        rc = (cc_enclave_result_t)status;
        if (rc != CC_SUCCESS) {
            cg_msg_free(resp->buf);
            resp->buf = NULL;
            resp->len = 0;
        }
    } else if (rc != CC_ERROR_BAD_PARAMETERS) {
        /* The slot is in an unknown state: the enclave died, or broke the
         * protocol, or we could not hold its answer. It cannot be trusted
         * to continue; stop it so every other caller fails cleanly too. */
        if (rc == CC_ERROR_PROTOCOL)
            cg_enclave_mark_lost(e, CC_ERROR_PROTOCOL, "it broke the call-window protocol; stopped");
        else if (rc != CC_ERROR_ENCLAVE_LOST)
            cg_enclave_mark_lost(e, rc, cc_enclave_res2_str(rc));
        rc = CC_ERROR_ENCLAVE_LOST;
    }
    if (on_worker)
        cg_sl_give_worker(e, index);
    else if (owned)
        give_slot(e, index);
    return rc;
}

cc_enclave_result_t cg_host_ecall(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                  cg_msg_t *resp, const cg_stub_table_t *ocalls)
{
    return host_ecall(enclave, fn, req, nreq, resp, ocalls, false);
}

cc_enclave_result_t cg_host_ecall_sl(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                     cg_msg_t *resp, const cg_stub_table_t *ocalls)
{
    return host_ecall(enclave, fn, req, nreq, resp, ocalls, true);
}
