/* Enclave half of helloworld: plain C, built against musl. */
#include <string.h>

#include "helloworld_t.h"
#include "secgear_dataseal.h"

#define TA_HELLO_WORLD "secgear hello world!"
#define BUF_MAX 32

int get_string(char *buf)
{
    strncpy(buf, TA_HELLO_WORLD, BUF_MAX);
    buf[BUF_MAX - 1] = '\0';
    return 0;
}

int get_random(uint8_t *buf, size_t len)
{
    return (int)cc_enclave_generate_random(buf, len);
}

#define SECRET "a secret only this enclave can read back"

/* Seal a secret to this enclave's measurement: only the same enclave, on
 * the same platform, can unseal it; the host only ever holds ciphertext. */
int seal_secret(uint8_t *blob, size_t len, uint32_t *blob_len)
{
    uint32_t need = cc_enclave_get_sealed_data_size(0, sizeof(SECRET));
    if (need == UINT32_MAX || need > len)
        return -1;
    if (cc_enclave_seal_data((uint8_t *)SECRET, sizeof(SECRET), (cc_enclave_sealed_data_t *)blob, need, NULL, 0) !=
        CC_SUCCESS)
        return -2;
    *blob_len = need;
    return 0;
}

int unseal_secret(uint8_t *blob, size_t len, char *plain)
{
    uint32_t out_len = 64, add_len = 0;
    if (len < sizeof(cc_enclave_sealed_data_t))
        return -1;
    if (cc_enclave_unseal_data((cc_enclave_sealed_data_t *)blob, (uint8_t *)plain, &out_len, NULL, &add_len) !=
        CC_SUCCESS)
        return -2;
    plain[63] = '\0';
    return 0;
}
