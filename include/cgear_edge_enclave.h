/*
 * cgear_edge_enclave.h - enclave-side runtime entry used by generated *_t.c files.
 */
#ifndef CGEAR_EDGE_ENCLAVE_H
#define CGEAR_EDGE_ENCLAVE_H

#include "cgear_edge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defined by the generated *_t.c of the enclave's EDL: its ECALL stubs. */
extern const cg_stub_table_t cg_ecall_table;

/* Which ECALL may start when (EDL `public` and `allow(...)`), also
 * defined by the generated *_t.c. Outside any OCALL only public ECALLs
 * run; inside OCALL o only the ECALLs o's allow() list names (public or
 * not, as in SGX). Anything else gets CC_ERROR_ECALL_NOT_ALLOWED. */
#ifndef CG_ECALL_POLICY_DEFINED
#define CG_ECALL_POLICY_DEFINED
typedef struct cg_ecall_policy {
    uint32_t necalls;            /* == cg_ecall_table.count */
    uint32_t nocalls;            /* OCALLs of this EDL */
    const uint8_t *is_public;    /* necalls entries, 1 = public (NULL if necalls == 0) */
    const uint32_t *allow_start; /* nocalls + 1 entries (NULL if nocalls == 0) */
    const uint32_t *allow_ids;   /* ECALL ids, ascending per OCALL (NULL if none) */
} cg_ecall_policy_t;
#endif
extern const cg_ecall_policy_t cg_ecall_policy;

/**
 * cg_enclave_ocall() - make an OCALL from the enclave thread serving the
 * current ECALL.
 * @fn:   untrusted function id.
 * @req:  request segments (@nreq entries), in enclave memory.
 * @resp: filled with the response, copied into enclave-private memory
 *        (malloc'd; caller frees resp->buf).
 *
 * Errors: CC_ERROR_OCALL_NOT_ALLOWED (no ECALL in progress on this thread),
 * CC_ERROR_BAD_PARAMETERS, CC_ERROR_OUT_OF_MEMORY, CC_ERROR_PROTOCOL (the
 * host sent something malformed), or the status the host stub returned.
 */
cc_enclave_result_t cg_enclave_ocall(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp);

/**
 * cg_enclave_ocall_sl() - make a switchless OCALL (an untrusted function
 * marked transition_using_threads) from the enclave thread serving the
 * current ECALL. Same parameters, errors and result as cg_enclave_ocall().
 *
 * When the host created the enclave with ENCLAVE_FEATURE_SWITCHLESS and
 * num_uworkers untrusted workers, the call goes to a free worker's slot,
 * looked for retries_before_fallback times: the host worker thread, which
 * polls that slot, runs the function while this thread polls for the
 * answer (neither side makes a system call, or on the kvm engine a VM
 * exit, unless it waited long enough to sleep). With no free worker, or
 * none at all, it is an ordinary OCALL. A switchless OCALL runs on a host
 * worker thread, not on the thread that made the ECALL; an ECALL it makes
 * is a new top-level ECALL (public functions only), not a nested one.
 */
cc_enclave_result_t cg_enclave_ocall_sl(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp);

/**
 * cg_enclave_shm_span() - the address of a zero-copy buffer, checked.
 * @addr: the address the host sent for an [in]/[out] buffer.
 * @len:  its length, already checked against the size parameters.
 *
 * Return: @addr as a pointer if [@addr, @addr + @len) lies wholly inside
 * this enclave's shared-memory region (docs/shared-memory.md), else NULL
 * (the stub then refuses the call with CC_ERROR_BAD_PARAMETERS).
 */
void *cg_enclave_shm_span(uint64_t addr, size_t len);

#ifdef __cplusplus
}
#endif
#endif
