/*
 * fuzz_sc_record.c - the secure channel's record parsers under libFuzzer,
 * on both sides: the enclave's and the client's decrypt, given arbitrary
 * bytes or a genuine record with bits changed, on a real session (set up
 * once through the in-process client, host and enclave libraries). A
 * changed record must never be accepted, and a refused one must not move
 * the session on. The first input byte chooses the target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sc_fuzz_env.h"
#include "secure_channel_enclave.h"

static cc_sec_chl_ctx_t g_ctx;

/* XOR @mask into @rec as far as both go; whether that changed a byte. */
static bool xor_in(uint8_t *rec, size_t rlen, const uint8_t *mask, size_t mlen)
{
    bool changed = false;
    for (size_t i = 0; i < mlen && i < rlen; i++) {
        rec[i] ^= mask[i];
        changed |= mask[i] != 0;
    }
    return changed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        sc_fuzz_setup();
        sc_fuzz_client(&g_ctx);
        sc_fuzz_answer_mode = SC_FUZZ_PASS;
        if (cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &g_ctx) != CC_SUCCESS)
            abort();
        ready = 1;
    }
    if (size < 1 || size > 4096)
        return 0;
    uint8_t mode = data[0] % 4;
    data++;
    size--;
    uint8_t *rec = malloc(size + CC_SEC_CHL_RECORD_OVERHEAD + 16), *plain = malloc(size + 64);
    size_t rlen = size + CC_SEC_CHL_RECORD_OVERHEAD + 16, plen = size + 64;
    if (rec == NULL || plain == NULL)
        abort();
    switch (mode) {
    case 0: /* arbitrary bytes to the enclave */
        memcpy(rec, data, size);
        if (cc_sec_chl_enclave_decrypt(g_ctx.session_id, rec, size, plain, &plen) == 0)
            abort(); /* a forgery */
        break;
    case 1: /* arbitrary bytes to the client */
        memcpy(rec, data, size);
        if (cc_sec_chl_client_decrypt(&g_ctx, rec, size, plain, &plen) == CC_SUCCESS)
            abort();
        break;
    case 2: { /* a genuine client record, the input XORed into it, to the enclave */
        if (cc_sec_chl_client_encrypt(&g_ctx, "fuzz", 4, rec, &rlen) != CC_SUCCESS)
            abort();
        bool changed = xor_in(rec, rlen, data, size);
        int rc = cc_sec_chl_enclave_decrypt(g_ctx.session_id, rec, rlen, plain, &plen);
        if (changed && rc == 0)
            abort(); /* a changed record accepted */
        if (!changed && (rc != 0 || plen != 4 || memcmp(plain, "fuzz", 4) != 0))
            abort();
        if (changed) { /* refused without moving on: the genuine one still passes */
            xor_in(rec, rlen, data, size);
            plen = size + 64;
            if (cc_sec_chl_enclave_decrypt(g_ctx.session_id, rec, rlen, plain, &plen) != 0)
                abort();
        }
        break;
    }
    case 3: { /* a genuine enclave record, the input XORed into it, to the client */
        if (cc_sec_chl_enclave_encrypt(g_ctx.session_id, "zzuf", 4, rec, &rlen) != 0)
            abort();
        bool changed = xor_in(rec, rlen, data, size);
        cc_enclave_result_t rc = cc_sec_chl_client_decrypt(&g_ctx, rec, rlen, plain, &plen);
        if (changed && rc == CC_SUCCESS)
            abort();
        if (!changed && (rc != CC_SUCCESS || plen != 4 || memcmp(plain, "zzuf", 4) != 0))
            abort();
        if (changed) {
            xor_in(rec, rlen, data, size);
            plen = size + 64;
            if (cc_sec_chl_client_decrypt(&g_ctx, rec, rlen, plain, &plen) != CC_SUCCESS)
                abort();
        }
        break;
    }
    }
    free(rec);
    free(plain);
    return 0;
}
