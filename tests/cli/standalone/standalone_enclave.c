/* Enclave half of the standalone-enclave test. */
#include "secgear_log.h"
#include "standalone_t.h"

static int counter;

/* Adds @delta to a counter that lives as long as the enclave. */
int counter_add(int delta)
{
    counter += delta;
    return counter;
}

/* OCALL into the attached host: 2 * v + 1 if the host doubles. */
int ask_host(int v)
{
    int r = 0;
    if (host_double(&r, v) != CC_SUCCESS)
        return -1;
    return r + 1;
}

/* Writes @text to the console (debug enclaves only). */
int say(const char *text)
{
    PrintInfo(PRINT_ERROR, "%s", text);
    return 0;
}

/* Faults: the enclave dies while a host is attached. */
int crash(void)
{
    *(volatile int *)(unsigned long)counter = 1;
    return 0;
}
