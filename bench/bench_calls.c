/*
 * bench_calls - round-trip cost of cgear calls, per engine, as ratios to a
 * reference measured in the same run: a futex ping-pong between two
 * processes (the unavoidable cross-process wake-up an ECALL builds on).
 *
 * Usage: bench_calls <bench.enclave> [iterations]
 * Prints one JSON object on stdout. Times are medians of 5 batches.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_u.h"
#include "bench_util.h"
#include "enclave.h"
#include "kvm_exit.h"

#include <openssl/evp.h>
#include <pthread.h>

#define BATCHES 5
#define NPROBE 9

void bench_ocall_empty(void) {}
void bench_sl_ocall_empty(void) {}


/* ---- reference: futex ping-pong between two processes ---- */
static void futex_wait(_Atomic uint32_t *w, uint32_t v)
{
    syscall(SYS_futex, w, 0 /* FUTEX_WAIT */, v, NULL, NULL, 0);
}
static void futex_wake(_Atomic uint32_t *w)
{
    syscall(SYS_futex, w, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
}

/* Same wait strategy as the call window: spin briefly, then sleep. */
static void wait_for(_Atomic uint32_t *w, uint32_t want)
{
    for (int spin = 0;; spin++) {
        uint32_t v = atomic_load(w);
        if (v == want)
            return;
        if (spin < 2000)
            __builtin_ia32_pause();
        else
            futex_wait(w, v);
    }
}

static double futex_pingpong_ns(long iters)
{
    _Atomic uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    atomic_store(w, 0);
    pid_t pid = fork();
    if (pid == 0) {
        for (long i = 0; i < iters * BATCHES; i++) {
            wait_for(w, 1);
            atomic_store(w, 2);
            futex_wake(w);
        }
        _exit(0);
    }
    double t[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double start = now_ns();
        for (long i = 0; i < iters; i++) {
            atomic_store(w, 1);
            futex_wake(w);
            wait_for(w, 2);
            atomic_store(w, 0);
        }
        t[b] = (now_ns() - start) / (double)iters;
    }
    waitpid(pid, NULL, 0);
    munmap((void *)w, 4096);
    return median(t, BATCHES);
}

/* ---- reference: two threads spinning on one word, no sleeping: the
 * floor of any cross-core hand-over (what a busy switchless call can
 * approach) ---- */
static _Atomic uint32_t g_spin_word;
static long g_spin_iters;

static void *spin_peer(void *arg)
{
    (void)arg;
    for (long i = 0; i < g_spin_iters; i++) {
        while (atomic_load_explicit(&g_spin_word, memory_order_acquire) != 1)
            __builtin_ia32_pause();
        atomic_store_explicit(&g_spin_word, 2, memory_order_release);
    }
    return NULL;
}

static double spin_pingpong_ns(long iters)
{
    g_spin_iters = iters * BATCHES;
    atomic_store(&g_spin_word, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, spin_peer, NULL) != 0)
        return -1;
    double r[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double start = now_ns();
        for (long i = 0; i < iters; i++) {
            atomic_store_explicit(&g_spin_word, 1, memory_order_release);
            while (atomic_load_explicit(&g_spin_word, memory_order_acquire) != 2)
                __builtin_ia32_pause();
        }
        r[b] = (now_ns() - start) / (double)iters;
    }
    pthread_join(t, NULL);
    return median(r, BATCHES);
}

/* ---- reference: OpenSSL AES-256-GCM encrypt + decrypt, ns per byte ---- */
static double openssl_gcm_ns(size_t size, int iters, int decrypt_only)
{
    static const uint8_t key[32], iv[12];
    uint8_t *in = calloc(1, size), *out = malloc(size + 16), tag[16];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (in == NULL || out == NULL || c == NULL) {
        free(in);
        free(out);
        EVP_CIPHER_CTX_free(c);
        return -1;
    }
    int len = 0;
    /* one encryption to have a valid tag for the decrypt runs */
    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv);
    EVP_EncryptUpdate(c, out, &len, in, (int)size);
    EVP_EncryptFinal_ex(c, out + len, &len);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        if (!decrypt_only) {
            EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv);
            EVP_EncryptUpdate(c, in, &len, in, (int)size);
            EVP_EncryptFinal_ex(c, in + len, &len);
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
        } else {
            EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv);
            EVP_DecryptUpdate(c, in, &len, out, (int)size);
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag);
            EVP_DecryptFinal_ex(c, in + len, &len);
        }
    }
    double t = (now_ns() - t0) / iters;
    free(in);
    free(out);
    EVP_CIPHER_CTX_free(c);
    return t;
}

/* ---- cgear calls ---- */
enum { EMPTY, BUF4K, OCALL, SL_EMPTY, SL_OCALL };
static double measure(cc_enclave_t *ctx, int what, long iters);

/* A switchless empty ECALL (@what SL_EMPTY) or OCALL (SL_OCALL) on an
 * enclave with one switchless worker of each kind, of @policy (the bench
 * enclave has 2 threads: one worker, one ordinary). */
static double measure_switchless(const char *path, enclave_type_t type, uint32_t policy, int what, long iters)
{
    cc_sl_config_t cfg = CC_USWITCHLESS_CONFIG_INITIALIZER;
    cfg.num_tworkers = 1;
    cfg.num_uworkers = 1;
    cfg.workers_policy = policy;
    enclave_features_t f = {ENCLAVE_FEATURE_SWITCHLESS, &cfg};
    cc_enclave_t ctx = {0};
    if (cc_enclave_create(path, type, 0, 0, &f, 1, &ctx) != CC_SUCCESS)
        return -1;
    double t = bench_sl_empty(&ctx) == CC_SUCCESS ? measure(&ctx, what, iters) : -1;
    cgear_sl_stats_t st;
    /* Every call must have been switchless, or the number means nothing. */
    if (cgear_sl_stats(&ctx, &st) != CC_SUCCESS || st.fallbacks != 0 || st.ocall_fallbacks != 0 ||
        (what == SL_OCALL && st.ocall_sl_calls == 0))
        t = -1;
    cc_enclave_destroy(&ctx);
    return t;
}

/* An ordinary empty ECALL into an enclave whose thread is asleep: before
 * each call the host sleeps 2 ms, far longer than the enclave thread
 * spins before it sleeps on the futex. Only the calls are timed. */
static double measure_sleeping(cc_enclave_t *ctx, long n)
{
    double t[BATCHES];
    struct timespec pause = {0, 2 * 1000 * 1000};
    for (int b = 0; b < BATCHES; b++) {
        double sum = 0;
        for (long i = 0; i < n; i++) {
            nanosleep(&pause, NULL);
            double start = now_ns();
            if (bench_empty(ctx) != CC_SUCCESS)
                return -1;
            sum += now_ns() - start;
        }
        t[b] = sum / (double)n;
    }
    return median(t, BATCHES);
}

static double measure(cc_enclave_t *ctx, int what, long iters)
{
    static uint8_t src[4096], dst[4096];
    double t[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double start = now_ns();
        if (what == OCALL || what == SL_OCALL) {
            if ((what == OCALL ? bench_ocalls(ctx, (int)iters) : bench_sl_ocalls(ctx, (int)iters)) != CC_SUCCESS)
                return -1;
        } else {
            for (long i = 0; i < iters; i++) {
                cc_enclave_result_t rc = what == EMPTY      ? bench_empty(ctx)
                                         : what == SL_EMPTY ? bench_sl_empty(ctx)
                                                            : bench_buf(ctx, src, dst, sizeof(src));
                if (rc != CC_SUCCESS)
                    return -1;
            }
        }
        t[b] = (now_ns() - start) / (double)iters;
    }
    return median(t, BATCHES);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <bench.enclave> [iterations]\n", argv[0]);
        return 2;
    }
    long iters = argc > 2 ? atol(argv[2]) : 20000;
    if (iters <= 0)
        iters = 20000;

    double ref = futex_pingpong_ns(iters);
    double spin = spin_pingpong_ns(iters);
    double kexit = cg_bench_kvm_exit_ns(iters);
    printf("{\"benchmark\":\"calls\",\"iterations\":%ld,\"unit\":\"ns\",\n", iters);
    printf(" \"reference\":{\"futex_pingpong_2proc_ns\":%.1f,\"spin_pingpong_ns\":%.1f,", ref, spin);
    if (kexit > 0)
        printf("\"kvm_exit_roundtrip_ns\":%.1f},\n \"engines\":[", kexit);
    else
        printf("\"kvm_exit_roundtrip_ns\":null},\n \"engines\":[");

    static const enclave_type_t engines[] = {KVM_ENCLAVE_TYPE, PROCESS_ENCLAVE_TYPE};
    int first = 1, failed = 0;
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
        char why[256];
        const char *name = cgear_engine_name(engines[i]);
        if (!cgear_engine_usable(engines[i], why, sizeof(why))) {
            printf("%s\n  {\"engine\":\"%s\",\"skipped\":true,\"reason\":\"%s\"}", first ? "" : ",", name, why);
            first = 0;
            continue;
        }
        /* Cold start: the first create in this process (one-time costs
         * included), then CREATES more; each timed to the end of its first
         * (cold) empty ECALL. The profile is that of the median run. */
        enum { CREATES = 5 };
        double create_ns = -1, again[CREATES], cold[CREATES];
        cgear_create_profile_t prof[CREATES], first_prof;
        cc_enclave_result_t rc = CC_SUCCESS;
        for (int k = -1; k < CREATES && rc == CC_SUCCESS; k++) {
            /* the previous enclave's teardown (its VM) ends in the kernel
             * after destroy returns: let it finish so it does not compete */
            struct timespec settle = {0, 100 * 1000 * 1000};
            nanosleep(&settle, NULL);
            cc_enclave_t c = {0};
            double t0 = now_ns();
            rc = cc_enclave_create(argv[1], engines[i], 0, 0, NULL, 0, &c);
            double t1 = now_ns();
            if (rc == CC_SUCCESS)
                rc = bench_empty(&c);
            double t2 = now_ns();
            if (rc == CC_SUCCESS)
                rc = cgear_enclave_create_profile(&c, k < 0 ? &first_prof : &prof[k]);
            if (k < 0)
                create_ns = t2 - t0;
            else {
                again[k] = t2 - t0;
                cold[k] = t2 - t1;
            }
            if (c.used_flag)
                cc_enclave_destroy(&c);
        }
        cc_enclave_t ctx = {0};
        if (rc == CC_SUCCESS)
            rc = cc_enclave_create(argv[1], engines[i], 0, 0, NULL, 0, &ctx);
        if (rc == CC_SUCCESS)
            rc = bench_empty(&ctx);
        if (rc != CC_SUCCESS) {
            fprintf(stderr, "bench: %s engine: %s\n", name, cc_enclave_res2_str(rc));
            failed = 1;
            continue;
        }
        /* the profile of the run whose create time is the median */
        double sorted[CREATES];
        memcpy(sorted, again, sizeof sorted);
        double create_again_ns = median(sorted, CREATES);
        int mid = 0;
        for (int k = 0; k < CREATES; k++)
            if (again[k] == create_again_ns)
                mid = k;
        double cold_ns = median(cold, CREATES);
        double sleeping = measure_sleeping(&ctx, iters / 200 + 5);
        double e = measure(&ctx, EMPTY, iters);
        double b4 = measure(&ctx, BUF4K, iters);
        double oc = measure(&ctx, OCALL, iters);
        /* sealing throughput inside the enclave vs OpenSSL in the host */
        static const uint32_t seal_sizes[2] = {4096, 1u << 20};
        double seal_ns[2] = {-1, -1}, unseal_ns[2] = {-1, -1}, ref_enc[2], ref_dec[2];
        for (int k = 0; k < 2; k++) {
            int n = seal_sizes[k] > 4096 ? (int)(iters / 200 + 1) : (int)(iters / 10 + 1);
            uint64_t s_ns = 0, u_ns = 0;
            int r = -1;
            if (bench_seal(&ctx, &r, seal_sizes[k], n, &s_ns, &u_ns) == CC_SUCCESS && r == 0) {
                seal_ns[k] = (double)s_ns / n;
                unseal_ns[k] = (double)u_ns / n;
            }
            ref_enc[k] = openssl_gcm_ns(seal_sizes[k], n, 0);
            ref_dec[k] = openssl_gcm_ns(seal_sizes[k], n, 1);
        }
        /* what a seal is made of, inside the enclave */
        static const char *const probe_names[NPROBE] = {"getrandom_12b", "rdrand", "cpuid", "getpid", "generate_random_12b", "memcpy_1m", "aesenc_x1000", "pclmul_x1000", "imul_x1000"};
        double probe_ns[NPROBE];
        for (int k = 0; k < NPROBE; k++) {
            uint64_t tot = 0;
            int r = -1;
            int n = (int)(iters / 10 + 1);
            probe_ns[k] = bench_probe(&ctx, &r, k, n, &tot) == CC_SUCCESS && r == 0 ? (double)tot / n : -1;
        }
        cc_enclave_destroy(&ctx);
        double sl_busy = measure_switchless(argv[1], engines[i], WORKERS_POLICY_BUSY, SL_EMPTY, iters);
        double sl_wake = measure_switchless(argv[1], engines[i], WORKERS_POLICY_WAKEUP, SL_EMPTY, iters);
        double slo_busy = measure_switchless(argv[1], engines[i], WORKERS_POLICY_BUSY, SL_OCALL, iters);
        double slo_wake = measure_switchless(argv[1], engines[i], WORKERS_POLICY_WAKEUP, SL_OCALL, iters);
        if (e < 0 || b4 < 0 || oc < 0 || sl_busy < 0 || sl_wake < 0 || slo_busy < 0 || slo_wake < 0 ||
            sleeping < 0) {
            fprintf(stderr, "bench: %s engine: a call failed\n", name);
            failed = 1;
            continue;
        }
        printf("%s\n  {\"engine\":\"%s\",\"create_to_first_ecall_ns\":%.0f,"
               "\"empty_ecall_ns\":%.1f,\"ecall_4k_in_out_ns\":%.1f,\"empty_ocall_ns\":%.1f,"
               "\"ratio_empty_ecall_vs_futex\":%.2f,\"ratio_ecall_4k_vs_futex\":%.2f,"
               "\"ratio_empty_ocall_vs_futex\":%.2f",
               first ? "" : ",", name, create_ns, e, b4, oc, e / ref, b4 / ref, oc / ref);
        printf(",\"create_to_first_ecall_again_ns\":%.0f,\"cold_empty_ecall_ns\":%.0f,"
               "\"empty_ecall_sleeping_ns\":%.1f,\"ratio_empty_ecall_vs_spin\":%.2f,"
               "\"ratio_sl_busy_empty_ecall_vs_spin\":%.2f,\"ratio_sl_busy_vs_sleeping_ecall\":%.3f",
               create_again_ns, cold_ns, sleeping, e / spin, sl_busy / spin, sl_busy / sleeping);
        const cgear_create_profile_t *pr[2] = {&first_prof, &prof[mid]};
        for (int k = 0; k < 2; k++) {
            const cgear_create_profile_t *p = pr[k];
            printf(",\"%s\":{\"image_ns\":%llu,\"engine_ns\":%llu,\"window_ns\":%llu,\"keys_ns\":%llu,"
                   "\"prepare_ns\":%llu,\"spawn_ns\":%llu,\"vm_ns\":%llu,\"memory_ns\":%llu,\"load_ns\":%llu,"
                   "\"vcpus_ns\":%llu,\"boot_ns\":%llu,\"runtime_ns\":%llu,\"ready_seen_ns\":%llu,\"total_ns\":%llu}",
                   k ? "create_profile_again" : "create_profile_first", (unsigned long long)p->image_ns,
                   (unsigned long long)p->engine_ns, (unsigned long long)p->window_ns, (unsigned long long)p->keys_ns,
                   (unsigned long long)p->prepare_ns, (unsigned long long)p->spawn_ns, (unsigned long long)p->vm_ns,
                   (unsigned long long)p->memory_ns, (unsigned long long)p->load_ns, (unsigned long long)p->vcpus_ns,
                   (unsigned long long)p->boot_ns, (unsigned long long)p->runtime_ns,
                   (unsigned long long)p->ready_seen_ns, (unsigned long long)p->total_ns);
        }
        printf(",\"sl_busy_empty_ecall_ns\":%.1f,\"sl_wakeup_empty_ecall_ns\":%.1f,"
               "\"ratio_sl_busy_empty_ecall_vs_futex\":%.2f,\"ratio_sl_busy_empty_ecall_vs_empty_ecall\":%.2f,"
               "\"ratio_sl_wakeup_empty_ecall_vs_futex\":%.2f,\"ratio_sl_wakeup_empty_ecall_vs_empty_ecall\":%.2f",
               sl_busy, sl_wake, sl_busy / ref, sl_busy / e, sl_wake / ref, sl_wake / e);
        printf(",\"sl_busy_empty_ocall_ns\":%.1f,\"sl_wakeup_empty_ocall_ns\":%.1f,"
               "\"ratio_sl_busy_empty_ocall_vs_futex\":%.2f,\"ratio_sl_busy_empty_ocall_vs_empty_ocall\":%.2f,"
               "\"ratio_sl_wakeup_empty_ocall_vs_futex\":%.2f,\"ratio_sl_wakeup_empty_ocall_vs_empty_ocall\":%.2f",
               slo_busy, slo_wake, slo_busy / ref, slo_busy / oc, slo_wake / ref, slo_wake / oc);
        if (engines[i] == KVM_ENCLAVE_TYPE && kexit > 0)
            printf(",\"ratio_empty_ecall_vs_kvm_exit\":%.2f", e / kexit);
        for (int k = 0; k < 2; k++)
            if (seal_ns[k] > 0)
                printf(",\"seal_%s_ns\":%.0f,\"unseal_%s_ns\":%.0f,\"openssl_gcm_enc_%s_ns\":%.0f,"
                       "\"ratio_seal_vs_openssl_%s\":%.2f,\"ratio_unseal_vs_openssl_%s\":%.2f",
                       k ? "1m" : "4k", seal_ns[k], k ? "1m" : "4k", unseal_ns[k], k ? "1m" : "4k", ref_enc[k],
                       k ? "1m" : "4k", seal_ns[k] / ref_enc[k], k ? "1m" : "4k", unseal_ns[k] / ref_dec[k]);
        printf(",\"probe\":{");
        for (int k = 0; k < NPROBE; k++)
            printf("%s\"%s_ns\":%.1f", k ? "," : "", probe_names[k], probe_ns[k]);
        printf("}}");
        first = 0;
    }
    printf("\n ]}\n");
    return failed;
}
