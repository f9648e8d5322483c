/*
 * monitor_filter.c - the allow-lists cgear-monitor runs under on the kvm
 * engine (docs/monitor-seccomp.md).
 *
 * The monitor is the engine's attack surface: every hypercall of a
 * possibly hostile enclave is decoded there. Two programs, as TinyKVM and
 * Firecracker do it:
 *   setup  installed first thing: what building the VM takes (open
 *          /dev/kvm, the KVM ioctls, memory, threads), and nothing that
 *          reaches other processes, the network or exec;
 *   run    installed after the VM is built, before the guest's first
 *          instruction: KVM_RUN, futexes, memory for vCPU threads, writes
 *          to the note pipe and the debug console, getrandom, the clock,
 *          exit. No call that takes a path exists any more.
 * Anything else kills the monitor (SIGSYS); the host says so.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bpf_export.h"
#include "fd_util.h"
#include "monitor_abi.h"
#include "monitor_filter.h"
#include "syscall_policy.h"

/* Calls both programs allow, with any arguments. */
static const int g_common[] = {
    SCMP_SYS(futex),       SCMP_SYS(munmap),      SCMP_SYS(brk),          SCMP_SYS(madvise),
    SCMP_SYS(rt_sigprocmask), SCMP_SYS(set_robust_list), SCMP_SYS(sched_yield), SCMP_SYS(getrandom),
    SCMP_SYS(clock_gettime), SCMP_SYS(gettid),    SCMP_SYS(getpid),       SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    /* the kernel resumes a timed wait interrupted by a stop (SIGSTOP, a
     * debugger) with it; without it a stopped monitor dies at SIGCONT */
    SCMP_SYS(restart_syscall),
};

/* Building the VM, beyond the common calls. */
static const int g_setup_only[] = {
    SCMP_SYS(open),   SCMP_SYS(openat), SCMP_SYS(close),     SCMP_SYS(read),   SCMP_SYS(pread64),
    SCMP_SYS(fstat),  SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(fcntl),  SCMP_SYS(prlimit64),
    SCMP_SYS(setrlimit), SCMP_SYS(ioctl), SCMP_SYS(set_tid_address), SCMP_SYS(seccomp),
    SCMP_SYS(sched_getaffinity), /* the CPU count the enclave is told (vm_shim.c) */
    SCMP_SYS(memfd_create), SCMP_SYS(ftruncate), /* guest RAM (vm_memory.c) */
};

static int add_common(scmp_filter_ctx ctx)
{
    for (size_t i = 0; i < sizeof g_common / sizeof g_common[0]; i++)
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, g_common[i], 0) != 0)
            return -1;
    /* memory: never executable (the monitor has no code to load) */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, 0)) ||
        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, 0)))
        return -1;
    /* threads (one per vCPU), exactly as musl's pthread_create() asks */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, ~(uint64_t)0, CG_CLONE_THREAD_FLAGS)))
        return -1;
    /* switchless workers' vCPU threads pin themselves (tworkers_cores):
     * only the calling thread (pid 0), never another process */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_setaffinity), 1, SCMP_A0(SCMP_CMP_EQ, 0)))
        return -1;
    /* clone3 answers ENOSYS so that a libc trying it first falls back */
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0))
        return -1;
    /* a new enclave from a snapshot (clone.c): the snapshot's side
     * receives a socket on its control socket and sends through it; the
     * new enclave's side receives on its peer socket (setup) */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_MON_CTL_FD)) ||
        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_MON_PEER_FD)) ||
        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 0))
        return -1;
    /* writes: the note pipe, and stderr (debug enclaves' console) */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_MON_NOTE_FD)) ||
        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 2)))
        return -1;
    return 0;
}

/* The gdb variant (a debug enclave with CGEAR_GDB, docs/debugging.md):
 * the gdb thread's socket and the calls that stop and inspect vCPUs. */
static int add_gdb(scmp_filter_ctx ctx, bool setup)
{
    const uint64_t all = 0xffffffffu;
    int bad = 0;
    /* Filters stack, so the setup program (still installed) must allow
     * the run program's additions too; it has read, close and any ioctl
     * already, and the vCPU kick handler is installed under it alone. */
    if (setup)
        bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 0);
    /* the listening socket the host bound, and the one connection,
     * moved to its fixed number (close: its first number is not known) */
    bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, all, CG_MON_GDB_FD));
    bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(dup3), 1,
                            SCMP_A1(SCMP_CMP_MASKED_EQ, all, CG_MON_GDB_CONN_FD));
    if (!setup) {
        /* close: the run program has it (clone.c) */
        bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, all, CG_MON_GDB_CONN_FD));
    }
    bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, all, CG_MON_GDB_CONN_FD));
    /* kicking a vCPU thread out of KVM_RUN: SIGUSR1 only */
    bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A2(SCMP_CMP_EQ, SIGUSR1));
    bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigreturn), 0);
    /* guest debugging of stopped vCPUs (KVM_GET_REGS, KVM_SET_REGS: the
     * run program has them already) */
    static const unsigned long ioctls[] = {KVM_SET_GUEST_DEBUG};
    for (size_t i = 0; !setup && i < sizeof ioctls / sizeof ioctls[0]; i++)
        bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                SCMP_A1(SCMP_CMP_MASKED_EQ, all, ioctls[i]));
    return bad ? -1 : 0;
}

static scmp_filter_ctx build(bool setup, bool gdb, char *why, size_t why_len)
{
    if (seccomp_api_get() < 3) /* see seccomp_filter.c: valgrind */
        seccomp_api_set(3);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL) {
        snprintf(why, why_len, "libseccomp could not initialise a filter");
        return NULL;
    }
    /* A binary tree of system-call numbers rather than a list (the same
     * decisions): see seccomp_filter.c. */
    bool ok = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0 &&
              seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) == 0 && add_common(ctx) == 0;
    if (ok && setup) {
        for (size_t i = 0; ok && i < sizeof g_setup_only / sizeof g_setup_only[0]; i++)
            ok = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, g_setup_only[i], 0) == 0;
        /* prctl: only what the monitor itself does */
        ok = ok &&
             seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS)) == 0 &&
             seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE)) == 0;
    } else if (ok) {
        /* the guest runs: KVM_RUN, and what readying a vCPU for a thread
         * the enclave starts beyond its call slots takes (vcpu.c) */
        static const unsigned long run_ioctls[] = {KVM_RUN,       KVM_CREATE_VCPU, KVM_SET_CPUID2, KVM_GET_SREGS,
                                                   KVM_SET_SREGS, KVM_SET_XCRS,    KVM_SET_REGS,
                                                   /* snapshots record and restore vCPUs (snapshot.c) */
                                                   KVM_GET_REGS,  KVM_GET_FPU,     KVM_SET_FPU,
                                                   /* and log the pages the guest writes */
                                                   KVM_SET_USER_MEMORY_REGION, KVM_GET_DIRTY_LOG, KVM_GET_MSRS};
        for (size_t i = 0; ok && i < sizeof run_ioctls / sizeof run_ioctls[0]; i++)
            ok = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, run_ioctls[i])) == 0;
        /* close: the socket a clone request passed, once used (clone.c) */
        ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(close), 0) == 0;
    }
    if (ok && gdb)
        ok = add_gdb(ctx, setup) == 0;
    if (!ok) {
        snprintf(why, why_len, "libseccomp refused a rule of the monitor's %s filter", setup ? "setup" : "run");
        seccomp_release(ctx);
        return NULL;
    }
    return ctx;
}

int cg_kvm_monitor_filter_export(int fd_setup, int fd_run, bool gdb, char *why, size_t why_len)
{
    scmp_filter_ctx s = build(true, gdb, why, why_len);
    scmp_filter_ctx r = s != NULL ? build(false, gdb, why, why_len) : NULL;
    int rc = -1;
    if (s != NULL && r != NULL) {
        if (seccomp_export_bpf(s, fd_setup) == 0 && seccomp_export_bpf(r, fd_run) == 0)
            rc = 0;
        else
            snprintf(why, why_len, "cannot export the monitor's seccomp programs");
    }
    if (s != NULL)
        seccomp_release(s);
    if (r != NULL)
        seccomp_release(r);
    return rc;
}

/* The two pairs, plain and gdb, each built once. */
static pthread_once_t g_once[2] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};
static int g_fd[2] = {-1, -1};
static char g_why[2][160];

/* The pair as the monitor reads it: a struct cg_filter_pair, then the
 * setup program, then the run program. */
static void build_pair(int gdb)
{
    char *why = g_why[gdb];
    size_t why_len = sizeof g_why[gdb];
    scmp_filter_ctx s = build(true, gdb, why, why_len);
    scmp_filter_ctx r = s != NULL ? build(false, gdb, why, why_len) : NULL;
    uint8_t *ps = NULL, *pr = NULL, *all = NULL;
    size_t ns = 0, nr = 0;
    if (s == NULL || r == NULL || cg_bpf_export(s, &ps, &ns, why, why_len) != 0 ||
        cg_bpf_export(r, &pr, &nr, why, why_len) != 0)
        goto done;
    struct cg_filter_pair h = {CG_FILTER_PAIR_MAGIC, (uint16_t)(ns / CG_BPF_INSN_SIZE),
                               (uint16_t)(nr / CG_BPF_INSN_SIZE)};
    all = malloc(sizeof h + ns + nr);
    if (all == NULL) {
        snprintf(why, why_len, "out of memory for the monitor's seccomp programs");
        goto done;
    }
    memcpy(all, &h, sizeof h);
    memcpy(all + sizeof h, ps, ns);
    memcpy(all + sizeof h + ns, pr, nr);
    g_fd[gdb] = cg_sealed_memfd(gdb ? "cgear-mon-seccomp-gdb" : "cgear-mon-seccomp", all, sizeof h + ns + nr);
    if (g_fd[gdb] < 0)
        snprintf(why, why_len, "cannot store the monitor's seccomp programs: %s", strerror(errno));
done:
    free(all);
    free(ps);
    free(pr);
    if (s != NULL)
        seccomp_release(s);
    if (r != NULL)
        seccomp_release(r);
}

static void build_plain(void)
{
    build_pair(0);
}

static void build_gdb(void)
{
    build_pair(1);
}

int cg_kvm_monitor_filter_fd(bool gdb, char *why, size_t why_len)
{
    pthread_once(&g_once[gdb], gdb ? build_gdb : build_plain);
    if (g_fd[gdb] < 0)
        snprintf(why, why_len, "%s", g_why[gdb]);
    return g_fd[gdb];
}
