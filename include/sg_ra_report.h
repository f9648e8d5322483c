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

#ifdef __cplusplus
}
#endif

#endif
