/*
 * End-to-end tests of the CPU an enclave sees (tests/e2e/cpu.edl), on the
 * engine CGEAR_ENGINE names. Usage: cpu_host <enclave>
 *
 * The CPUID the enclave sees must be honest: every instruction it lists
 * runs (an unlisted or unenabled one would end the enclave), the vector
 * state it lists is enabled in XCR0, and on the kvm engine the features
 * this host's CPU offers for speed (AES-NI, PCLMULQDQ, AVX, AVX2, RDRAND)
 * reach the enclave (docs/engines.md, "The guest's CPUID").
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_u.h"
#include "e2e_util.h"

#define L1C_PCLMUL (1u << 1)
#define L1C_OSXSAVE (1u << 27)
#define L1C_AVX (1u << 28)
#define L1C_AES (1u << 25)
#define L1C_RDRAND (1u << 30)
#define L7B_AVX2 (1u << 5)
#define L7B_RDSEED (1u << 18)
#define L7B_AVX512F (1u << 16)

struct seen {
    uint32_t regs[8]; /* see cpu_leaves() */
    uint64_t xcr0;
};

static struct seen g_seen;
static cc_enclave_t g_ctx;

static int setup(void **state)
{
    (void)state;
    e2e_create(&g_ctx, 0);
    int r = -1;
    if (cpu_leaves(&g_ctx, &r, g_seen.regs, &g_seen.xcr0) != CC_SUCCESS || r != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return cc_enclave_destroy(&g_ctx) == CC_SUCCESS ? 0 : -1;
}

/* This host process's own view: leaf 1 ECX, 7.0 EBX and its XCR0. */
static void host_cpu(uint32_t *l1c, uint32_t *l7b, uint64_t *xcr0)
{
    unsigned a, b, c, d;
    __cpuid_count(1, 0, a, b, c, d);
    *l1c = c;
    __cpuid_count(7, 0, a, b, c, d);
    *l7b = b;
    *xcr0 = 0;
    if (*l1c & L1C_OSXSAVE) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        *xcr0 = (uint64_t)hi << 32 | lo;
    }
}

/* What the CPUID lists is enabled: XSAVE-managed state in XCR0, leaf 0xd
 * naming exactly that state on the kvm engine, no AVX-512 there. Not on
 * the PVM variant: there the guest's CPUID is the hardware's, adjusted by
 * the hypervisor (no OSXSAVE although AVX runs), whatever table the
 * monitor sets (docs/kvm-pvm.md); test_listed_instructions_run still
 * checks that what it lists runs. */
static void test_cpuid_consistent(void **state)
{
    (void)state;
    const uint32_t *r = g_seen.regs;
    if (e2e_engine_is_kvm() && e2e_kvm_is_pvm()) {
        print_message("skipped on the PVM variant: its guest CPUID is not the monitor's table\n");
        skip();
    }
    print_message("enclave CPUID: 1.ecx %08x 1.edx %08x 7.ebx %08x 7.ecx %08x 0xd.0 %x/%u/%u 0xd.1 %x; XCR0 %llx\n",
                  r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], (unsigned long long)g_seen.xcr0);
    if (r[0] & L1C_OSXSAVE)
        assert_int_equal(g_seen.xcr0 & 3, 3);
    else
        assert_int_equal(g_seen.xcr0, 0);
    if (r[0] & L1C_AVX)
        assert_true(g_seen.xcr0 & 4);
    if (r[2] & L7B_AVX2)
        assert_true(r[0] & L1C_AVX);
    if (e2e_engine_is_kvm()) {
        /* the components listed are the ones set, the sizes fit them */
        assert_int_equal(r[4], (uint32_t)g_seen.xcr0);
        if (g_seen.xcr0 != 0) {
            assert_true(r[5] >= 576 && r[5] == r[6]);
            assert_int_equal(r[7] & (1u << 3), 0); /* no XSAVES: IA32_XSS is not set up */
        }
        assert_int_equal(r[2] & L7B_AVX512F, 0);
        assert_int_equal(g_seen.xcr0 & 0xe0, 0); /* no opmask/ZMM state */
    }
}

/* On the kvm engine the enclave gets the speed of this CPU: what the host
 * process can use for AES-GCM and vector code, the enclave can too. */
static void test_kvm_gets_host_features(void **state)
{
    (void)state;
    if (!e2e_engine_is_kvm())
        skip();
    uint32_t l1c, l7b;
    uint64_t xcr0;
    host_cpu(&l1c, &l7b, &xcr0);
    const uint32_t *r = g_seen.regs;
    if (l1c & L1C_AES)
        assert_true(r[0] & L1C_AES);
    if (l1c & L1C_PCLMUL)
        assert_true(r[0] & L1C_PCLMUL);
    if (l1c & L1C_RDRAND)
        assert_true(r[0] & L1C_RDRAND);
    if ((l1c & L1C_AVX) && (xcr0 & 6) == 6) {
        assert_true(r[0] & L1C_AVX);
        if (!e2e_kvm_is_pvm()) /* PVM lists no OSXSAVE: XCR0 cannot be read */
            assert_true(g_seen.xcr0 & 4);
        if (l7b & L7B_AVX2)
            assert_true(r[2] & L7B_AVX2);
    }
}

__attribute__((target("aes"))) static void ref_aes(const uint8_t *in, uint8_t *out)
{
    __m128i x = _mm_loadu_si128((const __m128i *)in), k = _mm_loadu_si128((const __m128i *)(in + 16));
    _mm_storeu_si128((__m128i *)out, _mm_aesenc_si128(x, k));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_aesdeclast_si128(x, k));
}

__attribute__((target("pclmul"))) static void ref_pclmul(const uint8_t *in, uint8_t *out)
{
    __m128i x = _mm_loadu_si128((const __m128i *)in), y = _mm_loadu_si128((const __m128i *)(in + 16));
    _mm_storeu_si128((__m128i *)out, _mm_clmulepi64_si128(x, y, 0x00));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_clmulepi64_si128(x, y, 0x11));
}

__attribute__((target("avx"))) static void ref_avx(const uint8_t *in, uint8_t *out)
{
    __m256 x = _mm256_loadu_ps((const float *)in);
    _mm256_storeu_ps((float *)out, _mm256_add_ps(x, x));
}

__attribute__((target("avx2"))) static void ref_avx2(const uint8_t *in, uint8_t *out)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)in);
    _mm256_storeu_si256((__m256i *)out, _mm256_add_epi64(_mm256_shuffle_epi32(x, 0x1b), x));
}

/* Every instruction the enclave's CPUID lists runs there and computes what
 * it computes here. At least AES-NI must be listed on this test machine's
 * kvm engine (the reason for issue 16); elsewhere what is listed is run. */
static void test_listed_instructions_run(void **state)
{
    (void)state;
    const uint32_t *r = g_seen.regs;
    const struct {
        bool listed;
        void (*ref)(const uint8_t *, uint8_t *);
    } k[6] = {
        {(r[0] & L1C_AES) != 0, ref_aes},     {(r[0] & L1C_PCLMUL) != 0, ref_pclmul},
        {(r[0] & L1C_AVX) != 0, ref_avx},     {(r[2] & L7B_AVX2) != 0, ref_avx2},
        {(r[0] & L1C_RDRAND) != 0, NULL},     {(r[2] & L7B_RDSEED) != 0, NULL},
    };
    uint8_t in[32], out[32], want[32];
    for (int i = 0; i < 32; i++)
        in[i] = (uint8_t)(i * 37 + 11);
    int ran = 0;
    for (uint32_t w = 0; w < 6; w++) {
        if (!k[w].listed)
            continue;
        int rc = -1;
        assert_int_equal(cpu_exercise(&g_ctx, &rc, w, in, out), CC_SUCCESS);
        assert_int_equal(rc, 0);
        if (k[w].ref != NULL) {
            k[w].ref(in, want);
            assert_memory_equal(out, want, 32);
        }
        ran++;
    }
    uint32_t l1c, l7b;
    uint64_t xcr0;
    host_cpu(&l1c, &l7b, &xcr0);
    if (l1c & L1C_AES)
        assert_true(r[0] & L1C_AES);
    assert_true(ran > 0 || !(l1c & L1C_AES));
}

/* The YMM upper halves survive a system call and a VM exit. */
static void test_ymm_survives_exit(void **state)
{
    (void)state;
    if (!(g_seen.regs[0] & L1C_AVX))
        skip();
    int rc = -1;
    assert_int_equal(cpu_ymm_survives_exit(&g_ctx, &rc), CC_SUCCESS);
    assert_int_equal(rc, 0);
}

static int cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* 10,000 draws of 16 bytes (past the generator's reseed after 4096
 * requests) are pairwise distinct and not all zero. */
static void test_random_distinct(void **state)
{
    (void)state;
    const size_t n = 10000;
    uint8_t *buf = calloc(n, 16);
    assert_non_null(buf);
    int rc = -1;
    assert_int_equal(cpu_random(&g_ctx, &rc, buf, n * 16, 16), CC_SUCCESS);
    assert_int_equal(rc, 0);
    qsort(buf, n, 16, cmp16);
    for (size_t i = 1; i < n; i++)
        assert_true(memcmp(buf + 16 * (i - 1), buf + 16 * i, 16) != 0);
    free(buf);
}

/* Two enclave threads (each with its own generator) never draw the same
 * bytes: 2 x 2,000 draws of 16 bytes, made concurrently. */
struct draw {
    uint8_t buf[2000 * 16];
    int rc;
    cc_enclave_result_t res;
};

static void *draw_thread(void *arg)
{
    struct draw *d = arg;
    d->res = cpu_random(&g_ctx, &d->rc, d->buf, sizeof d->buf, 16);
    return NULL;
}

static void test_random_threads_distinct(void **state)
{
    (void)state;
    static struct draw d[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, draw_thread, &d[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(d[i].res, CC_SUCCESS);
        assert_int_equal(d[i].rc, 0);
    }
    uint8_t *all = malloc(2 * sizeof d[0].buf);
    assert_non_null(all);
    memcpy(all, d[0].buf, sizeof d[0].buf);
    memcpy(all + sizeof d[0].buf, d[1].buf, sizeof d[1].buf);
    size_t n = 2 * sizeof d[0].buf / 16;
    qsort(all, n, 16, cmp16);
    for (size_t i = 1; i < n; i++)
        assert_true(memcmp(all + 16 * (i - 1), all + 16 * i, 16) != 0);
    free(all);
}

/* Large and odd-sized requests: every length up to 300 bytes and one of
 * 1 MiB + 3 succeed, and the output is not constant. */
static void test_random_sizes(void **state)
{
    (void)state;
    size_t big = (1u << 20) + 3;
    uint8_t *buf = calloc(1, big);
    assert_non_null(buf);
    int rc = -1;
    for (size_t len = 1; len <= 300; len++) {
        assert_int_equal(cpu_random(&g_ctx, &rc, buf, len, len), CC_SUCCESS);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(cpu_random(&g_ctx, &rc, buf, big, big), CC_SUCCESS);
    assert_int_equal(rc, 0);
    size_t zeros = 0;
    for (size_t i = 0; i < big; i++)
        zeros += buf[i] == 0;
    assert_true(zeros < big / 64); /* about 1/256 expected */
    free(buf);
}

/* cgear_enclave_create_profile(): the phases of this enclave's creation
 * were all reported (on the kvm engine the monitor's too) and add up to
 * the whole, exactly: they are consecutive intervals. Bad arguments. */
static void test_create_profile(void **state)
{
    (void)state;
    cgear_create_profile_t p;
    assert_int_equal(cgear_enclave_create_profile(&g_ctx, &p), CC_SUCCESS);
    assert_true(p.total_ns > 0 && p.image_ns > 0 && p.spawn_ns > 0 && p.runtime_ns > 0);
    uint64_t sum = p.image_ns + p.engine_ns + p.window_ns + p.keys_ns + p.prepare_ns + p.spawn_ns + p.vm_ns +
                   p.memory_ns + p.load_ns + p.vcpus_ns + p.boot_ns + p.runtime_ns + p.ready_seen_ns;
    assert_int_equal(sum, p.total_ns);
    if (e2e_engine_is_kvm())
        assert_true(p.vm_ns > 0 && p.memory_ns > 0 && p.load_ns > 0 && p.vcpus_ns > 0 && p.boot_ns > 0);
    else
        assert_true(p.vm_ns == 0 && p.boot_ns == 0);
    assert_int_equal(cgear_enclave_create_profile(&g_ctx, NULL), CC_ERROR_BAD_PARAMETERS);
    cc_enclave_t unused = {0};
    assert_int_equal(cgear_enclave_create_profile(&unused, &p), CC_ERROR_INVALID_ENCLAVE_ID);
    assert_int_equal(cgear_enclave_create_profile(NULL, &p), CC_ERROR_INVALID_ENCLAVE_ID);
}

int main(int argc, char **argv)
{
    int status = e2e_begin(argc, argv, 2, "ENCLAVE");
    if (status >= 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpuid_consistent),       cmocka_unit_test(test_kvm_gets_host_features),
        cmocka_unit_test(test_listed_instructions_run), cmocka_unit_test(test_ymm_survives_exit),
        cmocka_unit_test(test_random_distinct),         cmocka_unit_test(test_random_threads_distinct),
        cmocka_unit_test(test_random_sizes),           cmocka_unit_test(test_create_profile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
