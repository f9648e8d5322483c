/*
 * loader.c - put the enclave ELF into guest memory and build the initial
 * user stack, the way Linux would for a static executable, so that the
 * same unmodified image runs here and under the process engine.
 *
 * The ELF came from the host: every field is checked before use.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "reset_abi.h"
#include "vm.h"

#define USER_MIN 0x10000ull
#define USER_MAX 0x40000000ull /* ELF segments in the first GiB; PERCPU is in the second */

static const Elf64_Ehdr *ehdr_of(const uint8_t *elf, size_t len, char *why, size_t why_len)
{
    const Elf64_Ehdr *eh = (const void *)elf;
    if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        eh->e_phnum == 0 || eh->e_phnum > 64 || eh->e_phoff > len ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff) {
        snprintf(why, why_len, "the enclave is not a static x86-64 executable the KVM engine can load");
        return NULL;
    }
    return eh;
}

/* The enclave runtime's reset area (reset_abi.h): the section named
 * CG_RESET_SECTION, exactly one struct cg_reset_area with its magic,
 * inside a writable segment just loaded. Sets vm->reset_gpa, or leaves it
 * 0 (no section, or one that does not pass every check: then the enclave
 * cannot be snapshotted, it still runs). */
static void find_reset_area(struct cg_vm *vm, const uint8_t *elf, size_t len)
{
    const Elf64_Ehdr *eh = (const void *)elf;
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 || eh->e_shnum > 4096 ||
        eh->e_shoff > len || (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff ||
        eh->e_shstrndx >= eh->e_shnum)
        return;
    const Elf64_Shdr *sh = (const void *)(elf + eh->e_shoff);
    const Elf64_Shdr *names = &sh[eh->e_shstrndx];
    if (names->sh_offset > len || names->sh_size > len - names->sh_offset)
        return;
    const char *strtab = (const char *)elf + names->sh_offset;
    static const char want[] = CG_RESET_SECTION;
    for (uint32_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_name >= names->sh_size || names->sh_size - sh[i].sh_name < sizeof want ||
            memcmp(strtab + sh[i].sh_name, want, sizeof want) != 0)
            continue;
        uint64_t va = sh[i].sh_addr;
        if (sh[i].sh_size != sizeof(struct cg_reset_area) || va % 8 != 0)
            return;
        const struct cg_boot *b = vm->boot;
        for (uint64_t k = 0; k < b->nseg; k++) {
            const struct cg_boot_seg *g = &b->seg[k];
            if (!g->writable || va < g->va || va - g->va > g->len - sizeof(struct cg_reset_area))
                continue;
            uint64_t gpa = g->gpa + (va - g->va);
            struct cg_reset_area a;
            memcpy(&a, vm->ram + gpa, sizeof a);
            if (a.magic == CG_RESET_MAGIC)
                vm->reset_gpa = gpa;
            return;
        }
        return;
    }
}

int cg_load_elf(struct cg_vm *vm, uint64_t pml4, const uint8_t *elf, size_t len, char *why, size_t why_len)
{
    const Elf64_Ehdr *eh = ehdr_of(elf, len, why, why_len);
    if (eh == NULL)
        return -1;
    const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff);
    struct cg_boot *b = vm->boot;
    uint64_t top = 0;
    b->nseg = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type == PT_INTERP || p->p_type == PT_DYNAMIC) {
            snprintf(why, why_len, "the enclave ELF is dynamically linked; enclaves must be static");
            return -1;
        }
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        uint64_t start = p->p_vaddr & ~(CG_G_PAGE - 1);
        uint64_t end;
        if (p->p_filesz > p->p_memsz || p->p_offset > len || p->p_filesz > len - p->p_offset ||
            __builtin_add_overflow(p->p_vaddr, p->p_memsz, &end) || start < USER_MIN || end > USER_MAX ||
            (p->p_vaddr & (CG_G_PAGE - 1)) != (p->p_offset & (CG_G_PAGE - 1)) || b->nseg >= 8) {
            snprintf(why, why_len, "ELF segment %d has an impossible size, offset or address", i);
            return -1;
        }
        if ((p->p_flags & PF_W) && (p->p_flags & PF_X)) {
            snprintf(why, why_len, "ELF segment %d is both writable and executable (W^X)", i);
            return -1;
        }
        end = (end + CG_G_PAGE - 1) & ~(CG_G_PAGE - 1);
        uint64_t size = end - start;
        if (vm->next_gpa + size > vm->ram_size) {
            snprintf(why, why_len, "the enclave ELF does not fit in guest memory");
            return -1;
        }
        uint64_t gpa = vm->next_gpa;
        vm->next_gpa += size;
        memcpy(vm->ram + gpa + (p->p_vaddr - start), elf + p->p_offset, p->p_filesz);
        uint64_t flags = CG_PTE_U | ((p->p_flags & PF_W) ? CG_PTE_W : 0) | ((p->p_flags & PF_X) ? 0 : CG_PTE_NX);
        if (cg_pt_map(vm, pml4, start, gpa, size, flags, false) != 0) {
            snprintf(why, why_len, "ELF segment %d overlaps another one", i);
            return -1;
        }
        b->seg[b->nseg].va = start;
        b->seg[b->nseg].gpa = gpa;
        b->seg[b->nseg].len = size;
        b->seg[b->nseg].writable = (p->p_flags & PF_W) != 0;
        b->nseg++;
        if (end > top)
            top = end;
    }
    if (b->nseg == 0) {
        snprintf(why, why_len, "the enclave ELF has nothing to load");
        return -1;
    }
    b->entry = eh->e_entry;
    b->brk_start = top;
    b->brk_max = top;
    find_reset_area(vm, elf, len);
    return 0;
}

/* The stack a static executable starts with: argc, argv, envp, auxv, and
 * the bytes they point at. Built at the top of the pool's first pages. */
int cg_build_stack(struct cg_vm *vm, const uint8_t *elf, size_t len, char *why, size_t why_len)
{
    const Elf64_Ehdr *eh = ehdr_of(elf, len, why, why_len);
    if (eh == NULL)
        return -1;
    struct cg_boot *b = vm->boot;
    /* Where the program headers are in guest memory (musl finds PT_TLS
     * through AT_PHDR): inside the first segment that covers e_phoff. */
    const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff);
    uint64_t phdr_va = 0;
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset <= eh->e_phoff &&
            eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) <= ph[i].p_offset + ph[i].p_filesz) {
            phdr_va = ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
            break;
        }
    if (phdr_va == 0) {
        snprintf(why, why_len, "the enclave ELF's program headers are not in a loaded segment");
        return -1;
    }
    uint64_t stack_size = vm->cfg.stack_size;
    if (stack_size < 64 * 1024 || stack_size > b->pool_size / 2) {
        snprintf(why, why_len, "the manifest's stack size does not fit the enclave's memory");
        return -1;
    }
    uint8_t *base = vm->ram + b->pool_gpa; /* pool offset 0 .. stack_size */
    uint64_t top_va = b->pool_va + stack_size;
    uint64_t sp = top_va;
    /* strings and random bytes */
    static const char name[] = "cgear-enclave";
    sp -= sizeof(name);
    memcpy(base + (sp - b->pool_va), name, sizeof(name));
    uint64_t name_va = sp;
    sp -= 16;
    uint8_t rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        snprintf(why, why_len, "getrandom failed for AT_RANDOM");
        return -1;
    }
    memcpy(base + (sp - b->pool_va), rnd, sizeof rnd);
    uint64_t rnd_va = sp;
    uint64_t words[] = {
        1, name_va, 0,                 /* argc, argv[0], argv end */
        0,                             /* empty environment */
        AT_PHDR, phdr_va, AT_PHENT, sizeof(Elf64_Phdr), AT_PHNUM, eh->e_phnum, AT_PAGESZ, CG_G_PAGE,
        AT_ENTRY, eh->e_entry, AT_UID, 65534, AT_EUID, 65534, AT_GID, 65534, AT_EGID, 65534,
        AT_SECURE, 0, AT_RANDOM, rnd_va, AT_NULL, 0,
    };
    sp -= sizeof(words);
    sp &= ~15ull; /* the ABI: rsp 16-byte aligned at entry, pointing at argc */
    memcpy(base + (sp - b->pool_va), words, sizeof(words));
    b->user_sp = sp;
    b->pool_used = stack_size;
    return 0;
}
