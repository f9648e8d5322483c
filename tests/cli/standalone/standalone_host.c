/*
 * Host half of the standalone-enclave test: attach to a running enclave
 * ("cgear-enclave:ID"), run the operations given on the command line, detach.
 *
 *   standalone_host PATH [add N | ocall N | say TEXT | info | crash | wait-lost]...
 *
 * Prints one line per operation; exits 0 if every operation succeeded,
 * 1 if one failed, 3 if the attach failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enclave.h"
#include "standalone_u.h"

int host_double(int v)
{
    return 2 * v;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: standalone_host cgear-enclave:ID [add N | ocall N | say TEXT | info | wait-lost]...\n");
        return 2;
    }
    cc_enclave_t ctx = {0};
    cc_enclave_result_t rc = cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &ctx);
    if (rc != CC_SUCCESS) {
        printf("attach: %s\n", cc_enclave_res2_str(rc));
        return 3;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        int ret = -1;
        const char *op = argv[i];
        const char *arg = i + 1 < argc ? argv[i + 1] : "0";
        if (strcmp(op, "add") == 0) {
            rc = counter_add(&ctx, &ret, atoi(arg));
            i++;
            printf("counter: %d\n", ret);
        } else if (strcmp(op, "ocall") == 0) {
            rc = ask_host(&ctx, &ret, atoi(arg));
            i++;
            printf("ocall: %d\n", ret);
        } else if (strcmp(op, "say") == 0) {
            rc = say(&ctx, &ret, arg);
            i++;
            printf("said\n");
        } else if (strcmp(op, "crash") == 0) {
            /* The enclave faults: this call and the next fail, none hangs. */
            rc = crash(&ctx, &ret);
            cc_enclave_result_t again = counter_add(&ctx, &ret, 0);
            printf("crash: %s then: %s status: %s\n", cc_enclave_res2_str(rc), cc_enclave_res2_str(again),
                   cc_enclave_res2_str(cgear_enclave_status(&ctx)));
            rc = rc == CC_ERROR_ENCLAVE_LOST && again == CC_ERROR_ENCLAVE_LOST ? CC_SUCCESS : CC_FAIL;
        } else if (strcmp(op, "info") == 0) {
            uint8_t m[CGEAR_MEASUREMENT_SIZE];
            rc = cgear_enclave_measurement(&ctx, m, sizeof m);
            printf("engine: %s\ndebug: %d\nmeasurement: ", cgear_engine_name(cgear_enclave_engine(&ctx)),
                   (ctx.flags & SECGEAR_DEBUG_FLAG) ? 1 : 0);
            for (size_t k = 0; k < sizeof m; k++)
                printf("%02x", m[k]);
            printf("\n");
            /* cgear_enclave_info() of an attached context: the holder's numbers */
            cgear_enclave_info_t ei;
            cc_enclave_result_t irc = cgear_enclave_info(&ctx, &ei);
            printf("info: %s name: %s threads: %u heap: %llu attached: %d pid: %d same-measurement: %d\n",
                   cc_enclave_res2_str(irc), ei.name, ei.threads, (unsigned long long)ei.heap_size, ei.attached,
                   ei.pid, memcmp(ei.measurement, m, sizeof m) == 0);
            if (rc == CC_SUCCESS)
                rc = irc;
            if (cgear_enclave_info(&ctx, NULL) != CC_ERROR_BAD_PARAMETERS)
                rc = CC_FAIL;
        } else if (strcmp(op, "wait-lost") == 0) {
            /* Call until the enclave is gone: must end, never hang. */
            printf("waiting\n");
            fflush(stdout);
            for (int k = 0; k < 600; k++) {
                rc = counter_add(&ctx, &ret, 0);
                if (rc != CC_SUCCESS)
                    break;
                struct timespec t = {0, 50 * 1000 * 1000};
                nanosleep(&t, NULL);
            }
            printf("lost: %s status: %s\n", cc_enclave_res2_str(rc), cc_enclave_res2_str(cgear_enclave_status(&ctx)));
            rc = rc == CC_ERROR_ENCLAVE_LOST ? CC_SUCCESS : CC_FAIL;
        } else {
            fprintf(stderr, "unknown operation '%s'\n", op);
            status = 2;
            break;
        }
        if (rc != CC_SUCCESS) {
            printf("error: %s: %s\n", op, cc_enclave_res2_str(rc));
            status = 1;
        }
    }
    rc = cc_enclave_destroy(&ctx);
    if (rc != CC_SUCCESS) {
        printf("detach: %s\n", cc_enclave_res2_str(rc));
        status = 1;
    }
    return status;
}
