/*
 * gdb_host.c - host of the gdb test (gdb_test.sh).
 *
 *   gdb_host ENCLAVE create [prod]  create (debug, or production with
 *                                   "prod") and destroy; prints
 *                                   "create: <result name>"; exit 0 on success
 *   gdb_host ENCLAVE run GO         create a debug enclave, print "created",
 *                                   wait until the file GO exists (the
 *                                   debugger attached and set its
 *                                   breakpoints), then call gdb_add(2, 40)
 *                                   and gdb_crash(1), printing both results
 * Exit 77: the kvm engine cannot run here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enclave.h"
#include "gdb_u.h"

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    bool prod = argc > 3 && strcmp(argv[2], "create") == 0 && strcmp(argv[3], "prod") == 0;
    cc_enclave_t ctx = {0};
    cc_enclave_result_t rc = cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, prod ? 0 : SECGEAR_DEBUG_FLAG, NULL, 0,
                                               &ctx);
    if (strcmp(argv[2], "create") == 0) {
        printf("create: %s\n", cc_enclave_res2_str(rc));
        if (rc == CC_SUCCESS)
            cc_enclave_destroy(&ctx);
        return rc == CC_SUCCESS ? 0 : 1;
    }
    if (rc == CC_ERROR_ENGINE_UNAVAILABLE)
        return 77;
    if (rc != CC_SUCCESS || argc < 4) {
        printf("create: %s\n", cc_enclave_res2_str(rc));
        return 1;
    }
    printf("created\n");
    fflush(stdout);
    for (int i = 0; access(argv[3], F_OK) != 0; i++) {
        if (i > 1200) {
            printf("no go signal\n");
            return 1;
        }
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    int sum = 0, v = 0;
    if (strcmp(argv[2], "spin") == 0) {
        rc = gdb_spin(&ctx, &v, 1 << 20); /* until gdb stops it */
        printf("spin: %s %d\n", cc_enclave_res2_str(rc), v);
        fflush(stdout);
    }
    rc = gdb_add(&ctx, &sum, 2, 40);
    printf("add: %s %d\n", cc_enclave_res2_str(rc), sum);
    fflush(stdout);
    rc = gdb_crash(&ctx, &v, 1);
    printf("crash: %s\n", cc_enclave_res2_str(rc));
    cc_enclave_destroy(&ctx);
    return 0;
}
