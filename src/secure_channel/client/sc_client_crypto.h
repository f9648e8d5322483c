/*
 * sc_client_crypto.h - the client's cryptography for the secure channel,
 * on OpenSSL 3: X25519, SHA-256, HKDF-SHA256 and AES-256-GCM records, the
 * same computations as the enclave's BearSSL side (docs/secure-channel.md).
 */
#ifndef CGEAR_SC_CLIENT_CRYPTO_H
#define CGEAR_SC_CLIENT_CRYPTO_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_proto.h"

/* One direction's record key: a GCM context keyed once, the nonce base. */
struct sc_ckey {
    EVP_CIPHER_CTX *ctx;
    uint8_t iv[SC_IV_LEN];
};

/**
 * sc_c_keypair() - a fresh X25519 key (*@key, freed by the caller with
 * EVP_PKEY_free) and its raw public half. Returns false on failure.
 */
bool sc_c_keypair(EVP_PKEY **key, uint8_t pub[SC_PUB_LEN]);

/**
 * sc_c_shared() - X25519 of @key with the raw peer key @peer into @out.
 * Returns false on failure or an all-zero result.
 */
bool sc_c_shared(EVP_PKEY *key, const uint8_t peer[SC_PUB_LEN], uint8_t out[32]);

/** sc_c_sha256() - SHA-256 of @len bytes at @in. Returns false on failure. */
bool sc_c_sha256(const void *in, size_t len, uint8_t out[SC_HASH_LEN]);

/**
 * sc_c_derive() - HKDF-SHA256 (salt @th, IKM @shared, info SC_KEYS_LABEL)
 * into the two directions' keys, each with its own cipher context.
 * Returns false on failure (nothing to free then).
 */
bool sc_c_derive(const uint8_t th[SC_HASH_LEN], const uint8_t shared[32], struct sc_ckey *c2s, struct sc_ckey *s2c);

/** sc_c_key_free() - free the context of @k and wipe its nonce base. */
void sc_c_key_free(struct sc_ckey *k);

/**
 * sc_c_seal() - make the record of header @h with data @plain at @rec
 * (SC_REC_OVERHEAD + h->len bytes). Returns false on failure.
 */
bool sc_c_seal(struct sc_ckey *k, const struct sc_rec_hdr *h, const uint8_t *plain, uint8_t *rec);

/**
 * sc_c_open() - authenticate the record @rec (header parsed into @h) and
 * decrypt its data into @plain (h->len bytes). Returns false if the tag
 * does not verify; @plain is then zeroed.
 */
bool sc_c_open(struct sc_ckey *k, const struct sc_rec_hdr *h, const uint8_t *rec, uint8_t *plain);

#endif
