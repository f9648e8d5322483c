/*
 * arch_x86.c - per-vCPU x86-64 setup: GDT with a TSS (the kernel stack for
 * faults in user mode), IDT for exceptions, the SYSCALL MSRs, and on the
 * test machine's PVM variant the per-vCPU page that lets supervisor code
 * run natively instead of instruction by instruction (docs/kvm-pvm.md).
 */
#include "shim.h"
#include "shim_asm.h"

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_SYSCALL_MASK 0xc0000084u
#define MSR_PVM_VIF_PAGE 0x4b564d10u

extern char cg_x86_syscall[], cg_x86_vectors[];

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

void cg_arch_init(struct cg_cpu *c)
{
    /* First, on the PVM variant: until this page is registered every
     * supervisor instruction is emulated one by one (docs/kvm-pvm.md). */
    if (cg_boot.pvm)
        wrmsr(MSR_PVM_VIF_PAGE, c->area_gpa + (uint64_t)((uintptr_t)c->vif - (uintptr_t)c));
    /* GDT: selectors 0x10/0x18 kernel, 0x20/0x28/0x30 user (STAR layout),
     * 0x38 the TSS. */
    c->gdt[0] = 0;
    c->gdt[1] = 0;
    c->gdt[2] = 0x00af9a000000ffffull;
    c->gdt[3] = 0x00cf92000000ffffull;
    c->gdt[4] = 0x00cffa000000ffffull;
    c->gdt[5] = 0x00cff2000000ffffull;
    c->gdt[6] = 0x00affa000000ffffull;
    uint64_t tss = (uint64_t)(uintptr_t)c->tss;
    memset(c->tss, 0, sizeof c->tss);
    uint64_t rsp0 = c->kstack_top;
    memcpy(c->tss + 4, &rsp0, 8);
    uint16_t iomap = sizeof c->tss; /* no I/O permission bitmap */
    memcpy(c->tss + 102, &iomap, 2);
    uint64_t lim = sizeof c->tss - 1;
    c->gdt[7] = (lim & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) | (((lim >> 16) & 0xf) << 48) |
                (((tss >> 24) & 0xff) << 56);
    c->gdt[8] = tss >> 32;
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } gdtr = {9 * 8 - 1, (uint64_t)(uintptr_t)c->gdt}, idtr = {32 * 16 - 1, (uint64_t)(uintptr_t)c->idt};
    /* IDT: interrupt gates, kernel CS, DPL 0 (user `int n` is a #GP), but
     * #BP at DPL 3: an int3 in the enclave arrives as the #BP it is, also
     * where KVM cannot intercept it (a debugger's breakpoint, gdb_cpu.c). */
    for (uint64_t v = 0; v < 32; v++) {
        uint64_t h = (uint64_t)(uintptr_t)cg_x86_vectors + v * 16;
        uint64_t type = v == 3 ? 0xee00ull : 0x8e00ull;
        c->idt[2 * v] = (h & 0xffff) | (0x10ull << 16) | (type << 32) | (((h >> 16) & 0xffff) << 48);
        c->idt[2 * v + 1] = h >> 32;
    }
    __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
    __asm__ volatile("ltr %w0" : : "r"(0x38) : "memory");
    wrmsr(MSR_STAR, (0x23ull << 48) | (0x10ull << 32));
    wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)cg_x86_syscall);
    wrmsr(MSR_SYSCALL_MASK, 0x47700); /* TF IF DF AC NT cleared on entry */
}
