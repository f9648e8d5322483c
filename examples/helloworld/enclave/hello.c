/* Enclave half of helloworld: plain C, built against musl. */
#include <string.h>

#include "helloworld_t.h"

#define TA_HELLO_WORLD "secgear hello world!"
#define BUF_MAX 32

int get_string(char *buf)
{
    strncpy(buf, TA_HELLO_WORLD, BUF_MAX);
    buf[BUF_MAX - 1] = '\0';
    return 0;
}

int get_random(uint8_t *buf, size_t len)
{
    return (int)cc_enclave_generate_random(buf, len);
}
