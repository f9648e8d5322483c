/*
 * The enclave of the snapshot end-to-end test (snapshot.edl): state a
 * reset must undo (a counter, a heap secret), what a reset must renew
 * (random output, the key block's instance, the reset count), and threads
 * of its own (made after the snapshot, spinning, sleeping).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cgear_enclave_reset.h"
#include "cgear_enclave_report.h"
#include "enclave_keys.h"
#include "secgear_dataseal.h"
#include "secgear_random.h"
#include "snapshot_t.h"

/* the enclave runtime's key block and seed count (src/enclave/keys.h,
 * random.h): white-box */
const struct cg_enclave_keys *cg_trts_keys(void);
uint64_t cg_random_seeds(void);

uint64_t seeds_get(void)
{
    return cg_random_seeds();
}

static int g_counter;
static uint8_t *g_secret;
static size_t g_secret_len;

int counter_add(int v)
{
    g_counter += v;
    return g_counter;
}

int secret_put(const uint8_t *buf, size_t n)
{
    free(g_secret);
    g_secret = malloc(n);
    if (g_secret == NULL)
        return -1;
    memcpy(g_secret, buf, n);
    g_secret_len = n;
    return 0;
}

size_t secret_get(uint8_t *buf, size_t cap)
{
    if (g_secret == NULL)
        return 0;
    size_t n = g_secret_len < cap ? g_secret_len : cap;
    memcpy(buf, g_secret, n);
    return n;
}

int random_get(uint8_t *buf, size_t n)
{
    return cc_enclave_generate_random(buf, n) == CC_SUCCESS ? 0 : -1;
}

uint64_t resets_get(void)
{
    return cgear_enclave_resets();
}

int instance_get(uint8_t *inst)
{
    const struct cg_enclave_keys *k = cg_trts_keys();
    if (k == NULL)
        return -1;
    memcpy(inst, k->instance, 16);
    return 0;
}

int report_ok(void)
{
    static uint8_t report[16384];
    uint32_t len = sizeof report;
    uint8_t nonce[16] = {1, 2, 3};
    return (int)cgear_enclave_get_report(nonce, sizeof nonce, NULL, 0, NULL, 0, report, &len);
}

static atomic_int g_adds;

static void *adder(void *arg)
{
    (void)arg;
    atomic_fetch_add(&g_adds, 1);
    return NULL;
}

int threads_run(int n)
{
    pthread_t t[32];
    if (n < 0 || n > 32)
        return -1;
    int before = atomic_load(&g_adds);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, adder, NULL) != 0)
            return -2;
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return atomic_load(&g_adds) - before;
}

static atomic_int g_spin_stop;
static pthread_t g_spinner;

static atomic_int g_spinning;

static void *spin(void *arg)
{
    (void)arg;
    atomic_store(&g_spinning, 1);
    while (!atomic_load(&g_spin_stop))
        ;
    return NULL;
}

int spinner_start(void)
{
    atomic_store(&g_spin_stop, 0);
    atomic_store(&g_spinning, 0);
    if (pthread_create(&g_spinner, NULL, spin, NULL) != 0)
        return -1;
    while (!atomic_load(&g_spinning)) /* it runs before the host goes on */
        ;
    return 0;
}

int spinner_stop(void)
{
    atomic_store(&g_spin_stop, 1);
    return pthread_join(g_spinner, NULL);
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_poked = PTHREAD_COND_INITIALIZER, g_served = PTHREAD_COND_INITIALIZER;
static int g_pokes, g_done;

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_lock);
    for (;;) {
        while (g_done == g_pokes)
            pthread_cond_wait(&g_poked, &g_lock);
        g_done++;
        pthread_cond_broadcast(&g_served);
    }
    return NULL;
}

int sleeper_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sleeper, NULL) != 0)
        return -1;
    return pthread_detach(t);
}

int sleeper_poke(void)
{
    pthread_mutex_lock(&g_lock);
    int want = ++g_pokes;
    pthread_cond_signal(&g_poked);
    while (g_done < want)
        pthread_cond_wait(&g_served, &g_lock);
    int done = g_done;
    pthread_mutex_unlock(&g_lock);
    return done;
}

int seal_it(const uint8_t *plain, uint8_t *sealed, uint32_t cap, uint32_t *len)
{
    uint32_t need = cc_enclave_get_sealed_data_size(0, 32);
    if (need == UINT32_MAX || need > cap)
        return -1;
    if (cc_enclave_seal_data((uint8_t *)plain, 32, (cc_enclave_sealed_data_t *)sealed, need, NULL, 0) != CC_SUCCESS)
        return -2;
    *len = need;
    return 0;
}

int unseal_it(const uint8_t *sealed, uint32_t len, uint8_t *plain)
{
    (void)len;
    uint32_t plen = 32, alen = 0;
    return cc_enclave_unseal_data((cc_enclave_sealed_data_t *)sealed, plain, &plen, NULL, &alen) == CC_SUCCESS &&
                   plen == 32
               ? 0
               : -1;
}
