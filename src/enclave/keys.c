/*
 * keys.c - the key block the host runtime passes on CG_KEYS_FD.
 */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <errno.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "cgear_enclave_reset.h"
#include "keys.h"
#include "reset_abi.h"

/* The key block lives in the reset area (reset_abi.h): a reset of a
 * snapshotted enclave writes the next one (a new instance and report key)
 * in place while no thread of the enclave runs. */
struct cg_reset_area cg_trts_reset_area __attribute__((section(CG_RESET_SECTION), aligned(64), used)) = {
    .magic = CG_RESET_MAGIC,
};
#define g_keys (cg_trts_reset_area.keys)
static const struct cg_enclave_keys *g_have; /* &g_keys once it is valid */
static const char *g_missing = "the key block was not read yet";

/* Reads into @buf until @len bytes or an error or end; returns the count,
 * *@err the errno of a failure (0 at end of file). */
static size_t read_keys(uint8_t *buf, size_t len, int *err)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(CG_KEYS_FD, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : 0;
            break;
        }
        got += (size_t)n;
    }
    return got;
}

bool cg_trts_load_keys(bool dumpable)
{
    static int loaded;
    if (loaded)
        return false;
    loaded = 1;

    struct cg_enclave_keys k;
    size_t got = 0;
    int err = 0;
    /* Called dumpable == false, the caller made the process non-dumpable
     * already (main.c): no second prctl (on kvm each system call is a trap
     * into the shim, about 17 us on PVM). */
    const bool asked_dumpable = dumpable;
    if (dumpable) {
        /* Only the head (magic, version, flags: no secret) while a debugger
         * may look. The kvm shim answers only whole reads (EINVAL here);
         * that engine is never debugged this way, so it falls through. */
        const size_t head = offsetof(struct cg_enclave_keys, measurement);
        got = read_keys((uint8_t *)&k, head, &err);
        dumpable = got == head && k.magic == CG_KEYS_MAGIC && k.version == CG_KEYS_VERSION &&
                   (k.flags & CG_KEYS_F_DEBUG) != 0;
        if (got == 0 && err == EINVAL)
            err = 0; /* the shim: read the whole block below */
    }
    if (asked_dumpable && !dumpable)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* production keys: nobody may look */
    if (err == 0)
        got += read_keys((uint8_t *)&k + got, sizeof(k) - got, &err);
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
    return dumpable;
}

const struct cg_enclave_keys *cg_trts_keys(void)
{
    return g_have;
}

const char *cg_trts_keys_missing_reason(void)
{
    return g_missing;
}

uint64_t cgear_enclave_resets(void)
{
    return __atomic_load_n(&cg_trts_reset_area.resets, __ATOMIC_ACQUIRE);
}
