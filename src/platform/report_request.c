/*
 * report_request.c - checking an enclave's report request (the layout is
 * src/abi/sys_ocall.h): the same code in the host runtime (development
 * platform) and in cgear-launcher (system platform).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>

#include "platform.h"
#include "sg_ra_report.h"
#include "sys_ocall.h"

#define USER_DATA_MAX 512u
#define PUBLIC_KEY_MAX 1024u

static cc_enclave_result_t say(cc_enclave_result_t rc, char *why, size_t why_len, const char *fmt, ...)
{
    if (why != NULL && why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

cc_enclave_result_t cg_report_request_check(const struct cg_platform *p, const uint8_t measurement[CG_PLATFORM_ID_LEN],
                                            bool debug, const uint8_t *req, size_t len, bool *from_enclave, char *why,
                                            size_t why_len)
{
    struct cg_sys_report_req r;
    *from_enclave = false;
    if (req == NULL || len < sizeof r)
        return say(CC_ERROR_BAD_PARAMETERS, why, why_len, "the report request is truncated");
    memcpy(&r, req, sizeof r);
    if (r.version != CG_SYS_REPORT_VERSION)
        return say(CC_ERROR_BAD_PARAMETERS, why, why_len, "report request version %u, expected %u", r.version,
                   CG_SYS_REPORT_VERSION);
    if (r.nonce_len > MAX_NONCE_BUF_LEN || r.user_data_len > USER_DATA_MAX || r.public_key_len > PUBLIC_KEY_MAX ||
        (uint64_t)sizeof r + r.nonce_len + r.user_data_len + r.public_key_len != len)
        return say(CC_ERROR_BAD_PARAMETERS, why, why_len, "the report request's lengths are wrong");
    if (all_zero(r.instance, sizeof r.instance) && all_zero(r.mac, sizeof r.mac))
        return CC_SUCCESS; /* the host's own request */
    if (p == NULL || measurement == NULL)
        return say(CC_ERROR_ACCESS_DENIED, why, why_len, "no platform to check the enclave's request with");

    uint8_t key[CG_PLATFORM_SEAL_KEY_LEN], mac[32];
    if (cg_platform_report_key(p, measurement, debug, r.instance, key) != CC_SUCCESS)
        return say(CC_ERROR_GENERIC, why, why_len, "cannot derive the report key");
    /* The MAC covers the request with its MAC field zeroed. */
    uint8_t hdr[sizeof r];
    memcpy(hdr, &r, sizeof r);
    memset(hdr + offsetof(struct cg_sys_report_req, mac), 0, sizeof r.mac);
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0), OSSL_PARAM_construct_end()};
    size_t out_len = 0;
    int ok = c != NULL && EVP_MAC_init(c, key, sizeof key, params) == 1 && EVP_MAC_update(c, hdr, sizeof hdr) == 1 &&
             EVP_MAC_update(c, req + sizeof r, len - sizeof r) == 1 && EVP_MAC_final(c, mac, &out_len, sizeof mac) == 1 &&
             out_len == sizeof mac;
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(m);
    OPENSSL_cleanse(key, sizeof key);
    if (!ok)
        return say(CC_ERROR_GENERIC, why, why_len, "HMAC-SHA256 failed");
    if (CRYPTO_memcmp(mac, r.mac, sizeof mac) != 0)
        return say(CC_ERROR_ACCESS_DENIED, why, why_len,
                   "the report request is not authenticated by this enclave (wrong MAC, instance or measurement)");
    *from_enclave = true;
    return CC_SUCCESS;
}
