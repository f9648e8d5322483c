/*
 * cli.c - the `cgear codegen` command line (edger8r-compatible) and the
 * writing of the output files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "emit.h"
#include "sema.h"

typedef struct cli {
    bool trusted;
    bool untrusted;
    const char *trusted_dir;
    const char *untrusted_dir;
    char **search; /* owned copies (a --search-path may hold several, ':'-separated) */
    size_t nsearch, capsearch;
    bool header_only;
    bool use_prefix;
    const char *edl;
} cli_t;

static void usage(FILE *f)
{
    fputs("usage: cgear codegen [--trusted | --untrusted] [--trusted-dir DIR] [--untrusted-dir DIR]\n"
          "                     [--search-path PATH]... [--header-only] [--use-prefix] FILE.edl\n"
          "\n"
          "Generates FILE_u.h/FILE_u.c (host) and FILE_t.h/FILE_t.c (enclave) from an EDL file.\n"
          "  --trusted            generate the enclave side only\n"
          "  --untrusted          generate the host side only\n"
          "  --trusted-dir DIR    where to write FILE_t.* (default: current directory)\n"
          "  --untrusted-dir DIR  where to write FILE_u.* (default: current directory)\n"
          "  --search-path PATH   where to look for imported EDL files; ':'-separated, repeatable\n"
          "  --header-only        write the headers only\n"
          "  --use-prefix         name host ECALL proxies FILE_function\n"
          "  --sgx, --trustzone, --penglai, --qingtian   accepted for secGear compatibility, ignored\n"
          "Imports are also searched in $CGEAR_EDL_DIR, or the built-in system EDL directory.\n",
          f);
}

static void add_search(cli_t *c, const char *list)
{
    const char *s = list;
    for (;;) {
        const char *colon = strchr(s, ':');
        size_t n = colon ? (size_t)(colon - s) : strlen(s);
        if (n > 0) {
            char *dir = cg_xstrndup(s, n);
            CG_PUSH(c->search, c->nsearch, c->capsearch, dir);
        }
        if (!colon)
            break;
        s = colon + 1;
    }
}

/* Value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "cgear codegen: error: %s needs a value; see cgear codegen --help\n", opt);
        return "";
    }
    return argv[++*i];
}

static int parse_cli(cli_t *c, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--sgx") == 0 || strcmp(a, "--trustzone") == 0 || strcmp(a, "--penglai") == 0 ||
            strcmp(a, "--qingtian") == 0) {
            continue;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--trusted") == 0) {
            c->trusted = true;
        } else if (strcmp(a, "--untrusted") == 0) {
            c->untrusted = true;
        } else if (strcmp(a, "--header-only") == 0) {
            c->header_only = true;
        } else if (strcmp(a, "--use-prefix") == 0) {
            c->use_prefix = true;
        } else if ((v = opt_value(argc, argv, &i, "--trusted-dir")) != NULL) {
            if (!*v)
                return 2;
            c->trusted_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--untrusted-dir")) != NULL) {
            if (!*v)
                return 2;
            c->untrusted_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--search-path")) != NULL) {
            if (!*v)
                return 2;
            add_search(c, v);
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "cgear codegen: error: unknown option '%s'; see cgear codegen --help\n", a);
            return 2;
        } else if (c->edl) {
            fprintf(stderr, "cgear codegen: error: more than one EDL file ('%s' and '%s'); give exactly one\n",
                    c->edl, a);
            return 2;
        } else {
            c->edl = a;
        }
    }
    if (!c->edl) {
        fputs("cgear codegen: error: no EDL file given\n", stderr);
        usage(stderr);
        return 2;
    }
    /* Neither flag, or both: generate both sides (as edger8r does). */
    if (!c->trusted && !c->untrusted)
        c->trusted = c->untrusted = true;
    return 0;
}

static int write_file(const char *dir, const char *stem, const char *suffix, const cg_sbuf_t *sb)
{
    char *path = cg_xasprintf("%s/%s%s", dir ? dir : ".", stem, suffix);
    FILE *f = fopen(path, "w");
    int ok;
    if (!f) {
        fprintf(stderr, "cgear codegen: error: cannot create '%s': %s; check that the directory exists and is writable\n",
                path, strerror(errno));
        free(path);
        return -1;
    }
    ok = fwrite(sb->s ? sb->s : "", 1, sb->len, f) == sb->len;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "cgear codegen: error: cannot write '%s': %s\n", path, strerror(errno));
    free(path);
    return ok ? 0 : -1;
}

typedef void (*emit_fn)(cg_sbuf_t *, const cg_program_t *);

static int generate(const char *dir, const cg_program_t *prog, const char *suffix, emit_fn fn)
{
    cg_sbuf_t sb;
    int r;
    cg_sb_init(&sb);
    fn(&sb, prog);
    r = write_file(dir, prog->stem, suffix, &sb);
    cg_sb_free(&sb);
    return r;
}

int cgear_codegen_main(int argc, char **argv)
{
    cli_t c;
    cg_load_opts_t o;
    cg_diag_t d;
    cg_program_t *prog;
    int rc, r = 0;
    size_t i;

    memset(&c, 0, sizeof c);
    rc = parse_cli(&c, argc, argv);
    if (rc != 0) {
        for (i = 0; i < c.nsearch; i++)
            free(c.search[i]);
        free(c.search);
        return rc == 1 ? 0 : rc;
    }

    memset(&o, 0, sizeof o);
    o.search = (const char *const *)c.search;
    o.nsearch = c.nsearch;
    o.system_dir = getenv("CGEAR_EDL_DIR");
#ifdef CGEAR_SYSTEM_EDL_DIR
    if (!o.system_dir || !*o.system_dir)
        o.system_dir = CGEAR_SYSTEM_EDL_DIR;
#endif
    o.use_prefix = c.use_prefix;
    cg_diag_init(&d, true);
    prog = cg_load_program(c.edl, &o, &d);
    if (prog) {
        if (c.untrusted) {
            r |= generate(c.untrusted_dir, prog, "_u.h", cg_emit_host_header);
            if (!c.header_only)
                r |= generate(c.untrusted_dir, prog, "_u.c", cg_emit_host_source);
        }
        if (c.trusted) {
            r |= generate(c.trusted_dir, prog, "_t.h", cg_emit_enclave_header);
            if (!c.header_only)
                r |= generate(c.trusted_dir, prog, "_t.c", cg_emit_enclave_source);
        }
    }
    rc = (!prog || r != 0) ? 1 : 0;
    cg_program_free(prog);
    cg_diag_free(&d);
    for (i = 0; i < c.nsearch; i++)
        free(c.search[i]);
    free(c.search);
    return rc;
}
