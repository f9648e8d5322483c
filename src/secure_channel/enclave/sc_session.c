/*
 * sc_session.c - the enclave's secure-channel sessions: the handshake
 * (key pair, report, keys), records in both directions, close, expiry.
 * Implements the ECALLs of edl/secure_channel.edl and
 * secure_channel_enclave.h.
 *
 * One table, one mutex: every session operation holds it, crypto
 * included, so a session's sequence numbers and GCM state never race.
 * Keys exist only here; every freed session is wiped first.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgear_enclave_report.h"
#include "sc_crypto.h"
#include "sc_proto.h"
#include "secgear_random.h"
#include "secure_channel_enclave.h"
#include "secure_channel_t.h"

#define SC_MAX_SESSIONS 1024u
#define SC_DEFAULT_LIFETIME_S 3600u
#define SC_MAX_LIFETIME_S 86400u

enum sc_state { SC_FREE = 0, SC_PENDING, SC_READY };

struct sc_session {
    uint64_t id;
    enum sc_state state;
    uint64_t made_ns; /* CLOCK_MONOTONIC, at the handshake */
    uint64_t seq_in, seq_out;
    struct sc_dirkey in, out; /* client -> enclave, enclave -> client */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sc_session *g_sessions[SC_MAX_SESSIONS];
static uint32_t g_lifetime_s = SC_DEFAULT_LIFETIME_S;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Under g_lock. */
static void slot_free(size_t i)
{
    if (g_sessions[i] == NULL)
        return;
    sc_wipe(g_sessions[i], sizeof *g_sessions[i]);
    free(g_sessions[i]);
    g_sessions[i] = NULL;
}

/* Under g_lock: is @s's lifetime (the current one) over? */
static bool expired(const struct sc_session *s, uint64_t now)
{
    return now - s->made_ns >= (uint64_t)g_lifetime_s * 1000000000u;
}

/* Under g_lock: free every ready session whose lifetime is over. Pending
 * ones belong to a handshake in progress on another thread. */
static void sweep(uint64_t now)
{
    for (size_t i = 0; i < SC_MAX_SESSIONS; i++)
        if (g_sessions[i] != NULL && g_sessions[i]->state == SC_READY && expired(g_sessions[i], now))
            slot_free(i);
}

/* Under g_lock: the ready session @id, or NULL with *rc set. An expired
 * one is freed on the way. */
static struct sc_session *find(uint64_t id, int *rc)
{
    for (size_t i = 0; i < SC_MAX_SESSIONS; i++) {
        struct sc_session *s = g_sessions[i];
        if (s == NULL || s->id != id || s->state != SC_READY)
            continue;
        if (expired(s, now_ns())) {
            slot_free(i);
            *rc = CC_ERROR_SEC_CHL_EXPIRED;
            return NULL;
        }
        return s;
    }
    *rc = CC_ERROR_SEC_CHL_INVALID_SESSION;
    return NULL;
}

static void remove_session(const struct sc_session *s)
{
    for (size_t i = 0; i < SC_MAX_SESSIONS; i++)
        if (g_sessions[i] == s)
            slot_free(i);
}

/* Reserve a slot with a fresh, unique, non-zero id. */
static int reserve(struct sc_session **out)
{
    uint64_t id = 0;
    size_t slot = SC_MAX_SESSIONS;
    struct sc_session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    pthread_mutex_lock(&g_lock);
    sweep(now_ns());
    for (size_t i = 0; i < SC_MAX_SESSIONS && slot == SC_MAX_SESSIONS; i++)
        if (g_sessions[i] == NULL)
            slot = i;
    for (int tries = 0; slot < SC_MAX_SESSIONS && id == 0 && tries < 8; tries++) {
        if (cc_enclave_generate_random(&id, sizeof id) != CC_SUCCESS) {
            id = 0;
            break;
        }
        for (size_t i = 0; i < SC_MAX_SESSIONS && id != 0; i++)
            if (g_sessions[i] != NULL && g_sessions[i]->id == id)
                id = 0;
    }
    if (slot == SC_MAX_SESSIONS || id == 0) {
        pthread_mutex_unlock(&g_lock);
        free(s);
        return slot == SC_MAX_SESSIONS ? CC_ERROR_SEC_CHL_MAX_SESSIONS : CC_ERROR_SEC_CHL_SESSION_KEY;
    }
    s->id = id;
    s->state = SC_PENDING;
    g_sessions[slot] = s;
    pthread_mutex_unlock(&g_lock);
    *out = s;
    return CC_SUCCESS;
}

/* The handshake's work outside the lock: @s is PENDING, only this thread
 * touches it. Writes the answer's body (enclave key, report) at @body. */
static int handshake(struct sc_session *s, const uint8_t *hello, uint8_t *body, size_t body_cap, size_t *body_len)
{
    uint8_t priv[32], shared[32], th[SC_HASH_LEN], tin[SC_TRANSCRIPT_INPUT_LEN];
    uint8_t *pub = body;
    int rc = CC_SUCCESS;
    if (body_cap < SC_PUB_LEN + 1)
        return CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH;
    if (!sc_x25519_keypair(priv, pub))
        return CC_ERROR_SEC_CHL_SESSION_KEY;
    if (!sc_x25519_shared(priv, hello + SC_NONCE_LEN, shared)) {
        rc = CC_ERROR_SEC_CHL_SESSION_KEY;
        goto out;
    }
    sc_transcript_input(tin, hello, s->id, pub);
    sc_sha256(tin, sizeof tin, th);
    sc_derive(th, shared, &s->in, &s->out);
    /* the report binds the client's nonce, this enclave's key and the
     * transcript: the client checks all three */
    uint32_t rlen = (uint32_t)(body_cap - SC_PUB_LEN > CGEAR_REPORT_MAX ? CGEAR_REPORT_MAX : body_cap - SC_PUB_LEN);
    cc_enclave_result_t r =
        cgear_enclave_get_report(hello, SC_NONCE_LEN, th, SC_HASH_LEN, pub, SC_PUB_LEN, body + SC_PUB_LEN, &rlen);
    if (r != CC_SUCCESS) {
        rc = r == CC_ERROR_SHORT_BUFFER ? CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH : CC_ERROR_SEC_CHL_GET_RA_REPORT;
        goto out;
    }
    *body_len = SC_PUB_LEN + rlen;
out:
    sc_wipe(priv, sizeof priv);
    sc_wipe(shared, sizeof shared);
    return rc;
}

int cc_sec_chl_ecall_hello(uint8_t *req, size_t req_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len)
{
    struct sc_hdr h;
    struct sc_session *s = NULL;
    size_t body_len = 0;
    if (req == NULL || rsp == NULL || rsp_len == NULL || rsp_cap < SC_HDR_LEN)
        return CC_ERROR_BAD_PARAMETERS;
    if (sc_hdr_parse(req, req_len, &h) != CC_SUCCESS || h.type != SC_MSG_HELLO)
        return CC_ERROR_SEC_CHL_MALFORMED;
    int rc = reserve(&s);
    if (rc != CC_SUCCESS)
        return rc;
    rc = handshake(s, req + SC_HDR_LEN, rsp + SC_HDR_LEN, rsp_cap - SC_HDR_LEN, &body_len);
    pthread_mutex_lock(&g_lock);
    if (rc == CC_SUCCESS) {
        s->state = SC_READY;
        s->made_ns = now_ns();
        struct sc_hdr o = {SC_MSG_HELLO_RSP, 0, s->id, (uint32_t)body_len};
        sc_hdr_put(rsp, &o);
        *rsp_len = SC_HDR_LEN + body_len;
    } else {
        remove_session(s);
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

/* Under g_lock: check and open the record @rec (a private copy) of
 * session @id coming from the client. On success the data is in place
 * and the session's input sequence has moved on. */
static int open_record(uint64_t id, uint8_t *rec, size_t len, struct sc_rec_hdr *h, struct sc_session **out)
{
    int rc = CC_SUCCESS;
    if (sc_rec_parse(rec, len, h) != CC_SUCCESS || h->dir != SC_DIR_C2S)
        return CC_ERROR_SEC_CHL_MALFORMED;
    if (h->session != id)
        return CC_ERROR_SEC_CHL_INVALID_SESSION;
    struct sc_session *s = find(id, &rc);
    if (s == NULL)
        return rc;
    if (!sc_open(&s->in, h, rec))
        return CC_ERROR_SEC_CHL_DECRYPT;
    /* authentic: now only its place in the sequence can be wrong */
    if (h->seq < s->seq_in)
        return CC_ERROR_SEC_CHL_REPLAY;
    /* a close ends the session whatever was lost before it (it is
     * authenticated and can come only once) */
    if (h->seq > s->seq_in && h->type != SC_REC_CLOSE)
        return CC_ERROR_SEC_CHL_SEQUENCE;
    s->seq_in++;
    *out = s;
    return CC_SUCCESS;
}

int cc_sec_chl_ecall_close(uint8_t *req, size_t req_len)
{
    struct sc_hdr h;
    struct sc_rec_hdr rh;
    struct sc_session *s = NULL;
    if (req == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (sc_hdr_parse(req, req_len, &h) != CC_SUCCESS || h.type != SC_MSG_CLOSE)
        return CC_ERROR_SEC_CHL_MALFORMED;
    pthread_mutex_lock(&g_lock);
    int rc = open_record(h.session, req + SC_HDR_LEN, h.body_len, &rh, &s);
    if (rc == CC_SUCCESS && rh.type != SC_REC_CLOSE)
        rc = CC_ERROR_SEC_CHL_MALFORMED;
    if (s != NULL && rc == CC_SUCCESS)
        remove_session(s);
    pthread_mutex_unlock(&g_lock);
    return rc;
}

int cc_sec_chl_ecall_reset(void)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < SC_MAX_SESSIONS; i++)
        if (g_sessions[i] != NULL && g_sessions[i]->state == SC_READY)
            slot_free(i);
    pthread_mutex_unlock(&g_lock);
    return CC_SUCCESS;
}

size_t cc_sec_chl_ecall_count(void)
{
    size_t n = 0;
    pthread_mutex_lock(&g_lock);
    sweep(now_ns());
    for (size_t i = 0; i < SC_MAX_SESSIONS; i++)
        n += g_sessions[i] != NULL;
    pthread_mutex_unlock(&g_lock);
    return n;
}

int cc_sec_chl_ecall_set_lifetime(uint32_t seconds)
{
    if (seconds == 0 || seconds > SC_MAX_LIFETIME_S)
        return CC_ERROR_BAD_PARAMETERS;
    pthread_mutex_lock(&g_lock);
    g_lifetime_s = seconds;
    pthread_mutex_unlock(&g_lock);
    return CC_SUCCESS;
}

int cc_sec_chl_enclave_encrypt(size_t session_id, void *plain, size_t plain_len, void *encrypt, size_t *encrypt_len)
{
    int rc = CC_SUCCESS;
    if (encrypt_len == NULL || (plain == NULL && plain_len != 0) || plain_len > SC_REC_MAX_DATA)
        return CC_ERROR_BAD_PARAMETERS;
    size_t need = plain_len + SC_REC_OVERHEAD;
    /* sealed in private memory, copied out whole: @encrypt may be memory
     * the host can read (user_check, shared), where the data must never
     * be in clear, not even for a moment */
    uint8_t *rec = NULL;
    pthread_mutex_lock(&g_lock);
    struct sc_session *s = find(session_id, &rc);
    if (s != NULL && (encrypt == NULL || *encrypt_len < need)) {
        *encrypt_len = need;
        rc = CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH;
    } else if (s != NULL && (rec = malloc(need)) == NULL) {
        rc = CC_ERROR_OUT_OF_MEMORY;
    } else if (s != NULL) {
        struct sc_rec_hdr h = {SC_REC_DATA, SC_DIR_S2C, session_id, s->seq_out++, (uint32_t)plain_len};
        if (plain_len != 0)
            memcpy(rec + SC_REC_HDR_LEN, plain, plain_len);
        sc_seal(&s->out, &h, rec);
    }
    pthread_mutex_unlock(&g_lock);
    if (rec != NULL) {
        memcpy(encrypt, rec, need);
        *encrypt_len = need;
        free(rec); /* ciphertext only: nothing to wipe */
    }
    return rc;
}

int cc_sec_chl_enclave_decrypt(size_t session_id, void *encrypt, size_t encrypt_len, void *plain, size_t *plain_len)
{
    struct sc_rec_hdr h;
    struct sc_session *s = NULL;
    if (encrypt == NULL || plain_len == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (encrypt_len < SC_REC_OVERHEAD || encrypt_len - SC_REC_OVERHEAD > SC_REC_MAX_DATA)
        return CC_ERROR_SEC_CHL_MALFORMED;
    /* one private copy: what is checked is what is decrypted, whoever
     * else can write the caller's buffer */
    uint8_t *rec = malloc(encrypt_len);
    if (rec == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    memcpy(rec, encrypt, encrypt_len);
    int rc = sc_rec_parse(rec, encrypt_len, &h);
    if (rc == CC_SUCCESS && (plain == NULL || *plain_len < h.len)) {
        *plain_len = h.len;
        rc = CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH;
    }
    if (rc == CC_SUCCESS) {
        pthread_mutex_lock(&g_lock);
        rc = open_record(session_id, rec, encrypt_len, &h, &s);
        if (rc == CC_SUCCESS && h.type == SC_REC_CLOSE) {
            remove_session(s);
            rc = CC_ERROR_SEC_CHL_CLOSED;
        }
        pthread_mutex_unlock(&g_lock);
    }
    if (rc == CC_SUCCESS) {
        memcpy(plain, rec + SC_REC_HDR_LEN, h.len);
        *plain_len = h.len;
    }
    sc_wipe(rec, encrypt_len);
    free(rec);
    return rc;
}

int cgear_sec_chl_enclave_close(size_t session_id, void *close_rec, size_t *close_len)
{
    int rc = CC_SUCCESS;
    if (close_rec != NULL && close_len == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    pthread_mutex_lock(&g_lock);
    struct sc_session *s = find(session_id, &rc);
    if (s != NULL && close_rec != NULL && *close_len < SC_REC_OVERHEAD) {
        *close_len = SC_REC_OVERHEAD;
        rc = CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH;
    } else if (s != NULL) {
        if (close_rec != NULL) {
            uint8_t rec[SC_REC_OVERHEAD];
            struct sc_rec_hdr h = {SC_REC_CLOSE, SC_DIR_S2C, session_id, s->seq_out++, 0};
            sc_seal(&s->out, &h, rec);
            memcpy(close_rec, rec, sizeof rec);
            *close_len = SC_REC_OVERHEAD;
        }
        remove_session(s);
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}
