/*
 * seal.c - secgear_dataseal.h: AES-256-GCM sealing with BearSSL under the
 * keys of the enclave's key block. The byte layout is docs/sealing.md.
 *
 * Everything is done on a private copy in enclave memory: the caller's
 * buffers may be host memory that changes under us, so every header field
 * is used from the copy only, and plaintext is written out only after the
 * tag has been checked.
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "keys.h"
#include "cgear_edge.h"
#include "secgear_dataseal.h"
#include "secgear_log.h"
#include "secgear_random.h"

/* data_body layout, version 1 (docs/sealing.md). */
#define SEAL_MAGIC "CGSL"
#define SEAL_VERSION 1u
#define OFF_MAGIC 0u
#define OFF_VERSION 4u
#define OFF_POLICY 5u
#define OFF_RSV 6u /* 2 bytes, zero */
#define OFF_IV 8u
#define OFF_ADD_LEN 20u
#define OFF_ENC_LEN 24u
#define BODY_HDR 28u
#define IV_LEN 12u
#define TAG_LEN 16u
#define OUTER_HDR ((uint32_t)sizeof(cc_enclave_sealed_data_t)) /* 20 */
#define KEY_LEN 32u

_Static_assert(sizeof(cc_enclave_sealed_data_t) == 20, "sealed blob header");

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The whole blob size for these lengths, in 64 bits (never wraps). */
static uint64_t blob_size(uint32_t add_len, uint32_t data_len)
{
    return (uint64_t)OUTER_HDR + BODY_HDR + TAG_LEN + add_len + data_len;
}

uint32_t cc_enclave_get_sealed_data_size(uint32_t add_len, uint32_t seal_data_len)
{
    uint64_t n = blob_size(add_len, seal_data_len);
    return n >= UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* Copy the sealing key of @policy into @key, or say why there is none. */
static cc_enclave_result_t get_key(uint32_t policy, uint8_t key[KEY_LEN])
{
    const struct cg_enclave_keys *k = cg_trts_keys();
    if (k == NULL) {
        PrintInfo(PRINT_WARNING, "sealing is not available: %s", cg_trts_keys_missing_reason());
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (!(k->flags & CG_KEYS_F_PLATFORM)) {
        PrintInfo(PRINT_WARNING, "sealing is not available: the host had no platform to derive sealing keys from");
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (policy == CGEAR_SEAL_POLICY_MEASUREMENT) {
        memcpy(key, k->seal_measurement, KEY_LEN);
        return CC_SUCCESS;
    }
    if (!(k->flags & CG_KEYS_F_SIGNED)) {
        PrintInfo(PRINT_WARNING, "the signer sealing policy is not available: the enclave image is not signed");
        return CC_ERROR_NOT_SUPPORTED;
    }
    memcpy(key, k->seal_signer, KEY_LEN);
    return CC_SUCCESS;
}

/* AES-256-GCM over a blob in enclave memory @b of @total bytes whose
 * header is filled in: encrypt (or decrypt) the data in place and write
 * (or check) the tag. AES-NI and PCLMULQDQ when the CPU has them, else
 * BearSSL's constant-time ct64 / ctmul64. Returns 1 on success (always
 * when encrypting; tag matches when decrypting). */
static int gcm(const uint8_t key[KEY_LEN], uint8_t *b, uint32_t add_len, uint32_t data_len, int encrypt)
{
    br_aes_gen_ctr_keys aes;
    br_gcm_context gc;
    const br_block_ctr_class *ni = br_aes_x86ni_ctr_get_vtable();
    if (ni != NULL)
        ni->init(&aes.vtable, key, KEY_LEN);
    else
        br_aes_ct64_ctr_init(&aes.c_ct64, key, KEY_LEN);
    br_ghash gh = br_ghash_pclmul_get();
    if (gh == 0)
        gh = br_ghash_ctmul64;
    br_gcm_init(&gc, &aes.vtable, gh);

    uint8_t *body = b + OUTER_HDR;
    uint8_t *data = body + BODY_HDR + add_len;
    uint8_t *tag = data + data_len;
    br_gcm_reset(&gc, body + OFF_IV, IV_LEN);
    /* authenticated: the outer header, the body header, the additional text */
    br_gcm_aad_inject(&gc, b, (size_t)OUTER_HDR + BODY_HDR + add_len);
    br_gcm_flip(&gc);
    br_gcm_run(&gc, encrypt, data, data_len);
    int ok = 1;
    if (encrypt)
        br_gcm_get_tag(&gc, tag);
    else
        ok = br_gcm_check_tag(&gc, tag) == 1;
    explicit_bzero(&gc, sizeof(gc));
    explicit_bzero(&aes, sizeof(aes));
    return ok;
}

cc_enclave_result_t cgear_seal_data_ex(const uint8_t *seal_data, uint32_t seal_data_len,
                                       cc_enclave_sealed_data_t *sealed_data, uint32_t sealed_data_len,
                                       const uint8_t *additional_text, uint32_t additional_text_len,
                                       uint32_t policy)
{
    if (sealed_data == NULL || (seal_data == NULL && seal_data_len != 0) ||
        (additional_text == NULL && additional_text_len != 0))
        return CC_ERROR_BAD_PARAMETERS;
    if (policy != CGEAR_SEAL_POLICY_MEASUREMENT && policy != CGEAR_SEAL_POLICY_SIGNER)
        return CC_ERROR_BAD_PARAMETERS;
    uint64_t total = blob_size(additional_text_len, seal_data_len);
    if (total >= UINT32_MAX)
        return CC_ERROR_OVERFLOW;
    if (sealed_data_len < total)
        return CC_ERROR_SHORT_BUFFER;

    uint8_t key[KEY_LEN];
    cc_enclave_result_t rc = get_key(policy, key);
    if (rc != CC_SUCCESS)
        return rc;

    uint8_t *b = cg_msg_alloc((size_t)total); /* per-thread cache: no mmap per call */
    if (b == NULL) {
        explicit_bzero(key, sizeof(key));
        return CC_ERROR_OUT_OF_MEMORY;
    }
    uint32_t body_len = (uint32_t)(total - OUTER_HDR);
    uint8_t *body = b + OUTER_HDR;
    memset(b, 0, OUTER_HDR + BODY_HDR);
    memcpy(b, &body_len, sizeof(body_len)); /* data_body_len, native (little-endian) */
    memcpy(body + OFF_MAGIC, SEAL_MAGIC, 4);
    body[OFF_VERSION] = SEAL_VERSION;
    body[OFF_POLICY] = (uint8_t)policy;
    put_le32(body + OFF_ADD_LEN, additional_text_len);
    put_le32(body + OFF_ENC_LEN, seal_data_len);
    if (additional_text_len)
        memcpy(body + BODY_HDR, additional_text, additional_text_len);
    if (seal_data_len)
        memcpy(body + BODY_HDR + additional_text_len, seal_data, seal_data_len);
    rc = cc_enclave_generate_random(body + OFF_IV, IV_LEN);
    if (rc == CC_SUCCESS) {
        gcm(key, b, additional_text_len, seal_data_len, 1);
        memcpy(sealed_data, b, (size_t)total);
    } else {
        rc = CC_ERROR_GENERIC;
    }
    explicit_bzero(key, sizeof(key));
    explicit_bzero(b, (size_t)total);
    cg_msg_free(b);
    return rc;
}

cc_enclave_result_t cc_enclave_seal_data(uint8_t *seal_data, uint32_t seal_data_len,
                                         cc_enclave_sealed_data_t *sealed_data, uint32_t sealed_data_len,
                                         uint8_t *additional_text, uint32_t additional_text_len)
{
    return cgear_seal_data_ex(seal_data, seal_data_len, sealed_data, sealed_data_len, additional_text,
                              additional_text_len, CGEAR_SEAL_POLICY_MEASUREMENT);
}

/* Check the header of a blob whose first OUTER_HDR + BODY_HDR bytes are
 * at @b (data_body_len @body_len, read once by the caller): magic,
 * version, policy, reserved bytes, and lengths that add up exactly. */
static cc_enclave_result_t parse(const uint8_t *b, uint32_t body_len, uint32_t *add_len, uint32_t *enc_len)
{
    if (body_len < BODY_HDR + TAG_LEN)
        return CC_ERROR_BAD_FORMAT;
    const uint8_t *body = b + OUTER_HDR;
    if (memcmp(body + OFF_MAGIC, SEAL_MAGIC, 4) != 0 || body[OFF_VERSION] != SEAL_VERSION ||
        (body[OFF_POLICY] != CGEAR_SEAL_POLICY_MEASUREMENT && body[OFF_POLICY] != CGEAR_SEAL_POLICY_SIGNER) ||
        body[OFF_RSV] != 0 || body[OFF_RSV + 1] != 0)
        return CC_ERROR_BAD_FORMAT;
    *add_len = get_le32(body + OFF_ADD_LEN);
    *enc_len = get_le32(body + OFF_ENC_LEN);
    if ((uint64_t)BODY_HDR + TAG_LEN + *add_len + *enc_len != body_len)
        return CC_ERROR_BAD_FORMAT;
    return CC_SUCCESS;
}

/* Header fields straight from the caller's blob: for the size getters. */
static cc_enclave_result_t peek(const cc_enclave_sealed_data_t *s, uint32_t *add_len, uint32_t *enc_len)
{
    if (s == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    uint8_t hdr[OUTER_HDR + BODY_HDR];
    uint32_t body_len;
    memcpy(&body_len, &s->data_body_len, sizeof(body_len));
    if (body_len < BODY_HDR + TAG_LEN)
        return CC_ERROR_BAD_FORMAT;
    memcpy(hdr, s, sizeof(hdr));
    return parse(hdr, body_len, add_len, enc_len);
}

uint32_t cc_enclave_get_encrypted_text_size(const cc_enclave_sealed_data_t *sealed_data)
{
    uint32_t a, e;
    return peek(sealed_data, &a, &e) == CC_SUCCESS ? e : UINT32_MAX;
}

uint32_t cc_enclave_get_add_text_size(const cc_enclave_sealed_data_t *sealed_data)
{
    uint32_t a, e;
    return peek(sealed_data, &a, &e) == CC_SUCCESS ? a : UINT32_MAX;
}

cc_enclave_result_t cc_enclave_unseal_data(cc_enclave_sealed_data_t *sealed_data, uint8_t *decrypted_data,
                                           uint32_t *decrypted_data_len, uint8_t *additional_text,
                                           uint32_t *additional_text_len)
{
    if (sealed_data == NULL || decrypted_data_len == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    /* First look, at the caller's copy: refuse garbage before allocating. */
    uint32_t add_len, enc_len;
    cc_enclave_result_t rc = peek(sealed_data, &add_len, &enc_len);
    if (rc != CC_SUCCESS)
        return rc;
    if (enc_len > *decrypted_data_len || (enc_len != 0 && decrypted_data == NULL) ||
        (additional_text_len != NULL &&
         (add_len > *additional_text_len || (add_len != 0 && additional_text == NULL)))) {
        *decrypted_data_len = enc_len;
        if (additional_text_len != NULL)
            *additional_text_len = add_len;
        return CC_ERROR_SHORT_BUFFER;
    }

    uint8_t key[KEY_LEN];
    uint8_t policy;
    memcpy(&policy, &sealed_data->data_body[OFF_POLICY], 1);
    rc = get_key(policy, key);
    if (rc != CC_SUCCESS)
        return rc;

    /* Private copy; from here on only the copy's fields count, and they
     * must match what was checked above (the host may change its copy). */
    uint32_t body_len = (uint32_t)(BODY_HDR + TAG_LEN + add_len + enc_len);
    size_t total = (size_t)OUTER_HDR + body_len;
    uint8_t *b = cg_msg_alloc(total); /* per-thread cache: no mmap per call */
    if (b == NULL) {
        explicit_bzero(key, sizeof(key));
        return CC_ERROR_OUT_OF_MEMORY;
    }
    memcpy(b, sealed_data, total);
    uint32_t body_len2, add2, enc2;
    memcpy(&body_len2, b, sizeof(body_len2));
    rc = body_len2 == body_len && parse(b, body_len2, &add2, &enc2) == CC_SUCCESS && add2 == add_len &&
                 enc2 == enc_len && b[OUTER_HDR + OFF_POLICY] == policy
             ? CC_SUCCESS
             : CC_ERROR_BAD_FORMAT;
    if (rc == CC_SUCCESS && !gcm(key, b, add_len, enc_len, 0))
        rc = CC_ERROR_MAC_INVALID;
    explicit_bzero(key, sizeof(key));
    if (rc == CC_SUCCESS) {
        const uint8_t *body = b + OUTER_HDR;
        if (enc_len)
            memcpy(decrypted_data, body + BODY_HDR + add_len, enc_len);
        *decrypted_data_len = enc_len;
        if (additional_text_len != NULL) {
            if (add_len)
                memcpy(additional_text, body + BODY_HDR, add_len);
            *additional_text_len = add_len;
        }
    }
    explicit_bzero(b, total);
    cg_msg_free(b);
    return rc;
}
