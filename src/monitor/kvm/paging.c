/*
 * paging.c - x86-64 4-level page tables, built by the monitor in the
 * guest's table area. 2 MiB pages where the caller allows (direct map,
 * pool), 4 KiB pages for the ELF so each segment gets exact permissions.
 */
#include <string.h>

#include "vm.h"

#define ADDR_MASK 0x000ffffffffff000ull

uint64_t cg_pt_new(struct cg_vm *vm)
{
    if (vm->tables_next + CG_G_PAGE > CG_G_TABLES_GPA + CG_G_TABLES_MAX)
        return 0;
    uint64_t gpa = vm->tables_next;
    vm->tables_next += CG_G_PAGE;
    memset(vm->ram + gpa, 0, CG_G_PAGE);
    return gpa;
}

/* The table entry for @va at @level (3 = PML4 ... 0 = PT), creating the
 * intermediate tables on the way. Intermediate entries are permissive
 * (P|W|U); the leaf decides. */
static uint64_t *walk(struct cg_vm *vm, uint64_t pml4, uint64_t va, int leaf_level)
{
    uint64_t table = pml4;
    for (int level = 3; level > leaf_level; level--) {
        uint64_t *e = (uint64_t *)(vm->ram + table) + ((va >> (12 + 9 * level)) & 511);
        if (!(*e & CG_PTE_P)) {
            uint64_t t = cg_pt_new(vm);
            if (t == 0)
                return NULL;
            *e = t | CG_PTE_P | CG_PTE_W | CG_PTE_U;
        } else if (*e & CG_PTE_PS) {
            return NULL; /* would split a large page: a layout bug */
        }
        table = *e & ADDR_MASK;
    }
    return (uint64_t *)(vm->ram + table) + ((va >> (12 + 9 * leaf_level)) & 511);
}

int cg_pt_map(struct cg_vm *vm, uint64_t pml4, uint64_t va, uint64_t gpa, uint64_t size, uint64_t flags, bool huge)
{
    const uint64_t step = huge ? (2ull << 20) : CG_G_PAGE;
    if ((va | gpa | size) & (step - 1))
        return -1;
    for (uint64_t off = 0; off < size; off += step) {
        uint64_t *e = walk(vm, pml4, va + off, huge ? 1 : 0);
        if (e == NULL || (*e & CG_PTE_P))
            return -1; /* out of table space, or mapped twice */
        /* On VMX/SVM the shim, the per-vCPU areas and the page tables are
         * supervisor-only: enclave code touching them faults. The PVM
         * variant of the test machine spins forever on supervisor-only
         * pages (docs/kvm-pvm.md), so there every page carries U; the
         * boundary that protects the host is the VM and the monitor. */
        uint64_t u = (flags & CG_PTE_U) || vm->pvm ? CG_PTE_U : 0;
        *e = ((gpa + off) & ADDR_MASK) | (flags & ~CG_PTE_U) | u | CG_PTE_P | (huge ? CG_PTE_PS : 0);
    }
    return 0;
}

uint64_t cg_pt_clone_top(struct cg_vm *vm, uint64_t base)
{
    /* A vCPU's own PML4 and first PDPT: copies of the shared ones, so that
     * the PERCPU window (PDPT entry 1) can differ per vCPU. */
    uint64_t pml4 = cg_pt_new(vm), pdpt = cg_pt_new(vm);
    if (pml4 == 0 || pdpt == 0)
        return 0;
    memcpy(vm->ram + pml4, vm->ram + base, CG_G_PAGE);
    uint64_t e0 = ((uint64_t *)(vm->ram + base))[0];
    if (e0 & CG_PTE_P)
        memcpy(vm->ram + pdpt, vm->ram + (e0 & ADDR_MASK), CG_G_PAGE);
    ((uint64_t *)(vm->ram + pml4))[0] = pdpt | CG_PTE_P | CG_PTE_W | CG_PTE_U;
    return pml4;
}
