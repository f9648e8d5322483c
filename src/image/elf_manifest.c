/*
 * elf.c - check that a file is a cgear enclave and read its manifest.
 *
 * The file is hostile input: every offset and size is bounds-checked
 * against the buffer before use.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "elf_manifest.h"
#include "text.h"

/* Every ELF failure is the same result; only the reason differs. */
#define WHY(...) CG_WHY(CC_ERROR_INVALID_ENCLAVE, __VA_ARGS__)

static bool in_bounds(size_t len, uint64_t off, uint64_t size)
{
    return off <= len && size <= len - off;
}

cc_enclave_result_t cg_elf_read_manifest(const uint8_t *buf, size_t len, struct cg_manifest *m, char *why,
                                         size_t why_len)
{
    uint64_t off;
    return cg_elf_find_manifest(buf, len, m, &off, why, why_len);
}

cc_enclave_result_t cg_elf_find_manifest(const uint8_t *buf, size_t len, struct cg_manifest *m, uint64_t *offset,
                                         char *why, size_t why_len)
{
    Elf64_Ehdr eh;
    if (len < sizeof(eh))
        return WHY("file is too small to be an ELF executable (%zu bytes)", len);
    memcpy(&eh, buf, sizeof(eh));
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return WHY("not an ELF file (bad magic)");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
        return WHY("not an x86-64 little-endian ELF64 file");
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return WHY("ELF type %u is not an executable", eh.e_type);
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_shentsize != sizeof(Elf64_Shdr))
        return WHY("unexpected ELF header entry sizes");
    if (!in_bounds(len, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
        return WHY("program headers lie outside the file");
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, buf + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
            return WHY("enclave ELF is dynamically linked; enclaves must be static (build with cgear_add_enclave)");
        if (ph.p_type == PT_LOAD && !in_bounds(len, ph.p_offset, ph.p_filesz))
            return WHY("loadable segment %u lies outside the file", i);
    }
    if (eh.e_shnum == 0 || eh.e_shstrndx >= eh.e_shnum ||
        !in_bounds(len, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
        return WHY("section headers missing or outside the file");
    Elf64_Shdr strtab;
    memcpy(&strtab, buf + eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(strtab));
    if (!in_bounds(len, strtab.sh_offset, strtab.sh_size))
        return WHY("section name table outside the file");

    const char *want = CG_MANIFEST_SECTION;
    size_t want_len = strlen(want) + 1;
    int found = 0;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, buf + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
        if (sh.sh_name >= strtab.sh_size || strtab.sh_size - sh.sh_name < want_len ||
            memcmp(buf + strtab.sh_offset + sh.sh_name, want, want_len) != 0)
            continue;
        if (found++)
            return WHY("more than one %s section", want);
        if (sh.sh_type != SHT_PROGBITS || sh.sh_size != sizeof(*m) || !in_bounds(len, sh.sh_offset, sh.sh_size))
            return WHY("%s section has the wrong size or type (built with another cgear version?)", want);
        memcpy(m, buf + sh.sh_offset, sizeof(*m));
        *offset = sh.sh_offset;
    }
    if (!found)
        return WHY("no %s section: not built with cgear_add_enclave()", want);
    if (m->magic != CG_MANIFEST_MAGIC)
        return WHY("manifest has a bad magic number");
    if (m->version != CG_MANIFEST_VERSION)
        return WHY("manifest version %u is not supported (this cgear reads version %u)", m->version,
                   CG_MANIFEST_VERSION);
    if (m->threads == 0 || m->threads > CG_MANIFEST_MAX_THREADS)
        return WHY("manifest asks for %u threads; allowed 1..%u", m->threads, CG_MANIFEST_MAX_THREADS);
    if (m->stack_size < 16384 || m->stack_size > ((uint64_t)1 << 30))
        return WHY("manifest stack size %llu is outside 16 KiB..1 GiB", (unsigned long long)m->stack_size);
    if (m->heap_size < ((uint64_t)1 << 20) || m->heap_size > ((uint64_t)1 << 40))
        return WHY("manifest heap size %llu is outside 1 MiB..1 TiB", (unsigned long long)m->heap_size);
    if (memchr(m->name, '\0', sizeof(m->name)) == NULL)
        return WHY("manifest name is not NUL-terminated");
    return CC_SUCCESS;
}
