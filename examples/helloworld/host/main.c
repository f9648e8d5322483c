/* Host half of helloworld: create the enclave, call it, get an attestation
 * report bound to a fresh nonce, verify it, destroy the enclave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enclave.h"
#include "helloworld_u.h"
#include "sg_ra_report.h"
#include "sg_ra_report_verify.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "helloworld.enclave"
#endif
#define BUF_LEN 32
#define RANDOM_LEN 16

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : ENCLAVE_PATH;
    cc_enclave_t context = {0};
    char buf[BUF_LEN] = {0};
    uint8_t rnd[RANDOM_LEN] = {0};
    int retval = -1;

    cc_enclave_result_t res = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create enclave error: %s\n", cc_enclave_res2_str(res));
        return EXIT_FAILURE;
    }
    printf("enclave created on the %s engine\n", cgear_engine_name(context.type));

    int status = EXIT_SUCCESS;
    res = get_string(&context, &retval, buf);
    if (res != CC_SUCCESS || retval != 0) {
        fprintf(stderr, "ecall get_string error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    } else {
        printf("get_string: %s\n", buf);
    }

    res = get_random(&context, &retval, rnd, sizeof(rnd));
    if (res != CC_SUCCESS || retval != 0) {
        fprintf(stderr, "ecall get_random error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    } else {
        printf("get_random: ");
        for (size_t i = 0; i < sizeof(rnd); i++)
            printf("%02x", rnd[i]);
        printf("\n");
    }

    /* Sealing: the enclave seals a secret, the host keeps only the blob,
     * and the enclave unseals it again. */
    static uint8_t blob[1024];
    uint32_t blob_len = 0;
    char plain[64] = {0};
    if (status == EXIT_SUCCESS) {
        if ((res = seal_secret(&context, &retval, blob, sizeof(blob), &blob_len)) != CC_SUCCESS || retval != 0) {
            fprintf(stderr, "ecall seal_secret error: %s (%d)\n", cc_enclave_res2_str(res), retval);
            status = EXIT_FAILURE;
        } else if ((res = unseal_secret(&context, &retval, blob, blob_len, plain)) != CC_SUCCESS || retval != 0) {
            fprintf(stderr, "ecall unseal_secret error: %s (%d)\n", cc_enclave_res2_str(res), retval);
            status = EXIT_FAILURE;
        } else {
            printf("sealing: %u-byte AES-256-GCM blob in the host, unsealed in the enclave: \"%s\"\n", blob_len,
                   plain);
        }
    }

    /* Remote attestation, as secGear's QingTian helloworld does it: the
     * random bytes are the verifier's nonce. The policy pins the measurement
     * a verifier would know from `cgear measure helloworld.enclave`. */
    uint8_t measurement[CGEAR_MEASUREMENT_SIZE];
    static uint8_t report_buf[16384];
    cc_ra_buf_t report = {sizeof(report_buf), report_buf};
    cc_get_ra_report_input_t in = {0};
    in.nonce_len = sizeof(rnd);
    memcpy(in.nonce, rnd, sizeof(rnd));
    char policy[] = "/tmp/helloworld-policy-XXXXXX";
    int pfd = -1;
    if (status == EXIT_SUCCESS && (res = cc_prepare_ra_env(CC_RA_SCENARIO_NO_AS)) == CC_SUCCESS &&
        (res = cc_get_ra_report(&in, &report)) == CC_SUCCESS &&
        (res = cgear_enclave_measurement(&context, measurement, sizeof(measurement))) == CC_SUCCESS &&
        (pfd = mkstemp(policy)) >= 0) {
        FILE *f = fdopen(pfd, "w");
        fprintf(f, "module_id = helloworld_enclave\nmeasurement = ");
        for (size_t i = 0; i < sizeof(measurement); i++)
            fprintf(f, "%02x", measurement[i]);
        fprintf(f, "\ndebug = allowed\n"); /* this demo enclave is created with SECGEAR_DEBUG_FLAG */
        fclose(f);
        cc_ra_buf_t nonce = {sizeof(rnd), rnd};
        res = cc_verify_report(&report, &nonce, CC_RA_VERIFY_TYPE_LOOSE, policy);
        unlink(policy);
        printf("attestation report: %u bytes, verdict: %s\n", report.len,
               res == CC_SUCCESS ? "verified" : cc_enclave_res2_str(res));
        printf("enclave measurement: ");
        for (size_t i = 0; i < sizeof(measurement); i++)
            printf("%02x", measurement[i]);
        printf("\n");
        if (res != CC_SUCCESS)
            status = EXIT_FAILURE;
    } else if (status == EXIT_SUCCESS) {
        fprintf(stderr, "attestation error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    }

    res = cc_enclave_destroy(&context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "destroy enclave error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    } else {
        printf("enclave destroyed\n");
    }
    return status;
}
