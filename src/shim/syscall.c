/*
 * syscall.c - the enclave's system calls inside the VM: the allow-list of
 * src/abi/syscall_policy.h, implemented. A call outside it ends the
 * enclave (CG_HC_FORBIDDEN), exactly as the process engine's seccomp
 * filter does; the "answered, not performed" calls get their errno.
 */
#include <errno.h>

#include "shim.h"
#include "enclave_keys.h"
#include "syscall_policy.h"

#define ARCH_SET_FS 0x1002
#define PR_SET_DUMPABLE 4
#define USER_CANONICAL_END 0x0000800000000000ull /* first non-canonical address */
#define FUTEX_CMD_MASK 0x7f /* drops FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4

static int64_t g_next_tid = 2;

static const struct cg_syscall_rule *rule_of(uint64_t nr)
{
    for (size_t i = 0; i < CG_SYSCALL_POLICY_COUNT; i++)
        if ((uint64_t)cg_syscall_policy[i].nr == nr)
            return &cg_syscall_policy[i];
    return NULL;
}

static inline void wrfsbase(uint64_t v)
{
    __asm__ volatile("wrfsbase %0" : : "r"(v) : "memory");
}

/* A requeue moves sleepers between two futex words. Both must be in the
 * enclave's private memory: a word in the call window may have a host
 * thread asleep on it, and moving that thread to a private word would hang
 * the host (the monitor checks the same). musl's condition variables
 * requeue their waiters onto the mutex, so without this a broadcast to two
 * or more waiters would leave all but one asleep for ever. */
/* The guest-physical address of the futex word at @uaddr, or -errno. */
static int64_t futex_word_gpa(uint64_t uaddr)
{
    if (uaddr & 3)
        return -EINVAL;
    uint64_t gpa = cg_mm_user_gpa(uaddr, 4, 1);
    return gpa == 0 ? -EFAULT : (int64_t)gpa;
}

static int64_t sys_futex_requeue(struct cg_cpu *c, uint64_t gpa, uint64_t cmd, uint64_t nwake, uint64_t nmove,
                                 uint64_t uaddr2, uint64_t val3)
{
    int64_t g2 = futex_word_gpa(uaddr2);
    if (g2 < 0)
        return g2;
    uint64_t gpa2 = (uint64_t)g2;
    if (gpa >= cg_boot.window_gpa || gpa2 >= cg_boot.window_gpa)
        return -EPERM;
    if ((int32_t)nwake < 0 || (int32_t)nmove < 0)
        return -EINVAL;
    return cg_hcall(c, CG_HC_FUTEX, gpa, cmd, (uint32_t)nwake | (uint64_t)(uint32_t)nmove << 32, gpa2,
                    (uint32_t)val3);
}

static int64_t sys_futex(struct cg_cpu *c, uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utimeout,
                         uint64_t uaddr2, uint64_t val3)
{
    int64_t g = futex_word_gpa(uaddr);
    if (g < 0)
        return g;
    uint64_t gpa = (uint64_t)g;
    uint64_t cmd = op & FUTEX_CMD_MASK;
    if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE) {
        /* As under the process engine's filter: only private requeues. */
        if (!(op & CG_FUTEX_PRIVATE_FLAG))
            return -EPERM;
        return sys_futex_requeue(c, gpa, cmd, val, utimeout, uaddr2, val3);
    }
    if (cmd != FUTEX_WAIT && cmd != FUTEX_WAKE)
        return -ENOSYS;
    int64_t timeout_ns = -1;
    if (cmd == FUTEX_WAIT && utimeout != 0) {
        int64_t ts[2];
        if (cg_copy_from_user(ts, utimeout, sizeof ts) != 0)
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        timeout_ns = ts[0] > 9000000000LL ? 9000000000LL * 1000000000LL : ts[0] * 1000000000LL + ts[1];
    }
    return cg_hcall(c, CG_HC_FUTEX, gpa, cmd, (uint32_t)val, (uint64_t)timeout_ns, 0);
}

static int64_t sys_clock_gettime(struct cg_cpu *c, uint64_t clk, uint64_t uts)
{
    int64_t ns = cg_hcall(c, CG_HC_TIME, clk, 0, 0, 0, 0);
    if (ns < 0)
        return ns;
    int64_t ts[2] = {ns / 1000000000LL, ns % 1000000000LL};
    return cg_copy_to_user(uts, ts, sizeof ts);
}

/* RDRAND where the guest's CPUID lists it (on VMX it is a #UD otherwise),
 * else the host kernel's entropy through the monitor. */
static int64_t sys_getrandom(struct cg_cpu *c, uint64_t ubuf, uint64_t len)
{
    if (len > 256)
        len = 256; /* short reads are allowed; callers loop */
    uint8_t tmp[256];
    if (!(cg_boot.features & CG_FEAT_RDRAND)) {
        int64_t n = cg_hcall(c, CG_HC_RANDOM, len, 0, 0, 0, 0);
        if (n <= 0)
            return n < 0 ? n : -EAGAIN;
        if ((uint64_t)n > len)
            n = (int64_t)len;
        memcpy(tmp, c->buf, (size_t)n);
        memset(c->buf, 0, (size_t)n);
        len = (uint64_t)n;
    } else {
        for (uint64_t i = 0; i < len; i += 8) {
            uint64_t v = 0;
            unsigned char ok = 0;
            for (int tries = 0; tries < 100 && !ok; tries++)
                __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
            if (!ok) {
                if (i == 0)
                    return -EAGAIN;
                len = i; /* a short read of what was made */
                break;
            }
            for (uint64_t k = 0; k < 8 && i + k < len; k++)
                tmp[i + k] = (uint8_t)(v >> (8 * k));
        }
    }
    if (cg_copy_to_user(ubuf, tmp, len) != 0)
        return -EFAULT;
    return (int64_t)len;
}

static int64_t console(struct cg_cpu *c, uint64_t fd, uint64_t ubuf, uint64_t len)
{
    if ((uint32_t)fd != 1 && (uint32_t)fd != 2)
        return -EBADF; /* not reached: cg_syscall() ends the enclave first */
    if (!cg_boot.debug)
        return (int64_t)len; /* production enclaves: output is dropped */
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done > sizeof c->buf ? sizeof c->buf : len - done;
        if (cg_copy_from_user(c->buf, ubuf + done, n) != 0)
            return done ? (int64_t)done : -EFAULT;
        cg_hcall(c, CG_HC_CONSOLE, fd, n, 0, 0, 0);
        done += n;
    }
    return (int64_t)done;
}

static int64_t sys_writev(struct cg_cpu *c, uint64_t fd, uint64_t uiov, uint64_t cnt)
{
    if (cnt > 1024)
        return -EINVAL;
    int64_t total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t iov[2];
        if (cg_copy_from_user(iov, uiov + i * 16, 16) != 0)
            return -EFAULT;
        int64_t r = console(c, fd, iov[0], iov[1]);
        if (r < 0)
            return total ? total : r;
        total += r;
    }
    return total;
}

static int64_t sys_clone(struct cg_cpu *c, struct cg_uregs *r)
{
    uint64_t flags = r->rdi, newsp = r->rsi, ptid = r->rdx, ctid = r->r10, tls = r->r8;
    if (flags != CG_CLONE_THREAD_FLAGS || newsp == 0)
        cg_die_forbidden(SYS_clone, r->rip); /* a new process: never */
    /* A free vCPU: one per manifest thread, never more. */
    struct cg_cpu *child = NULL;
    uint64_t child_index = 0;
    /* By position, not by the area's index field: the monitor fills an
     * area beyond the call slots only when its vCPU is first made. */
    for (uint64_t i = 1; i < cg_boot.ncpus; i++) {
        struct cg_cpu *k = cg_phys(CG_G_CPU_GPA + i * CG_G_CPU_SIZE);
        if (__atomic_load_n(&k->tid, __ATOMIC_ACQUIRE) == 0) {
            uint64_t zero = 0;
            if (__atomic_compare_exchange_n(&k->tid, &zero, (uint64_t)-1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                child = k;
                child_index = i;
                break;
            }
        }
    }
    if (child == NULL)
        return -EAGAIN;
    int64_t tid = __atomic_fetch_add(&g_next_tid, 1, __ATOMIC_RELAXED);
    child->start = *r;
    child->start.rax = 0;
    child->start.rsp = newsp;
    /* CG_CLONE_THREAD_FLAGS has SETTLS, CHILD_CLEARTID and PARENT_SETTID */
    child->start.fsbase = tls;
    child->clear_tid = ctid;
    {
        int32_t t = (int32_t)tid;
        if (cg_copy_to_user(ptid, &t, sizeof t) != 0)
            return -EFAULT;
    }
    __atomic_store_n(&child->tid, (uint64_t)tid, __ATOMIC_RELEASE);
    int64_t rc = cg_hcall(c, CG_HC_START_CPU, child_index, 0, 0, 0, 0);
    if (rc < 0) {
        __atomic_store_n(&child->tid, 0, __ATOMIC_RELEASE);
        return rc;
    }
    return tid;
}

static _Noreturn void thread_exit(struct cg_cpu *c)
{
    if (c->clear_tid) {
        int32_t zero = 0;
        if (cg_copy_to_user(c->clear_tid, &zero, sizeof zero) == 0)
            sys_futex(c, c->clear_tid, FUTEX_WAKE, 1, 0, 0, 0);
    }
    /* As on Linux, the first thread ending ends nothing else. The vCPU
     * waits in the monitor until a clone() gives it the next thread
     * (its start frame filled, as for a vCPU's first); the stack this
     * leaves behind is the kernel stack's next top again. */
    cg_hcall(c, CG_HC_CPU_EXIT, 0, 0, 0, 0, 0);
    struct cg_uregs start = c->start;
    cg_enter_user(&start);
}

void cg_syscall(struct cg_cpu *c, struct cg_uregs *r)
{
    uint64_t nr = r->rax;
    uint64_t a0 = r->rdi, a1 = r->rsi, a2 = r->rdx, a3 = r->r10, a4 = r->r8, a5 = r->r9;
    /* SYSRETQ to a non-canonical RIP faults in supervisor mode on Intel,
     * on the user's stack. The loader keeps code below 1 GiB so it cannot
     * happen; refuse it here too, in case that ever changes. */
    if (r->rip >= USER_CANONICAL_END)
        cg_die_fault(13, 0, 0, r->rip, r->rsp);
    const struct cg_syscall_rule *rule = rule_of(nr);
    if (rule == NULL)
        cg_die_forbidden(nr, r->rip);
    int64_t ret = -ENOSYS;
    switch (rule->rule) {
    case CG_SC_ERRNO:
        ret = -rule->arg;
        break;
    case CG_SC_MMAP:
        /* The same two shapes the process engine's filter lets through. */
        if ((a3 & CG_MMAP_ANON_MASK) != CG_MMAP_ANON_OK &&
            ((uint32_t)a4 != CG_WINDOW_FD || (a3 & CG_MMAP_WINDOW_MASK) != CG_MMAP_WINDOW_OK))
            cg_die_forbidden(nr, r->rip);
        ret = (a2 & CG_PROT_EXEC) ? -EACCES : cg_mm_mmap(a0, a1, a2, a3, (int64_t)a4, a5);
        break;
    case CG_SC_CLONE_THREAD:
        ret = sys_clone(c, r);
        break;
    case CG_SC_MPROTECT:
        /* the pool is never executable; nothing else to change */
        ret = (a2 & CG_PROT_EXEC) ? -EACCES : 0;
        break;
    case CG_SC_FUTEX:
        if ((a1 & CG_FUTEX_CMD_MASK) > CG_FUTEX_OP_LAST)
            cg_die_forbidden(nr, r->rip); /* no such command: as the seccomp filter */
        ret = sys_futex(c, a0, a1, a2, a3, a4, a5);
        break;
    case CG_SC_SET_FS:
        if (a0 != ARCH_SET_FS)
            cg_die_forbidden(nr, r->rip);
        if (a1 >= USER_CANONICAL_END) /* WRFSBASE would #GP in the shim */
            return (void)(r->rax = (uint64_t)-EPERM);
        r->fsbase = a1;
        wrfsbase(a1);
        ret = 0;
        break;
    case CG_SC_CONSOLE:
        if ((uint32_t)a0 != 1 && (uint32_t)a0 != 2)
            cg_die_forbidden(nr, r->rip);
        ret = nr == SYS_write ? console(c, a0, a1, a2) : sys_writev(c, a0, a1, a2);
        break;
    case CG_SC_KEYS:
        if ((uint32_t)a0 != CG_KEYS_FD) /* the kernel reads an unsigned int, as the filter does */
            cg_die_forbidden(nr, r->rip);
        if (nr == SYS_close) {
            ret = 0;
            break;
        }
        /* read(): the whole block, once */
        if (cg_boot.keys_len == 0)
            ret = -EBADF;
        else if (a2 < cg_boot.keys_len)
            ret = -EINVAL;
        else if (cg_copy_to_user(a1, cg_boot.keys, cg_boot.keys_len) != 0)
            ret = -EFAULT;
        else {
            ret = (int64_t)cg_boot.keys_len;
            memset(cg_boot.keys, 0, sizeof cg_boot.keys);
            cg_boot.keys_len = 0;
        }
        break;
    case CG_SC_NODUMP:
        if (a0 != PR_SET_DUMPABLE || a1 != 0)
            cg_die_forbidden(nr, r->rip);
        ret = 0; /* the monitor is never dumpable */
        break;
    case CG_SC_ALLOW:
        switch (nr) {
        case SYS_brk:
            ret = (int64_t)cg_boot.brk_start; /* never grows: musl uses mmap */
            break;
        case SYS_munmap:
            ret = cg_mm_munmap(a0, a1);
            break;
        case SYS_mremap:
            ret = cg_mm_mremap(a0, a1, a2, a3);
            break;
        case SYS_madvise:
            ret = 0;
            break;
        case SYS_set_tid_address:
            c->clear_tid = a0;
            ret = (int64_t)(c->tid ? c->tid : 1);
            break;
        case SYS_set_robust_list:
        case SYS_rt_sigprocmask:
            ret = 0;
            break;
        case SYS_sched_yield:
            ret = 0;
            break;
        case SYS_sched_getaffinity: {
            uint64_t mask = cg_boot.online >= 64 ? ~0ull : ((1ull << cg_boot.online) - 1);
            if (a1 < 8)
                ret = -EINVAL;
            else
                ret = cg_copy_to_user(a2, &mask, 8) == 0 ? 8 : -EFAULT;
            break;
        }
        case SYS_gettid:
            ret = (int64_t)(c->tid ? c->tid : 1);
            break;
        case SYS_getpid:
            ret = 1;
            break;
        case SYS_clock_gettime:
            ret = sys_clock_gettime(c, a0, a1);
            break;
        case SYS_clock_getres: {
            int64_t ts[2] = {0, 1};
            ret = a1 ? cg_copy_to_user(a1, ts, sizeof ts) : 0;
            break;
        }
        case SYS_gettimeofday: {
            int64_t ns = cg_hcall(c, CG_HC_TIME, 0, 0, 0, 0, 0);
            int64_t tv[2] = {ns / 1000000000LL, (ns % 1000000000LL) / 1000};
            ret = a0 ? cg_copy_to_user(a0, tv, sizeof tv) : 0;
            break;
        }
        case SYS_nanosleep:
        case SYS_clock_nanosleep: {
            /* A futex wait on a private word nobody wakes = a sleep. */
            uint64_t ts_va = nr == SYS_nanosleep ? a0 : a2;
            int64_t ts[2];
            if (cg_copy_from_user(ts, ts_va, sizeof ts) != 0)
                ret = -EFAULT;
            else if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
                ret = -EINVAL;
            else {
                int64_t ns = ts[0] > 9000000000LL ? 9000000000LL * 1000000000LL : ts[0] * 1000000000LL + ts[1];
                uint32_t *word = (uint32_t *)(void *)c->buf;
                *word = 0;
                uint64_t gpa = c->area_gpa + (uint64_t)((uintptr_t)word - (uintptr_t)c);
                cg_hcall(c, CG_HC_FUTEX, gpa, FUTEX_WAIT, 0, (uint64_t)ns, 0);
                ret = 0;
            }
            break;
        }
        case SYS_getrandom:
            ret = sys_getrandom(c, a0, a1);
            break;
        case SYS_restart_syscall:
            /* No signal ever interrupts a call in the guest, so there is
             * nothing to restart: what Linux answers then. */
            ret = -EINTR;
            break;
        case SYS_exit:
            thread_exit(c);
        case SYS_exit_group:
            for (;;)
                cg_hcall(c, CG_HC_EXIT, a0 & 0xff, 0, 0, 0, 0);
        default:
            cg_die_forbidden(nr, r->rip);
        }
        break;
    }
    r->rax = (uint64_t)ret;
}
