/*
 * sc_crypto.h - the enclave side's cryptography for the secure channel,
 * on BearSSL: X25519, the transcript hash, HKDF-SHA256 and AES-256-GCM
 * records. docs/secure-channel.md says what each step computes.
 */
#ifndef CGEAR_SC_CRYPTO_H
#define CGEAR_SC_CRYPTO_H

#include <bearssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_proto.h"

/* One direction's record key: AES-256 key schedule, GCM state, nonce
 * base. Holds a pointer into itself: never copied or moved once set. */
struct sc_dirkey {
    br_aes_gen_ctr_keys aes;
    br_gcm_context gcm;
    uint8_t iv[SC_IV_LEN];
};

/**
 * sc_x25519_keypair() - a fresh X25519 key pair from the enclave's random
 * source. Returns false if no random bytes could be had.
 */
bool sc_x25519_keypair(uint8_t priv[32], uint8_t pub[SC_PUB_LEN]);

/**
 * sc_x25519_shared() - X25519(@priv, @peer) into @out. Returns false for
 * an all-zero result (a small-order peer key: no secret is shared).
 */
bool sc_x25519_shared(const uint8_t priv[32], const uint8_t peer[SC_PUB_LEN], uint8_t out[32]);

/** sc_sha256() - SHA-256 of @len bytes at @in. */
void sc_sha256(const void *in, size_t len, uint8_t out[SC_HASH_LEN]);

/**
 * sc_derive() - HKDF-SHA256 with salt @th (the transcript hash), IKM
 * @shared, info SC_KEYS_LABEL: 88 bytes cut into the client-to-enclave
 * key and nonce base (@c2s) and the enclave-to-client ones (@s2c).
 */
void sc_derive(const uint8_t th[SC_HASH_LEN], const uint8_t shared[32], struct sc_dirkey *c2s, struct sc_dirkey *s2c);

/**
 * sc_seal() - encrypt @h->len bytes at @rec + SC_REC_HDR_LEN in place,
 * write @h's header before them and the tag after them.
 */
void sc_seal(struct sc_dirkey *k, const struct sc_rec_hdr *h, uint8_t *rec);

/**
 * sc_open() - authenticate and decrypt in place the record at @rec (its
 * header already parsed into @h). Returns false if the tag does not
 * verify; the data bytes are then garbage.
 */
bool sc_open(struct sc_dirkey *k, const struct sc_rec_hdr *h, uint8_t *rec);

/** sc_wipe() - zero @len bytes so the compiler cannot drop it. */
void sc_wipe(void *p, size_t len);

#endif
