/*
 * syscall_policy.h - THE list of Linux system calls an enclave may make.
 *
 * This table is the contract between enclave code and every engine: the
 * process engine compiles it into a seccomp filter, the kvm guest shim
 * implements exactly these calls. A call that is not in the table ends the
 * enclave (the host sees CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL). Calls musl
 * makes harmlessly (terminal queries, signal setup) are answered with an
 * errno instead, so ordinary libc code keeps working.
 *
 * x86-64 only. Header-only so that freestanding code (the guest shim) can
 * use it too.
 */
#ifndef CGEAR_SYSCALL_POLICY_H
#define CGEAR_SYSCALL_POLICY_H

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>

enum cg_sc_rule {
    CG_SC_ALLOW,        /* allowed with any arguments */
    CG_SC_ERRNO,        /* not performed; returns -arg */
    CG_SC_MMAP,         /* MAP_PRIVATE|MAP_ANONYMOUS, or MAP_SHARED of the call window fd or
                           (process engine) the shared-memory fd;
                           PROT_EXEC answers EACCES (see the CG_MMAP_* masks below) */
    CG_SC_MPROTECT,     /* allowed without PROT_EXEC; PROT_EXEC answers EACCES */
    CG_SC_CLONE_THREAD, /* clone with exactly musl's thread flags (CG_CLONE_THREAD_FLAGS) */
    CG_SC_FUTEX,        /* WAIT, WAKE; REQUEUE/CMP_REQUEUE only with FUTEX_PRIVATE_FLAG
                           (else EPERM); other known commands ENOSYS */
    CG_SC_SET_FS,       /* arch_prctl(ARCH_SET_FS, ...) only */
    CG_SC_CONSOLE,      /* write/writev to fd 1 or 2 only (the debug console) */
    CG_SC_NODUMP,       /* prctl(PR_SET_DUMPABLE, 0) only */
    CG_SC_KEYS,         /* read/close of the key block descriptor only (src/abi/enclave_keys.h) */
};

struct cg_syscall_rule {
    long nr;
    const char *name;
    enum cg_sc_rule rule;
    long arg;
};

/* Kernel ABI values the rules test, spelled out because the guest shim is
 * built without kernel headers. */
#define CG_PROT_EXEC 0x4
#define CG_MAP_SHARED 0x01
#define CG_MAP_PRIVATE 0x02
#define CG_MAP_TYPE 0x0f
#define CG_MAP_ANONYMOUS 0x20
#define CG_MAP_GROWSDOWN 0x100   /* a stack mapping: outside RLIMIT_DATA */
#define CG_MAP_HUGETLB 0x40000
/* The flags an anonymous mapping is judged by: it must be exactly
 * MAP_PRIVATE|MAP_ANONYMOUS under this mask. MAP_SHARED anonymous memory
 * and MAP_GROWSDOWN stacks are not counted by RLIMIT_DATA (the process
 * engine's memory budget), hugetlb pages come from a system pool. */
#define CG_MMAP_ANON_MASK (CG_MAP_TYPE | CG_MAP_ANONYMOUS | CG_MAP_GROWSDOWN | CG_MAP_HUGETLB)
#define CG_MMAP_ANON_OK (CG_MAP_PRIVATE | CG_MAP_ANONYMOUS)
/* The window mapping: MAP_SHARED (not MAP_SHARED_VALIDATE), not anonymous. */
#define CG_MMAP_WINDOW_MASK (CG_MAP_TYPE | CG_MAP_ANONYMOUS)
#define CG_MMAP_WINDOW_OK CG_MAP_SHARED

/* The only clone() an enclave makes: musl's pthread_create(). Anything
 * else (CLONE_PIDFD, CLONE_NEW*, CLONE_VFORK, an exit signal...) ends the
 * enclave. */
#define CG_CLONE_THREAD_FLAGS 0x7d0f00ull /* VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID|DETACHED */

/* futex(2) commands (op & CG_FUTEX_CMD_MASK). */
#define CG_FUTEX_CMD_MASK 0x7f   /* drops FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */
#define CG_FUTEX_PRIVATE_FLAG 0x80
#define CG_FUTEX_OP_WAIT 0
#define CG_FUTEX_OP_WAKE 1
#define CG_FUTEX_OP_REQUEUE 3
#define CG_FUTEX_OP_CMP_REQUEUE 4
#define CG_FUTEX_OP_LAST 13      /* FUTEX_LOCK_PI2: the highest command Linux knows */

#define CG_SC(name, rule, arg) {SYS_##name, #name, rule, arg}

static const struct cg_syscall_rule cg_syscall_policy[] = {
    /* memory */
    CG_SC(brk, CG_SC_ALLOW, 0),
    CG_SC(mmap, CG_SC_MMAP, 0),
    CG_SC(munmap, CG_SC_ALLOW, 0),
    CG_SC(mprotect, CG_SC_MPROTECT, 0),
    CG_SC(madvise, CG_SC_ALLOW, 0),
    CG_SC(mremap, CG_SC_ALLOW, 0),
    /* threads */
    CG_SC(clone, CG_SC_CLONE_THREAD, 0),
    CG_SC(futex, CG_SC_FUTEX, 0),
    CG_SC(set_tid_address, CG_SC_ALLOW, 0),
    CG_SC(set_robust_list, CG_SC_ALLOW, 0),
    CG_SC(arch_prctl, CG_SC_SET_FS, 0),
    CG_SC(sched_yield, CG_SC_ALLOW, 0),
    CG_SC(sched_getaffinity, CG_SC_ALLOW, 0),
    CG_SC(gettid, CG_SC_ALLOW, 0),
    CG_SC(getpid, CG_SC_ALLOW, 0),
    CG_SC(rt_sigprocmask, CG_SC_ALLOW, 0),
    /* time */
    CG_SC(clock_gettime, CG_SC_ALLOW, 0),
    CG_SC(clock_getres, CG_SC_ALLOW, 0),
    CG_SC(gettimeofday, CG_SC_ALLOW, 0),
    CG_SC(nanosleep, CG_SC_ALLOW, 0),
    CG_SC(clock_nanosleep, CG_SC_ALLOW, 0),
    /* randomness */
    CG_SC(getrandom, CG_SC_ALLOW, 0),
    /* debug console */
    CG_SC(write, CG_SC_CONSOLE, 0),
    CG_SC(writev, CG_SC_CONSOLE, 0),
    /* life cycle */
    CG_SC(exit, CG_SC_ALLOW, 0),
    CG_SC(exit_group, CG_SC_ALLOW, 0),
    CG_SC(prctl, CG_SC_NODUMP, 0),
    /* The kernel resumes a timed futex wait or sleep interrupted by a stop
     * (SIGSTOP, a debugger attaching) with this call: it only continues
     * the interrupted allowed call. */
    CG_SC(restart_syscall, CG_SC_ALLOW, 0),
    /* the key block, read once at start */
    CG_SC(read, CG_SC_KEYS, 0),
    CG_SC(close, CG_SC_KEYS, 0),
    /* harmless calls musl makes: answered, not performed */
    CG_SC(ioctl, CG_SC_ERRNO, ENOTTY),
    CG_SC(rt_sigaction, CG_SC_ERRNO, ENOSYS),
    CG_SC(sigaltstack, CG_SC_ERRNO, ENOSYS),
    CG_SC(tkill, CG_SC_ERRNO, ENOSYS),
    CG_SC(tgkill, CG_SC_ERRNO, ENOSYS),
    CG_SC(membarrier, CG_SC_ERRNO, ENOSYS),
    CG_SC(clone3, CG_SC_ERRNO, ENOSYS),
    CG_SC(rseq, CG_SC_ERRNO, ENOSYS),
};

#define CG_SYSCALL_POLICY_COUNT (sizeof(cg_syscall_policy) / sizeof(cg_syscall_policy[0]))

#endif
