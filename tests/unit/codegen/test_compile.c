/*
 * Runs the generator on the fixture EDLs into a temporary directory and
 * compiles what it writes with the flags cgear promises: C11, -Wall -Wextra
 * -Werror -pedantic under gcc and clang (host and enclave side), the enclave
 * side against musl, and the headers as C++. Also checks the command line.
 *
 * The cgear include directory is passed with -isystem, as an installed SDK
 * would be: that keeps -pedantic for the generated code itself.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, setenv */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "codegen.h"

#define MUSL_SPECS "/usr/lib/x86_64-linux-musl/musl-gcc.specs"
#define WARN "-std=c11 -Wall -Wextra -Werror -pedantic"

static char g_tmp[256];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int r;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    r = system(cmd);
    if (r != 0)
        fprintf(stderr, "command failed (%d): %s\n", r, cmd);
    return r;
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static int exists(const char *dir, const char *file)
{
    char p[1100];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, file);
    return stat(p, &st) == 0;
}

/* Run `codegen ARGS...` (NULL-terminated) in-process. */
static int codegen(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    const char *a;
    argv[argc++] = (char *)"codegen";
    va_start(ap, first);
    for (a = first; a && argc < 31; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return cgear_codegen_main(argc, argv);
}

static void make_dir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", g_tmp, name);
    assert_int_equal(mkdir(out, 0700), 0);
}

static void compile_all(const char *dir, const char *stem)
{
    const char *ccs[] = {"gcc", "clang"};
    size_t i;
    for (i = 0; i < 2; i++) {
        if (!have(ccs[i]))
            continue;
        assert_int_equal(sh("%s " WARN " -isystem %s -I%s -I%s -c %s/%s_u.c -o %s/%s_u.%s.o", ccs[i], CG_INCLUDE_DIR,
                            dir, CG_TEST_EDL_DIR, dir, stem, dir, stem, ccs[i]),
                         0);
        assert_int_equal(sh("%s " WARN " -isystem %s -I%s -I%s -c %s/%s_t.c -o %s/%s_t.%s.o", ccs[i], CG_INCLUDE_DIR,
                            dir, CG_TEST_EDL_DIR, dir, stem, dir, stem, ccs[i]),
                         0);
    }
    if (access(MUSL_SPECS, R_OK) == 0 && have("gcc"))
        assert_int_equal(sh("gcc -specs=" MUSL_SPECS " " WARN " -isystem %s -I%s -I%s -c %s/%s_t.c -o %s/%s_t.musl.o",
                            CG_INCLUDE_DIR, dir, CG_TEST_EDL_DIR, dir, stem, dir, stem),
                         0);
    if (have("g++")) {
        assert_int_equal(sh("g++ -x c++ -fsyntax-only -Wall -Wextra -Werror -pedantic -isystem %s -I%s -I%s %s/%s_u.h",
                            CG_INCLUDE_DIR, dir, CG_TEST_EDL_DIR, dir, stem),
                         0);
        assert_int_equal(sh("g++ -x c++ -fsyntax-only -Wall -Wextra -Werror -pedantic -isystem %s -I%s -I%s %s/%s_t.h",
                            CG_INCLUDE_DIR, dir, CG_TEST_EDL_DIR, dir, stem),
                         0);
    }
}

static void gen_and_compile(const char *stem, const char *extra)
{
    char dir[512], edl[512];
    make_dir(dir, sizeof dir, stem);
    snprintf(edl, sizeof edl, "%s/%s.edl", CG_TEST_EDL_DIR, stem);
    if (extra)
        assert_int_equal(codegen("--search-path", extra, "--trusted-dir", dir, "--untrusted-dir", dir, edl, NULL), 0);
    else
        assert_int_equal(codegen("--trusted-dir", dir, "--untrusted-dir", dir, edl, NULL), 0);
    assert_true(exists(dir, "x") == 0);
    compile_all(dir, stem);
}

static void test_all_types(void **state)
{
    (void)state;
    gen_and_compile("all_types", NULL);
}

static void test_rt(void **state)
{
    (void)state;
    gen_and_compile("rt", NULL);
}

static void test_empty(void **state)
{
    (void)state;
    gen_and_compile("empty", NULL);
}

static void test_secgear_style(void **state)
{
    (void)state;
    /* Imports secgear_tstdc.edl from the system EDL directory. */
    assert_int_equal(setenv("CGEAR_EDL_DIR", CG_SYSTEM_EDL_DIR, 1), 0);
    gen_and_compile("secgear_style", NULL);
    unsetenv("CGEAR_EDL_DIR");
}

static void test_imports(void **state)
{
    (void)state;
    gen_and_compile("imports_root", CG_TEST_EDL_DIR "/sp");
}

static void test_sem(void **state)
{
    (void)state;
    /* Every type and attribute; imports sem_lib.edl selectively. */
    gen_and_compile("sem", NULL);
}

/* Switchless functions: f_async() for each trusted one marked
 * transition_using_threads (none for OCALLs or other functions); the
 * declarations of _u.h are compared with a golden file, and the whole
 * output compiled like every fixture. */
static void test_switchless(void **state)
{
    char dir[512], pdir[512], edl[600];
    (void)state;
    assert_int_equal(setenv("CGEAR_EDL_DIR", CG_SYSTEM_EDL_DIR, 1), 0);
    gen_and_compile("switchless", NULL);
    snprintf(dir, sizeof dir, "%s/switchless", g_tmp);
    assert_int_equal(sh("grep -E '^cc_enclave_result_t ' %s/switchless_u.h > %s/decls && diff -u %s/switchless_u_decls.expected "
                        "%s/decls",
                        dir, dir, CG_TEST_EDL_DIR, dir),
                     0);
    /* With --use-prefix the async proxy carries the prefix too. */
    make_dir(pdir, sizeof pdir, "switchless_prefix");
    snprintf(edl, sizeof edl, "%s/switchless.edl", CG_TEST_EDL_DIR);
    assert_int_equal(codegen("--use-prefix", "--untrusted", "--untrusted-dir", pdir, edl, NULL), 0);
    assert_int_equal(sh("grep -q '^cc_enclave_result_t switchless_sl_add_async(cc_enclave_t \\*enclave, int \\*task_id, "
                        "int \\*retval, int a, int b);' %s/switchless_u.h",
                        pdir),
                     0);
    unsetenv("CGEAR_EDL_DIR");
    /* task_id is the async proxy's own parameter: reserved in switchless
     * trusted functions only (sl_task_id_ok above uses it freely). */
    assert_int_equal(sh("printf 'enclave { trusted { public void f(int task_id) transition_using_threads; }; };' > "
                        "%s/tid.edl",
                        pdir),
                     0);
    snprintf(edl, sizeof edl, "%s/tid.edl", pdir);
    assert_int_equal(codegen("--untrusted", "--untrusted-dir", pdir, edl, NULL), 1);
}

/* --trusted-dir and --untrusted-dir each receive only their side; with
 * --header-only only the headers; --use-prefix renames the host proxies
 * only (edger8r's definition). */
static void test_cli_dirs(void **state)
{
    char tdir[512], udir[512], edl[512];
    (void)state;
    snprintf(edl, sizeof edl, "%s/sem.edl", CG_TEST_EDL_DIR);
    make_dir(tdir, sizeof tdir, "sep_t");
    make_dir(udir, sizeof udir, "sep_u");
    assert_int_equal(codegen("--trusted-dir", tdir, "--untrusted-dir", udir, edl, NULL), 0);
    assert_true(exists(tdir, "sem_t.h") && exists(tdir, "sem_t.c"));
    assert_false(exists(tdir, "sem_u.h") || exists(tdir, "sem_u.c"));
    assert_true(exists(udir, "sem_u.h") && exists(udir, "sem_u.c"));
    assert_false(exists(udir, "sem_t.h") || exists(udir, "sem_t.c"));
    assert_int_equal(sh("grep -q 'cc_enclave_result_t e_arr2(cc_enclave_t \\*enclave, int \\*retval, const int a\\[2\\]\\[3\\], int b\\[3\\]\\[2\\], int u\\[2\\]);' %s/sem_u.h", udir), 0);

    make_dir(tdir, sizeof tdir, "hdr_prefix");
    assert_int_equal(codegen("--header-only", "--use-prefix", "--trusted", "--trusted-dir", tdir, edl, NULL), 0);
    assert_true(exists(tdir, "sem_t.h"));
    assert_false(exists(tdir, "sem_t.c") || exists(tdir, "sem_u.h") || exists(tdir, "sem_u.c"));
    /* The enclave side keeps the EDL names with --use-prefix. */
    assert_int_equal(sh("grep -q '^int e_arr1(int a\\[4\\], int b\\[4\\], int c\\[4\\]);' %s/sem_t.h", tdir), 0);
    assert_int_equal(sh("grep -q 'cc_enclave_result_t o_errno(int \\*retval, int v);' %s/sem_t.h", tdir), 0);

    make_dir(udir, sizeof udir, "hdr_prefix_u");
    assert_int_equal(codegen("--header-only", "--use-prefix", "--untrusted", "--untrusted-dir", udir, edl, NULL), 0);
    assert_true(exists(udir, "sem_u.h"));
    assert_false(exists(udir, "sem_u.c") || exists(udir, "sem_t.h"));
    assert_int_equal(sh("grep -q 'cc_enclave_result_t sem_e_arr1(cc_enclave_t \\*enclave, int \\*retval, ' %s/sem_u.h", udir), 0);
    assert_int_equal(sh("grep -q '^int o_errno(int v);' %s/sem_u.h", udir), 0);
}

/* A 2,000-function EDL (1,000 each side, every kind of parameter):
 * generation time is printed, not asserted (machines differ). */
static void test_big_edl(void **state)
{
    char dir[512], edl[600];
    FILE *f;
    int i;
    struct timespec t0, t1;
    (void)state;
    make_dir(dir, sizeof dir, "big");
    snprintf(edl, sizeof edl, "%s/big.edl", dir);
    f = fopen(edl, "w");
    assert_non_null(f);
    fputs("enclave {\n    struct bs { int a; char b[3]; double c; };\n    trusted {\n", f);
    for (i = 0; i < 1000; i++)
        fprintf(f, "        public int e%d([in, size=n*2] uint8_t *p, size_t n, [out, count=4] int *o, "
                   "[in, string] const char *s, struct bs v, [in, out] int a[2][3]);\n", i);
    fputs("    };\n    untrusted {\n", f);
    for (i = 0; i < 1000; i++)
        fprintf(f, "        long o%d([in, out, size=n] char *p, size_t n, double d) allow(e%d);\n", i, i);
    fputs("    };\n};\n", f);
    assert_int_equal(fclose(f), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(codegen("--trusted-dir", dir, "--untrusted-dir", dir, edl, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "codegen of a 2,000-function EDL: %.3f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    /* Compiling 13 MB of C would take a minute; the same constructs are
     * compiled in test_sem. Check that every function made it. */
    assert_int_equal(sh("grep -q 'cg__stub_e999, /\\* 999 \\*/' %s/big_t.c", dir), 0);
    assert_int_equal(sh("grep -q 'cg__stub_o999, /\\* 999 \\*/' %s/big_u.c", dir), 0);
    assert_int_equal(sh("grep -q '^int e999(' %s/big_t.h", dir), 0);
}

static void test_cli(void **state)
{
    char dir[512], edl[512];
    (void)state;
    snprintf(edl, sizeof edl, "%s/rt.edl", CG_TEST_EDL_DIR);

    make_dir(dir, sizeof dir, "hdr");
    assert_int_equal(codegen("--sgx", "--header-only", "--trusted-dir", dir, "--untrusted-dir", dir, edl, NULL), 0);
    assert_true(exists(dir, "rt_u.h") && exists(dir, "rt_t.h"));
    assert_false(exists(dir, "rt_u.c") || exists(dir, "rt_t.c"));

    make_dir(dir, sizeof dir, "trusted");
    assert_int_equal(codegen("--trustzone", "--trusted", "--trusted-dir", dir, "--untrusted-dir", dir, edl, NULL), 0);
    assert_true(exists(dir, "rt_t.h") && exists(dir, "rt_t.c"));
    assert_false(exists(dir, "rt_u.h") || exists(dir, "rt_u.c"));

    make_dir(dir, sizeof dir, "untrusted");
    assert_int_equal(codegen("--untrusted", "--untrusted-dir=x", "--untrusted-dir", dir, edl, NULL), 0);
    assert_true(exists(dir, "rt_u.h") && exists(dir, "rt_u.c"));
    assert_false(exists(dir, "rt_t.h"));

    make_dir(dir, sizeof dir, "prefix");
    assert_int_equal(codegen("--use-prefix", "--untrusted-dir", dir, "--trusted-dir", dir, edl, NULL), 0);
    assert_int_equal(sh("grep -q 'cc_enclave_result_t rt_t_add(cc_enclave_t \\*enclave, int \\*retval, int a, int b);' %s/rt_u.h",
                        dir),
                     0);
    assert_int_equal(sh("grep -q '^int t_add(int a, int b);' %s/rt_t.h", dir), 0);
    assert_int_equal(sh("grep -q 'cc_enclave_result_t u_add(int \\*retval, int a, int b);' %s/rt_t.h", dir), 0);

    /* Usage errors: 2; EDL or I/O errors: 1, and nothing written. */
    assert_int_equal(codegen("--bogus", edl, NULL), 2);
    assert_int_equal(codegen(NULL), 2);
    assert_int_equal(codegen(edl, edl, NULL), 2);
    assert_int_equal(codegen("--search-path", NULL), 2);
    assert_int_equal(codegen("--help", NULL), 0);
    make_dir(dir, sizeof dir, "bad");
    assert_int_equal(codegen("--trusted-dir", dir, "--untrusted-dir", dir, "/nonexistent/x.edl", NULL), 1);
    assert_int_equal(sh("printf 'enclave { trusted { public void f(int *p); }; };' > %s/bad.edl", dir), 0);
    {
        char bad[600];
        snprintf(bad, sizeof bad, "%s/bad.edl", dir);
        assert_int_equal(codegen("--trusted-dir", dir, "--untrusted-dir", dir, bad, NULL), 1);
    }
    assert_false(exists(dir, "bad_u.h") || exists(dir, "bad_t.c"));
    assert_int_equal(codegen("--trusted-dir", "/nonexistent/dir", edl, NULL), 1);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_tmp, sizeof g_tmp, "/tmp/cgear-codegen-test-XXXXXX");
    return mkdtemp(g_tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (getenv("CGEAR_KEEP_TEST_OUTPUT") == NULL)
        sh("rm -rf '%s'", g_tmp);
    else
        fprintf(stderr, "kept %s\n", g_tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_types), cmocka_unit_test(test_rt),      cmocka_unit_test(test_empty),
        cmocka_unit_test(test_secgear_style), cmocka_unit_test(test_imports), cmocka_unit_test(test_cli),
        cmocka_unit_test(test_sem), cmocka_unit_test(test_cli_dirs), cmocka_unit_test(test_big_edl),
        cmocka_unit_test(test_switchless),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
