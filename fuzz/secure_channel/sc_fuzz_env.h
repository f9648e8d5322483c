/*
 * sc_fuzz_env.h - the secure channel's three libraries in one native
 * process for libFuzzer: the enclave library compiled for the host (its
 * ECALLs renamed enc_*), host proxies that call it directly, the enclave
 * runtime's random and report calls answered here (a real report, signed
 * by a scratch platform), and an in-memory connection between client and
 * host.
 */
#ifndef SC_FUZZ_ENV_H
#define SC_FUZZ_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_channel_client.h"
#include "secure_channel_host.h"

/* What the connection does with the server's answer to a hello. */
enum sc_fuzz_answer {
    SC_FUZZ_PASS,    /* deliver it */
    SC_FUZZ_REPLACE, /* deliver sc_fuzz_input instead */
    SC_FUZZ_XOR,     /* XOR sc_fuzz_input into it, then deliver */
};
extern enum sc_fuzz_answer sc_fuzz_answer_mode;
extern const uint8_t *sc_fuzz_input;
extern size_t sc_fuzz_input_len;

extern cc_sec_chl_svr_ctx_t sc_fuzz_svr;

/** sc_fuzz_setup() - once: scratch platform, policy file, service started. */
void sc_fuzz_setup(void);

/** sc_fuzz_connect() - a client context wired to the host; init not called. */
void sc_fuzz_client(cc_sec_chl_ctx_t *ctx);

/** sc_fuzz_conn() - a host connection whose answers go to @ctx's callback. */
void sc_fuzz_conn(cc_sec_chl_conn_ctx_t *conn, cc_sec_chl_ctx_t *ctx);

#endif
