/*
 * report.c - cgear_enclave_get_report(): the enclave's own request for an
 * attestation report, sent to the host runtime as a runtime OCALL and
 * authenticated with the report key of the enclave's key block
 * (src/abi/sys_ocall.h), so that only this enclave can ask for a report
 * that binds data in its name.
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <stddef.h>
#include <string.h>

#include <bearssl.h>

#include "cgear_edge_enclave.h"
#include "cgear_enclave_report.h"
#include "keys.h"
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
    const struct cg_enclave_keys *k = cg_trts_keys();
    if (k == NULL || !(k->flags & CG_KEYS_F_PLATFORM))
        return CC_ERROR_NOT_SUPPORTED; /* no report key: no platform to sign either */

    /* The whole request in private memory, read once from the caller
     * (whose buffers may be host memory), then MAC'ed and sent as is. */
    uint8_t req[sizeof(struct cg_sys_report_req) + CGEAR_REPORT_NONCE_MAX + CGEAR_REPORT_USER_DATA_MAX +
                CGEAR_REPORT_PUBLIC_KEY_MAX];
    struct cg_sys_report_req r;
    memset(&r, 0, sizeof r);
    r.version = CG_SYS_REPORT_VERSION;
    r.nonce_len = nonce_len;
    r.user_data_len = user_data_len;
    r.public_key_len = public_key_len;
    memcpy(r.instance, k->instance, sizeof r.instance);
    size_t len = sizeof r;
    if (nonce_len)
        memcpy(req + len, nonce, nonce_len);
    len += nonce_len;
    if (user_data_len)
        memcpy(req + len, user_data, user_data_len);
    len += user_data_len;
    if (public_key_len)
        memcpy(req + len, public_key, public_key_len);
    len += public_key_len;
    memcpy(req, &r, sizeof r);
    br_hmac_key_context kc;
    br_hmac_context hc;
    br_hmac_key_init(&kc, &br_sha256_vtable, k->report_key, sizeof k->report_key);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, req, len); /* the MAC field is still zero */
    br_hmac_out(&hc, req + offsetof(struct cg_sys_report_req, mac));
    explicit_bzero(&kc, sizeof kc);
    explicit_bzero(&hc, sizeof hc);

    const cg_iov_t iov = {req, len};
    cg_msg_t resp = {NULL, 0};
    cc_enclave_result_t rc = cg_enclave_ocall(CG_SYS_OCALL_REPORT, &iov, 1, &resp);
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
