/* Enclave half of the call benchmarks: as little work as possible. */
#include <string.h>

#include <stdlib.h>
#include <time.h>

#include "bench_t.h"
#include "secgear_dataseal.h"

void bench_empty(void) {}

void bench_sl_empty(void)
{
}

void bench_buf(const uint8_t *src, uint8_t *dst, size_t len)
{
    memcpy(dst, src, len);
}

void bench_ocalls(int n)
{
    for (int i = 0; i < n; i++)
        bench_ocall_empty();
}

void bench_sl_ocalls(int n)
{
    for (int i = 0; i < n; i++)
        bench_sl_ocall_empty();
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Seal and unseal @size bytes @iters times inside the enclave; report the
 * total time of each (the host divides). Measured inside the enclave so
 * the figure is the crypto and copying, not the call. */
int bench_seal(uint32_t size, int iters, uint64_t *seal_ns, uint64_t *unseal_ns)
{
    uint32_t blob_len = cc_enclave_get_sealed_data_size(0, size);
    uint8_t *data = calloc(1, size), *out = malloc(size), *blob = malloc(blob_len);
    if (data == NULL || out == NULL || blob == NULL || blob_len == UINT32_MAX) {
        free(data);
        free(out);
        free(blob);
        return -1;
    }
    int rc = 0;
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters && rc == 0; i++)
        if (cc_enclave_seal_data(data, size, (cc_enclave_sealed_data_t *)blob, blob_len, NULL, 0) != CC_SUCCESS)
            rc = -2;
    uint64_t t1 = now_ns();
    for (int i = 0; i < iters && rc == 0; i++) {
        uint32_t out_len = size, add_len = 0;
        if (cc_enclave_unseal_data((cc_enclave_sealed_data_t *)blob, out, &out_len, NULL, &add_len) != CC_SUCCESS)
            rc = -3;
    }
    uint64_t t2 = now_ns();
    *seal_ns = t1 - t0;
    *unseal_ns = t2 - t1;
    free(data);
    free(out);
    free(blob);
    return rc;
}
