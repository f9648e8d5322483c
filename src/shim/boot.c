/*
 * boot.c - the shim's start on each vCPU: install the event entry points
 * (PVM MSRs), then drop to the enclave in user mode. vCPU 0 starts the
 * enclave at its ELF entry; the others start the thread a clone() set up.
 */
#include <stddef.h>

#include "shim.h"
#include "shim_asm.h"

/* Filled by the monitor before any vCPU runs (CG_BOOT_OFFSET). */
struct cg_boot cg_boot __attribute__((section(".boot"), used)) = {.magic = CG_BOOT_MAGIC};

_Static_assert(offsetof(struct cg_cpu, self) == CPU_SELF, "cpu layout");
_Static_assert(offsetof(struct cg_cpu, kstack_top) == CPU_KSTACK, "cpu layout");
_Static_assert(UREGS_SIZE == CG_UREGS_FRAME, "syscall frame");
_Static_assert(offsetof(struct cg_cpu, user_rsp) == CPU_USER_RSP, "cpu layout");
_Static_assert(CG_G_PERCPU_VA == PERCPU, "per-vCPU address");
_Static_assert(offsetof(struct cg_cpu, fault) == CPU_FAULT, "cpu layout");
_Static_assert(offsetof(struct cg_uregs, rax) == UREGS_RAX, "uregs layout");
_Static_assert(offsetof(struct cg_uregs, r11) == UREGS_R11, "uregs layout");
_Static_assert(offsetof(struct cg_uregs, r15) == UREGS_R15, "uregs layout");
_Static_assert(offsetof(struct cg_uregs, rip) == UREGS_RIP, "uregs layout");
_Static_assert(offsetof(struct cg_uregs, rsp) == UREGS_RSP, "uregs layout");
_Static_assert(offsetof(struct cg_uregs, rflags) == UREGS_RFLAGS, "uregs layout");
_Static_assert(offsetof(struct cg_uregs, fsbase) == UREGS_FSBASE, "uregs layout");
_Static_assert(sizeof(struct cg_uregs) <= UREGS_SIZE, "uregs size");
_Static_assert(sizeof(struct cg_cpu) <= CG_G_CPU_SIZE / 2, "cpu area leaves room for the stack");

void cg_arch_init(struct cg_cpu *c);
void cg_shim_main(struct cg_cpu *c) __attribute__((noreturn));

void cg_shim_main(struct cg_cpu *c)
{
    cg_arch_init(c);
    if (c->index == 0) {
        cg_mm_init();
        cg_hcall(c, CG_HC_READY, 0, 0, 0, 0, 0);
        struct cg_uregs r;
        memset(&r, 0, sizeof r);
        r.rip = cg_boot.entry;
        r.rsp = cg_boot.user_sp;
        r.rflags = 0x202;
        cg_enter_user(&r);
    }
    struct cg_uregs r = c->start;
    cg_enter_user(&r);
}
