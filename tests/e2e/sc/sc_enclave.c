/*
 * sc_enclave.c - the enclave of the secure channel's e2e suite: the
 * channel itself comes from cgear::secure_channel_enclave; these ECALLs
 * only pass records through cc_sec_chl_enclave_encrypt()/decrypt(), as an
 * application would.
 */
#include <stdlib.h>
#include <string.h>

#include "sc_t.h"
#include "secure_channel_enclave.h"

int sc_test_recv(size_t session, uint8_t *rec, size_t len, uint8_t *plain, size_t cap, size_t *plain_len)
{
    *plain_len = cap;
    return cc_sec_chl_enclave_decrypt(session, rec, len, plain, plain_len);
}

int sc_test_send(size_t session, uint8_t *plain, size_t len, uint8_t *rec, size_t cap, size_t *rec_len)
{
    *rec_len = cap;
    return cc_sec_chl_enclave_encrypt(session, plain, len, rec, rec_len);
}

int sc_test_echo(size_t session, uint8_t *rec, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    static const char prefix[] = "enclave saw: ";
    size_t plen = 0;
    /* ask for the size first: the API's sizing path */
    int rc = cc_sec_chl_enclave_decrypt(session, rec, len, NULL, &plen);
    if (rc != CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH && rc != CC_SUCCESS)
        return rc;
    uint8_t *msg = malloc(sizeof(prefix) - 1 + plen + 1);
    if (msg == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    memcpy(msg, prefix, sizeof(prefix) - 1);
    rc = cc_sec_chl_enclave_decrypt(session, rec, len, msg + sizeof(prefix) - 1, &plen);
    if (rc == CC_SUCCESS) {
        *out_len = cap;
        rc = cc_sec_chl_enclave_encrypt(session, msg, sizeof(prefix) - 1 + plen, out, out_len);
    }
    free(msg);
    return rc;
}

int sc_test_close(size_t session, uint8_t *rec, size_t cap, size_t *rec_len)
{
    *rec_len = cap;
    return cgear_sec_chl_enclave_close(session, rec, rec_len);
}
