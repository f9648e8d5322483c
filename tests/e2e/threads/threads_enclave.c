/*
 * The enclave of the threads end-to-end test (tests/e2e/threads/threads.edl):
 * musl's pthreads as a secGear application inside an enclave uses them,
 * and BearSSL as its TLS library. Nothing here depends on timing.
 */
#include <bearssl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "secgear_defs.h" /* secGear code uses its CC_MUTEX_* wrappers */
#include "secgear_random.h"
#include "threads_t.h"

#define MAX_THREADS 128

/* ---- a counter under a mutex ---- */

struct counter {
    pthread_mutex_t lock;
    int64_t value;
    int iters;
};

static void *count_up(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < c->iters; i++) {
        CC_MUTEX_LOCK(&c->lock);
        c->value++;
        CC_MUTEX_UNLOCK(&c->lock);
    }
    return NULL;
}

int64_t pt_counter(int nthreads, int iters)
{
    if (nthreads < 1 || nthreads > MAX_THREADS || iters < 0)
        return -EINVAL;
    struct counter c = {.lock = PTHREAD_MUTEX_INITIALIZER, .value = 0, .iters = iters};
    pthread_t t[MAX_THREADS];
    int made = 0, err = 0;
    for (; made < nthreads; made++)
        if ((err = pthread_create(&t[made], NULL, count_up, &c)) != 0)
            break;
    for (int i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    return err != 0 ? -err : c.value;
}

/* ---- a token handed back and forth with a condition variable ---- */

struct pingpong {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int turn; /* 0: main's turn, 1: the other thread's */
    int rounds, done;
};

static void *pong(void *arg)
{
    struct pingpong *p = arg;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->rounds; i++) {
        while (p->turn != 1)
            pthread_cond_wait(&p->cond, &p->lock);
        p->turn = 0;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int pt_pingpong(int rounds)
{
    if (rounds < 0)
        return -EINVAL;
    struct pingpong p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, rounds, 0};
    pthread_t t;
    int err = pthread_create(&t, NULL, pong, &p);
    if (err != 0)
        return -err;
    pthread_mutex_lock(&p.lock);
    for (int i = 0; i < rounds; i++) {
        p.turn = 1;
        pthread_cond_signal(&p.cond);
        while (p.turn != 0)
            pthread_cond_wait(&p.cond, &p.lock);
        p.done++;
    }
    pthread_mutex_unlock(&p.lock);
    pthread_join(t, NULL);
    return p.done;
}

/* ---- once, thread-local storage, keys, rwlocks, barriers, detached ---- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_once_runs;
static __thread int t_local = 7;
static pthread_key_t g_key;
static int g_destructed;
static pthread_mutex_t g_misc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_misc_cond = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t g_barrier;
static int g_rw_value;
static bool g_detached_done;

static void once_init(void)
{
    g_once_runs++;
}

static void destroy_value(void *v)
{
    pthread_mutex_lock(&g_misc_lock);
    g_destructed += *(int *)v;
    pthread_mutex_unlock(&g_misc_lock);
}

static void *misc_thread(void *arg)
{
    static int values[4] = {1, 10, 100, 1000};
    int i = *(int *)arg;
    pthread_once(&g_once, once_init);
    if (t_local != 7) /* every thread starts with the initial value */
        return (void *)1;
    t_local = 100 + i;
    pthread_setspecific(g_key, &values[i]);
    pthread_barrier_wait(&g_barrier); /* all threads have set theirs */
    if (t_local != 100 + i || pthread_getspecific(g_key) != &values[i])
        return (void *)2;
    pthread_rwlock_rdlock(&g_rw);
    int seen = g_rw_value;
    pthread_rwlock_unlock(&g_rw);
    pthread_rwlock_wrlock(&g_rw);
    g_rw_value = seen >= 0 ? g_rw_value + 1 : -1;
    pthread_rwlock_unlock(&g_rw);
    return NULL;
}

static void *detached_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_misc_lock);
    g_detached_done = true;
    pthread_cond_broadcast(&g_misc_cond);
    pthread_mutex_unlock(&g_misc_lock);
    return NULL;
}

int pt_misc(void)
{
    g_once_runs = 0;
    g_once = (pthread_once_t)PTHREAD_ONCE_INIT;
    g_destructed = 0;
    g_rw_value = 0;
    g_detached_done = false;
    if (pthread_key_create(&g_key, destroy_value) != 0 || pthread_barrier_init(&g_barrier, NULL, 4) != 0)
        return 1;
    pthread_t t[4];
    int idx[4] = {0, 1, 2, 3};
    int created = 0, rc = 0;
    for (; created < 4; created++)
        if (pthread_create(&t[created], NULL, misc_thread, &idx[created]) != 0) {
            rc = 2;
            break;
        }
    for (int i = 0; i < created; i++) {
        void *ret = NULL;
        pthread_join(t[i], &ret);
        if (ret != NULL && rc == 0)
            rc = 10 + (int)(intptr_t)ret;
    }
    if (rc == 0 && g_once_runs != 1)
        rc = 3;
    if (rc == 0 && g_rw_value != 4)
        rc = 4;
    if (rc == 0 && g_destructed != 1111) /* each thread's key destructor ran once */
        rc = 5;
    if (rc == 0 && t_local != 7) /* this thread's copy untouched */
        rc = 6;
    pthread_barrier_destroy(&g_barrier);
    pthread_key_delete(g_key);
    if (rc != 0)
        return rc;

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    int err = pthread_create(&d, &a, detached_thread, NULL);
    pthread_attr_destroy(&a);
    if (err != 0)
        return 7;
    pthread_mutex_lock(&g_misc_lock);
    while (!g_detached_done)
        pthread_cond_wait(&g_misc_cond, &g_misc_lock);
    pthread_mutex_unlock(&g_misc_lock);
    return 0;
}

/* ---- how many threads an enclave may have ---- */

static pthread_mutex_t g_gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_gate_cond = PTHREAD_COND_INITIALIZER;
static bool g_gate_open;

static void *wait_gate(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_gate_lock);
    while (!g_gate_open)
        pthread_cond_wait(&g_gate_cond, &g_gate_lock);
    pthread_mutex_unlock(&g_gate_lock);
    return NULL;
}

int pt_fill(int max, int *err)
{
    if (max < 0 || max > MAX_THREADS)
        return -EINVAL;
    pthread_t t[MAX_THREADS];
    g_gate_open = false;
    int made = 0;
    *err = 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    for (; made < max; made++)
        if ((*err = pthread_create(&t[made], &a, wait_gate, NULL)) != 0)
            break;
    pthread_attr_destroy(&a);
    pthread_mutex_lock(&g_gate_lock);
    g_gate_open = true;
    pthread_cond_broadcast(&g_gate_cond);
    pthread_mutex_unlock(&g_gate_lock);
    for (int i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    return made;
}

static void *nothing(void *arg)
{
    return arg;
}

int pt_reuse(int rounds, int n)
{
    if (n < 1 || n > MAX_THREADS)
        return -EINVAL;
    pthread_t t[MAX_THREADS];
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            int err = pthread_create(&t[i], NULL, nothing, NULL);
            if (err != 0) {
                for (int j = 0; j < i; j++)
                    pthread_join(t[j], NULL);
                return r;
            }
        }
        for (int i = 0; i < n; i++)
            pthread_join(t[i], NULL);
    }
    return rounds;
}

/* ---- BearSSL ---- */

int tssl_sha256(const uint8_t *in, size_t n, uint8_t *digest)
{
    br_sha256_context c;
    br_sha256_init(&c);
    br_sha256_update(&c, in, n);
    br_sha256_out(&c, digest);
    return 0;
}

/* BearSSL's low-level I/O: records to and from the host, by OCALL. */
static int tls_read(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    int64_t got = -1;
    if (tls_recv(&got, buf, len) != CC_SUCCESS || got <= 0)
        return -1;
    return (int)got;
}

static int tls_write(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    int64_t put = -1;
    if (tls_send(&put, buf, len) != CC_SUCCESS || put <= 0)
        return -1;
    return (int)put;
}

struct tls_server {
    br_ssl_server_context sc;
    br_sslio_context io;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

int tssl_serve(const uint8_t *cert, size_t cert_len, const uint8_t *key)
{
    if (cert_len == 0)
        return -1;
    struct tls_server *s = malloc(sizeof *s);
    if (s == NULL)
        return -1;
    /* BearSSL keeps pointers: the certificate and key must outlive the
     * connection, which they do (this call's [in] buffers). */
    br_x509_certificate chain = {(unsigned char *)cert, cert_len};
    br_ec_private_key sk = {BR_EC_secp256r1, (unsigned char *)key, 32};
    br_ssl_server_init_full_ec(&s->sc, &chain, 1, BR_KEYTYPE_EC, &sk);
    br_ssl_engine_set_buffer(&s->sc.eng, s->iobuf, sizeof s->iobuf, 1);
    unsigned char seed[32];
    if (cc_enclave_generate_random(seed, sizeof seed) != CC_SUCCESS) {
        free(s);
        return -1;
    }
    br_ssl_engine_inject_entropy(&s->sc.eng, seed, sizeof seed);
    br_ssl_server_reset(&s->sc);
    br_sslio_init(&s->io, &s->sc.eng, tls_read, NULL, tls_write, NULL);

    char line[256];
    size_t n = 0;
    int rc = 0;
    while (n < sizeof line - 1) {
        if (br_sslio_read(&s->io, line + n, 1) != 1) {
            rc = -1;
            break;
        }
        if (line[n++] == '\n')
            break;
    }
    if (rc == 0) {
        static const char prefix[] = "enclave: ";
        if (br_sslio_write_all(&s->io, prefix, sizeof prefix - 1) != 0 ||
            br_sslio_write_all(&s->io, line, n) != 0)
            rc = -1;
        else
            /* Debian's BearSSL 0.6 returns 1 here on success, not the 0 its
             * header documents: the engine's error says what happened. */
            (void)br_sslio_close(&s->io);
    }
    int err = br_ssl_engine_last_error(&s->sc.eng);
    free(s);
    return err != 0 ? err : rc;
}
