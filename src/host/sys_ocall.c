/*
 * sys_ocall.c - the host runtime's side of the enclave runtime's own
 * OCALLs (src/abi/sys_ocall.h). The request comes from the enclave, so it
 * is checked like any other input from outside the host runtime.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "report.h"
#include "log.h"
#include "sys_ocall.h"

/* CG_SYS_OCALL_REPORT: a report binding the enclave's nonce, user data
 * and public key, if the request is the enclave's (MAC). */
static cc_enclave_result_t sys_report(struct cg_enclave *e, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    uint8_t *report = NULL;
    size_t len = 0;
    /* cg_report_make_req() checks the layout and the enclave's MAC. */
    cc_enclave_result_t rc = cg_report_make_req(e, in, in_len, true, &report, &len);
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
        cg_log_error_limited(&e->refusals, "enclave '%s' asked for unknown runtime service %#x; refused", e->ident.manifest.name, fn);
        return CC_ERROR_OCALL_NOT_ALLOWED;
    }
}
