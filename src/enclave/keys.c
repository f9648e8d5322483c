/*
 * keys.c - the key block the host runtime passes on CG_KEYS_FD.
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

static struct cg_enclave_keys g_keys;
static const struct cg_enclave_keys *g_have; /* &g_keys once it is valid */
static const char *g_missing = "the key block was not read yet";

void cg_trts_load_keys(void)
{
    static int loaded;
    if (loaded)
        return;
    loaded = 1;

    struct cg_enclave_keys k;
    size_t got = 0;
    int err = 0;
    while (got < sizeof(k)) {
        ssize_t n = read(CG_KEYS_FD, (uint8_t *)&k + got, sizeof(k) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        got += (size_t)n;
    }
    if (err == EBADF) {
        g_missing = "the host passed no key block (descriptor 8 is not open)";
    } else {
        close(CG_KEYS_FD);
        if (got != sizeof(k))
            g_missing = err ? "reading the key block failed" : "the key block is truncated";
        else if (k.magic != CG_KEYS_MAGIC)
            g_missing = "the key block has a wrong magic";
        else if (k.version != CG_KEYS_VERSION)
            g_missing = "the key block has an unknown version";
        else {
            memcpy(&g_keys, &k, sizeof(k));
            g_have = &g_keys;
            g_missing = "";
        }
    }
    explicit_bzero(&k, sizeof(k));
}

const struct cg_enclave_keys *cg_trts_keys(void)
{
    return g_have;
}

const char *cg_trts_keys_missing_reason(void)
{
    return g_missing;
}
