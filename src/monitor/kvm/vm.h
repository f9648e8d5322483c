/*
 * vm.h - cgear-monitor's KVM engine: one VM per enclave, one vCPU per
 * enclave thread, guest memory and page tables built directly (no
 * firmware, no boot code).
 *
 * cg_vm_run() (vm.c) builds the VM in steps, each in the file named for
 * what it holds, then confines the monitor and runs vCPU 0:
 *
 *   vm.c         /dev/kvm, the VM, vCPU 0 and the CPUID; confine()
 *   vm_memory.c  guest memory: the private memslot and the call window
 *   vm_shim.c    the shim image, its boot block, the per-vCPU areas
 *   paging.c     page tables (loader.c puts the ELF's segments in them)
 *   vcpu.c       the vCPUs: created, registers set (arch.c, cpuid.c), run
 *   hcall.c      the hypercalls, checked by hc_decode.c
 *
 * Each build step returns 0, or a CG_MON_EXIT_* status (monitor_abi.h)
 * after one cg_note() saying why: cg_vm_run() returns that status as is.
 */
#ifndef CGEAR_MONITOR_VM_H
#define CGEAR_MONITOR_VM_H

#include <pthread.h>
#include <stdbool.h>

#include "confine.h"
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "hc_decode.h"
#include "kvm_abi.h"

#define CG_MIB (1ull << 20)
#define CG_SHIM_RAM (16 * CG_MIB) /* shim, per-vCPU areas, tables: GPA [0, 16 MiB) */

struct cg_vm_config {
    char name[64];      /* the enclave's name, for the fault dump */
    uint32_t threads;
    uint64_t heap_size;
    uint64_t stack_size;
    bool debug;
    /* the run program (confine.h), installed before the guest runs; NULL:
     * none (a test build without a filter) */
    const struct cg_bpf *run_filter;
    bool seccomp_selftest; /* then make one forbidden call (docs/monitor-seccomp.md) */
    /* debug enclaves with CGEAR_GDB: serve the debugger on CG_MON_GDB_FD
     * (gdb_cpu.c); gdb_wait: not one guest instruction before it attaches */
    bool gdb, gdb_wait;
    uint64_t t_main;    /* CLOCK_MONOTONIC ns at the monitor's main(): the start-up profile */
    bool clone;         /* start from another enclave's snapshot (CG_MON_PEER_FD), not the ELF */
};

struct cg_vcpu {
    struct cg_vm *vm;
    uint32_t index;
    int fd;
    struct kvm_run *run;
    uint64_t pml4;  /* this vCPU's top-level page table (its PERCPU view) */
    pthread_t thread;
    bool made;    /* fd, run, pml4 and registers set up (under vm->lock) */
    bool started; /* a thread runs it (under vm->lock) */
    bool parked;  /* its enclave thread ended; its vCPU thread waits in
                   * CPU_EXIT for the next clone() (under vm->lock) */
    /* gdb (gdb_cpu.c), under its lock */
    int tid;           /* the vCPU thread's kernel id, to kick it out of KVM_RUN */
    bool in_run;       /* inside KVM_RUN (or about to enter it) */
    bool in_hcall;     /* serving a hypercall: the enclave's registers are the shim's syscall frame */
    bool faulted;      /* stopped at a guest fault: the registers are cg_cpu.fault */
    bool exited;       /* its thread left (CPU_EXIT) */
    uint32_t dbg_want, dbg_set; /* KVM_SET_GUEST_DEBUG control wanted / applied */
    /* snapshots (snapshot.c) */
    void *wait_word;          /* (atomic) the host address it sleeps on in a FUTEX_WAIT hypercall, or NULL */
    bool held;     /* waits in cg_snap_hold() while the VM is held (under vm->lock) */
    bool repark;   /* a reset: park on the way back instead of entering the guest (under vm->lock) */
    bool stale;    /* a reset removed its tables and state: set it up again before its next thread */
    bool force_hold; /* a reset unparked it: hold it whatever its last hypercall (under vm->lock) */
    /* its own thread only: the last hypercall was a FUTEX_WAIT on last_word
     * (host address). A snapshot holds a vCPU only there (snapshot.c). */
    bool at_wait;
    void *last_word;
    bool waited; /* (atomic) it made a FUTEX_WAIT hypercall once: its thread has started */
};

#define CG_SNAP_MSRS 5

/* struct cg_snap_cpu.state */
enum { CG_SNAP_UNMADE = 0, CG_SNAP_ACTIVE = 1, CG_SNAP_PARKED = 2 };

/* A vCPU as a snapshot recorded it (snapshot.c). */
struct cg_snap_cpu {
    int state; /* CG_SNAP_UNMADE, CG_SNAP_ACTIVE (its thread slept in the monitor), CG_SNAP_PARKED */
    void *word; /* ACTIVE: the futex word of the wait it was held at */
    bool asleep; /* ACTIVE: recorded asleep in that wait (no answer in its area yet) */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    /* the MSRs the shim sets at a vCPU's start (a new VM's vCPU lacks
     * them, clone.c): SYSCALL's, the kernel GS base, PVM's VIF page */
    uint32_t nmsr;
    struct kvm_msr_entry msr[CG_SNAP_MSRS];
};

/* The one snapshot of a VM: guest RAM is then a private mapping of ram_fd,
 * whose pages are the snapshot; a reset drops the private copies. */
struct cg_snap {
    bool taken;
    bool taking;          /* a snapshot holds vCPUs now: only at futex waits (under vm->lock) */
    uint64_t tables_next; /* the page-table allocator at the snapshot */
    uint64_t resets;      /* resets done, written into the enclave's reset area */
    struct cg_snap_cpu *cpu; /* CG_G_MAX_CPUS entries, allocated at the snapshot */
    const uint8_t *base;     /* the snapshot's pages, mapped read-only */
    uint64_t *dirty_bits;    /* KVM's dirty log of RAM (one bit per page), NULL: not available */
    uint64_t last_dirty;     /* pages the last reset put back */
};

struct cg_vm {
    struct cg_vm_config cfg;
    int kvm_fd, vm_fd;
    size_t run_size;
    bool pvm;            /* the PVM variant: every page user-accessible (docs/kvm-pvm.md) */
    uint64_t features;   /* CG_FEAT_*: what the filtered CPUID offers the guest */
    uint64_t xcr0;       /* each vCPU's XCR0, set by the monitor (0: no XSAVE, CR4.OSXSAVE off) */
    uint64_t stamps[8];  /* start-up profile, enum cg_boot_stamp (window.h); copied to the window */
    /* private guest-physical memory [0, ram_size) */
    uint8_t *ram;
    uint64_t ram_size;
    int ram_fd;          /* the memfd behind ram (snapshots map it privately) */
    uint64_t reset_gpa;  /* the enclave's struct cg_reset_area (reset_abi.h), 0: none */
    uint64_t pool_size;  /* the enclave's pool: heap, stacks, slack */
    uint64_t bitmap_size; /* the pool's allocation bitmap, right after the pool */
    uint64_t pool_gpa;   /* where the pool starts: after the ELF, 2 MiB aligned */
    uint64_t next_gpa;   /* page allocator for ELF segments and the pool */
    uint64_t tables_next;
    uint64_t pml4;       /* the page tables every vCPU shares (its own PML4 copies this one) */
    /* the call window, at guest-physical window_gpa */
    uint8_t *window;
    uint64_t window_gpa;
    uint64_t window_size;
    struct cg_ctl_page *ctl; /* the control page after the window (window.h), never in the guest */
    /* the shared-memory region (window.h shm_*): memslot 2 at shm_gpa,
     * mapped at the host's address shm_va; shm_size 0: none */
    uint64_t shm_va;
    uint64_t shm_gpa;
    uint64_t shm_size;
    struct cg_boot *boot; /* inside ram */
    /* tworkers_cores (docs/architecture.md, "Switchless calls"): vCPUs
     * pin_first .. pin_end - 1 run switchless workers and pin themselves
     * to pin_cores (0: no pinning). Read from the window header once,
     * before the guest runs. */
    uint32_t pin_first, pin_end;
    uint64_t pin_cores;
    /* The window's ECALL slots, read once before the guest runs (a reset
     * puts their sleeper counts back, snapshot.c); win_slots 0: the
     * header was unusable, or switchless workers poll some slots. */
    uint32_t win_slots;
    uint64_t win_slot_off, win_slot_size;
    struct cg_vcpu vcpus[CG_G_MAX_CPUS];
    uint32_t ncpus;       /* vCPUs the enclave may run at once: its call slots and threads of its own */
    pthread_mutex_t lock;
    pthread_cond_t parked_cv; /* a parked vCPU was given a new thread */
    /* snapshots (snapshot.c): while hold is set no vCPU enters the guest */
    bool hold;                
    pthread_cond_t hold_cv;   /* hold was cleared, or a vCPU stopped for it */
    struct cg_snap snap;
    struct cg_clone_in *clone_in; /* clone.c, between cg_clone_receive and cg_clone_build */
};

static inline uint64_t cg_round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* vCPU @i's area in guest memory (struct cg_cpu, kvm_abi.h); @i <
 * CG_G_MAX_CPUS, so the area lies inside the shim's 16 MiB. */
/* Is host address @p inside guest RAM (not the window or shared memory)? */
static inline bool cg_vm_in_ram(const struct cg_vm *vm, const void *p)
{
    const uint8_t *b = p;
    return b >= vm->ram && b < vm->ram + vm->ram_size;
}

static inline struct cg_cpu *cg_cpu_area(struct cg_vm *vm, uint32_t i)
{
    return (struct cg_cpu *)(vm->ram + CG_G_CPU_GPA + (uint64_t)i * CG_G_CPU_SIZE);
}

/* vm.c */

/* Builds the enclave's VM from @cfg, the enclave ELF @elf (@elf_len bytes)
 * and the call window memfd @window_fd, confines the monitor, then runs
 * vCPU 0 on this thread. Returns only if the VM cannot be built or the
 * monitor confined: a CG_MON_EXIT_* status, after a note. The enclave's
 * own end never returns here (cg_vm_stop(), or the last vCPU thread's). */
int cg_vm_run(const struct cg_vm_config *cfg, const uint8_t *elf, size_t elf_len, int window_fd);
/* Ends the monitor, and with it the enclave, with @status at once: every
 * vCPU thread dies with the process, nothing is flushed or unwound. */
_Noreturn void cg_vm_stop(int status);
/* Why the monitor stopped, for the host (see monitor.h, the note pipe). */
void cg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line on stderr for debug enclaves only; never on the note pipe. */
void cg_debug_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vm_memory.c: sizes guest memory for cfg.threads x cfg.stack_size,
 * cfg.heap_size and an ELF of @elf_len bytes (sets ram_size, pool_size,
 * bitmap_size), reserves it and gives it to the VM as memslot 0 at GPA 0;
 * maps the call window @window_fd (whole pages) as memslot 1 at the first
 * GiB boundary above it (sets window, window_gpa, window_size); and the
 * shared-memory region the window header describes, from CG_SHM_FD, as
 * memslot 2 at the next GiB boundary (sets shm_va, shm_gpa, shm_size).
 * @snap_fd: -1, or a snapshot's RAM (a clone, clone.c), mapped privately
 * instead of a new memfd, with KVM's dirty log on.
 * Errors: CG_MON_EXIT_KVM. */
int cg_mem_map(struct cg_vm *vm, size_t elf_len, int window_fd, int snap_fd);

/* vm_shim.c */

/* Copies the embedded shim to CG_G_SHIM_GPA and points vm->boot at its
 * boot block. Errors: CG_MON_EXIT_KVM (a shim too large, or without the
 * boot block's magic: a broken build). */
int cg_shim_place(struct cg_vm *vm);
/* Fills in the rest of the boot block once the memory is mapped
 * (cg_pt_build): the pool and window layout, the vCPU count, the key block
 * (read once from CG_KEYS_FD, which is then closed), the enclave's initial
 * stack built from @elf (cg_build_stack), the KVM kind and CPU features.
 * Errors: CG_MON_EXIT_LOAD (no room for the stack). */
int cg_shim_boot_fill(struct cg_vm *vm, const uint8_t *elf, size_t elf_len);
/* Clears vCPU @i's struct cg_cpu and fills in what the shim reads before
 * it runs (its addresses, index, thread id). Returns the area. */
struct cg_cpu *cg_shim_cpu_init(struct cg_vm *vm, uint32_t i);
/* Only the fields of vCPU @i's area the monitor owns (its addresses and
 * index), nothing cleared: for an area a clone() already filled. */
void cg_shim_cpu_fixed(struct cg_vm *vm, uint32_t i);

/* paging.c: x86-64 4-level tables in the tables area of guest memory */

/* The tables every vCPU shares (sets vm->pml4, vm->pool_gpa): the
 * supervisor direct map of all private memory, the ELF's segments at their
 * link addresses (loaded by cg_load_elf), then the pool, placed after them,
 * and the window, both user and non-executable. Errors: CG_MON_EXIT_LOAD
 * (the ELF cannot be loaded, or the tables or memory are too small). */
int cg_pt_build(struct cg_vm *vm, const uint8_t *elf, size_t elf_len);
/* A vCPU's own view: a copy of the shared PML4 and first PDPT with the
 * vCPU area at @area_gpa mapped at CG_G_PERCPU_VA. Returns the new PML4's
 * GPA, or 0 if the tables area is full. */
uint64_t cg_pt_vcpu_view(struct cg_vm *vm, uint64_t area_gpa);
/* Maps [@gpa, @gpa + @size) at @va under @pml4 with the CG_PTE_* @flags, in
 * 2 MiB pages if @huge (all three aligned to the page size). Returns 0, or
 * -1 if misaligned, out of table space, or any page is mapped already. */
int cg_pt_map(struct cg_vm *vm, uint64_t pml4, uint64_t va, uint64_t gpa, uint64_t size, uint64_t flags,
              bool huge);

#define CG_PTE_P 0x1ull
#define CG_PTE_W 0x2ull
#define CG_PTE_U 0x4ull
#define CG_PTE_A 0x20ull
#define CG_PTE_D 0x40ull
#define CG_PTE_PS 0x80ull
#define CG_PTE_NX (1ull << 63)

/* loader.c: ELF into guest memory; fills boot->entry, segments, brk */
int cg_load_elf(struct cg_vm *vm, uint64_t pml4, const uint8_t *elf, size_t len, char *why, size_t why_len);
int cg_build_stack(struct cg_vm *vm, const uint8_t *elf, size_t len, char *why, size_t why_len);

/* cpuid.c: the filtered CPUID of every vCPU (prepare once per VM, before
 * the first vCPU's registers; fills vm->features) */
int cg_cpuid_prepare(struct cg_vm *vm, char *why, size_t why_len);
int cg_cpuid_set(struct cg_vcpu *v, char *why, size_t why_len);

/* arch.c: a vCPU's initial register state; @cpuid: set its CPUID first
 * (a vCPU that never ran; cg_snap_refresh() sets up one that did) */
int cg_arch_setup_vcpu(struct cg_vm *vm, struct cg_vcpu *v, bool cpuid, char *why, size_t why_len);

/* vcpu.c: the vCPU threads and their run loop. The loop handles the VM
 * exits itself and hands the one it expects, an OUT to CG_HC_PORT, to
 * cg_hc_dispatch(); it knows no hypercall. */

/* KVM_CREATE_VCPU for vCPU @i (sets vcpus[i].fd). Returns 0, or -1 with
 * the reason in @why (the caller decides whether it is a note). */
int cg_vcpu_open(struct cg_vm *vm, uint32_t i, char *why, size_t why_len);
/* Makes vCPU @i ready to run: its page tables (cg_pt_vcpu_view, unless
 * vcpus[i].pml4 names them already), its descriptor (vCPU 0's exists
 * already) and kvm_run mapping unless it has them (a vCPU a reset made
 * stale), its CPUID (only a vCPU that never ran) and initial registers
 * (cg_arch_setup_vcpu). Its area in guest memory is set up already.
 * Returns 0, or -1 with the reason in @why; the caller decides what the
 * failure means (before the guest runs it ends the monitor; later only
 * that thread's clone() fails). */
int cg_vcpu_make(struct cg_vm *vm, uint32_t i, char *why, size_t why_len);
/* Sets up the areas of vCPUs 0 .. cfg.threads-1 (cg_shim_cpu_init; the
 * other areas of the vm->ncpus = CG_G_MAX_CPUS stay zero, free for
 * clone(), until cg_vcpu_start makes their vCPU) and readies those vCPUs,
 * one per call slot, each completely before the next: its page tables
 * (cg_pt_vcpu_view), its descriptor (vCPU 0's exists already), its
 * kvm_run mapping, its CPUID and registers (cg_arch_setup_vcpu). None runs
 * yet. Errors: CG_MON_EXIT_KVM. */
int cg_vcpus_create(struct cg_vm *vm);
/* Runs vCPU @index for a thread the shim's clone() prepared in its area,
 * at the guest's request: hands it to the vCPU's parked thread, or readies
 * the vCPU if it is the first time (after confinement: the run program
 * allows those ioctls) and starts it on a new detached thread. Returns 0,
 * or what the START_CPU hypercall returns to the guest: -EINVAL (@index is
 * 0 or not below vm->ncpus), -EBUSY (it runs a thread), -EAGAIN (no vCPU
 * or no thread could be made; the shim's clone() fails with it). */
int cg_vcpu_start(struct cg_vm *vm, uint32_t index);
/* Starts a thread for vCPU @index, made and set up already, where its
 * registers stand (an enclave started from a snapshot, clone.c). Returns
 * 0 or -1. */
int cg_vcpu_resume(struct cg_vm *vm, uint32_t index);
/* The CPU_EXIT hypercall: @v's enclave thread ended. Frees its area for
 * the shim's next clone() and waits until cg_vcpu_start() hands it that
 * thread; the shim then enters it (syscall.c, thread_exit). */
void cg_vcpu_park(struct cg_vcpu *v);
/* Runs vCPU 0 on the calling thread. Never returns: the enclave ends by
 * cg_vm_stop() (its exit, a fault, a KVM error); musl's last thread to
 * end calls exit() rather than leave every vCPU parked. */
_Noreturn void cg_vcpu_run_first(struct cg_vm *vm);
/* Debug enclaves: writes the registers the shim saved at @v's last fault
 * (struct cg_cpu.fault) to stderr, headed by the enclave's name. */
void cg_vcpu_dump_fault(struct cg_vcpu *v);

/* gdb_cpu.c: the debugger (CGEAR_GDB; gdb.h). The run loop calls these
 * only when cfg.gdb is set. */

/* Starts the gdb thread on CG_MON_GDB_FD; with cfg.gdb_wait no vCPU
 * enters the guest before a debugger attached and resumed it. Call after
 * confine(). Errors: -1 after a note. */
int cg_gdb_start(struct cg_vm *vm);
/* Its signal handlers (the vCPU kick; SIGPIPE ignored): before confine(),
 * the run program has no rt_sigaction. Errors: -1 after a note. */
int cg_gdb_signals(void);
/* Before KVM_RUN: waits while the debugger holds the VM stopped, applies
 * its guest-debug settings. */
void cg_gdb_before_run(struct cg_vcpu *v);
/* After KVM_RUN returned; @hcall: the exit is a hypercall about to be served. */
void cg_gdb_after_run(struct cg_vcpu *v, bool hcall);
/* KVM_EXIT_DEBUG (a breakpoint or a single step): reports the stop and
 * waits until the debugger resumes. */
void cg_gdb_debug_exit(struct cg_vcpu *v);
/* The shim reported a fault (exception @vector): with a debugger attached,
 * reports it as a signal and waits until the debugger resumes, detaches
 * or kills; then the caller ends the enclave as usual. */
bool cg_gdb_fault(struct cg_vcpu *v, uint64_t vector);
/* vCPU @v's enclave thread ended (CPU_EXIT): the debugger no longer
 * lists it. */
void cg_gdb_vcpu_gone(struct cg_vcpu *v);
/* Parked vCPU @v runs a new enclave thread: listed again. */
void cg_gdb_vcpu_back(struct cg_vcpu *v);
/* The enclave ends with @status: tell an attached debugger ("W"). */
void cg_gdb_exiting(int status);

/* snapshot.c: snapshots and resets (docs/snapshots.md), asked for by the
 * host through the window header's ctl word. */

/* Starts the control thread that serves the host's requests. Call before
 * confine(). Errors: -1 after a note. */
int cg_snap_start(struct cg_vm *vm);
/* The run loop, before each KVM_RUN: waits while the VM is held. Cheap
 * when it is not (one load). */
static inline void cg_snap_check(struct cg_vcpu *v);
void cg_snap_hold(struct cg_vcpu *v);
/* Why a snapshot request cannot be served at all (CC_ERROR_NOT_SUPPORTED),
 * or CC_SUCCESS. */
uint32_t cg_snap_refusal(const struct cg_vm *vm);
/* Sets vCPU @v's registers, FPU and (where they differ, or with @flush)
 * segment state to @s. Returns 0, or -1 (errno from KVM). */
int cg_snap_load_cpu(struct cg_vcpu *v, const struct cg_snap_cpu *s, bool flush);
/* Sets the MSRs @s recorded (a clone's new vCPU). Returns 0 or -1. */
int cg_snap_set_msrs(struct cg_vcpu *v, const struct cg_snap_cpu *s);
/* Sets each call slot's sleeper count in the window to the threads the
 * snapshot holds in that slot's wait: the window is not restored (or is a
 * clone's own), and each of them takes one off when its wait returns. */
void cg_snap_put_sleepers(struct cg_vm *vm);

/* clone.c: a new enclave from another's snapshot (docs/snapshots.md) */

/* The snapshot's side (CG_CTL_CLONE): receives the socket the host passed
 * on CG_MON_CTL_FD and sends the snapshot (RAM's memfd and the vCPUs)
 * through it. Returns a cc_enclave_result_t. */
uint32_t cg_clone_send(struct cg_vm *vm);
/* The new enclave's side, in place of loading the ELF: receives the
 * snapshot on CG_MON_PEER_FD. Returns RAM's memfd (for cg_mem_map), or -1
 * after a note. */
int cg_clone_receive(struct cg_vm *vm);
/* ... then, once memory is mapped: the boot block, page tables, key
 * block, the snapshot's vCPUs and the window's sleeper counts. Errors: a
 * CG_MON_EXIT_* status after a note. */
int cg_clone_build(struct cg_vm *vm);
/* ... and after confine(): starts the threads of the snapshot's vCPUs
 * other than vCPU 0 and tells the host the enclave is READY. */
void cg_clone_start(struct cg_vm *vm);

/* cg_vcpu_park(), once handed a thread: a vCPU a reset made stale gets
 * its page tables and registers again. Returns 0, or -1 (the thread
 * cannot run; the enclave is stopped with a note). */
int cg_snap_refresh(struct cg_vcpu *v);
/* Completes @v's last exit (KVM_RUN with immediate_exit) without running
 * the guest; called by @v's own thread before it stops or parks. */
void cg_snap_complete(struct cg_vcpu *v);

/* hcall.c: serves the hypercall in @v's block (struct cg_hcall, read once
 * from guest memory) and writes its result to hc.ret. Does not return for
 * EXIT, FAULT and FORBIDDEN (cg_vm_stop(), after a note for the last two)
 * nor for CPU_EXIT (the calling vCPU thread ends). Guest-controlled
 * arguments are checked by hc_decode.c. */
void cg_hc_dispatch(struct cg_vcpu *v);

/* The guest's memory map as the range checks of hc_decode.c take it: every
 * guest-physical address the monitor dereferences goes through
 * cg_hc_gpa_ptr() with it (hypercalls, the gdb stub). */
static inline struct cg_hc_layout cg_vm_layout(const struct cg_vm *vm)
{
    return (struct cg_hc_layout){vm->ram, vm->ram_size, vm->window, vm->window_gpa, vm->window_size};
}

static inline void cg_snap_check(struct cg_vcpu *v)
{
    if (__atomic_load_n(&v->vm->hold, __ATOMIC_SEQ_CST))
        cg_snap_hold(v);
}

#endif
