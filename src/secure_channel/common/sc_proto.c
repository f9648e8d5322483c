/*
 * sc_proto.c - framing and parsing of the secure channel's messages and
 * records (sc_proto.h). Built into all three libraries.
 */
#include "sc_proto.h"

#include <string.h>

static const uint8_t sc_magic[4] = {'C', 'G', 'S', 'C'};

void sc_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void sc_put64(uint8_t *p, uint64_t v)
{
    sc_put32(p, (uint32_t)(v >> 32));
    sc_put32(p + 4, (uint32_t)v);
}

uint32_t sc_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t sc_get64(const uint8_t *p)
{
    return (uint64_t)sc_get32(p) << 32 | sc_get32(p + 4);
}

void sc_hdr_put(uint8_t *out, const struct sc_hdr *h)
{
    memcpy(out, sc_magic, 4);
    out[4] = SC_VERSION;
    out[5] = h->type;
    out[6] = 0;
    out[7] = 0;
    sc_put32(out + 8, h->status);
    sc_put64(out + 12, h->session);
    sc_put32(out + 20, h->body_len);
}

cc_enclave_result_t sc_hdr_parse(const uint8_t *buf, size_t len, struct sc_hdr *h)
{
    if (buf == NULL || h == NULL || len < SC_HDR_LEN || memcmp(buf, sc_magic, 4) != 0 || buf[4] != SC_VERSION ||
        buf[6] != 0 || buf[7] != 0)
        return CC_ERROR_SEC_CHL_MALFORMED;
    struct sc_hdr t = {buf[5], sc_get32(buf + 8), sc_get64(buf + 12), sc_get32(buf + 20)};
    if ((size_t)t.body_len != len - SC_HDR_LEN)
        return CC_ERROR_SEC_CHL_MALFORMED;
    switch (t.type) {
    case SC_MSG_HELLO:
        if (t.body_len != SC_HELLO_BODY_LEN || t.session != 0 || t.status != 0)
            return CC_ERROR_SEC_CHL_MALFORMED;
        break;
    case SC_MSG_HELLO_RSP:
        if (t.status == 0 ? (t.body_len <= SC_PUB_LEN || t.body_len > SC_PUB_LEN + SC_REPORT_MAX || t.session == 0)
                          : t.body_len != 0)
            return CC_ERROR_SEC_CHL_MALFORMED;
        break;
    case SC_MSG_CLOSE:
        if (t.status != 0 || t.session == 0 || t.body_len != SC_REC_OVERHEAD)
            return CC_ERROR_SEC_CHL_MALFORMED;
        break;
    default:
        return CC_ERROR_SEC_CHL_MALFORMED;
    }
    *h = t;
    return CC_SUCCESS;
}

void sc_rec_hdr_put(uint8_t *out, const struct sc_rec_hdr *h)
{
    out[0] = SC_VERSION;
    out[1] = h->type;
    out[2] = h->dir;
    out[3] = 0;
    sc_put64(out + 4, h->session);
    sc_put64(out + 12, h->seq);
    sc_put32(out + 20, h->len);
}

cc_enclave_result_t sc_rec_parse(const uint8_t *buf, size_t len, struct sc_rec_hdr *h)
{
    if (buf == NULL || h == NULL || len < SC_REC_OVERHEAD || buf[0] != SC_VERSION || buf[3] != 0)
        return CC_ERROR_SEC_CHL_MALFORMED;
    struct sc_rec_hdr t = {buf[1], buf[2], sc_get64(buf + 4), sc_get64(buf + 12), sc_get32(buf + 20)};
    if ((t.type != SC_REC_DATA && t.type != SC_REC_CLOSE) || (t.dir != SC_DIR_C2S && t.dir != SC_DIR_S2C) ||
        t.len > SC_REC_MAX_DATA || (size_t)t.len != len - SC_REC_OVERHEAD || (t.type == SC_REC_CLOSE && t.len != 0))
        return CC_ERROR_SEC_CHL_MALFORMED;
    *h = t;
    return CC_SUCCESS;
}

void sc_rec_nonce(const uint8_t iv[SC_IV_LEN], uint64_t seq, uint8_t out[SC_IV_LEN])
{
    uint8_t s[8];
    sc_put64(s, seq);
    memcpy(out, iv, SC_IV_LEN);
    for (unsigned i = 0; i < 8; i++)
        out[4 + i] ^= s[i];
}

void sc_transcript_input(uint8_t *out, const uint8_t hello_body[SC_HELLO_BODY_LEN], uint64_t session,
                         const uint8_t enclave_pub[SC_PUB_LEN])
{
    size_t l = sizeof(SC_TRANSCRIPT_LABEL) - 1;
    memcpy(out, SC_TRANSCRIPT_LABEL, l);
    memcpy(out + l, hello_body, SC_HELLO_BODY_LEN);
    sc_put64(out + l + SC_HELLO_BODY_LEN, session);
    memcpy(out + l + SC_HELLO_BODY_LEN + 8, enclave_pub, SC_PUB_LEN);
}
