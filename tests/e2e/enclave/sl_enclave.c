/*
 * The enclave of the switchless end-to-end test (tests/e2e/sl.edl).
 * Gates let the host hold a call inside the enclave for as long as it
 * wants, without any timing assumption.
 */
#include <pthread.h>
#include <stdbool.h>

#include "sl_t.h"

#define NGATES 64

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static bool g_open[NGATES];
static int g_blocked;

int sl_add(int a, int b)
{
    return a + b;
}

void sl_empty(void)
{
}

void plain_empty(void)
{
}

int plain_add(int a, int b)
{
    return a + b;
}

uint64_t sl_xform(const uint8_t *in, uint8_t *out, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += in[i];
        out[i] = in[i] ^ 0x5a;
    }
    return sum;
}

int sl_block(int gate)
{
    if (gate < 0 || gate >= NGATES)
        return -1;
    pthread_mutex_lock(&g_lock);
    g_blocked++;
    while (!g_open[gate])
        pthread_cond_wait(&g_cond, &g_lock);
    g_blocked--;
    pthread_mutex_unlock(&g_lock);
    return gate * 10;
}

void release(int gate)
{
    if (gate < 0 || gate >= NGATES)
        return;
    pthread_mutex_lock(&g_lock);
    g_open[gate] = true;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
}

void reset_gates(void)
{
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < NGATES; i++)
        g_open[i] = false;
    pthread_mutex_unlock(&g_lock);
}

int blocked_count(void)
{
    pthread_mutex_lock(&g_lock);
    int n = g_blocked;
    pthread_mutex_unlock(&g_lock);
    return n;
}

int sl_ocall(int x)
{
    int r = 0;
    if (o_twice(&r, x) != CC_SUCCESS)
        return -1;
    return 2 * r;
}
