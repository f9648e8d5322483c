/*
 * secure_channel_client.h - the client half of the secure channel
 * (secGear's names and types): a data owner's program sets up a session
 * with an enclave through an untrusted server host, checks the enclave's
 * attestation report against its policy before it trusts the enclave's
 * key, and then encrypts data that only that enclave can read.
 *
 * Plain C on OpenSSL 3 (library cgear::secure_channel_client, pkg-config
 * cgear-secure-channel-client); it needs no enclave and no cgear runtime.
 * Protocol and security argument: docs/secure-channel.md.
 *
 * Usage: fill ctx.conn_kit (the application's send function and
 * connection) and ctx.basevalue (the policy file), deliver every channel
 * message the server sends to cc_sec_chl_client_callback() (from the send
 * function itself or from a receiving thread), call cc_sec_chl_client_init(),
 * then cc_sec_chl_client_encrypt()/decrypt() for the application's data,
 * and cc_sec_chl_client_fini() at the end.
 */
#ifndef CGEAR_SECURE_CHANNEL_CLIENT_H
#define CGEAR_SECURE_CHANNEL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_channel.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The client's private state (keys, sequence numbers); opaque. */
typedef struct cc_sec_chl_handle cc_sec_chl_handle_t;

/* A client's session. */
typedef struct cc_sec_chl_ctx {
    size_t session_id;       /* set by cc_sec_chl_client_init(): the server's id for it */
    cc_conn_kit_t conn_kit;  /* set by the application */
    cc_sec_chl_handle_t *handle; /* set by cc_sec_chl_client_init(); NULL before */
    char *basevalue;         /* set by the application: the policy file the enclave's
                              * report must satisfy (secGear base-value lines or a
                              * cgear policy, docs/attestation.md) */
} cc_sec_chl_ctx_t;

/* Algorithm suites. secGear's one name is kept; cgear's suite is X25519
 * bound into an attestation report, HKDF-SHA256 and AES-256-GCM. */
typedef enum {
    CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM,
    CC_SEC_CHL_ALGO_MAX
} cc_sec_chl_algo_t;

/**
 * cc_sec_chl_client_init() - set up a session with the server's enclave.
 * @algo: CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM.
 * @ctx:  conn_kit and basevalue filled in, handle NULL (a zeroed context
 *        with those two fields set).
 *
 * Sends the hello through @ctx->conn_kit and waits (at most 30 s) for the
 * server's answer, which the application must pass to
 * cc_sec_chl_client_callback(). Checks the enclave's attestation report
 * (signature, platform certificate, this hello's nonce, age, debug,
 * measurement or base value per the policy) and that it binds the
 * enclave's key and this handshake, then derives the session keys. On
 * success @ctx->session_id and @ctx->handle are set; on failure the
 * context is left as it was (handle NULL) and one line on stderr says why.
 *
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL @ctx, unknown @algo, no basevalue,
 * handle already set), CC_ERROR_SEC_CHL_INVALID_CONN (incomplete conn_kit),
 * CC_ERROR_SEC_CHL_SEND_MSG (the send function failed),
 * CC_ERROR_SEC_CHL_RECV_MSG (no answer within 30 s),
 * CC_ERROR_SEC_CHL_GET_RA_REPORT (the server could not get a report; its
 * code is logged), CC_ERROR_SEC_CHL_MAX_SESSIONS (the enclave holds its
 * maximum number of sessions), CC_ERROR_SEC_CHL_VERIFY_RA_REPORT (the
 * report or the policy was refused, or the report does not bind this
 * handshake: a man in the middle), CC_ERROR_SEC_CHL_SESSION_KEY (key
 * exchange failed), CC_ERROR_OUT_OF_MEMORY.
 */
cc_enclave_result_t cc_sec_chl_client_init(cc_sec_chl_algo_t algo, cc_sec_chl_ctx_t *ctx);

/**
 * cc_sec_chl_client_fini() - end the session: send an authenticated close
 * to the enclave (best effort, no answer is awaited), wipe the keys and
 * free the handle. NULL, or a context without handle, is a no-op.
 */
void cc_sec_chl_client_fini(cc_sec_chl_ctx_t *ctx);

/**
 * cc_sec_chl_client_callback() - hand the channel a message the server
 * sent (the handshake answer). @buf/@len: the message as received. Safe
 * from another thread while cc_sec_chl_client_init() waits; must not run
 * during or after cc_sec_chl_client_fini() on the same context, nor after
 * cc_sec_chl_client_init() returned an error (the handle it waits on is
 * freed then: stop delivering, or deliver from the send function).
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL), CC_ERROR_SEC_CHL_MALFORMED (not
 * a channel message), CC_ERROR_SEC_CHL_NOTREADY (no handshake is waiting
 * for it), CC_ERROR_OUT_OF_MEMORY.
 */
cc_enclave_result_t cc_sec_chl_client_callback(cc_sec_chl_ctx_t *ctx, void *buf, size_t len);

/**
 * cc_sec_chl_client_encrypt() - make a record of @plain for the enclave.
 * @plain/@plain_len: the data (may be empty; at most 1 GiB).
 * @encrypt:     where the record goes, or NULL to ask for its size.
 * @encrypt_len: in: the size of @encrypt; out: the record's size.
 * Records are numbered: the enclave accepts each once, in order.
 * Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_SEC_CHL_NOTREADY (no session),
 * CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH (@encrypt NULL or too small:
 * *@encrypt_len is set to the size needed), CC_ERROR_SEC_CHL_ENCRYPT.
 */
cc_enclave_result_t cc_sec_chl_client_encrypt(cc_sec_chl_ctx_t *ctx, void *plain, size_t plain_len, void *encrypt,
                                              size_t *encrypt_len);

/**
 * cc_sec_chl_client_decrypt() - open a record the enclave made.
 * @encrypt/@encrypt_len: the record.
 * @plain:     where the data goes, or NULL to ask for its size.
 * @plain_len: in: the size of @plain; out: the data's size.
 * A refused record changes nothing: the next one expected stays the same.
 * Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_SEC_CHL_NOTREADY,
 * CC_ERROR_SEC_CHL_MALFORMED (truncated, bad header, another direction),
 * CC_ERROR_SEC_CHL_INVALID_SESSION (another session's record),
 * CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH (@plain NULL or too small),
 * CC_ERROR_SEC_CHL_DECRYPT (modified or forged: authentication failed),
 * CC_ERROR_SEC_CHL_REPLAY (a record already accepted),
 * CC_ERROR_SEC_CHL_SEQUENCE (a record is missing before this one),
 * CC_ERROR_SEC_CHL_CLOSED (the enclave closed the session).
 */
cc_enclave_result_t cc_sec_chl_client_decrypt(cc_sec_chl_ctx_t *ctx, void *encrypt, size_t encrypt_len, void *plain,
                                              size_t *plain_len);

#ifdef __cplusplus
}
#endif

#endif
