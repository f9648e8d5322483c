/*
 * Golden tests: every golden/<name>.edl (not golden/lib/, which holds
 * imported files) is compiled and what the compiler says is compared,
 * byte for byte, with golden/<name>.expected:
 *
 *   the diagnostics, exactly as printed (FILE:LINE:COL: error: WHAT; HOW)
 *   then "== failed", or for an accepted file the merged program:
 *   "== trusted: ..." and "== untrusted: ..." with public/private and
 *   allow() lists, so that merging and import rules are pinned too.
 *
 * An accepted file also goes through all four emitters (in memory).
 * CGEAR_GOLDEN_UPDATE=1 rewrites the .expected files from the current
 * output (review the diff before committing).
 */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emit.h"
#include "sema.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void describe(cg_sbuf_t *sb, cg_func_t **v, size_t n, const char *what)
{
    size_t i, k;
    cg_sb_printf(sb, "== %s:", what);
    for (i = 0; i < n; i++) {
        cg_sb_printf(sb, " %s%s", v[i]->trusted && !v[i]->is_public ? "private " : "", v[i]->name);
        if (v[i]->nallow) {
            cg_sb_puts(sb, " allow(");
            for (k = 0; k < v[i]->nallow; k++)
                cg_sb_printf(sb, "%s%s", k ? "," : "", v[i]->allow[k]);
            cg_sb_puts(sb, ")");
        }
    }
    cg_sb_puts(sb, "\n");
}

static char *run_one(const char *edl)
{
    cg_load_opts_t o;
    cg_diag_t d;
    cg_program_t *p;
    cg_sbuf_t out;
    memset(&o, 0, sizeof o);
    cg_diag_init(&d, false);
    cg_sb_init(&out);
    p = cg_load_program(edl, &o, &d);
    cg_sb_puts(&out, cg_diag_text(&d));
    if (p) {
        cg_sbuf_t gen;
        describe(&out, p->trusted, p->ntrusted, "trusted");
        describe(&out, p->untrusted, p->nuntrusted, "untrusted");
        cg_sb_init(&gen);
        cg_emit_host_header(&gen, p);
        cg_emit_host_source(&gen, p);
        cg_emit_enclave_header(&gen, p);
        cg_emit_enclave_source(&gen, p);
        assert_true(gen.len > 0);
        cg_sb_free(&gen);
        cg_program_free(p);
    } else {
        assert_true(d.errors > 0);
        cg_sb_puts(&out, "== failed\n");
    }
    cg_diag_free(&d);
    return cg_sb_take(&out);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_edl(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".edl") == 0;
}

static void test_golden(void **state)
{
    struct dirent **list;
    int n, i, failures = 0;
    const char *update = getenv("CGEAR_GOLDEN_UPDATE");
    (void)state;
    assert_int_equal(chdir(CG_GOLDEN_DIR), 0); /* diagnostics name files as given: keep them short */
    n = scandir(".", &list, is_edl, by_name);
    assert_true(n >= 30);
    for (i = 0; i < n; i++) {
        char exp_path[512];
        char *got = run_one(list[i]->d_name), *want;
        snprintf(exp_path, sizeof exp_path, "%.*s.expected", (int)(strlen(list[i]->d_name) - 4), list[i]->d_name);
        if (update && *update == '1') {
            FILE *f = fopen(exp_path, "w");
            assert_non_null(f);
            fputs(got, f);
            fclose(f);
        }
        want = slurp(exp_path);
        if (want == NULL || strcmp(want, got) != 0) {
            fprintf(stderr, "golden mismatch for %s\n--- want:\n%s--- got:\n%s", list[i]->d_name,
                    want ? want : "(no .expected file)\n", got);
            failures++;
        }
        free(want);
        free(got);
        free(list[i]);
    }
    free(list);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
