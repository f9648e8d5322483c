/*
 * bench_snapshot - what snapshots and resets cost (docs/snapshots.md), per
 * engine that has them, beside references measured in the same run: a
 * hot empty ECALL into the same enclave, and creating a new enclave (what
 * a reset replaces for per-request isolation).
 *
 *   snapshot_ns             cgear_enclave_snapshot() of an idle enclave
 *   reset_ns                cgear_enclave_reset() after an empty ECALL
 *   reset_dirty_ns          ... after a request that wrote @dirty bytes
 *   first_ecall_after_reset_ns   the empty ECALL right after a reset (its
 *                           pages fault in again)
 *   create_from_snapshot_ns      a new enclave from the snapshot to its
 *                           first ECALL (first_ecall_from_snapshot_ns:
 *                           that ECALL alone)
 *   create_to_first_ecall_ns     a new enclave instead (the reference)
 *
 * Usage: bench_snapshot <bench.enclave> [iterations]
 * Prints one JSON object on stdout. Times are medians.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_u.h"
#include "bench_util.h"
#include "enclave.h"

void bench_ocall_empty(void) {}
void bench_sl_ocall_empty(void) {}


int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <bench.enclave> [iterations]\n", argv[0]);
        return 2;
    }
    int iters = argc > 2 ? atoi(argv[2]) : 200;
    if (iters < 3)
        iters = 3;
    if (iters > 1000)
        iters = 1000;
    double *t = calloc((size_t)iters, sizeof *t), *t2 = calloc((size_t)iters, sizeof *t2);
    cgear_create_profile_t prof[64];
    const size_t dirty = 4u << 20;
    uint8_t *buf = malloc(dirty);
    if (t == NULL || t2 == NULL || buf == NULL)
        return 1;
    memset(buf, 7, dirty);
    printf("{\"benchmark\":\"snapshot\",\"iterations\":%d,\"unit\":\"ns\",\"dirty_bytes\":%zu,\n \"engines\":[", iters,
           dirty);
    static const enclave_type_t engines[] = {KVM_ENCLAVE_TYPE, PROCESS_ENCLAVE_TYPE};
    int first = 1, failed = 0;
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        const char *name = cgear_engine_name(engines[i]);
        char why[256];
        printf("%s\n  {\"engine\":\"%s\"", first ? "" : ",", name);
        first = 0;
        if (!cgear_engine_usable(engines[i], why, sizeof why)) {
            printf(",\"skipped\":true,\"reason\":\"%s\"}", why);
            continue;
        }
        /* the reference: a new enclave to its first ECALL */
        for (int k = 0; k < 5; k++) {
            cc_enclave_t c = {0};
            double t0 = now_ns();
            if (cc_enclave_create(argv[1], engines[i], 0, 0, NULL, 0, &c) != CC_SUCCESS || bench_empty(&c) != CC_SUCCESS)
                return 1;
            t[k] = now_ns() - t0;
            cc_enclave_destroy(&c);
        }
        double create = median(t, 5);
        cc_enclave_t ctx = {0};
        if (cc_enclave_create(argv[1], engines[i], 0, 0, NULL, 0, &ctx) != CC_SUCCESS || bench_empty(&ctx) != CC_SUCCESS)
            return 1;
        double t0 = now_ns();
        cc_enclave_result_t rc = cgear_enclave_snapshot(&ctx);
        double snap = now_ns() - t0;
        if (rc == CC_ERROR_NOT_SUPPORTED) {
            printf(",\"supported\":false,\"create_to_first_ecall_ns\":%.0f}", create);
            cc_enclave_destroy(&ctx);
            continue;
        }
        if (rc != CC_SUCCESS) {
            fprintf(stderr, "bench_snapshot: %s: snapshot failed: %s\n", name, cc_enclave_res2_str(rc));
            failed = 1;
            printf("}");
            cc_enclave_destroy(&ctx);
            continue;
        }
        /* hot empty ECALL, the scale of everything else */
        for (int k = 0; k < 1000; k++)
            bench_empty(&ctx);
        t0 = now_ns();
        for (int k = 0; k < 10000; k++)
            bench_empty(&ctx);
        double hot = (now_ns() - t0) / 10000;
        /* reset after an empty request; then the first call after it */
        for (int k = 0; k < iters && rc == CC_SUCCESS; k++) {
            rc = bench_empty(&ctx);
            t0 = now_ns();
            if (rc == CC_SUCCESS)
                rc = cgear_enclave_reset(&ctx);
            double t1 = now_ns();
            if (rc == CC_SUCCESS)
                rc = bench_empty(&ctx);
            t[k] = t1 - t0;
            t2[k] = now_ns() - t1;
        }
        double reset = median(t, iters), after = median(t2, iters);
        /* reset after a request that wrote into the enclave's memory */
        int nd = iters / 4 + 1;
        for (int k = 0; k < nd && rc == CC_SUCCESS; k++) {
            rc = bench_in(&ctx, buf, dirty);
            t0 = now_ns();
            if (rc == CC_SUCCESS)
                rc = cgear_enclave_reset(&ctx);
            t[k] = now_ns() - t0;
        }
        double reset_dirty = median(t, nd);
        /* a new enclave from the snapshot, to its first ECALL */
        int nc = iters / 20 + 3;
        for (int k = 0; k < nc && rc == CC_SUCCESS; k++) {
            cc_enclave_t c = {0};
            t0 = now_ns();
            rc = cgear_enclave_create_from_snapshot(&ctx, &c);
            double t1 = now_ns();
            if (rc == CC_SUCCESS)
                rc = bench_empty(&c);
            if (rc == CC_SUCCESS)
                rc = cgear_enclave_create_profile(&c, &prof[k]);
            t[k] = now_ns() - t0;
            t2[k] = now_ns() - t1;
            if (c.used_flag)
                cc_enclave_destroy(&c);
        }
        double from_snap_all[64];
        memcpy(from_snap_all, t, (size_t)nc * sizeof *t);
        double from_snap = median(t, nc), from_snap_first = median(t2, nc);
        int mid = 0; /* the profile of the median run */
        for (int k = 0; k < nc; k++)
            if (from_snap_all[k] == from_snap)
                mid = k;
        const cgear_create_profile_t *p = &prof[mid];
        cc_enclave_destroy(&ctx);
        if (rc != CC_SUCCESS) {
            fprintf(stderr, "bench_snapshot: %s: %s\n", name, cc_enclave_res2_str(rc));
            failed = 1;
            printf("}");
            continue;
        }
        printf(",\"supported\":true,\"snapshot_ns\":%.0f,\"reset_ns\":%.0f,\"reset_dirty_ns\":%.0f,"
               "\"first_ecall_after_reset_ns\":%.0f,\"empty_ecall_ns\":%.1f,\"create_to_first_ecall_ns\":%.0f,"
               "\"create_from_snapshot_ns\":%.0f,\"first_ecall_from_snapshot_ns\":%.0f,"
               "\"ratio_reset_vs_empty_ecall\":%.1f,\"ratio_reset_plus_first_ecall_vs_create\":%.3f,"
               "\"ratio_create_from_snapshot_vs_create\":%.3f",
               snap, reset, reset_dirty, after, hot, create, from_snap, from_snap_first, reset / hot, (reset + after) / create,
               from_snap / create);
        /* where a start from the snapshot goes (cgear_enclave_create_profile: window, keys, the reaper and
         * spawn, the monitor's VM, memory, vCPUs from the snapshot ("load"), confinement; the rest is the
         * snapshot's monitor sending it and READY) */
        printf(",\n   \"create_from_snapshot_profile\":{\"window_ns\":%llu,\"keys_ns\":%llu,\"prepare_ns\":%llu,"
               "\"spawn_ns\":%llu,\"vm_ns\":%llu,\"memory_ns\":%llu,\"load_ns\":%llu,\"vcpus_ns\":%llu,"
               "\"total_ns\":%llu}}",
               (unsigned long long)p->window_ns, (unsigned long long)p->keys_ns, (unsigned long long)p->prepare_ns,
               (unsigned long long)p->spawn_ns, (unsigned long long)p->vm_ns, (unsigned long long)p->memory_ns,
               (unsigned long long)p->load_ns, (unsigned long long)p->vcpus_ns, (unsigned long long)p->total_ns);
    }
    printf("\n ]}\n");
    free(t);
    free(t2);
    free(buf);
    return failed;
}
