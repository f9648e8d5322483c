/* Enclave half of seal_data: seal and unseal under the default
 * (measurement) policy, so only this enclave image on this platform can
 * read a blob back, in this process or any later one. */
#include <stdint.h>
#include <string.h>

#include "seal_data_t.h"
#include "secgear_dataseal.h"

int seal_message(char *msg, size_t msg_len, uint8_t *blob, size_t cap, uint32_t *blob_len)
{
    if (msg_len > UINT32_MAX)
        return (int)CC_ERROR_OVERFLOW;
    uint32_t need = cc_enclave_get_sealed_data_size(0, (uint32_t)msg_len);
    if (need == UINT32_MAX)
        return (int)CC_ERROR_OVERFLOW;
    if (need > cap)
        return (int)CC_ERROR_SHORT_BUFFER;
    cc_enclave_result_t rc =
        cc_enclave_seal_data((uint8_t *)msg, (uint32_t)msg_len, (cc_enclave_sealed_data_t *)blob, need, NULL, 0);
    if (rc != CC_SUCCESS)
        return (int)rc;
    *blob_len = need;
    return (int)CC_SUCCESS;
}

int unseal_message(uint8_t *blob, size_t blob_len, char *msg, size_t cap, uint32_t *msg_len)
{
    /* The blob comes from outside: its header's length must match the
     * bytes we actually have (cc_enclave_unseal_data() cannot check it). */
    const cc_enclave_sealed_data_t *hdr = (const cc_enclave_sealed_data_t *)blob;
    if (blob_len < sizeof(cc_enclave_sealed_data_t) ||
        hdr->data_body_len != blob_len - sizeof(cc_enclave_sealed_data_t))
        return (int)CC_ERROR_BAD_FORMAT;
    uint32_t out_len = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    cc_enclave_result_t rc = cc_enclave_unseal_data((cc_enclave_sealed_data_t *)blob, (uint8_t *)msg, &out_len, NULL, NULL);
    if (rc != CC_SUCCESS)
        return (int)rc;
    *msg_len = out_len;
    return (int)CC_SUCCESS;
}
