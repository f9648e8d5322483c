/*
 * fuzz_attest.c - libFuzzer harness for the attestation report parser and
 * the base-value file parser (src/attest). Every input goes to both. A
 * report that parses must stay inside the input, and re-encoding its fields
 * must give a report that parses to the same fields (the builder and the
 * parser agree on the format).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"

static EVP_PKEY *g_key;

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
    return p == NULL || (p >= data && n <= size && p + n <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    struct cg_report r;
    if (cg_report_parse(data, size, &r, why, sizeof(why)) == CC_SUCCESS) {
        if (!inside(r.payload, r.payload_len, data, size) || !inside(r.nonce, r.nonce_len, data, size) ||
            !inside(r.user_data, r.user_data_len, data, size) ||
            !inside(r.public_key, r.public_key_len, data, size) ||
            !inside(r.certificate, r.certificate_len, data, size) || !inside(r.signature, 96, data, size))
            __builtin_trap();
        for (size_t i = 0; i < r.cabundle_count; i++)
            if (!inside(r.cabundle[i], r.cabundle_len[i], data, size))
                __builtin_trap();
        (void)cg_report_check_signature(&r, why, sizeof(why));
        /* Round trip: the same fields, re-signed with a fixed test key. */
        if (g_key == NULL)
            g_key = EVP_EC_gen("P-384");
        uint8_t *out = NULL;
        size_t out_len = 0;
        struct cg_report r2;
        if (g_key != NULL && cg_report_build(&r, g_key, &out, &out_len, NULL, 0) == CC_SUCCESS) {
            if (cg_report_parse(out, out_len, &r2, why, sizeof(why)) != CC_SUCCESS ||
                strcmp(r.module_id, r2.module_id) != 0 || strcmp(r.engine, r2.engine) != 0 ||
                r.timestamp_ms != r2.timestamp_ms || r.debug != r2.debug ||
                r.security_version != r2.security_version || memcmp(r.measurement, r2.measurement, 48) != 0 ||
                memcmp(r.signer, r2.signer, 48) != 0 || r.nonce_len != r2.nonce_len ||
                (r.nonce == NULL) != (r2.nonce == NULL) || r.cabundle_count != r2.cabundle_count)
                __builtin_trap();
            free(out);
        }
    }
    struct cg_attest_policy *p = malloc(sizeof(*p));
    if (p != NULL)
        (void)cg_policy_parse((const char *)data, size, NULL, p, why, sizeof(why));
    free(p);
    return 0;
}
