/*
 * bench_sc.c - the secure channel's costs on each engine, beside OpenSSL's
 * AES-256-GCM measured in the same run: handshake latency (hello, the
 * enclave's key pair and report, the client's report verification and key
 * derivation, over an in-memory connection), and records of 1 KiB and
 * 1 MiB each way (client seal + ECALL + enclave open; ECALL + enclave seal
 * + client open). JSON on stdout, medians in nanoseconds.
 *
 * usage: bench_sc <bench_sc.enclave> [iterations]
 */
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_sc_u.h"
#include "bench_util.h"
#include "enclave.h"
#include "secure_channel_client.h"
#include "secure_channel_host.h"

static cc_enclave_t g_enclave;
static cc_sec_chl_svr_ctx_t g_svr;

/* In-memory connection: each side's send is the other's callback. */
static int to_client(void *conn, void *buf, size_t n)
{
    return cc_sec_chl_client_callback(conn, buf, n) == CC_SUCCESS ? (int)n : -1;
}

static int to_server(void *conn, void *buf, size_t n)
{
    cc_sec_chl_conn_ctx_t srv = {&g_svr, {to_client, conn}};
    (void)cc_sec_chl_svr_callback(&srv, buf, n);
    return (int)n;
}

/* OpenSSL AES-256-GCM of @size bytes (the reference), median ns. */
static double openssl_gcm_ns(size_t size, int iters)
{
    uint8_t key[32] = {1}, iv[12] = {2}, tag[16];
    uint8_t *buf = calloc(1, size);
    double *t = calloc((size_t)iters, sizeof *t);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len;
    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, NULL);
    for (int i = 0; i < iters; i++) {
        double t0 = now_ns();
        iv[11] = (uint8_t)i;
        EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv);
        EVP_EncryptUpdate(c, buf, &len, buf, (int)size);
        EVP_EncryptFinal_ex(c, buf + len, &len);
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
        t[i] = now_ns() - t0;
    }
    double m = median(t, iters);
    EVP_CIPHER_CTX_free(c);
    free(buf);
    free(t);
    return m;
}

struct result {
    double handshake, c2s[2], s2c[2];
};

static const size_t sizes[2] = {1024, 1u << 20};

static int run_engine(const char *image, const char *policy, int iters, struct result *r)
{
    double *t = calloc((size_t)iters, sizeof *t);
    cc_sec_chl_ctx_t ctx;
    int ret = 0;
    for (int i = 0; i < iters; i++) {
        memset(&ctx, 0, sizeof ctx);
        ctx.conn_kit.send = to_server;
        ctx.conn_kit.conn = &ctx;
        ctx.basevalue = (char *)policy;
        double t0 = now_ns();
        if (cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &ctx) != CC_SUCCESS)
            return -1;
        t[i] = now_ns() - t0;
        if (i + 1 < iters)
            cc_sec_chl_client_fini(&ctx);
    }
    r->handshake = median(t, iters);
    (void)image;
    for (int s = 0; s < 2; s++) {
        size_t n = sizes[s], cap = n + CC_SEC_CHL_RECORD_OVERHEAD, rl, pl;
        uint8_t *plain = calloc(1, n), *rec = malloc(cap);
        int k = s == 0 ? iters * 10 : iters;
        double *u = calloc((size_t)k, sizeof *u);
        for (int i = 0; i < k; i++) {
            rl = cap;
            double t0 = now_ns();
            if (cc_sec_chl_client_encrypt(&ctx, plain, n, rec, &rl) != CC_SUCCESS ||
                sc_bench_open(&g_enclave, &ret, ctx.session_id, rec, rl, &pl) != CC_SUCCESS || ret != 0 || pl != n)
                return -1;
            u[i] = now_ns() - t0;
        }
        r->c2s[s] = median(u, k);
        for (int i = 0; i < k; i++) {
            pl = n;
            double t0 = now_ns();
            if (sc_bench_seal(&g_enclave, &ret, ctx.session_id, n, rec, cap, &rl) != CC_SUCCESS || ret != 0 ||
                cc_sec_chl_client_decrypt(&ctx, rec, rl, plain, &pl) != CC_SUCCESS || pl != n)
                return -1;
            u[i] = now_ns() - t0;
        }
        r->s2c[s] = median(u, k);
        free(u);
        free(plain);
        free(rec);
    }
    cc_sec_chl_client_fini(&ctx);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <bench_sc.enclave> [iterations]\n", argv[0]);
        return 2;
    }
    int iters = argc > 2 ? atoi(argv[2]) : 50;
    if (iters < 1)
        iters = 1;
    double ref[2] = {openssl_gcm_ns(sizes[0], iters * 10), openssl_gcm_ns(sizes[1], iters)};
    char policy[] = "/tmp/cgear-bench-sc-XXXXXX";
    int pfd = mkstemp(policy);
    if (pfd < 0)
        return 1;
    printf("{\"benchmark\":\"secure_channel\",\"iterations\":%d,\"unit\":\"ns\",\n", iters);
    printf(" \"reference\":{\"openssl_aes256gcm_1k_ns\":%.0f,\"openssl_aes256gcm_1m_ns\":%.0f},\n \"engines\":[", ref[0],
           ref[1]);
    static const struct {
        const char *name;
        enclave_type_t type;
    } engines[] = {{"kvm", KVM_ENCLAVE_TYPE}, {"process", PROCESS_ENCLAVE_TYPE}};
    int status = 0;
    for (int e = 0; e < 2; e++) {
        char why[256];
        struct result r;
        uint8_t m[CGEAR_MEASUREMENT_SIZE];
        const char *sep = e ? "," : "";
        if (!cgear_engine_usable(engines[e].type, why, sizeof why)) {
            printf("%s\n  {\"engine\":\"%s\",\"skipped\":true,\"reason\":\"%s\"}", sep, engines[e].name, why);
            continue;
        }
        memset(&g_enclave, 0, sizeof g_enclave);
        memset(&g_svr, 0, sizeof g_svr);
        if (cc_enclave_create(argv[1], engines[e].type, 0, 0, NULL, 0, &g_enclave) != CC_SUCCESS ||
            cgear_enclave_measurement(&g_enclave, m, sizeof m) != CC_SUCCESS) {
            fprintf(stderr, "bench_sc: %s engine: cannot create the enclave\n", engines[e].name);
            status = 1;
            continue;
        }
        /* the policy accepts this engine's enclave (a line per engine: any of them) */
        dprintf(pfd, "measurement = ");
        for (unsigned i = 0; i < sizeof m; i++)
            dprintf(pfd, "%02x", m[i]);
        dprintf(pfd, "\n");
        g_svr.enclave_ctx = &g_enclave;
        if (cc_sec_chl_svr_init(&g_svr) != CC_SUCCESS || run_engine(argv[1], policy, iters, &r) != 0) {
            fprintf(stderr, "bench_sc: %s engine: the channel failed\n", engines[e].name);
            status = 1;
        } else {
            printf("%s\n  {\"engine\":\"%s\",\"handshake_ns\":%.0f,\"c2s_1k_ns\":%.0f,\"c2s_1m_ns\":%.0f,"
                   "\"s2c_1k_ns\":%.0f,\"s2c_1m_ns\":%.0f,\"c2s_1m_MBps\":%.0f,\"s2c_1m_MBps\":%.0f,"
                   "\"ratio_c2s_1m_vs_openssl_gcm\":%.2f}",
                   sep, engines[e].name, r.handshake, r.c2s[0], r.c2s[1], r.s2c[0], r.s2c[1],
                   sizes[1] / r.c2s[1] * 1e3, sizes[1] / r.s2c[1] * 1e3, r.c2s[1] / ref[1]);
        }
        cc_sec_chl_svr_fini(&g_svr);
        cc_enclave_destroy(&g_enclave);
    }
    printf("\n ]}\n");
    close(pfd);
    unlink(policy);
    return status;
}
