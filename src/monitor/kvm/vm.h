/*
 * vm.h - cgear-monitor's KVM engine: one VM per enclave, one vCPU per
 * enclave thread, guest memory and page tables built directly (no
 * firmware, no boot code).
 */
#ifndef CGEAR_MONITOR_VM_H
#define CGEAR_MONITOR_VM_H

#include <pthread.h>
#include <stdbool.h>

#include "confine.h"
#include <stddef.h>
#include <stdint.h>

#include "kvm_abi.h"

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
};

struct cg_vcpu {
    struct cg_vm *vm;
    uint32_t index;
    int fd;
    struct kvm_run *run;
    uint64_t pml4;  /* this vCPU's top-level page table (its PERCPU view) */
    pthread_t thread;
    bool started; /* under vm->lock */
};

struct cg_vm {
    struct cg_vm_config cfg;
    int kvm_fd, vm_fd;
    size_t run_size;
    bool pvm;            /* the PVM variant: every page user-accessible (docs/kvm-pvm.md) */
    uint64_t features;   /* CG_FEAT_*: what the filtered CPUID offers the guest */
    /* private guest-physical memory [0, ram_size) */
    uint8_t *ram;
    uint64_t ram_size;
    uint64_t next_gpa;   /* page allocator for ELF segments and the pool */
    uint64_t tables_next;
    /* the call window, at guest-physical window_gpa */
    uint8_t *window;
    uint64_t window_gpa;
    uint64_t window_size;
    struct cg_boot *boot; /* inside ram */
    struct cg_vcpu vcpus[CG_G_MAX_CPUS];
    pthread_mutex_t lock;
    pthread_cond_t start_cond;
};

/* vm.c */
int cg_vm_run(const struct cg_vm_config *cfg, const uint8_t *elf, size_t elf_len, int window_fd);
/* Ends the monitor, and with it the enclave, with @status at once: every
 * vCPU thread dies with the process, nothing is flushed or unwound. */
_Noreturn void cg_vm_stop(int status);

/* vCPU @i's area in guest memory (struct cg_cpu, kvm_abi.h); @i <
 * CG_G_MAX_CPUS, so the area lies inside the shim's 16 MiB. */
static inline struct cg_cpu *cg_cpu_area(struct cg_vm *vm, uint32_t i)
{
    return (struct cg_cpu *)(vm->ram + CG_G_CPU_GPA + (uint64_t)i * CG_G_CPU_SIZE);
}

/* vcpu.c: the vCPU threads and their run loop. The loop handles the VM
 * exits itself and hands the one it expects, an OUT to CG_HC_PORT, to
 * cg_hc_dispatch(); it knows no hypercall. */

/* Starts vCPU @index (created already, registers set) on a new detached
 * thread, at the guest's request. Returns 0, or what the START_CPU
 * hypercall returns to the guest: -EINVAL (@index is 0 or not below
 * cfg.threads), -EBUSY (started before), -EAGAIN (no thread). */
int cg_vcpu_start(struct cg_vm *vm, uint32_t index);

/* Runs vCPU 0 on the calling thread. Never returns: the enclave ends by
 * cg_vm_stop() (its exit, a fault, a KVM error) or, when every vCPU thread
 * has left through the CPU_EXIT hypercall, with the process. */
_Noreturn void cg_vcpu_run_first(struct cg_vm *vm);

/* Debug enclaves: writes the registers the shim saved at @v's last fault
 * (struct cg_cpu.fault) to stderr, headed by the enclave's name. */
void cg_vcpu_dump_fault(struct cg_vcpu *v);

/* hcall.c: serves the hypercall in @v's block (struct cg_hcall, read once
 * from guest memory) and writes its result to hc.ret. Does not return for
 * EXIT, FAULT and FORBIDDEN (cg_vm_stop(), after a note for the last two)
 * nor for CPU_EXIT (the calling vCPU thread ends). Guest-controlled
 * arguments are checked by hc_decode.c. */
void cg_hc_dispatch(struct cg_vcpu *v);

/* paging.c: 4-level tables in the tables area of guest memory */
uint64_t cg_pt_new(struct cg_vm *vm);
int cg_pt_map(struct cg_vm *vm, uint64_t pml4, uint64_t va, uint64_t gpa, uint64_t size, uint64_t flags,
              bool huge);
uint64_t cg_pt_clone_top(struct cg_vm *vm, uint64_t base);

#define CG_PTE_P 0x1ull
#define CG_PTE_W 0x2ull
#define CG_PTE_U 0x4ull
#define CG_PTE_PS 0x80ull
#define CG_PTE_NX (1ull << 63)

/* loader.c: ELF into guest memory; fills boot->entry, segments, brk */
int cg_load_elf(struct cg_vm *vm, uint64_t pml4, const uint8_t *elf, size_t len, char *why, size_t why_len);
int cg_build_stack(struct cg_vm *vm, const uint8_t *elf, size_t len, char *why, size_t why_len);

/* cpuid.c: the filtered CPUID of every vCPU (prepare once per VM, before
 * the first vCPU's registers; fills vm->features) */
int cg_cpuid_prepare(struct cg_vm *vm, char *why, size_t why_len);
int cg_cpuid_set(struct cg_vcpu *v, char *why, size_t why_len);

/* arch.c: a vCPU's initial register state */
int cg_arch_setup_vcpu(struct cg_vm *vm, struct cg_vcpu *v, char *why, size_t why_len);

/* Why the monitor stopped, for the host (see monitor.h, the note pipe). */
void cg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line on stderr for debug enclaves only; never on the note pipe. */
void cg_debug_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
