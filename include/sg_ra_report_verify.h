/*
 * sg_ra_report_verify.h - verify a remote attestation report (secGear API).
 *
 * The verifier runs anywhere (it needs no enclave): it is part of
 * libcgear_urts. The report format, the base-value file formats and the
 * checks are specified in docs/attestation.md.
 */
#ifndef CGEAR_SG_RA_REPORT_VERIFY_H
#define CGEAR_SG_RA_REPORT_VERIFY_H

#include "sg_ra_report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How much of a secGear base-value line is compared (secGear's meaning):
 * LOOSE compares img_hash with the image measurement (PCR 0); STRICT also
 * compares mem_hash with the enclave ELF hash (PCR 2). A cgear policy file
 * always checks everything it states, whatever the type. */
typedef enum {
    CC_RA_VERIFY_TYPE_LOOSE,
    CC_RA_VERIFY_TYPE_STRICT,
    CC_RA_VERIFY_TYPE_MAX
} cc_ra_verify_type_t;

/**
 * cc_verify_report() - verify an attestation report.
 * @report:    the report as cc_get_ra_report() returned it.
 * @nonce:     the nonce the verifier chose for this report (1..512 bytes);
 *             the report must carry exactly these bytes, so a replayed
 *             report fails.
 * @type:      CC_RA_VERIFY_TYPE_LOOSE or CC_RA_VERIFY_TYPE_STRICT.
 * @basevalue: path of a base-value file: secGear's `taid img_hash mem_hash`
 *             lines, or a cgear policy file (`key = value`); both formats
 *             are in docs/attestation.md.
 *
 * Checks, in this order, each with its own result:
 *   CC_ERROR_RA_REPORT_VERIFY_INPUT      NULL or empty argument, bad type,
 *                                        unreadable or malformed base-value file
 *   CC_ERROR_RA_REPORT_VERIFY_FAILED     the bytes are not a well-formed
 *                                        report (truncated, bad CBOR, fields)
 *   CC_ERROR_RA_REPORT_VERIFY_SIGNATURE  the ES384 signature does not verify
 *                                        with the report's certificate
 *   CC_ERROR_RA_REPORT_VERIFY_CERT       the certificate does not chain to a
 *                                        trusted platform certificate
 *   CC_ERROR_RA_REPORT_VERIFY_NONCE      the nonce differs
 *   CC_ERROR_RA_REPORT_VERIFY_STALE      the timestamp is too old or in the future
 *   CC_ERROR_RA_REPORT_VERIFY_DEBUG      a debug enclave, and the policy wants
 *                                        production (the default)
 *   CC_ERROR_RA_REPORT_VERIFY_HASH       a measurement (PCR) or the signer
 *                                        differs from the base value
 *   CC_ERROR_RA_REPORT_VERIFY_BASEVALUE  no base value for this enclave, or
 *                                        its security version is too low
 *   CC_ERROR_RA_MEMORY                   out of memory
 * On failure one line saying why is written to stderr, as for every cgear
 * runtime error (`cgear attest verify` and cg_attest_verify() give it too).
 */
cc_enclave_result_t cc_verify_report(cc_ra_buf_t *report, cc_ra_buf_t *nonce, cc_ra_verify_type_t type,
                                     char *basevalue);

#ifdef __cplusplus
}
#endif

#endif
