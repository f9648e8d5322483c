/* The secure channel benchmark's enclave (bench_sc.edl). */
#include <stdlib.h>
#include <string.h>

#include "bench_sc_t.h"
#include "secure_channel_enclave.h"

int sc_bench_open(size_t session, uint8_t *rec, size_t len, size_t *plain_len)
{
    size_t n = len;
    uint8_t *plain = malloc(len ? len : 1);
    if (plain == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    int rc = cc_sec_chl_enclave_decrypt(session, rec, len, plain, &n);
    *plain_len = n;
    free(plain);
    return rc;
}

int sc_bench_seal(size_t session, size_t size, uint8_t *rec, size_t cap, size_t *rec_len)
{
    uint8_t *plain = calloc(1, size ? size : 1);
    if (plain == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    *rec_len = cap;
    int rc = cc_sec_chl_enclave_encrypt(session, plain, size, rec, rec_len);
    free(plain);
    return rc;
}
