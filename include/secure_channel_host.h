/*
 * secure_channel_host.h - the server host's half of the secure channel
 * (secGear's names and types). The host relays the handshake between a
 * remote client and its enclave; it never holds a session key or a
 * plaintext: the enclave makes the key exchange, asks for the attestation
 * report that binds it, and encrypts and decrypts the records itself.
 *
 * Static library cgear::secure_channel_host (pkg-config
 * cgear-secure-channel-host). The enclave's EDL must import
 * `secure_channel.edl` (installed with the system EDLs) and the enclave
 * must link cgear::secure_channel_enclave: the calls below are ECALLs the
 * application's generated code provides. docs/secure-channel.md.
 */
#ifndef CGEAR_SECURE_CHANNEL_HOST_H
#define CGEAR_SECURE_CHANNEL_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "enclave.h"
#include "secure_channel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* secGear's timer fields, kept for source compatibility. cgear needs no
 * timer: the enclave expires sessions itself, by its own clock, whenever
 * it is called. Both are -1 after cc_sec_chl_svr_init(). */
typedef struct {
    int timerfd;
    int eventfd;
} sec_chl_timer_t;

/* The server: one per enclave. */
typedef struct {
    cc_enclave_t *enclave_ctx; /* set by the application */
    sec_chl_timer_t timer;
    bool is_init;
} cc_sec_chl_svr_ctx_t;

/* One client connection of the server. */
typedef struct {
    cc_sec_chl_svr_ctx_t *svr_ctx;
    cc_conn_kit_t conn_kit; /* how to answer this client */
} cc_sec_chl_conn_ctx_t;

/**
 * cc_sec_chl_svr_init() - start the secure channel service of
 * @ctx->enclave_ctx (the enclave drops any sessions it still has).
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL, no enclave, already started),
 * CC_ERROR_SEC_CHL_ENCLAVE_UNSUPPORTED (the enclave does not implement
 * the channel), or the ECALL's error (CC_ERROR_ENCLAVE_LOST...).
 */
cc_enclave_result_t cc_sec_chl_svr_init(cc_sec_chl_svr_ctx_t *ctx);

/**
 * cc_sec_chl_svr_fini() - stop the service: the enclave wipes and frees
 * every session. Errors: CC_ERROR_BAD_PARAMETERS (NULL or not started),
 * or the ECALL's error.
 */
cc_enclave_result_t cc_sec_chl_svr_fini(cc_sec_chl_svr_ctx_t *ctx);

/**
 * cc_sec_chl_svr_callback() - handle a channel message a client sent.
 * @ctx:     the connection (svr_ctx started, conn_kit to answer on).
 * @buf/@buf_len: the message as received.
 * A hello goes to the enclave, whose answer (its key and report, or the
 * error) is sent back through @ctx->conn_kit; a close goes to the enclave
 * and is not answered. Safe to call from many threads at once.
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL, service not started),
 * CC_ERROR_SEC_CHL_INVALID_CONN (incomplete conn_kit),
 * CC_ERROR_SEC_CHL_MALFORMED (not a client's channel message),
 * CC_ERROR_SEC_CHL_SEND_MSG (the send function failed), the enclave's
 * refusal (CC_ERROR_SEC_CHL_MAX_SESSIONS, CC_ERROR_SEC_CHL_GET_RA_REPORT,
 * CC_ERROR_SEC_CHL_INVALID_SESSION, CC_ERROR_SEC_CHL_DECRYPT... - a hello's
 * refusal is also sent to the client), CC_ERROR_OUT_OF_MEMORY, or the
 * ECALL's error.
 */
cc_enclave_result_t cc_sec_chl_svr_callback(cc_sec_chl_conn_ctx_t *ctx, void *buf, size_t buf_len);

/**
 * cgear_sec_chl_svr_sessions() - how many sessions the enclave holds now
 * (cgear extension: monitoring, and tests that nothing is left behind).
 * Errors: CC_ERROR_BAD_PARAMETERS, or the ECALL's error.
 */
cc_enclave_result_t cgear_sec_chl_svr_sessions(cc_sec_chl_svr_ctx_t *ctx, size_t *count);

/**
 * cgear_sec_chl_svr_set_lifetime() - how long a session lives, counted
 * from its handshake, before the enclave refuses its records
 * (CC_ERROR_SEC_CHL_EXPIRED) and frees it; default 3600 s. Applies to
 * every session, those already made included. (cgear extension.)
 * @seconds: 1..86400.
 * Errors: CC_ERROR_BAD_PARAMETERS, or the ECALL's error.
 */
cc_enclave_result_t cgear_sec_chl_svr_set_lifetime(cc_sec_chl_svr_ctx_t *ctx, uint32_t seconds);

#ifdef __cplusplus
}
#endif

#endif
