/*
 * secure_channel.h - what the client and host halves of the secure channel
 * share: the connection kit through which the channel sends its messages
 * over the application's own connection (secGear's names and types).
 *
 * The secure channel never opens a connection itself. The application
 * gives it a send function and a connection handle, and hands every
 * message it receives for the channel to the matching callback
 * (cc_sec_chl_client_callback(), cc_sec_chl_svr_callback()).
 * docs/secure-channel.md describes the protocol.
 */
#ifndef CGEAR_SECURE_CHANNEL_H
#define CGEAR_SECURE_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cc_conn_opt_funcptr_t - the application's send function.
 * @conn:  the application's connection handle (cc_conn_kit_t.conn).
 * @buf:   the bytes of one channel message, to be delivered whole to the
 *         peer's callback (the application frames them on its connection).
 * @count: their number.
 * Returns the number of bytes sent, or -1 on failure (the channel then
 * fails with CC_ERROR_SEC_CHL_SEND_MSG).
 */
typedef int (*cc_conn_opt_funcptr_t)(void *conn, void *buf, size_t count);

/* The bytes a record adds to its data (24-byte header, 16-byte GCM tag):
 * a record of n bytes of data is n + CC_SEC_CHL_RECORD_OVERHEAD long.
 * (cgear extension) */
#define CC_SEC_CHL_RECORD_OVERHEAD 40u

/* The connection kit: the send function and its connection. */
typedef struct cc_connection_kit {
    cc_conn_opt_funcptr_t send;
    void *conn;
} cc_conn_kit_t;

/**
 * is_valid_conn_kit() - does @conn_kit name a send function and a
 * connection? False for NULL.
 */
static inline bool is_valid_conn_kit(const cc_conn_kit_t *conn_kit)
{
    return conn_kit != NULL && conn_kit->send != NULL && conn_kit->conn != NULL;
}

#ifdef __cplusplus
}
#endif

#endif
