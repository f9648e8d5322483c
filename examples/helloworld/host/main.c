/* Host half of helloworld: create the enclave, call it, destroy it. */
#include <stdio.h>
#include <stdlib.h>

#include "enclave.h"
#include "helloworld_u.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "helloworld.enclave"
#endif
#define BUF_LEN 32
#define RANDOM_LEN 16

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : ENCLAVE_PATH;
    cc_enclave_t context = {0};
    char buf[BUF_LEN] = {0};
    uint8_t rnd[RANDOM_LEN] = {0};
    int retval = -1;

    cc_enclave_result_t res = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create enclave error: %s\n", cc_enclave_res2_str(res));
        return EXIT_FAILURE;
    }
    printf("enclave created on the %s engine\n", cgear_engine_name(context.type));

    int status = EXIT_SUCCESS;
    res = get_string(&context, &retval, buf);
    if (res != CC_SUCCESS || retval != 0) {
        fprintf(stderr, "ecall get_string error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    } else {
        printf("get_string: %s\n", buf);
    }

    res = get_random(&context, &retval, rnd, sizeof(rnd));
    if (res != CC_SUCCESS || retval != 0) {
        fprintf(stderr, "ecall get_random error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    } else {
        printf("get_random: ");
        for (size_t i = 0; i < sizeof(rnd); i++)
            printf("%02x", rnd[i]);
        printf("\n");
    }

    res = cc_enclave_destroy(&context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "destroy enclave error: %s\n", cc_enclave_res2_str(res));
        status = EXIT_FAILURE;
    } else {
        printf("enclave destroyed\n");
    }
    return status;
}
