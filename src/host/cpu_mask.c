/*
 * cpu_mask.c - CPU masks of switchless core binding (cpu_mask.h).
 */
#define _GNU_SOURCE
#include "cpu_mask.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>

void cg_cpu_list(uint64_t mask, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (mask == 0) {
        snprintf(buf, len, "none");
        return;
    }
    size_t used = 0;
    for (unsigned i = 0; i < 64 && used < len; i++) {
        if (!(mask >> i & 1))
            continue;
        unsigned j = i;
        while (j + 1 < 64 && (mask >> (j + 1) & 1))
            j++;
        int n = j == i ? snprintf(buf + used, len - used, "%s%u", used ? "," : "", i)
                       : snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", i, j);
        if (n < 0)
            break;
        used += (size_t)n;
        i = j;
    }
}

uint64_t cg_cpu_allowed(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    uint64_t m = 0;
    for (unsigned i = 0; i < 64; i++)
        if (CPU_ISSET(i, &set))
            m |= (uint64_t)1 << i;
    return m;
}

bool cg_cpu_mask_check(uint64_t want, uint64_t allowed, const char *field, char *why, size_t len)
{
    if ((want & ~allowed) == 0)
        return true;
    char bad[256], ok[256];
    cg_cpu_list(want & ~allowed, bad, sizeof bad);
    cg_cpu_list(allowed, ok, sizeof ok);
    snprintf(why, len,
             "%s asks for CPU %s, which is not online or not allowed to this process; the CPUs it may use are %s "
             "(bit i of the mask is CPU i)",
             field, bad, ok);
    return false;
}

int cg_cpu_pin(pid_t tid, uint64_t mask)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned i = 0; i < 64; i++)
        if (mask >> i & 1)
            CPU_SET(i, &set);
    return sched_setaffinity(tid, sizeof set, &set) == 0 ? 0 : -errno;
}
