/*
 * sys_ocall.c - the host runtime's side of the enclave runtime's own
 * OCALLs (src/abi/sys_ocall.h). The request comes from the enclave, so it
 * is checked like any other input from outside the host runtime.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"
#include "sys_ocall.h"

/* CG_SYS_OCALL_REPORT: a report binding the enclave's nonce, user data
 * and public key. */
static cc_enclave_result_t sys_report(struct cg_enclave *e, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    struct cg_sys_report_req r;
    if (in_len < sizeof r)
        return CC_ERROR_BAD_PARAMETERS;
    memcpy(&r, in, sizeof r);
    uint64_t want = (uint64_t)sizeof r + r.nonce_len + r.user_data_len + r.public_key_len;
    if (r.version != CG_SYS_REPORT_VERSION || want != in_len) {
        cg_log_error("enclave '%s' sent a malformed report request; refused", e->manifest.name);
        return CC_ERROR_BAD_PARAMETERS;
    }
    const uint8_t *nonce = in + sizeof r;
    const uint8_t *user_data = nonce + r.nonce_len;
    const uint8_t *public_key = user_data + r.user_data_len;
    uint8_t *report = NULL;
    size_t len = 0;
    cc_enclave_result_t rc = cg_report_make(e, r.nonce_len ? nonce : NULL, r.nonce_len,
                                            r.user_data_len ? user_data : NULL, r.user_data_len,
                                            r.public_key_len ? public_key : NULL, r.public_key_len, &report, &len);
    if (rc != CC_SUCCESS)
        return rc;
    out->buf = cg_msg_alloc(len);
    if (out->buf == NULL) {
        free(report);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    memcpy(out->buf, report, len);
    out->len = len;
    free(report);
    return CC_SUCCESS;
}

cc_enclave_result_t cg_host_sys_ocall(struct cg_enclave *e, uint32_t fn, const uint8_t *in, size_t in_len,
                                      cg_msg_t *out)
{
    switch (fn) {
    case CG_SYS_OCALL_REPORT:
        return sys_report(e, in, in_len, out);
    default:
        cg_log_error("enclave '%s' asked for unknown runtime service %#x; refused", e->manifest.name, fn);
        return CC_ERROR_OCALL_NOT_ALLOWED;
    }
}
