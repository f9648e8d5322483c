/*
 * End-to-end test of threads and TLS inside an enclave on the engine
 * CGEAR_ENGINE names (tests/e2e/threads/threads.edl): the EDL imports
 * secGear's system EDLs secgear_pthread.edl and secgear_tssl.edl; the
 * enclave uses musl's pthreads (mutexes, condition variables, once, TLS,
 * keys, rwlocks, barriers, detached threads, as many threads as the engine
 * allows, created again after others ended) and BearSSL, here a TLS server
 * whose client is OpenSSL on the host. Usage: threads_host <enclave>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "e2e_util.h"
#include "enclave.h"
#include "secgear_defs.h"
#include "threads_u.h"

#define THREADS 4 /* THREADS of threads_enclave (tests/e2e/CMakeLists.txt) */
/* The fewest threads of its own an enclave gets on every engine
 * (docs/porting-from-secgear.md, "Threads"). */
#define MIN_OWN_THREADS 16
/* The kvm engine's limit: threads at once, its call slots' included
 * (CG_G_MAX_CPUS, src/abi/kvm_abi.h). */
#define KVM_MAX_THREADS 64

static cc_enclave_t g_ctx;
static int g_tls_fd = -1; /* the enclave's end of the TLS connection */

int64_t tls_recv(uint8_t *buf, size_t cap)
{
    ssize_t n = read(g_tls_fd, buf, cap);
    return n > 0 ? n : -1;
}

int64_t tls_send(const uint8_t *buf, size_t n)
{
    ssize_t w = write(g_tls_fd, buf, n);
    return w > 0 ? w : -1;
}

static int setup(void **state)
{
    (void)state;
    e2e_create(&g_ctx, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(cc_enclave_destroy(&g_ctx), CC_SUCCESS);
    return 0;
}

static void test_counter(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(pt_counter(&g_ctx, &v, 8, 20000), CC_SUCCESS);
    assert_int_equal(v, 8 * 20000);
}

struct concurrent {
    int64_t value;
    cc_enclave_result_t rc;
};

static void *call_counter(void *arg)
{
    struct concurrent *c = arg;
    c->rc = pt_counter(&g_ctx, &c->value, 3, 5000);
    return NULL;
}

/* Every call slot busy, each ECALL running threads of its own. */
static void test_counter_concurrent(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    struct concurrent c[THREADS];
    for (size_t i = 0; i < CC_ARRAY_LEN(t); i++)
        assert_int_equal(pthread_create(&t[i], NULL, call_counter, &c[i]), 0);
    for (size_t i = 0; i < CC_ARRAY_LEN(t); i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].rc, CC_SUCCESS);
        assert_int_equal(c[i].value, 3 * 5000);
    }
}

static void test_pingpong(void **state)
{
    (void)state;
    int done = -1;
    assert_int_equal(pt_pingpong(&g_ctx, &done, 2000), CC_SUCCESS);
    assert_int_equal(done, 2000);
}

static void test_misc(void **state)
{
    (void)state;
    int rc = -1;
    assert_int_equal(pt_misc(&g_ctx, &rc), CC_SUCCESS);
    assert_int_equal(rc, 0);
    assert_int_equal(pt_misc(&g_ctx, &rc), CC_SUCCESS); /* again: nothing left over */
    assert_int_equal(rc, 0);
}

/* As many threads as the engine gives: at least MIN_OWN_THREADS, and the
 * one that does not fit fails with EAGAIN, not a crash. */
static void test_fill(void **state)
{
    (void)state;
    int made = -1, err = -1;
    assert_int_equal(pt_fill(&g_ctx, &made, 128, &err), CC_SUCCESS);
    printf("[ info ] %s: %d threads of the enclave's own at once (%s)\n", getenv("CGEAR_ENGINE"), made,
           err == 0 ? "no limit met" : strerror(err));
    assert_true(made >= MIN_OWN_THREADS);
    assert_true(err == 0 || err == EAGAIN);
    if (e2e_engine_is_kvm()) { /* one vCPU per thread, CG_G_MAX_CPUS in all, the call slots' first */
        assert_int_equal(made, KVM_MAX_THREADS - THREADS);
        assert_int_equal(err, EAGAIN);
    }
    /* after they ended, the same number again */
    int again = -1;
    assert_int_equal(pt_fill(&g_ctx, &again, made, &err), CC_SUCCESS);
    assert_int_equal(again, made);
    assert_int_equal(err, 0);
}

static void test_reuse(void **state)
{
    (void)state;
    int rounds = -1;
    assert_int_equal(pt_reuse(&g_ctx, &rounds, 50, 4), CC_SUCCESS);
    assert_int_equal(rounds, 50);
}

static void test_sha256(void **state)
{
    (void)state;
    uint8_t in[3000], got[32], want[32];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + 3);
    int rc = -1;
    assert_int_equal(tssl_sha256(&g_ctx, &rc, in, sizeof in, got), CC_SUCCESS);
    assert_int_equal(rc, 0);
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(in, sizeof in, want, &len, EVP_sha256(), NULL), 1);
    assert_memory_equal(got, want, 32);
}

/* A self-signed EC P-256 certificate (DER) and its raw private key. */
static void make_cert(uint8_t **der, int *der_len, uint8_t key[32], X509 **out_cert)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    assert_non_null(pk);
    BIGNUM *d = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
    assert_int_equal(BN_bn2binpad(d, key, 32), 32);
    BN_clear_free(d);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"cgear enclave", -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, pk);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    EVP_PKEY_free(pk);
    *der = NULL;
    *der_len = i2d_X509(x, der);
    assert_true(*der_len > 0);
    *out_cert = x;
}

struct tls_client {
    int fd;
    X509 *trust;
    char answer[512];
    size_t answer_len;
    const char *error;
};

/* OpenSSL's client on the host: it trusts only the enclave's certificate. */
static void *tls_client(void *arg)
{
    struct tls_client *c = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    c->error = "SSL_CTX_new";
    if (ctx == NULL)
        goto out;
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), c->trust);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    ssl = SSL_new(ctx);
    c->error = "SSL_connect";
    if (ssl == NULL || SSL_set_fd(ssl, c->fd) != 1 || SSL_connect(ssl) != 1)
        goto out;
    c->error = "certificate not verified";
    if (SSL_get_verify_result(ssl) != X509_V_OK)
        goto out;
    static const char line[] = "hello from the data owner\n";
    c->error = "SSL_write";
    if (SSL_write(ssl, line, (int)strlen(line)) != (int)strlen(line))
        goto out;
    for (;;) {
        int n = SSL_read(ssl, c->answer + c->answer_len, (int)(sizeof c->answer - 1 - c->answer_len));
        if (n <= 0)
            break;
        c->answer_len += (size_t)n;
    }
    /* the enclave closed with close_notify; answer it, as its
     * br_sslio_close() waits for ours */
    c->error = "SSL_shutdown";
    if (SSL_shutdown(ssl) < 0)
        goto out;
    c->error = NULL;
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    shutdown(c->fd, SHUT_RDWR);
    return NULL;
}

static void test_tls_server(void **state)
{
    (void)state;
    uint8_t *der = NULL, key[32];
    int der_len = 0;
    X509 *cert = NULL;
    make_cert(&der, &der_len, key, &cert);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    g_tls_fd = sv[0];
    struct tls_client c = {.fd = sv[1], .trust = cert};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, tls_client, &c), 0);
    int rc = -2;
    assert_int_equal(tssl_serve(&g_ctx, &rc, der, (size_t)der_len, key), CC_SUCCESS);
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    g_tls_fd = -1;
    OPENSSL_free(der);
    X509_free(cert);
    if (c.error != NULL)
        fail_msg("the host's TLS client: %s", c.error);
    assert_int_equal(rc, 0);
    c.answer[c.answer_len] = '\0';
    assert_string_equal(c.answer, "enclave: hello from the data owner\n");
}

int main(int argc, char **argv)
{
    int status = e2e_begin(argc, argv, 2, "ENCLAVE");
    if (status >= 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter), cmocka_unit_test(test_counter_concurrent),
        cmocka_unit_test(test_pingpong), cmocka_unit_test(test_misc),
        cmocka_unit_test(test_fill), cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_sha256), cmocka_unit_test(test_tls_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
