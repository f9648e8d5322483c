/*
 * attest.h - attestation reports: build, parse, verify.
 *
 * Host-side library `cgear_attest` (OpenSSL 3, libcbor). A report is a
 * COSE_Sign1 (RFC 9052) document signed ES384 by the platform's attestation
 * key, whose payload is a CBOR map following the AWS Nitro / QingTian
 * attestation document; docs/attestation.md gives every byte.
 *
 * Conventions as in image.h: functions return a cc_enclave_result_t and,
 * when @why is not NULL, write a one-line reason into @why[0..why_len).
 * Inputs are hostile: the parser reads nothing outside the buffer it is
 * given and bounds every length before use.
 */
#ifndef CGEAR_ATTEST_H
#define CGEAR_ATTEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "platform.h"
#include "sg_ra_report_verify.h"
#include "status.h"

#define CG_REPORT_MAX 65536u          /* a whole report, bytes */
#define CG_REPORT_HASH_LEN 48u        /* every PCR: SHA-384 */
#define CG_REPORT_MODULE_ID_MAX 63u   /* enclave name, as in the image manifest */
#define CG_REPORT_ENGINE_MAX 31u
#define CG_REPORT_NONCE_MAX 512u      /* nonce, user_data: Nitro's bounds */
#define CG_REPORT_USER_DATA_MAX 512u
#define CG_REPORT_PUBKEY_MAX 1024u
#define CG_REPORT_CERT_MAX 4096u      /* certificate and each cabundle entry */
#define CG_REPORT_CABUNDLE_MAX 8u
#define CG_REPORT_COSE_ALG_ES384 (-35)
#define CG_REPORT_FUTURE_SKEW_MS 60000u /* clocks may disagree this much */

/*
 * A report's fields. For cg_report_build() the caller fills them in; after
 * cg_report_parse() the pointers refer into the parsed buffer and live as
 * long as it does (nothing to free). A NULL byte-string pointer stands for
 * CBOR null (absent); a non-NULL one with length 0 for an empty string.
 */
struct cg_report {
    char module_id[CG_REPORT_MODULE_ID_MAX + 1]; /* enclave name, NUL-terminated */
    uint64_t timestamp_ms;                       /* UTC milliseconds since 1970 */
    uint8_t measurement[CG_REPORT_HASH_LEN];     /* PCR 0: image measurement */
    uint8_t runtime[CG_REPORT_HASH_LEN];         /* PCR 1: runtime / guest shim (zeros for now) */
    uint8_t elf_hash[CG_REPORT_HASH_LEN];        /* PCR 2: SHA-384 of the enclave ELF */
    uint8_t signer[CG_REPORT_HASH_LEN];          /* PCR 8: signer id (zeros: unsigned) */
    char engine[CG_REPORT_ENGINE_MAX + 1];       /* "process", "kvm" (cgear extension) */
    bool debug;                                  /* debug enclave (cgear extension) */
    uint32_t security_version;                   /* manifest's (cgear extension) */
    const uint8_t *nonce;
    size_t nonce_len;
    const uint8_t *user_data;
    size_t user_data_len;
    const uint8_t *public_key;
    size_t public_key_len;
    const uint8_t *certificate; /* DER X.509 of the signing platform key */
    size_t certificate_len;
    size_t cabundle_count;      /* DER certificates from the root CA down */
    const uint8_t *cabundle[CG_REPORT_CABUNDLE_MAX];
    size_t cabundle_len[CG_REPORT_CABUNDLE_MAX];
    /* Set by cg_report_parse() only: the signed parts as they are in the buffer. */
    const uint8_t *protected_hdr;
    size_t protected_len;
    const uint8_t *payload;
    size_t payload_len;
    const uint8_t *signature; /* CG_ES384_SIG_LEN bytes, r || s */
};

/** cg_now_ms() - the current UTC time in milliseconds (CLOCK_REALTIME). */
uint64_t cg_now_ms(void);

/**
 * cg_report_build() - encode and sign a report.
 * @f:   the fields; module_id and engine non-empty, every length within the
 *       CG_REPORT_* bounds (what cg_report_parse() accepts), certificate
 *       present. The protected_hdr/payload/signature members are ignored.
 * @key: the EC P-384 private key of @f->certificate.
 * @out/@out_len: receive a malloc()ed report; the caller frees it.
 * Errors: CC_ERROR_BAD_PARAMETERS (a field out of bounds, key not P-384),
 * CC_ERROR_OUT_OF_MEMORY, CC_ERROR_GENERIC (OpenSSL or libcbor failure).
 */
cc_enclave_result_t cg_report_build(const struct cg_report *f, EVP_PKEY *key, uint8_t **out, size_t *out_len,
                                    char *why, size_t why_len);

/**
 * cg_report_set_request() - point @f's nonce, user data and public key at
 * the bytes of a report request (struct cg_sys_report_req and its bytes,
 * src/abi/sys_ocall.h) already checked by cg_report_request_check(); they
 * live as long as @req.
 */
void cg_report_set_request(struct cg_report *f, const uint8_t *req);

/**
 * cg_report_build_platform() - cg_report_build() signed by platform @p with
 * its certificate (and an empty cabundle: the dev platform is self-signed);
 * @f's certificate and cabundle are ignored.
 */
cc_enclave_result_t cg_report_build_platform(const struct cg_report *f, const struct cg_platform *p, uint8_t **out,
                                             size_t *out_len, char *why, size_t why_len);

/**
 * cg_report_parse() - decode a report and check its structure: one
 * untagged COSE_Sign1 array (no CBOR tag), protected header exactly
 * {1: -35}, empty unprotected header, a 96-byte signature, and a payload map
 * with every field of docs/attestation.md exactly once, of the right type
 * and within bounds, no other field, definite lengths only, nothing after
 * the document. Does NOT check the signature.
 * Errors: CC_ERROR_RA_REPORT_VERIFY_FAILED (malformed, with the first
 * problem in @why), CC_ERROR_RA_REPORT_VERIFY_INPUT (NULL).
 */
cc_enclave_result_t cg_report_parse(const uint8_t *buf, size_t len, struct cg_report *r, char *why, size_t why_len);

/**
 * cg_report_check_signature() - does the signature of a parsed report
 * verify, with the public key of its own certificate, over the COSE
 * Sig_structure ["Signature1", protected, h'', payload]?
 * Errors: CC_ERROR_RA_REPORT_VERIFY_SIGNATURE (does not verify),
 * CC_ERROR_RA_REPORT_VERIFY_FAILED (the certificate does not parse or its
 * key is not P-384), CC_ERROR_RA_MEMORY.
 */
cc_enclave_result_t cg_report_check_signature(const struct cg_report *r, char *why, size_t why_len);

/**
 * cg_report_check_chain() - does the report's certificate chain, through its
 * cabundle as intermediates, to one of @trusted (X.509 path validation by
 * OpenSSL at the current time; a trusted certificate may itself be the
 * report's certificate or an intermediate: partial chains are accepted)?
 * Errors: CC_ERROR_RA_REPORT_VERIFY_CERT, CC_ERROR_RA_MEMORY.
 */
cc_enclave_result_t cg_report_check_chain(const struct cg_report *r, STACK_OF(X509) *trusted, char *why,
                                          size_t why_len);

/* ---- policies (base values) ---------------------------------------------- */

#define CG_POLICY_MAX_REFS 32u
#define CG_POLICY_DEFAULT_MAX_AGE_S 300u

/* One secGear base-value line: `taid img_hash mem_hash`. */
struct cg_policy_ref {
    char taid[CG_REPORT_MODULE_ID_MAX + 1]; /* compared with module_id; "*" any */
    uint8_t img_hash[CG_REPORT_HASH_LEN];   /* PCR 0 */
    uint8_t mem_hash[CG_REPORT_HASH_LEN];   /* PCR 2, compared in STRICT mode */
};

/* What a verifier accepts. cg_policy_init() gives the defaults. */
struct cg_attest_policy {
    bool secgear_format;                     /* read from secGear lines (refs) */
    size_t nrefs;
    struct cg_policy_ref refs[CG_POLICY_MAX_REFS];
    char module_id[CG_REPORT_MODULE_ID_MAX + 1]; /* cgear: "" any */
    size_t nmeasurements;                    /* cgear: any of these (0: not checked) */
    uint8_t measurements[CG_POLICY_MAX_REFS][CG_REPORT_HASH_LEN];
    bool has_signer;
    uint8_t signer[CG_REPORT_HASH_LEN];
    bool has_elf_hash;
    uint8_t elf_hash[CG_REPORT_HASH_LEN];
    bool has_runtime;
    uint8_t runtime[CG_REPORT_HASH_LEN];
    uint32_t min_security_version;
    bool debug_allowed;                      /* default false: production only */
    uint64_t max_age_s;                      /* 0: no limit; default 300 */
    char platform_cert[PATH_MAX];            /* trusted certificate file; "": the local platform's */
};

/** cg_policy_init() - the defaults: nothing accepted yet, production only,
 * 300 s maximum age, the local platform's certificate trusted. */
void cg_policy_init(struct cg_attest_policy *p);

/**
 * cg_policy_parse() - read a base-value file's text into @p (initialised
 * here). A text whose first line that is neither blank nor a `#` comment
 * contains `=` is a cgear policy, otherwise secGear base-value lines; both
 * are specified in docs/attestation.md. Relative `platform_cert` paths are
 * taken from @base_dir (NULL: the current folder).
 * Errors: CC_ERROR_RA_REPORT_VERIFY_INPUT with "line N: ..." in @why.
 */
cc_enclave_result_t cg_policy_parse(const char *text, size_t len, const char *base_dir, struct cg_attest_policy *p,
                                    char *why, size_t why_len);

/**
 * cg_policy_load() - cg_policy_parse() of the file @path (at most 64 KiB),
 * relative platform_cert paths being taken from the file's folder.
 * Errors: CC_ERROR_RA_REPORT_VERIFY_INPUT.
 */
cc_enclave_result_t cg_policy_load(const char *path, struct cg_attest_policy *p, char *why, size_t why_len);

/**
 * cg_attest_verify() - the whole verification cc_verify_report() does:
 * parse, signature, certificate chain (to @p->platform_cert, or the local
 * platform's certificate), nonce (@nonce/@nonce_len must equal the
 * report's; NULL matches only a report without nonce), freshness against
 * @now_ms, debug, then the identity checks of @p with @type.
 * @out:  if not NULL, receives the parsed report (pointers into @buf) even
 *        when a check after parsing fails, so a caller can show it.
 * Errors: as cc_verify_report() (sg_ra_report_verify.h), one code per check.
 */
cc_enclave_result_t cg_attest_verify(const uint8_t *buf, size_t len, const uint8_t *nonce, size_t nonce_len,
                                     cc_ra_verify_type_t type, const struct cg_attest_policy *p, uint64_t now_ms,
                                     struct cg_report *out, char *why, size_t why_len);

#endif
