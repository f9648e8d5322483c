/*
 * vm_shim.c - what the guest shim finds in guest memory when vCPU 0
 * starts: its own image at CG_G_SHIM_GPA, the boot block inside it
 * (struct cg_boot) filled in by the monitor, and one struct cg_cpu per
 * vCPU (kvm_abi.h is the contract). No firmware and no boot loader run
 * before the shim: this is all it is told.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "monitor_abi.h"
#include "vm.h"

/* The shim's flat image, linked into the monitor (shim_blob.S). */
extern const unsigned char cg_shim_image[];
extern const unsigned char cg_shim_image_end[];

int cg_shim_place(struct cg_vm *vm)
{
    size_t shim_len = (size_t)(cg_shim_image_end - cg_shim_image);
    if (shim_len > CG_G_SHIM_MAX || shim_len < CG_BOOT_OFFSET + sizeof(struct cg_boot)) {
        cg_note("the embedded shim has a bad size");
        return CG_MON_EXIT_KVM;
    }
    memcpy(vm->ram + CG_G_SHIM_GPA, cg_shim_image, shim_len);
    vm->boot = (struct cg_boot *)(vm->ram + CG_G_SHIM_GPA + CG_BOOT_OFFSET);
    if (vm->boot->magic != CG_BOOT_MAGIC) {
        cg_note("the embedded shim has no boot block");
        return CG_MON_EXIT_KVM;
    }
    return 0;
}

int cg_shim_boot_fill(struct cg_vm *vm, const uint8_t *elf, size_t elf_len)
{
    char why[256] = "";
    struct cg_boot *b = vm->boot;
    b->pool_gpa = vm->pool_gpa;
    b->pool_size = vm->pool_size;
    b->pool_va = CG_G_POOL_VA;
    b->bitmap_gpa = vm->pool_gpa + vm->pool_size;
    b->window_va = CG_G_WINDOW_VA;
    b->window_size = vm->window_size;
    b->window_gpa = vm->window_gpa;
    b->ram_size = vm->ram_size;
    b->ncpus = vm->ncpus;
    /* What the enclave learns of the machine, as in a process: the CPUs
     * its threads may run on (not the vCPU limit, which would have
     * programs that size pools by it start 64 threads). */
    cpu_set_t set;
    int online = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    b->online = online < 1 ? 1 : online > (int)CG_G_MAX_CPUS ? CG_G_MAX_CPUS : (uint64_t)online;
    b->debug = vm->cfg.debug;
    b->pml4_gpa = vm->pml4;
    /* The enclave's key block (fd 8), for the shim to hand over once. */
    ssize_t kn = read(CG_KEYS_FD, b->keys, sizeof b->keys);
    b->keys_len = kn == (ssize_t)sizeof b->keys ? (uint64_t)kn : 0;
    close(CG_KEYS_FD);
    if (cg_build_stack(vm, elf, elf_len, why, sizeof why) != 0) {
        cg_note("cannot build the enclave's stack: %s", why);
        return CG_MON_EXIT_LOAD;
    }
    b->pvm = vm->pvm;
    b->features = vm->features;
    return 0;
}

void cg_shim_cpu_fixed(struct cg_vm *vm, uint32_t i)
{
    struct cg_cpu *c = cg_cpu_area(vm, i);
    c->self = CG_G_PERCPU_VA;
    c->kstack_top = CG_G_PERCPU_VA + CG_G_CPU_SIZE;
    c->index = i;
    c->area_gpa = CG_G_CPU_GPA + (uint64_t)i * CG_G_CPU_SIZE;
}

struct cg_cpu *cg_shim_cpu_init(struct cg_vm *vm, uint32_t i)
{
    struct cg_cpu *c = cg_cpu_area(vm, i);
    memset(c, 0, sizeof *c);
    cg_shim_cpu_fixed(vm, i);
    c->tid = i == 0 ? 1 : 0; /* 1: the enclave's first thread; 0: free, for clone() to take */
    return c;
}
