/* Enclave half of the call benchmarks: as little work as possible. */
#include <string.h>

#include "bench_t.h"

void bench_empty(void) {}

void bench_buf(const uint8_t *src, uint8_t *dst, size_t len)
{
    memcpy(dst, src, len);
}

void bench_ocalls(int n)
{
    for (int i = 0; i < n; i++)
        bench_ocall_empty();
}
