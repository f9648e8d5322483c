/*
 * The enclave of the shared-memory end-to-end test (shm.edl): reads and
 * writes host-allocated shared memory in place through [user_check]
 * pointers, and tries to execute it.
 */
#include <ctype.h>
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "secgear_memory.h"
#include "shm_t.h"

#define FUTEX_WAKE 1 /* linux/futex.h: not among the enclave toolchain's headers */

uint64_t shm_sum(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i];
    return sum;
}

void shm_fill(uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v + i);
}

int shm_where(const uint8_t *p, size_t n)
{
    return (cc_enclave_memory_out_enclave(p, n) ? 1 : 0) | (cc_enclave_memory_in_enclave(p, n) ? 2 : 0);
}

int heap_where(void)
{
    uint8_t *b = malloc(4096);
    if (b == NULL)
        return -1;
    int r = shm_where(b, 4096);
    free(b);
    return r;
}

void shm_exec(const uint8_t *p)
{
    void (*fn)(void);
    memcpy(&fn, &p, sizeof fn); /* data pointer to code pointer, deliberately */
    fn();
}

void shm_toupper(char *buf, int len)
{
    for (int i = 0; i < len; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
}

uint64_t zc_in(const uint8_t *p, size_t n, uint64_t *sum)
{
    *sum = shm_sum(p, n);
    return (uint64_t)(uintptr_t)p;
}

uint64_t zc_out(uint8_t *p, size_t n, uint8_t v)
{
    memset(p, v, n);
    return (uint64_t)(uintptr_t)p;
}

uint64_t zc_inout(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i]++;
    return (uint64_t)(uintptr_t)p;
}

uint64_t zc_deep(struct zc_msg *m, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && m != NULL && m->len != 0; i++)
        p[i] = m->bytes[i % m->len];
    return (uint64_t)(uintptr_t)p;
}

long shm_futex_wake(uint32_t *w)
{
    long r = syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
    return r < 0 ? -errno : r;
}
