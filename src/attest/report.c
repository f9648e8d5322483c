/*
 * report.c - attestation reports: COSE_Sign1 encoding with libcbor, parsing
 * with libcbor's streaming decoder, ES384 signature and X.509 chain checks
 * with OpenSSL 3. The format is docs/attestation.md.
 *
 * Why the streaming decoder for parsing: it decodes one item at a time
 * without allocating, hands out byte strings as pointers into the input
 * (so a parsed report needs no freeing, like struct cg_image), and lets the
 * parser refuse indefinite lengths, deep nesting and huge counts before
 * anything is built from them.
 */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/x509_vfy.h>

#include "attest.h"
#include "sys_ocall.h"
#include "text.h"

#define SAY(...) (why ? (void)snprintf(why, why_len, __VA_ARGS__) : (void)0)

/* The protected header {1: -35} is small; anything longer is not ours. */
#define PROTECTED_MAX 16u
/* Payload fields: 9 from the Nitro document, 3 cgear extensions. */
#define PAYLOAD_FIELDS 12u

uint64_t cg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- shared field rules ---------------------------------------------------- */

/* Names are shown by tools: keep them to the image manifest's characters
 * so a report cannot put control sequences on a terminal. */
static bool name_ok(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return false;
    }
    return true;
}

/* ---- encoding (libcbor) ---------------------------------------------------- */

/* The smallest integer width, so encoders agree on the bytes (RFC 8949
 * preferred serialisation). */
static cbor_item_t *build_uint(uint64_t v)
{
    if (v <= UINT8_MAX)
        return cbor_build_uint8((uint8_t)v);
    if (v <= UINT16_MAX)
        return cbor_build_uint16((uint16_t)v);
    if (v <= UINT32_MAX)
        return cbor_build_uint32((uint32_t)v);
    return cbor_build_uint64(v);
}

/* A byte string, or null for a NULL pointer. libcbor's builder copies;
 * an empty string is made without a zero-length malloc. */
static cbor_item_t *build_bytes(const uint8_t *p, size_t len, bool null_if_absent)
{
    if (p == NULL && null_if_absent)
        return cbor_new_null();
    if (len == 0)
        return cbor_new_definite_bytestring();
    return cbor_build_bytestring(p, len);
}

/* Add k: v to @map, consuming our references to both (the map takes its own). */
static bool put(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
    bool ok = k != NULL && v != NULL && cbor_map_add(map, (struct cbor_pair){.key = k, .value = v});
    if (k != NULL)
        cbor_decref(&k);
    if (v != NULL)
        cbor_decref(&v);
    return ok;
}

/* Hand over an item held in a variable: the variable is cleared first, so
 * whatever put()/push() do with it, nobody drops it twice. */
static cbor_item_t *take(cbor_item_t **item)
{
    cbor_item_t *v = *item;
    *item = NULL;
    return v;
}

static bool push(cbor_item_t *array, cbor_item_t *v)
{
    bool ok = v != NULL && cbor_array_push(array, v);
    if (v != NULL)
        cbor_decref(&v);
    return ok;
}

/* Serialise @item into a malloc()ed buffer and drop our reference. */
static cc_enclave_result_t serialise(cbor_item_t *item, uint8_t **out, size_t *out_len)
{
    if (item == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(item, &buf, &cap);
    cbor_decref(&item);
    if (n == 0) {
        free(buf);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    *out = buf;
    *out_len = n;
    return CC_SUCCESS;
}

/* The COSE Sig_structure for COSE_Sign1 (RFC 9052 section 4.4):
 * ["Signature1", body_protected, external_aad = h'', payload]. */
static cc_enclave_result_t sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                                         size_t payload_len, uint8_t **out, size_t *out_len)
{
    cbor_item_t *a = cbor_new_definite_array(4);
    if (a == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    if (!push(a, cbor_build_string("Signature1")) || !push(a, build_bytes(prot, prot_len, false)) ||
        !push(a, cbor_new_definite_bytestring()) || !push(a, build_bytes(payload, payload_len, false))) {
        cbor_decref(&a);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    return serialise(a, out, out_len);
}

static cc_enclave_result_t check_fields(const struct cg_report *f, char *why, size_t why_len)
{
    if (!name_ok(f->module_id, strnlen(f->module_id, sizeof(f->module_id)), CG_REPORT_MODULE_ID_MAX))
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "module_id must be 1..63 of [A-Za-z0-9_.-]");
    if (!name_ok(f->engine, strnlen(f->engine, sizeof(f->engine)), CG_REPORT_ENGINE_MAX))
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "engine must be 1..31 of [A-Za-z0-9_.-]");
    if ((f->nonce == NULL && f->nonce_len != 0) || f->nonce_len > CG_REPORT_NONCE_MAX)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "nonce longer than %u bytes", CG_REPORT_NONCE_MAX);
    if ((f->user_data == NULL && f->user_data_len != 0) || f->user_data_len > CG_REPORT_USER_DATA_MAX)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "user_data longer than %u bytes", CG_REPORT_USER_DATA_MAX);
    if ((f->public_key == NULL && f->public_key_len != 0) || f->public_key_len > CG_REPORT_PUBKEY_MAX)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "public_key longer than %u bytes", CG_REPORT_PUBKEY_MAX);
    if (f->certificate == NULL || f->certificate_len == 0 || f->certificate_len > CG_REPORT_CERT_MAX)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "certificate must be 1..%u bytes", CG_REPORT_CERT_MAX);
    if (f->cabundle_count > CG_REPORT_CABUNDLE_MAX)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "more than %u cabundle certificates", CG_REPORT_CABUNDLE_MAX);
    for (size_t i = 0; i < f->cabundle_count; i++)
        if (f->cabundle[i] == NULL || f->cabundle_len[i] == 0 || f->cabundle_len[i] > CG_REPORT_CERT_MAX)
            return CG_WHY(CC_ERROR_BAD_PARAMETERS, "cabundle certificate %zu must be 1..%u bytes", i,
                       CG_REPORT_CERT_MAX);
    return CC_SUCCESS;
}

static cbor_item_t *build_payload(const struct cg_report *f)
{
    cbor_item_t *m = cbor_new_definite_map(PAYLOAD_FIELDS);
    cbor_item_t *pcrs = cbor_new_definite_map(4);
    cbor_item_t *ca = cbor_new_definite_array(f->cabundle_count);
    bool ok = m != NULL && pcrs != NULL && ca != NULL;
    ok = ok && put(pcrs, build_uint(0), build_bytes(f->measurement, CG_REPORT_HASH_LEN, false)) &&
         put(pcrs, build_uint(1), build_bytes(f->runtime, CG_REPORT_HASH_LEN, false)) &&
         put(pcrs, build_uint(2), build_bytes(f->elf_hash, CG_REPORT_HASH_LEN, false)) &&
         put(pcrs, build_uint(8), build_bytes(f->signer, CG_REPORT_HASH_LEN, false));
    for (size_t i = 0; ok && i < f->cabundle_count; i++)
        ok = push(ca, build_bytes(f->cabundle[i], f->cabundle_len[i], false));
    /* The Nitro document's fields in its order, then cgear's extensions. */
    ok = ok && put(m, cbor_build_string("module_id"), cbor_build_string(f->module_id)) &&
         put(m, cbor_build_string("digest"), cbor_build_string("SHA384")) &&
         put(m, cbor_build_string("timestamp"), build_uint(f->timestamp_ms)) &&
         put(m, cbor_build_string("pcrs"), take(&pcrs)) &&
         put(m, cbor_build_string("certificate"), build_bytes(f->certificate, f->certificate_len, false)) &&
         put(m, cbor_build_string("cabundle"), take(&ca)) &&
         put(m, cbor_build_string("public_key"), build_bytes(f->public_key, f->public_key_len, true)) &&
         put(m, cbor_build_string("user_data"), build_bytes(f->user_data, f->user_data_len, true)) &&
         put(m, cbor_build_string("nonce"), build_bytes(f->nonce, f->nonce_len, true)) &&
         put(m, cbor_build_string("engine"), cbor_build_string(f->engine)) &&
         put(m, cbor_build_string("debug"), cbor_build_bool(f->debug)) &&
         put(m, cbor_build_string("security_version"), build_uint(f->security_version));
    /* Still set only if the chain stopped before reaching them. */
    if (pcrs != NULL)
        cbor_decref(&pcrs);
    if (ca != NULL)
        cbor_decref(&ca);
    if (!ok && m != NULL)
        cbor_decref(&m);
    return ok ? m : NULL;
}

cc_enclave_result_t cg_report_build(const struct cg_report *f, EVP_PKEY *key, uint8_t **out, size_t *out_len,
                                    char *why, size_t why_len)
{
    if (f == NULL || out == NULL || out_len == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "NULL argument");
    if (!cg_key_is_p384(key))
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "the signing key is not an EC P-384 key");
    cc_enclave_result_t rc = check_fields(f, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;

    uint8_t *prot = NULL, *payload = NULL, *tbs = NULL;
    size_t prot_len = 0, payload_len = 0, tbs_len = 0;
    uint8_t sig[CG_ES384_SIG_LEN];
    cbor_item_t *ph = cbor_new_definite_map(1);
    if (ph == NULL || !put(ph, build_uint(1), cbor_build_negint8((uint8_t)(-1 - CG_REPORT_COSE_ALG_ES384)))) {
        if (ph != NULL)
            cbor_decref(&ph);
        return CG_WHY(CC_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    rc = serialise(ph, &prot, &prot_len);
    if (rc == CC_SUCCESS)
        rc = serialise(build_payload(f), &payload, &payload_len);
    if (rc == CC_SUCCESS)
        rc = sig_structure(prot, prot_len, payload, payload_len, &tbs, &tbs_len);
    if (rc != CC_SUCCESS)
        SAY("out of memory encoding the report");
    else if ((rc = cg_es384_sign(key, tbs, tbs_len, sig)) != CC_SUCCESS)
        SAY("OpenSSL could not sign the report");

    if (rc == CC_SUCCESS) {
        cbor_item_t *doc = cbor_new_definite_array(4);
        cbor_item_t *unprot = cbor_new_definite_map(0);
        bool ok = doc != NULL && unprot != NULL && push(doc, build_bytes(prot, prot_len, false)) &&
                  push(doc, take(&unprot)) && push(doc, build_bytes(payload, payload_len, false)) &&
                  push(doc, build_bytes(sig, sizeof(sig), false));
        if (unprot != NULL)
            cbor_decref(&unprot);
        if (!ok) {
            if (doc != NULL)
                cbor_decref(&doc);
            rc = CG_WHY(CC_ERROR_OUT_OF_MEMORY, "out of memory encoding the report");
        } else {
            rc = serialise(doc, out, out_len);
            if (rc != CC_SUCCESS)
                SAY("out of memory encoding the report");
            else if (*out_len > CG_REPORT_MAX) {
                free(*out);
                *out = NULL;
                rc = CG_WHY(CC_ERROR_BAD_PARAMETERS, "the report would exceed %u bytes", CG_REPORT_MAX);
            }
        }
    }
    free(prot);
    free(payload);
    free(tbs);
    return rc;
}

void cg_report_set_request(struct cg_report *f, const uint8_t *req)
{
    struct cg_sys_report_req r;
    memcpy(&r, req, sizeof r);
    const uint8_t *q = req + sizeof r;
    f->nonce = r.nonce_len ? q : NULL;
    f->nonce_len = r.nonce_len;
    f->user_data = r.user_data_len ? q + r.nonce_len : NULL;
    f->user_data_len = r.user_data_len;
    f->public_key = r.public_key_len ? q + r.nonce_len + r.user_data_len : NULL;
    f->public_key_len = r.public_key_len;
}

cc_enclave_result_t cg_report_build_platform(const struct cg_report *f, const struct cg_platform *p, uint8_t **out,
                                             size_t *out_len, char *why, size_t why_len)
{
    if (f == NULL || p == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "NULL argument");
    struct cg_report g = *f;
    uint8_t *der = NULL;
    size_t der_len = 0;
    cc_enclave_result_t rc = cg_platform_cert_der(p, &der, &der_len);
    if (rc != CC_SUCCESS)
        return CG_WHY(rc, "cannot encode the platform certificate");
    g.certificate = der;
    g.certificate_len = der_len;
    g.cabundle_count = 0;
    rc = cg_report_build(&g, cg_platform_key(p), out, out_len, why, why_len);
    free(der);
    return rc;
}

/* ---- decoding (libcbor streaming decoder) ---------------------------------- */

enum tok_kind { T_NONE, T_UINT, T_NEGINT, T_BYTES, T_TEXT, T_ARRAY, T_MAP, T_TAG, T_BOOL, T_NULL };

struct tok {
    enum tok_kind kind;
    uint64_t u;         /* integer, count, tag; negint: -1 - u */
    const uint8_t *p;   /* byte or text string, into the input */
    size_t len;
    bool b;
};

static void on_u8(void *c, uint8_t v) { *(struct tok *)c = (struct tok){.kind = T_UINT, .u = v}; }
static void on_u16(void *c, uint16_t v) { *(struct tok *)c = (struct tok){.kind = T_UINT, .u = v}; }
static void on_u32(void *c, uint32_t v) { *(struct tok *)c = (struct tok){.kind = T_UINT, .u = v}; }
static void on_u64(void *c, uint64_t v) { *(struct tok *)c = (struct tok){.kind = T_UINT, .u = v}; }
static void on_n8(void *c, uint8_t v) { *(struct tok *)c = (struct tok){.kind = T_NEGINT, .u = v}; }
static void on_n16(void *c, uint16_t v) { *(struct tok *)c = (struct tok){.kind = T_NEGINT, .u = v}; }
static void on_n32(void *c, uint32_t v) { *(struct tok *)c = (struct tok){.kind = T_NEGINT, .u = v}; }
static void on_n64(void *c, uint64_t v) { *(struct tok *)c = (struct tok){.kind = T_NEGINT, .u = v}; }
static void on_bytes(void *c, cbor_data p, size_t n) { *(struct tok *)c = (struct tok){.kind = T_BYTES, .p = p, .len = n}; }
static void on_text(void *c, cbor_data p, size_t n) { *(struct tok *)c = (struct tok){.kind = T_TEXT, .p = p, .len = n}; }
static void on_array(void *c, size_t n) { *(struct tok *)c = (struct tok){.kind = T_ARRAY, .u = n}; }
static void on_map(void *c, size_t n) { *(struct tok *)c = (struct tok){.kind = T_MAP, .u = n}; }
static void on_tag(void *c, uint64_t v) { *(struct tok *)c = (struct tok){.kind = T_TAG, .u = v}; }
static void on_bool(void *c, bool v) { *(struct tok *)c = (struct tok){.kind = T_BOOL, .b = v}; }
static void on_null(void *c) { *(struct tok *)c = (struct tok){.kind = T_NULL}; }

/* Indefinite lengths, floats, undefined and break keep the empty callbacks
 * and so decode as T_NONE: refused wherever they appear. */
static struct cbor_callbacks make_callbacks(void)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = on_u8;
    cb.uint16 = on_u16;
    cb.uint32 = on_u32;
    cb.uint64 = on_u64;
    cb.negint8 = on_n8;
    cb.negint16 = on_n16;
    cb.negint32 = on_n32;
    cb.negint64 = on_n64;
    cb.byte_string = on_bytes;
    cb.string = on_text;
    cb.array_start = on_array;
    cb.map_start = on_map;
    cb.tag = on_tag;
    cb.boolean = on_bool;
    cb.null = on_null;
    return cb;
}

struct reader {
    const uint8_t *buf;
    size_t len, pos;
    const struct cbor_callbacks *cb;
};

/* Decode the next data item head (with its bytes, for strings). False at
 * the end of the input, on a truncated item or on a refused kind. */
static bool next(struct reader *r, struct tok *t)
{
    *t = (struct tok){.kind = T_NONE};
    if (r->pos >= r->len)
        return false;
    struct cbor_decoder_result res = cbor_stream_decode(r->buf + r->pos, r->len - r->pos, r->cb, t);
    if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || res.read > r->len - r->pos)
        return false;
    r->pos += res.read;
    return t->kind != T_NONE;
}

static bool next_kind(struct reader *r, struct tok *t, enum tok_kind k)
{
    return next(r, t) && t->kind == k;
}

static bool text_is(const struct tok *t, const char *s)
{
    return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

#define BAD(...) CG_WHY(CC_ERROR_RA_REPORT_VERIFY_FAILED, __VA_ARGS__)

static cc_enclave_result_t read_name(struct reader *r, char *out, size_t max, const char *field, char *why,
                                     size_t why_len)
{
    struct tok t;
    if (!next_kind(r, &t, T_TEXT) || !name_ok((const char *)t.p, t.len, max))
        return BAD("%s is not 1..%zu of [A-Za-z0-9_.-]", field, max);
    memcpy(out, t.p, t.len);
    out[t.len] = '\0';
    return CC_SUCCESS;
}

/* A byte string of 0..@max bytes, or null when @nullable. */
static cc_enclave_result_t read_bytes(struct reader *r, bool nullable, size_t min, size_t max, const uint8_t **p,
                                      size_t *len, const char *field, char *why, size_t why_len)
{
    struct tok t;
    if (!next(r, &t))
        return BAD("%s: truncated or not a definite-length CBOR item", field);
    if (t.kind == T_NULL && nullable) {
        *p = NULL;
        *len = 0;
        return CC_SUCCESS;
    }
    if (t.kind != T_BYTES || t.len < min || t.len > max)
        return BAD("%s is not a byte string of %zu..%zu bytes%s", field, min, max, nullable ? " or null" : "");
    *p = t.p;
    *len = t.len;
    return CC_SUCCESS;
}

static cc_enclave_result_t read_pcrs(struct reader *r, struct cg_report *out, char *why, size_t why_len)
{
    struct tok t;
    if (!next_kind(r, &t, T_MAP) || t.u != 4)
        return BAD("pcrs is not a map of the 4 PCRs 0, 1, 2 and 8");
    unsigned seen = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t *dst;
        if (!next_kind(r, &t, T_UINT))
            return BAD("pcrs: a key is not an unsigned integer");
        switch (t.u) {
        case 0: dst = out->measurement; break;
        case 1: dst = out->runtime; break;
        case 2: dst = out->elf_hash; break;
        case 8: dst = out->signer; break;
        default: return BAD("pcrs: unexpected PCR %llu", (unsigned long long)t.u);
        }
        unsigned bit = 1u << (t.u == 8 ? 3 : t.u);
        if (seen & bit)
            return BAD("pcrs: PCR %llu twice", (unsigned long long)t.u);
        seen |= bit;
        const uint8_t *p;
        size_t n;
        cc_enclave_result_t rc = read_bytes(r, false, CG_REPORT_HASH_LEN, CG_REPORT_HASH_LEN, &p, &n, "a PCR", why,
                                            why_len);
        if (rc != CC_SUCCESS)
            return rc;
        memcpy(dst, p, n);
    }
    return CC_SUCCESS;
}

static const char *const field_names[PAYLOAD_FIELDS] = {
    "module_id", "digest",   "timestamp", "pcrs",   "certificate", "cabundle",
    "public_key", "user_data", "nonce",    "engine", "debug",       "security_version"};

static cc_enclave_result_t read_field(struct reader *r, int idx, struct cg_report *out, char *why, size_t why_len)
{
    struct tok t;
    switch (idx) {
    case 0:
        return read_name(r, out->module_id, CG_REPORT_MODULE_ID_MAX, "module_id", why, why_len);
    case 1:
        if (!next_kind(r, &t, T_TEXT) || !text_is(&t, "SHA384"))
            return BAD("digest is not \"SHA384\"");
        return CC_SUCCESS;
    case 2:
        if (!next_kind(r, &t, T_UINT))
            return BAD("timestamp is not an unsigned integer");
        out->timestamp_ms = t.u;
        return CC_SUCCESS;
    case 3:
        return read_pcrs(r, out, why, why_len);
    case 4:
        return read_bytes(r, false, 1, CG_REPORT_CERT_MAX, &out->certificate, &out->certificate_len, "certificate",
                          why, why_len);
    case 5:
        if (!next_kind(r, &t, T_ARRAY) || t.u > CG_REPORT_CABUNDLE_MAX)
            return BAD("cabundle is not an array of at most %u certificates", CG_REPORT_CABUNDLE_MAX);
        out->cabundle_count = (size_t)t.u;
        for (size_t i = 0; i < out->cabundle_count; i++) {
            cc_enclave_result_t rc = read_bytes(r, false, 1, CG_REPORT_CERT_MAX, &out->cabundle[i],
                                                &out->cabundle_len[i], "a cabundle entry", why, why_len);
            if (rc != CC_SUCCESS)
                return rc;
        }
        return CC_SUCCESS;
    case 6:
        return read_bytes(r, true, 0, CG_REPORT_PUBKEY_MAX, &out->public_key, &out->public_key_len, "public_key", why,
                          why_len);
    case 7:
        return read_bytes(r, true, 0, CG_REPORT_USER_DATA_MAX, &out->user_data, &out->user_data_len, "user_data",
                          why, why_len);
    case 8:
        return read_bytes(r, true, 0, CG_REPORT_NONCE_MAX, &out->nonce, &out->nonce_len, "nonce", why, why_len);
    case 9:
        return read_name(r, out->engine, CG_REPORT_ENGINE_MAX, "engine", why, why_len);
    case 10:
        if (!next_kind(r, &t, T_BOOL))
            return BAD("debug is not a boolean");
        out->debug = t.b;
        return CC_SUCCESS;
    default:
        if (!next_kind(r, &t, T_UINT) || t.u > UINT32_MAX)
            return BAD("security_version is not a 32-bit unsigned integer");
        out->security_version = (uint32_t)t.u;
        return CC_SUCCESS;
    }
}

static cc_enclave_result_t parse_payload(const uint8_t *buf, size_t len, const struct cbor_callbacks *cb,
                                         struct cg_report *out, char *why, size_t why_len)
{
    struct reader r = {buf, len, 0, cb};
    struct tok t;
    if (!next_kind(&r, &t, T_MAP) || t.u != PAYLOAD_FIELDS)
        return BAD("the payload is not a map of the %u report fields", PAYLOAD_FIELDS);
    unsigned seen = 0;
    for (unsigned i = 0; i < PAYLOAD_FIELDS; i++) {
        if (!next_kind(&r, &t, T_TEXT))
            return BAD("payload: a key is not a text string");
        int idx = -1;
        for (int k = 0; k < (int)PAYLOAD_FIELDS; k++)
            if (text_is(&t, field_names[k]))
                idx = k;
        if (idx < 0)
            return BAD("payload: unknown field");
        if (seen & (1u << idx))
            return BAD("payload: field %s twice", field_names[idx]);
        seen |= 1u << idx;
        cc_enclave_result_t rc = read_field(&r, idx, out, why, why_len);
        if (rc != CC_SUCCESS)
            return rc;
    }
    if (r.pos != len)
        return BAD("bytes after the payload map");
    return CC_SUCCESS;
}

cc_enclave_result_t cg_report_parse(const uint8_t *buf, size_t len, struct cg_report *out, char *why, size_t why_len)
{
    if (buf == NULL || out == NULL)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_INPUT, "NULL argument");
    memset(out, 0, sizeof(*out));
    if (len == 0 || len > CG_REPORT_MAX)
        return BAD("a report is 1..%u bytes, not %zu", CG_REPORT_MAX, len);
    const struct cbor_callbacks cb = make_callbacks();
    struct reader r = {buf, len, 0, &cb};
    struct tok t;
    if (!next(&r, &t))
        return BAD("not a CBOR document");
    /* Untagged, as the Nitro document is. COSE_Sign1_Tagged (tag 18) is
     * refused: libcbor 0.8's streaming decoder rejects the one-byte head
     * 0xd2 as an unassigned tag, and accepting only the two-byte spelling
     * would make the rule depend on the encoder. */
    if (t.kind == T_TAG)
        return BAD("a CBOR tag (%llu) before the COSE_Sign1 array: only the untagged form is accepted",
                   (unsigned long long)t.u);
    if (t.kind != T_ARRAY || t.u != 4)
        return BAD("not a COSE_Sign1 array of 4 items");

    const uint8_t *sig;
    size_t sig_len;
    cc_enclave_result_t rc = read_bytes(&r, false, 1, PROTECTED_MAX, &out->protected_hdr, &out->protected_len,
                                        "the protected header", why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    /* The protected header must be exactly {1: -35}: no other algorithm,
     * no critical or unknown parameters we would silently ignore. */
    struct reader ph = {out->protected_hdr, out->protected_len, 0, &cb};
    if (!next_kind(&ph, &t, T_MAP) || t.u != 1 || !next_kind(&ph, &t, T_UINT) || t.u != 1 ||
        !next_kind(&ph, &t, T_NEGINT) || t.u != (uint64_t)(-1 - CG_REPORT_COSE_ALG_ES384) || ph.pos != ph.len)
        return BAD("the protected header is not {1: -35} (alg ES384)");
    if (!next_kind(&r, &t, T_MAP) || t.u != 0)
        return BAD("the unprotected header is not an empty map");
    if ((rc = read_bytes(&r, false, 1, CG_REPORT_MAX, &out->payload, &out->payload_len, "the payload", why,
                         why_len)) != CC_SUCCESS)
        return rc;
    if ((rc = read_bytes(&r, false, CG_ES384_SIG_LEN, CG_ES384_SIG_LEN, &sig, &sig_len, "the signature", why,
                         why_len)) != CC_SUCCESS)
        return rc;
    out->signature = sig;
    if (r.pos != len)
        return BAD("%zu bytes after the COSE_Sign1 document", len - r.pos);
    return parse_payload(out->payload, out->payload_len, &cb, out, why, why_len);
}

/* ---- signature and chain (OpenSSL) ----------------------------------------- */

static X509 *der_cert(const uint8_t *p, size_t len)
{
    const uint8_t *q = p;
    X509 *x = d2i_X509(NULL, &q, (long)len);
    if (x != NULL && q != p + len) { /* trailing bytes: not exactly one certificate */
        X509_free(x);
        x = NULL;
    }
    return x;
}

cc_enclave_result_t cg_report_check_signature(const struct cg_report *r, char *why, size_t why_len)
{
    if (r == NULL || r->payload == NULL || r->protected_hdr == NULL || r->signature == NULL)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_INPUT, "not a parsed report");
    X509 *cert = der_cert(r->certificate, r->certificate_len);
    if (cert == NULL)
        return BAD("the report's certificate is not one DER X.509 certificate");
    EVP_PKEY *key = X509_get0_pubkey(cert);
    cc_enclave_result_t rc;
    if (!cg_key_is_p384(key)) {
        rc = BAD("the report's certificate is not for an EC P-384 key");
    } else {
        uint8_t *tbs = NULL;
        size_t tbs_len = 0;
        rc = sig_structure(r->protected_hdr, r->protected_len, r->payload, r->payload_len, &tbs, &tbs_len);
        if (rc != CC_SUCCESS) {
            rc = CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
        } else {
            rc = cg_es384_verify(key, tbs, tbs_len, r->signature);
            if (rc == CC_ERROR_SIGNATURE_INVALID)
                rc = CG_WHY(CC_ERROR_RA_REPORT_VERIFY_SIGNATURE,
                         "the report's signature does not verify with its certificate (forged or altered)");
            else if (rc != CC_SUCCESS)
                rc = CG_WHY(CC_ERROR_RA_MEMORY, "OpenSSL failed checking the signature");
        }
        free(tbs);
    }
    X509_free(cert);
    return rc;
}

cc_enclave_result_t cg_report_check_chain(const struct cg_report *r, STACK_OF(X509) *trusted, char *why,
                                          size_t why_len)
{
    if (r == NULL || trusted == NULL || sk_X509_num(trusted) == 0)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_CERT, "no trusted platform certificate");
    X509 *leaf = der_cert(r->certificate, r->certificate_len);
    if (leaf == NULL)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_CERT, "the report's certificate does not parse");
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    cc_enclave_result_t rc = CC_SUCCESS;
    if (store == NULL || chain == NULL || ctx == NULL)
        rc = CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
    for (int i = 0; rc == CC_SUCCESS && i < sk_X509_num(trusted); i++)
        if (X509_STORE_add_cert(store, sk_X509_value(trusted, i)) != 1)
            rc = CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
    for (size_t i = 0; rc == CC_SUCCESS && i < r->cabundle_count; i++) {
        X509 *x = der_cert(r->cabundle[i], r->cabundle_len[i]);
        if (x == NULL)
            rc = CG_WHY(CC_ERROR_RA_REPORT_VERIFY_CERT, "cabundle entry %zu does not parse", i);
        else if (!sk_X509_push(chain, x)) {
            X509_free(x);
            rc = CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
        }
    }
    if (rc == CC_SUCCESS) {
        /* Partial chains: the trusted certificate may be the platform's own
         * (self-signed dev platform) or any CA above it. */
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
        if (X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
            rc = CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
        } else if (X509_verify_cert(ctx) != 1) {
            int err = X509_STORE_CTX_get_error(ctx);
            rc = CG_WHY(CC_ERROR_RA_REPORT_VERIFY_CERT,
                     "the report's platform certificate is not trusted: %s", X509_verify_cert_error_string(err));
        }
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_free(store);
    X509_free(leaf);
    return rc;
}
