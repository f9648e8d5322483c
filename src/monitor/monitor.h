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
 *   5  the seccomp BPF program (process engine)
 *   7  the note pipe: one line saying why the monitor stopped the
 *      enclave, read by the host after the exit (close-on-exec before the
 *      process engine exec's the enclave)
 *   1,2 stderr of the host, only for debug enclaves
 *
 * argv: cgear-monitor <engine> <data-limit-bytes> <debug 0|1> <threads>
 *       <heap-bytes> <stack-bytes> <enclave-name>
 * Exit statuses below 100 are never used by the monitor; its own failures
 * before the enclave starts use the CG_MON_EXIT_* values, which the host
 * turns into a log line.
 */
#ifndef CGEAR_MONITOR_H
#define CGEAR_MONITOR_H

#define CG_ELF_FD 4
#define CG_MON_BPF_FD 5
#define CG_MON_NOTE_FD 7

/* The process engine's RLIMIT_DATA: heap + threads x stack + this, room for
 * the runtime's own mappings. */
#define CG_MON_DATA_SLACK ((uint64_t)64 << 20)

enum {
    CG_MON_EXIT_USAGE = 110,   /* bad arguments from the host */
    CG_MON_EXIT_LIMITS = 111,  /* setrlimit failed */
    CG_MON_EXIT_FILTER = 112,  /* the seccomp program could not be read or installed */
    CG_MON_EXIT_EXEC = 113,    /* execveat of the enclave failed */
    CG_MON_EXIT_GUEST_FAULT = 114,   /* kvm: the guest faulted (note says where) */
    CG_MON_EXIT_GUEST_SYSCALL = 115, /* kvm: a system call outside the allow-list */
    CG_MON_EXIT_KVM = 116,           /* kvm: the VM could not be built or run */
    CG_MON_EXIT_LOAD = 117,          /* kvm: the enclave ELF could not be loaded */
    CG_MON_EXIT_SPAWN = 120,   /* the host-side child could not set up (before exec) */
};

#endif
