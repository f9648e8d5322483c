/*
 * test_elf.c - unit tests of cg_elf_read_manifest() (src/host/elf.c).
 *
 * Usage: unit_elf FIXTURE_WITH_MANIFEST FIXTURE_WITHOUT_MANIFEST
 *
 * The fixtures are real static musl executables built by CMake
 * (host/elf_fixture.c). Every input is placed so that it ends exactly at a
 * PROT_NONE guard page: a read past the end of the buffer faults, even when
 * the buffer is a prefix of a larger file.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgear_manifest.h"
#include "elf_manifest.h"

static const char *g_fixture;
static const char *g_nomanifest;

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* A region that ends at a PROT_NONE page. */
struct guarded {
    uint8_t *map;
    size_t map_len; /* including the guard */
    uint8_t *end;   /* first byte of the guard */
};

static void guarded_init(struct guarded *g, size_t cap)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (cap + pg - 1) / pg * pg;
    if (body == 0)
        body = pg;
    g->map_len = body + pg;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->map != MAP_FAILED);
    g->end = g->map + body;
    assert_int_equal(mprotect(g->end, pg, PROT_NONE), 0);
}

static void guarded_free(struct guarded *g)
{
    munmap(g->map, g->map_len);
}

/* Copy @len bytes of @src so that they end at the guard. */
static uint8_t *guarded_place(struct guarded *g, const uint8_t *src, size_t len)
{
    uint8_t *p = g->end - len;
    assert_true(p >= g->map);
    memcpy(p, src, len);
    return p;
}

static cc_enclave_result_t parse(const uint8_t *buf, size_t len, struct cg_manifest *m, char *why, size_t why_len)
{
    memset(m, 0x5c, sizeof(*m));
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    return cg_elf_read_manifest(buf, len, m, why, why_len);
}

/* On success the manifest must be one the host can trust. */
static void check_sane(const struct cg_manifest *m)
{
    assert_int_equal(m->magic, CG_MANIFEST_MAGIC);
    assert_int_equal(m->version, CG_MANIFEST_VERSION);
    assert_in_range(m->threads, 1, CG_MANIFEST_MAX_THREADS);
    assert_in_range(m->stack_size, 16384, (uint64_t)1 << 30);
    assert_in_range(m->heap_size, (uint64_t)1 << 20, (uint64_t)1 << 40);
    assert_non_null(memchr(m->name, '\0', sizeof(m->name)));
}

/* Parse @len bytes (placed before a guard page) and expect rejection; the
 * reason must mention @needle when given. */
static void expect_invalid_at(struct guarded *g, const uint8_t *src, size_t len, const char *needle, const char *what)
{
    const uint8_t *p = guarded_place(g, src, len);
    struct cg_manifest m;
    char why[256];
    cc_enclave_result_t rc = parse(p, len, &m, why, sizeof(why));
    if (rc != CC_ERROR_INVALID_ENCLAVE)
        fail_msg("%s: rc %#x, want CC_ERROR_INVALID_ENCLAVE", what, (unsigned)rc);
    if (why[0] == '\0')
        fail_msg("%s: no reason given", what);
    if (needle != NULL && strstr(why, needle) == NULL)
        fail_msg("%s: reason \"%s\" does not mention \"%s\"", what, why, needle);
}

static void expect_valid_at(struct guarded *g, const uint8_t *src, size_t len, struct cg_manifest *m, const char *what)
{
    const uint8_t *p = guarded_place(g, src, len);
    char why[256];
    cc_enclave_result_t rc = parse(p, len, m, why, sizeof(why));
    if (rc != CC_SUCCESS)
        fail_msg("%s: rejected (%#x): %s", what, (unsigned)rc, why);
    check_sane(m);
}

/* The fixture and what we know of its layout (parsed here independently). */
struct fixture {
    uint8_t *buf;
    size_t len;
    Elf64_Ehdr eh;
    size_t man_off;   /* file offset of the manifest */
    unsigned man_sec; /* its section index */
    struct guarded g;
};

static struct fixture fx;

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    fx.buf = read_file(g_fixture, &fx.len);
    assert_true(fx.len > sizeof(Elf64_Ehdr));
    memcpy(&fx.eh, fx.buf, sizeof(fx.eh));
    assert_int_equal(fx.eh.e_shentsize, sizeof(Elf64_Shdr));
    assert_true(fx.eh.e_shoff + (uint64_t)fx.eh.e_shnum * sizeof(Elf64_Shdr) <= fx.len);

    /* find the manifest by its magic: exactly one occurrence */
    const uint8_t magic[4] = {0x43, 0x47, 0x4d, 0x46}; /* 0x464d4743 little-endian */
    size_t hits = 0;
    for (size_t i = 0; i + sizeof(struct cg_manifest) <= fx.len; i++)
        if (memcmp(fx.buf + i, magic, 4) == 0) {
            fx.man_off = i;
            hits++;
        }
    assert_int_equal(hits, 1);

    /* ... and the section that holds it */
    int found = 0;
    for (unsigned i = 0; i < fx.eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, fx.buf + fx.eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
        if (sh.sh_offset == fx.man_off && sh.sh_size == sizeof(struct cg_manifest)) {
            fx.man_sec = i;
            found++;
        }
    }
    assert_int_equal(found, 1);
    guarded_init(&fx.g, fx.len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    guarded_free(&fx.g);
    free(fx.buf);
    return 0;
}

static uint8_t *copy_fixture(void)
{
    uint8_t *c = malloc(fx.len);
    assert_non_null(c);
    memcpy(c, fx.buf, fx.len);
    return c;
}

static size_t shdr_off(unsigned i)
{
    return (size_t)fx.eh.e_shoff + (size_t)i * sizeof(Elf64_Shdr);
}

/* ------------------------------------------------------------------------ */
/* the valid file                                                           */

static void test_valid(void **state)
{
    (void)state;
    struct cg_manifest m;
    expect_valid_at(&fx.g, fx.buf, fx.len, &m, "fixture");
    assert_int_equal(m.threads, 2);
    assert_int_equal(m.heap_size, 1048576ull * 64);
    assert_int_equal(m.stack_size, 262144ull);
    assert_int_equal(m.flags, 0);
    assert_string_equal(m.name, "t");

    /* no room for a reason is fine */
    const uint8_t *p = guarded_place(&fx.g, fx.buf, fx.len);
    assert_int_equal(cg_elf_read_manifest(p, fx.len, &m, NULL, 0), CC_SUCCESS);
    /* a tiny reason buffer is truncated, not overrun */
    char tiny[4] = {'x', 'x', 'x', 'x'};
    assert_int_equal(cg_elf_read_manifest(p, 10, &m, tiny, 3), CC_ERROR_INVALID_ENCLAVE);
    assert_int_equal(tiny[2], '\0');
    assert_int_equal(tiny[3], 'x');
    assert_int_equal(cg_elf_read_manifest(p, 10, &m, NULL, 0), CC_ERROR_INVALID_ENCLAVE);
}

/* ------------------------------------------------------------------------ */
/* truncation                                                               */

static void test_truncated(void **state)
{
    (void)state;
    const size_t named[] = {0, 1, 10, 63, 64, fx.len / 2, fx.len - 1};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "truncated to %zu bytes", named[i]);
        expect_invalid_at(&fx.g, fx.buf, named[i], NULL, what);
    }
    /* Every prefix: the section headers are the last thing in the file, so
     * every proper prefix must be refused (and none may read past its end). */
    int shdrs_last = fx.eh.e_shoff + (uint64_t)fx.eh.e_shnum * sizeof(Elf64_Shdr) == fx.len;
    for (size_t l = 0; l < fx.len; l++) {
        const uint8_t *p = guarded_place(&fx.g, fx.buf, l);
        struct cg_manifest m;
        char why[256];
        cc_enclave_result_t rc = parse(p, l, &m, why, sizeof(why));
        if (rc == CC_SUCCESS) {
            if (shdrs_last)
                fail_msg("prefix of %zu bytes accepted", l);
            check_sane(&m);
        } else {
            assert_int_equal(rc, CC_ERROR_INVALID_ENCLAVE);
            assert_true(why[0] != '\0');
        }
    }
    /* A file of the right length with trailing garbage is still fine. */
    uint8_t *c = malloc(fx.len + 100);
    assert_non_null(c);
    memcpy(c, fx.buf, fx.len);
    memset(c + fx.len, 0xee, 100);
    struct cg_manifest m;
    expect_valid_at(&fx.g, c, fx.len + 100, &m, "trailing bytes");
    free(c);
}

/* ------------------------------------------------------------------------ */
/* header fields                                                            */

#define PATCH(c, off, type, val)                                                                              \
    do {                                                                                                      \
        type v_ = (type)(val);                                                                                \
        memcpy((c) + (off), &v_, sizeof(v_));                                                                 \
    } while (0)

static void test_bad_headers(void **state)
{
    (void)state;
    const size_t n = fx.len;
    uint8_t *c = copy_fixture();
    const Elf64_Ehdr *e = &fx.eh;
#define RESTORE() memcpy(c, fx.buf, n)
#define EXPECT(needle, what)                                                                                  \
    do {                                                                                                      \
        expect_invalid_at(&fx.g, c, n, needle, what);                                                         \
        RESTORE();                                                                                            \
    } while (0)

    c[0] = 0;
    EXPECT("magic", "bad ELF magic (byte 0)");
    c[3] = 'G';
    EXPECT("magic", "bad ELF magic (byte 3)");
    c[EI_CLASS] = ELFCLASS32;
    EXPECT("ELF64", "32-bit class");
    c[EI_CLASS] = ELFCLASSNONE;
    EXPECT("ELF64", "no class");
    c[EI_DATA] = ELFDATA2MSB;
    EXPECT("little-endian", "big-endian");
    PATCH(c, offsetof(Elf64_Ehdr, e_machine), uint16_t, EM_AARCH64);
    EXPECT("x86-64", "aarch64");
    PATCH(c, offsetof(Elf64_Ehdr, e_machine), uint16_t, EM_386);
    EXPECT("x86-64", "i386");
    PATCH(c, offsetof(Elf64_Ehdr, e_type), uint16_t, ET_REL);
    EXPECT("not an executable", "relocatable object");
    PATCH(c, offsetof(Elf64_Ehdr, e_type), uint16_t, ET_CORE);
    EXPECT("not an executable", "core file");
    PATCH(c, offsetof(Elf64_Ehdr, e_phentsize), uint16_t, 32);
    EXPECT("entry sizes", "phentsize");
    PATCH(c, offsetof(Elf64_Ehdr, e_shentsize), uint16_t, 40);
    EXPECT("entry sizes", "shentsize");

    /* program headers outside the file */
    PATCH(c, offsetof(Elf64_Ehdr, e_phoff), uint64_t, n);
    EXPECT("program headers", "phoff = file length");
    PATCH(c, offsetof(Elf64_Ehdr, e_phoff), uint64_t, n - 1);
    EXPECT("program headers", "phoff = file length - 1");
    PATCH(c, offsetof(Elf64_Ehdr, e_phoff), uint64_t, UINT64_MAX);
    EXPECT("program headers", "phoff = UINT64_MAX");
    PATCH(c, offsetof(Elf64_Ehdr, e_phoff), uint64_t, UINT64_MAX - 55);
    EXPECT("program headers", "phoff wraps");
    PATCH(c, offsetof(Elf64_Ehdr, e_phnum), uint16_t, 0xffff);
    EXPECT("program headers", "phnum = 0xffff");

    /* a loadable segment outside the file */
    for (unsigned i = 0; i < e->e_phnum; i++) {
        Elf64_Phdr ph;
        size_t po = (size_t)e->e_phoff + i * sizeof(ph);
        memcpy(&ph, fx.buf + po, sizeof(ph));
        if (ph.p_type != PT_LOAD)
            continue;
        PATCH(c, po + offsetof(Elf64_Phdr, p_offset), uint64_t, n + 1);
        EXPECT("segment", "PT_LOAD offset past the end");
        PATCH(c, po + offsetof(Elf64_Phdr, p_filesz), uint64_t, n - ph.p_offset + 1);
        EXPECT("segment", "PT_LOAD size past the end");
        PATCH(c, po + offsetof(Elf64_Phdr, p_filesz), uint64_t, UINT64_MAX);
        EXPECT("segment", "PT_LOAD size UINT64_MAX");
        PATCH(c, po + offsetof(Elf64_Phdr, p_type), uint32_t, PT_INTERP);
        EXPECT("dynamically linked", "PT_INTERP");
        PATCH(c, po + offsetof(Elf64_Phdr, p_type), uint32_t, PT_DYNAMIC);
        EXPECT("dynamically linked", "PT_DYNAMIC");
    }

    /* section headers outside the file */
    PATCH(c, offsetof(Elf64_Ehdr, e_shoff), uint64_t, n);
    EXPECT("section headers", "shoff = file length");
    PATCH(c, offsetof(Elf64_Ehdr, e_shoff), uint64_t, e->e_shoff + 1);
    EXPECT("section headers", "shoff one byte late");
    PATCH(c, offsetof(Elf64_Ehdr, e_shoff), uint64_t, UINT64_MAX);
    EXPECT("section headers", "shoff = UINT64_MAX");
    PATCH(c, offsetof(Elf64_Ehdr, e_shoff), uint64_t, UINT64_MAX - 63);
    EXPECT("section headers", "shoff wraps");
    PATCH(c, offsetof(Elf64_Ehdr, e_shnum), uint16_t, e->e_shnum + 1);
    EXPECT("section headers", "shnum one too many");
    PATCH(c, offsetof(Elf64_Ehdr, e_shnum), uint16_t, 0xffff);
    EXPECT("section headers", "shnum = 0xffff");
    PATCH(c, offsetof(Elf64_Ehdr, e_shnum), uint16_t, 0);
    EXPECT("section headers", "shnum = 0");

    /* section name table index out of range */
    PATCH(c, offsetof(Elf64_Ehdr, e_shstrndx), uint16_t, e->e_shnum);
    EXPECT("section headers", "shstrndx = shnum");
    PATCH(c, offsetof(Elf64_Ehdr, e_shstrndx), uint16_t, SHN_XINDEX);
    EXPECT("section headers", "shstrndx = SHN_XINDEX");
    PATCH(c, offsetof(Elf64_Ehdr, e_shstrndx), uint16_t, 0xfffe);
    EXPECT("section headers", "shstrndx = 0xfffe");

    /* section name table outside the file */
    size_t so = shdr_off(e->e_shstrndx);
    PATCH(c, so + offsetof(Elf64_Shdr, sh_offset), uint64_t, n + 1);
    EXPECT("name table", "shstrtab offset past the end");
    PATCH(c, so + offsetof(Elf64_Shdr, sh_offset), uint64_t, UINT64_MAX);
    EXPECT("name table", "shstrtab offset UINT64_MAX");
    PATCH(c, so + offsetof(Elf64_Shdr, sh_size), uint64_t, n);
    EXPECT("name table", "shstrtab too long");
    PATCH(c, so + offsetof(Elf64_Shdr, sh_size), uint64_t, UINT64_MAX);
    EXPECT("name table", "shstrtab size UINT64_MAX");
    /* an empty name table: no section has a name, so no manifest */
    PATCH(c, so + offsetof(Elf64_Shdr, sh_size), uint64_t, 0);
    EXPECT("no .cgear_manifest", "empty shstrtab");

    /* the manifest section itself */
    size_t mo = shdr_off(fx.man_sec);
    Elf64_Shdr msh;
    memcpy(&msh, fx.buf + mo, sizeof(msh));
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_size), uint64_t, sizeof(struct cg_manifest) - 1);
    EXPECT("wrong size", "manifest section too small");
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_size), uint64_t, sizeof(struct cg_manifest) + 8);
    EXPECT("wrong size", "manifest section too large");
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_type), uint32_t, SHT_NOBITS);
    EXPECT("wrong size", "manifest section NOBITS");
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_offset), uint64_t, n - sizeof(struct cg_manifest) + 1);
    EXPECT("wrong size", "manifest section past the end");
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_offset), uint64_t, UINT64_MAX - 10);
    EXPECT("wrong size", "manifest section offset wraps");
    /* its name outside the name table, or one byte short */
    Elf64_Shdr ssh;
    memcpy(&ssh, fx.buf + so, sizeof(ssh));
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_name), uint32_t, ssh.sh_size);
    EXPECT("no .cgear_manifest", "manifest name index = table size");
    PATCH(c, mo + offsetof(Elf64_Shdr, sh_name), uint32_t, UINT32_MAX);
    EXPECT("no .cgear_manifest", "manifest name index UINT32_MAX");
    PATCH(c, so + offsetof(Elf64_Shdr, sh_size), uint64_t, msh.sh_name + strlen(CG_MANIFEST_SECTION));
    EXPECT(NULL, "name table ends inside the manifest's name");
    /* two sections called .cgear_manifest */
    unsigned other = fx.man_sec == 1 ? 2 : 1;
    memcpy(c + shdr_off(other), &msh, sizeof(msh));
    EXPECT("more than one", "duplicate manifest section");
    /* ... also when the first of them is malformed */
    PATCH(c, shdr_off(other) + offsetof(Elf64_Shdr, sh_name), uint32_t, msh.sh_name);
    EXPECT(NULL, "second section named .cgear_manifest");
    free(c);
#undef EXPECT
#undef RESTORE
}

static void test_dynamic_executable(void **state)
{
    (void)state;
    const char *paths[] = {"/bin/true", "/usr/bin/true", "/bin/sh"};
    int tested = 0;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (access(paths[i], R_OK) != 0)
            continue;
        size_t n;
        uint8_t *b = read_file(paths[i], &n);
        struct guarded g;
        guarded_init(&g, n);
        expect_invalid_at(&g, b, n, "dynamically linked", paths[i]);
        guarded_free(&g);
        free(b);
        tested++;
    }
    if (tested == 0)
        skip();
}

static void test_no_manifest_section(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = read_file(g_nomanifest, &n);
    struct guarded g;
    guarded_init(&g, n);
    expect_invalid_at(&g, b, n, "no .cgear_manifest section", "static ELF without a manifest");
    guarded_free(&g);
    free(b);
}

static void test_not_elf_at_all(void **state)
{
    (void)state;
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    expect_invalid_at(&fx.g, junk, sizeof(junk), "magic", "junk");
    /* a shell script */
    const char *sh = "#!/bin/sh\necho hello\n";
    expect_invalid_at(&fx.g, (const uint8_t *)sh, strlen(sh), NULL, "script");
    /* an ELF header alone, every table empty */
    uint8_t hdr[sizeof(Elf64_Ehdr)];
    memcpy(hdr, fx.buf, sizeof(hdr));
    PATCH(hdr, offsetof(Elf64_Ehdr, e_phnum), uint16_t, 0);
    PATCH(hdr, offsetof(Elf64_Ehdr, e_shnum), uint16_t, 0);
    PATCH(hdr, offsetof(Elf64_Ehdr, e_shstrndx), uint16_t, 0);
    expect_invalid_at(&fx.g, hdr, sizeof(hdr), "section headers", "bare ELF header");
}

/* ------------------------------------------------------------------------ */
/* manifest contents                                                        */

static void manifest_case(void (*mutate)(struct cg_manifest *), int valid, const char *needle, const char *what)
{
    uint8_t *c = copy_fixture();
    struct cg_manifest m;
    memcpy(&m, c + fx.man_off, sizeof(m));
    mutate(&m);
    memcpy(c + fx.man_off, &m, sizeof(m));
    if (valid) {
        struct cg_manifest out;
        expect_valid_at(&fx.g, c, fx.len, &out, what);
        assert_memory_equal(&out, &m, sizeof(m));
    } else {
        expect_invalid_at(&fx.g, c, fx.len, needle, what);
    }
    free(c);
}

#define MUT(name, body)                                                                                       \
    static void name(struct cg_manifest *m)                                                                  \
    {                                                                                                         \
        body;                                                                                                 \
    }
MUT(threads0, m->threads = 0)
MUT(threads1, m->threads = 1)
MUT(threads64, m->threads = 64)
MUT(threads65, m->threads = 65)
MUT(threads_max, m->threads = UINT32_MAX)
MUT(heap_small, m->heap_size = (1u << 20) - 1)
MUT(heap_min, m->heap_size = 1u << 20)
MUT(heap_zero, m->heap_size = 0)
MUT(heap_max, m->heap_size = (uint64_t)1 << 40)
MUT(heap_big, m->heap_size = ((uint64_t)1 << 40) + 1)
MUT(stack_small, m->stack_size = 16383)
MUT(stack_min, m->stack_size = 16384)
MUT(stack_zero, m->stack_size = 0)
MUT(stack_max, m->stack_size = (uint64_t)1 << 30)
MUT(stack_big, m->stack_size = ((uint64_t)1 << 30) + 1)
MUT(bad_magic, m->magic ^= 1)
MUT(bad_version0, m->version = 0)
MUT(bad_version2, m->version = 2)
MUT(name_unterminated, memset(m->name, 'A', sizeof(m->name)))
MUT(name_longest, {
    memset(m->name, 'A', sizeof(m->name));
    m->name[sizeof(m->name) - 1] = '\0';
})
MUT(name_empty, memset(m->name, 0, sizeof(m->name)))
MUT(debug_only, m->flags = CG_MANIFEST_F_DEBUG_ONLY)

static void test_manifest_fields(void **state)
{
    (void)state;
    manifest_case(threads0, 0, "threads", "threads 0");
    manifest_case(threads65, 0, "threads", "threads 65");
    manifest_case(threads_max, 0, "threads", "threads UINT32_MAX");
    manifest_case(threads1, 1, NULL, "threads 1");
    manifest_case(threads64, 1, NULL, "threads 64");
    manifest_case(heap_small, 0, "heap", "heap 1 MiB - 1");
    manifest_case(heap_zero, 0, "heap", "heap 0");
    manifest_case(heap_big, 0, "heap", "heap 1 TiB + 1");
    manifest_case(heap_min, 1, NULL, "heap 1 MiB");
    manifest_case(heap_max, 1, NULL, "heap 1 TiB");
    manifest_case(stack_small, 0, "stack", "stack 16 KiB - 1");
    manifest_case(stack_zero, 0, "stack", "stack 0");
    manifest_case(stack_big, 0, "stack", "stack 1 GiB + 1");
    manifest_case(stack_min, 1, NULL, "stack 16 KiB");
    manifest_case(stack_max, 1, NULL, "stack 1 GiB");
    manifest_case(bad_magic, 0, "magic", "manifest magic");
    manifest_case(bad_version0, 0, "version", "manifest version 0");
    manifest_case(bad_version2, 0, "version", "manifest version 2");
    manifest_case(name_unterminated, 0, "NUL", "unterminated name");
    manifest_case(name_longest, 1, NULL, "63-character name");
    manifest_case(name_empty, 1, NULL, "empty name");
    manifest_case(debug_only, 1, NULL, "debug-only flag");
}

/* ------------------------------------------------------------------------ */
/* corruption of every header byte                                          */

/* The byte ranges that drive the parser: ELF header, program headers,
 * section headers, the section name table and the manifest. */
struct range {
    size_t off, len;
};

static size_t header_ranges(struct range *r)
{
    size_t n = 0;
    r[n++] = (struct range){0, sizeof(Elf64_Ehdr)};
    r[n++] = (struct range){(size_t)fx.eh.e_phoff, (size_t)fx.eh.e_phnum * sizeof(Elf64_Phdr)};
    r[n++] = (struct range){(size_t)fx.eh.e_shoff, (size_t)fx.eh.e_shnum * sizeof(Elf64_Shdr)};
    Elf64_Shdr s;
    memcpy(&s, fx.buf + shdr_off(fx.eh.e_shstrndx), sizeof(s));
    r[n++] = (struct range){(size_t)s.sh_offset, (size_t)s.sh_size};
    r[n++] = (struct range){fx.man_off, sizeof(struct cg_manifest)};
    return n;
}

static unsigned g_accepted, g_refused;

static void parse_any(const uint8_t *p, size_t len)
{
    struct cg_manifest m;
    char why[256];
    cc_enclave_result_t rc = parse(p, len, &m, why, sizeof(why));
    if (rc == CC_SUCCESS) {
        check_sane(&m);
        g_accepted++;
    } else {
        assert_int_equal(rc, CC_ERROR_INVALID_ENCLAVE);
        assert_true(why[0] != '\0');
        g_refused++;
    }
}

static void test_flip_every_header_byte(void **state)
{
    (void)state;
    struct range r[5];
    size_t nr = header_ranges(r);
    uint8_t *p = guarded_place(&fx.g, fx.buf, fx.len);
    const uint8_t masks[] = {0xff, 0x01, 0x80, 0x10};
    g_accepted = g_refused = 0;
    for (size_t k = 0; k < nr; k++)
        for (size_t i = r[k].off; i < r[k].off + r[k].len; i++)
            for (size_t j = 0; j < sizeof(masks); j++) {
                p[i] ^= masks[j];
                parse_any(p, fx.len);
                p[i] ^= masks[j];
            }
    /* sanity: the original is still accepted, and both outcomes occurred */
    parse_any(p, fx.len);
    assert_true(g_accepted > 0);
    assert_true(g_refused > 0);
}

/* Write "interesting" 2-, 4- and 8-byte values at every offset of the
 * header tables (offsets, sizes and counts near the file's limits). */
static void test_interesting_values(void **state)
{
    (void)state;
    struct range r[5];
    size_t nr = header_ranges(r);
    nr = 3; /* ELF header, program headers, section headers */
    uint8_t *p = guarded_place(&fx.g, fx.buf, fx.len);
    const uint64_t n = fx.len;
    const uint64_t vals[] = {0, 1, 63, 64, n - 96, n - 64, n - 1, n, n + 1, 0x7fffffff, 0xffffffff,
                             0x8000000000000000ull, UINT64_MAX - 63, UINT64_MAX};
    const size_t widths[] = {2, 4, 8};
    uint8_t save[8];
    g_accepted = g_refused = 0;
    for (size_t k = 0; k < nr; k++)
        for (size_t i = r[k].off; i < r[k].off + r[k].len; i += 2)
            for (size_t w = 0; w < 3; w++) {
                size_t wd = widths[w];
                if (i + wd > r[k].off + r[k].len || i % wd != 0)
                    continue;
                memcpy(save, p + i, wd);
                for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
                    memcpy(p + i, &vals[v], wd); /* little-endian: the low bytes */
                    parse_any(p, fx.len);
                }
                memcpy(p + i, save, wd);
            }
    parse_any(p, fx.len);
    assert_true(g_refused > 0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FIXTURE_WITH_MANIFEST FIXTURE_WITHOUT_MANIFEST\n", argv[0]);
        return 2;
    }
    g_fixture = argv[1];
    g_nomanifest = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_dynamic_executable),
        cmocka_unit_test(test_no_manifest_section),
        cmocka_unit_test(test_not_elf_at_all),
        cmocka_unit_test(test_manifest_fields),
        cmocka_unit_test(test_flip_every_header_byte),
        cmocka_unit_test(test_interesting_values),
    };
    return cmocka_run_group_tests_name("elf", tests, setup, teardown);
}
