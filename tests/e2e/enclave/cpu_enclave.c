/*
 * Enclave half of the CPU suite (tests/e2e/cpu.edl): report the CPUID
 * leaves and XCR0 the enclave sees, run the instructions they list (an
 * instruction the engine did not enable faults and ends the enclave: the
 * host sees CC_ERROR_ENCLAVE_LOST), and draw random bytes.
 */
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "cpu_t.h"
#include "secgear_random.h"

/* regs: leaf 1 ECX, EDX; 7.0 EBX, ECX; 0xd.0 EAX, EBX, ECX; 0xd.1 EAX. */
int cpu_leaves(uint32_t *regs, uint64_t *xcr0)
{
    unsigned a, b, c, d;
    __cpuid_count(1, 0, a, b, c, d);
    regs[0] = c;
    regs[1] = d;
    __cpuid_count(7, 0, a, b, c, d);
    regs[2] = b;
    regs[3] = c;
    __cpuid_count(0xd, 0, a, b, c, d);
    regs[4] = a;
    regs[5] = b;
    regs[6] = c;
    __cpuid_count(0xd, 1, a, b, c, d);
    regs[7] = a;
    *xcr0 = 0;
    if (regs[0] & (1u << 27)) { /* OSXSAVE: XGETBV is allowed */
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        *xcr0 = (uint64_t)hi << 32 | lo;
    }
    return 0;
}

__attribute__((target("aes"))) static void do_aes(const uint8_t *in, uint8_t *out)
{
    __m128i x = _mm_loadu_si128((const __m128i *)in), k = _mm_loadu_si128((const __m128i *)(in + 16));
    _mm_storeu_si128((__m128i *)out, _mm_aesenc_si128(x, k));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_aesdeclast_si128(x, k));
}

__attribute__((target("pclmul"))) static void do_pclmul(const uint8_t *in, uint8_t *out)
{
    __m128i x = _mm_loadu_si128((const __m128i *)in), y = _mm_loadu_si128((const __m128i *)(in + 16));
    _mm_storeu_si128((__m128i *)out, _mm_clmulepi64_si128(x, y, 0x00));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_clmulepi64_si128(x, y, 0x11));
}

__attribute__((target("avx"))) static void do_avx(const uint8_t *in, uint8_t *out)
{
    __m256 x = _mm256_loadu_ps((const float *)in);
    _mm256_storeu_ps((float *)out, _mm256_add_ps(x, x));
}

__attribute__((target("avx2"))) static void do_avx2(const uint8_t *in, uint8_t *out)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)in);
    _mm256_storeu_si256((__m256i *)out, _mm256_add_epi64(_mm256_shuffle_epi32(x, 0x1b), x));
}

__attribute__((target("rdrnd"))) static int do_rdrand(uint8_t *out)
{
    unsigned long long v;
    for (int i = 0; i < 10; i++)
        if (_rdrand64_step(&v)) {
            memcpy(out, &v, 8);
            return 0;
        }
    return -1;
}

__attribute__((target("rdseed"))) static int do_rdseed(uint8_t *out)
{
    unsigned long long v;
    for (int i = 0; i < 1000; i++)
        if (_rdseed64_step(&v)) {
            memcpy(out, &v, 8);
            return 0;
        }
    return -1;
}

/* what: 0 AES-NI, 1 PCLMULQDQ, 2 AVX, 3 AVX2, 4 RDRAND, 5 RDSEED. The host
 * runs the same instructions on @in and compares (not for 4 and 5). */
int cpu_exercise(uint32_t what, const uint8_t *in, uint8_t *out)
{
    memset(out, 0, 32);
    switch (what) {
    case 0:
        do_aes(in, out);
        return 0;
    case 1:
        do_pclmul(in, out);
        return 0;
    case 2:
        do_avx(in, out);
        return 0;
    case 3:
        do_avx2(in, out);
        return 0;
    case 4:
        return do_rdrand(out);
    case 5:
        return do_rdseed(out);
    default:
        return -2;
    }
}

/* The upper halves of the YMM registers across a system call and a VM
 * exit (clock_gettime is a hypercall on the kvm engine): the shim saves no
 * vector state, KVM must keep it. 0 if intact, 1 if changed. */
__attribute__((target("avx"))) int cpu_ymm_survives_exit(void)
{
    int bad = 0;
    for (int round = 0; round < 100 && !bad; round++) {
        uint64_t pat[4] = {0x0123456789abcdefull + (uint64_t)round, 0xfedcba9876543210ull, 0x5555aaaa5555aaaaull,
                           0xa5a5a5a55a5a5a5aull ^ (uint64_t)round}, got[4];
        struct timespec ts;
        __asm__ volatile("vmovdqu %1, %%ymm7\n\t"
                         "mov %2, %%rdi\n\t"
                         "mov %%rdi, %%rsi\n\t"
                         "mov $1, %%edi\n\t" /* CLOCK_MONOTONIC */
                         "mov $228, %%eax\n\t" /* SYS_clock_gettime */
                         "syscall\n\t"
                         "vmovdqu %%ymm7, %0"
                         : "=m"(got)
                         : "m"(pat), "r"(&ts)
                         : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm7", "memory");
        bad = memcmp(pat, got, sizeof pat) != 0;
    }
    return bad;
}

/* @len bytes of cc_enclave_generate_random(), drawn @piece bytes at a time
 * (so many draws cross the generator's reseed interval). */
int cpu_random(uint8_t *buf, size_t len, size_t piece)
{
    if (piece == 0)
        return -1;
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        if (cc_enclave_generate_random(buf + off, n) != CC_SUCCESS)
            return -1;
    }
    return 0;
}
