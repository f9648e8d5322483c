/*
 * random.c - cc_enclave_generate_random(): CPU entropy XOR a kernel-seeded
 * DRBG.
 *
 * Each thread keeps its own AES-CTR DRBG (BearSSL), seeded with 32 bytes of
 * getrandom() at its first request and reseeded with 32 more every
 * RESEED_CALLS requests or RESEED_BYTES bytes. A system call per request was
 * the cost of a small seal on the kvm engine: on the test machine's PVM
 * every guest system call is a world switch of about 20 us (a 4 KiB seal
 * took 46 us, 16x its crypto). The DRBG output is XORed with RDRAND where
 * the CPU has it, so either source alone still suffices; both failing is an
 * error. A reset to a snapshot (docs/snapshots.md) restores every DRBG as it
 * was: the reset count the monitor writes then differs from what each
 * thread saw at its last seed, and the thread reseeds before its next
 * output, so no output repeats across resets.
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <bearssl.h>

#include "cgear_enclave_reset.h"
#include "random.h"
#include "secgear_random.h"

#define SEED_LEN 32u
#define RESEED_CALLS 4096u
#define RESEED_BYTES (1u << 20)

/* CPUID once: in a VM every CPUID is an exit (microseconds). The AES-CTR
 * implementation is chosen with it (BearSSL's getter runs CPUID too). */
static int g_known; /* 0 unknown, 1 no RDRAND, 2 RDRAND; races write the same value */
static const br_block_ctr_class *g_ctr;

static void probe_cpu(void)
{
    if (__atomic_load_n(&g_known, __ATOMIC_ACQUIRE) != 0)
        return;
    unsigned a, b, c, d;
    int k = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_RDRND) ? 2 : 1;
    const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
    __atomic_store_n(&g_ctr, ctr ? ctr : &br_aes_ct64_ctr_vtable, __ATOMIC_RELAXED);
    __atomic_store_n(&g_known, k, __ATOMIC_RELEASE);
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

/* This thread's DRBG. Thread-local: no lock on the path of every seal. */
static __thread struct {
    br_aesctr_drbg_context drbg;
    uint32_t calls;  /* requests since the last (re)seed */
    uint32_t bytes;  /* bytes since the last (re)seed */
    int seeded;
    uint64_t epoch;  /* g_epoch at the last (re)seed */
    uint64_t resets; /* the enclave's reset count at the last (re)seed */
} t_rng;

static uint64_t g_epoch; /* bumped by cg_random_reseed(): every thread reseeds */
static uint64_t g_seeds; /* (re)seeds done by every thread: cg_random_seeds() */

uint64_t cg_random_seeds(void)
{
    return __atomic_load_n(&g_seeds, __ATOMIC_RELAXED);
}

/* Seed (first use) or reseed this thread's DRBG from the kernel. 1 on
 * success; 0 leaves the DRBG as it was (unseeded stays unseeded). */
static int reseed(void)
{
    uint8_t seed[SEED_LEN];
    if (!kernel_random(seed, sizeof seed)) {
        explicit_bzero(seed, sizeof seed);
        return 0;
    }
    if (!t_rng.seeded)
        br_aesctr_drbg_init(&t_rng.drbg, g_ctr, seed, sizeof seed);
    else
        br_aesctr_drbg_update(&t_rng.drbg, seed, sizeof seed);
    explicit_bzero(seed, sizeof seed);
    t_rng.seeded = 1;
    __atomic_add_fetch(&g_seeds, 1, __ATOMIC_RELAXED);
    t_rng.calls = 0;
    t_rng.bytes = 0;
    t_rng.epoch = __atomic_load_n(&g_epoch, __ATOMIC_ACQUIRE);
    t_rng.resets = cgear_enclave_resets();
    return 1;
}

void cg_random_reseed(void)
{
    __atomic_add_fetch(&g_epoch, 1, __ATOMIC_ACQ_REL);
}

/* Fill @p with kernel-seeded DRBG output; 0 if there is no seed. */
static int drbg_random(uint8_t *p, size_t size)
{
    if (!t_rng.seeded || t_rng.calls >= RESEED_CALLS || t_rng.bytes >= RESEED_BYTES ||
        t_rng.epoch != __atomic_load_n(&g_epoch, __ATOMIC_ACQUIRE) || t_rng.resets != cgear_enclave_resets()) {
        /* A failed reseed of a seeded DRBG keeps it: it is still as good as
         * its last seed; RDRAND is XORed in anyway. */
        if (!reseed() && !t_rng.seeded)
            return 0;
    }
    br_aesctr_drbg_generate(&t_rng.drbg, p, size);
    t_rng.calls++;
    t_rng.bytes += size > RESEED_BYTES ? RESEED_BYTES : (uint32_t)size;
    return 1;
}

cc_enclave_result_t cc_enclave_generate_random(void *buf, size_t size)
{
    if (size == 0)
        return CC_SUCCESS;
    if (buf == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    probe_cpu();
    uint8_t *p = buf;
    int got_kernel = drbg_random(p, size);
    int got_cpu = 0;
    if (__atomic_load_n(&g_known, __ATOMIC_RELAXED) == 2) {
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
