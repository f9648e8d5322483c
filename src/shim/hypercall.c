/*
 * hypercall.c - calls into cgear-monitor: fill this vCPU's block, then one
 * port write. The port write is the VM exit; the monitor reads the block
 * from guest memory and writes the result back before resuming us.
 */
#include "shim.h"

int64_t cg_hcall(struct cg_cpu *c, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    volatile struct cg_hcall *h = &c->hc;
    h->nr = nr;
    h->a[0] = a0;
    h->a[1] = a1;
    h->a[2] = a2;
    h->a[3] = a3;
    h->a[4] = a4;
    h->ret = -38; /* -ENOSYS unless the monitor answers */
    __asm__ volatile("outb %%al, %1" : : "a"((uint8_t)nr), "i"(CG_HC_PORT) : "memory");
    return h->ret;
}

_Noreturn void cg_die_fault(uint64_t vector, uint64_t err, uint64_t cr2, uint64_t rip, uint64_t rsp)
{
    struct cg_cpu *c = cg_this_cpu();
    for (;;)
        cg_hcall(c, CG_HC_FAULT, vector, err, cr2, rip, rsp);
}

/* From the exception entry (entry.S): report the fault; returns only when
 * the monitor says a debugger resumes this #BP or #DB (CG_HC_FAULT_RESUME). */
void cg_fault(uint64_t vector, uint64_t err, uint64_t cr2, uint64_t rip, uint64_t rsp)
{
    struct cg_cpu *c = cg_this_cpu();
    for (;;)
        if (cg_hcall(c, CG_HC_FAULT, vector, err, cr2, rip, rsp) == CG_HC_FAULT_RESUME && (vector == 1 || vector == 3))
            return;
}

_Noreturn void cg_die_forbidden(uint64_t nr, uint64_t rip)
{
    struct cg_cpu *c = cg_this_cpu();
    for (;;)
        cg_hcall(c, CG_HC_FORBIDDEN, nr, rip, 0, 0, 0);
}
