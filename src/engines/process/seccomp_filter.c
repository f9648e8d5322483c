/*
 * seccomp_filter.c - compile the system-call policy into a BPF program.
 *
 * The program is built in the host, once, and handed to cgear-monitor as a
 * sealed memfd; the monitor installs it with one system call and has no
 * need for libseccomp.
 *
 * Beyond the policy, the program allows exactly one execveat(): the one
 * that starts the enclave, from descriptor CG_ELF_FD with AT_EMPTY_PATH.
 * That descriptor is close-on-exec, so after the exec no such descriptor
 * exists and the enclave cannot exec anything.
 */
#define _GNU_SOURCE

#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdbool.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "enclave_keys.h"
#include "bpf_export.h"
#include "fd_util.h"
#include "monitor_abi.h"
#include "seccomp_filter.h"
#include "syscall_policy.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_fd = -1;
static char g_why[160];

static int add_rules(scmp_filter_ctx ctx, const struct cg_syscall_rule *r)
{
    int nr = (int)r->nr;
    switch (r->rule) {
    case CG_SC_ALLOW:
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    case CG_SC_ERRNO:
        return seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)r->arg), nr, 0);
    case CG_SC_MMAP:
        /* private anonymous memory, never executable */
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A3(SCMP_CMP_MASKED_EQ, CG_MMAP_ANON_MASK, CG_MMAP_ANON_OK),
                             SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, 0)) ||
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 2,
                             SCMP_A3(SCMP_CMP_MASKED_EQ, CG_MMAP_ANON_MASK, CG_MMAP_ANON_OK),
                             SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, CG_PROT_EXEC)))
            return -1;
        /* the call window, shared */
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 3, SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_WINDOW_FD),
                             SCMP_A3(SCMP_CMP_MASKED_EQ, CG_MMAP_WINDOW_MASK, CG_MMAP_WINDOW_OK),
                             SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, 0)))
            return -1;
        /* the shared-memory region, shared and never executable: the
         * runtime maps it once, MAP_FIXED_NOREPLACE at the host's address */
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 3, SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_SHM_FD),
                                SCMP_A3(SCMP_CMP_MASKED_EQ, CG_MMAP_WINDOW_MASK, CG_MMAP_WINDOW_OK),
                                SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, 0));
    case CG_SC_MPROTECT:
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, 0)))
            return -1;
        return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 1,
                                SCMP_A2(SCMP_CMP_MASKED_EQ, CG_PROT_EXEC, CG_PROT_EXEC));
    case CG_SC_CLONE_THREAD:
        /* exactly musl's thread flags: one comparison that also requires
         * every other bit (exit signal, CLONE_PIDFD, CLONE_NEW*) clear */
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, ~(uint64_t)0, CG_CLONE_THREAD_FLAGS));
    case CG_SC_FUTEX: {
        /* WAIT and WAKE, private or shared (the window needs shared). */
        const uint64_t cmd = CG_FUTEX_CMD_MASK, cmd_priv = CG_FUTEX_CMD_MASK | CG_FUTEX_PRIVATE_FLAG;
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, cmd, CG_FUTEX_OP_WAIT)) ||
            seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, cmd, CG_FUTEX_OP_WAKE)))
            return -1;
        /* Requeue only between private words: a shared requeue could move
         * the host's thread asleep on the window to a word of this
         * process that nobody will ever wake. */
        for (uint64_t op = CG_FUTEX_OP_REQUEUE; op <= CG_FUTEX_OP_CMP_REQUEUE; op++) {
            if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                                 SCMP_A1(SCMP_CMP_MASKED_EQ, cmd_priv, op | CG_FUTEX_PRIVATE_FLAG)) ||
                seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, cmd_priv, op)))
                return -1;
        }
        for (uint64_t op = 0; op <= CG_FUTEX_OP_LAST; op++) {
            if (op == CG_FUTEX_OP_WAIT || op == CG_FUTEX_OP_WAKE || op == CG_FUTEX_OP_REQUEUE ||
                op == CG_FUTEX_OP_CMP_REQUEUE)
                continue;
            if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, cmd, op)))
                return -1;
        }
        return 0;
    }
    case CG_SC_SET_FS:
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, ARCH_SET_FS));
    case CG_SC_CONSOLE:
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 1)))
            return -1;
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 2));
    case CG_SC_KEYS:
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_KEYS_FD));
    case CG_SC_NODUMP:
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE),
                                SCMP_A1(SCMP_CMP_EQ, 0));
    }
    return -1;
}

static void build(void)
{
    /* libseccomp asks the kernel which actions exist. Where the seccomp()
     * syscall cannot answer (valgrind does not emulate it) it would refuse
     * KILL_PROCESS; the program only needs level 3 actions, which every
     * kernel since 4.14 has, and it is never loaded by libseccomp here. */
    if (seccomp_api_get() < 3)
        seccomp_api_set(3);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL) {
        snprintf(g_why, sizeof(g_why), "libseccomp could not initialise a filter");
        return;
    }
    /* A call through another ABI (int 0x80: the i386 table) must end the
     * whole enclave too, not just the thread (libseccomp's default). */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0) {
        snprintf(g_why, sizeof(g_why), "libseccomp refused the bad-architecture action");
        goto out;
    }
    /* The rules as a binary tree of system-call numbers (libseccomp's
     * optimisation level 2), not a list checked one by one: the same
     * decisions, fewer instructions per call. The kernel runs the whole
     * program for every system-call number when it installs it (its
     * cache of always-allowed calls), and again for every call the cache
     * cannot answer (those with argument rules: ioctl, mmap, futex...). */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) != 0) {
        snprintf(g_why, sizeof(g_why), "libseccomp refused the binary-tree optimisation");
        goto out;
    }
    for (size_t i = 0; i < CG_SYSCALL_POLICY_COUNT; i++) {
        if (add_rules(ctx, &cg_syscall_policy[i]) != 0) {
            snprintf(g_why, sizeof(g_why), "libseccomp refused the rule for %s", cg_syscall_policy[i].name);
            goto out;
        }
    }
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execveat), 2, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, CG_ELF_FD),
                         SCMP_A4(SCMP_CMP_EQ, AT_EMPTY_PATH)) != 0) {
        snprintf(g_why, sizeof(g_why), "libseccomp refused the launcher's execveat rule");
        goto out;
    }
    uint8_t *prog;
    size_t len;
    if (cg_bpf_export(ctx, &prog, &len, g_why, sizeof g_why) != 0)
        goto out;
    g_fd = cg_sealed_memfd("cgear-seccomp", prog, len);
    if (g_fd < 0)
        snprintf(g_why, sizeof(g_why), "cannot store the seccomp program: %s", strerror(errno));
    free(prog);
out:
    seccomp_release(ctx);
}

int cg_seccomp_fd(char *why, size_t why_len)
{
    pthread_once(&g_once, build);
    if (g_fd < 0)
        snprintf(why, why_len, "%s", g_why);
    return g_fd;
}
