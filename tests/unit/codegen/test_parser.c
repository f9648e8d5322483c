/*
 * EDL front end: lexer, parser, import merging and semantic checks, all run
 * on in-memory files (no filesystem), plus a crash hunt over truncated and
 * mutated inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ast.h"
#include "diag.h"
#include "parser.h"
#include "sema.h"

/* ---- an in-memory file system for imports ---- */

typedef struct memfile {
    const char *name;
    const char *text;
} memfile_t;

static const memfile_t *g_files;
static size_t g_nfiles;

static const char *skip_dot(const char *p)
{
    while (strncmp(p, "./", 2) == 0)
        p += 2;
    return p;
}

static int mem_read(void *ctx, const char *path, char **buf, size_t *len, char **canon)
{
    size_t i;
    (void)ctx;
    path = skip_dot(path);
    for (i = 0; i < g_nfiles; i++) {
        if (strcmp(path, g_files[i].name) == 0) {
            *len = strlen(g_files[i].text);
            *buf = malloc(*len + 1);
            memcpy(*buf, g_files[i].text, *len + 1);
            *canon = strdup(g_files[i].name);
            return 0;
        }
    }
    return -1;
}

/* Load "t.edl" = @text, with @files available for imports. */
static cg_program_t *load(const char *text, const memfile_t *files, size_t nfiles, cg_diag_t *d)
{
    memfile_t all[16];
    cg_load_opts_t o;
    size_t i;
    assert_true(nfiles < 15);
    all[0].name = "t.edl";
    all[0].text = text;
    for (i = 0; i < nfiles; i++)
        all[i + 1] = files[i];
    g_files = all;
    g_nfiles = nfiles + 1;
    memset(&o, 0, sizeof o);
    o.read = mem_read;
    cg_diag_init(d, false);
    return cg_load_program("t.edl", &o, d);
}

static cg_program_t *load_ok(const char *text, const memfile_t *files, size_t nfiles)
{
    cg_diag_t d;
    cg_program_t *p = load(text, files, nfiles, &d);
    if (!p)
        fprintf(stderr, "unexpected errors:\n%s", cg_diag_text(&d));
    assert_non_null(p);
    assert_int_equal(d.errors, 0);
    cg_diag_free(&d);
    return p;
}

static char *decl(const cg_param_t *p)
{
    return cg_type_decl(&p->type, p->name, false);
}

static void assert_decl(const cg_param_t *p, const char *want)
{
    char *got = decl(p);
    assert_string_equal(got, want);
    free(got);
}

/* ---- constructs ---- */

static void test_minimal(void **state)
{
    cg_program_t *p;
    (void)state;
    p = load_ok("enclave { };", NULL, 0);
    assert_int_equal(p->ntrusted, 0);
    assert_int_equal(p->nuntrusted, 0);
    assert_string_equal(p->base, "t");
    cg_program_free(p);
    p = load_ok("// comment\n/* block\n comment */ enclave {}", NULL, 0);
    cg_program_free(p);
}

static void test_blocks_and_order(void **state)
{
    cg_program_t *p;
    (void)state;
    p = load_ok("enclave {\n"
                "  include \"a.h\"\n"
                "  trusted { public int f1(void); void f2(); };\n"
                "  untrusted { void g1(int x); };\n"
                "  include \"b.h\"\n"
                "  include \"a.h\"\n"
                "  trusted { include \"c.h\" public int f3(int a) transition_using_threads; };\n"
                "  untrusted { [cdecl, dllimport] long g2(void) allow(f1, f3) propagate_errno; };\n"
                "};",
                NULL, 0);
    assert_int_equal(p->ntrusted, 3);
    assert_string_equal(p->trusted[0]->name, "f1");
    assert_string_equal(p->trusted[1]->name, "f2");
    assert_string_equal(p->trusted[2]->name, "f3");
    assert_true(p->trusted[0]->is_public);
    assert_false(p->trusted[1]->is_public);
    assert_true(p->trusted[2]->switchless);
    assert_int_equal(p->nuntrusted, 2);
    assert_string_equal(p->untrusted[0]->name, "g1");
    assert_string_equal(p->untrusted[1]->name, "g2");
    assert_true(p->untrusted[1]->propagate_errno);
    assert_int_equal(p->untrusted[1]->nallow, 2);
    assert_string_equal(p->untrusted[1]->allow[1], "f3");
    assert_int_equal(p->nincludes, 3); /* a.h once */
    assert_string_equal(p->includes[0]->path, "a.h");
    assert_string_equal(p->includes[1]->path, "b.h");
    assert_string_equal(p->includes[2]->path, "c.h");
    cg_program_free(p);
}

static void test_types(void **state)
{
    cg_program_t *p;
    const cg_func_t *f;
    (void)state;
    p = load_ok("enclave { trusted { public void f(char a, signed char b, unsigned char c, short d,\n"
                "  unsigned short int e, int g, unsigned h, signed i, long j, unsigned long k, long long l,\n"
                "  unsigned long long int m, int8_t n, uint64_t o, size_t q, float r, double s, bool t,\n"
                "  _Bool u, my_type_t v, struct st w, union un x, enum en y, long double z,\n"
                "  const int ci, [in] const char *pc, [user_check] char * const cp, [in] int **pp,\n"
                "  wchar_t wc, long int li, short int si);\n"
                "  public const char *ret_ptr(void); }; };",
                NULL, 0);
    f = p->trusted[0];
    assert_int_equal(f->nparams, 31);
    assert_decl(&f->params[0], "char a");
    assert_int_equal(f->params[0].type.kind, CG_BASE_CHAR);
    assert_decl(&f->params[1], "signed char b");
    assert_decl(&f->params[2], "unsigned char c");
    assert_decl(&f->params[3], "short d");
    assert_decl(&f->params[4], "unsigned short e");
    assert_decl(&f->params[5], "int g");
    assert_decl(&f->params[6], "unsigned int h");
    assert_decl(&f->params[7], "int i");
    assert_decl(&f->params[8], "long j");
    assert_decl(&f->params[9], "unsigned long k");
    assert_decl(&f->params[10], "long long l");
    assert_decl(&f->params[11], "unsigned long long m");
    assert_decl(&f->params[12], "int8_t n");
    assert_decl(&f->params[13], "uint64_t o");
    assert_decl(&f->params[14], "size_t q");
    assert_decl(&f->params[15], "float r");
    assert_int_equal(f->params[15].type.kind, CG_BASE_FLOAT);
    assert_decl(&f->params[16], "double s");
    assert_decl(&f->params[17], "bool t");
    assert_int_equal(f->params[17].type.kind, CG_BASE_BOOL);
    assert_decl(&f->params[18], "bool u");
    assert_decl(&f->params[19], "my_type_t v");
    assert_int_equal(f->params[19].type.kind, CG_BASE_NAMED);
    assert_decl(&f->params[20], "struct st w");
    assert_int_equal(f->params[20].type.kind, CG_BASE_STRUCT);
    assert_decl(&f->params[21], "union un x");
    assert_decl(&f->params[22], "enum en y");
    assert_decl(&f->params[23], "long double z");
    assert_decl(&f->params[24], "const int ci");
    assert_decl(&f->params[25], "const char *pc");
    assert_decl(&f->params[26], "char *const cp");
    assert_decl(&f->params[27], "int **pp");
    assert_decl(&f->params[28], "wchar_t wc");
    assert_int_equal(f->params[28].type.kind, CG_BASE_WCHAR);
    assert_decl(&f->params[29], "long li");
    assert_decl(&f->params[30], "short si");
    {
        char *r = cg_type_decl(&p->trusted[1]->ret, NULL, false);
        assert_string_equal(r, "const char *");
        free(r);
    }
    cg_program_free(p);
}

static void test_attributes(void **state)
{
    cg_program_t *p;
    const cg_func_t *f;
    (void)state;
    p = load_ok("enclave { trusted { public void f([in] int *a, [out] int *b, [in, out] int *c,\n"
                "  [user_check] void *d, [in, string] const char *e, [in, out, string] char *g,\n"
                "  [in, size=n] void *h, [out, count=n] int *i, [in, size=4, count=n] char *j,\n"
                "  [in, count=0x10] char *k, [in, wstring] const wchar_t *l, size_t n); }; };",
                NULL, 0);
    f = p->trusted[0];
    assert_int_equal(f->params[0].attrs, CG_ATTR_IN);
    assert_int_equal(f->params[1].attrs, CG_ATTR_OUT);
    assert_int_equal(f->params[2].attrs, CG_ATTR_IN | CG_ATTR_OUT);
    assert_int_equal(f->params[3].attrs, CG_ATTR_USER_CHECK);
    assert_int_equal(f->params[4].attrs, CG_ATTR_IN | CG_ATTR_STRING);
    assert_int_equal(f->params[5].attrs, CG_ATTR_IN | CG_ATTR_OUT | CG_ATTR_STRING);
    assert_int_equal(f->params[6].attrs, CG_ATTR_IN | CG_ATTR_SIZE);
    assert_int_equal(f->params[6].size.kind, CG_EXPR_IDENT);
    assert_string_equal(f->params[6].size.ident, "n");
    assert_int_equal(f->params[6].size_param, 11);
    assert_int_equal(f->params[7].count_param, 11);
    assert_int_equal(f->params[8].size.kind, CG_EXPR_INT);
    assert_int_equal(f->params[8].size.num, 4);
    assert_int_equal(f->params[8].count_param, 11);
    assert_int_equal(f->params[9].count.num, 16);
    assert_int_equal(f->params[10].attrs, CG_ATTR_IN | CG_ATTR_WSTRING);
    cg_program_free(p);
}

/* size=/count= expressions keep C precedence and resolve every name;
 * arrays, [isptr] and [isary] travel as addresses. */
static void test_expressions_and_arrays(void **state)
{
    cg_program_t *p;
    const cg_func_t *f;
    char *t;
    (void)state;
    p = load_ok("enclave { trusted { public void f([in, size=a+b*2-(c-1)/3%4, count=(a)] uint8_t *p,\n"
                "  size_t a, int b, uint16_t c, [in, out] long m[2][3], [user_check] int u[4],\n"
                "  [in, isptr, readonly, size=a] cstr_t s, [out, isary] arr_t r, [isary] arr_t raw,\n"
                "  [isptr] blob_ptr bp); }; };",
                NULL, 0);
    f = p->trusted[0];
    t = cg_expr_text(&f->params[0].size);
    assert_string_equal(t, "((a + (b * 2)) - (((c - 1) / 3) % 4))");
    free(t);
    assert_int_equal(f->params[0].size.kind, CG_EXPR_BIN);
    assert_int_equal(f->params[0].size.lhs->lhs->param, 1);
    assert_int_equal(f->params[0].size.lhs->rhs->lhs->param, 2);
    assert_int_equal(f->params[0].size_param, -1); /* not a bare name */
    assert_int_equal(f->params[0].count_param, 1);
    assert_int_equal(f->params[4].ndims, 2);
    assert_int_equal(f->params[4].dims[0], 2);
    assert_int_equal(f->params[4].dims[1], 3);
    assert_true(cg_param_is_array(&f->params[4]) && !cg_param_is_raw(&f->params[4]));
    assert_true(cg_param_is_raw(&f->params[5]));
    assert_true(cg_param_is_indirect(&f->params[6]) && !cg_param_is_array(&f->params[6]));
    assert_true(cg_param_is_array(&f->params[7]) && !cg_param_is_raw(&f->params[7]));
    assert_true(cg_param_is_raw(&f->params[8]));
    assert_true(cg_param_is_raw(&f->params[9])); /* [isptr] without direction: user_check */
    assert_false(cg_param_is_indirect(&f->params[1]));
    cg_program_free(p);
}

/* Several trusted/untrusted blocks merge in source order; public, private
 * and allow() are kept for the policy table. */
static void test_policy_representation(void **state)
{
    cg_program_t *p;
    (void)state;
    p = load_ok("enclave { trusted { public void a(void); void b(void); };\n"
                "  untrusted { void x(void) allow(b, a); };\n"
                "  trusted { void c(void); };\n"
                "  untrusted { void y(void) allow(c) transition_using_threads propagate_errno; }; };",
                NULL, 0);
    assert_int_equal(p->ntrusted, 3);
    assert_int_equal(p->nuntrusted, 2);
    assert_string_equal(p->trusted[2]->name, "c");
    assert_true(p->trusted[0]->is_public);
    assert_false(p->trusted[1]->is_public || p->trusted[2]->is_public);
    assert_int_equal(p->untrusted[0]->nallow, 2);
    assert_string_equal(p->untrusted[0]->allow[0], "b");
    assert_true(p->untrusted[1]->switchless && p->untrusted[1]->propagate_errno);
    cg_program_free(p);
}

static void test_user_types(void **state)
{
    cg_program_t *p;
    (void)state;
    p = load_ok("enclave { struct s { int a; char b[4][2]; const char *raw; };\n"
                "  union u { int i; float f; };\n"
                "  enum e { A, B = 3, C = -1, D = A, };\n"
                "  enum { X };\n"
                "  trusted { public struct s f(struct s v, union u w, enum e x); }; };",
                NULL, 0);
    assert_int_equal(p->nutypes, 4);
    assert_int_equal(p->utypes[0]->kind, CG_UT_STRUCT);
    assert_int_equal(p->utypes[0]->nmembers, 3);
    assert_int_equal(p->utypes[0]->members[1].ndims, 2);
    assert_int_equal(p->utypes[2]->nenums, 4);
    assert_string_equal(p->utypes[2]->enums[2].value, "-1");
    assert_null(p->utypes[3]->name);
    cg_program_free(p);
}

static const memfile_t import_files[] = {
    {"common.edl", "enclave { include \"common.h\" trusted { public void c1(void); }; untrusted { void c2(void); }; };"},
    {"left.edl", "enclave { from \"common.edl\" import *; trusted { public void l1(void); }; };"},
    {"right.edl", "enclave { from \"common.edl\" import *; trusted { public void r1(void); }; };"},
    {"cyc_a.edl", "enclave { from \"cyc_b.edl\" import *; trusted { public void a1(void); }; };"},
    {"cyc_b.edl", "enclave { from \"cyc_a.edl\" import *; untrusted { void b1(void); }; };"},
    {"pick.edl", "enclave { trusted { public void p1(void); public void p2(void); public void p3(void); }; };"},
    {"dir/nested.edl", "enclave { from \"sibling.edl\" import *; };"},
    {"dir/sibling.edl", "enclave { untrusted { void sib(void); }; };"},
};

static void test_imports(void **state)
{
    cg_program_t *p;
    (void)state;
    p = load_ok("enclave {\n"
                "  trusted { public void first(void); };\n"
                "  from \"left.edl\" import *;\n"
                "  from \"right.edl\" import *;\n"
                "  from \"cyc_a.edl\" import *;\n"
                "  from \"pick.edl\" import p3, p1;\n"
                "  from \"dir/nested.edl\" import *;\n"
                "  from \"common.edl\" import *;\n"
                "  trusted { public void last(void); };\n"
                "};",
                import_files, sizeof import_files / sizeof import_files[0]);
    /* Source order, each function once, imports in place. */
    assert_int_equal(p->ntrusted, 8);
    assert_string_equal(p->trusted[0]->name, "first");
    assert_string_equal(p->trusted[1]->name, "c1");
    assert_string_equal(p->trusted[2]->name, "l1");
    assert_string_equal(p->trusted[3]->name, "r1");
    assert_string_equal(p->trusted[4]->name, "a1");
    assert_string_equal(p->trusted[5]->name, "p3");
    assert_string_equal(p->trusted[6]->name, "p1");
    assert_string_equal(p->trusted[7]->name, "last");
    assert_int_equal(p->nuntrusted, 3);
    assert_string_equal(p->untrusted[0]->name, "c2");
    assert_string_equal(p->untrusted[1]->name, "b1");
    assert_string_equal(p->untrusted[2]->name, "sib");
    assert_int_equal(p->nincludes, 1);
    cg_program_free(p);
}

/* ---- errors ---- */

typedef struct err_case {
    const char *text;
    const char *marker; /* the error must point at its first occurrence ("" = no position check) */
    const char *msg;
} err_case_t;

static const err_case_t err_cases[] = {
    {"enclave {\n  trusted {\n    public int f(int a)\n  };\n};", "}", "expected ';'"},
    {"enclave { trusted { public void f([inn] int *p); }; };", "inn", "unknown attribute 'inn'"},
    {"enclave { trusted { public void f(int *p); }; };", "p)", "pointer parameter 'p' has no direction"},
    {"enclave { trusted { public void f([size=4] int x); }; };", "[size", "on non-pointer parameter 'x'"},
    {"enclave { trusted { public void f([out, string] char *s); }; };", "[out", "[string] requires [in]"},
    {"enclave { trusted { public void f([in, size=len] char *p); }; };", "len]", "unknown size parameter 'len'"},
    {"enclave { trusted { public void f([in, count=n] char *p); }; };", "n]", "unknown count parameter 'n'"},
    {"enclave { trusted { public void dup(void); }; untrusted { void dup(void); }; };", "dup(void); }; };",
     "duplicate function name 'dup'"},
    {"enclave { /* never closed", "/*", "unterminated comment"},
    {"enclave { @ };", "@", "unexpected character '@'"},
    {"enclave { trusted { public void f([in, size=99999999999999999999999] char *p); }; };", "999",
     "integer constant is too large"},
    {"enclave { include \"x.h }; };", "\"x.h", "unterminated string literal"},
    {"enclave { from \"nope.edl\" import *; };", "\"nope", "cannot find imported file \"nope.edl\""},
    {"enclave { from \"pick.edl\" import p1, zz; };", "zz", "function 'zz' is not declared"},
    {"enclave { trusted { public void f([in] void *p); }; };", "p)", "void pointer 'p' needs size= or count="},
    {"enclave { trusted { public void f([in, user_check] int *p); }; };", "[in", "[user_check] cannot be combined"},
    {"enclave { trusted { public void f([out] const int *p); }; };", "const", "points to const data"},
    {"enclave { trusted { public void f(int retval); }; };", "retval", "reserved"},
    {"enclave { trusted { public void f(int enclave); }; };", "enclave)", "reserved"},
    {"enclave { trusted { public void f(int cg_x); }; };", "cg_x", "reserved"},
    {"enclave { trusted { public void cg_f(void); }; };", "cg_f", "reserved"},
    {"enclave { trusted { public void f(int CC_SUCCESS); }; };", "CC_SUCCESS", "reserved"},
    {"enclave { trusted { public void f(int uint64_t, [in] int *p); }; };", "uint64_t,", "reserved"},
    {"enclave { trusted { public void f(int a, int a); }; };", "a);", "duplicate parameter name 'a'"},
    {"enclave { trusted { public void f([in, string] int *s); }; };", "int *s", "not a char pointer"},
    {"enclave { trusted { public void f([in, string, size=4] char *s); }; };", "[in", "cannot be combined with size="},
    {"enclave { trusted { public void f([in=3] int *p); }; };", "=3", "does not take a value"},
    {"enclave { trusted { public void f([isptr, in] int *p); }; };", "[isptr", "which is not of a typedef'd type"},
    {"enclave { trusted { public void f(int a[4]); }; };", "a[4]", "array parameter 'a' has no direction"},
    {"trusted { };", "trusted", "expected 'enclave'"},
    {"enclave { }; extra", "extra", "expected end of file"},
    {"enclave { untrusted { public void g(void); }; };", "public", "cannot be public"},
    {"enclave { untrusted { void g(void) allow(nothere); }; };", "nothere", "not a trusted function"},
    {"enclave { trusted { public void f(unsigned short long x); }; };", "unsigned", "invalid combination"},
    {"enclave { trusted { public void f(int x, [in, size=x] char *p, [in, size=p] char *q); }; };", "p] char *q",
     "is not an integer"},
    {"enclave { trusted { public void f([in, size=p] char *p); }; };", "p] char", "names the parameter itself"},
    {"enclave { trusted { public void f(void x); }; };", "void x", "has type void"},
    {"enclave { trusted { public int f(int a) }; };", "}", "expected ';'"},
    {"enclave { trusted { public int (int a); }; };", "(int", "expected a function name"},
    {"enclave { struct s { }; };", "}", "empty struct"},
    {"enclave { struct s { [in] int *p; }; };", "[in", "attribute 'in' is not allowed on struct member 'p'"},
    /* deep copy (size=/count= on struct members) */
    {"enclave { struct s { [string] char *p; }; };", "[string", "attribute 'string' is not allowed on struct member"},
    {"enclave { struct s { size_t n; [size=n, user_check] char *p; }; };", "[size",
     "attribute 'user_check' is not allowed on struct member"},
    {"enclave { struct s { size_t n; [size=n] int x; }; };", "[size", "attribute 'size' on non-pointer member 'x'"},
    {"enclave { struct s { size_t n; [count=n] int a[2]; }; };", "[count", "attribute 'count' on array member 'a'"},
    {"enclave { struct s { [size=m] char *p; }; };", "m]", "unknown size member 'm' in struct 's'"},
    {"enclave { struct s { char *q; [size=q] char *p; }; };", "q]", "size= member 'q' is not an integer"},
    {"enclave { struct s { size_t n; [count=n+p] char *p; }; };", "p] char", "names the member itself"},
    {"enclave { union u { size_t n; [size=n] char *p; }; };", "[size", "attributes on union members"},
    {"enclave { struct a { size_t n; [size=n] char *p; }; struct b { size_t k; [count=k] struct a *x; }; };",
     "x; }; };", "nested deep copy: member 'x' points to struct a"},
    {"enclave { struct a { size_t n; [size=n] char *p; }; struct b { struct a x[2]; }; };", "struct a x",
     "member 'x' holds struct a, which has deep-copy members, by value"},
    {"enclave { struct a { size_t n; [size=n] char *p; }; trusted { public void f([in] a *x); }; };", "a *x",
     "parameter 'x': 'a' is a struct with deep-copy members"},
    {"enclave { struct a { size_t n; [size=n] char *p; }; trusted { public struct a f(void); }; };", "struct a f",
     "returns struct a by value"},
    {"enclave { struct a { size_t n; [size=n] const char *p; }; trusted { public void f([in, out] struct a *x); }; };",
     "struct a *x", "would copy back into member 'p' of struct a, which points to const data"},
    {"enclave { trusted { public void f([in] char ******** *p); }; };", "*p)", "too many '*'"},
    {"enclave { trusted { public void f(volatile int x); }; };", "volatile", "not allowed in EDL"},
    {"enclave { trusted { public void f([in, in] int *p); }; };", "in]", "duplicate attribute 'in'"},
    {"enclave { from \"a.edl\" import *; trusted { public void dup(void); }; };", "",
     "duplicate function name 'dup'"},
    {"enclave { \x01 };", "\x01", "unexpected byte 0x01"},
};

static const memfile_t err_files[] = {
    {"pick.edl", "enclave { trusted { public void p1(void); }; };"},
    {"a.edl", "enclave { untrusted { void dup(void); }; };"},
};

static void test_errors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        const err_case_t *c = &err_cases[i];
        cg_diag_t d;
        cg_program_t *p = load(c->text, err_files, 2, &d);
        const char *text = cg_diag_text(&d);
        char where[64];
        const char *hit;
        if (p != NULL || d.errors == 0 || strstr(text, c->msg) == NULL)
            fail_msg("case %zu: wanted \"%s\", got:\n%s", i, c->msg, text);
        assert_null(p);
        if (*c->marker) {
            const char *m = strstr(c->text, c->marker), *s;
            int line = 1, col = 1;
            assert_non_null(m);
            for (s = c->text; s < m; s++) {
                if (*s == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
            snprintf(where, sizeof where, "t.edl:%d:%d: error: ", line, col);
            if (strstr(text, where) == NULL)
                fail_msg("case %zu: wanted position %s, got:\n%s", i, where, text);
        }
        /* Every error carries a hint after "; ". */
        hit = strstr(text, ": error: ");
        assert_non_null(hit);
        {
            const char *eol = strchr(hit, '\n');
            const char *semi = strstr(hit, "; ");
            if (!semi || (eol && semi > eol))
                fail_msg("case %zu: no hint in: %s", i, text);
        }
        cg_diag_free(&d);
    }
}

static void test_all_errors_reported(void **state)
{
    cg_diag_t d;
    cg_program_t *p;
    (void)state;
    p = load("enclave { trusted { public void f(int *a, int *b); public void f(void); }; };", NULL, 0, &d);
    assert_null(p);
    assert_int_equal(d.errors, 3);
    assert_non_null(strstr(cg_diag_text(&d), "note: 'f' was first declared here"));
    cg_diag_free(&d);
}

/* ---- robustness ---- */

static const char fuzz_seed[] =
    "/* seed */ enclave {\n"
    "  include \"a.h\"\n"
    "  from \"pick.edl\" import p1;\n"
    "  struct s { int a; char b[4]; };\n"
    "  enum e { A = -1, B };\n"
    "  trusted {\n"
    "    public int f([in, size=n] const void *p, size_t n, [out, count=4] int *o,\n"
    "                 [in, out, string] char *s, [user_check] void *u) transition_using_threads;\n"
    "    int h([in, size=(n+1)*2-n/3%4, count=3] uint8_t *p, size_t n, [in, out] int a[2][3],\n"
    "          [in, isptr, readonly, size=n] cstr_t c, [out, isary] arr_t r, [isary] arr_t raw);\n"
    "  };\n"
    "  untrusted { [cdecl] long g(unsigned long long x, [in, wstring] const wchar_t *w) allow(f) propagate_errno; };\n"
    "};\n";

static void parse_and_free(const char *buf, size_t len)
{
    cg_diag_t d;
    cg_edl_file_t *f;
    cg_diag_init(&d, false);
    f = cgear_edl_parse_buffer("fuzz.edl", buf, len, &d);
    if (!f)
        assert_true(d.errors > 0);
    cg_edl_file_free(f);
    cg_diag_free(&d);
}

static void test_no_crash_on_truncation(void **state)
{
    size_t n, len = strlen(fuzz_seed);
    cg_edl_file_t *f;
    cg_diag_t d;
    (void)state;
    cg_diag_init(&d, false);
    f = cgear_edl_parse_buffer("fuzz.edl", fuzz_seed, len, &d);
    assert_non_null(f); /* the seed itself is valid */
    cg_edl_file_free(f);
    cg_diag_free(&d);
    for (n = 0; n <= len; n++) {
        /* Exact-size heap copy so that a read past the end is caught by
         * valgrind or ASan. */
        char *b = malloc(n ? n : 1);
        memcpy(b, fuzz_seed, n);
        parse_and_free(b, n);
        free(b);
    }
    parse_and_free(NULL, 0);
}

/* CGEAR_FUZZ_ITERATIONS raises the count for a longer local run. */
static size_t fuzz_iterations(void)
{
    const char *e = getenv("CGEAR_FUZZ_ITERATIONS");
    return e ? (size_t)strtoul(e, NULL, 10) : 3000;
}

static void test_no_crash_on_mutation(void **state)
{
    static const char alphabet[] = "{}()[];,*=-+.\"/ \n\0az09_x[]*";
    size_t len = strlen(fuzz_seed), i;
    unsigned rng = 12345;
    (void)state;
    for (i = 0; i < fuzz_iterations(); i++) {
        char *b = malloc(len);
        int k, nmut;
        memcpy(b, fuzz_seed, len);
        rng = rng * 1103515245u + 12345u;
        nmut = 1 + (int)((rng >> 16) % 4);
        for (k = 0; k < nmut; k++) {
            rng = rng * 1103515245u + 12345u;
            b[(rng >> 8) % len] = ((rng >> 4) & 1) ? alphabet[(rng >> 20) % (sizeof alphabet - 1)]
                                                   : (char)(rng >> 24);
        }
        parse_and_free(b, len);
        {
            /* The whole pipeline too (imports, sema) on the mutated text. */
            char *z = malloc(len + 1);
            cg_diag_t d;
            cg_program_t *p;
            memcpy(z, b, len);
            z[len] = '\0';
            p = load(z, err_files, 2, &d);
            cg_program_free(p);
            cg_diag_free(&d);
            free(z);
        }
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_blocks_and_order),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_expressions_and_arrays),
        cmocka_unit_test(test_policy_representation),
        cmocka_unit_test(test_user_types),
        cmocka_unit_test(test_imports),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_no_crash_on_truncation),
        cmocka_unit_test(test_no_crash_on_mutation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
