/* Enclave half of the call benchmarks: as little work as possible. */
#include <string.h>

#include <stdlib.h>
#include <time.h>

#include "bench_t.h"
#include "secgear_dataseal.h"
#include "secgear_random.h"

#include <cpuid.h>
#include <sys/random.h>
#include <unistd.h>

void bench_empty(void) {}

void bench_sl_empty(void)
{
}

void bench_buf(const uint8_t *src, uint8_t *dst, size_t len)
{
    memcpy(dst, src, len);
}

/* The payload sweep (bench_scale): the data cross, the enclave touches
 * one byte so the call is not empty. */
void bench_in(const uint8_t *buf, size_t len)
{
    __asm__ volatile("" : : "r"(len ? buf[len - 1] : 0));
}

void bench_out(uint8_t *buf, size_t len)
{
    if (len)
        buf[0] = 1;
}

void bench_inout(uint8_t *buf, size_t len)
{
    if (len)
        buf[0] ^= 1;
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

/* What one seal is made of, timed inside the enclave (bench_calls'
 * "probe" keys): a getrandom() system call, one RDRAND, one CPUID, the
 * cheapest system call (getpid), a cc_enclave_generate_random() of an IV. */
int bench_probe(int what, int iters, uint64_t *total_ns)
{
    /* RDRAND, AES-NI and PCLMULQDQ only where the CPUID lists them (an
     * unlisted one may fault): -3 otherwise, printed as -1 */
    unsigned a, b, c, d;
    if (what == 1 || what == 6 || what == 7) {
        uint32_t bit = what == 1 ? 30 : what == 6 ? 25 : 1;
        if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << bit)))
            return -3;
    }
    uint8_t buf[12];
    uint64_t t0 = now_ns(), sink = 0;
    for (int i = 0; i < iters; i++) {
        switch (what) {
        case 0:
            if (getrandom(buf, sizeof buf, 0) != (ssize_t)sizeof buf)
                return -1;
            break;
        case 1: {
            unsigned long long v;
            unsigned char ok;
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
            sink += v + ok;
            break;
        }
        case 2:
            a = 0;
            c = 0;
            __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
            sink += b;
            break;
        case 3:
            sink += (uint64_t)getpid();
            break;
        case 4:
            if (cc_enclave_generate_random(buf, sizeof buf) != CC_SUCCESS)
                return -1;
            break;
        case 5: { /* 1 MiB memcpy between two private buffers (heap: a static
                   * array would be in the image and slow its verification) */
            static uint8_t *a, *b;
            if (a == NULL && ((a = calloc(1, 1 << 20)) == NULL || (b = calloc(1, 1 << 20)) == NULL))
                return -1;
            memcpy(b, a, 1 << 20);
            __asm__ volatile("" : : "r"(b) : "memory");
            break;
        }
        case 6: { /* 1000 dependent AESENC */
            __asm__ volatile("pxor %%xmm0, %%xmm0\n\tmov $1000, %%ecx\n1:\n\taesenc %%xmm0, %%xmm0\n\tdec %%ecx\n\tjnz 1b"
                             : : : "xmm0", "ecx", "cc");
            break;
        }
        case 7: { /* 1000 dependent PCLMULQDQ */
            __asm__ volatile("pxor %%xmm0, %%xmm0\n\tmov $1000, %%ecx\n1:\n\tpclmulqdq $0, %%xmm0, %%xmm0\n\tdec %%ecx\n\tjnz 1b"
                             : : : "xmm0", "ecx", "cc");
            break;
        }
        case 8: { /* 1000 dependent integer multiplies */
            uint64_t x = 3;
            for (int k = 0; k < 1000; k++)
                __asm__ volatile("imul %0, %0" : "+r"(x));
            sink += x;
            break;
        }
        default:
            return -2;
        }
    }
    *total_ns = now_ns() - t0;
    __asm__ volatile("" : : "r"(sink));
    return 0;
}
