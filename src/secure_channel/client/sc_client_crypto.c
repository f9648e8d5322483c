/*
 * sc_client_crypto.c - OpenSSL 3 primitives of the client's secure
 * channel (sc_client_crypto.h).
 */
#include "sc_client_crypto.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

bool sc_c_keypair(EVP_PKEY **key, uint8_t pub[SC_PUB_LEN])
{
    size_t len = SC_PUB_LEN;
    *key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (*key == NULL)
        return false;
    if (EVP_PKEY_get_raw_public_key(*key, pub, &len) != 1 || len != SC_PUB_LEN) {
        EVP_PKEY_free(*key);
        *key = NULL;
        return false;
    }
    return true;
}

bool sc_c_shared(EVP_PKEY *key, const uint8_t peer[SC_PUB_LEN], uint8_t out[32])
{
    size_t len = 32;
    uint8_t acc = 0;
    EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, SC_PUB_LEN);
    EVP_PKEY_CTX *c = p != NULL ? EVP_PKEY_CTX_new(key, NULL) : NULL;
    bool ok = c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, p) == 1 &&
              EVP_PKEY_derive(c, out, &len) == 1 && len == 32;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(p);
    for (unsigned i = 0; ok && i < 32; i++)
        acc |= out[i];
    return ok && acc != 0;
}

bool sc_c_sha256(const void *in, size_t len, uint8_t out[SC_HASH_LEN])
{
    unsigned int n = 0;
    return EVP_Digest(in, len, out, &n, EVP_sha256(), NULL) == 1 && n == SC_HASH_LEN;
}

static bool key_set(struct sc_ckey *k, const uint8_t key[SC_KEY_LEN], const uint8_t iv[SC_IV_LEN])
{
    k->ctx = EVP_CIPHER_CTX_new();
    if (k->ctx == NULL || EVP_CipherInit_ex(k->ctx, EVP_aes_256_gcm(), NULL, key, NULL, -1) != 1) {
        EVP_CIPHER_CTX_free(k->ctx);
        k->ctx = NULL;
        return false;
    }
    memcpy(k->iv, iv, SC_IV_LEN);
    return true;
}

void sc_c_key_free(struct sc_ckey *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    k->ctx = NULL;
    OPENSSL_cleanse(k->iv, sizeof k->iv);
}

bool sc_c_derive(const uint8_t th[SC_HASH_LEN], const uint8_t shared[32], struct sc_ckey *c2s, struct sc_ckey *s2c)
{
    uint8_t okm[SC_KEYS_LEN];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)shared, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)th, SC_HASH_LEN),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)SC_KEYS_LABEL, sizeof(SC_KEYS_LABEL) - 1),
        OSSL_PARAM_construct_end(),
    };
    bool ok = kc != NULL && EVP_KDF_derive(kc, okm, sizeof okm, params) == 1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    if (ok && !key_set(c2s, okm, okm + 2 * SC_KEY_LEN))
        ok = false;
    else if (ok && !key_set(s2c, okm + SC_KEY_LEN, okm + 2 * SC_KEY_LEN + SC_IV_LEN)) {
        sc_c_key_free(c2s);
        ok = false;
    }
    OPENSSL_cleanse(okm, sizeof okm);
    return ok;
}

/* GCM in chunks of at most INT_MAX bytes (EVP's length is an int). */
static bool run(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t len)
{
    int n = 0;
    while (len > 0) {
        int chunk = len > (size_t)INT_MAX ? INT_MAX : (int)len;
        if (EVP_CipherUpdate(c, out, &n, in, chunk) != 1)
            return false;
        out += chunk;
        in += chunk;
        len -= (size_t)chunk;
    }
    return true;
}

static bool start(struct sc_ckey *k, const struct sc_rec_hdr *h, const uint8_t *hdr, int enc)
{
    uint8_t nonce[SC_IV_LEN];
    int n = 0;
    sc_rec_nonce(k->iv, h->seq, nonce);
    return EVP_CipherInit_ex(k->ctx, NULL, NULL, NULL, nonce, enc) == 1 &&
           EVP_CipherUpdate(k->ctx, NULL, &n, hdr, SC_REC_HDR_LEN) == 1;
}

bool sc_c_seal(struct sc_ckey *k, const struct sc_rec_hdr *h, const uint8_t *plain, uint8_t *rec)
{
    int n = 0;
    uint8_t none[SC_TAG_LEN]; /* GCM's final step writes no data */
    sc_rec_hdr_put(rec, h);
    return start(k, h, rec, 1) && run(k->ctx, rec + SC_REC_HDR_LEN, plain, h->len) &&
           EVP_CipherFinal_ex(k->ctx, none, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_GET_TAG, SC_TAG_LEN, rec + SC_REC_HDR_LEN + h->len) == 1;
}

bool sc_c_open(struct sc_ckey *k, const struct sc_rec_hdr *h, const uint8_t *rec, uint8_t *plain)
{
    int n = 0;
    uint8_t tag[SC_TAG_LEN], none[SC_TAG_LEN];
    memcpy(tag, rec + SC_REC_HDR_LEN + h->len, SC_TAG_LEN);
    bool ok = start(k, h, rec, 0) && run(k->ctx, plain, rec + SC_REC_HDR_LEN, h->len) &&
              EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_TAG, SC_TAG_LEN, tag) == 1 &&
              EVP_CipherFinal_ex(k->ctx, none, &n) == 1;
    if (!ok && h->len > 0)
        OPENSSL_cleanse(plain, h->len);
    return ok;
}
