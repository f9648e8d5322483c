/* Enclave half of the switchless example (switchless.edl). */
#include <ctype.h>
#include <string.h>

#include "switchless_t.h"

#define BUF_LEN 32

static int put(char *buf, const char *text)
{
    size_t n = strlen(text);
    if (n >= BUF_LEN)
        return -1;
    memcpy(buf, text, n + 1);
    return 0;
}

/* An ordinary ECALL: the host thread hands the call over and sleeps. */
int get_string(char *buf)
{
    return put(buf, "ordinary ECALL says hello");
}

/* transition_using_threads: served by a worker thread that polls for work. */
int get_string_switchless(char *buf)
{
    return put(buf, "switchless ECALL says hello");
}

void test_toupper(char *buf, int len)
{
    for (int i = 0; i < len; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
}
