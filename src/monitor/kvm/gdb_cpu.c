/*
 * gdb_cpu.c - the debugger's side of the VM (debug enclaves with
 * CGEAR_GDB; gdb.h, docs/debugging.md).
 *
 * One gdb thread accepts on CG_MON_GDB_FD (a socket the host bound: the
 * monitor opens none) and serves one debugger at a time. All-stop: when
 * anything stops (the debugger attaches, Ctrl-C, a breakpoint, a step, a
 * fault) every vCPU is kept out of KVM_RUN: a vCPU inside it is kicked
 * out with kvm_run.immediate_exit and a SIGUSR1 (the signal for a vCPU
 * deep in guest code, immediate_exit for one about to enter). vCPUs
 * serving a hypercall (a futex wait) finish it and then wait too.
 *
 * Breakpoints are 0xCC bytes gdb.c writes into guest memory; the vCPUs
 * run with KVM_GUESTDBG_USE_SW_BP while a debugger is attached, so #BP
 * and single-step #DB come to the monitor (KVM_EXIT_DEBUG) instead of the
 * shim, which would end the enclave.
 *
 * The lock d.lock guards the debugger state, the vCPUs' gdb fields and
 * writes to the connection (a vCPU thread sends its own stop reply: the
 * gdb thread is blocked reading the connection meanwhile).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gdb.h"
#include "monitor_abi.h"
#include "vm.h"

#define ADDR_MASK 0x000ffffffffff000ull
#define KICK_SIGNAL SIGUSR1
#define GDB_SIGINT 2
#define GDB_SIGTRAP 5

static struct {
    struct cg_vm *vm;
    pthread_mutex_t lock;
    pthread_cond_t cv;  /* any change of the state below */
    bool attached;      /* a debugger is connected */
    bool stopping;      /* vCPUs must stay out of KVM_RUN */
    bool running;       /* resumed by the debugger: the next stop sends a stop reply */
    int conn;           /* CG_MON_GDB_CONN_FD while attached, else -1 */
    struct cg_gdb gdb;
    char reply[CG_GDB_PKT_MAX + 1];
    char frame[CG_GDB_PKT_MAX + 8];
} d = {.lock = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .conn = -1};

/* ---- guest memory ---- */

static uint8_t *gpa_ptr(struct cg_vm *vm, uint64_t gpa, uint64_t len)
{
    struct cg_hc_layout l = cg_vm_layout(vm);
    return cg_hc_gpa_ptr(&l, gpa, len);
}

/* Guest-virtual @va under @pml4 -> the monitor's pointer, and how many
 * bytes follow in the same 4 KiB page. Walks the tables in guest memory
 * (the monitor built them; the shim does not change them), checking every
 * table address. */
static uint8_t *gva_ptr(struct cg_vm *vm, uint64_t pml4, uint64_t va, size_t *room)
{
    if ((uint64_t)((int64_t)(va << 16) >> 16) != va)
        return NULL; /* not canonical */
    uint64_t table = pml4;
    for (int level = 3; level >= 0; level--) {
        const uint64_t *t = (const uint64_t *)gpa_ptr(vm, table, CG_G_PAGE);
        if (t == NULL)
            return NULL;
        uint64_t e = t[(va >> (12 + 9 * level)) & 511];
        if (!(e & CG_PTE_P))
            return NULL;
        if (level == 0 || (level <= 2 && (e & CG_PTE_PS))) {
            uint64_t size = 1ull << (12 + 9 * level);
            uint64_t gpa = (e & ADDR_MASK & ~(size - 1)) + (va & (size - 1));
            *room = (size_t)(CG_G_PAGE - (va & (CG_G_PAGE - 1)));
            return gpa_ptr(vm, gpa, *room);
        }
        table = e & ADDR_MASK;
    }
    return NULL;
}

static struct cg_vcpu *vcpu_of(uint32_t tid)
{
    if (tid == 0 || tid > d.vm->ncpus)
        return NULL;
    struct cg_vcpu *v = &d.vm->vcpus[tid - 1];
    return v->started && !v->exited ? v : NULL;
}

static size_t copy_mem(uint32_t tid, uint64_t va, uint8_t *buf, const uint8_t *src, size_t n)
{
    struct cg_vcpu *v = vcpu_of(tid);
    uint64_t pml4 = v != NULL ? v->pml4 : d.vm->pml4;
    size_t done = 0;
    while (done < n) {
        size_t room;
        uint8_t *p = gva_ptr(d.vm, pml4, va + done, &room);
        if (p == NULL)
            break;
        size_t k = n - done < room ? n - done : room;
        if (src != NULL)
            memcpy(p, src + done, k);
        else
            memcpy(buf + done, p, k);
        done += k;
    }
    return done;
}

static size_t op_read_mem(void *ctx, uint32_t tid, uint64_t va, uint8_t *buf, size_t n)
{
    (void)ctx;
    return copy_mem(tid, va, buf, NULL, n);
}

static size_t op_write_mem(void *ctx, uint32_t tid, uint64_t va, const uint8_t *buf, size_t n)
{
    (void)ctx;
    return copy_mem(tid, va, NULL, buf, n);
}

/* ---- threads and registers ---- */

static int op_threads(void *ctx, uint32_t *ids, int max)
{
    (void)ctx;
    int n = 0;
    for (uint32_t i = 0; i < d.vm->ncpus && n < max; i++)
        if (vcpu_of(i + 1) != NULL)
            ids[n++] = i + 1;
    return n;
}

/* Where a stopped vCPU's enclave registers are: at a fault, what the shim
 * saved; inside a hypercall, the user frame the shim's system-call entry
 * pushed at the top of its kernel stack (entry.S) - the enclave thread is
 * in a system call; otherwise the vCPU itself. */
static const struct cg_uregs *saved_frame(struct cg_vcpu *v)
{
    uint64_t area = CG_G_CPU_GPA + (uint64_t)v->index * CG_G_CPU_SIZE;
    if (v->faulted)
        return &cg_cpu_area(d.vm, v->index)->fault;
    if (v->in_hcall)
        return (const struct cg_uregs *)(d.vm->ram + area + CG_G_CPU_SIZE - CG_UREGS_FRAME);
    return NULL;
}

static int op_get_regs(void *ctx, uint32_t tid, uint64_t r[CG_GDB_NREGS])
{
    (void)ctx;
    struct cg_vcpu *v = vcpu_of(tid);
    if (v == NULL)
        return -1;
    const struct cg_uregs *f = saved_frame(v);
    struct kvm_regs k;
    if (f != NULL) {
        struct cg_uregs u;
        memcpy(&u, f, sizeof u); /* one read of guest memory */
        k = (struct kvm_regs){.rax = u.rax, .rbx = u.rbx, .rcx = u.rcx, .rdx = u.rdx, .rsi = u.rsi,
                              .rdi = u.rdi, .rbp = u.rbp, .rsp = u.rsp, .r8 = u.r8, .r9 = u.r9,
                              .r10 = u.r10, .r11 = u.r11, .r12 = u.r12, .r13 = u.r13, .r14 = u.r14,
                              .r15 = u.r15, .rip = u.rip, .rflags = u.rflags};
    } else if (ioctl(v->fd, KVM_GET_REGS, &k) != 0) {
        return -1;
    }
    const uint64_t gp[] = {k.rax, k.rbx, k.rcx, k.rdx, k.rsi, k.rdi, k.rbp, k.rsp, k.r8,
                           k.r9,  k.r10, k.r11, k.r12, k.r13, k.r14, k.r15, k.rip, k.rflags};
    memset(r, 0, CG_GDB_NREGS * sizeof r[0]);
    memcpy(r, gp, sizeof gp);
    r[18] = 0x33; /* cs, ss: the enclave's user selectors (src/shim/shim_asm.h) */
    r[19] = 0x2b;
    return 0;
}

/* Only a vCPU stopped in guest code: a saved frame is the shim's. */
static int op_set_regs(void *ctx, uint32_t tid, const uint64_t r[CG_GDB_NREGS])
{
    (void)ctx;
    struct cg_vcpu *v = vcpu_of(tid);
    struct kvm_regs k;
    if (v == NULL || saved_frame(v) != NULL || ioctl(v->fd, KVM_GET_REGS, &k) != 0)
        return -1;
    k = (struct kvm_regs){.rax = r[0], .rbx = r[1], .rcx = r[2], .rdx = r[3], .rsi = r[4], .rdi = r[5],
                          .rbp = r[6], .rsp = r[7], .r8 = r[8], .r9 = r[9], .r10 = r[10], .r11 = r[11],
                          .r12 = r[12], .r13 = r[13], .r14 = r[14], .r15 = r[15], .rip = r[16],
                          .rflags = (k.rflags & ~0xcd5ull) | (r[17] & 0xcd5ull)}; /* arithmetic flags, DF */
    return ioctl(v->fd, KVM_SET_REGS, &k) == 0 ? 0 : -1;
}

/* ---- stopping and resuming (under d.lock) ---- */

static void kick_handler(int sig)
{
    (void)sig; /* only there to interrupt KVM_RUN */
}

static void stop_all(void)
{
    d.stopping = true;
    for (;;) {
        bool any = false;
        for (uint32_t i = 0; i < d.vm->ncpus; i++) {
            struct cg_vcpu *v = &d.vm->vcpus[i];
            if (!v->in_run)
                continue;
            any = true;
            v->run->immediate_exit = 1;
            if (v->tid > 0)
                syscall(SYS_tgkill, getpid(), v->tid, KICK_SIGNAL);
        }
        if (!any)
            return;
        /* a vCPU that entered KVM_RUN just after its kick is kicked again */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 20 * 1000 * 1000;
        if (t.tv_nsec >= 1000000000) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&d.cv, &d.lock, &t);
    }
}

static void send_data(const char *data)
{
    size_t n = cg_gdb_frame(data, strlen(data), d.frame, sizeof d.frame);
    for (size_t off = 0; d.conn >= 0 && off < n;) {
        ssize_t w = write(d.conn, d.frame + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the debugger is gone: its read end says so to the gdb thread */
        off += (size_t)w;
    }
}

static void send_raw(const char *s)
{
    if (d.conn >= 0) {
        ssize_t w = write(d.conn, s, strlen(s));
        (void)w;
    }
}

/* The target stopped (the caller set what stopped where): all vCPUs out of
 * the guest, then the stop reply. */
static void report_stop(uint32_t tid, int sig, bool swbreak)
{
    d.running = false;
    stop_all();
    cg_gdb_stop(&d.gdb, tid, sig, swbreak, d.reply);
    send_data(d.reply);
}

static void resume(uint32_t step_tid)
{
    for (uint32_t i = 0; i < d.vm->ncpus; i++)
        d.vm->vcpus[i].dbg_want = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP |
                                  (step_tid == i + 1 ? KVM_GUESTDBG_SINGLESTEP : 0);
    d.running = true;
    d.stopping = false;
    pthread_cond_broadcast(&d.cv);
}

/* The debugger left: breakpoints out, guest debugging off, run free. */
static void detach(void)
{
    cg_gdb_bp_clear_all(&d.gdb);
    for (uint32_t i = 0; i < d.vm->ncpus; i++)
        d.vm->vcpus[i].dbg_want = 0;
    d.attached = false;
    d.running = false;
    d.stopping = false;
    pthread_cond_broadcast(&d.cv);
}

static uint32_t first_thread(void)
{
    uint32_t id = 1;
    if (vcpu_of(d.gdb.stop_tid) != NULL)
        return d.gdb.stop_tid;
    op_threads(NULL, &id, 1);
    return id;
}

/* ---- the vCPU threads' side ---- */

void cg_gdb_before_run(struct cg_vcpu *v)
{
    pthread_mutex_lock(&d.lock);
    if (v->tid == 0)
        v->tid = (int)syscall(SYS_gettid);
    while (d.stopping)
        pthread_cond_wait(&d.cv, &d.lock);
    v->in_hcall = false;
    if (v->dbg_want != v->dbg_set) {
        struct kvm_guest_debug dbg = {.control = v->dbg_want};
        if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) != 0)
            cg_debug_line("gdb: KVM_SET_GUEST_DEBUG failed on vCPU %u: %s", v->index, strerror(errno));
        v->dbg_set = v->dbg_want;
    }
    v->in_run = true;
    pthread_mutex_unlock(&d.lock);
}

void cg_gdb_after_run(struct cg_vcpu *v, bool hcall)
{
    pthread_mutex_lock(&d.lock);
    v->in_run = false;
    v->in_hcall = hcall;
    v->run->immediate_exit = 0;
    pthread_cond_broadcast(&d.cv);
    pthread_mutex_unlock(&d.lock);
}

void cg_gdb_debug_exit(struct cg_vcpu *v)
{
    bool step = v->run->debug.arch.exception == 1; /* #DB: a single step */
    struct kvm_regs k;
    bool swbreak = false;
    pthread_mutex_lock(&d.lock);
    if (!step && ioctl(v->fd, KVM_GET_REGS, &k) == 0) {
        /* #BP: report the breakpoint's own address, as gdb expects
         * (swbreak). Where KVM left rip after the int3, step it back; an
         * int3 that is the enclave's own is stepped over instead. */
        uint8_t b = 0;
        uint64_t rip = k.rip;
        if (cg_gdb_bp_at(&d.gdb, k.rip)) {
            swbreak = true;
        } else if (cg_gdb_bp_at(&d.gdb, k.rip - 1)) {
            k.rip--;
            swbreak = true;
        } else if (op_read_mem(NULL, v->index + 1, k.rip, &b, 1) == 1 && b == 0xcc) {
            k.rip++;
        }
        if (k.rip != rip) /* KVM_SET_REGS also drops pending events: only when needed */
            ioctl(v->fd, KVM_SET_REGS, &k);
    }
    /* Only the first stop is reported; a breakpoint another vCPU hit at
     * the same time traps again when resumed (rip is at the int3). */
    if (d.attached && d.running) {
        report_stop(v->index + 1, GDB_SIGTRAP, swbreak);
        while (d.stopping && d.attached)
            pthread_cond_wait(&d.cv, &d.lock);
    }
    pthread_mutex_unlock(&d.lock);
}

/* gdb's signal numbers for the vectors the shim reports. */
static int fault_signal(uint64_t vector)
{
    switch (vector) {
    case 0: case 16: case 19:
        return 8; /* SIGFPE */
    case 1: case 3:
        return GDB_SIGTRAP;
    case 6:
        return 4; /* SIGILL */
    case 17:
        return 7; /* SIGBUS */
    default:
        return 11; /* SIGSEGV */
    }
}

bool cg_gdb_fault(struct cg_vcpu *v, uint64_t vector)
{
    pthread_mutex_lock(&d.lock);
    /* A stop being reported: this fault is the next one, once resumed. */
    while (d.attached && !d.running)
        pthread_cond_wait(&d.cv, &d.lock);
    bool resume = false;
    if (d.attached) {
        v->faulted = true;
        /* Where KVM does not intercept #BP (the PVM variant; QEMU's
         * emulated SVM, which treats int3 as a software interrupt) the
         * shim gets it, rip after the int3: show it as the breakpoint it
         * is. A single step the debugger asked of a faulted thread is TF
         * in the frame the shim returns with (below), so its #DB also
         * comes here. */
        bool swbreak = false;
        struct cg_uregs *f = &cg_cpu_area(d.vm, v->index)->fault;
        uint64_t rip = f->rip;
        if (vector == 3 && cg_gdb_bp_at(&d.gdb, rip - 1)) {
            f->rip = rip - 1;
            swbreak = true;
            if (d.vm->pvm)
                cg_debug_line("gdb: on the PVM variant the enclave ends when continued past a breakpoint "
                              "(docs/debugging.md)");
        }
        report_stop(v->index + 1, fault_signal(vector), swbreak);
        while (d.stopping && d.attached)
            pthread_cond_wait(&d.cv, &d.lock);
        /* The shim can return from an exception everywhere but on PVM
         * (docs/kvm-pvm.md). Only #BP and #DB are resumed. */
        if ((vector == 1 || vector == 3) && !d.vm->pvm) {
            bool step = d.attached && (v->dbg_want & KVM_GUESTDBG_SINGLESTEP);
            if (step)
                f->rflags |= 0x100; /* TF: one user instruction, then #DB */
            else
                f->rflags &= ~0x100ull;
            /* not KVM's single step: that would step the shim's return */
            v->dbg_want &= ~(uint32_t)KVM_GUESTDBG_SINGLESTEP;
            v->faulted = false;
            resume = true;
        }
    }
    pthread_mutex_unlock(&d.lock);
    return resume;
}

void cg_gdb_vcpu_gone(struct cg_vcpu *v)
{
    pthread_mutex_lock(&d.lock);
    v->exited = true;
    pthread_cond_broadcast(&d.cv);
    pthread_mutex_unlock(&d.lock);
}

void cg_gdb_vcpu_back(struct cg_vcpu *v)
{
    pthread_mutex_lock(&d.lock);
    v->exited = false;
    pthread_mutex_unlock(&d.lock);
}

void cg_gdb_exiting(int status)
{
    /* trylock: the caller may be the gdb thread itself, or a vCPU that
     * holds the lock; then the debugger just sees the connection close */
    if (d.vm == NULL || pthread_mutex_trylock(&d.lock) != 0)
        return;
    if (d.attached) {
        char w[8];
        snprintf(w, sizeof w, "W%02x", (unsigned)status & 0xff);
        send_data(w);
    }
    pthread_mutex_unlock(&d.lock);
}

/* ---- the gdb thread ---- */

/* One connection, until the debugger detaches or goes. */
static void serve(void)
{
    static struct cg_gdb_rx rx;
    uint8_t in[1024];
    cg_gdb_rx_init(&rx);
    for (;;) {
        ssize_t n = read(CG_MON_GDB_CONN_FD, in, sizeof in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        pthread_mutex_lock(&d.lock);
        for (ssize_t i = 0; i < n; i++) {
            int ev = cg_gdb_rx_byte(&rx, in[i]);
            if (ev == CG_GDB_RX_INTERRUPT && d.running) {
                report_stop(first_thread(), GDB_SIGINT, false);
            } else if (ev == CG_GDB_RX_BAD) {
                send_raw("-");
            } else if (ev == CG_GDB_RX_PACKET) {
                send_raw("+");
                if (d.running)
                    continue; /* all-stop: only Ctrl-C while it runs */
                switch (cg_gdb_handle(&d.gdb, rx.buf, rx.len, d.reply)) {
                case CG_GDB_REPLY:
                    send_data(d.reply);
                    break;
                case CG_GDB_RESUME:
                    resume(d.gdb.step_tid);
                    break;
                case CG_GDB_DETACH:
                    send_data(d.reply);
                    detach();
                    pthread_mutex_unlock(&d.lock);
                    /* until gdb closes: it still acks our "OK" */
                    while (read(CG_MON_GDB_CONN_FD, in, sizeof in) > 0)
                        ;
                    return;
                case CG_GDB_KILL:
                    cg_note("the debugger killed the enclave");
                    cg_vm_stop(CG_MON_EXIT_DEBUGGER);
                }
            }
        }
        pthread_mutex_unlock(&d.lock);
    }
}

static void *gdb_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept4(CG_MON_GDB_FD, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            cg_debug_line("gdb: accept failed (%s): no debugger for this enclave", strerror(errno));
            return NULL;
        }
        /* A fixed number, so that the run filter can name it. */
        if (c != CG_MON_GDB_CONN_FD && (dup3(c, CG_MON_GDB_CONN_FD, O_CLOEXEC) < 0 || close(c) != 0)) {
            close(c);
            continue;
        }
        pthread_mutex_lock(&d.lock);
        d.conn = CG_MON_GDB_CONN_FD;
        d.attached = true;
        bool was_waiting = d.stopping; /* CGEAR_GDB=...,wait: vCPU 0 has not run yet */
        stop_all();
        d.running = false;
        cg_gdb_init(&d.gdb, &(struct cg_gdb_ops){NULL, op_threads, op_get_regs, op_set_regs, op_read_mem,
                                                 op_write_mem});
        d.gdb.stop_tid = first_thread();
        d.gdb.stop_sig = was_waiting ? GDB_SIGTRAP : GDB_SIGINT;
        pthread_mutex_unlock(&d.lock);
        cg_debug_line("gdb: debugger attached");
        serve();
        pthread_mutex_lock(&d.lock);
        if (d.attached)
            detach(); /* the debugger went without a word */
        close(d.conn);
        d.conn = -1;
        pthread_mutex_unlock(&d.lock);
        cg_debug_line("gdb: debugger detached");
    }
}

int cg_gdb_signals(void)
{
    struct sigaction sa = {.sa_handler = kick_handler}; /* no SA_RESTART: KVM_RUN must return */
    struct sigaction ign = {.sa_handler = SIG_IGN};     /* a debugger that vanished is EPIPE, not death */
    if (sigaction(KICK_SIGNAL, &sa, NULL) != 0 || sigaction(SIGPIPE, &ign, NULL) != 0) {
        cg_note("gdb: cannot install the vCPU kick handler: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int cg_gdb_start(struct cg_vm *vm)
{
    d.vm = vm;
    d.stopping = vm->cfg.gdb_wait;
    pthread_t t;
    if (pthread_create(&t, NULL, gdb_main, NULL) != 0) {
        cg_note("gdb: cannot start the gdb thread");
        return -1;
    }
    pthread_detach(t);
    cg_debug_line("gdb: %s a debugger (CGEAR_GDB)", vm->cfg.gdb_wait ? "waiting for" : "ready for");
    return 0;
}
