/*
 * kvm_exit.c - reference for the KVM engine: the bare cost of one VM exit
 * round trip (guest `out` -> KVM_EXIT_IO -> KVM_RUN again), measured with
 * the smallest possible VM: 64-bit supervisor mode, identity-mapped 2 MiB,
 * a two-instruction loop. No cgear code involved.
 */
#define _GNU_SOURCE
#include "kvm_exit.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM (4u << 20)

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double cg_bench_kvm_exit_ns(long iters)
{
    double result = -1;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        return -1;
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    int rs = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    uint8_t *mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int vcpu = -1;
    struct kvm_run *run = MAP_FAILED;
    if (vm < 0 || rs <= 0 || mem == MAP_FAILED)
        goto out;
    struct kvm_userspace_memory_region r = {.slot = 0, .memory_size = MEM, .userspace_addr = (uintptr_t)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) != 0)
        goto out;
    /* page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD): 2 MiB pages */
    uint64_t *pml4 = (uint64_t *)(mem + 0x1000), *pdpt = (uint64_t *)(mem + 0x2000), *pd = (uint64_t *)(mem + 0x3000);
    pml4[0] = 0x2000 | 3;
    pdpt[0] = 0x3000 | 3;
    pd[0] = 0x83;
    pd[1] = 0x200000 | 0x83;
    /* at 0x100000: out %al, $0x10 ; jmp back */
    static const uint8_t code[] = {0xe6, 0x10, 0xeb, 0xfc};
    memcpy(mem + 0x100000, code, sizeof code);
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        goto out;
    run = mmap(NULL, (size_t)rs, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        goto out;
    struct kvm_sregs s;
    if (ioctl(vcpu, KVM_GET_SREGS, &s) != 0)
        goto out;
    s.cr3 = 0x1000;
    s.cr4 = 0x20 | 0x600;
    s.cr0 = 0x80050033;
    s.efer = 0x500;
    struct kvm_segment cs = {.limit = 0xffffffff, .selector = 0x10, .type = 11, .present = 1, .s = 1, .l = 1, .g = 1};
    struct kvm_segment ds = {.limit = 0xffffffff, .selector = 0x18, .type = 3, .present = 1, .s = 1, .db = 1, .g = 1};
    s.cs = cs;
    s.ss = ds;
    s.ds = ds;
    s.es = ds;
    if (ioctl(vcpu, KVM_SET_SREGS, &s) != 0)
        goto out;
    struct kvm_regs regs = {.rip = 0x100000, .rsp = 0x200000, .rflags = 2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) != 0)
        goto out;
    for (long warm = 0; warm < 1000; warm++)
        if (ioctl(vcpu, KVM_RUN, 0) != 0 || run->exit_reason != KVM_EXIT_IO)
            goto out;
    double t0 = now_ns();
    for (long i = 0; i < iters; i++)
        if (ioctl(vcpu, KVM_RUN, 0) != 0 || run->exit_reason != KVM_EXIT_IO)
            goto out;
    result = (now_ns() - t0) / (double)iters;
out:
    if (run != MAP_FAILED)
        munmap(run, (size_t)rs);
    if (vcpu >= 0)
        close(vcpu);
    if (mem != MAP_FAILED)
        munmap(mem, MEM);
    if (vm >= 0)
        close(vm);
    close(kvm);
    return result;
}
