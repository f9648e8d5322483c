/*
 * monitor_abi.h - the process-boundary contract between the host runtime,
 * cgear-launcher, cgear-monitor and the enclave runtime: which descriptor
 * carries what, the monitor's arguments, and its exit statuses.
 *
 * cgear-monitor is a small static (musl) executable embedded in the host
 * runtime and exec'd from a sealed memfd for every enclave. Exec'ing it,
 * rather than continuing in a forked copy of the host, gives each enclave a
 * clean process: none of the host's memory, threads, locks or allocator
 * state, and native execution even when the host runs under valgrind.
 *
 * Descriptors on entry (everything else is closed): the CG_*_FD table
 * below. 1 and 2 are the host's stderr, only for debug enclaves.
 *
 * argv: cgear-monitor <engine> <data-limit-bytes> <debug 0|1> <threads>
 *       <heap-bytes> <stack-bytes> <enclave-name>
 *       [extra]
 *       (the launcher takes the same arguments after "launch",
 *       launcher_abi.h, without extra). extra, kvm and debug enclaves
 *       only: "seccomp-selftest" (docs/monitor-seccomp.md), or "gdb" /
 *       "gdb-wait": serve a debugger on CG_MON_GDB_FD
 *       (docs/debugging.md).
 *
 * Exit statuses below 100 are never used by the monitor; its own failures
 * use the CG_MON_EXIT_* values, each after one line on the note pipe. The
 * host trusts a status in that range only when the note arrived (an
 * enclave can exit with any status it likes).
 */
#ifndef CGEAR_MONITOR_ABI_H
#define CGEAR_MONITOR_ABI_H

#include <stdint.h>

/* Descriptors, one table for every process involved. */
#define CG_WINDOW_FD 3        /* the call window memfd (window.h); the enclave keeps it */
#define CG_ELF_FD 4           /* the sealed enclave ELF, close-on-exec */
#define CG_MON_BPF_FD 5       /* the engine's seccomp program(s) (process: enclave; kvm: monitor) */
#define CG_MON_EXE_FD 6       /* the host's spawn child keeps the monitor executable here until it exec's it */
#define CG_MON_NOTE_FD 7      /* the note pipe: one line saying why the monitor stopped the enclave */
#define CG_KEYS_FD 8          /* the enclave's key block (enclave_keys.h), read once at start */
#define CG_LAUNCHER_IMAGE_FD 9 /* system install: the whole image, for cgear-launcher */
#define CG_MON_GDB_FD 10      /* kvm, debug enclaves with CGEAR_GDB: the listening socket the host bound */
#define CG_MON_GDB_CONN_FD 11 /* inside the monitor: the accepted debugger connection (never passed) */
#define CG_SHM_FD 12          /* the shared-memory memfd (window.h shm_*), when the manifest allows any */
#define CG_MON_CTL_FD 13      /* kvm: a socket from the host; the monitor receives descriptors on it
                               * (a clone's socket, docs/snapshots.md) */
#define CG_MON_PEER_FD 14     /* kvm, "clone": the socket to the monitor whose snapshot this enclave starts from */

/* What CG_MON_BPF_FD holds. Process engine: one classic-BPF program (the
 * enclave's allow-list). Kvm engine: this header, then the setup program
 * and the run program the monitor installs on itself (struct sock_filter,
 * 8 bytes per instruction; docs/monitor-seccomp.md). */
#define CG_FILTER_PAIR_MAGIC 0x464d4743u /* "CGMF" */
#define CG_BPF_INSN_SIZE 8u                 /* sizeof(struct sock_filter) */
struct cg_filter_pair {
    uint32_t magic;
    uint16_t n_setup; /* instructions in the setup program */
    uint16_t n_run;   /* instructions in the run program */
};

/* The process engine's RLIMIT_DATA: heap + threads x stack + this, room for
 * the runtime's own mappings. */
#define CG_MON_DATA_SLACK ((uint64_t)64 << 20)

/* Exit statuses of cgear-monitor and cgear-launcher (110-121). */
enum {
    CG_MON_EXIT_USAGE = 110,         /* bad arguments from the host */
    CG_MON_EXIT_LIMITS = 111,        /* setrlimit failed */
    CG_MON_EXIT_FILTER = 112,        /* the seccomp program could not be read or installed */
    CG_MON_EXIT_EXEC = 113,          /* execveat of the enclave failed */
    CG_MON_EXIT_GUEST_FAULT = 114,   /* kvm: the guest faulted (note says where) */
    CG_MON_EXIT_GUEST_SYSCALL = 115, /* kvm: a system call outside the allow-list */
    CG_MON_EXIT_KVM = 116,           /* kvm: the VM could not be built or run */
    CG_MON_EXIT_LOAD = 117,          /* kvm: the enclave ELF could not be loaded */
    CG_MON_EXIT_DEBUGGER = 118,      /* kvm: the debugger killed the enclave (gdb 'k') */
    CG_MON_EXIT_SPAWN = 120,         /* the host-side child could not set up (before exec) */
    CG_MON_EXIT_LAUNCH = 121,        /* cgear-launcher refused the image (note says why) */
};
#define CG_MON_EXIT_FIRST 110
#define CG_MON_EXIT_LAST 121

#endif
