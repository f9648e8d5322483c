/*
 * bench_scale - how cost grows with work, per engine (issue 16, item 5):
 *
 *  - payload sweep: ECALLs carrying 64 B .. 64 MiB as [in], [out] and
 *    [in,out], each beside a memcpy of the same bytes in this process
 *    (ratio_vs_memcpy; for [in,out] the reference copies the bytes twice);
 *  - density: N bench enclaves alive at once (N = 1, 10, 100 and, when
 *    MemAvailable allows, 1000): the mean create time (create + first
 *    ECALL) at that N, the monitor processes' RSS per enclave and this
 *    process's RSS growth per enclave.
 *
 * Usage: bench_scale <bench.enclave> [quick | MAX_N]   ("quick": the sweep
 * to 1 MiB and N up to 10, for the test suite, which checks only that it
 * runs and prints valid JSON; MAX_N: the largest N, 1000 by default). One
 * JSON object on stdout.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_u.h"
#include "bench_util.h"
#include "enclave.h"

void bench_ocall_empty(void) {}
void bench_sl_ocall_empty(void) {}


/* kB of a "Field:" line in /proc/PID/status (pid 0: self), -1 if unknown. */
static long status_kb(int pid, const char *field)
{
    char path[64], line[256];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/status", pid);
    else
        snprintf(path, sizeof path, "/proc/self/status");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = atol(line + n + 1);
            break;
        }
    fclose(f);
    return v;
}

static long mem_available_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long v = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "MemAvailable: %ld kB", &v) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return v;
}

enum { IN, OUT, INOUT };
static const char *const g_dir_name[3] = {"in", "out", "in_out"};

/* Mean ns of one call of @dir with @len bytes over enough calls to move
 * at least 64 MiB (at least 3, at most 2000). */
static double sweep_call(cc_enclave_t *ctx, int dir, uint8_t *buf, size_t len)
{
    long n = (long)((64u << 20) / len);
    n = n < 3 ? 3 : n > 2000 ? 2000 : n;
    cc_enclave_result_t rc = dir == IN ? bench_in(ctx, buf, len) : dir == OUT ? bench_out(ctx, buf, len)
                                                                               : bench_inout(ctx, buf, len);
    if (rc != CC_SUCCESS)
        return -1;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        rc = dir == IN ? bench_in(ctx, buf, len) : dir == OUT ? bench_out(ctx, buf, len) : bench_inout(ctx, buf, len);
        if (rc != CC_SUCCESS)
            return -1;
    }
    return (now_ns() - t0) / (double)n;
}

static double memcpy_ns(uint8_t *dst, const uint8_t *src, size_t len, int copies)
{
    long n = (long)((64u << 20) / len);
    n = n < 3 ? 3 : n > 20000 ? 20000 : n;
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        for (int c = 0; c < copies; c++) {
            memcpy(dst, src, len);
            __asm__ volatile("" : : "r"(dst) : "memory");
        }
    return (now_ns() - t0) / (double)n;
}

static int sweep(const char *path, enclave_type_t type, size_t max)
{
    cc_enclave_t ctx = {0};
    if (cc_enclave_create(path, type, 0, 0, NULL, 0, &ctx) != CC_SUCCESS)
        return -1;
    uint8_t *buf = malloc(max), *dst = malloc(max);
    if (buf == NULL || dst == NULL) {
        free(buf);
        free(dst);
        cc_enclave_destroy(&ctx);
        return -1;
    }
    memset(buf, 7, max);
    memset(dst, 0, max);
    int first = 1, failed = 0;
    printf("\"payload\":[");
    for (size_t len = 64; len <= max; len *= 4) {
        double ref1 = memcpy_ns(dst, buf, len, 1), ref2 = memcpy_ns(dst, buf, len, 2);
        printf("%s\n    {\"bytes\":%zu,\"memcpy_ns\":%.0f", first ? "" : ",", len, ref1);
        first = 0;
        for (int d = IN; d <= INOUT; d++) {
            double t = sweep_call(&ctx, d, buf, len);
            double ref = d == INOUT ? ref2 : ref1;
            if (t < 0)
                failed = 1;
            printf(",\"%s_ns\":%.0f,\"ratio_%s_vs_memcpy\":%.1f", g_dir_name[d], t, g_dir_name[d], t / ref);
        }
        printf("}");
    }
    printf("]");
    free(buf);
    free(dst);
    cc_enclave_destroy(&ctx);
    return failed ? -1 : 0;
}

/* N enclaves alive at once. Returns -1 if a create or call failed. */
static int density(const char *path, enclave_type_t type, int max_n)
{
    static const int ns[] = {1, 10, 100, 1000};
    printf(",\"density\":[");
    int first = 1;
    for (size_t k = 0; k < sizeof ns / sizeof ns[0] && ns[k] <= max_n; k++) {
        int n = ns[k];
        /* a rough per-enclave need from the previous step, kept under half
         * of what the machine has free */
        long avail = mem_available_kb();
        if (n >= 1000 && avail >= 0 && avail < (long)n * 8 * 1024 * 2) {
            printf("%s\n    {\"n\":%d,\"skipped\":true,\"reason\":\"MemAvailable %ld kB is under 16 MiB per enclave\"}",
                   first ? "" : ",", n, avail);
            first = 0;
            continue;
        }
        cc_enclave_t *ctx = calloc((size_t)n, sizeof *ctx);
        if (ctx == NULL)
            return -1;
        long self0 = status_kb(0, "VmRSS");
        double t_sum = 0;
        int made = 0, failed = 0;
        for (int i = 0; i < n; i++) {
            double t0 = now_ns();
            if (cc_enclave_create(path, type, 0, 0, NULL, 0, &ctx[i]) != CC_SUCCESS || bench_empty(&ctx[i]) != CC_SUCCESS) {
                failed = 1;
                break;
            }
            t_sum += now_ns() - t0;
            made++;
        }
        long mon_rss = 0, self1 = status_kb(0, "VmRSS");
        for (int i = 0; i < made; i++) {
            long r = status_kb(cgear_enclave_pid(&ctx[i]), "VmRSS");
            mon_rss += r > 0 ? r : 0;
            if (bench_empty(&ctx[i]) != CC_SUCCESS) /* all still alive */
                failed = 1;
        }
        printf("%s\n    {\"n\":%d,\"alive\":%d,\"create_to_first_ecall_mean_ns\":%.0f,"
               "\"monitor_rss_per_enclave_kb\":%.0f,\"host_rss_growth_per_enclave_kb\":%.0f}",
               first ? "" : ",", n, made, made ? t_sum / made : -1.0, made ? (double)mon_rss / made : -1.0,
               made ? (double)(self1 - self0) / made : -1.0);
        first = 0;
        for (int i = 0; i < made; i++)
            cc_enclave_destroy(&ctx[i]);
        free(ctx);
        if (failed) {
            printf("]");
            return -1;
        }
        sleep(1); /* the VMs' teardown ends in the kernel after destroy */
    }
    printf("]");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <bench.enclave> [quick | MAX_N]\n", argv[0]);
        return 2;
    }
    int quick = argc > 2 && strcmp(argv[2], "quick") == 0;
    int max_n = quick ? 10 : argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 1000;
    printf("{\"benchmark\":\"scale\",\"unit\":\"ns\",\"engines\":[");
    static const enclave_type_t engines[] = {KVM_ENCLAVE_TYPE, PROCESS_ENCLAVE_TYPE};
    int failed = 0;
    for (size_t i = 0; i < 2; i++) {
        char why[256];
        const char *name = cgear_engine_name(engines[i]);
        printf("%s\n {\"engine\":\"%s\"", i ? "," : "", name);
        if (!cgear_engine_usable(engines[i], why, sizeof why)) {
            printf(",\"skipped\":true,\"reason\":\"%s\"}", why);
            continue;
        }
        printf(",");
        if (sweep(argv[1], engines[i], quick ? (1u << 20) : (64u << 20)) != 0) {
            fprintf(stderr, "bench_scale: %s engine: a payload call failed\n", name);
            failed = 1;
        }
        if (density(argv[1], engines[i], max_n) != 0) {
            fprintf(stderr, "bench_scale: %s engine: a density step failed\n", name);
            failed = 1;
        }
        printf("}");
    }
    printf("\n]}\n");
    return failed;
}
