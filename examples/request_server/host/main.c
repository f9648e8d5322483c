/*
 * request_server - per-request isolation with snapshots (docs/snapshots.md).
 *
 * Initialises one enclave, takes its snapshot, then serves requests from
 * several tenants, resetting the enclave after each: every request runs on
 * a fresh copy of the initialised enclave, so no tenant's text survives
 * into the next request. Prints what each request saw and what a reset
 * cost beside creating a new enclave, then starts a second server from the
 * same snapshot. On an engine without snapshots (the process engine) it
 * does the same with a new enclave per request.
 *
 * Exit status 0 only if every request succeeded and none saw another.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "enclave.h"
#include "request_server_u.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "request_server.enclave"
#endif

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int start(cc_enclave_t *e, const char *path)
{
    int rc = -1;
    memset(e, 0, sizeof *e);
    if (cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, e) != CC_SUCCESS)
        return -1;
    if (server_init(e, &rc) != CC_SUCCESS || rc != 0) {
        cc_enclave_destroy(e);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : ENCLAVE_PATH;
    static const char *requests[] = {"alice: my password is swordfish", "bob: invoice 4411", "carol: diagnosis",
                                     "alice: second request",           "dave: hello",      "erin: bank 9901"};
    const int n = (int)(sizeof requests / sizeof requests[0]);
    cc_enclave_t e;
    double t0 = now_us();
    if (start(&e, path) != 0) {
        fprintf(stderr, "request_server: cannot start the enclave %s\n", path);
        return 1;
    }
    double create_us = now_us() - t0;
    /* snapshots are a kvm engine feature; elsewhere the call would say so */
    bool snapshots = cgear_enclave_engine(&e) == KVM_ENCLAVE_TYPE && cgear_enclave_snapshot(&e) == CC_SUCCESS;
    printf("engine %s: %s\n", cgear_engine_name(cgear_enclave_engine(&e)),
           snapshots ? "snapshot taken; the enclave is reset after each request"
                     : "no snapshots on this engine; a new enclave per request instead");
    int bad = 0;
    double between_us = 0;
    for (int i = 0; i < n; i++) {
        uint8_t digest[32];
        int seen = -1, rc = -1;
        size_t len = strlen(requests[i]);
        if (server_handle(&e, &rc, requests[i], len, digest, &seen) != CC_SUCCESS || rc != 0) {
            fprintf(stderr, "request_server: request %d failed\n", i);
            bad++;
            break;
        }
        printf("request %d (%-34s) digest %02x%02x%02x%02x... earlier requests it remembers: %d\n", i, requests[i],
               digest[0], digest[1], digest[2], digest[3], seen);
        if (seen != 0)
            bad++;
        double t1 = now_us();
        if (snapshots) {
            if (cgear_enclave_reset(&e) != CC_SUCCESS) {
                fprintf(stderr, "request_server: reset failed\n");
                bad++;
                break;
            }
        } else {
            cc_enclave_destroy(&e);
            if (start(&e, path) != 0) {
                fprintf(stderr, "request_server: cannot start a new enclave\n");
                return 1;
            }
        }
        between_us += now_us() - t1;
    }
    uint64_t resets = 0;
    if (server_resets(&e, &resets) != CC_SUCCESS)
        bad++;
    if (snapshots && bad == 0) {
        /* a second server from the same snapshot: no image load, no
         * initialisation, the snapshot's memory shared copy-on-write */
        cc_enclave_t w = {0};
        double t2 = now_us();
        int seen = -1, rc = -1;
        uint8_t d1[32], d2[32];
        if (cgear_enclave_create_from_snapshot(&e, &w) != CC_SUCCESS ||
            server_handle(&w, &rc, requests[0], strlen(requests[0]), d1, &seen) != CC_SUCCESS || rc != 0) {
            fprintf(stderr, "request_server: cannot start a second server from the snapshot\n");
            bad++;
        } else {
            double from_snap_us = now_us() - t2;
            /* the same salt (made before the snapshot): the same digest */
            if (server_handle(&e, &rc, requests[0], strlen(requests[0]), d2, &seen) != CC_SUCCESS ||
                memcmp(d1, d2, sizeof d1) != 0)
                bad++;
            printf("a second server from the snapshot answered its first request after %.0f us, with the same "
                   "digest as the first server\n",
                   from_snap_us);
            cc_enclave_destroy(&w);
        }
    }
    printf("between requests: %.0f us on average (%s); creating and initialising the enclave took %.0f us\n",
           between_us / n, snapshots ? "reset" : "new enclave", create_us);
    if (snapshots)
        printf("resets the enclave counted: %llu\n", (unsigned long long)resets);
    if (snapshots && resets != (uint64_t)n)
        bad++;
    cc_enclave_destroy(&e);
    printf("%s\n", bad ? "FAILED" : "every request ran on a fresh copy of the initialised enclave");
    return bad ? 1 : 0;
}
