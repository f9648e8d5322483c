/* Enclave half of the end-to-end tests. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "e2e_t.h"

/* A recognisable secret in private memory (the /proc/PID/mem test). */
static volatile uint8_t g_secret[64] = "cgear-enclave-secret-0123456789";

int ecall_add(int a, int b) { return a + b; }
void ecall_void(void) {}
uint64_t ecall_u64(uint64_t x) { return x * 3 + 1; }
double ecall_double(double x) { return x / 2.0; }

int ecall_in_modify(uint8_t *buf, size_t len)
{
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += buf[i];
        buf[i] = 0xEE; /* must not reach the host */
    }
    return sum;
}

int ecall_out_fill(uint8_t *buf, size_t len, uint8_t v)
{
    memset(buf, v, len);
    return (int)len;
}

int ecall_out_was_zero(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != 0)
            return 0;
    memset(buf, 0x11, len);
    return 1;
}

int ecall_inout_incr(int *arr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        arr[i] += 1;
    return (int)n;
}

size_t ecall_strlen(const char *s) { return strlen(s); }

int ecall_inout_upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
    return 0;
}

int ecall_is_null(uint8_t *p, size_t len) { return p == NULL && len == 0; }

uint64_t ecall_user_check(void *p) { return (uint64_t)(uintptr_t)p; }

uint64_t ecall_big(uint8_t *src, uint8_t *dst, size_t len)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += src[i];
        dst[i] = (uint8_t)(src[i] ^ 0x5a);
    }
    return sum;
}

int ecall_ocall_double(int x)
{
    int r = -1;
    if (ocall_double(&r, x) != CC_SUCCESS)
        return -1;
    return r;
}

int ecall_ocall_buffers(void)
{
    uint8_t buf[100];
    int r = 0;
    if (ocall_log("hello from the enclave") != CC_SUCCESS)
        return -1;
    if (ocall_fill(&r, buf, sizeof(buf), 0x42) != CC_SUCCESS || r != (int)sizeof(buf))
        return -2;
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != 0x42)
            return -3;
    return 0;
}

int ecall_nested(int depth)
{
    if (depth <= 0)
        return 1000;
    int r = -1;
    if (ocall_nest(&r, depth) != CC_SUCCESS)
        return -1;
    return r + 1;
}

/* EDL public/allow(): the host's ocall_policy() tries one allowed and one
 * forbidden nested ECALL and reports what it saw. */
int ecall_private_add(int a, int b)
{
    return a + b;
}

int ecall_policy(void)
{
    int r = -1;
    if (ocall_policy(&r) != CC_SUCCESS)
        return -1;
    return r;
}

/* Wait until @n calls are inside the enclave at the same time (proves the
 * calls run on distinct enclave threads). Gives up after 20 s. */
static atomic_int g_inside;
int ecall_barrier(int n)
{
    atomic_fetch_add(&g_inside, 1);
    struct timespec ms = {0, 1000000};
    int ok = 0;
    for (int i = 0; i < 20000; i++) {
        if (atomic_load(&g_inside) >= n) {
            ok = 1;
            break;
        }
        nanosleep(&ms, NULL);
    }
    /* Stay until everyone has seen the count, then leave. */
    nanosleep(&ms, NULL);
    return ok;
}

/* The kvm engine's direct map of guest-physical memory (kvm_abi.h). */
#define CG_DIRECT_VA 0x600000000000ull

int ecall_crash(int how)
{
    switch (how) {
    case 0: /* fault */
        *(volatile int *)(uintptr_t)8 = 1;
        break;
    case 1: /* forbidden system call: open a file */
        syscall(SYS_openat, -100, "/etc/passwd", 0);
        break;
    case 2:
        abort();
    case 3:
        _exit(7);
    case 4: /* forbidden: a new process */
        syscall(SYS_fork);
        break;
    case 5: { /* hang until killed */
        struct timespec s = {1000, 0};
        nanosleep(&s, NULL);
        break;
    }
    /* Escape attempts: each must end only this enclave. */
    case 6: /* write to its own code */
        *(volatile uint8_t *)(uintptr_t)&ecall_crash = 0xc3;
        break;
    case 7: /* read far outside anything mapped */
        (void)*(volatile uint64_t *)(uintptr_t)0x00007f0000000000ull;
        break;
    case 8:
        __asm__ volatile("hlt");
        break;
    case 9:
        __asm__ volatile("outb %%al, $0xcc" : : "a"(1));
        break;
    case 10:
        __asm__ volatile("wrmsr" : : "c"(0xc0000082u), "a"(0), "d"(0));
        break;
    case 11:
        __asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)0) : "memory");
        break;
    case 12: /* the 32-bit system call gate */
        __asm__ volatile("int $0x80" : : "a"(20) : "memory");
        break;
    case 13: /* spin for ever: only destroy ends it */
        for (;;)
            __asm__ volatile("pause");
    case 14: /* execute data */
    {
        static uint8_t code[16] = {0xc3};
        ((void (*)(void))(uintptr_t)code)();
        break;
    }
    /* The kvm engine's supervisor memory (src/abi/kvm_abi.h): on
     * VMX/SVM each is a fault naming the address; on the PVM variant every
     * page is user-accessible (docs/kvm-pvm.md) and the call returns. Not
     * mapped at all in the process engine. */
    case 15: /* read the shim's code */
        return (int)(*(volatile uint64_t *)(uintptr_t)(CG_DIRECT_VA + 0x200000ull) & 0x7f);
    case 16: /* rewrite its own page tables (the same value back) */
    {
        volatile uint64_t *pml4e = (volatile uint64_t *)(uintptr_t)(CG_DIRECT_VA + 0xC00000ull);
        uint64_t v = *pml4e;
        *pml4e = v;
        return 100;
    }
    case 17: /* read this vCPU's private area (saved registers, hypercall block) */
        return (int)(*(volatile uint64_t *)(uintptr_t)0x70000000ull & 0x7f);
    case 18: /* a non-canonical thread pointer (WRFSBASE would fault in the shim) */
        return syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, 0x0000800000000000ull) == -1 ? errno : 0;
    }
    return -1;
}

/* FUTEX_CMP_REQUEUE from the enclave (musl's condition variables requeue
 * waiters onto the mutex): the result, or -errno. which: 0 = private words,
 * wrong expected value; 1 = private words, right value; 2 = onto the kvm
 * engine's call window (CG_G_WINDOW_VA), which must be refused. */
#define FUTEX_CMP_REQUEUE 4 /* linux/futex.h: not in musl's headers */
#define FUTEX_PRIVATE_FLAG 128

int ecall_futex_requeue(int which)
{
    static int a = 5, b;
    int *to = which == 2 ? (int *)(uintptr_t)0x200000000000ull : &b;
    long r = syscall(SYS_futex, &a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)(uintptr_t)1, to,
                     which == 0 ? 6 : 5);
    return r < 0 ? -errno : (int)r;
}

/* Allocate far past the manifest's heap: must fail cleanly, not kill. */
int ecall_alloc_past_budget(void)
{
    size_t big = (size_t)4 << 30; /* 4 GiB: the e2e heap is 768 MiB */
    void *p = malloc(big);
    if (p != NULL) {
        free(p);
        return 1;
    }
    /* and the enclave keeps working afterwards */
    void *q = malloc(1 << 20);
    int ok = q != NULL;
    free(q);
    return ok ? 0 : 2;
}

/* A secret that never leaves the enclave: the host gets it complemented,
 * and scans its own memory for the plain bytes. */
static uint8_t g_hidden[32];
int ecall_hidden_complement(uint8_t *out, size_t len)
{
    if (len != sizeof g_hidden)
        return -1;
    static int ready;
    if (!ready) {
        if (cc_enclave_generate_random(g_hidden, sizeof g_hidden) != CC_SUCCESS)
            return -1;
        ready = 1;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)~g_hidden[i];
    return 0;
}

uint64_t ecall_secret_addr(void) { return (uint64_t)(uintptr_t)g_secret; }

int ecall_memcheck(void)
{
    static uint8_t private_buf[16];
    uint8_t *heap = malloc(32);
    int ok = cc_enclave_memory_in_enclave(private_buf, sizeof(private_buf)) &&
             !cc_enclave_memory_out_enclave(private_buf, sizeof(private_buf)) &&
             cc_enclave_memory_in_enclave(heap, 32) && !cc_enclave_memory_in_enclave(NULL, 1) &&
             !cc_enclave_memory_in_enclave((void *)(uintptr_t)UINTPTR_MAX, 2);
    free(heap);
    return ok;
}

int ecall_random(uint8_t *buf, size_t len)
{
    PrintInfo(PRINT_DEBUG, "filling %zu random bytes", len);
    return (int)cc_enclave_generate_random(buf, len);
}

/* ---- sealing (secgear_dataseal.h) ---- */
#include "secgear_dataseal.h"

/* policy 0: cc_enclave_seal_data(); 1 or 2: cgear_seal_data_ex(). */
int ecall_seal(uint32_t policy, uint8_t *data, size_t dlen, uint8_t *add, size_t alen, uint8_t *blob, size_t cap)
{
    if (dlen > UINT32_MAX || alen > UINT32_MAX || cap > UINT32_MAX)
        return (int)CC_ERROR_BAD_PARAMETERS;
    cc_enclave_sealed_data_t *s = (cc_enclave_sealed_data_t *)blob;
    if (policy == 0)
        return (int)cc_enclave_seal_data(data, (uint32_t)dlen, s, (uint32_t)cap, add, (uint32_t)alen);
    return (int)cgear_seal_data_ex(data, (uint32_t)dlen, s, (uint32_t)cap, add, (uint32_t)alen, policy);
}

/* What an application must do before unsealing a blob of @blen bytes: the
 * API trusts data_body_len, so check it against the buffer first. */
int ecall_unseal(uint8_t *blob, size_t blen, uint8_t *data, size_t dcap, uint8_t *add, size_t acap, uint32_t *lens)
{
    cc_enclave_sealed_data_t *s = (cc_enclave_sealed_data_t *)blob;
    if (blen < sizeof(*s) || s->data_body_len != blen - sizeof(*s) || dcap > UINT32_MAX || acap > UINT32_MAX)
        return (int)CC_ERROR_BAD_FORMAT;
    lens[0] = (uint32_t)dcap;
    lens[1] = (uint32_t)acap;
    return (int)cc_enclave_unseal_data(s, data, &lens[0], add, &lens[1]);
}

uint32_t ecall_sealed_size(uint32_t add_len, uint32_t data_len)
{
    return cc_enclave_get_sealed_data_size(add_len, data_len);
}

int ecall_blob_sizes(uint8_t *blob, size_t blen, uint32_t *sizes)
{
    if (blen < sizeof(cc_enclave_sealed_data_t))
        return -1;
    sizes[0] = cc_enclave_get_encrypted_text_size((cc_enclave_sealed_data_t *)blob);
    sizes[1] = cc_enclave_get_add_text_size((cc_enclave_sealed_data_t *)blob);
    return 0;
}

/* Argument errors, which need no keys: a bit per check that holds. */
int ecall_seal_errors(void)
{
    static uint8_t buf[256];
    uint8_t data[8] = "12345678";
    cc_enclave_sealed_data_t *s = (cc_enclave_sealed_data_t *)buf;
    uint32_t n = 8, a = 8;
    int ok = 0;
    if (cc_enclave_get_encrypted_text_size(NULL) == UINT32_MAX)
        ok |= 1 << 0;
    if (cc_enclave_get_add_text_size(NULL) == UINT32_MAX)
        ok |= 1 << 1;
    if (cc_enclave_seal_data(data, 8, NULL, 256, NULL, 0) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 2;
    if (cc_enclave_seal_data(NULL, 8, s, 256, NULL, 0) == CC_ERROR_BAD_PARAMETERS &&
        cc_enclave_seal_data(data, 8, s, 256, NULL, 3) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 3;
    /* lengths are checked before any byte is read: the buffer is small */
    if (cc_enclave_seal_data(data, UINT32_MAX - 10, s, UINT32_MAX, NULL, 0) == CC_ERROR_OVERFLOW &&
        cc_enclave_seal_data(data, UINT32_MAX / 2 + 1, s, UINT32_MAX, data, UINT32_MAX / 2 + 1) == CC_ERROR_OVERFLOW)
        ok |= 1 << 4;
    if (cc_enclave_seal_data(data, 8, s, cc_enclave_get_sealed_data_size(0, 8) - 1, NULL, 0) == CC_ERROR_SHORT_BUFFER)
        ok |= 1 << 5;
    if (cc_enclave_unseal_data(NULL, data, &n, data, &a) == CC_ERROR_BAD_PARAMETERS &&
        cc_enclave_unseal_data(s, data, NULL, data, &a) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 6;
    if (cgear_seal_data_ex(data, 8, s, 256, NULL, 0, 0) == CC_ERROR_BAD_PARAMETERS &&
        cgear_seal_data_ex(data, 8, s, 256, NULL, 0, 3) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 7;
    /* a header whose lengths wrap around in 32 bits: 28 + 16 + (2^32 - 1) + 1
     * is 44 modulo 2^32, exactly data_body_len */
    memset(buf, 0, sizeof(buf));
    s->data_body_len = 44;
    memcpy(s->data_body, "CGSL\x01\x01", 6);
    uint32_t add_len = UINT32_MAX, enc_len = 1;
    memcpy(s->data_body + 20, &add_len, 4);
    memcpy(s->data_body + 24, &enc_len, 4);
    n = a = 8;
    if (cc_enclave_unseal_data(s, data, &n, data, &a) == CC_ERROR_BAD_FORMAT)
        ok |= 1 << 8;
    if (cc_enclave_get_encrypted_text_size(s) == UINT32_MAX && cc_enclave_get_add_text_size(s) == UINT32_MAX)
        ok |= 1 << 9;
    /* not a blob at all: data_body_len too small for a header and a tag */
    s->data_body_len = 43;
    n = a = 8;
    if (cc_enclave_unseal_data(s, data, &n, data, &a) == CC_ERROR_BAD_FORMAT)
        ok |= 1 << 10;
    return ok;
}

/* Buffer layouts the streaming seal code must get right, all in enclave
 * memory: a bit per check that holds. */
int ecall_seal_buffers(void)
{
    enum { D = 3 * 4096 + 7, A = 4096 + 5 }; /* several chunks, odd tails */
    uint32_t blen = cc_enclave_get_sealed_data_size(A, D);
    uint8_t *data = malloc(D), *add = malloc(A), *blob = malloc(blen), *blob2 = malloc(blen);
    uint8_t *out = malloc(D), *aout = malloc(A);
    int ok = 0;
    if (!data || !add || !blob || !blob2 || !out || !aout)
        goto done;
    for (uint32_t i = 0; i < D; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    for (uint32_t i = 0; i < A; i++)
        add[i] = (uint8_t)(i * 13 + 5);
    cc_enclave_sealed_data_t *s = (cc_enclave_sealed_data_t *)blob;
    uint32_t n = D, a = A;

    /* inputs inside the output buffer (sealing in place) */
    memcpy(blob, data, D);
    memcpy(blob + D, add, A);
    if (cc_enclave_seal_data(blob, D, s, blen, blob + D, A) == CC_SUCCESS &&
        cc_enclave_unseal_data(s, out, &n, aout, &a) == CC_SUCCESS && n == D && a == A &&
        memcmp(out, data, D) == 0 && memcmp(aout, add, A) == 0)
        ok |= 1 << 0;
    /* the data written over the blob itself (unsealing in place) */
    memcpy(blob2, blob, blen);
    n = D, a = A;
    if (cc_enclave_unseal_data((cc_enclave_sealed_data_t *)blob2, blob2, &n, aout, &a) == CC_SUCCESS && n == D &&
        memcmp(blob2, data, D) == 0)
        ok |= 1 << 1;
    /* no buffer for the additional text: still authenticated */
    n = D;
    memset(out, 0, D);
    if (cc_enclave_unseal_data(s, out, &n, NULL, NULL) == CC_SUCCESS && memcmp(out, data, D) == 0)
        ok |= 1 << 2;
    /* a changed tag byte: refused, and enclave outputs used as working
     * space hold zeros, not unauthenticated plaintext */
    blob[blen - 1] ^= 1;
    memset(out, 0xAA, D);
    memset(aout, 0xAA, A);
    n = D, a = A;
    int zero = 1;
    if (cc_enclave_unseal_data(s, out, &n, aout, &a) == CC_ERROR_MAC_INVALID) {
        for (uint32_t i = 0; i < D; i++)
            zero &= out[i] == 0;
        for (uint32_t i = 0; i < A; i++)
            zero &= aout[i] == 0;
        if (zero)
            ok |= 1 << 3;
    }
    /* the same in place: refused, and the blob is left as it was */
    memcpy(blob2, blob, blen);
    n = D, a = A;
    if (cc_enclave_unseal_data((cc_enclave_sealed_data_t *)blob2, blob2, &n, aout, &a) == CC_ERROR_MAC_INVALID &&
        memcmp(blob2, blob, blen) == 0)
        ok |= 1 << 4;
    /* and with a wrong additional text byte (authenticated, stored in clear) */
    blob[blen - 1] ^= 1;
    blob[sizeof(cc_enclave_sealed_data_t) + 28 + A - 1] ^= 0x40;
    n = D, a = A;
    if (cc_enclave_unseal_data(s, out, &n, aout, &a) == CC_ERROR_MAC_INVALID)
        ok |= 1 << 5;
done:
    free(data);
    free(add);
    free(blob);
    free(blob2);
    free(out);
    free(aout);
    return ok;
}

/* ---- attestation requested by the enclave ---- */
#include <bearssl.h>

#include "cgear_enclave_report.h"

/* Make a P-256 key pair here, get a report binding its public key (and the
 * verifier's nonce), and sign @msg with the private key: what a verifier
 * needs to trust a key that never left the enclave. Returns the
 * cgear_enclave_get_report() result, or -1 if the crypto failed. */
int ecall_attested_key(uint8_t *nonce, size_t nlen, uint8_t *msg, size_t mlen, uint8_t *pub, uint8_t *sig,
                       uint8_t *report, size_t rcap, uint32_t *rlen)
{
    uint8_t seed[32], skbuf[BR_EC_KBUF_PRIV_MAX_SIZE], pkbuf[BR_EC_KBUF_PUB_MAX_SIZE], hash[32];
    br_hmac_drbg_context rng;
    br_ec_private_key sk;
    br_ec_public_key pk;
    const br_ec_impl *ec = br_ec_get_default();
    if (cc_enclave_generate_random(seed, sizeof(seed)) != CC_SUCCESS)
        return -1;
    br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof(seed));
    if (br_ec_keygen(&rng.vtable, ec, &sk, skbuf, BR_EC_secp256r1) == 0 ||
        br_ec_compute_pub(ec, &pk, pkbuf, &sk) != 65)
        return -1;
    memcpy(pub, pk.q, 65);
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, msg, mlen);
    br_sha256_out(&h, hash);
    if (br_ecdsa_i31_sign_raw(ec, &br_sha256_vtable, hash, &sk, sig) != 64)
        return -1;
    explicit_bzero(skbuf, sizeof(skbuf));
    explicit_bzero(&rng, sizeof(rng));
    uint32_t len = (uint32_t)rcap;
    cc_enclave_result_t rc =
        cgear_enclave_get_report(nonce, (uint32_t)nlen, (const uint8_t *)"e2e", 3, pub, 65, report, &len);
    *rlen = len;
    return (int)rc;
}

/* Argument errors, refused before anything leaves: a bit per check. */
int ecall_report_errors(void)
{
    uint8_t buf[16], n[CGEAR_REPORT_NONCE_MAX + 1] = {0};
    uint32_t len = sizeof(buf);
    int ok = 0;
    if (cgear_enclave_get_report(n, 8, NULL, 0, NULL, 0, buf, NULL) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 0;
    if (cgear_enclave_get_report(n, CGEAR_REPORT_NONCE_MAX + 1, NULL, 0, NULL, 0, buf, &len) ==
        CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 1;
    if (cgear_enclave_get_report(n, 8, NULL, 5, NULL, 0, buf, &len) == CC_ERROR_BAD_PARAMETERS &&
        cgear_enclave_get_report(n, 8, n, CGEAR_REPORT_USER_DATA_MAX + 1, NULL, 0, buf, &len) ==
            CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 2;
    if (cgear_enclave_get_report(n, 8, NULL, 0, NULL, 5, buf, &len) == CC_ERROR_BAD_PARAMETERS &&
        cgear_enclave_get_report(n, 8, NULL, 0, n, CGEAR_REPORT_PUBLIC_KEY_MAX + 1, buf, &len) ==
            CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 3;
    if (cgear_enclave_get_report(NULL, 3, NULL, 0, NULL, 0, buf, &len) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 4;
    len = 5;
    if (cgear_enclave_get_report(n, 8, NULL, 0, NULL, 0, NULL, &len) == CC_ERROR_BAD_PARAMETERS)
        ok |= 1 << 5;
    /* too small a buffer: the size needed comes back */
    len = sizeof(buf);
    if (cgear_enclave_get_report(n, 8, NULL, 0, NULL, 0, buf, &len) == CC_ERROR_SHORT_BUFFER && len > sizeof(buf) &&
        len <= CGEAR_REPORT_MAX)
        ok |= 1 << 6;
    /* asking for the size only (no buffer) */
    len = 0;
    if (cgear_enclave_get_report(n, 8, NULL, 0, NULL, 0, NULL, &len) == CC_ERROR_SHORT_BUFFER && len > 0)
        ok |= 1 << 7;
    return ok;
}
