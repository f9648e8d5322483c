/*
 * sg_ra_report.h - remote attestation: the types of secGear's report API.
 *
 * The names and layouts are openEuler secGear's, so that programs written
 * for secGear compile unchanged. A report is a COSE_Sign1 document whose
 * format docs/attestation.md specifies byte for byte.
 *
 * cc_prepare_ra_env() and cc_get_ra_report() (secGear's functions that make
 * a report for an enclave) are declared here once the enclave-side
 * attestation plumbing exists; the types below are already what
 * cc_verify_report() (sg_ra_report_verify.h) takes.
 */
#ifndef CGEAR_SG_RA_REPORT_H
#define CGEAR_SG_RA_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A byte buffer: a report, a nonce. */
typedef struct cc_ra_buf {
    uint32_t len;
    uint8_t *buf;
} cc_ra_buf_t;

/* Attestation scenarios. cgear has no attestation service: NO_AS only. */
typedef enum {
    CC_RA_SCENARIO_NO_AS,
} cc_ra_scenario_t;

#define MAX_NONCE_BUF_LEN 64

/* Input of cc_get_ra_report(): which enclave (taid), the verifier's nonce
 * (1..64 bytes), and secGear's with_tcb / req_key switches. */
typedef struct {
    uint8_t *taid;
    uint32_t nonce_len;
    uint8_t nonce[MAX_NONCE_BUF_LEN];
    bool with_tcb;
    bool req_key;
} cc_get_ra_report_input_t;

/* Forward declaration: the context from cc_enclave_create() (enclave.h). */
struct _enclave;

/**
 * cc_prepare_ra_env() - prepare the machine for remote attestation.
 * @scenario: CC_RA_SCENARIO_NO_AS (the only one: reports are signed by the
 *            local platform key, no attestation service).
 * Creates the platform (root secret, attestation key, self-signed
 * certificate) on first use; see docs/attestation.md.
 * Errors: CC_ERROR_RA_PRE_ENV_INPUT (unknown scenario), or the platform's
 * error (CC_ERROR_ACCESS_DENIED for a platform folder others can read...).
 */
cc_enclave_result_t cc_prepare_ra_env(cc_ra_scenario_t scenario);

/**
 * cc_get_ra_report() - an attestation report for an enclave of this process.
 * @in:     @in->taid names the enclave (its manifest name, NUL-terminated);
 *          NULL taid means the only enclave this process has. @in->nonce
 *          (@in->nonce_len bytes, up to MAX_NONCE_BUF_LEN) is bound into
 *          the report. with_tcb and req_key are accepted and ignored.
 * @report: @report->buf is a caller buffer of @report->len bytes; on success
 *          @report->len is set to the report's length.
 * The report is a COSE_Sign1 document signed by the platform's attestation
 * key, carrying the enclave's measurement, ELF hash, signer, engine, debug
 * flag, security version and the nonce (docs/attestation.md).
 * Errors: CC_ERROR_RA_GET_REPORT_INPUT (NULL or oversized input, unknown or
 * ambiguous taid), CC_ERROR_SHORT_BUFFER (@report->len too small; it is set
 * to the size needed), CC_ERROR_ENCLAVE_LOST, or the platform's error.
 */
cc_enclave_result_t cc_get_ra_report(cc_get_ra_report_input_t *in, cc_ra_buf_t *report);

/**
 * cgear_get_ra_report() - cc_get_ra_report() for a given enclave context,
 * with optional user data and public key bound into the report.
 * @enclave:    a context from cc_enclave_create().
 * @nonce, @nonce_len:           up to MAX_NONCE_BUF_LEN bytes (may be 0).
 * @user_data, @user_data_len:   up to 512 bytes, or NULL/0.
 * @public_key, @public_key_len: up to 1024 bytes, or NULL/0.
 * @report: as for cc_get_ra_report().
 * Errors: as cc_get_ra_report(), CC_ERROR_BAD_PARAMETERS for @enclave.
 */
cc_enclave_result_t cgear_get_ra_report(struct _enclave *enclave, const uint8_t *nonce, uint32_t nonce_len,
                                        const uint8_t *user_data, uint32_t user_data_len,
                                        const uint8_t *public_key, uint32_t public_key_len, cc_ra_buf_t *report);

#ifdef __cplusplus
}
#endif

#endif
