/*
 * report.h - attestation reports on an enclave (report.c) and the OCALLs
 * of the enclave runtime itself (sys_ocall.c, src/abi/sys_ocall.h), which
 * ask for them.
 */
#ifndef CGEAR_HOST_REPORT_H
#define CGEAR_HOST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgear_edge.h"
#include "status.h"

struct cg_enclave;

/* Add (@add) or remove @e from the enclaves cc_get_ra_report() can name
 * (report.c). */
void cg_report_register(struct cg_enclave *e, bool add);

/* report.c: a signed attestation report on @e binding @nonce, @user_data
 * and @pubkey (each may be NULL with length 0), in a malloc'd *@out.
 * CC_ERROR_RA_GET_REPORT_INPUT for lengths over the limits,
 * CC_ERROR_NOT_SUPPORTED for an attached standalone enclave, the
 * platform's error, or CC_ERROR_ENCLAVE_LOST. Logs why. */
cc_enclave_result_t cg_report_make(struct cg_enclave *e, const uint8_t *nonce, uint32_t nonce_len,
                                   const uint8_t *user_data, uint32_t user_data_len, const uint8_t *pubkey,
                                   uint32_t pubkey_len, uint8_t **out, size_t *out_len);

/* report.c: a report for the request @req (struct cg_sys_report_req and its
 * bytes, src/abi/sys_ocall.h); @from_enclave: it came from the enclave and
 * must carry a valid MAC. Errors as cg_report_make(), plus
 * CC_ERROR_ACCESS_DENIED for a request the enclave did not authenticate. */
cc_enclave_result_t cg_report_make_req(struct cg_enclave *e, const uint8_t *req, size_t len, bool from_enclave,
                                       uint8_t **out, size_t *out_len);

/* sys_ocall.c: an OCALL of the enclave runtime itself (src/abi/sys_ocall.h)
 * on behalf of enclave @e: request @in (private copy), response into @out. */
cc_enclave_result_t cg_host_sys_ocall(struct cg_enclave *e, uint32_t fn, const uint8_t *in, size_t in_len,
                                      cg_msg_t *out);

#endif
