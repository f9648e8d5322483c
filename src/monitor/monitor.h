/*
 * monitor.h - the contract between the host runtime and cgear-monitor.
 *
 * cgear-monitor is a small static (musl) executable embedded in the host
 * runtime and exec'd from a sealed memfd for every enclave. Exec'ing it,
 * rather than continuing in a forked copy of the host, gives each enclave a
 * clean process: none of the host's memory, threads, locks or allocator
 * state, and native execution even when the host runs under valgrind.
 *
 * Descriptors on entry (everything else is closed):
 *   3  the call window (memfd), see window.h
 *   4  the sealed enclave ELF, close-on-exec
 *   5  the seccomp BPF program (process engine), close-on-exec
 *   1,2 stderr of the host, only for debug enclaves
 *
 * argv: cgear-monitor <engine> <data-limit-bytes> <debug 0|1>
 * Exit statuses below 100 are never used by the monitor; its own failures
 * before the enclave starts use the CG_MON_EXIT_* values, which the host
 * turns into a log line.
 */
#ifndef CGEAR_MONITOR_H
#define CGEAR_MONITOR_H

#define CG_ELF_FD 4
#define CG_MON_BPF_FD 5

enum {
    CG_MON_EXIT_USAGE = 110,   /* bad arguments from the host */
    CG_MON_EXIT_LIMITS = 111,  /* setrlimit failed */
    CG_MON_EXIT_FILTER = 112,  /* the seccomp program could not be read or installed */
    CG_MON_EXIT_EXEC = 113,    /* execveat of the enclave failed */
    CG_MON_EXIT_SPAWN = 120,   /* the host-side child could not set up (before exec) */
};

#endif
