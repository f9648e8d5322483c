/*
 * sc_crypto.c - BearSSL primitives of the enclave's secure channel
 * (sc_crypto.h). AES-NI and PCLMULQDQ when the CPU has them, BearSSL's
 * constant-time portable code otherwise.
 */
#include "sc_crypto.h"

#include <string.h>

#include "secgear_random.h"

void sc_wipe(void *p, size_t len)
{
    volatile uint8_t *v = p;
    while (len--)
        *v++ = 0;
}

bool sc_x25519_keypair(uint8_t priv[32], uint8_t pub[SC_PUB_LEN])
{
    if (cc_enclave_generate_random(priv, 32) != CC_SUCCESS)
        return false;
    /* BearSSL clamps the scalar itself (RFC 7748) */
    return br_ec_c25519_i31.mulgen(pub, priv, 32, BR_EC_curve25519) == SC_PUB_LEN;
}

bool sc_x25519_shared(const uint8_t priv[32], const uint8_t peer[SC_PUB_LEN], uint8_t out[32])
{
    uint8_t acc = 0;
    memcpy(out, peer, 32);
    if (br_ec_c25519_i31.mul(out, 32, priv, 32, BR_EC_curve25519) != 1)
        return false;
    for (unsigned i = 0; i < 32; i++)
        acc |= out[i];
    return acc != 0;
}

void sc_sha256(const void *in, size_t len, uint8_t out[SC_HASH_LEN])
{
    br_sha256_context c;
    br_sha256_init(&c);
    br_sha256_update(&c, in, len);
    br_sha256_out(&c, out);
}

static void dirkey_set(struct sc_dirkey *k, const uint8_t key[SC_KEY_LEN], const uint8_t iv[SC_IV_LEN])
{
    const br_block_ctr_class *aes = br_aes_x86ni_ctr_get_vtable();
    br_ghash gh = br_ghash_pclmul_get();
    if (aes == NULL)
        aes = &br_aes_ct64_ctr_vtable;
    if (gh == 0)
        gh = br_ghash_ctmul64;
    aes->init(&k->aes.vtable, key, SC_KEY_LEN);
    br_gcm_init(&k->gcm, &k->aes.vtable, gh);
    memcpy(k->iv, iv, SC_IV_LEN);
}

void sc_derive(const uint8_t th[SC_HASH_LEN], const uint8_t shared[32], struct sc_dirkey *c2s, struct sc_dirkey *s2c)
{
    br_hkdf_context h;
    uint8_t okm[SC_KEYS_LEN];
    br_hkdf_init(&h, &br_sha256_vtable, th, SC_HASH_LEN);
    br_hkdf_inject(&h, shared, 32);
    br_hkdf_flip(&h);
    br_hkdf_produce(&h, SC_KEYS_LABEL, sizeof(SC_KEYS_LABEL) - 1, okm, sizeof okm);
    dirkey_set(c2s, okm, okm + 2 * SC_KEY_LEN);
    dirkey_set(s2c, okm + SC_KEY_LEN, okm + 2 * SC_KEY_LEN + SC_IV_LEN);
    sc_wipe(okm, sizeof okm);
    sc_wipe(&h, sizeof h);
}

static void gcm_start(struct sc_dirkey *k, const struct sc_rec_hdr *h, const uint8_t *hdr)
{
    uint8_t nonce[SC_IV_LEN];
    sc_rec_nonce(k->iv, h->seq, nonce);
    br_gcm_reset(&k->gcm, nonce, SC_IV_LEN);
    br_gcm_aad_inject(&k->gcm, hdr, SC_REC_HDR_LEN);
    br_gcm_flip(&k->gcm);
}

void sc_seal(struct sc_dirkey *k, const struct sc_rec_hdr *h, uint8_t *rec)
{
    sc_rec_hdr_put(rec, h);
    gcm_start(k, h, rec);
    br_gcm_run(&k->gcm, 1, rec + SC_REC_HDR_LEN, h->len);
    br_gcm_get_tag(&k->gcm, rec + SC_REC_HDR_LEN + h->len);
}

bool sc_open(struct sc_dirkey *k, const struct sc_rec_hdr *h, uint8_t *rec)
{
    gcm_start(k, h, rec);
    br_gcm_run(&k->gcm, 0, rec + SC_REC_HDR_LEN, h->len);
    return br_gcm_check_tag(&k->gcm, rec + SC_REC_HDR_LEN + h->len) == 1;
}
