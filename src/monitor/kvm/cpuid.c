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
 *
 * Vector state: where KVM offers XSAVE the guest gets CR4.OSXSAVE and the
 * monitor sets XCR0 (KVM_SET_XCRS, arch.c) to x87|SSE, plus AVX where
 * offered (vm->xcr0), so AVX/AVX2, FMA, F16C, VAES and VPCLMULQDQ work and
 * are listed; the AVX-512 state is not enabled and its features are not listed. The shim
 * itself never touches vector registers and switches no threads on a vCPU,
 * so it saves no vector state: KVM keeps each vCPU's across exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm.h"

#define MAX_ENTRIES 256

/* Leaf 1 ECX: MONITOR (3), VMX (5), SMX (6), PDCM (15), X2APIC (21),
 * TSC-deadline (24). No APIC, no nested virtualization, no MWAIT. */
#define L1_ECX_DROP ((1u << 3) | (1u << 5) | (1u << 6) | (1u << 15) | (1u << 21) | (1u << 24))
/* Leaf 1 ECX, the XSAVE family: XSAVE (26), OSXSAVE (27); and what needs
 * the AVX state in XCR0: FMA (12), AVX (28), F16C (29). */
#define L1_ECX_XSAVE ((1u << 26) | (1u << 27))
#define L1_ECX_AVX ((1u << 12) | (1u << 28) | (1u << 29))
/* Leaf 1 EDX: APIC (9), ACPI (22): the VM has no interrupt controller. */
#define L1_EDX_DROP ((1u << 9) | (1u << 22))
/* Leaf 7.0 EBX: AVX-512 family (16, 17, 21, 26..28, 30, 31: XCR0 has no
 * opmask/ZMM state), the processor trace (25) and SGX (2). */
#define L7_EBX_DROP ((1u << 2) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 25) | (1u << 26) | (1u << 27) | \
                     (1u << 28) | (1u << 30) | (1u << 31))
/* Leaf 7.0 EBX AVX2 (5) and ECX VAES/VPCLMULQDQ (9, 10): need AVX state. */
#define L7_EBX_AVX (1u << 5)
#define L7_ECX_AVX ((1u << 9) | (1u << 10))
/* Leaf 7.0 ECX: AVX-512 VBMI/VNNI/BITALG/VPOPCNT (1, 6, 11, 12, 14),
 * PKU/OSPKE (3, 4: CR4.PKE is off), WAITPKG (5), LA57 (16: 4-level paging
 * only), SGX-LC (30). */
#define L7_ECX_DROP ((1u << 1) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 11) | (1u << 12) | \
                     (1u << 14) | (1u << 16) | (1u << 30))
/* Leaf 0x80000001 ECX: SVM (2): no nested virtualization; XOP (11), FMA4
 * (16): AVX state. */
#define LX1_ECX_DROP (1u << 2)
#define LX1_ECX_AVX ((1u << 11) | (1u << 16))
/* Leaf 0xd.1 EAX: XSAVEOPT (0), XSAVEC (1), XGETBV with ECX=1 (2). Not
 * XSAVES (3): it needs IA32_XSS, which the shim leaves at 0. */
#define LD1_EAX_KEEP ((1u << 0) | (1u << 1) | (1u << 2))

#define XCR0_X87_SSE 0x3u
#define XCR0_AVX 0x4u

static struct kvm_cpuid2 *g_cpuid;

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == fn && c->entries[i].index == index)
            return &c->entries[i];
    return NULL;
}

/* The XCR0 the shim will set, from KVM's unfiltered table: x87 and SSE
 * wherever XSAVE is offered, plus AVX where KVM offers it too. 0: no
 * XSAVE (CR4.OSXSAVE stays off, as before issue 16). */
static uint64_t choose_xcr0(struct kvm_cpuid2 *c)
{
    const struct kvm_cpuid_entry2 *l1 = find(c, 0x1, 0), *d0 = find(c, 0xd, 0), *d2 = find(c, 0xd, 2);
    if (l1 == NULL || d0 == NULL || !(l1->ecx & (1u << 26)) || (d0->eax & XCR0_X87_SSE) != XCR0_X87_SSE)
        return 0;
    uint64_t x = XCR0_X87_SSE;
    if ((l1->ecx & (1u << 28)) && (d0->eax & XCR0_AVX) && d2 != NULL && d2->eax != 0)
        x |= XCR0_AVX;
    return x;
}

/* Leaf 0xd for @xcr0: only the enabled components, sizes to match. */
static void filter_xsave(struct kvm_cpuid2 *c, struct kvm_cpuid_entry2 *e, uint64_t xcr0)
{
    if (xcr0 == 0 || e->index > 2 || (e->index == 2 && !(xcr0 & XCR0_AVX))) {
        e->eax = e->ebx = e->ecx = e->edx = 0;
        return;
    }
    /* legacy area 512 + header 64; AVX: its offset and size (subleaf 2) */
    uint32_t size = 576;
    const struct kvm_cpuid_entry2 *d2 = find(c, 0xd, 2);
    if ((xcr0 & XCR0_AVX) && d2 != NULL && d2->ebx + d2->eax > size)
        size = d2->ebx + d2->eax;
    if (e->index == 0) {
        e->eax &= (uint32_t)xcr0;
        e->edx = 0;
        e->ebx = size; /* for XCR0 as the shim sets it */
        e->ecx = size; /* for every component listed in EAX */
    } else if (e->index == 1) {
        e->eax &= LD1_EAX_KEEP;
        e->ebx = size; /* XCR0 | XSS (0); never smaller than XSAVEC needs */
        e->ecx = e->edx = 0;
    }
}

static void filter(struct kvm_cpuid2 *c, struct kvm_cpuid_entry2 *e, uint64_t xcr0)
{
    const bool avx = (xcr0 & XCR0_AVX) != 0;
    switch (e->function) {
    case 0x1:
        e->ecx &= ~L1_ECX_DROP;
        if (xcr0 == 0)
            e->ecx &= ~L1_ECX_XSAVE;
        else
            e->ecx |= 1u << 27; /* OSXSAVE: CR4 has it (arch.c) */
        if (!avx)
            e->ecx &= ~L1_ECX_AVX;
        e->edx &= ~L1_EDX_DROP;
        break;
    case 0x7:
        if (e->index == 0) {
            e->ebx &= ~L7_EBX_DROP;
            e->ecx &= ~L7_ECX_DROP;
            if (!avx) {
                e->ebx &= ~L7_EBX_AVX;
                e->ecx &= ~L7_ECX_AVX;
            }
            e->edx = 0; /* AVX-512 extras, AMX, hybrid, speculation controls: none used */
        } else {
            e->eax = e->ebx = e->ecx = e->edx = 0;
        }
        break;
    case 0xd:
        filter_xsave(c, e, xcr0);
        break;
    case 0xa:  /* no performance counters */
    case 0x12: /* no SGX */
    case 0x14: /* no processor trace */
    case 0x40000001: /* no KVM paravirtual features: the shim uses none */
        e->eax = e->ebx = e->ecx = e->edx = 0;
        break;
    case 0x80000001:
        e->ecx &= ~LX1_ECX_DROP;
        if (!avx)
            e->ecx &= ~LX1_ECX_AVX;
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
    vm->xcr0 = choose_xcr0(c);
    /* In any order: 0xd.0 and 0xd.1 read 0xd.2, which keeps its values
     * when AVX is on and is not consulted when it is off. */
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        filter(c, e, vm->xcr0);
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
