/*
 * test_monitor_filter.c - the kvm monitor's two seccomp programs
 * (src/engines/kvm/monitor_filter.c) hold: installed in a child process,
 * what the monitor needs still works and everything else is stopped with
 * SIGSYS. Each probe runs in its own child, which leaves with a raw
 * exit_group so that no sanitizer exit hook runs under the filter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "confine.h"
#include "monitor_abi.h"
#include "monitor_filter.h"

static struct cg_bpf g_setup, g_run, g_setup_gdb, g_run_gdb;

static void load(struct cg_bpf *out, int fd)
{
    off_t n = lseek(fd, 0, SEEK_END);
    assert_true(n > 0 && n % 8 == 0);
    out->insns = malloc((size_t)n);
    assert_non_null(out->insns);
    assert_int_equal(pread(fd, out->insns, (size_t)n, 0), n);
    out->len = (unsigned short)(n / 8);
}

static int group_setup(void **state)
{
    (void)state;
    char why[200] = "";
    for (int gdb = 0; gdb < 2; gdb++) {
        int fs = memfd_create("setup", MFD_CLOEXEC), fr = memfd_create("run", MFD_CLOEXEC);
        if (fs < 0 || fr < 0 || cg_kvm_monitor_filter_export(fs, fr, gdb, why, sizeof why) != 0) {
            fprintf(stderr, "cannot build the programs: %s\n", why);
            return -1;
        }
        load(gdb ? &g_setup_gdb : &g_setup, fs);
        load(gdb ? &g_run_gdb : &g_run, fr);
        close(fs);
        close(fr);
    }
    return 0;
}

enum probe {
    P_FUTEX, P_GETRANDOM, P_CLOCK, P_MMAP_RW, P_WRITE_NOTE, P_WRITE_STDERR, P_KVM_RUN, P_THREAD_CLONE_ENOSYS3,
    P_OPENAT, P_OPEN, P_SOCKET, P_EXECVE, P_IOCTL_OTHER, P_MMAP_EXEC, P_MPROTECT_EXEC, P_FORK, P_WRITE_FD1,
    P_PTRACE, P_KILL, P_CLOSE, P_CREATE_VCPU, P_SET_CPUID2, P_GET_SREGS, P_SET_SREGS, P_SET_XCRS, P_PIN_SELF, P_PIN_OTHER,
    /* snapshots: record and restore vCPUs, log written pages; guest RAM's memfd */
    P_GET_FPU, P_SET_FPU, P_SET_MEMREGION, P_GET_DIRTY_LOG, P_MEMFD, P_FTRUNCATE,
    /* a new enclave from a snapshot (clone.c) */
    P_GET_MSRS, P_RECV_CTL, P_RECV_PEER, P_RECV_OTHER, P_SENDMSG,
    /* the gdb variant (CGEAR_GDB) */
    P_GDB_ACCEPT, P_GDB_DUP3, P_GDB_READ, P_GDB_WRITE, P_KICK, P_GET_REGS, P_SET_REGS, P_GUEST_DEBUG, P_SIGACTION,
    P_ACCEPT_OTHER, P_READ_OTHER, P_WRITE_OTHER, P_TGKILL_OTHER, P_DUP3_OTHER,
};

/* An expected failure of an allowed call (no such descriptor or thread)
 * counts as success: the filter let it through. */
static long ok_if(long r, int err)
{
    return r == -1 && errno == err ? 0 : -1;
}

/* Run @p in a child under @prog. Returns the child's wait status. */
static int run_probe(const struct cg_bpf *prog, enum probe p)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull < 0 || dup2(devnull, CG_MON_NOTE_FD) < 0 || dup2(devnull, 2) < 0)
            _exit(90);
        close(CG_MON_GDB_FD); /* the gdb probes expect EBADF */
        close(CG_MON_GDB_CONN_FD);
        /* P_PIN_SELF sets the mask it already has (read before the filter) */
        uint64_t pin_mask[16];
        long pin_len = syscall(SYS_sched_getaffinity, 0, sizeof pin_mask, pin_mask);
        if (cg_confine_install(prog) != 0)
            _exit(91);
        long r = 0;
        uint32_t word = 0;
        uint8_t buf[16];
        struct timespec ts;
        switch (p) {
        case P_FUTEX: r = syscall(SYS_futex, &word, 1 /* WAKE */, 1, NULL, NULL, 0); break;
        case P_GETRANDOM: r = syscall(SYS_getrandom, buf, sizeof buf, 0); break;
        case P_CLOCK: r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); break;
        case P_MMAP_RW: r = (long)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); break;
        case P_WRITE_NOTE: r = syscall(SYS_write, CG_MON_NOTE_FD, "x", 1); break;
        case P_WRITE_STDERR: r = syscall(SYS_write, 2, "x", 1); break;
        case P_KVM_RUN: r = syscall(SYS_ioctl, 99, KVM_RUN, 0); r = (r == -1 && errno == EBADF) ? 0 : -1; break;
        case P_THREAD_CLONE_ENOSYS3: r = syscall(SYS_clone3, NULL, 0); r = (r == -1 && errno == ENOSYS) ? 0 : -1; break;
        case P_OPENAT: r = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY); break;
        case P_OPEN: r = syscall(SYS_open, "/", O_RDONLY); break;
        case P_SOCKET: r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0); break;
        case P_EXECVE: r = syscall(SYS_execve, "/bin/true", NULL, NULL); break;
        case P_IOCTL_OTHER: r = syscall(SYS_ioctl, 99, KVM_CREATE_VM, 0); r = (r == -1 && errno == EBADF) ? 0 : -1; break;
        case P_GET_FPU: r = ok_if(syscall(SYS_ioctl, 99, KVM_GET_FPU, 0), EBADF); break;
        case P_SET_FPU: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_FPU, 0), EBADF); break;
        case P_SET_MEMREGION: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_USER_MEMORY_REGION, 0), EBADF); break;
        case P_GET_DIRTY_LOG: r = ok_if(syscall(SYS_ioctl, 99, KVM_GET_DIRTY_LOG, 0), EBADF); break;
        case P_MEMFD: r = ok_if(syscall(SYS_memfd_create, NULL, 0), EFAULT); break;
        case P_GET_MSRS: r = ok_if(syscall(SYS_ioctl, 99, KVM_GET_MSRS, 0), EBADF); break;
        case P_RECV_CTL: r = ok_if(syscall(SYS_recvmsg, CG_MON_CTL_FD, NULL, 0), EBADF); break;
        case P_RECV_PEER: r = ok_if(syscall(SYS_recvmsg, CG_MON_PEER_FD, NULL, 0), EBADF); break;
        case P_RECV_OTHER: r = syscall(SYS_recvmsg, 3, NULL, 0); break;
        case P_SENDMSG: r = ok_if(syscall(SYS_sendmsg, 99, NULL, 0), EBADF); break;
        case P_FTRUNCATE: r = ok_if(syscall(SYS_ftruncate, 99, 0), EBADF); break;
        case P_MMAP_EXEC: r = (long)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); break;
        case P_MPROTECT_EXEC: r = syscall(SYS_mprotect, buf - ((uintptr_t)buf & 4095), 4096, PROT_READ | PROT_EXEC); break;
        case P_FORK: r = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0); break;
        case P_WRITE_FD1: r = syscall(SYS_write, 1, "x", 1); break;
        case P_PTRACE: r = syscall(SYS_ptrace, 0 /* TRACEME */, 0, 0, 0); break;
        case P_KILL: r = syscall(SYS_kill, getppid(), 0); break;
        case P_CLOSE: r = syscall(SYS_close, 99); break;
        case P_PIN_SELF: { /* a switchless worker's vCPU thread pins itself */
            r = pin_len > 0 ? syscall(SYS_sched_setaffinity, 0, (size_t)pin_len, pin_mask) : -1;
            break;
        }
        case P_PIN_OTHER: { /* never another process (the parent here) */
            uint64_t mask[16] = {1};
            r = syscall(SYS_sched_setaffinity, getppid(), sizeof mask, mask);
            break;
        }
        case P_GDB_ACCEPT: r = ok_if(syscall(SYS_accept4, CG_MON_GDB_FD, NULL, NULL, 0), EBADF); break;
        case P_GDB_DUP3: r = ok_if(syscall(SYS_dup3, 99, CG_MON_GDB_CONN_FD, O_CLOEXEC), EBADF); break;
        case P_GDB_READ: r = ok_if(syscall(SYS_read, CG_MON_GDB_CONN_FD, buf, 1), EBADF); break;
        case P_GDB_WRITE: r = ok_if(syscall(SYS_write, CG_MON_GDB_CONN_FD, "x", 1), EBADF); break;
        case P_KICK: r = ok_if(syscall(SYS_tgkill, getpid(), 0x3fffffff, SIGUSR1), ESRCH); break;
        case P_GET_REGS: r = ok_if(syscall(SYS_ioctl, 99, KVM_GET_REGS, 0), EBADF); break;
        case P_CREATE_VCPU: r = ok_if(syscall(SYS_ioctl, 99, KVM_CREATE_VCPU, 1), EBADF); break;
        case P_SET_CPUID2: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_CPUID2, 0), EBADF); break;
        case P_GET_SREGS: r = ok_if(syscall(SYS_ioctl, 99, KVM_GET_SREGS, 0), EBADF); break;
        case P_SET_SREGS: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_SREGS, 0), EBADF); break;
        case P_SET_XCRS: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_XCRS, 0), EBADF); break;
        case P_SET_REGS: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_REGS, 0), EBADF); break;
        case P_GUEST_DEBUG: r = ok_if(syscall(SYS_ioctl, 99, KVM_SET_GUEST_DEBUG, 0), EBADF); break;
        case P_SIGACTION: r = syscall(SYS_rt_sigaction, SIGUSR2, NULL, NULL, 8); break;
        case P_ACCEPT_OTHER: r = syscall(SYS_accept4, 3, NULL, NULL, 0); break;
        case P_READ_OTHER: r = syscall(SYS_read, 3, buf, 1); break;
        case P_WRITE_OTHER: r = syscall(SYS_write, 3, "x", 1); break;
        case P_TGKILL_OTHER: r = syscall(SYS_tgkill, getpid(), 0x3fffffff, SIGKILL); break;
        case P_DUP3_OTHER: r = syscall(SYS_dup3, 99, 12, 0); break;
        }
        /* the raw call: a sanitizer's _exit() makes calls of its own */
        syscall(SYS_exit_group, r < 0 && p != P_CLOSE ? 92 : 0);
        _exit(93);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void expect_allowed(const struct cg_bpf *prog, enum probe p)
{
    int st = run_probe(prog, p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("probe %d: status %#x, expected a clean exit", (int)p, (unsigned)st);
}

static void expect_killed(const struct cg_bpf *prog, enum probe p)
{
    int st = run_probe(prog, p);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
        fail_msg("probe %d: status %#x, expected SIGSYS", (int)p, (unsigned)st);
}

static void test_run_program(void **state)
{
    (void)state;
    /* KVM_RUN, readying a vCPU for a thread of the enclave's own, and a
     * switchless worker's vCPU thread pinning itself */
    const enum probe ok[] = {P_FUTEX,     P_GETRANDOM,  P_CLOCK,     P_MMAP_RW,   P_WRITE_NOTE,
                             P_WRITE_STDERR, P_KVM_RUN, P_THREAD_CLONE_ENOSYS3, P_CREATE_VCPU, P_SET_CPUID2,
                             P_GET_SREGS, P_SET_SREGS, P_SET_XCRS, P_SET_REGS, P_PIN_SELF,
                             /* snapshots (src/monitor/kvm/snapshot.c) */
                             P_GET_REGS, P_GET_FPU, P_SET_FPU, P_SET_MEMREGION, P_GET_DIRTY_LOG, P_GET_MSRS,
                             /* a new enclave from a snapshot: the socket passed on the control socket */
                             P_RECV_CTL, P_SENDMSG, P_CLOSE};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        expect_allowed(&g_run, ok[i]);
    const enum probe bad[] = {P_OPENAT, P_OPEN, P_SOCKET, P_EXECVE, P_IOCTL_OTHER, P_MMAP_EXEC, P_MPROTECT_EXEC,
                              P_FORK, P_WRITE_FD1, P_PTRACE, P_KILL, P_PIN_OTHER, P_MEMFD, P_FTRUNCATE,
                              P_RECV_OTHER};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_killed(&g_run, bad[i]);
}

static void test_setup_program(void **state)
{
    (void)state;
    const enum probe ok[] = {P_FUTEX, P_GETRANDOM, P_MMAP_RW, P_WRITE_NOTE, P_KVM_RUN, P_OPENAT, P_OPEN,
                             P_IOCTL_OTHER, P_CLOSE, P_MEMFD, P_FTRUNCATE, P_RECV_PEER};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        expect_allowed(&g_setup, ok[i]);
    const enum probe bad[] = {P_SOCKET, P_EXECVE, P_MMAP_EXEC, P_MPROTECT_EXEC, P_FORK, P_WRITE_FD1, P_PTRACE,
                              P_KILL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_killed(&g_setup, bad[i]);
}

/* The gdb variant: the plain programs plus the debugger's calls, and no
 * more (another descriptor, another signal, a socket, a file). */
static void test_gdb_programs(void **state)
{
    (void)state;
    const enum probe run_ok[] = {P_FUTEX, P_WRITE_NOTE, P_WRITE_STDERR, P_KVM_RUN, P_GDB_ACCEPT, P_GDB_DUP3,
                                 P_GDB_READ, P_GDB_WRITE, P_KICK, P_GET_REGS, P_SET_REGS, P_GUEST_DEBUG, P_CLOSE};
    for (size_t i = 0; i < sizeof run_ok / sizeof run_ok[0]; i++)
        expect_allowed(&g_run_gdb, run_ok[i]);
    const enum probe run_bad[] = {P_OPENAT, P_SOCKET, P_EXECVE, P_IOCTL_OTHER, P_MMAP_EXEC, P_FORK, P_WRITE_FD1,
                                  P_PTRACE, P_KILL, P_SIGACTION, P_ACCEPT_OTHER, P_READ_OTHER, P_WRITE_OTHER,
                                  P_TGKILL_OTHER, P_DUP3_OTHER};
    for (size_t i = 0; i < sizeof run_bad / sizeof run_bad[0]; i++)
        expect_killed(&g_run_gdb, run_bad[i]);
    /* the setup program stays installed below the run one: it lets the
     * same calls through */
    const enum probe setup_ok[] = {P_SIGACTION, P_GDB_ACCEPT, P_GDB_DUP3, P_GDB_READ, P_GDB_WRITE, P_KICK,
                                   P_GET_REGS, P_GUEST_DEBUG, P_CLOSE};
    for (size_t i = 0; i < sizeof setup_ok / sizeof setup_ok[0]; i++)
        expect_allowed(&g_setup_gdb, setup_ok[i]);
    const enum probe setup_bad[] = {P_SOCKET, P_EXECVE, P_KILL, P_TGKILL_OTHER, P_ACCEPT_OTHER, P_WRITE_OTHER};
    for (size_t i = 0; i < sizeof setup_bad / sizeof setup_bad[0]; i++)
        expect_killed(&g_setup_gdb, setup_bad[i]);
    /* and none of it without CGEAR_GDB (KVM_GET_REGS: snapshots need it too) */
    const enum probe plain_bad[] = {P_GDB_ACCEPT, P_GDB_READ, P_GDB_WRITE, P_KICK, P_GUEST_DEBUG};
    for (size_t i = 0; i < sizeof plain_bad / sizeof plain_bad[0]; i++)
        expect_killed(&g_run, plain_bad[i]);
    expect_killed(&g_setup, P_SIGACTION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_program),
        cmocka_unit_test(test_setup_program),
        cmocka_unit_test(test_gdb_programs),
    };
    return cmocka_run_group_tests_name("monitor_filter", tests, group_setup, NULL);
}
