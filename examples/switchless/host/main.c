/* Host half of the switchless example: an enclave with two switchless
 * workers, an ordinary and a switchless get_string() into one buffer of
 * shared memory, then a registered shared buffer changed by the enclave.
 * Exits 0 only if every step gave the expected result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "switchless_u.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "switchless.enclave"
#endif
#define BUF_LEN 32

static int check(const char *what, cc_enclave_result_t res, int retval)
{
    if (res != CC_SUCCESS || retval != 0) {
        fprintf(stderr, "%s failed: %s (retval %d)\n", what, cc_enclave_res2_str(res), retval);
        return -1;
    }
    return 0;
}

static int expect(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s gave \"%s\", expected \"%s\"\n", what, got, want);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : ENCLAVE_PATH;
    cc_sl_config_t sl = CC_USWITCHLESS_CONFIG_INITIALIZER;
    sl.num_tworkers = 2;             /* two enclave threads poll for switchless calls */
    sl.sl_call_pool_size_qwords = 2; /* room for 2 x 64 queued asynchronous calls */
    enclave_features_t features = {ENCLAVE_FEATURE_SWITCHLESS, &sl};
    cc_enclave_t ctx = {0};

    cc_enclave_result_t res = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &features, 1, &ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create enclave error: %s\n", cc_enclave_res2_str(res));
        return EXIT_FAILURE;
    }
    printf("enclave created on the %s engine\n", cgear_engine_name(ctx.type));

    int status = EXIT_FAILURE, retval = -1;
    char *buf = cc_malloc_shared_memory(&ctx, BUF_LEN);
    if (buf == NULL) {
        fprintf(stderr, "cc_malloc_shared_memory failed\n");
        goto out;
    }

    res = get_string(&ctx, &retval, buf);
    if (check("get_string", res, retval) != 0 || expect("get_string", buf, "ordinary ECALL says hello") != 0)
        goto out;
    printf("get_string:            %s\n", buf);

    memset(buf, 0, BUF_LEN);
    res = get_string_switchless(&ctx, &retval, buf);
    if (check("get_string_switchless", res, retval) != 0 ||
        expect("get_string_switchless", buf, "switchless ECALL says hello") != 0)
        goto out;
    printf("get_string_switchless: %s\n", buf);

    /* A registered shared buffer, changed by the enclave. */
    res = cc_register_shared_memory(&ctx, buf);
    if (check("cc_register_shared_memory", res, 0) != 0)
        goto out;
    strcpy(buf, "switchless");
    printf("before test_toupper:   %s\n", buf);
    res = test_toupper(&ctx, buf, (int)strlen(buf));
    if (check("test_toupper", res, 0) != 0)
        goto out;
    printf("after test_toupper:    %s\n", buf);
    res = cc_unregister_shared_memory(&ctx, buf);
    if (check("cc_unregister_shared_memory", res, 0) != 0 || expect("test_toupper", buf, "SWITCHLESS") != 0)
        goto out;

    cgear_sl_stats_t stats;
    if (cgear_sl_stats(&ctx, &stats) == CC_SUCCESS)
        printf("switchless calls: %llu on a worker, %llu fell back to ordinary ECALLs\n",
               (unsigned long long)stats.sl_calls, (unsigned long long)stats.fallbacks);
    status = EXIT_SUCCESS;
out:
    if (buf != NULL && cc_free_shared_memory(&ctx, buf) != CC_SUCCESS)
        status = EXIT_FAILURE;
    res = cc_enclave_destroy(&ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "destroy enclave error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    }
    return status;
}
