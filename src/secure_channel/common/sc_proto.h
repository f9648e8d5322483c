/*
 * sc_proto.h - the secure channel's wire format (docs/secure-channel.md),
 * shared by the client (OpenSSL), host and enclave (BearSSL) libraries:
 * framing, parsing and the constants both ends must agree on. No crypto
 * here. Every integer on the wire is big-endian.
 *
 * Parsers take hostile bytes: they read nothing outside the buffer, check
 * every field and length, and fill their output only on success.
 */
#ifndef CGEAR_SC_PROTO_H
#define CGEAR_SC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* ---- handshake messages ------------------------------------------------ */

#define SC_VERSION 1u
#define SC_HDR_LEN 24u           /* "CGSC", version, type, 0 0, status, session, body length */
#define SC_NONCE_LEN 32u         /* the client's nonce, bound into the report */
#define SC_PUB_LEN 32u           /* an X25519 public key */
#define SC_HELLO_BODY_LEN (SC_NONCE_LEN + SC_PUB_LEN)
#define SC_REPORT_MAX 65536u     /* no attestation report is larger */
#define SC_HELLO_RSP_MAX (SC_HDR_LEN + SC_PUB_LEN + SC_REPORT_MAX)
#define SC_HASH_LEN 32u          /* SHA-256: the transcript hash */
#define SC_KEY_LEN 32u           /* AES-256 */
#define SC_IV_LEN 12u            /* GCM nonce base */
#define SC_KEYS_LEN (2 * SC_KEY_LEN + 2 * SC_IV_LEN)

/* Labels: the transcript hash and HKDF's info (ASCII, no NUL). */
#define SC_TRANSCRIPT_LABEL "cgear-sc-v1 transcript"
#define SC_KEYS_LABEL "cgear-sc-v1 keys"

enum sc_msg_type {
    SC_MSG_HELLO = 1,     /* client -> enclave: nonce, client key */
    SC_MSG_HELLO_RSP = 2, /* enclave -> client: status; on success enclave key, report */
    SC_MSG_CLOSE = 3,     /* client -> enclave: a close record */
};

struct sc_hdr {
    uint8_t type;      /* enum sc_msg_type */
    uint32_t status;   /* HELLO_RSP: the enclave's result; 0 otherwise */
    uint64_t session;  /* 0 in a HELLO */
    uint32_t body_len; /* bytes after the header */
};

/** sc_hdr_put() - write @h as SC_HDR_LEN bytes at @out. */
void sc_hdr_put(uint8_t *out, const struct sc_hdr *h);

/**
 * sc_hdr_parse() - read a whole handshake message: header of @buf and a
 * body that is exactly the rest of @len (bounded per type: a HELLO's is
 * SC_HELLO_BODY_LEN, a HELLO_RSP's at most SC_PUB_LEN + SC_REPORT_MAX and
 * empty when its status is not 0, a CLOSE's a record).
 * Errors: CC_ERROR_SEC_CHL_MALFORMED (anything else).
 */
cc_enclave_result_t sc_hdr_parse(const uint8_t *buf, size_t len, struct sc_hdr *h);

/* ---- records ------------------------------------------------------------- */

#define SC_REC_HDR_LEN 24u /* version, type, direction, 0, session, sequence, data length */
#define SC_TAG_LEN 16u
#define SC_REC_OVERHEAD (SC_REC_HDR_LEN + SC_TAG_LEN)
#define SC_REC_MAX_DATA (1u << 30) /* 1 GiB */

enum sc_rec_type { SC_REC_DATA = 1, SC_REC_CLOSE = 2 };
enum sc_dir { SC_DIR_C2S = 0, SC_DIR_S2C = 1 };

struct sc_rec_hdr {
    uint8_t type;     /* enum sc_rec_type */
    uint8_t dir;      /* enum sc_dir */
    uint64_t session;
    uint64_t seq;     /* 0, 1, 2... per direction */
    uint32_t len;     /* data bytes */
};

/** sc_rec_hdr_put() - write @h as SC_REC_HDR_LEN bytes at @out. */
void sc_rec_hdr_put(uint8_t *out, const struct sc_rec_hdr *h);

/**
 * sc_rec_parse() - read a record's header and check that @len is exactly
 * header + data + tag. Does not authenticate anything.
 * Errors: CC_ERROR_SEC_CHL_MALFORMED.
 */
cc_enclave_result_t sc_rec_parse(const uint8_t *buf, size_t len, struct sc_rec_hdr *h);

/** sc_rec_nonce() - the GCM nonce of record @seq: @iv XOR (0^4 || seq). */
void sc_rec_nonce(const uint8_t iv[SC_IV_LEN], uint64_t seq, uint8_t out[SC_IV_LEN]);

/**
 * sc_transcript_input() - the bytes the transcript hash covers:
 * SC_TRANSCRIPT_LABEL || client nonce || client key || session (8) ||
 * enclave key, written at @out (SC_TRANSCRIPT_INPUT_LEN bytes).
 */
#define SC_TRANSCRIPT_INPUT_LEN (sizeof(SC_TRANSCRIPT_LABEL) - 1 + SC_HELLO_BODY_LEN + 8 + SC_PUB_LEN)
void sc_transcript_input(uint8_t *out, const uint8_t hello_body[SC_HELLO_BODY_LEN], uint64_t session,
                         const uint8_t enclave_pub[SC_PUB_LEN]);

/** Big-endian helpers. */
void sc_put32(uint8_t *p, uint32_t v);
void sc_put64(uint8_t *p, uint64_t v);
uint32_t sc_get32(const uint8_t *p);
uint64_t sc_get64(const uint8_t *p);

#endif
