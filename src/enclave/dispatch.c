/*
 * dispatch.c - the ECALL loop of one enclave thread, and OCALLs out of it.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cgear_edge_enclave.h"
#include "futex.h"
#include "trts.h"

/* The slot of the ECALL this thread is serving; NULL outside an ECALL. */
static __thread struct cg_chan *t_chan;
/* The innermost OCALL in progress on this thread, or UINT32_MAX. */
static __thread uint32_t t_ocall = UINT32_MAX;

/* EDL `public` / `allow()`: may ECALL @fn start now on this thread? */
static bool ecall_allowed(uint32_t fn)
{
    const cg_ecall_policy_t *p = &cg_ecall_policy;
    if (fn >= p->necalls || fn >= cg_ecall_table.count || cg_ecall_table.stubs[fn] == NULL)
        return false;
    if (t_ocall == UINT32_MAX)
        return p->is_public != NULL && p->is_public[fn];
    if (t_ocall >= p->nocalls || p->allow_start == NULL)
        return false;
    for (uint32_t i = p->allow_start[t_ocall]; i < p->allow_start[t_ocall + 1]; i++)
        if (p->allow_ids[i] == fn)
            return true;
    return false;
}

static cc_enclave_result_t run_ecall(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    (void)ctx;
    if (!ecall_allowed(fn))
        return CC_ERROR_ECALL_NOT_ALLOWED;
    /* A nested ECALL starts outside any OCALL of its own. */
    uint32_t saved = t_ocall;
    t_ocall = UINT32_MAX;
    cc_enclave_result_t rc = cg_ecall_table.stubs[fn](in, in_len, out);
    t_ocall = saved;
    return rc;
}

/* The host broke the protocol on this slot (a turn value that means
 * nothing, garbage instead of an acknowledgement). That is the host's own
 * loss: this thread keeps serving the slot. Returns false once the slot is
 * dead (the enclave is being stopped). */
static bool host_broke_protocol(struct cg_chan *ch)
{
    static const struct timespec recheck = {CG_FUTEX_RECHECK_S, 0};
    uint32_t v = atomic_load_explicit(&ch->slot->turn, memory_order_acquire);
    if (v == CG_TURN_DEAD)
        return false;
    if (v != CG_TURN_ENCLAVE && v != CG_TURN_HOST)
        cg_futex_wait(&ch->slot->turn, v, &recheck); /* until the host writes a real turn */
    return true;
}

void cg_trts_serve(struct cg_chan *ch)
{
    t_chan = ch;
    for (;;) {
        cc_enclave_result_t rc = cg_chan_wait(ch);
        if (rc == CC_ERROR_ENCLAVE_LOST)
            return;
        if (rc != CC_SUCCESS) {
            if (!host_broke_protocol(ch))
                return;
            continue;
        }
        uint32_t kind, fn, status;
        cg_msg_t msg;
        rc = cg_chan_recv(ch, &kind, &fn, &status, &msg);
        if (rc == CC_SUCCESS && kind != CG_MSG_ECALL) {
            cg_msg_free(msg.buf);
            rc = CC_ERROR_PROTOCOL;
        }
        if (rc != CC_SUCCESS) {
            /* A malformed request (or one too big to hold): refuse it and
             * give the slot back. */
            if (rc == CC_ERROR_ENCLAVE_LOST)
                return;
            rc = cg_chan_send(ch, CG_MSG_ECALL_RET, 0, (uint32_t)rc, NULL, 0);
        } else {
            rc = cg_chan_serve(ch, CG_MSG_ECALL_RET, fn, &msg, run_ecall, NULL);
        }
        if (rc == CC_ERROR_ENCLAVE_LOST)
            return;
        if (rc != CC_SUCCESS && !host_broke_protocol(ch))
            return;
    }
}

struct cg_chan *cg_trts_current_chan(void)
{
    return t_chan;
}

cc_enclave_result_t cg_enclave_ocall(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    if (resp == NULL || (req == NULL && nreq > 0))
        return CC_ERROR_BAD_PARAMETERS;
    if (t_chan == NULL)
        return CC_ERROR_OCALL_NOT_ALLOWED;
    uint32_t status = CC_FAIL;
    uint32_t saved = t_ocall;
    t_ocall = fn;
    cc_enclave_result_t rc = cg_chan_call(t_chan, CG_MSG_OCALL, fn, req, nreq, resp, &status, run_ecall, NULL);
    t_ocall = saved;
    return cg_trts_ocall_result(rc, status, resp);
}

cc_enclave_result_t cg_trts_ocall_result(cc_enclave_result_t rc, uint32_t status, cg_msg_t *resp)
{
    if (rc != CC_SUCCESS)
        return rc;
    if (status != CC_SUCCESS) {
        cg_msg_free(resp->buf);
        resp->buf = NULL;
        resp->len = 0;
    }
    return (cc_enclave_result_t)status;
}
