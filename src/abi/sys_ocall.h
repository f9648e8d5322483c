/*
 * sys_ocall.h - OCALLs the enclave runtime itself makes to the host
 * runtime ("system" OCALLs), as opposed to the EDL's untrusted functions.
 *
 * They travel as ordinary OCALL messages on the calling thread's slot, with
 * function ids from CG_SYS_OCALL_BASE up, which no EDL can reach (an EDL's
 * OCALL ids are its declaration indexes). No ECALL may start inside one:
 * the enclave runtime's allow() check refuses every id past the EDL's.
 * Both sides treat the other as hostile: every length is checked.
 */
#ifndef CGEAR_SYS_OCALL_H
#define CGEAR_SYS_OCALL_H

#include <stdint.h>

#define CG_SYS_OCALL_BASE 0xffff0000u

/* An attestation report on the calling enclave, binding what it asks for.
 * Request: struct cg_sys_report_req, then nonce, user data, public key,
 * back to back. Response: the report (COSE_Sign1) and nothing else.
 *
 * The enclave authenticates its request: @mac is HMAC-SHA256 under the
 * report key of its key block (enclave_keys.h) over the whole request with
 * @mac set to zeros. Whoever signs (the host runtime on a development
 * platform, cgear-launcher on a system platform) derives the same key from
 * the platform root, the measurement it verified, the debug flag and
 * @instance, and refuses a request whose MAC does not match: the host
 * cannot ask for a report binding a key of its own in the enclave's name.
 * The same layout with @instance and @mac zero is a request made by the
 * host itself (cc_get_ra_report()); on a system platform such a request
 * may carry a nonce only. */
#define CG_SYS_OCALL_REPORT (CG_SYS_OCALL_BASE + 1u)

#define CG_SYS_REPORT_VERSION 2u

struct cg_sys_report_req {
    uint32_t version;        /* CG_SYS_REPORT_VERSION */
    uint32_t nonce_len;      /* 0..64 (MAX_NONCE_BUF_LEN) */
    uint32_t user_data_len;  /* 0..512 */
    uint32_t public_key_len; /* 0..1024 */
    uint8_t instance[16];    /* the enclave's key block instance; zero: host request */
    uint8_t mac[32];         /* HMAC-SHA256(report key, request with mac zeroed); zero: host request */
};

_Static_assert(sizeof(struct cg_sys_report_req) == 64, "report request layout");

#endif
