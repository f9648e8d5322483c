/*
 * secgear_dataseal.h - sealing: encrypt data so that only this enclave (or,
 * on request, any enclave of the same signer) on this platform can decrypt
 * it again, even after a restart. Enclave side only.
 *
 * secGear-compatible names and semantics. In cgear a sealed blob is
 * AES-256-GCM (BearSSL) under a key the host runtime derives from the
 * platform's root secret and the enclave's identity, with a random 96-bit
 * IV; the additional text and the blob's header are authenticated, not
 * encrypted. The byte layout of data_body is in docs/sealing.md.
 *
 * Key policies:
 *   CGEAR_SEAL_POLICY_MEASUREMENT (default, like SGX MRENCLAVE): only an
 *       enclave with the same image measurement, on the same platform,
 *       unseals.
 *   CGEAR_SEAL_POLICY_SIGNER (like MRSIGNER, cgear_seal_data_ex()): any
 *       enclave signed by the same key, on the same platform, unseals.
 * The policy is recorded in the blob; cc_enclave_unseal_data() picks the
 * key from it.
 *
 * Errors common to sealing and unsealing:
 *   CC_ERROR_NOT_SUPPORTED  the enclave received no key block, or no sealing
 *                           keys (no platform was available to the host),
 *                           or the signer policy was asked of an unsigned
 *                           enclave. Debug enclaves log why (PrintInfo).
 *   CC_ERROR_OUT_OF_MEMORY  the enclave heap is exhausted (a working copy
 *                           of the blob is made in enclave memory).
 *
 * All buffers may be in enclave or host memory: the functions work on a
 * private copy and never write unauthenticated plaintext anywhere else.
 */
#ifndef CGEAR_SECGEAR_DATASEAL_H
#define CGEAR_SECGEAR_DATASEAL_H

#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A sealed blob: data_body_len bytes of data_body follow the header. The
 * whole blob is sizeof(cc_enclave_sealed_data_t) + data_body_len bytes
 * (sizeof is 20) and may be stored anywhere, copied byte for byte. */
typedef struct _enclave_sealed_data_t {
    uint32_t data_body_len; /* bytes in data_body */
    uint8_t reserved[16];   /* zero; authenticated */
    uint8_t data_body[];    /* see docs/sealing.md */
} cc_enclave_sealed_data_t;

/* cgear extension: key policies (same values as the host's platform.h). */
#define CGEAR_SEAL_POLICY_MEASUREMENT 1u
#define CGEAR_SEAL_POLICY_SIGNER 2u

/**
 * cc_enclave_get_sealed_data_size() - bytes to allocate for a sealed blob.
 * @add_len:       additional text length (authenticated, not encrypted)
 * @seal_data_len: length of the data to encrypt
 * Return: sizeof(cc_enclave_sealed_data_t) + the body size, i.e. the value
 * to pass as sealed_data_len; UINT32_MAX when that does not fit in 32 bits.
 */
uint32_t cc_enclave_get_sealed_data_size(uint32_t add_len, uint32_t seal_data_len);

/**
 * cc_enclave_seal_data() - seal under the measurement policy.
 * @seal_data:           the data to encrypt (may be NULL when @seal_data_len is 0)
 * @seal_data_len:       its length
 * @sealed_data:         receives the blob
 * @sealed_data_len:     size of @sealed_data in bytes; at least
 *                       cc_enclave_get_sealed_data_size(@additional_text_len,
 *                       @seal_data_len). Only that many bytes are written.
 * @additional_text:     authenticated, stored in clear (may be NULL when
 *                       @additional_text_len is 0)
 * @additional_text_len: its length
 * Return: CC_SUCCESS;
 *   CC_ERROR_BAD_PARAMETERS  @sealed_data is NULL, or a NULL buffer with a
 *                            non-zero length;
 *   CC_ERROR_OVERFLOW        the blob would exceed UINT32_MAX bytes;
 *   CC_ERROR_SHORT_BUFFER    @sealed_data_len is too small (nothing written);
 *   CC_ERROR_GENERIC         no random IV could be drawn;
 *   and the common errors above. On failure @sealed_data is not written.
 */
cc_enclave_result_t cc_enclave_seal_data(uint8_t *seal_data, uint32_t seal_data_len,
                                         cc_enclave_sealed_data_t *sealed_data, uint32_t sealed_data_len,
                                         uint8_t *additional_text, uint32_t additional_text_len);

/**
 * cgear_seal_data_ex() - cgear extension: cc_enclave_seal_data() with a
 * chosen key @policy, CGEAR_SEAL_POLICY_MEASUREMENT or
 * CGEAR_SEAL_POLICY_SIGNER. Same parameters and errors, plus
 * CC_ERROR_BAD_PARAMETERS for an unknown @policy and CC_ERROR_NOT_SUPPORTED
 * for the signer policy in an enclave whose image is not signed.
 */
cc_enclave_result_t cgear_seal_data_ex(const uint8_t *seal_data, uint32_t seal_data_len,
                                       cc_enclave_sealed_data_t *sealed_data, uint32_t sealed_data_len,
                                       const uint8_t *additional_text, uint32_t additional_text_len,
                                       uint32_t policy);

/**
 * cc_enclave_unseal_data() - check and decrypt a blob.
 * @sealed_data:         the blob; it must hold at least
 *                       sizeof(cc_enclave_sealed_data_t) + data_body_len
 *                       readable bytes (check that against the size of
 *                       your buffer before calling: the API cannot)
 * @decrypted_data:      receives the data (may be NULL if it is empty)
 * @decrypted_data_len:  in: size of @decrypted_data; out: the data length
 * @additional_text:     receives the additional text (may be NULL if empty)
 * @additional_text_len: in: size of @additional_text; out: its length.
 *                       May be NULL: the additional text is then still
 *                       authenticated but not returned.
 * Nothing is written to @decrypted_data or @additional_text unless the
 * blob authenticates. On CC_ERROR_SHORT_BUFFER the lengths receive the
 * sizes needed.
 * Return: CC_SUCCESS;
 *   CC_ERROR_BAD_PARAMETERS  @sealed_data or @decrypted_data_len is NULL;
 *   CC_ERROR_BAD_FORMAT      not a cgear sealed blob: wrong magic, unknown
 *                            format version or policy, or lengths that do
 *                            not add up to data_body_len (a truncated blob,
 *                            lengths that would overflow);
 *   CC_ERROR_SHORT_BUFFER    an output buffer is too small or NULL;
 *   CC_ERROR_MAC_INVALID     the blob does not authenticate: a byte was
 *                            changed, or it was sealed by another enclave
 *                            (measurement policy), another signer (signer
 *                            policy) or on another platform;
 *   and the common errors above.
 */
cc_enclave_result_t cc_enclave_unseal_data(cc_enclave_sealed_data_t *sealed_data, uint8_t *decrypted_data,
                                           uint32_t *decrypted_data_len, uint8_t *additional_text,
                                           uint32_t *additional_text_len);

/**
 * cc_enclave_get_encrypted_text_size() - length of the sealed data in a
 * blob (what cc_enclave_unseal_data() needs in @decrypted_data_len).
 * Reads the header only: the blob is not authenticated by this call.
 * Return: the length; UINT32_MAX if @sealed_data is NULL or not a
 * well-formed cgear blob (as CC_ERROR_BAD_FORMAT above).
 */
uint32_t cc_enclave_get_encrypted_text_size(const cc_enclave_sealed_data_t *sealed_data);

/**
 * cc_enclave_get_add_text_size() - length of the additional text in a
 * blob. Header only, not authenticated by this call.
 * Return: the length; UINT32_MAX if @sealed_data is NULL or malformed.
 */
uint32_t cc_enclave_get_add_text_size(const cc_enclave_sealed_data_t *sealed_data);

#ifdef __cplusplus
}
#endif
#endif
