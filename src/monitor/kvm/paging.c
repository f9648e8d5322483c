/*
 * paging.c - x86-64 4-level page tables, built by the monitor in the
 * guest's table area. 2 MiB pages where the caller allows (direct map,
 * pool), 4 KiB pages for the ELF so each segment gets exact permissions.
 * cg_pt_build() makes the tables every vCPU shares; cg_pt_vcpu_view() a
 * vCPU's own top two levels, which differ only at its PERCPU window.
 */
#include <string.h>

#include "monitor_abi.h"
#include "vm.h"

#define ADDR_MASK 0x000ffffffffff000ull

/* One zeroed table page from the tables area, or 0 if it is full. */
static uint64_t pt_new(struct cg_vm *vm)
{
    if (vm->tables_next + CG_G_PAGE > CG_G_TABLES_GPA + CG_G_TABLES_MAX)
        return 0;
    uint64_t gpa = vm->tables_next;
    vm->tables_next += CG_G_PAGE;
    memset(vm->ram + gpa, 0, CG_G_PAGE);
    return gpa;
}

/* Every entry the monitor writes is marked accessed, and every leaf also
 * dirty: the guest never reads these bits (the shim pages nothing out),
 * and a clear bit costs the first touch of each page more. Under shadow
 * paging (the PVM variant) KVM must then write the bits into the guest's
 * tables itself at the first access, and maps a page read-only until its
 * first write just to set D: a second fault for every page first read,
 * then written. With EPT the CPU sets them, a locked write per level. */
#define CG_PTE_AD (CG_PTE_A | CG_PTE_D)

/* The table entry for @va at @level (3 = PML4 ... 0 = PT), creating the
 * intermediate tables on the way. Intermediate entries are permissive
 * (P|W|U, and A); the leaf decides. */
static uint64_t *walk(struct cg_vm *vm, uint64_t pml4, uint64_t va, int leaf_level)
{
    uint64_t table = pml4;
    for (int level = 3; level > leaf_level; level--) {
        uint64_t *e = (uint64_t *)(vm->ram + table) + ((va >> (12 + 9 * level)) & 511);
        if (!(*e & CG_PTE_P)) {
            uint64_t t = pt_new(vm);
            if (t == 0)
                return NULL;
            *e = t | CG_PTE_P | CG_PTE_W | CG_PTE_U | CG_PTE_A;
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
        *e = ((gpa + off) & ADDR_MASK) | (flags & ~CG_PTE_U) | u | CG_PTE_P | CG_PTE_AD | (huge ? CG_PTE_PS : 0);
    }
    return 0;
}

static uint64_t clone_top(struct cg_vm *vm, uint64_t base)
{
    /* A vCPU's own PML4 and first PDPT: copies of the shared ones, so that
     * the PERCPU window (PDPT entry 1) can differ per vCPU. */
    uint64_t pml4 = pt_new(vm), pdpt = pt_new(vm);
    if (pml4 == 0 || pdpt == 0)
        return 0;
    memcpy(vm->ram + pml4, vm->ram + base, CG_G_PAGE);
    uint64_t e0 = ((uint64_t *)(vm->ram + base))[0];
    if (e0 & CG_PTE_P)
        memcpy(vm->ram + pdpt, vm->ram + (e0 & ADDR_MASK), CG_G_PAGE);
    ((uint64_t *)(vm->ram + pml4))[0] = pdpt | CG_PTE_P | CG_PTE_W | CG_PTE_U | CG_PTE_A;
    return pml4;
}

int cg_pt_build(struct cg_vm *vm, const uint8_t *elf, size_t elf_len)
{
    char why[256] = "";
    /* The direct map of all private memory first: the shim runs from it. */
    vm->tables_next = CG_G_TABLES_GPA;
    uint64_t pml4 = pt_new(vm);
    int bad = pml4 == 0;
    bad |= cg_pt_map(vm, pml4, CG_G_DIRECT_VA, 0, CG_SHIM_RAM, CG_PTE_W, true);
    bad |= cg_pt_map(vm, pml4, CG_G_DIRECT_VA + CG_SHIM_RAM, CG_SHIM_RAM, vm->ram_size - CG_SHIM_RAM,
                     CG_PTE_W | CG_PTE_NX, true);
    vm->next_gpa = CG_G_FREE_GPA;
    if (bad || cg_load_elf(vm, pml4, elf, elf_len, why, sizeof why) != 0) {
        cg_note("cannot load the enclave: %s", why[0] ? why : "page tables do not fit");
        return CG_MON_EXIT_LOAD;
    }
    vm->pml4 = pml4;
    /* The pool only now: it starts after the pages the ELF took. */
    vm->pool_gpa = cg_round_up(vm->next_gpa, 2 * CG_MIB);
    if (vm->pool_gpa + vm->pool_size + vm->bitmap_size > vm->ram_size ||
        cg_pt_map(vm, pml4, CG_G_POOL_VA, vm->pool_gpa, vm->pool_size, CG_PTE_U | CG_PTE_W | CG_PTE_NX, true) != 0 ||
        cg_pt_map(vm, pml4, CG_G_WINDOW_VA, vm->window_gpa, vm->window_size, CG_PTE_U | CG_PTE_W | CG_PTE_NX,
                  false) != 0 ||
        /* shared memory at the host's address, never executable */
        (vm->shm_size != 0 &&
         cg_pt_map(vm, pml4, vm->shm_va, vm->shm_gpa, vm->shm_size, CG_PTE_U | CG_PTE_W | CG_PTE_NX, true) != 0)) {
        cg_note("cannot map the enclave's memory (pool %llu MiB)", (unsigned long long)(vm->pool_size / CG_MIB));
        return CG_MON_EXIT_LOAD;
    }
    return 0;
}

uint64_t cg_pt_vcpu_view(struct cg_vm *vm, uint64_t area_gpa)
{
    uint64_t pml4 = clone_top(vm, vm->pml4);
    if (pml4 == 0 || cg_pt_map(vm, pml4, CG_G_PERCPU_VA, area_gpa, CG_G_CPU_SIZE, CG_PTE_W | CG_PTE_NX, false) != 0)
        return 0;
    return pml4;
}
