/*
 * platform.h - the platform's keys: root secret and attestation key.
 *
 * Host-side library `cgear_platform` (OpenSSL 3). A "platform" is a folder
 * holding three files, each mode 0600 in a 0700 folder:
 *
 *   root.key          32 random bytes: the root secret sealing keys derive from
 *   attest-key.pem    the ECDSA P-384 attestation key (PKCS#8 PEM)
 *   attest-cert.pem   its self-signed X.509 certificate (PEM)
 *
 * The folder is $CGEAR_PLATFORM_DIR when set (a system install points it at
 * a root-only /var/lib/cgear/platform), else $XDG_DATA_HOME/cgear/platform,
 * else ~/.local/share/cgear/platform: the per-user "dev platform". It is
 * created on first use; docs/attestation.md describes it.
 *
 * Conventions as in image.h: functions return a cc_enclave_result_t and,
 * when @why is not NULL, write a one-line reason into @why[0..why_len).
 */
#ifndef CGEAR_PLATFORM_H
#define CGEAR_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "status.h"

#define CG_PLATFORM_ROOT_LEN 32u   /* root secret */
#define CG_PLATFORM_ID_LEN 48u     /* a measurement or a signer id (SHA-384) */
#define CG_ES384_SIG_LEN 96u       /* raw r || s, 48 bytes each (COSE ES384) */
#define CG_PLATFORM_SEAL_KEY_LEN 32u

#define CG_PLATFORM_ENV "CGEAR_PLATFORM_DIR"
#define CG_PLATFORM_ROOT_FILE "root.key"
#define CG_PLATFORM_KEY_FILE "attest-key.pem"
#define CG_PLATFORM_CERT_FILE "attest-cert.pem"

/* Sealing key policies (the byte HKDF binds; secGear's MRENCLAVE/MRSIGNER). */
#define CG_SEAL_POLICY_MEASUREMENT 1u /* only the same image (measurement) unseals */
#define CG_SEAL_POLICY_SIGNER 2u      /* any image of the same signer unseals */
#define CG_SEAL_KEY_DEBUG 0x80u       /* or'ed into the policy byte: a debug enclave's key */

/* HKDF labels (salts) so that keys for different purposes never coincide. */
#define CG_PLATFORM_LABEL_SEAL "cgear-seal-v1"
#define CG_PLATFORM_LABEL_REPORT "cgear-report-v1"
#define CG_INSTANCE_LEN 16u /* random id of one launch of an enclave */

/* An open platform: its folder, root secret, key and certificate. */
struct cg_platform;

/**
 * cg_platform_default_dir() - the folder the platform lives in, from the
 * environment (see the top of this file), into @out[0..cap).
 * Errors: CC_ERROR_INVALID_PATH (no usable variable and no home folder, or
 * the path does not fit).
 */
cc_enclave_result_t cg_platform_default_dir(char *out, size_t cap, char *why, size_t why_len);

/**
 * cg_platform_open() - load the platform in @dir (NULL: the default folder).
 * @create:  when the folder holds no platform at all, make one (folders
 *           0700 as needed, files 0600, new root secret, new key, self-signed
 *           certificate valid 20 years). Creation holds an flock() on
 *           @dir/.lock so two first uses at once make one platform.
 * @created: if not NULL, set to whether this call made the platform.
 * @out:     receives the platform; cg_platform_close() it.
 * Refuses (CC_ERROR_ACCESS_DENIED) a folder writable by group/others or a
 * file readable or writable by them, or not owned by the caller: a secret
 * others can read is not a secret. A platform with only some of its files
 * is refused (CC_ERROR_BAD_FORMAT), never regenerated: a new root secret
 * would make every sealed blob unreadable.
 * Errors: CC_ERROR_INVALID_PATH (no platform and !@create, or a folder or
 * file cannot be made or read); CC_ERROR_BAD_FORMAT (a file is malformed,
 * the key is not P-384 or does not match the certificate);
 * CC_ERROR_GENERIC (OpenSSL).
 */
cc_enclave_result_t cg_platform_open(const char *dir, bool create, struct cg_platform **out, bool *created, char *why,
                                     size_t why_len);

/** cg_platform_close() - wipe the root secret and free @p (NULL is fine). */
void cg_platform_close(struct cg_platform *p);

/** cg_platform_dir() - the folder @p was loaded from. */
const char *cg_platform_dir(const struct cg_platform *p);

/** cg_platform_key() - the attestation key (borrowed: do not free). */
EVP_PKEY *cg_platform_key(const struct cg_platform *p);

/** cg_platform_cert() - the attestation certificate (borrowed: do not free). */
X509 *cg_platform_cert(const struct cg_platform *p);

/**
 * cg_platform_cert_der() - the certificate in DER into a malloc()ed
 * *@der of *@len bytes (free() it).
 * Errors: CC_ERROR_OUT_OF_MEMORY, CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_platform_cert_der(const struct cg_platform *p, uint8_t **der, size_t *len);

/**
 * cg_platform_read_cert() - read only the certificate of the platform in
 * @dir (NULL: default folder), creating nothing: what a verifier on the
 * same machine trusts by default. *@out is X509_free()d by the caller.
 * Errors: CC_ERROR_INVALID_PATH (absent or unreadable), CC_ERROR_BAD_FORMAT.
 */
cc_enclave_result_t cg_platform_read_cert(const char *dir, X509 **out, char *why, size_t why_len);

/**
 * cg_hkdf_sha256() - HKDF-SHA256 (RFC 5869) with input key @ikm, salt
 * @label (its bytes without the NUL) and info @info, @out_len bytes into
 * @out (1..255*32). Exposed for the tests and for the enclave side, which
 * must derive the same keys with another implementation.
 * Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const char *label, const uint8_t *info,
                                   size_t info_len, uint8_t *out, size_t out_len);

/**
 * cg_platform_derive() - a key derived from the root secret:
 * HKDF-SHA256(ikm = root secret, salt = @label, info = @info).
 * Different labels or infos give independent keys.
 */
cc_enclave_result_t cg_platform_derive(const struct cg_platform *p, const char *label, const uint8_t *info,
                                       size_t info_len, uint8_t *out, size_t out_len);

struct cg_enclave_keys; /* src/abi/enclave_keys.h */

/**
 * cg_platform_key_block() - fill the key block of an enclave (identity and,
 * when @p is not NULL, its sealing keys, a fresh random instance and its
 * report key; CG_KEYS_F_PLATFORM says which).
 * @measurement: the verified image measurement.
 * @signer:      the signer id, or NULL for an unsigned image.
 * @debug:       the enclave runs as a debug enclave (other sealing keys).
 * Errors: CC_ERROR_BAD_PARAMETERS, or the derivation's (then @k holds the
 * identity only). Wipe @k after use.
 */
cc_enclave_result_t cg_platform_key_block(const struct cg_platform *p, const uint8_t measurement[CG_PLATFORM_ID_LEN],
                                          const uint8_t *signer, uint32_t security_version, bool debug,
                                          struct cg_enclave_keys *k);

/**
 * cg_platform_report_key() - the key an enclave authenticates its report
 * requests with: cg_platform_derive(CG_PLATFORM_LABEL_REPORT, info = debug
 * (1 byte, 0 or 1) || @measurement || @instance).
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL), CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_platform_report_key(const struct cg_platform *p, const uint8_t measurement[CG_PLATFORM_ID_LEN],
                                           bool debug, const uint8_t instance[CG_INSTANCE_LEN],
                                           uint8_t key[CG_PLATFORM_SEAL_KEY_LEN]);

/**
 * cg_report_request_check() - check a report request (src/abi/sys_ocall.h,
 * struct cg_sys_report_req and its bytes) for the enclave of verified
 * @measurement and @debug flag: version, lengths within their limits and
 * adding up to @len exactly, and, when it carries an instance and a MAC,
 * the MAC under the report key (constant-time comparison).
 * @from_enclave: set to whether the MAC was present (and valid).
 * Errors: CC_ERROR_BAD_PARAMETERS (malformed), CC_ERROR_ACCESS_DENIED (a MAC
 * that does not match: not made by this enclave on this platform),
 * CC_ERROR_GENERIC. @why says which.
 */
cc_enclave_result_t cg_report_request_check(const struct cg_platform *p, const uint8_t measurement[CG_PLATFORM_ID_LEN],
                                            bool debug, const uint8_t *req, size_t len, bool *from_enclave, char *why,
                                            size_t why_len);

/**
 * cg_platform_seal_key() - the 32-byte sealing key of an enclave:
 * cg_platform_derive(CG_PLATFORM_LABEL_SEAL, info = @policy (1 byte) || @id
 * (48 bytes)), @id being the measurement for CG_SEAL_POLICY_MEASUREMENT or
 * the signer id for CG_SEAL_POLICY_SIGNER. A debug enclave's keys have
 * CG_SEAL_KEY_DEBUG or'ed into @policy, so that data sealed in production
 * cannot be opened by the same image started in debug mode (SGX does the
 * same through the DEBUG attribute).
 * Errors: CC_ERROR_BAD_PARAMETERS (unknown policy), CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_platform_seal_key(const struct cg_platform *p, uint8_t policy,
                                         const uint8_t id[CG_PLATFORM_ID_LEN], uint8_t key[CG_PLATFORM_SEAL_KEY_LEN]);

/**
 * cg_es384_sign() - ECDSA P-384 with SHA-384 over @msg by @key, as COSE
 * ES384 wants it: the raw 96-byte r || s (each big-endian, left-padded).
 * Errors: CC_ERROR_BAD_PARAMETERS (not a P-384 private key), CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_es384_sign(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t sig[CG_ES384_SIG_LEN]);

/**
 * cg_es384_verify() - check a raw r || s ES384 signature over @msg by @key.
 * Errors: CC_ERROR_SIGNATURE_INVALID (does not verify, r or s out of range,
 * key not P-384), CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_es384_verify(EVP_PKEY *key, const uint8_t *msg, size_t len,
                                    const uint8_t sig[CG_ES384_SIG_LEN]);

/** cg_platform_sign() - cg_es384_sign() with the platform's attestation key. */
cc_enclave_result_t cg_platform_sign(const struct cg_platform *p, const uint8_t *msg, size_t len,
                                     uint8_t sig[CG_ES384_SIG_LEN]);

/** cg_key_is_p384() - is @key an EC key on P-384 (secp384r1)? */
bool cg_key_is_p384(EVP_PKEY *key);

#endif
