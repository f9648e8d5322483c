/*
 * sc_fuzz_env.c - see sc_fuzz_env.h.
 */
#define _GNU_SOURCE
#include "sc_fuzz_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "attest.h"
#include "cgear_enclave_report.h"
#include "platform.h"
#include "secgear_random.h"
#include "secure_channel_u.h"

int enc_cc_sec_chl_ecall_hello(uint8_t *req, size_t req_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len);
int enc_cc_sec_chl_ecall_close(uint8_t *req, size_t req_len);
int enc_cc_sec_chl_ecall_reset(void);
size_t enc_cc_sec_chl_ecall_count(void);
int enc_cc_sec_chl_ecall_set_lifetime(uint32_t seconds);

enum sc_fuzz_answer sc_fuzz_answer_mode;
const uint8_t *sc_fuzz_input;
size_t sc_fuzz_input_len;
cc_sec_chl_svr_ctx_t sc_fuzz_svr;
static cc_enclave_t g_enclave;
static struct cg_platform *g_platform;
static char g_policy[256];
static const uint8_t g_measurement[48] = {0x5c, 0x5c, 1, 2, 3};
static char g_dir[64];

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", g_dir);
}

/* ---- the enclave runtime, as the enclave library sees it ---- */

cc_enclave_result_t cc_enclave_generate_random(void *buf, size_t size)
{
    return getrandom(buf, size, 0) == (ssize_t)size ? CC_SUCCESS : CC_ERROR_GENERIC;
}

cc_enclave_result_t cgear_enclave_get_report(const uint8_t *nonce, uint32_t nonce_len, const uint8_t *user_data,
                                             uint32_t user_data_len, const uint8_t *public_key,
                                             uint32_t public_key_len, uint8_t *report, uint32_t *report_len)
{
    struct cg_report f;
    uint8_t *out = NULL;
    size_t len = 0;
    memset(&f, 0, sizeof f);
    strcpy(f.module_id, "fuzz_enclave");
    strcpy(f.engine, "process");
    f.timestamp_ms = cg_now_ms();
    memcpy(f.measurement, g_measurement, sizeof g_measurement);
    f.nonce = nonce;
    f.nonce_len = nonce_len;
    f.user_data = user_data;
    f.user_data_len = user_data_len;
    f.public_key = public_key;
    f.public_key_len = public_key_len;
    cc_enclave_result_t rc = cg_report_build_platform(&f, g_platform, &out, &len, NULL, 0);
    if (rc != CC_SUCCESS)
        return rc;
    if (len > *report_len) {
        free(out);
        *report_len = (uint32_t)len;
        return CC_ERROR_SHORT_BUFFER;
    }
    memcpy(report, out, len);
    *report_len = (uint32_t)len;
    free(out);
    return CC_SUCCESS;
}

/* ---- the generated host proxies, calling the enclave library directly ---- */

cc_enclave_result_t cc_sec_chl_ecall_hello(cc_enclave_t *enclave, int *retval, uint8_t *req, size_t req_len,
                                           uint8_t *rsp, size_t rsp_cap, size_t *rsp_len)
{
    (void)enclave;
    *retval = enc_cc_sec_chl_ecall_hello(req, req_len, rsp, rsp_cap, rsp_len);
    return CC_SUCCESS;
}

cc_enclave_result_t cc_sec_chl_ecall_close(cc_enclave_t *enclave, int *retval, uint8_t *req, size_t req_len)
{
    (void)enclave;
    *retval = enc_cc_sec_chl_ecall_close(req, req_len);
    return CC_SUCCESS;
}

cc_enclave_result_t cc_sec_chl_ecall_reset(cc_enclave_t *enclave, int *retval)
{
    (void)enclave;
    *retval = enc_cc_sec_chl_ecall_reset();
    return CC_SUCCESS;
}

cc_enclave_result_t cc_sec_chl_ecall_count(cc_enclave_t *enclave, size_t *retval)
{
    (void)enclave;
    *retval = enc_cc_sec_chl_ecall_count();
    return CC_SUCCESS;
}

cc_enclave_result_t cc_sec_chl_ecall_set_lifetime(cc_enclave_t *enclave, int *retval, uint32_t seconds)
{
    (void)enclave;
    *retval = enc_cc_sec_chl_ecall_set_lifetime(seconds);
    return CC_SUCCESS;
}

/* ---- the connection ---- */

static int to_client(void *conn, void *buf, size_t n)
{
    cc_sec_chl_ctx_t *ctx = conn;
    uint8_t *b = buf;
    if (sc_fuzz_answer_mode == SC_FUZZ_REPLACE) {
        uint8_t *copy = malloc(sc_fuzz_input_len ? sc_fuzz_input_len : 1);
        memcpy(copy, sc_fuzz_input, sc_fuzz_input_len);
        cc_enclave_result_t rc = cc_sec_chl_client_callback(ctx, copy, sc_fuzz_input_len);
        free(copy);
        if (rc != CC_SUCCESS) {
            /* not taken: answer with a refusal so the client stops waiting */
            static const uint8_t refusal[24] = {'C', 'G', 'S', 'C', 1, 2, 0, 0, 0xff, 0xff, 0, 0};
            (void)cc_sec_chl_client_callback(ctx, (void *)refusal, sizeof refusal);
        }
        return (int)n;
    }
    if (sc_fuzz_answer_mode == SC_FUZZ_XOR)
        for (size_t i = 0; i < sc_fuzz_input_len && i < n; i++)
            b[i] ^= sc_fuzz_input[i];
    if (cc_sec_chl_client_callback(ctx, buf, n) != CC_SUCCESS) {
        static const uint8_t refusal[24] = {'C', 'G', 'S', 'C', 1, 2, 0, 0, 0xff, 0xff, 0, 0};
        (void)cc_sec_chl_client_callback(ctx, (void *)refusal, sizeof refusal);
    }
    return (int)n;
}

void sc_fuzz_conn(cc_sec_chl_conn_ctx_t *conn, cc_sec_chl_ctx_t *ctx)
{
    memset(conn, 0, sizeof *conn);
    conn->svr_ctx = &sc_fuzz_svr;
    conn->conn_kit.send = to_client;
    conn->conn_kit.conn = ctx;
}

static int to_server(void *conn, void *buf, size_t n)
{
    cc_sec_chl_conn_ctx_t srv;
    sc_fuzz_conn(&srv, conn);
    (void)cc_sec_chl_svr_callback(&srv, buf, n); /* a refusal is answered too */
    return (int)n;
}

void sc_fuzz_client(cc_sec_chl_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->conn_kit.send = to_server;
    ctx->conn_kit.conn = ctx;
    ctx->basevalue = g_policy;
}

void sc_fuzz_setup(void)
{
    char *dir = g_dir, plat[128];
    strcpy(g_dir, "/tmp/cgear-fuzz-sc-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
    atexit(remove_dir);
    snprintf(plat, sizeof plat, "%s/platform", dir);
    setenv("CGEAR_PLATFORM_DIR", plat, 1);
    if (cg_platform_open(plat, true, &g_platform, NULL, NULL, 0) != CC_SUCCESS)
        abort();
    snprintf(g_policy, sizeof g_policy, "%s/policy", dir);
    FILE *f = fopen(g_policy, "w");
    if (f == NULL)
        abort();
    fprintf(f, "measurement = ");
    for (size_t i = 0; i < sizeof g_measurement; i++)
        fprintf(f, "%02x", g_measurement[i]);
    fprintf(f, "\n");
    fclose(f);
    sc_fuzz_svr.enclave_ctx = &g_enclave;
    if (cc_sec_chl_svr_init(&sc_fuzz_svr) != CC_SUCCESS)
        abort();
}
