/*
 * cpu_mask.h - the CPU masks of switchless core binding (tworkers_cores,
 * uworkers_cores): checking one against the CPUs this process may use,
 * naming CPUs in messages, and pinning threads. See docs/architecture.md,
 * "Switchless calls".
 */
#ifndef CGEAR_HOST_CPU_MASK_H
#define CGEAR_HOST_CPU_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write the CPUs of @mask as a list ("0-3,6") into @buf (@len bytes,
 * always terminated; "none" for 0). */
void cg_cpu_list(uint64_t mask, char *buf, size_t len);

/* The CPUs 0-63 this process may run on (sched_getaffinity() of the
 * calling thread, which the kernel limits to online CPUs). 0 if it cannot
 * be read. */
uint64_t cg_cpu_allowed(void);

/* Is @want (a non-zero mask) inside @allowed? If not, writes a message
 * into @why (@len bytes) naming @field, the CPUs asked for that cannot be
 * used and the CPUs that can, and returns false. */
bool cg_cpu_mask_check(uint64_t want, uint64_t allowed, const char *field, char *why, size_t len);

/* Set the affinity of thread @tid (0: the calling thread) to @mask.
 * Returns 0 or a negative errno. */
int cg_cpu_pin(pid_t tid, uint64_t mask);

#endif
