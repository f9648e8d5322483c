/* Host half of remote_attest: the attester.
 *   attest_host NONCE_HEX REPORT_OUT POLICY_OUT
 * creates the enclave, asks the runtime for an attestation report bound to
 * the verifier's nonce (cc_get_ra_report), writes it to REPORT_OUT, and
 * writes to POLICY_OUT a cgear policy pinning this enclave's measurement
 * and signer. Verifying is another process's job: `cgear attest verify` or
 * docs/verify_report.py (README.md).
 * Exit status: 0 success, 1 failure (the reason on stderr), 2 usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "remote_attest_u.h"
#include "sg_ra_report.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "remote_attest.enclave"
#endif
#ifndef ENCLAVE_NAME
#define ENCLAVE_NAME "remote_attest_enclave"
#endif
#define REPORT_MAX 16384

static int usage(void)
{
    fprintf(stderr, "usage: attest_host NONCE_HEX REPORT_OUT POLICY_OUT\n"
                    "  NONCE_HEX  the verifier's nonce, 1..%d bytes in hex\n",
            MAX_NONCE_BUF_LEN);
    return 2;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses 1..cap bytes of hex; returns the byte count, or -1. */
static int parse_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

static void fprint_hex(FILE *f, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", buf[i]);
}

static int write_report(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "attest_host: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(buf, 1, len, f);
    if (fclose(f) != 0 || n != len) {
        fprintf(stderr, "attest_host: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The policy a verifier would write from the image it reviewed (`cgear
 * measure IMAGE` prints the same measurement and signer): here the host
 * writes it for the demo. Debug is allowed only if this enclave runs in
 * debug mode, when the host can read its memory. */
static int write_policy(const char *path, const uint8_t *measurement, const uint8_t *signer, int signed_image,
                        int debug)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "attest_host: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# cgear policy for %s, written by attest_host\n", ENCLAVE_NAME);
    fprintf(f, "module_id = %s\nmeasurement = ", ENCLAVE_NAME);
    fprint_hex(f, measurement, CGEAR_MEASUREMENT_SIZE);
    if (signed_image) {
        fprintf(f, "\nsigner = ");
        fprint_hex(f, signer, CGEAR_SIGNER_SIZE);
    }
    fprintf(f, "\ndebug = %s\nmax_age = 300\n", debug ? "allowed" : "refused");
    if (fclose(f) != 0) {
        fprintf(stderr, "attest_host: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int attest(cc_enclave_t *ctx, const uint8_t *nonce, int nonce_len, const char *report_path,
                  const char *policy_path, int debug)
{
    char greeting[32] = {0};
    int retval = -1;
    cc_enclave_result_t res = hello(ctx, &retval, greeting);
    if (res != CC_SUCCESS || retval != 0) {
        fprintf(stderr, "attest_host: ecall hello failed: %s\n", cc_enclave_res2_str(res));
        return -1;
    }
    printf("enclave says: %s\n", greeting);

    static uint8_t report_buf[REPORT_MAX];
    cc_ra_buf_t report = {sizeof(report_buf), report_buf};
    cc_get_ra_report_input_t in = {0};
    in.taid = (uint8_t *)ENCLAVE_NAME;
    in.nonce_len = (uint32_t)nonce_len;
    memcpy(in.nonce, nonce, (size_t)nonce_len);
    if ((res = cc_prepare_ra_env(CC_RA_SCENARIO_NO_AS)) != CC_SUCCESS) {
        fprintf(stderr, "attest_host: cannot prepare attestation: %s\n", cc_enclave_res2_str(res));
        return -1;
    }
    if ((res = cc_get_ra_report(&in, &report)) != CC_SUCCESS) {
        fprintf(stderr, "attest_host: cannot get a report: %s\n", cc_enclave_res2_str(res));
        return -1;
    }

    uint8_t measurement[CGEAR_MEASUREMENT_SIZE], signer[CGEAR_SIGNER_SIZE] = {0};
    if ((res = cgear_enclave_measurement(ctx, measurement, sizeof(measurement))) != CC_SUCCESS) {
        fprintf(stderr, "attest_host: cannot get the measurement: %s\n", cc_enclave_res2_str(res));
        return -1;
    }
    res = cgear_enclave_signer(ctx, signer, sizeof(signer));
    if (res != CC_SUCCESS && res != CC_ERROR_ITEM_NOT_FOUND) {
        fprintf(stderr, "attest_host: cannot get the signer: %s\n", cc_enclave_res2_str(res));
        return -1;
    }
    int signed_image = res == CC_SUCCESS;

    if (write_report(report_path, report.buf, report.len) != 0 ||
        write_policy(policy_path, measurement, signer, signed_image, debug) != 0)
        return -1;
    printf("report: %u bytes in %s (%s enclave)\nmeasurement: ", report.len, report_path,
           debug ? "debug" : "production");
    fprint_hex(stdout, measurement, sizeof(measurement));
    printf("\nsigner: ");
    if (signed_image)
        fprint_hex(stdout, signer, sizeof(signer));
    else
        printf("none (unsigned image)");
    printf("\npolicy: %s\n", policy_path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return usage();
    uint8_t nonce[MAX_NONCE_BUF_LEN];
    int nonce_len = parse_hex(argv[1], nonce, sizeof(nonce));
    if (nonce_len < 0) {
        fprintf(stderr, "attest_host: the nonce must be 1..%d bytes as an even number of hex digits: %s\n",
                MAX_NONCE_BUF_LEN, argv[1]);
        return usage();
    }

    /* cgear_add_enclave() signs the image, so the enclave runs without
     * SECGEAR_DEBUG_FLAG and the policy can refuse debug. Only an unsigned
     * image (cgear sign --unsigned) needs the flag: then debug is allowed. */
    cc_enclave_t ctx = {0};
    uint32_t flags = 0;
    cc_enclave_result_t res = cc_enclave_create(ENCLAVE_PATH, AUTO_ENCLAVE_TYPE, 0, flags, NULL, 0, &ctx);
    if (res == CC_ERROR_SIGNATURE_INVALID) {
        fprintf(stderr, "attest_host: %s does not run as a production enclave (%s); retrying in debug mode\n",
                ENCLAVE_PATH, cc_enclave_res2_str(res));
        flags = SECGEAR_DEBUG_FLAG;
        memset(&ctx, 0, sizeof(ctx));
        res = cc_enclave_create(ENCLAVE_PATH, AUTO_ENCLAVE_TYPE, 0, flags, NULL, 0, &ctx);
    }
    if (res != CC_SUCCESS) {
        fprintf(stderr, "attest_host: cannot create the enclave %s: %s\n", ENCLAVE_PATH, cc_enclave_res2_str(res));
        return EXIT_FAILURE;
    }
    printf("enclave created on the %s engine\n", cgear_engine_name(ctx.type));

    int rc = attest(&ctx, nonce, nonce_len, argv[2], argv[3], (flags & SECGEAR_DEBUG_FLAG) != 0);

    res = cc_enclave_destroy(&ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "attest_host: cannot destroy the enclave: %s\n", cc_enclave_res2_str(res));
        rc = -1;
    }
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
