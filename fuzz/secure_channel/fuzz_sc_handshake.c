/*
 * fuzz_sc_handshake.c - the secure channel's handshake parsers under
 * libFuzzer, on every side: the message framing (sc_hdr_parse), the
 * server host and the enclave receiving a client's message, and the
 * client receiving the server's answer - arbitrary bytes, or a genuine
 * answer with bits changed. A client must never accept a changed answer.
 * The first input byte chooses the target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sc_fuzz_env.h"
#include "sc_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        sc_fuzz_setup();
        ready = 1;
    }
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 4;
    data++;
    size--;
    sc_fuzz_input = data;
    sc_fuzz_input_len = size;
    switch (mode) {
    case 0: { /* the framing alone */
        struct sc_hdr h;
        uint8_t *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        if (sc_hdr_parse(copy, size, &h) == CC_SUCCESS && (size_t)h.body_len + SC_HDR_LEN != size)
            abort();
        free(copy);
        break;
    }
    case 1: { /* a client's message to the server host and its enclave */
        cc_sec_chl_ctx_t ctx;
        cc_sec_chl_conn_ctx_t conn;
        sc_fuzz_client(&ctx);
        sc_fuzz_conn(&conn, &ctx);
        uint8_t *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        sc_fuzz_answer_mode = SC_FUZZ_PASS;
        (void)cc_sec_chl_svr_callback(&conn, copy, size); /* any answer finds no waiting client */
        free(copy);
        (void)cc_sec_chl_svr_fini(&sc_fuzz_svr);           /* forget the sessions made */
        (void)cc_sec_chl_svr_init(&sc_fuzz_svr);
        break;
    }
    case 2:   /* the server's answer replaced by the input */
    case 3: { /* a genuine answer with the input XORed into it */
        cc_sec_chl_ctx_t ctx;
        sc_fuzz_client(&ctx);
        sc_fuzz_answer_mode = mode == 2 ? SC_FUZZ_REPLACE : SC_FUZZ_XOR;
        bool changed = false;
        for (size_t i = 0; i < size; i++)
            changed |= data[i] != 0;
        cc_enclave_result_t rc = cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &ctx);
        /* an answer made up or changed by someone in between: never a session
         * (the random nonce and keys make a guessed answer impossible) */
        if (rc == CC_SUCCESS && (mode == 2 || changed))
            abort();
        cc_sec_chl_client_fini(&ctx);
        (void)cc_sec_chl_svr_fini(&sc_fuzz_svr);
        (void)cc_sec_chl_svr_init(&sc_fuzz_svr);
        break;
    }
    }
    return 0;
}
