/*
 * futex.h - cross-process futex wait/wake on words in shared memory.
 *
 * Shared (not FUTEX_PRIVATE) operations, because the host and the enclave
 * are different processes mapping the same memfd. In the kvm engine the
 * guest shim turns the same system call into a hypercall.
 */
#ifndef CGEAR_FUTEX_H
#define CGEAR_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Kernel ABI values (linux/futex.h is not in musl's include path). */
#define CG_FUTEX_WAIT 0
#define CG_FUTEX_WAKE 1

/* Longest sleep of a waiter on the call window before it looks again.
 * Bounded so that a waiter moved off its word (a futex requeue, which
 * both engines refuse) or one that missed a wake still sees a dead slot
 * or a turn change. Not a timeout: the wait continues after a look. */
#define CG_FUTEX_RECHECK_S 1

/* Sleep while *word == expected; returns early on wake, signal or timeout. */
static inline void cg_futex_wait(_Atomic uint32_t *word, uint32_t expected, const struct timespec *timeout)
{
    syscall(SYS_futex, (uint32_t *)word, CG_FUTEX_WAIT, expected, timeout, NULL, 0);
}

static inline void cg_futex_wake(_Atomic uint32_t *word, int n)
{
    syscall(SYS_futex, (uint32_t *)word, CG_FUTEX_WAKE, n, NULL, NULL, 0);
}

static inline void cg_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
