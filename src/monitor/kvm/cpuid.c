/*
 * cpuid.c - the CPUID every vCPU sees: KVM_GET_SUPPORTED_CPUID, filtered
 * down to what the enclave can really use in this VM.
 *
 * Without KVM_SET_CPUID2 a guest sees empty leaves, and on Intel VMX KVM
 * then turns RDRAND, RDSEED, RDTSCP, INVPCID and XSAVES into #UD, while on
 * AMD SVM the same instructions simply run: code that works on one fails
 * on the other. With the supported table, minus what this VM lacks, every
 * KVM answers alike and enclave code (BearSSL's AES-NI check, the shim's
 * RDRAND check) finds the features it may use. docs/engines.md lists the
 * leaves and why each change is made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm.h"

#define MAX_ENTRIES 256

/* Leaf 1 ECX: MONITOR (3), VMX (5), SMX (6), PDCM (15), X2APIC (21),
 * TSC-deadline (24), XSAVE (26), OSXSAVE (27), AVX (28), FMA (12),
 * F16C (29). No APIC, no nested virtualization, no MWAIT; XSAVE-managed
 * state (AVX and up) is off because the shim does not enable it (CR4.OSXSAVE
 * stays 0, so those instructions would fault). */
#define L1_ECX_DROP ((1u << 3) | (1u << 5) | (1u << 6) | (1u << 12) | (1u << 15) | (1u << 21) | (1u << 24) | \
                     (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29))
/* Leaf 1 EDX: APIC (9), ACPI (22): the VM has no interrupt controller. */
#define L1_EDX_DROP ((1u << 9) | (1u << 22))
/* Leaf 7.0 EBX: AVX2 (5), AVX-512 family (16, 17, 21, 26..28, 30, 31),
 * the processor trace (25) and SGX (2). */
#define L7_EBX_DROP ((1u << 2) | (1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 25) | (1u << 26) | \
                     (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31))
/* Leaf 7.0 ECX: AVX-512 VBMI/VNNI/BITALG/VPOPCNT (1, 6, 11, 12, 14),
 * VAES/VPCLMULQDQ (9, 10: need AVX state), PKU/OSPKE (3, 4: CR4.PKE is
 * off), WAITPKG (5), LA57 (16: 4-level paging only), SGX-LC (30). */
#define L7_ECX_DROP ((1u << 1) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 9) | (1u << 10) | \
                     (1u << 11) | (1u << 12) | (1u << 14) | (1u << 16) | (1u << 30))
/* Leaf 0x80000001 ECX: SVM (2): no nested virtualization. */
#define LX1_ECX_DROP (1u << 2)

static struct kvm_cpuid2 *g_cpuid;

static void filter(struct kvm_cpuid_entry2 *e)
{
    switch (e->function) {
    case 0x1:
        e->ecx &= ~L1_ECX_DROP;
        e->edx &= ~L1_EDX_DROP;
        break;
    case 0x7:
        if (e->index == 0) {
            e->ebx &= ~L7_EBX_DROP;
            e->ecx &= ~L7_ECX_DROP;
            e->edx = 0; /* AVX-512 extras, AMX, hybrid, speculation controls: none used */
        } else {
            e->eax = e->ebx = e->ecx = e->edx = 0;
        }
        break;
    case 0xa:  /* no performance counters */
    case 0xd:  /* no XSAVE state beyond x87/SSE (see L1_ECX_DROP) */
    case 0x12: /* no SGX */
    case 0x14: /* no processor trace */
    case 0x40000001: /* no KVM paravirtual features: the shim uses none */
        e->eax = e->ebx = e->ecx = e->edx = 0;
        break;
    case 0x80000001:
        e->ecx &= ~LX1_ECX_DROP;
        break;
    default:
        break;
    }
}

int cg_cpuid_prepare(struct cg_vm *vm, char *why, size_t why_len)
{
    struct kvm_cpuid2 *c = calloc(1, sizeof *c + MAX_ENTRIES * sizeof c->entries[0]);
    if (c == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    c->nent = MAX_ENTRIES;
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) != 0) {
        snprintf(why, why_len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        free(c);
        return -1;
    }
    vm->features = 0;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        filter(e);
        if (e->function == 0x1 && (e->ecx & (1u << 30)))
            vm->features |= CG_FEAT_RDRAND;
        if (e->function == 0x7 && e->index == 0) {
            if (e->ebx & (1u << 0))
                vm->features |= CG_FEAT_FSGSBASE;
            if (e->ebx & (1u << 7))
                vm->features |= CG_FEAT_SMEP;
            if (e->ebx & (1u << 18))
                vm->features |= CG_FEAT_RDSEED;
        }
    }
    /* The PVM variant runs guest supervisor code at hardware CPL 3 and lets
     * WRFSBASE through without listing FSGSBASE (docs/kvm-pvm.md). */
    if (!(vm->features & CG_FEAT_FSGSBASE) && !vm->pvm) {
        snprintf(why, why_len, "this CPU (or KVM) lacks FSGSBASE, which the kvm engine needs for enclave thread "
                               "pointers (Intel Ivy Bridge / AMD Zen or newer)");
        free(c);
        return -1;
    }
    g_cpuid = c;
    return 0;
}

int cg_cpuid_set(struct cg_vcpu *v, char *why, size_t why_len)
{
    if (ioctl(v->fd, KVM_SET_CPUID2, g_cpuid) != 0) {
        snprintf(why, why_len, "KVM_SET_CPUID2: %s", strerror(errno));
        return -1;
    }
    return 0;
}
