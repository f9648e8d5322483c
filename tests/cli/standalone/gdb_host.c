/*
 * gdb_host.c - host half of the gdb test (tests/cli/gdb_test.sh): creates
 * the standalone test enclave, prints its pid, waits until a file appears
 * (gdb has attached and set its breakpoint, or failed to), makes two ECALLs
 * (the second one finds gdb continued past the first) and prints results.
 * Usage: gdb_host IMAGE debug|production GO_FILE
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enclave.h"
#include "standalone_u.h"

int host_double(int v)
{
    return 2 * v;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "debug") != 0 && strcmp(argv[2], "production") != 0)) {
        fprintf(stderr, "usage: gdb_host IMAGE debug|production GO_FILE\n");
        return 2;
    }
    uint32_t flags = strcmp(argv[2], "debug") == 0 ? SECGEAR_DEBUG_FLAG : 0;
    cc_enclave_t ctx = {0};
    cc_enclave_result_t rc = cc_enclave_create(argv[1], PROCESS_ENCLAVE_TYPE, 0, flags, NULL, 0, &ctx);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "gdb_host: create failed: %s\n", cc_enclave_res2_str(rc));
        return 1;
    }
    printf("pid %d\n", cgear_enclave_pid(&ctx));
    fflush(stdout);
    /* The script's go signal; give up after a minute. */
    for (int i = 0; i < 600 && access(argv[3], F_OK) != 0; i++)
        usleep(100 * 1000);
    int r = 0;
    rc = counter_add(&ctx, &r, 41);
    printf("result %d %s\n", r, cc_enclave_res2_str(rc));
    if (rc == CC_SUCCESS) {
        rc = counter_add(&ctx, &r, 1);
        printf("result %d %s\n", r, cc_enclave_res2_str(rc));
    }
    fflush(stdout);
    cc_enclave_destroy(&ctx);
    return rc == CC_SUCCESS ? 0 : 1;
}
