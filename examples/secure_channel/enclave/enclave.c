/*
 * The example's enclave: the client's secret arrives as a secure-channel
 * record, is read here and nowhere else, and the answer leaves as a record
 * only that client can open.
 */
#include <stdio.h>
#include <string.h>

#include "sc_demo_t.h"
#include "secure_channel_enclave.h"

int sc_demo_answer(size_t session, uint8_t *rec, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t secret[1024];
    char answer[1200];
    size_t n = sizeof(secret) - 1;
    int rc = cc_sec_chl_enclave_decrypt(session, rec, len, secret, &n);
    if (rc != 0)
        return rc;
    secret[n] = '\0';
    int alen = snprintf(answer, sizeof answer, "the enclave read your %zu-byte secret \"%s\"", n, (char *)secret);
    if (alen < 0 || (size_t)alen >= sizeof answer)
        alen = (int)sizeof(answer) - 1;
    *out_len = cap;
    return cc_sec_chl_enclave_encrypt(session, answer, (size_t)alen, out, out_len);
}
