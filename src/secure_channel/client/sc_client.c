/*
 * sc_client.c - the client's secure channel (secure_channel_client.h):
 * the handshake (hello, wait for the answer the application delivers,
 * verify the report against the policy, derive the keys) and records.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest.h"
#include "sc_client_crypto.h"
#include "sc_proto.h"
#include "secure_channel_client.h"

#define SC_CLIENT_WAIT_S 30

enum sc_cstate { SC_C_WAITING = 1, SC_C_ANSWERED, SC_C_READY, SC_C_CLOSED };

struct cc_sec_chl_handle {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    enum sc_cstate state;
    uint8_t *rsp; /* the answer, while ANSWERED */
    size_t rsp_len;
    uint64_t session;
    uint64_t seq_out, seq_in;
    struct sc_ckey c2s, s2c;
};

static void handle_free(cc_sec_chl_handle_t *h)
{
    if (h == NULL)
        return;
    sc_c_key_free(&h->c2s);
    sc_c_key_free(&h->s2c);
    free(h->rsp);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    OPENSSL_cleanse(h, sizeof *h);
    free(h);
}

static cc_sec_chl_handle_t *handle_new(void)
{
    cc_sec_chl_handle_t *h = calloc(1, sizeof *h);
    pthread_condattr_t a;
    if (h == NULL)
        return NULL;
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &a);
    pthread_condattr_destroy(&a);
    h->state = SC_C_WAITING;
    return h;
}

/* Wait for the answer; returns it (the caller frees it) or NULL after
 * SC_CLIENT_WAIT_S seconds. */
static uint8_t *wait_answer(cc_sec_chl_handle_t *h, size_t *len)
{
    struct timespec until;
    uint8_t *rsp = NULL;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += SC_CLIENT_WAIT_S;
    pthread_mutex_lock(&h->lock);
    while (h->state != SC_C_ANSWERED)
        if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
            break;
    if (h->state == SC_C_ANSWERED) {
        rsp = h->rsp;
        *len = h->rsp_len;
        h->rsp = NULL;
    }
    pthread_mutex_unlock(&h->lock);
    return rsp;
}

/* The report in the answer @body (enclave key, report) is acceptable to
 * @policy and binds this handshake; derive the keys into @h. */
static cc_enclave_result_t accept_answer(cc_sec_chl_handle_t *h, const struct cg_attest_policy *policy,
                                         const uint8_t hello_body[SC_HELLO_BODY_LEN], uint64_t session,
                                         const uint8_t *body, size_t body_len, EVP_PKEY *key)
{
    struct cg_report rep;
    char why[256] = "";
    uint8_t tin[SC_TRANSCRIPT_INPUT_LEN], th[SC_HASH_LEN], shared[32];
    const uint8_t *pub = body;
    cc_enclave_result_t rc = cg_attest_verify(body + SC_PUB_LEN, body_len - SC_PUB_LEN, hello_body, SC_NONCE_LEN,
                                              CC_RA_VERIFY_TYPE_LOOSE, policy, cg_now_ms(), &rep, why, sizeof why);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "cgear: secure channel: the enclave's report is refused (%s): %s\n", cc_enclave_res2_str(rc),
                why);
        return CC_ERROR_SEC_CHL_VERIFY_RA_REPORT;
    }
    sc_transcript_input(tin, hello_body, session, pub);
    if (!sc_c_sha256(tin, sizeof tin, th))
        return CC_ERROR_SEC_CHL_SESSION_KEY;
    if (rep.public_key == NULL || rep.public_key_len != SC_PUB_LEN ||
        CRYPTO_memcmp(rep.public_key, pub, SC_PUB_LEN) != 0 || rep.user_data == NULL ||
        rep.user_data_len != SC_HASH_LEN || CRYPTO_memcmp(rep.user_data, th, SC_HASH_LEN) != 0) {
        fprintf(stderr, "cgear: secure channel: the enclave's report does not bind this handshake (its key, our "
                        "key or the session differ): refused, someone in between changed the messages\n");
        return CC_ERROR_SEC_CHL_VERIFY_RA_REPORT;
    }
    if (!sc_c_shared(key, pub, shared)) {
        fprintf(stderr, "cgear: secure channel: X25519 with the enclave's key failed\n");
        return CC_ERROR_SEC_CHL_SESSION_KEY;
    }
    bool ok = sc_c_derive(th, shared, &h->c2s, &h->s2c);
    OPENSSL_cleanse(shared, sizeof shared);
    return ok ? CC_SUCCESS : CC_ERROR_SEC_CHL_SESSION_KEY;
}

/* Hello out, answer in, checked; @h ready on success. */
static cc_enclave_result_t handshake(cc_sec_chl_ctx_t *ctx, cc_sec_chl_handle_t *h,
                                     const struct cg_attest_policy *policy)
{
    uint8_t hello[SC_HDR_LEN + SC_HELLO_BODY_LEN];
    uint8_t *body = hello + SC_HDR_LEN;
    EVP_PKEY *key = NULL;
    struct sc_hdr hh = {SC_MSG_HELLO, 0, 0, SC_HELLO_BODY_LEN}, ah;
    size_t rsp_len = 0;
    cc_enclave_result_t rc;
    if (RAND_bytes(body, SC_NONCE_LEN) != 1 || !sc_c_keypair(&key, body + SC_NONCE_LEN))
        return CC_ERROR_SEC_CHL_SESSION_KEY;
    sc_hdr_put(hello, &hh);
    /* the send function gets a copy: what it does to its buffer cannot
     * change the nonce and key this side checks the answer against */
    uint8_t wire[sizeof hello];
    memcpy(wire, hello, sizeof hello);
    if (ctx->conn_kit.send(ctx->conn_kit.conn, wire, sizeof wire) < 0) {
        EVP_PKEY_free(key);
        return CC_ERROR_SEC_CHL_SEND_MSG;
    }
    uint8_t *rsp = wait_answer(h, &rsp_len);
    if (rsp == NULL) {
        fprintf(stderr, "cgear: secure channel: no answer from the server within %d s\n", SC_CLIENT_WAIT_S);
        rc = CC_ERROR_SEC_CHL_RECV_MSG;
    } else if (sc_hdr_parse(rsp, rsp_len, &ah) != CC_SUCCESS) {
        rc = CC_ERROR_SEC_CHL_MALFORMED; /* checked by the callback already */
    } else if (ah.status != CC_SUCCESS) {
        fprintf(stderr, "cgear: secure channel: the server refused the handshake: %s\n",
                cc_enclave_res2_str((cc_enclave_result_t)ah.status));
        rc = (cc_enclave_result_t)ah.status;
    } else {
        rc = accept_answer(h, policy, body, ah.session, rsp + SC_HDR_LEN, ah.body_len, key);
        if (rc == CC_SUCCESS) {
            pthread_mutex_lock(&h->lock);
            h->session = ah.session;
            h->state = SC_C_READY;
            pthread_mutex_unlock(&h->lock);
        }
    }
    free(rsp);
    EVP_PKEY_free(key);
    return rc;
}

cc_enclave_result_t cc_sec_chl_client_init(cc_sec_chl_algo_t algo, cc_sec_chl_ctx_t *ctx)
{
    struct cg_attest_policy *policy;
    char why[512] = "";
    if (ctx == NULL || algo != CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM || ctx->basevalue == NULL || ctx->handle != NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (!is_valid_conn_kit(&ctx->conn_kit))
        return CC_ERROR_SEC_CHL_INVALID_CONN;
    policy = malloc(sizeof *policy);
    if (policy == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    if (cg_policy_load(ctx->basevalue, policy, why, sizeof why) != CC_SUCCESS) {
        fprintf(stderr, "cgear: secure channel: policy %s: %s\n", ctx->basevalue, why);
        free(policy);
        return CC_ERROR_SEC_CHL_VERIFY_RA_REPORT;
    }
    cc_sec_chl_handle_t *h = handle_new();
    if (h == NULL) {
        free(policy);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    ctx->handle = h; /* the callback finds it there */
    cc_enclave_result_t rc = handshake(ctx, h, policy);
    free(policy);
    if (rc != CC_SUCCESS) {
        ctx->handle = NULL;
        handle_free(h);
        return rc;
    }
    ctx->session_id = (size_t)h->session;
    return CC_SUCCESS;
}

void cc_sec_chl_client_fini(cc_sec_chl_ctx_t *ctx)
{
    if (ctx == NULL || ctx->handle == NULL)
        return;
    cc_sec_chl_handle_t *h = ctx->handle;
    uint8_t msg[SC_HDR_LEN + SC_REC_OVERHEAD];
    bool send_close = false;
    pthread_mutex_lock(&h->lock);
    if (h->state == SC_C_READY) {
        struct sc_hdr mh = {SC_MSG_CLOSE, 0, h->session, SC_REC_OVERHEAD};
        struct sc_rec_hdr rh = {SC_REC_CLOSE, SC_DIR_C2S, h->session, h->seq_out++, 0};
        sc_hdr_put(msg, &mh);
        send_close = sc_c_seal(&h->c2s, &rh, NULL, msg + SC_HDR_LEN);
        h->state = SC_C_CLOSED;
    }
    pthread_mutex_unlock(&h->lock);
    if (send_close && is_valid_conn_kit(&ctx->conn_kit))
        (void)ctx->conn_kit.send(ctx->conn_kit.conn, msg, sizeof msg); /* best effort: the session expires anyway */
    ctx->handle = NULL;
    ctx->session_id = 0;
    handle_free(h);
}

cc_enclave_result_t cc_sec_chl_client_callback(cc_sec_chl_ctx_t *ctx, void *buf, size_t len)
{
    struct sc_hdr ah;
    if (ctx == NULL || buf == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (sc_hdr_parse(buf, len, &ah) != CC_SUCCESS || ah.type != SC_MSG_HELLO_RSP)
        return CC_ERROR_SEC_CHL_MALFORMED;
    cc_sec_chl_handle_t *h = ctx->handle;
    if (h == NULL)
        return CC_ERROR_SEC_CHL_NOTREADY;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    memcpy(copy, buf, len);
    pthread_mutex_lock(&h->lock);
    if (h->state != SC_C_WAITING) {
        pthread_mutex_unlock(&h->lock);
        free(copy);
        return CC_ERROR_SEC_CHL_NOTREADY;
    }
    h->rsp = copy;
    h->rsp_len = len;
    h->state = SC_C_ANSWERED;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return CC_SUCCESS;
}

cc_enclave_result_t cc_sec_chl_client_encrypt(cc_sec_chl_ctx_t *ctx, void *plain, size_t plain_len, void *encrypt,
                                              size_t *encrypt_len)
{
    if (ctx == NULL || encrypt_len == NULL || (plain == NULL && plain_len != 0) || plain_len > SC_REC_MAX_DATA)
        return CC_ERROR_BAD_PARAMETERS;
    cc_sec_chl_handle_t *h = ctx->handle;
    if (h == NULL)
        return CC_ERROR_SEC_CHL_NOTREADY;
    size_t need = plain_len + SC_REC_OVERHEAD;
    cc_enclave_result_t rc = CC_SUCCESS;
    pthread_mutex_lock(&h->lock);
    if (h->state != SC_C_READY) {
        rc = h->state == SC_C_CLOSED ? CC_ERROR_SEC_CHL_CLOSED : CC_ERROR_SEC_CHL_NOTREADY;
    } else if (encrypt == NULL || *encrypt_len < need) {
        *encrypt_len = need;
        rc = CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH;
    } else {
        struct sc_rec_hdr rh = {SC_REC_DATA, SC_DIR_C2S, h->session, h->seq_out, (uint32_t)plain_len};
        if (sc_c_seal(&h->c2s, &rh, plain, encrypt)) {
            h->seq_out++;
            *encrypt_len = need;
        } else {
            rc = CC_ERROR_SEC_CHL_ENCRYPT;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

cc_enclave_result_t cc_sec_chl_client_decrypt(cc_sec_chl_ctx_t *ctx, void *encrypt, size_t encrypt_len, void *plain,
                                              size_t *plain_len)
{
    struct sc_rec_hdr rh;
    if (ctx == NULL || encrypt == NULL || plain_len == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    cc_sec_chl_handle_t *h = ctx->handle;
    if (h == NULL)
        return CC_ERROR_SEC_CHL_NOTREADY;
    if (sc_rec_parse(encrypt, encrypt_len, &rh) != CC_SUCCESS || rh.dir != SC_DIR_S2C)
        return CC_ERROR_SEC_CHL_MALFORMED;
    cc_enclave_result_t rc = CC_SUCCESS;
    uint8_t none[1];
    pthread_mutex_lock(&h->lock);
    if (h->state != SC_C_READY)
        rc = h->state == SC_C_CLOSED ? CC_ERROR_SEC_CHL_CLOSED : CC_ERROR_SEC_CHL_NOTREADY;
    else if (rh.session != h->session)
        rc = CC_ERROR_SEC_CHL_INVALID_SESSION;
    else if (rh.len > 0 && (plain == NULL || *plain_len < rh.len)) {
        *plain_len = rh.len;
        rc = CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH;
    } else if (!sc_c_open(&h->s2c, &rh, encrypt, rh.len > 0 ? plain : none))
        rc = CC_ERROR_SEC_CHL_DECRYPT;
    else if (rh.seq < h->seq_in)
        rc = CC_ERROR_SEC_CHL_REPLAY;
    else if (rh.seq > h->seq_in && rh.type != SC_REC_CLOSE) /* a close ends it whatever was lost */
        rc = CC_ERROR_SEC_CHL_SEQUENCE;
    else {
        h->seq_in++;
        if (rh.type == SC_REC_CLOSE) {
            h->state = SC_C_CLOSED;
            rc = CC_ERROR_SEC_CHL_CLOSED;
        } else {
            *plain_len = rh.len;
        }
    }
    if ((rc == CC_ERROR_SEC_CHL_REPLAY || rc == CC_ERROR_SEC_CHL_SEQUENCE) && rh.len > 0)
        OPENSSL_cleanse(plain, rh.len); /* nothing of a refused record stays */
    pthread_mutex_unlock(&h->lock);
    return rc;
}
