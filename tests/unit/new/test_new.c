/* Unit tests of `cgear new` (tools/cgear/new.c): project names, the
 * placeholder substitution, and what is written where. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "new_cmd.h"

static char why[4200];

static void test_names(void **state)
{
    (void)state;
    const char *good[] = {"a", "demo", "my_app2", "x_", "abcdefghijklmnopqrstuvwxyz012345"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(cgt_new_name_ok(good[i], why, sizeof(why)));
    const char *bad[] = {"",      "1app", "_app", "App",  "myApp", "my-app", "my.app", "my app",
                         "a/b",   "../x", "é",    "a\n", "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_false(cgt_new_name_ok(bad[i], why, sizeof(why)));
        assert_true(strlen(why) > 0);
    }
    cgt_new_name_ok("abcdefghijklmnopqrstuvwxyz0123456", why, sizeof(why));
    assert_non_null(strstr(why, "32"));
    cgt_new_name_ok("my-app", why, sizeof(why));
    assert_non_null(strstr(why, "'-'"));
}

static void test_expand(void **state)
{
    (void)state;
    const char t[] = "{{name}}.edl in {{prefix}}; {{name}}{{name}} {{nam {{other}}";
    char *s = cgt_new_expand(t, strlen(t), "demo", "/opt/cgear");
    assert_non_null(s);
    assert_string_equal(s, "demo.edl in /opt/cgear; demodemo {{nam {{other}}");
    free(s);
    /* The length is honoured: a placeholder cut by it is left alone. */
    s = cgt_new_expand(t, 5, "demo", "/p");
    assert_string_equal(s, "{{nam");
    free(s);
}

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/cgear-unit-new-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Every template is written, with the name substituted everywhere. */
static void check_project(const char *dir, const char *name)
{
    char path[600];
    const char *files[] = {"CMakeLists.txt", "README.md", ".gitignore", "host/main.c", "enclave/enclave.c"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        char *text = slurp(path);
        assert_non_null(text);
        assert_null(strstr(text, "{{"));
    }
    snprintf(path, sizeof(path), "%s/%s.edl", dir, name);
    char *edl = slurp(path);
    assert_non_null(edl);
    assert_non_null(strstr(edl, "trusted {"));
    assert_non_null(strstr(edl, "untrusted {"));
    assert_non_null(strstr(edl, "[in, size=len]"));
    assert_non_null(strstr(edl, "[out, size=cap]"));

    snprintf(path, sizeof(path), "%s/CMakeLists.txt", dir);
    char *cm = slurp(path);
    assert_non_null(strstr(cm, "find_package(cgear REQUIRED)"));
    char want[200];
    snprintf(want, sizeof(want), "cgear_add_enclave(%s_enclave EDL %s.edl", name, name);
    assert_non_null(strstr(cm, want));
    snprintf(want, sizeof(want), "cgear_add_untrusted(%s-host EDL %s.edl)", name, name);
    assert_non_null(strstr(cm, want));

    snprintf(path, sizeof(path), "%s/host/main.c", dir);
    char *host = slurp(path);
    snprintf(want, sizeof(want), "#include \"%s_u.h\"", name);
    assert_non_null(strstr(host, want));
    assert_non_null(strstr(host, "--debug"));
    snprintf(path, sizeof(path), "%s/enclave/enclave.c", dir);
    char *enc = slurp(path);
    snprintf(want, sizeof(want), "#include \"%s_t.h\"", name);
    assert_non_null(strstr(enc, want));
    assert_non_null(strstr(enc, "cc_enclave_seal_data"));

    snprintf(path, sizeof(path), "%s/README.md", dir);
    char *readme = slurp(path);
    assert_non_null(strstr(readme, "-DCMAKE_PREFIX_PATH=/opt/cg && cmake --build build"));
    snprintf(want, sizeof(want), "./build/%s-host\n", name);
    assert_non_null(strstr(readme, want));
    snprintf(want, sizeof(want), "CGEAR_GDB=unix:/tmp/%s.gdb,wait ./build/%s-host --debug", name, name);
    assert_non_null(strstr(readme, want));
    assert_non_null(strstr(readme, "docs/debugging.md"));
}

static void test_write_new_dir(void **state)
{
    (void)state;
    char *base = tmpdir();
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/proj", base);
    assert_int_equal(cgt_new_write("my_app", dir, "/opt/cg", why, sizeof(why)), 0);
    check_project(dir, "my_app");
    /* 5 top-level files and the host/ and enclave/ folders. */
    assert_int_equal(count_entries(dir), 6);
    /* A second run finds the folder full and leaves it as it is. */
    assert_int_equal(cgt_new_write("my_app", dir, "/opt/cg", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not empty"));
    check_project(dir, "my_app");
    rm_rf(base);
    free(base);
}

static void test_write_empty_dir(void **state)
{
    (void)state;
    char *base = tmpdir();
    assert_int_equal(cgt_new_write("x", base, "/opt/cg", why, sizeof(why)), 0);
    check_project(base, "x");
    rm_rf(base);
    free(base);
}

static void test_refusals(void **state)
{
    (void)state;
    char *base = tmpdir();
    char path[512];
    /* A non-empty folder, even with only a hidden file. */
    snprintf(path, sizeof(path), "%s/.keep", base);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(cgt_new_write("app", base, "/opt/cg", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not empty"));
    assert_int_equal(count_entries(base), 1);
    /* DIR is a file. */
    assert_int_equal(cgt_new_write("app", path, "/opt/cg", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not a folder"));
    /* DIR's parent does not exist: nothing is created. */
    snprintf(path, sizeof(path), "%s/no/such/dir", base);
    assert_int_equal(cgt_new_write("app", path, "/opt/cg", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "cannot create"));
    /* A bad name is refused before anything is touched. */
    snprintf(path, sizeof(path), "%s/bad", base);
    assert_int_equal(cgt_new_write("Bad", path, "/opt/cg", why, sizeof(why)), -1);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    rm_rf(base);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),           cmocka_unit_test(test_expand),
        cmocka_unit_test(test_write_new_dir),   cmocka_unit_test(test_write_empty_dir),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
