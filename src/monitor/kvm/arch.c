/*
 * arch.c - the initial register state of a vCPU: 64-bit supervisor mode at
 * the shim's entry, paging on with the monitor's tables, GS base at the
 * vCPU's struct cg_cpu. No firmware and no boot code run before it.
 *
 * The shim then installs its own GDT, TSS, IDT and SYSCALL MSRs
 * (src/shim/arch_x86.c): the x86-64 model of VMX/SVM, which the PVM
 * variant of the test machine emulates (docs/kvm-pvm.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm.h"

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
    memset(s, 0, sizeof *s);
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->s = 1;
    s->l = code ? 1 : 0;
    s->db = code ? 0 : 1;
    s->g = 1;
    s->limit = 0xffffffff;
}

/* Every ioctl here (and in cg_cpuid_set) must be in the kvm monitor's run
 * program too (src/engines/kvm/monitor_filter.c, run_ioctls): the vCPU of
 * a thread the enclave starts beyond its call slots is set up after the
 * monitor is confined (vcpu.c). */
int cg_arch_setup_vcpu(struct cg_vm *vm, struct cg_vcpu *v, bool cpuid, char *why, size_t why_len)
{
    /* CPUID first: KVM checks CR4 against it (FSGSBASE, SMEP). Once a
     * vCPU has run, KVM refuses to be told its CPUID again. */
    if (cpuid && cg_cpuid_set(v, why, why_len) != 0)
        return -1;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) != 0) {
        snprintf(why, why_len, "KVM_GET_SREGS: %s", strerror(errno));
        return -1;
    }
    s.cr0 = 0x80050033;                        /* PE MP ET NE WP AM PG */
    s.cr4 = 0x20 | 0x200 | 0x400 | 0x10000;    /* PAE OSFXSR OSXMMEXCPT FSGSBASE */
    if (vm->xcr0 != 0)
        s.cr4 |= 0x40000;                      /* OSXSAVE: the shim sets XCR0 (vector state) */
    /* SMEP: the shim never runs user pages. Not SMAP: the shim copies
     * from user memory without STAC. Not on PVM (docs/kvm-pvm.md, section 2). */
    if (!vm->pvm && (vm->features & CG_FEAT_SMEP))
        s.cr4 |= 0x100000;
    s.efer = 0x1 | 0x100 | 0x400 | 0x800;      /* SCE LME LMA NXE */
    s.cr3 = v->pml4;
    seg(&s.cs, 0x10, 11, 1);
    seg(&s.ss, 0x18, 3, 0);
    s.ds = s.ss;
    s.es = s.ss;
    s.fs = s.ss;
    s.gs = s.ss;
    if (ioctl(v->fd, KVM_SET_SREGS, &s) != 0) {
        snprintf(why, why_len, "KVM_SET_SREGS: %s", strerror(errno));
        return -1;
    }
    /* The vector state the CPUID lists (cpuid.c), set here rather than by
     * an XSETBV in the shim: QEMU's emulated SVM does not pass a nested
     * guest's XSETBV to KVM, which then keeps loading XCR0 = x87 only. */
    if (vm->xcr0 != 0) {
        struct kvm_xcrs x;
        memset(&x, 0, sizeof x);
        x.nr_xcrs = 1;
        x.xcrs[0].xcr = 0;
        x.xcrs[0].value = vm->xcr0;
        if (ioctl(v->fd, KVM_SET_XCRS, &x) != 0) {
            snprintf(why, why_len, "KVM_SET_XCRS (XCR0 %#llx): %s", (unsigned long long)vm->xcr0, strerror(errno));
            return -1;
        }
    }
    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = CG_G_DIRECT_VA + CG_G_SHIM_GPA;
    r.rsp = CG_G_PERCPU_VA + CG_G_CPU_SIZE;
    r.rflags = 0x2;
    if (ioctl(v->fd, KVM_SET_REGS, &r) != 0) {
        snprintf(why, why_len, "KVM_SET_REGS: %s", strerror(errno));
        return -1;
    }
    return 0;
}
