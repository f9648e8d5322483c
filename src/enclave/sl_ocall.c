/*
 * sl_ocall.c - switchless OCALLs out of the enclave: a free switchless
 * OCALL slot, polled by a host worker thread, instead of the slot of the
 * current ECALL. Design: docs/architecture.md, "Switchless calls".
 */
#include <stdatomic.h>
#include <stdint.h>

#include "cgear_edge_enclave.h"
#include "futex.h"
#include "trts.h"

static struct cg_chan *g_uchans;
static uint32_t g_ucount;
static uint32_t g_retries;
/* Bit i: slot i is taken by an enclave thread, or broken (a protocol
 * error or a dead slot: never given back). Enclave-private memory, so
 * the host cannot make two threads share a slot. */
static _Atomic uint64_t g_ubusy;

void cg_trts_sl_ocall_init(struct cg_chan *chans, uint32_t count, uint32_t retries)
{
    g_uchans = chans;
    g_ucount = count <= CG_MAX_USLOTS ? count : 0;
    g_retries = retries != 0 ? retries : 1;
}

/* A free slot, looked for g_retries times; false: none. */
static bool take(uint32_t *index)
{
    uint64_t all = g_ucount >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << g_ucount) - 1);
    for (uint32_t r = 0; r < g_retries; r++) {
        uint64_t b = atomic_load_explicit(&g_ubusy, memory_order_relaxed);
        uint64_t avail = ~b & all;
        if (avail == 0) {
            cg_cpu_relax();
            continue;
        }
        uint64_t bit = avail & (~avail + 1);
        if (atomic_compare_exchange_weak_explicit(&g_ubusy, &b, b | bit, memory_order_acquire,
                                                  memory_order_relaxed)) {
            *index = (uint32_t)__builtin_ctzll(bit);
            return true;
        }
    }
    return false;
}

cc_enclave_result_t cg_enclave_ocall_sl(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    if (resp == NULL || (req == NULL && nreq > 0))
        return CC_ERROR_BAD_PARAMETERS;
    /* Only from inside an ECALL, as any OCALL. */
    if (cg_trts_current_chan() == NULL)
        return CC_ERROR_OCALL_NOT_ALLOWED;
    uint32_t i;
    if (g_ucount == 0 || !take(&i))
        return cg_enclave_ocall(fn, req, nreq, resp);

    /* No dispatch function: the host worker may not send an ECALL on this
     * slot (that would be a protocol error); ECALLs it makes go through
     * ordinary slots. */
    uint32_t status = CC_FAIL;
    cc_enclave_result_t rc = cg_chan_call(&g_uchans[i], CG_MSG_OCALL, fn, req, nreq, resp, &status, NULL, NULL);
    if (rc == CC_SUCCESS || rc == CC_ERROR_BAD_PARAMETERS) /* BAD_PARAMETERS: nothing was sent */
        atomic_fetch_and_explicit(&g_ubusy, ~((uint64_t)1 << i), memory_order_release);
    return cg_trts_ocall_result(rc, status, resp);
}
