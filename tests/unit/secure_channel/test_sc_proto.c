/*
 * test_sc_proto.c - the secure channel's wire format (sc_proto.c) and its
 * two implementations of the cryptography: the client's (OpenSSL,
 * sc_client_crypto.c) and the enclave's (BearSSL, sc_crypto.c, compiled
 * here for the host), which must agree byte for byte.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "sc_client_crypto.h"
#include "sc_crypto.h"
#include "sc_proto.h"
#include "secgear_random.h"

/* The enclave runtime's random source, for sc_crypto.c here. */
cc_enclave_result_t cc_enclave_generate_random(void *buf, size_t size)
{
    return getrandom(buf, size, 0) == (ssize_t)size ? CC_SUCCESS : CC_ERROR_GENERIC;
}

static void hello_msg(uint8_t *m)
{
    struct sc_hdr h = {SC_MSG_HELLO, 0, 0, SC_HELLO_BODY_LEN};
    sc_hdr_put(m, &h);
    for (unsigned i = 0; i < SC_HELLO_BODY_LEN; i++)
        m[SC_HDR_LEN + i] = (uint8_t)i;
}

static void test_header_roundtrip_and_refusals(void **state)
{
    (void)state;
    uint8_t m[SC_HDR_LEN + SC_HELLO_BODY_LEN];
    struct sc_hdr h;
    hello_msg(m);
    assert_memory_equal(m, "CGSC\x01\x01\x00\x00", 8);
    assert_int_equal(sc_hdr_parse(m, sizeof m, &h), CC_SUCCESS);
    assert_int_equal(h.type, SC_MSG_HELLO);
    assert_int_equal(h.body_len, SC_HELLO_BODY_LEN);
    /* every truncation and one byte more */
    for (size_t n = 0; n < sizeof m; n++)
        assert_int_equal(sc_hdr_parse(m, n, &h), CC_ERROR_SEC_CHL_MALFORMED);
    uint8_t big[sizeof m + 1];
    memcpy(big, m, sizeof m);
    assert_int_equal(sc_hdr_parse(big, sizeof big, &h), CC_ERROR_SEC_CHL_MALFORMED);
    /* any change to the header's first 24 bytes is refused, except where
     * a HELLO's fields have no meaning left: none */
    for (size_t i = 0; i < SC_HDR_LEN; i++) {
        m[i] ^= 0x01;
        assert_int_equal(sc_hdr_parse(m, sizeof m, &h), CC_ERROR_SEC_CHL_MALFORMED);
        m[i] ^= 0x01;
    }
    assert_int_equal(sc_hdr_parse(NULL, 24, &h), CC_ERROR_SEC_CHL_MALFORMED);
    /* an answer: refusal with a body, success without one, session 0 */
    struct sc_hdr r = {SC_MSG_HELLO_RSP, CC_ERROR_SEC_CHL_MAX_SESSIONS, 0, 0};
    uint8_t a[SC_HDR_LEN + SC_PUB_LEN + 1] = {0};
    sc_hdr_put(a, &r);
    assert_int_equal(sc_hdr_parse(a, SC_HDR_LEN, &h), CC_SUCCESS);
    assert_int_equal(h.status, CC_ERROR_SEC_CHL_MAX_SESSIONS);
    r.body_len = 1;
    sc_hdr_put(a, &r);
    assert_int_equal(sc_hdr_parse(a, SC_HDR_LEN + 1, &h), CC_ERROR_SEC_CHL_MALFORMED);
    r = (struct sc_hdr){SC_MSG_HELLO_RSP, 0, 0, SC_PUB_LEN + 1};
    sc_hdr_put(a, &r);
    assert_int_equal(sc_hdr_parse(a, sizeof a, &h), CC_ERROR_SEC_CHL_MALFORMED);
    r.session = 7;
    sc_hdr_put(a, &r);
    assert_int_equal(sc_hdr_parse(a, sizeof a, &h), CC_SUCCESS);
    assert_int_equal(h.session, 7);
    r.body_len = SC_PUB_LEN;
    sc_hdr_put(a, &r);
    assert_int_equal(sc_hdr_parse(a, SC_HDR_LEN + SC_PUB_LEN, &h), CC_ERROR_SEC_CHL_MALFORMED); /* no report */
}

static void test_record_header(void **state)
{
    (void)state;
    uint8_t rec[SC_REC_OVERHEAD + 3];
    struct sc_rec_hdr h = {SC_REC_DATA, SC_DIR_S2C, 0x0102030405060708ull, 9, 3}, g;
    sc_rec_hdr_put(rec, &h);
    assert_memory_equal(rec, "\x01\x01\x01\x00\x01\x02\x03\x04\x05\x06\x07\x08\0\0\0\0\0\0\0\x09\0\0\0\x03", 24);
    assert_int_equal(sc_rec_parse(rec, sizeof rec, &g), CC_SUCCESS);
    assert_true(g.session == h.session && g.seq == 9 && g.len == 3 && g.dir == SC_DIR_S2C);
    assert_int_equal(sc_rec_parse(rec, sizeof rec - 1, &g), CC_ERROR_SEC_CHL_MALFORMED);
    assert_int_equal(sc_rec_parse(rec, SC_REC_OVERHEAD - 1, &g), CC_ERROR_SEC_CHL_MALFORMED);
    h.type = SC_REC_CLOSE; /* a close carries no data */
    sc_rec_hdr_put(rec, &h);
    assert_int_equal(sc_rec_parse(rec, sizeof rec, &g), CC_ERROR_SEC_CHL_MALFORMED);
    h.type = 3;
    sc_rec_hdr_put(rec, &h);
    assert_int_equal(sc_rec_parse(rec, sizeof rec, &g), CC_ERROR_SEC_CHL_MALFORMED);
    /* the nonce: base XOR the sequence number in the last 8 bytes */
    uint8_t iv[SC_IV_LEN] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x0f}, n[SC_IV_LEN];
    sc_rec_nonce(iv, 0x0100000000000001ull, n);
    assert_memory_equal(n, "\xff\xff\xff\xff\x01\0\0\0\0\0\0\x0e", SC_IV_LEN);
}

/* HKDF known answer (computed with Python's hmac, RFC 5869): both
 * implementations derive the same nonce bases, and each opens what the
 * other seals, with the same bytes on the wire. */
static void test_both_implementations_agree(void **state)
{
    (void)state;
    uint8_t th[SC_HASH_LEN], z[32];
    for (unsigned i = 0; i < 32; i++) {
        th[i] = (uint8_t)(i + 1);
        z[i] = 2;
    }
    struct sc_dirkey *bc = calloc(1, sizeof *bc), *bs = calloc(1, sizeof *bs);
    struct sc_ckey oc = {0}, os = {0};
    assert_true(bc && bs);
    sc_derive(th, z, bc, bs);
    assert_true(sc_c_derive(th, z, &oc, &os));
    static const uint8_t iv_c2s[] = {0x7b, 0x3c, 0xd6, 0x87, 0x89, 0xf9, 0x87, 0xba, 0x5b, 0x23, 0x5f, 0xac};
    static const uint8_t iv_s2c[] = {0x70, 0x15, 0x65, 0x48, 0x78, 0x46, 0x41, 0xc1, 0x31, 0xc3, 0xc7, 0x71};
    assert_memory_equal(bc->iv, iv_c2s, SC_IV_LEN);
    assert_memory_equal(oc.iv, iv_c2s, SC_IV_LEN);
    assert_memory_equal(bs->iv, iv_s2c, SC_IV_LEN);
    assert_memory_equal(os.iv, iv_s2c, SC_IV_LEN);
    static const size_t sizes[] = {0, 1, 15, 16, 17, 4096, 100000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        uint8_t *plain = malloc(n + 1), *r1 = malloc(n + SC_REC_OVERHEAD), *r2 = malloc(n + SC_REC_OVERHEAD),
                *out = malloc(n + 1);
        assert_true(plain && r1 && r2 && out);
        for (size_t i = 0; i < n; i++)
            plain[i] = (uint8_t)(i * 13);
        struct sc_rec_hdr h = {SC_REC_DATA, SC_DIR_S2C, 42, k, (uint32_t)n};
        /* enclave seals (BearSSL), client opens (OpenSSL) */
        memcpy(r1 + SC_REC_HDR_LEN, plain, n);
        sc_seal(bs, &h, r1);
        assert_true(sc_c_open(&os, &h, r1, out));
        assert_memory_equal(out, plain, n);
        /* the same record from OpenSSL: same bytes */
        assert_true(sc_c_seal(&os, &h, plain, r2));
        assert_memory_equal(r1, r2, n + SC_REC_OVERHEAD);
        /* client seals, enclave opens */
        h.dir = SC_DIR_C2S;
        assert_true(sc_c_seal(&oc, &h, plain, r1));
        assert_true(sc_open(bc, &h, r1));
        assert_memory_equal(r1 + SC_REC_HDR_LEN, plain, n);
        /* a changed tag fails on both sides */
        assert_true(sc_c_seal(&oc, &h, plain, r1));
        r1[SC_REC_HDR_LEN + n] ^= 1;
        assert_false(sc_c_open(&oc, &h, r1, out));
        assert_false(sc_open(bc, &h, r1));
        free(plain);
        free(r1);
        free(r2);
        free(out);
    }
    sc_c_key_free(&oc);
    sc_c_key_free(&os);
    free(bc);
    free(bs);
}

/* X25519 across the two: both ends find the same secret. */
static void test_x25519_agrees(void **state)
{
    (void)state;
    uint8_t priv[32], pub_e[SC_PUB_LEN], pub_c[SC_PUB_LEN], z_e[32], z_c[32];
    EVP_PKEY *key = NULL;
    for (int round = 0; round < 8; round++) {
        assert_true(sc_x25519_keypair(priv, pub_e));
        assert_true(sc_c_keypair(&key, pub_c));
        assert_true(sc_x25519_shared(priv, pub_c, z_e));
        assert_true(sc_c_shared(key, pub_e, z_c));
        assert_memory_equal(z_e, z_c, 32);
        EVP_PKEY_free(key);
    }
    /* a small-order peer key (all zero) gives no secret */
    uint8_t zero[SC_PUB_LEN] = {0};
    assert_false(sc_x25519_shared(priv, zero, z_e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_roundtrip_and_refusals),
        cmocka_unit_test(test_record_header),
        cmocka_unit_test(test_both_implementations_agree),
        cmocka_unit_test(test_x25519_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
