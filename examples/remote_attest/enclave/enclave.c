/* Enclave half of remote_attest: proves it runs by answering one call. */
#include <string.h>

#include "remote_attest_t.h"

#define GREETING "attested enclave here"

int hello(char *buf)
{
    strncpy(buf, GREETING, 32);
    buf[31] = '\0';
    return 0;
}
