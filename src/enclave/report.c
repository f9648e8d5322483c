/*
 * report.c - cgear_enclave_get_report(): the enclave's own request for an
 * attestation report, sent to the host runtime as a runtime OCALL
 * (src/abi/sys_ocall.h).
 */
#include <string.h>

#include "cgear_edge_enclave.h"
#include "cgear_enclave_report.h"
#include "sys_ocall.h"

cc_enclave_result_t cgear_enclave_get_report(const uint8_t *nonce, uint32_t nonce_len, const uint8_t *user_data,
                                             uint32_t user_data_len, const uint8_t *public_key,
                                             uint32_t public_key_len, uint8_t *report, uint32_t *report_len)
{
    if (report_len == NULL || (report == NULL && *report_len != 0) || nonce_len > CGEAR_REPORT_NONCE_MAX ||
        (nonce == NULL && nonce_len) || user_data_len > CGEAR_REPORT_USER_DATA_MAX ||
        (user_data == NULL && user_data_len) || public_key_len > CGEAR_REPORT_PUBLIC_KEY_MAX ||
        (public_key == NULL && public_key_len))
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_sys_report_req r = {CG_SYS_REPORT_VERSION, nonce_len, user_data_len, public_key_len};
    const cg_iov_t req[4] = {
        {&r, sizeof r}, {nonce, nonce_len}, {user_data, user_data_len}, {public_key, public_key_len}};
    cg_msg_t resp = {NULL, 0};
    cc_enclave_result_t rc = cg_enclave_ocall(CG_SYS_OCALL_REPORT, req, 4, &resp);
    if (rc != CC_SUCCESS)
        return rc;
    /* The host's answer is a private copy; only its size is checked here,
     * the remote verifier checks its contents. */
    if (resp.len == 0 || resp.len > CGEAR_REPORT_MAX) {
        cg_msg_free(resp.buf);
        return CC_ERROR_BAD_FORMAT;
    }
    if (*report_len < resp.len) {
        *report_len = (uint32_t)resp.len;
        cg_msg_free(resp.buf);
        return CC_ERROR_SHORT_BUFFER;
    }
    memcpy(report, resp.buf, resp.len);
    *report_len = (uint32_t)resp.len;
    cg_msg_free(resp.buf);
    return CC_SUCCESS;
}
