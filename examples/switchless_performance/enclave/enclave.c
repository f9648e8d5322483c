/* Enclave half of the switchless_performance example (switchless.edl). */
#include <ctype.h>

#include "switchless_t.h"

void ecall_empty(void)
{
}

void ecall_empty_switchless(void)
{
}

static int bump(char *buf, int len)
{
    for (int i = 0; i < len; i++)
        buf[i] = (char)(buf[i] + 1);
    return len;
}

int ecall_inout(char *buf, int len)
{
    return bump(buf, len);
}

int ecall_inout_switchless(char *buf, int len)
{
    return bump(buf, len);
}

void test_toupper(char *buf, int len)
{
    for (int i = 0; i < len; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
}
