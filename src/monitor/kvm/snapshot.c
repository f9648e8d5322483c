/*
 * snapshot.c - an enclave's snapshot and its reset (docs/snapshots.md).
 *
 * The host asks through the window header (ctl, window.h); a control
 * thread of the monitor serves each request while no vCPU runs guest code:
 *
 *   hold      every vCPU is stopped in the monitor: a vCPU sleeping in a
 *             futex hypercall is woken (a spurious wake-up, which every
 *             futex user allows for) and waits in cg_snap_hold() before
 *             its next KVM_RUN; a vCPU whose thread ended stays parked. A
 *             vCPU that does not stop within CG_HOLD_MS (it computes, or
 *             spins) makes the request fail with CC_ERROR_BUSY.
 *   snapshot  records each vCPU (registers, segment and FPU state) and
 *             maps guest RAM's memfd privately over itself: its pages are
 *             the snapshot from then on, the guest writes into private
 *             copies.
 *   reset     brings each vCPU to what it was at the snapshot (held, or
 *             parked), drops the private copies (MADV_DONTNEED: the
 *             snapshot's pages show again), restores the registers, and
 *             writes a new reset count and key block into the enclave's
 *             reset area (reset_abi.h) so that its random generators
 *             reseed and its reports name a new instance.
 *
 * Every vCPU is recorded at the same point: just past its shim's port
 * write (the OUT of cg_hcall, completed by cg_snap_complete() before it
 * stops), with the hypercall's answer in its area (for a parked vCPU the
 * monitor writes it when the vCPU is handed its next thread). So the
 * restored registers resume there and the guest reads the restored answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor_abi.h"
#include "reset_abi.h"
#include "status.h"
#include "vm.h"
#include "window.h"

_Static_assert(sizeof(((struct cg_ctl_page *)0)->keys) == CG_KEYS_SIZE, "control page key block size");

/* How long the vCPUs have to stop for a request; a vCPU whose thread has
 * not reached its first futex wait yet (a call slot's thread starting
 * right after READY; in an emulated machine that is long) gets
 * up to CG_HOLD_START_MS. */
#define CG_HOLD_MS 1000
#define CG_HOLD_START_MS 10000
/* A reset copies back at most this many written pages (and drops them
 * beyond): copying keeps the guest's mappings, dropping frees memory. */
#define CG_COPY_PAGES 256u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* FUTEX_WAKE every waiter on @word: private for guest RAM (hcall.c waits
 * there with FUTEX_PRIVATE_FLAG), shared for the window. */
static void wake_word(struct cg_vm *vm, void *word)
{
    int op = cg_vm_in_ram(vm, word) ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE;
    syscall(SYS_futex, word, op, 0x7fffffff, NULL, NULL, 0);
}

/* Where one vCPU must be for a request: parked, or its thread stopped at
 * a futex wait (want_word: on that word; NULL: any). Under vm->lock. */
struct cg_want {
    bool parked;
    bool any;   /* a snapshot: parked, or stopped at any futex wait */
    void *word;
};

static bool in_place(const struct cg_vcpu *v, const struct cg_want *w)
{
    /* never started (a parked vCPU of an enclave started from a snapshot,
     * clone.c): no thread, as good as parked */
    if (w->parked || (w->any && v->parked))
        return v->parked || !v->started;
    if (!v->started)
        return false;
    if (v->held)
        return true;
    /* asleep in the monitor on the right word: left asleep (no wake-up,
     * no world switch); should it wake meanwhile it holds at once */
    void *now = __atomic_load_n(&v->wait_word, __ATOMIC_SEQ_CST);
    return now != NULL && (w->word == NULL || now == w->word);
}

/* Under vm->lock: sets hold and waits until every made vCPU is where
 * @want (one per vCPU) says. A vCPU asleep on another word is woken (a
 * spurious wake-up, which every futex user allows for) and stops in
 * cg_snap_hold(); one that runs stops at its next futex wait. Wakes again
 * on each round: a wake can come before the sleep it is meant for.
 * Returns 0, or -1 after CG_HOLD_MS (CG_HOLD_START_MS while a vCPU is
 * starting; hold is then cleared). */
static int hold_all(struct cg_vm *vm, const struct cg_want *want)
{
    __atomic_store_n(&vm->hold, true, __ATOMIC_SEQ_CST);
    uint64_t t0 = now_ns(), deadline = t0 + CG_HOLD_MS * 1000000ull;
    for (;;) {
        bool done = true, starting = false;
        for (uint32_t i = 0; i < vm->ncpus; i++) {
            struct cg_vcpu *v = &vm->vcpus[i];
            if (!v->made || in_place(v, &want[i]))
                continue;
            done = false;
            /* a call slot's thread the runtime has not brought to its
             * first wait yet (own threads are the enclave's business) */
            starting = starting || (i < vm->cfg.threads &&
                                    (!v->started || !__atomic_load_n(&v->waited, __ATOMIC_RELAXED)));
            /* asleep elsewhere (or, to park, asleep at all): wake it, it
             * stops (or parks) on its way back */
            void *w = __atomic_load_n(&v->wait_word, __ATOMIC_SEQ_CST);
            if (w != NULL)
                wake_word(vm, w);
        }
        if (done)
            return 0;
        uint64_t t = now_ns();
        if (t >= deadline && (!starting || t - t0 >= CG_HOLD_START_MS * 1000000ull))
            break;
        uint64_t until = t + 1000000ull; /* 1 ms rounds */
        struct timespec ts = {(time_t)(until / 1000000000ull), (long)(until % 1000000000ull)};
        pthread_cond_timedwait(&vm->hold_cv, &vm->lock, &ts);
    }
    __atomic_store_n(&vm->hold, false, __ATOMIC_SEQ_CST);
    for (uint32_t i = 0; i < vm->ncpus; i++)
        vm->vcpus[i].repark = false;
    pthread_cond_broadcast(&vm->hold_cv);
    return -1;
}

static void release(struct cg_vm *vm)
{
    __atomic_store_n(&vm->hold, false, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&vm->hold_cv);
}

void cg_snap_complete(struct cg_vcpu *v)
{
    /* KVM finishes an exit's instruction (the shim's OUT) only at the
     * next KVM_RUN; with immediate_exit it does that and returns at once,
     * so the registers a snapshot records (and restores) are past it. */
    v->run->immediate_exit = 1;
    while (ioctl(v->fd, KVM_RUN, 0) == 0)
        ; /* an exit before the check: cannot happen with immediate_exit, but never run on */
    v->run->immediate_exit = 0;
}

void cg_snap_hold(struct cg_vcpu *v)
{
    struct cg_vm *vm = v->vm;
    /* For a snapshot only at a futex wait (or when a reset hands it the
     * snapshot's thread): every vCPU a snapshot records is at the same
     * kind of point, its futex wait returning, where a restored thread
     * resumes. Elsewhere it runs on to its next wait. A reset replaces
     * the guest's state whatever it is: any hypercall's end will do. */
    pthread_mutex_lock(&vm->lock);
    bool hold = v->at_wait || v->force_hold || !vm->snap.taking;
    pthread_mutex_unlock(&vm->lock);
    if (!hold)
        return;
    cg_snap_complete(v);
    for (;;) {
        pthread_mutex_lock(&vm->lock);
        bool repark = false;
        while (__atomic_load_n(&vm->hold, __ATOMIC_SEQ_CST)) {
            if (v->repark) {
                v->repark = false;
                repark = true;
                break;
            }
            v->held = true;
            pthread_cond_broadcast(&vm->hold_cv);
            pthread_cond_wait(&vm->hold_cv, &vm->lock);
        }
        v->held = false;
        v->force_hold = false;
        pthread_mutex_unlock(&vm->lock);
        if (!repark)
            return;
        /* A reset wants this vCPU as the snapshot had it: without a
         * thread. It waits for the next clone() like any ended thread's;
         * the guest then finds its CPU_EXIT answered (the hypercall the
         * restored registers are stopped on). */
        cg_vcpu_park(v);
        cg_cpu_area(vm, v->index)->hc.ret = 0;
    }
}

int cg_snap_refresh(struct cg_vcpu *v)
{
    if (!v->stale)
        return 0;
    /* The reset took back the tables this vCPU was given after the
     * snapshot (v->pml4 is 0): set it up as a vCPU that never ran. */
    char why[256] = "";
    if (cg_vcpu_make(v->vm, v->index, why, sizeof why) != 0) {
        cg_note("cannot set up vCPU %u again after a reset: %s", v->index, why);
        return -1;
    }
    v->stale = false;
    return 0;
}

/* The MSRs of struct cg_snap_cpu: what src/shim/arch_x86.c writes. */
static const uint32_t g_msrs[CG_SNAP_MSRS] = {
    0xc0000081u, /* STAR */
    0xc0000082u, /* LSTAR */
    0xc0000084u, /* SYSCALL_MASK */
    0xc0000102u, /* KERNEL_GS_BASE */
    0x4b564d10u, /* PVM's VIF page (PVM only: last) */
};

static int save_cpu(struct cg_vcpu *v, struct cg_snap_cpu *s)
{
    if (ioctl(v->fd, KVM_GET_REGS, &s->regs) != 0 || ioctl(v->fd, KVM_GET_SREGS, &s->sregs) != 0 ||
        ioctl(v->fd, KVM_GET_FPU, &s->fpu) != 0)
        return -1;
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[CG_SNAP_MSRS];
    } m;
    memset(&m, 0, sizeof m);
    m.h.nmsrs = v->vm->pvm ? CG_SNAP_MSRS : CG_SNAP_MSRS - 1;
    for (uint32_t i = 0; i < m.h.nmsrs; i++)
        m.e[i].index = g_msrs[i];
    if (ioctl(v->fd, KVM_GET_MSRS, &m) != (int)m.h.nmsrs)
        return -1;
    s->nmsr = m.h.nmsrs;
    memcpy(s->msr, m.e, sizeof s->msr);
    return 0;
}

int cg_snap_set_msrs(struct cg_vcpu *v, const struct cg_snap_cpu *s)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[CG_SNAP_MSRS];
    } m;
    memset(&m, 0, sizeof m);
    m.h.nmsrs = s->nmsr <= CG_SNAP_MSRS ? s->nmsr : CG_SNAP_MSRS;
    memcpy(m.e, s->msr, sizeof m.e);
    return ioctl(v->fd, KVM_SET_MSRS, &m) == (int)m.h.nmsrs ? 0 : -1;
}

/* Sets vCPU @v to @s. @flush: the guest wrote page tables since the snapshot (only possible
 * on PVM, where every page is the guest's): KVM must drop what it cached
 * of them, which setting the segment state does. Otherwise that is done
 * only where it differs from the snapshot: it makes KVM rebuild its view
 * of the guest's paging, the costliest part of a reset's first call. */
int cg_snap_load_cpu(struct cg_vcpu *v, const struct cg_snap_cpu *s, bool flush)
{
    struct kvm_sregs now, sr = s->sregs;
    if (flush || ioctl(v->fd, KVM_GET_SREGS, &now) != 0 || memcmp(&now, &sr, sizeof sr) != 0)
        if (ioctl(v->fd, KVM_SET_SREGS, &sr) != 0)
            return -1;
    struct kvm_fpu fpu = s->fpu;
    struct kvm_regs r = s->regs;
    return ioctl(v->fd, KVM_SET_FPU, &fpu) == 0 && ioctl(v->fd, KVM_SET_REGS, &r) == 0 ? 0 : -1;
}

uint32_t cg_snap_refusal(const struct cg_vm *vm)
{
    /* a debugger may hold vCPUs itself; switchless workers never sleep
     * (win_slots is 0 with them, or with a window header it cannot use) */
    if (vm->cfg.gdb || vm->reset_gpa == 0 || vm->win_slots == 0)
        return CC_ERROR_NOT_SUPPORTED;
    return CC_SUCCESS;
}

/* Guest pages the monitor itself writes, which KVM's dirty log does not
 * see: each made vCPU's struct cg_cpu (hypercall answers, tid) and the
 * reset area. Marks them in @bits. */
static void mark_monitor_pages(struct cg_vm *vm, uint64_t *bits)
{
    const uint64_t cpu_pages = (sizeof(struct cg_cpu) + CG_G_PAGE - 1) / CG_G_PAGE;
    for (uint32_t i = 0; i < vm->ncpus; i++) {
        if (!vm->vcpus[i].made)
            continue;
        uint64_t first = (CG_G_CPU_GPA + (uint64_t)i * CG_G_CPU_SIZE) / CG_G_PAGE;
        for (uint64_t p = first; p < first + cpu_pages; p++)
            bits[p / 64] |= 1ull << (p % 64);
    }
    for (uint64_t p = vm->reset_gpa / CG_G_PAGE; p <= (vm->reset_gpa + sizeof(struct cg_reset_area) - 1) / CG_G_PAGE;
         p++)
        bits[p / 64] |= 1ull << (p % 64);
}

/* Puts guest RAM back as the snapshot has it. With KVM's dirty log: only
 * the pages written since the last reset, copied back from the snapshot
 * while few (the guest's mappings stay: no fault after the reset), dropped
 * when many (their memory is freed). Without it: every private copy
 * dropped. Sets *@tables if the page-table area was written. */
static int restore_memory(struct cg_vm *vm, bool *tables)
{
    struct cg_snap *sn = &vm->snap;
    *tables = true; /* not known: assume written */
    if (sn->dirty_bits == NULL)
        return madvise(vm->ram, vm->ram_size, MADV_DONTNEED);
    struct kvm_dirty_log log = {.slot = 0, .dirty_bitmap = sn->dirty_bits};
    if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) != 0)
        return -1;
    mark_monitor_pages(vm, sn->dirty_bits);
    uint64_t pages = vm->ram_size / CG_G_PAGE, words = (pages + 63) / 64, dirty = 0;
    for (uint64_t w = 0; w < words; w++)
        dirty += (uint64_t)__builtin_popcountll(sn->dirty_bits[w]);
    *tables = false;
    for (uint64_t w = CG_G_TABLES_GPA / CG_G_PAGE / 64; w < (CG_G_TABLES_GPA + CG_G_TABLES_MAX) / CG_G_PAGE / 64; w++)
        *tables = *tables || sn->dirty_bits[w] != 0;
    bool copy = dirty <= CG_COPY_PAGES;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t b = sn->dirty_bits[w];
        while (b != 0) {
            /* a run of dirty pages within this word */
            uint64_t first = (uint64_t)__builtin_ctzll(b), rest = ~(b >> first);
            uint64_t len = rest == 0 ? 64 : (uint64_t)__builtin_ctzll(rest);
            uint64_t off = (w * 64 + first) * CG_G_PAGE, n = len * CG_G_PAGE;
            if (copy)
                memcpy(vm->ram + off, sn->base + off, n);
            else if (madvise(vm->ram + off, n, MADV_DONTNEED) != 0)
                return -1;
            b = len == 64 ? 0 : b & ~(((1ull << len) - 1) << first);
        }
        sn->dirty_bits[w] = 0;
    }
    sn->last_dirty = dirty;
    return 0;
}

static uint32_t take(struct cg_vm *vm)
{
    uint32_t no = cg_snap_refusal(vm);
    if (no != CC_SUCCESS)
        return no;
    if (vm->snap.taken)
        return CC_ERROR_BAD_STATE;
    struct cg_snap_cpu *cpus = calloc(CG_G_MAX_CPUS, sizeof *cpus);
    struct cg_want *want = calloc(CG_G_MAX_CPUS, sizeof *want);
    uint64_t pages = vm->ram_size / CG_G_PAGE;
    uint64_t *bits = calloc((pages + 63) / 64, sizeof *bits);
    if (cpus == NULL || want == NULL || bits == NULL) {
        free(cpus);
        free(want);
        free(bits);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    pthread_mutex_lock(&vm->lock);
    for (uint32_t i = 0; i < vm->ncpus; i++)
        want[i].any = true; /* a thread that ends meanwhile parks: as good */
    vm->snap.taking = true;
    int held = hold_all(vm, want);
    vm->snap.taking = false;
    if (held != 0) {
        pthread_mutex_unlock(&vm->lock);
        free(cpus);
        free(want);
        free(bits);
        return CC_ERROR_BUSY;
    }
    uint32_t rc = CC_SUCCESS;
    for (uint32_t i = 0; i < vm->ncpus && rc == CC_SUCCESS; i++) {
        struct cg_vcpu *v = &vm->vcpus[i];
        if (!v->made)
            continue;
        cpus[i].state = v->parked ? CG_SNAP_PARKED : CG_SNAP_ACTIVE;
        cpus[i].word = v->parked ? NULL : v->last_word;
        cpus[i].asleep = !v->parked && !v->held;
        if (save_cpu(v, &cpus[i]) != 0)
            rc = CC_ERROR_GENERIC;
    }
    /* RAM's memfd becomes the snapshot: the same pages, now mapped
     * privately at the same address (KVM follows the new mapping), and
     * once more read-only, to copy pages back from. */
    uint8_t *base = MAP_FAILED;
    if (rc == CC_SUCCESS) {
        base = mmap(NULL, vm->ram_size, PROT_READ, MAP_SHARED | MAP_NORESERVE, vm->ram_fd, 0);
        if (base == MAP_FAILED)
            rc = CC_ERROR_OUT_OF_MEMORY;
    }
    if (rc == CC_SUCCESS &&
        mmap(vm->ram, vm->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, vm->ram_fd, 0) !=
            (void *)vm->ram) {
        /* MAP_FIXED failed before replacing anything, or after: the VM
         * cannot go on with memory it is not sure of. */
        cg_note("cannot map the enclave's memory for its snapshot: %s", strerror(errno));
        cg_vm_stop(CG_MON_EXIT_KVM);
    }
    if (rc == CC_SUCCESS) {
        madvise(vm->ram, vm->ram_size, MADV_DONTDUMP);
        /* KVM's dirty log from now on, so that a reset touches only what
         * changed; without it (refused) a reset drops every private page */
        struct kvm_userspace_memory_region r = {.slot = 0, .flags = KVM_MEM_LOG_DIRTY_PAGES, .guest_phys_addr = 0,
                                                .memory_size = vm->ram_size,
                                                .userspace_addr = (uint64_t)(uintptr_t)vm->ram};
        struct kvm_dirty_log log = {.slot = 0, .dirty_bitmap = bits};
        if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) == 0 && ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) == 0) {
            memset(bits, 0, (pages + 63) / 64 * sizeof *bits);
            vm->snap.dirty_bits = bits;
            bits = NULL;
        }
        vm->snap.base = base;
        vm->snap.cpu = cpus;
        vm->snap.tables_next = vm->tables_next;
        vm->snap.taken = true;
        cpus = NULL;
    } else if (base != MAP_FAILED) {
        munmap(base, vm->ram_size);
    }
    release(vm);
    pthread_mutex_unlock(&vm->lock);
    free(cpus);
    free(want);
    free(bits);
    return rc;
}

static uint32_t reset(struct cg_vm *vm, struct cg_ctl_page *h)
{
    struct cg_enclave_keys keys;
    memcpy(&keys, h->keys, sizeof keys); /* one read of host memory */
    memset(h->keys, 0, sizeof h->keys);
    uint32_t no = cg_snap_refusal(vm);
    if (no != CC_SUCCESS)
        return no;
    if (!vm->snap.taken)
        return CC_ERROR_BAD_STATE;
    if (keys.magic != CG_KEYS_MAGIC || keys.version != CG_KEYS_VERSION)
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_want want[CG_G_MAX_CPUS];
    pthread_mutex_lock(&vm->lock);
    /* Each vCPU as the snapshot had it: a thread stopped at the same futex
     * wait, or none (parked). A vCPU that runs a thread now but had none
     * then parks on its way (repark); one parked now but active then is
     * handed the snapshot's thread back. */
    for (uint32_t i = 0; i < vm->ncpus; i++) {
        struct cg_vcpu *v = &vm->vcpus[i];
        const struct cg_snap_cpu *sc = &vm->snap.cpu[i];
        want[i].parked = sc->state != CG_SNAP_ACTIVE;
        want[i].word = sc->word;
        if (!v->made)
            continue;
        if (want[i].parked && !v->parked && v->started)
            v->repark = true;
        if (!want[i].parked && v->parked) {
            v->parked = false;
            v->force_hold = true;
            pthread_cond_broadcast(&vm->parked_cv);
        }
    }
    if (hold_all(vm, want) != 0) {
        pthread_mutex_unlock(&vm->lock);
        return CC_ERROR_BUSY;
    }
    /* Nothing runs the guest: its memory and vCPUs go back. */
    bool tables = true;
    if (restore_memory(vm, &tables) != 0) {
        cg_note("cannot restore the enclave's memory from its snapshot: %s", strerror(errno));
        cg_vm_stop(CG_MON_EXIT_KVM);
    }
    vm->tables_next = vm->snap.tables_next;
    for (uint32_t i = 0; i < vm->ncpus; i++) {
        struct cg_vcpu *v = &vm->vcpus[i];
        if (!v->made)
            continue;
        if (vm->snap.cpu[i].state == CG_SNAP_UNMADE) {
            v->stale = true; /* made after the snapshot: set up again when next used */
            v->pml4 = 0;
        } else if (cg_snap_load_cpu(v, &vm->snap.cpu[i], tables) != 0) {
            cg_note("cannot restore vCPU %u from the snapshot: %s", i, strerror(errno));
            cg_vm_stop(CG_MON_EXIT_KVM);
        } else if (vm->snap.cpu[i].asleep && v->held) {
            /* recorded asleep, before the monitor's answer: its wait
             * returns now, woken (one still asleep answers itself) */
            cg_cpu_area(vm, i)->hc.ret = 0;
        }
    }
    cg_snap_put_sleepers(vm);
    vm->snap.resets++;
    struct cg_reset_area *a = (struct cg_reset_area *)(vm->ram + vm->reset_gpa);
    a->resets = vm->snap.resets;
    memcpy(&a->keys, &keys, sizeof keys);
    explicit_bzero(&keys, sizeof keys);
    release(vm);
    pthread_mutex_unlock(&vm->lock);
    return CC_SUCCESS;
}

void cg_snap_put_sleepers(struct cg_vm *vm)
{
    for (uint32_t k = 0; k < vm->win_slots; k++) {
        struct cg_slot_hdr *sh = (struct cg_slot_hdr *)(vm->window + vm->win_slot_off + k * vm->win_slot_size);
        uint32_t n = 0;
        for (uint32_t i = 0; i < vm->ncpus; i++)
            if (vm->snap.cpu[i].state == CG_SNAP_ACTIVE && vm->snap.cpu[i].word == (void *)&sh->turn)
                n++;
        atomic_store_explicit(&sh->sleepers, n, memory_order_seq_cst);
    }
}

static void *ctl_main(void *arg)
{
    struct cg_vm *vm = arg;
    struct cg_ctl_page *h = vm->ctl;
    for (;;) {
        uint32_t c = atomic_load_explicit(&h->ctl, memory_order_acquire);
        if (c != CG_CTL_SNAPSHOT && c != CG_CTL_RESET && c != CG_CTL_CLONE) {
            syscall(SYS_futex, &h->ctl, FUTEX_WAIT, c, NULL, NULL, 0);
            continue;
        }
        uint64_t t0 = now_ns();
        uint32_t rc = c == CG_CTL_SNAPSHOT ? take(vm) : c == CG_CTL_RESET ? reset(vm, h) : cg_clone_send(vm);
        h->status = rc;
        h->ns = now_ns() - t0;
        atomic_store_explicit(&h->ctl, CG_CTL_DONE, memory_order_release);
        syscall(SYS_futex, &h->ctl, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
    }
    return NULL;
}

int cg_snap_start(struct cg_vm *vm)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->hold_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, ctl_main, vm);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        cg_note("cannot start the monitor's control thread: %s", strerror(rc));
        return -1;
    }
    return 0;
}
