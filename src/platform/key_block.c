/*
 * key_block.c - the key block an enclave receives at start
 * (src/abi/enclave_keys.h): its identity and its sealing keys, derived
 * from the platform's root secret for exactly that identity. Made by the
 * host runtime on a development platform (src/host/keys.c) and by the
 * privileged launcher on a system platform (src/launcher).
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <string.h>

#include <openssl/rand.h>

#include "enclave_keys.h"
#include "platform.h"

cc_enclave_result_t cg_platform_key_block(const struct cg_platform *p, const uint8_t measurement[CG_PLATFORM_ID_LEN],
                                          const uint8_t *signer, uint32_t security_version, bool debug,
                                          struct cg_enclave_keys *k)
{
    if (measurement == NULL || k == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    memset(k, 0, sizeof *k);
    k->magic = CG_KEYS_MAGIC;
    k->version = CG_KEYS_VERSION;
    k->flags = debug ? CG_KEYS_F_DEBUG : 0;
    memcpy(k->measurement, measurement, sizeof k->measurement);
    if (signer != NULL) {
        memcpy(k->signer, signer, sizeof k->signer);
        k->flags |= CG_KEYS_F_SIGNED;
    }
    k->security_version = security_version;
    if (p == NULL)
        return CC_SUCCESS; /* identity only: sealing will say it has no keys */
    /* Debug enclaves get other keys: what they seal, production cannot
     * open, and the other way round. */
    uint8_t dbg = debug ? CG_SEAL_KEY_DEBUG : 0;
    cc_enclave_result_t rc = cg_platform_seal_key(p, CG_SEAL_POLICY_MEASUREMENT | dbg, k->measurement,
                                                  k->seal_measurement);
    if (rc == CC_SUCCESS && signer != NULL)
        rc = cg_platform_seal_key(p, CG_SEAL_POLICY_SIGNER | dbg, k->signer, k->seal_signer);
    if (rc != CC_SUCCESS) {
        explicit_bzero(k->seal_measurement, sizeof k->seal_measurement);
        explicit_bzero(k->seal_signer, sizeof k->seal_signer);
        return rc;
    }
    /* A fresh instance per launch, and its report key. */
    if (RAND_priv_bytes(k->instance, sizeof k->instance) != 1 ||
        cg_platform_report_key(p, k->measurement, debug, k->instance, k->report_key) != CC_SUCCESS) {
        explicit_bzero(k->seal_measurement, sizeof k->seal_measurement);
        explicit_bzero(k->seal_signer, sizeof k->seal_signer);
        explicit_bzero(k->report_key, sizeof k->report_key);
        return CC_ERROR_GENERIC;
    }
    k->flags |= CG_KEYS_F_PLATFORM;
    return CC_SUCCESS;
}

cc_enclave_result_t cg_platform_report_key(const struct cg_platform *p, const uint8_t measurement[CG_PLATFORM_ID_LEN],
                                           bool debug, const uint8_t instance[CG_INSTANCE_LEN],
                                           uint8_t key[CG_PLATFORM_SEAL_KEY_LEN])
{
    if (p == NULL || measurement == NULL || instance == NULL || key == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    uint8_t info[1 + CG_PLATFORM_ID_LEN + CG_INSTANCE_LEN];
    info[0] = debug ? 1 : 0;
    memcpy(info + 1, measurement, CG_PLATFORM_ID_LEN);
    memcpy(info + 1 + CG_PLATFORM_ID_LEN, instance, CG_INSTANCE_LEN);
    return cg_platform_derive(p, CG_PLATFORM_LABEL_REPORT, info, sizeof info, key, CG_PLATFORM_SEAL_KEY_LEN);
}
