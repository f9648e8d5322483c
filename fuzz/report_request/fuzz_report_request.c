/*
 * fuzz_report_request.c - libFuzzer harness for cg_report_request_check().
 * Each input is checked twice: as it is (a random MAC must never be
 * accepted as the enclave's), and with the correct MAC written in (then it
 * must be accepted exactly when its layout is valid). A platform is made
 * once in a temporary folder.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "platform.h"
#include "sg_ra_report.h"
#include "sys_ocall.h"

static struct cg_platform *g_p;
static const uint8_t g_m[48] = {1, 2, 3};
static char g_dir[] = "/tmp/cgear-fuzz-req-XXXXXX";

static void cleanup(void)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

static void setup(void)
{
    char why[256];
    if (mkdtemp(g_dir) == NULL || cg_platform_open(g_dir, true, &g_p, NULL, why, sizeof why) != CC_SUCCESS)
        abort();
    atexit(cleanup);
}

static int layout_ok(const uint8_t *d, size_t n)
{
    struct cg_sys_report_req r;
    if (n < sizeof r)
        return 0;
    memcpy(&r, d, sizeof r);
    return r.version == CG_SYS_REPORT_VERSION && r.nonce_len <= MAX_NONCE_BUF_LEN && r.user_data_len <= 512 &&
           r.public_key_len <= 1024 && (uint64_t)sizeof r + r.nonce_len + r.user_data_len + r.public_key_len == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (g_p == NULL)
        setup();
    char why[256];
    bool from = false;
    cc_enclave_result_t rc = cg_report_request_check(g_p, g_m, false, data, size, &from, why, sizeof why);
    if (rc == CC_SUCCESS && from)
        __builtin_trap(); /* a MAC nobody computed was accepted */
    if (size < sizeof(struct cg_sys_report_req) || size > 4096)
        return 0;
    /* The same bytes with the MAC the enclave would compute. */
    uint8_t *buf = malloc(size), key[32];
    struct cg_sys_report_req r;
    memcpy(buf, data, size);
    memcpy(&r, buf, sizeof r);
    if (r.instance[0] == 0)
        r.instance[0] = 1; /* not the host's all-zero request */
    memset(r.mac, 0, sizeof r.mac);
    memcpy(buf, &r, sizeof r);
    size_t mac_len = 0;
    if (cg_platform_report_key(g_p, g_m, false, r.instance, key) != CC_SUCCESS)
        __builtin_trap();
    uint8_t *mac = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof key, buf, size, NULL, 0, &mac_len);
    if (mac == NULL || mac_len != 32)
        __builtin_trap();
    memcpy(buf + offsetof(struct cg_sys_report_req, mac), mac, 32);
    OPENSSL_free(mac);
    rc = cg_report_request_check(g_p, g_m, false, buf, size, &from, why, sizeof why);
    if ((rc == CC_SUCCESS && from) != layout_ok(buf, size))
        __builtin_trap();
    /* another measurement never accepts it */
    uint8_t m2[48] = {9};
    if (cg_report_request_check(g_p, m2, false, buf, size, &from, why, sizeof why) == CC_SUCCESS && from)
        __builtin_trap();
    free(buf);
    return 0;
}
