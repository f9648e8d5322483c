/*
 * seal.c - secgear_dataseal.h: AES-256-GCM sealing with BearSSL under the
 * keys of the enclave's key block. The byte layout is docs/sealing.md.
 *
 * The caller's buffers may be host memory that changes under us: every
 * header field is used from a private copy, the data pass through a
 * private chunk buffer and are read once, and plaintext reaches memory
 * outside the enclave only after the tag has been checked.
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "keys.h"
#include "cgear_edge.h"
#include "secgear_dataseal.h"
#include "secgear_log.h"
#include "secgear_memory.h"
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

/* The AES-CTR and GHASH implementations, chosen once: BearSSL's getters
 * run CPUID, which in a VM is an exit (several microseconds each). */
static const br_block_ctr_class *g_ctr;
static br_ghash g_ghash;
static int g_impl_ready;

static void pick_impl(void)
{
    if (__atomic_load_n(&g_impl_ready, __ATOMIC_ACQUIRE))
        return;
    const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
    br_ghash gh = br_ghash_pclmul_get();
    /* Benign race: every thread computes the same values. */
    __atomic_store_n(&g_ctr, ctr ? ctr : &br_aes_ct64_ctr_vtable, __ATOMIC_RELAXED);
    __atomic_store_n(&g_ghash, gh ? gh : br_ghash_ctmul64, __ATOMIC_RELAXED);
    __atomic_store_n(&g_impl_ready, 1, __ATOMIC_RELEASE);
}

/* A GCM computation under @key with the IV of the private header @hdr,
 * the header already injected as additional data. AES-NI and PCLMULQDQ
 * when the CPU has them, else BearSSL's constant-time ct64 / ctmul64. */
struct gcm {
    br_aes_gen_ctr_keys aes;
    br_gcm_context gc;
};

static void gcm_begin(struct gcm *g, const uint8_t key[KEY_LEN], const uint8_t *hdr)
{
    pick_impl();
    g_ctr->init(&g->aes.vtable, key, KEY_LEN);
    br_gcm_init(&g->gc, &g->aes.vtable, g_ghash);
    br_gcm_reset(&g->gc, hdr + OUTER_HDR + OFF_IV, IV_LEN);
    /* authenticated: the outer header and the body header (then the
     * additional text) */
    br_gcm_aad_inject(&g->gc, hdr, OUTER_HDR + BODY_HDR);
}

static void gcm_end(struct gcm *g)
{
    explicit_bzero(g, sizeof(*g));
}

/* Data move in chunks through this much private (stack) memory: every
 * byte of the caller's buffers is read once, and what GCM authenticates
 * or encrypts is the private copy, never memory the host can change
 * under us. No allocation, so no page faults per call. */
#define CHUNK 4096u

/* Does [a, a+an) overlap [b, b+bn)? */
static int overlaps(const void *a, size_t an, const void *b, size_t bn)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return an && bn && x < y + bn && y < x + an;
}

/* Seal @data (@data_len) with additional text @add (@add_len) into @out,
 * whose private header @hdr is filled in. Inputs must not overlap @out. */
static void seal_stream(const uint8_t key[KEY_LEN], const uint8_t *hdr, const uint8_t *add, uint32_t add_len,
                        const uint8_t *data, uint32_t data_len, uint8_t *out)
{
    uint8_t buf[CHUNK];
    struct gcm g;
    gcm_begin(&g, key, hdr);
    uint8_t *o = out + OUTER_HDR + BODY_HDR;
    for (uint32_t off = 0; off < add_len;) {
        uint32_t n = add_len - off < CHUNK ? add_len - off : CHUNK;
        memcpy(buf, add + off, n);
        br_gcm_aad_inject(&g.gc, buf, n);
        memcpy(o + off, buf, n);
        off += n;
    }
    br_gcm_flip(&g.gc);
    o += add_len;
    for (uint32_t off = 0; off < data_len;) {
        uint32_t n = data_len - off < CHUNK ? data_len - off : CHUNK;
        memcpy(buf, data + off, n);
        br_gcm_run(&g.gc, 1, buf, n);
        memcpy(o + off, buf, n);
        off += n;
    }
    br_gcm_get_tag(&g.gc, buf);
    memcpy(o + data_len, buf, TAG_LEN);
    memcpy(out, hdr, OUTER_HDR + BODY_HDR);
    gcm_end(&g);
    explicit_bzero(buf, sizeof(buf));
}

/* Open the blob @in (private header @hdr, lengths checked) into @add_out
 * (may be NULL: the additional text is then only authenticated) and
 * @data_out, which must be enclave memory that does not overlap @in.
 * Returns 1 if the tag matches; else both outputs are wiped. */
static int unseal_stream(const uint8_t key[KEY_LEN], const uint8_t *hdr, const uint8_t *in, uint32_t add_len,
                         uint32_t data_len, uint8_t *add_out, uint8_t *data_out)
{
    uint8_t buf[CHUNK];
    struct gcm g;
    gcm_begin(&g, key, hdr);
    const uint8_t *p = in + OUTER_HDR + BODY_HDR;
    for (uint32_t off = 0; off < add_len;) {
        uint32_t n = add_len - off < CHUNK ? add_len - off : CHUNK;
        memcpy(buf, p + off, n);
        br_gcm_aad_inject(&g.gc, buf, n);
        if (add_out != NULL)
            memcpy(add_out + off, buf, n);
        off += n;
    }
    br_gcm_flip(&g.gc);
    p += add_len;
    for (uint32_t off = 0; off < data_len;) {
        uint32_t n = data_len - off < CHUNK ? data_len - off : CHUNK;
        memcpy(buf, p + off, n);
        br_gcm_run(&g.gc, 0, buf, n);
        memcpy(data_out + off, buf, n);
        off += n;
    }
    memcpy(buf, p + data_len, TAG_LEN);
    int ok = br_gcm_check_tag(&g.gc, buf) == 1;
    gcm_end(&g);
    explicit_bzero(buf, sizeof(buf));
    if (!ok && add_out != NULL && add_len)
        explicit_bzero(add_out, add_len);
    if (!ok && data_len)
        explicit_bzero(data_out, data_len);
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

    uint8_t hdr[OUTER_HDR + BODY_HDR];
    uint32_t body_len = (uint32_t)(total - OUTER_HDR);
    uint8_t *body = hdr + OUTER_HDR;
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, &body_len, sizeof(body_len)); /* data_body_len, native (little-endian) */
    memcpy(body + OFF_MAGIC, SEAL_MAGIC, 4);
    body[OFF_VERSION] = SEAL_VERSION;
    body[OFF_POLICY] = (uint8_t)policy;
    put_le32(body + OFF_ADD_LEN, additional_text_len);
    put_le32(body + OFF_ENC_LEN, seal_data_len);
    if (cc_enclave_generate_random(body + OFF_IV, IV_LEN) != CC_SUCCESS) {
        explicit_bzero(key, sizeof(key));
        return CC_ERROR_GENERIC;
    }

    /* Inputs that overlap the output are copied aside first, so that
     * writing the blob cannot change what is still to be read. */
    const uint8_t *add = additional_text, *data = seal_data;
    uint8_t *aside = NULL;
    if (overlaps(add, additional_text_len, sealed_data, (size_t)total) ||
        overlaps(data, seal_data_len, sealed_data, (size_t)total)) {
        aside = cg_msg_alloc((size_t)additional_text_len + seal_data_len);
        if (aside == NULL) {
            explicit_bzero(key, sizeof(key));
            return CC_ERROR_OUT_OF_MEMORY;
        }
        if (additional_text_len)
            memcpy(aside, add, additional_text_len);
        if (seal_data_len)
            memcpy(aside + additional_text_len, data, seal_data_len);
        add = aside;
        data = aside + additional_text_len;
    }
    seal_stream(key, hdr, add, additional_text_len, data, seal_data_len, (uint8_t *)sealed_data);
    explicit_bzero(key, sizeof(key));
    if (aside != NULL) {
        explicit_bzero(aside, (size_t)additional_text_len + seal_data_len);
        cg_msg_free(aside);
    }
    return CC_SUCCESS;
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

    /* Private header; from here on only its fields count, and they must
     * match what was checked above (the host may change its copy). */
    uint8_t hdr[OUTER_HDR + BODY_HDR];
    memcpy(hdr, sealed_data, sizeof(hdr));
    uint32_t body_len = (uint32_t)(BODY_HDR + TAG_LEN + add_len + enc_len);
    uint32_t body_len2, add2, enc2;
    memcpy(&body_len2, hdr, sizeof(body_len2));
    if (body_len2 != body_len || parse(hdr, body_len2, &add2, &enc2) != CC_SUCCESS || add2 != add_len ||
        enc2 != enc_len || hdr[OUTER_HDR + OFF_POLICY] != policy) {
        explicit_bzero(key, sizeof(key));
        return CC_ERROR_BAD_FORMAT;
    }

    /* Plaintext goes straight to the caller's buffers only when they are
     * enclave memory apart from the blob (wiped again if the tag is
     * wrong); otherwise it is staged privately and written out only once
     * the tag has been checked. */
    size_t blob_len = (size_t)OUTER_HDR + body_len;
    uint8_t *add_out = additional_text_len != NULL ? additional_text : NULL;
    int direct = (enc_len == 0 || (cc_enclave_memory_in_enclave(decrypted_data, enc_len) &&
                                   !overlaps(decrypted_data, enc_len, sealed_data, blob_len))) &&
                 (add_len == 0 || add_out == NULL ||
                  (cc_enclave_memory_in_enclave(add_out, add_len) &&
                   !overlaps(add_out, add_len, sealed_data, blob_len)));
    uint8_t *stage = NULL;
    if (!direct) {
        stage = cg_msg_alloc((size_t)add_len + enc_len);
        if (stage == NULL) {
            explicit_bzero(key, sizeof(key));
            return CC_ERROR_OUT_OF_MEMORY;
        }
    }
    uint8_t *a_dst = direct ? add_out : stage;
    uint8_t *d_dst = direct ? decrypted_data : stage + add_len;
    if (!unseal_stream(key, hdr, (const uint8_t *)sealed_data, add_len, enc_len, a_dst, d_dst))
        rc = CC_ERROR_MAC_INVALID;
    explicit_bzero(key, sizeof(key));
    if (rc == CC_SUCCESS) {
        if (!direct) {
            if (enc_len)
                memcpy(decrypted_data, stage + add_len, enc_len);
            if (add_out != NULL && add_len)
                memcpy(add_out, stage, add_len);
        }
        *decrypted_data_len = enc_len;
        if (additional_text_len != NULL)
            *additional_text_len = add_len;
    }
    if (stage != NULL) {
        explicit_bzero(stage, (size_t)add_len + enc_len);
        cg_msg_free(stage);
    }
    return rc;
}
