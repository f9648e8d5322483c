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

/* How long the vCPUs have to stop for a request. */
#define CG_HOLD_MS 100

enum { CG_SNAP_UNMADE = 0, CG_SNAP_ACTIVE = 1, CG_SNAP_PARKED = 2 };

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
    uint8_t *p = word;
    int op = p >= vm->ram && p < vm->ram + vm->ram_size ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE;
    syscall(SYS_futex, word, op, 0x7fffffff, NULL, NULL, 0);
}

/* Is vCPU @v where the request wants it: held (@want_parked false) or
 * parked? Under vm->lock. */
static bool in_place(const struct cg_vcpu *v, bool want_parked)
{
    return want_parked ? v->parked : v->held;
}

/* Under vm->lock: sets hold and waits until every started vCPU is held,
 * or parked where @want_parked (NULL: parked vCPUs may stay parked; else
 * one bool per vCPU) says so. Wakes sleeping vCPUs (again on each round:
 * a wake can come before the sleep it is meant for). Returns 0, or -1
 * after CG_HOLD_MS (hold is then cleared). */
static int hold_all(struct cg_vm *vm, const bool *want_parked)
{
    __atomic_store_n(&vm->hold, true, __ATOMIC_SEQ_CST);
    uint64_t deadline = now_ns() + CG_HOLD_MS * 1000000ull;
    for (;;) {
        bool done = true;
        for (uint32_t i = 0; i < vm->ncpus; i++) {
            struct cg_vcpu *v = &vm->vcpus[i];
            if (!v->made)
                continue;
            bool park = want_parked != NULL ? want_parked[i] : v->parked;
            if (!v->started || !in_place(v, park)) {
                done = false;
                void *w = __atomic_load_n(&v->wait_word, __ATOMIC_SEQ_CST);
                if (w != NULL)
                    wake_word(vm, w);
            }
        }
        if (done)
            return 0;
        uint64_t t = now_ns();
        if (t >= deadline)
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
    /* Only at a futex wait (or when a reset hands it the snapshot's
     * thread): so every vCPU a snapshot records, and every one a reset
     * replaces, is at the same kind of point, the guest's futex wait
     * returning. Elsewhere it runs on to its next wait. */
    pthread_mutex_lock(&vm->lock);
    bool hold = v->at_wait || v->force_hold;
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
    struct cg_vm *vm = v->vm;
    if (!v->stale)
        return 0;
    /* The reset took back the tables and area this vCPU was given after
     * the snapshot: set it up as a vCPU that was never run (vcpu_make). */
    char why[200] = "";
    cg_shim_cpu_fixed(vm, v->index);
    v->pml4 = cg_pt_vcpu_view(vm, CG_G_CPU_GPA + (uint64_t)v->index * CG_G_CPU_SIZE);
    if (v->pml4 == 0 || cg_arch_setup_vcpu(vm, v, false, why, sizeof why) != 0) {
        cg_note("cannot set up vCPU %u again after a reset: %s", v->index, v->pml4 ? why : "no page-table room");
        return -1;
    }
    v->stale = false;
    return 0;
}

static int save_cpu(struct cg_vcpu *v, struct cg_snap_cpu *s)
{
    return ioctl(v->fd, KVM_GET_REGS, &s->regs) == 0 && ioctl(v->fd, KVM_GET_SREGS, &s->sregs) == 0 &&
                   ioctl(v->fd, KVM_GET_FPU, &s->fpu) == 0
               ? 0
               : -1;
}

static int load_cpu(struct cg_vcpu *v, const struct cg_snap_cpu *s)
{
    /* The segment state first: it resets KVM's view of the guest's paging
     * (the restored tables may differ from what it cached). */
    struct kvm_sregs sr = s->sregs;
    struct kvm_fpu fpu = s->fpu;
    struct kvm_regs r = s->regs;
    return ioctl(v->fd, KVM_SET_SREGS, &sr) == 0 && ioctl(v->fd, KVM_SET_FPU, &fpu) == 0 &&
                   ioctl(v->fd, KVM_SET_REGS, &r) == 0
               ? 0
               : -1;
}

/* Why a request cannot be served at all, or CC_SUCCESS. */
static uint32_t refusal(const struct cg_vm *vm)
{
    /* a debugger may hold vCPUs itself; switchless workers never sleep
     * (win_slots is 0 with them, or with a window header it cannot use) */
    if (vm->cfg.gdb || vm->reset_gpa == 0 || vm->win_slots == 0)
        return CC_ERROR_NOT_SUPPORTED;
    return CC_SUCCESS;
}

static uint32_t take(struct cg_vm *vm)
{
    uint32_t no = refusal(vm);
    if (no != CC_SUCCESS)
        return no;
    if (vm->snap.taken)
        return CC_ERROR_BAD_STATE;
    struct cg_snap_cpu *cpus = calloc(CG_G_MAX_CPUS, sizeof *cpus);
    if (cpus == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    pthread_mutex_lock(&vm->lock);
    if (hold_all(vm, NULL) != 0) {
        pthread_mutex_unlock(&vm->lock);
        free(cpus);
        return CC_ERROR_BUSY;
    }
    uint32_t rc = CC_SUCCESS;
    for (uint32_t i = 0; i < vm->ncpus && rc == CC_SUCCESS; i++) {
        struct cg_vcpu *v = &vm->vcpus[i];
        if (!v->made)
            continue;
        cpus[i].state = v->parked ? CG_SNAP_PARKED : CG_SNAP_ACTIVE;
        cpus[i].word = v->parked ? NULL : v->last_word;
        if (save_cpu(v, &cpus[i]) != 0)
            rc = CC_ERROR_GENERIC;
    }
    /* RAM's memfd becomes the snapshot: the same pages, now mapped
     * privately at the same address (KVM follows the new mapping). */
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
        vm->snap.cpu = cpus;
        vm->snap.tables_next = vm->tables_next;
        vm->snap.taken = true;
    } else {
        free(cpus);
    }
    release(vm);
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

static uint32_t reset(struct cg_vm *vm, struct cg_ctl_page *h)
{
    struct cg_enclave_keys keys;
    memcpy(&keys, h->keys, sizeof keys); /* one read of host memory */
    memset(h->keys, 0, sizeof h->keys);
    uint32_t no = refusal(vm);
    if (no != CC_SUCCESS)
        return no;
    if (!vm->snap.taken)
        return CC_ERROR_BAD_STATE;
    if (keys.magic != CG_KEYS_MAGIC || keys.version != CG_KEYS_VERSION)
        return CC_ERROR_BAD_PARAMETERS;
    pthread_mutex_lock(&vm->lock);
    /* Each vCPU as the snapshot had it: a thread held in the monitor, or
     * none (parked). A vCPU that is held now but parked in the snapshot
     * parks on its way (repark); one parked now but active then is handed
     * the snapshot's thread back. */
    bool want_parked[CG_G_MAX_CPUS];
    for (uint32_t i = 0; i < vm->ncpus; i++) {
        struct cg_vcpu *v = &vm->vcpus[i];
        want_parked[i] = vm->snap.cpu[i].state != CG_SNAP_ACTIVE;
        if (!v->made)
            continue;
        if (want_parked[i] && !v->parked)
            v->repark = true;
        if (!want_parked[i] && v->parked) {
            v->parked = false;
            v->force_hold = true;
            pthread_cond_broadcast(&vm->parked_cv);
        }
    }
    if (hold_all(vm, want_parked) != 0) {
        pthread_mutex_unlock(&vm->lock);
        return CC_ERROR_BUSY;
    }
    /* Nothing runs the guest: its memory and vCPUs go back. */
    if (madvise(vm->ram, vm->ram_size, MADV_DONTNEED) != 0) {
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
        } else if (load_cpu(v, &vm->snap.cpu[i]) != 0) {
            cg_note("cannot restore vCPU %u from the snapshot: %s", i, strerror(errno));
            cg_vm_stop(CG_MON_EXIT_KVM);
        }
    }
    /* The window is not restored: each slot's sleeper count goes back to
     * the threads the snapshot holds in that slot's wait, which each take
     * one off when their wait returns (channel.c). */
    for (uint32_t k = 0; k < vm->win_slots; k++) {
        struct cg_slot_hdr *sh = (struct cg_slot_hdr *)(vm->window + vm->win_slot_off + k * vm->win_slot_size);
        uint32_t n = 0;
        for (uint32_t i = 0; i < vm->ncpus; i++)
            if (vm->snap.cpu[i].state == CG_SNAP_ACTIVE && vm->snap.cpu[i].word == (void *)&sh->turn)
                n++;
        atomic_store_explicit(&sh->sleepers, n, memory_order_seq_cst);
    }
    vm->snap.resets++;
    struct cg_reset_area *a = (struct cg_reset_area *)(vm->ram + vm->reset_gpa);
    a->resets = vm->snap.resets;
    memcpy(&a->keys, &keys, sizeof keys);
    explicit_bzero(&keys, sizeof keys);
    release(vm);
    pthread_mutex_unlock(&vm->lock);
    return CC_SUCCESS;
}

static void *ctl_main(void *arg)
{
    struct cg_vm *vm = arg;
    struct cg_ctl_page *h = vm->ctl;
    for (;;) {
        uint32_t c = atomic_load_explicit(&h->ctl, memory_order_acquire);
        if (c != CG_CTL_SNAPSHOT && c != CG_CTL_RESET) {
            syscall(SYS_futex, &h->ctl, FUTEX_WAIT, c, NULL, NULL, 0);
            continue;
        }
        uint64_t t0 = now_ns();
        uint32_t rc = c == CG_CTL_SNAPSHOT ? take(vm) : reset(vm, h);
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
