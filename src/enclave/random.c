/*
 * random.c - cc_enclave_generate_random(): CPU entropy XOR kernel entropy.
 */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "secgear_random.h"

/* CPUID once: in a VM every CPUID is an exit (microseconds). */
static int has_rdrand(void)
{
    static int known; /* 0 unknown, 1 no, 2 yes; races write the same value */
    int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (k == 0) {
        unsigned a, b, c, d;
        k = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_RDRND) ? 2 : 1;
        __atomic_store_n(&known, k, __ATOMIC_RELAXED);
    }
    return k == 2;
}

/* Intel recommends retrying RDRAND up to 10 times on underflow. */
static int rdrand64(uint64_t *v)
{
    for (int i = 0; i < 10; i++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return 1;
    }
    return 0;
}

static int kernel_random(uint8_t *buf, size_t size)
{
    while (size > 0) {
        ssize_t n = getrandom(buf, size, 0);
        if (n <= 0)
            return 0;
        buf += n;
        size -= (size_t)n;
    }
    return 1;
}

cc_enclave_result_t cc_enclave_generate_random(void *buf, size_t size)
{
    if (size == 0)
        return CC_SUCCESS;
    if (buf == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    uint8_t *p = buf;
    int got_kernel = kernel_random(p, size);
    int got_cpu = 0;
    if (has_rdrand()) {
        got_cpu = 1;
        for (size_t off = 0; off < size && got_cpu; off += 8) {
            uint64_t v;
            if (!rdrand64(&v)) {
                got_cpu = 0;
                break;
            }
            size_t n = size - off < 8 ? size - off : 8;
            if (got_kernel) {
                for (size_t i = 0; i < n; i++)
                    p[off + i] ^= (uint8_t)(v >> (8 * i));
            } else {
                memcpy(p + off, &v, n);
            }
        }
    }
    if (!got_kernel && !got_cpu) {
        memset(buf, 0, size);
        return CC_ERROR_GENERIC;
    }
    return CC_SUCCESS;
}
