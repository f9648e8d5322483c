/*
 * cgear_enclave_report.h - enclave side: ask for an attestation report
 * that binds data the enclave chooses, typically the public half of a key
 * pair it generated inside, so that a remote party who verifies the report
 * knows the private half lives in this enclave.
 *
 * cgear extension (secGear has no enclave-side report call). The report is
 * the same COSE_Sign1 document cc_get_ra_report() returns, verified the
 * same way (cc_verify_report(), `cgear attest verify`, docs/attestation.md);
 * its `public_key` and `user_data` fields carry what the enclave passed.
 */
#ifndef CGEAR_ENCLAVE_REPORT_H
#define CGEAR_ENCLAVE_REPORT_H

#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CGEAR_REPORT_NONCE_MAX 64u       /* as MAX_NONCE_BUF_LEN */
#define CGEAR_REPORT_USER_DATA_MAX 512u
#define CGEAR_REPORT_PUBLIC_KEY_MAX 1024u
#define CGEAR_REPORT_MAX 65536u          /* no report is larger */

/**
 * cgear_enclave_get_report() - an attestation report on this enclave.
 * @nonce, @nonce_len:         the verifier's nonce, 0..64 bytes (NULL if 0).
 * @user_data, @user_data_len: 0..512 bytes of the enclave's choosing.
 * @public_key, @public_key_len: 0..1024 bytes, e.g. a DER or raw public key.
 * @report:     where the report is written (may be NULL if *@report_len is 0).
 * @report_len: in: the size of @report; out: the report's length, or on
 *              CC_ERROR_SHORT_BUFFER the size needed.
 *
 * Must be called from inside an ECALL (the request leaves through the
 * calling thread's slot). The request is authenticated with the enclave's
 * report key (docs/attestation.md), so the host cannot ask for a report
 * that binds data in the enclave's name. The platform signs the enclave's
 * identity (measurement, signer, ELF hash, debug flag, security version,
 * engine) together with the bytes above.
 *
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL with a length, a length over its
 * limit), CC_ERROR_OCALL_NOT_ALLOWED (not inside an ECALL),
 * CC_ERROR_NOT_SUPPORTED (no platform keys: the enclave was started without
 * a platform), CC_ERROR_ACCESS_DENIED (the signer refused the request),
 * CC_ERROR_SHORT_BUFFER, CC_ERROR_NOT_SUPPORTED (a standalone enclave: its
 * holder, not the attached host, has the image), CC_ERROR_BAD_FORMAT (the
 * host answered with something that is not a report of a possible size),
 * CC_ERROR_OUT_OF_MEMORY, or the platform's error (no platform folder...).
 */
cc_enclave_result_t cgear_enclave_get_report(const uint8_t *nonce, uint32_t nonce_len, const uint8_t *user_data,
                                             uint32_t user_data_len, const uint8_t *public_key,
                                             uint32_t public_key_len, uint8_t *report, uint32_t *report_len);

#ifdef __cplusplus
}
#endif

#endif
