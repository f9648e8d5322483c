/*
 * cgear_edge_host.h - host-side runtime entry used by generated *_u.c files.
 */
#ifndef CGEAR_EDGE_HOST_H
#define CGEAR_EDGE_HOST_H

#include "cgear_edge.h"
#include "enclave.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cg_host_ecall() - make an ECALL.
 * @enclave: created enclave.
 * @fn:      trusted function id.
 * @req:     request segments; @nreq entries. Total must be <= CG_MAX_MESSAGE.
 * @resp:    filled with the response (malloc'd; caller frees resp->buf).
 * @ocalls:  the OCALL stubs of this EDL, run on this thread while the
 *           ECALL is in progress.
 *
 * Blocks until the enclave answers. Waits for a free enclave thread if all
 * are busy. Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_INVALID_ENCLAVE_ID,
 * CC_ERROR_ENCLAVE_LOST (or CC_ERROR_ENCLAVE_CRASHED /
 * CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL) if the enclave died, CC_ERROR_PROTOCOL,
 * CC_ERROR_OUT_OF_MEMORY, or the status the enclave stub returned.
 */
CC_API_SPEC cc_enclave_result_t cg_host_ecall(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                              cg_msg_t *resp, const cg_stub_table_t *ocalls);

#ifdef __cplusplus
}
#endif
#endif
