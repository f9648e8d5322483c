/*
 * vcpu.c - the enclave's vCPUs: all created and set up while the VM is
 * built, then each run by its own thread, looping on KVM_RUN (vCPU 0 on
 * the monitor's main thread, the others when the enclave starts them).
 *
 * The only VM exit a healthy guest makes is its shim's OUT to CG_HC_PORT,
 * a hypercall (hcall.c). Anything else that exits (port I/O elsewhere,
 * MMIO to an unmapped address, HLT, a triple fault, a KVM internal error)
 * ends the enclave with a note saying what happened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor_abi.h"
#include "vm.h"

int cg_vcpu_open(struct cg_vm *vm, uint32_t i, char *why, size_t why_len)
{
    struct cg_vcpu *v = &vm->vcpus[i];
    v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
    if (v->fd < 0) {
        snprintf(why, why_len, "KVM_CREATE_VCPU %u failed: %s", i, strerror(errno));
        return -1;
    }
    return 0;
}

int cg_vcpu_make(struct cg_vm *vm, uint32_t i, char *why, size_t why_len)
{
    struct cg_vcpu *v = &vm->vcpus[i];
    v->vm = vm;
    v->index = i;
    /* A vCPU beyond the call slots: its area holds the thread clone()
     * prepared (start frame, tid); add the fixed fields, wipe nothing. */
    if (i >= vm->cfg.threads)
        cg_shim_cpu_fixed(vm, i);
    /* The area's address from the layout, never from guest memory. Made
     * once: a vCPU whose set-up failed keeps its tables for the next try. */
    if (v->pml4 == 0)
        v->pml4 = cg_pt_vcpu_view(vm, CG_G_CPU_GPA + (uint64_t)i * CG_G_CPU_SIZE);
    if (v->pml4 == 0) {
        snprintf(why, why_len, "no room for the page tables of vCPU %u", i);
        return -1;
    }
    /* A vCPU a reset made stale (snapshot.c) has its descriptor and
     * kvm_run already, and has run: KVM refuses to be told its CPUID again. */
    bool fresh = v->run == NULL;
    if (fresh) {
        if (i != 0 && cg_vcpu_open(vm, i, why, why_len) != 0) /* vCPU 0 was made with the VM (vm.c) */
            return -1;
        void *run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
        if (run == MAP_FAILED) {
            snprintf(why, why_len, "cannot map kvm_run of vCPU %u", i);
            close(v->fd);
            return -1;
        }
        v->run = run;
    }
    char arch[200] = "";
    if (cg_arch_setup_vcpu(vm, v, fresh, arch, sizeof arch) != 0) {
        snprintf(why, why_len, "cannot set up vCPU %u: %s", i, arch);
        if (fresh) {
            munmap(v->run, vm->run_size);
            v->run = NULL;
            close(v->fd);
        }
        return -1;
    }
    v->made = true;
    return 0;
}

int cg_vcpus_create(struct cg_vm *vm)
{
    /* The call slots' vCPUs now, before confinement: the runtime starts
     * one thread per slot before the enclave is ready. The other areas
     * stay untouched guest memory (zero: free for the shim's clone(), which
     * names a vCPU by its position) until a thread first needs one: 64
     * initialised areas cost each enclave about 0.75 MiB of RSS. */
    char why[256] = "";
    for (uint32_t i = 0; i < vm->cfg.threads; i++)
        cg_shim_cpu_init(vm, i);
    for (uint32_t i = 0; i < vm->cfg.threads; i++)
        if (cg_vcpu_make(vm, i, why, sizeof why) != 0) {
            cg_note("%s", why);
            return CG_MON_EXIT_KVM;
        }
    return 0;
}

static _Noreturn void run_loop(struct cg_vcpu *v)
{
    const bool gdb = v->vm->cfg.gdb;
    for (;;) {
        if (gdb)
            cg_gdb_before_run(v); /* the debugger may hold the VM stopped */
        cg_snap_check(v);         /* a snapshot or reset may hold it (snapshot.c) */
        int rc = ioctl(v->fd, KVM_RUN, 0);
        struct kvm_run *r = v->run;
        if (gdb)
            cg_gdb_after_run(v, rc == 0 && r->exit_reason == KVM_EXIT_IO && r->io.port == CG_HC_PORT);
        if (rc < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            cg_note("KVM_RUN failed on vCPU %u: %s", v->index, strerror(errno));
            cg_vm_stop(CG_MON_EXIT_KVM);
        }
        switch (r->exit_reason) {
        case KVM_EXIT_IO:
            if (r->io.port == CG_HC_PORT && r->io.direction == KVM_EXIT_IO_OUT && r->io.size == 1) {
                cg_hc_dispatch(v);
                continue;
            }
            cg_note("the enclave's shim made port I/O to %#x: stopped", r->io.port);
            cg_vm_stop(CG_MON_EXIT_GUEST_FAULT);
        case KVM_EXIT_SHUTDOWN:
            cg_note("the enclave crashed: triple fault on vCPU %u", v->index);
            cg_vm_stop(CG_MON_EXIT_GUEST_FAULT);
        case KVM_EXIT_MMIO:
            cg_note("the enclave touched guest-physical address %#llx, outside its memory (vCPU %u)",
                    (unsigned long long)r->mmio.phys_addr, v->index);
            cg_vm_stop(CG_MON_EXIT_GUEST_FAULT);
        case KVM_EXIT_INTERNAL_ERROR:
            /* At run time this is the guest's doing (an instruction or an
             * event KVM cannot emulate, e.g. after the enclave overwrote
             * its shim on PVM): that enclave crashed, the engine is fine. */
            cg_note("the enclave's VM stopped: KVM cannot continue it (internal error, suberror %u) on vCPU %u",
                    r->internal.suberror, v->index);
            cg_vm_stop(CG_MON_EXIT_GUEST_FAULT);
        case KVM_EXIT_DEBUG:
            if (gdb) { /* a breakpoint or a single step of the debugger's */
                cg_gdb_debug_exit(v);
                continue;
            }
            cg_note("unexpected debug exit on vCPU %u", v->index);
            cg_vm_stop(CG_MON_EXIT_KVM);
        case KVM_EXIT_HLT:
            cg_note("the enclave halted vCPU %u", v->index);
            cg_vm_stop(CG_MON_EXIT_GUEST_FAULT);
        default:
            cg_note("unexpected VM exit %u on vCPU %u", r->exit_reason, v->index);
            cg_vm_stop(CG_MON_EXIT_KVM);
        }
    }
}

static void *vcpu_thread(void *arg)
{
    struct cg_vcpu *v = arg;
    /* A switchless worker's vCPU (never one of the enclave's own threads,
     * beyond the slots): pin it before it runs guest code, so it is pinned
     * before the enclave reports READY. The host checked the
     * mask against the CPUs it (and so this process) may use. */
    if (v->vm->pin_cores != 0 && v->index >= v->vm->pin_first && v->index < v->vm->pin_end) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (unsigned i = 0; i < 64; i++)
            if (v->vm->pin_cores >> i & 1)
                CPU_SET(i, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            cg_note("cannot pin vCPU %u (a switchless worker) to the CPUs of tworkers_cores: %s", v->index,
                    strerror(errno));
            cg_vm_stop(CG_MON_EXIT_KVM);
        }
    }
    run_loop(v);
}

int cg_vcpu_start(struct cg_vm *vm, uint32_t index)
{
    if (index == 0 || index >= vm->ncpus)
        return -EINVAL;
    struct cg_vcpu *v = &vm->vcpus[index];
    /* Under the lock: two threads of the enclave may ask for the same vCPU. */
    pthread_mutex_lock(&vm->lock);
    if (v->parked) { /* its thread waits in CPU_EXIT: hand it the new one */
        v->parked = false;
        pthread_cond_broadcast(&vm->parked_cv);
        pthread_mutex_unlock(&vm->lock);
        return 0;
    }
    if (v->started) {
        pthread_mutex_unlock(&vm->lock);
        return -EBUSY;
    }
    char why[256] = "";
    if (!v->made && cg_vcpu_make(vm, index, why, sizeof why) != 0) {
        pthread_mutex_unlock(&vm->lock);
        /* not a note: the enclave runs on, only its pthread_create() fails */
        cg_debug_line("a thread of the enclave could not start: %s", why);
        return -EAGAIN;
    }
    v->started = true;
    pthread_mutex_unlock(&vm->lock);
    if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0) {
        pthread_mutex_lock(&vm->lock);
        v->started = false;
        pthread_mutex_unlock(&vm->lock);
        return -EAGAIN;
    }
    pthread_detach(v->thread);
    return 0;
}

int cg_vcpu_resume(struct cg_vm *vm, uint32_t index)
{
    struct cg_vcpu *v = &vm->vcpus[index];
    pthread_mutex_lock(&vm->lock);
    v->started = true;
    pthread_mutex_unlock(&vm->lock);
    if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0)
        return -1;
    pthread_detach(v->thread);
    return 0;
}

void cg_vcpu_park(struct cg_vcpu *v)
{
    struct cg_vm *vm = v->vm;
    /* A parked vCPU may be recorded by a snapshot: past its OUT, as every
     * held one is (snapshot.c). */
    cg_snap_complete(v);
    pthread_mutex_lock(&vm->lock);
    v->parked = true;
    /* Free for the shim's next clone() only now, so that its START_CPU
     * finds this vCPU parked. vCPU 0 is never handed out again. */
    if (v->index != 0)
        __atomic_store_n(&cg_cpu_area(vm, v->index)->tid, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&vm->hold_cv); /* a snapshot may wait for it */
    while (v->parked)
        pthread_cond_wait(&vm->parked_cv, &vm->lock);
    /* a reset took back what this vCPU was given after the snapshot */
    int rc = cg_snap_refresh(v);
    pthread_mutex_unlock(&vm->lock);
    if (rc != 0)
        cg_vm_stop(CG_MON_EXIT_KVM);
}

_Noreturn void cg_vcpu_run_first(struct cg_vm *vm)
{
    vm->vcpus[0].started = true;
    vm->vcpus[0].thread = pthread_self();
    run_loop(&vm->vcpus[0]);
}

void cg_vcpu_dump_fault(struct cg_vcpu *v)
{
    struct cg_uregs r;
    memcpy(&r, &cg_cpu_area(v->vm, v->index)->fault, sizeof r); /* one read of guest memory */
    char line[600];
    int n = snprintf(line, sizeof line,
                     "[%s] registers at the fault:\n"
                     "  rip %016llx rsp %016llx rflags %016llx fs %016llx\n"
                     "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
                     "  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n"
                     "  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n"
                     "  r13 %016llx r14 %016llx r15 %016llx\n",
                     v->vm->cfg.name, (unsigned long long)r.rip, (unsigned long long)r.rsp,
                     (unsigned long long)r.rflags, (unsigned long long)r.fsbase, (unsigned long long)r.rax,
                     (unsigned long long)r.rbx, (unsigned long long)r.rcx, (unsigned long long)r.rdx,
                     (unsigned long long)r.rsi, (unsigned long long)r.rdi, (unsigned long long)r.rbp,
                     (unsigned long long)r.r8, (unsigned long long)r.r9, (unsigned long long)r.r10,
                     (unsigned long long)r.r11, (unsigned long long)r.r12, (unsigned long long)r.r13,
                     (unsigned long long)r.r14, (unsigned long long)r.r15);
    if (n > 0) {
        ssize_t w = write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)w;
    }
}
