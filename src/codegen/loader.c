/*
 * loader.c - reads the root EDL and its imports and merges them into one
 * program. Function ids depend on the merge order, so it is fixed here:
 * items are taken in source order and an import contributes its functions
 * at the place where the import statement stands. A file reached twice
 * (diamond imports) contributes once; an import cycle is cut where it
 * closes, which loses nothing because the file on the cycle is already
 * being merged.
 */
#define _XOPEN_SOURCE 700 /* realpath, PATH_MAX */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parser.h"
#include "sema.h"

#define MAX_IMPORT_DEPTH 64

enum { ST_NEW, ST_BUSY, ST_DONE };

typedef struct loaded {
    char *canon;
    cg_edl_file_t *file;
    int state;
    cg_func_t **funcs; /* everything the file makes visible, in order */
    size_t nfuncs, capf;
    cg_include_t **incs;
    size_t nincs, capi;
    cg_utype_t **types;
    size_t ntypes, capt;
} loaded_t;

typedef struct loader {
    const cg_load_opts_t *o;
    cg_diag_t *d;
    loaded_t **files;
    size_t nfiles, cap;
    bool failed;
} loader_t;

int cg_read_file(void *ctx, const char *path, char **buf, size_t *len, char **canon)
{
    FILE *f;
    struct stat st;
    char *data = NULL;
    size_t n = 0, cap = 0;
    char resolved[PATH_MAX];
    (void)ctx;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    f = fopen(path, "rb");
    if (!f)
        return -1;
    for (;;) {
        size_t r;
        cg_grow((void **)&data, &cap, n + 4096, 1);
        r = fread(data + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        fclose(f);
        free(data);
        return -1;
    }
    fclose(f);
    *buf = data;
    *len = n;
    *canon = cg_xstrdup(realpath(path, resolved) ? resolved : path);
    return 0;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return cg_xstrdup(".");
    if (slash == path)
        return cg_xstrdup("/");
    return cg_xstrndup(path, (size_t)(slash - path));
}

static loaded_t *find_loaded(loader_t *L, const char *canon)
{
    size_t i;
    for (i = 0; i < L->nfiles; i++)
        if (strcmp(L->files[i]->canon, canon) == 0)
            return L->files[i];
    return NULL;
}

/* Read and parse @path (already resolved), or return the copy parsed before. */
static loaded_t *load_path(loader_t *L, const char *path, char *buf, size_t len, char *canon)
{
    loaded_t *lf = find_loaded(L, canon);
    if (lf) {
        free(buf);
        free(canon);
        return lf;
    }
    lf = cg_xcalloc(1, sizeof *lf);
    lf->canon = canon;
    lf->file = cgear_edl_parse_buffer(path, buf, len, L->d);
    free(buf);
    CG_PUSH(L->files, L->nfiles, L->cap, lf);
    if (!lf->file)
        L->failed = true;
    return lf;
}

/* Find an imported file: next to the importer, the current directory, the
 * search path, then the system directory. */
static loaded_t *resolve_import(loader_t *L, const cg_import_t *imp, const char *importer)
{
    const cg_load_opts_t *o = L->o;
    cg_read_fn rd = o->read ? o->read : cg_read_file;
    char *buf, *canon;
    size_t len, i, ncand = 0;
    char *cand[3];
    loaded_t *lf = NULL;

    if (imp->path[0] == '/') {
        if (rd(o->read_ctx, imp->path, &buf, &len, &canon) == 0)
            return load_path(L, imp->path, buf, len, canon);
    } else {
        char *dir = dir_of(importer);
        cand[ncand++] = cg_xasprintf("%s/%s", dir, imp->path);
        cand[ncand++] = cg_xstrdup(imp->path);
        free(dir);
        for (i = 0; i < ncand && !lf; i++)
            if (rd(o->read_ctx, cand[i], &buf, &len, &canon) == 0)
                lf = load_path(L, cand[i], buf, len, canon);
        for (i = 0; i < o->nsearch && !lf; i++) {
            char *p = cg_xasprintf("%s/%s", o->search[i], imp->path);
            if (rd(o->read_ctx, p, &buf, &len, &canon) == 0)
                lf = load_path(L, p, buf, len, canon);
            free(p);
        }
        if (!lf && o->system_dir) {
            char *p = cg_xasprintf("%s/%s", o->system_dir, imp->path);
            if (rd(o->read_ctx, p, &buf, &len, &canon) == 0)
                lf = load_path(L, p, buf, len, canon);
            free(p);
        }
        for (i = 0; i < ncand; i++)
            free(cand[i]);
        if (lf)
            return lf;
    }
    cg_error(L->d, imp->loc, "check the name, or add its directory with --search-path", "cannot find imported file \"%s\"",
             imp->path);
    L->failed = true;
    return NULL;
}

static void add_func(loaded_t *lf, cg_func_t *f)
{
    size_t i;
    for (i = 0; i < lf->nfuncs; i++)
        if (lf->funcs[i] == f)
            return;
    CG_PUSH(lf->funcs, lf->nfuncs, lf->capf, f);
}

static void add_inc(loaded_t *lf, cg_include_t *inc)
{
    size_t i;
    for (i = 0; i < lf->nincs; i++)
        if (strcmp(lf->incs[i]->path, inc->path) == 0)
            return;
    CG_PUSH(lf->incs, lf->nincs, lf->capi, inc);
}

static void add_type(loaded_t *lf, cg_utype_t *u)
{
    size_t i;
    for (i = 0; i < lf->ntypes; i++)
        if (lf->types[i] == u)
            return;
    CG_PUSH(lf->types, lf->ntypes, lf->capt, u);
}

static cg_func_t *lookup_func(cg_func_t **v, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(v[i]->name, name) == 0)
            return v[i];
    return NULL;
}

/* Compute what @lf makes visible (its own items plus its imports). */
static void merge(loader_t *L, loaded_t *lf, int depth)
{
    size_t i, j;
    if (lf->state != ST_NEW || !lf->file)
        return; /* done, or on the current import chain (a cycle) */
    lf->state = ST_BUSY;
    for (i = 0; i < lf->file->nitems; i++) {
        cg_item_t *it = &lf->file->items[i];
        switch (it->kind) {
        case CG_ITEM_FUNC:
            add_func(lf, it->u.func);
            break;
        case CG_ITEM_INCLUDE:
            add_inc(lf, it->u.include);
            break;
        case CG_ITEM_UTYPE:
            add_type(lf, it->u.utype);
            break;
        case CG_ITEM_IMPORT: {
            cg_import_t *imp = it->u.import;
            loaded_t *child;
            if (depth >= MAX_IMPORT_DEPTH) {
                cg_error(L->d, imp->loc, "flatten the import chain", "imports nested more than %d deep",
                         MAX_IMPORT_DEPTH);
                L->failed = true;
                break;
            }
            child = resolve_import(L, imp, lf->file->path);
            if (!child || !child->file)
                break;
            merge(L, child, depth + 1);
            for (j = 0; j < child->nincs; j++)
                add_inc(lf, child->incs[j]);
            for (j = 0; j < child->ntypes; j++)
                add_type(lf, child->types[j]);
            if (imp->all) {
                for (j = 0; j < child->nfuncs; j++)
                    add_func(lf, child->funcs[j]);
                break;
            }
            for (j = 0; j < imp->nnames; j++) {
                cg_func_t *f = lookup_func(child->funcs, child->nfuncs, imp->names[j]);
                size_t k;
                /* On an import cycle the child is only partly merged: its
                 * own declarations are still all there. */
                for (k = 0; !f && k < child->file->nitems; k++)
                    if (child->file->items[k].kind == CG_ITEM_FUNC &&
                        strcmp(child->file->items[k].u.func->name, imp->names[j]) == 0)
                        f = child->file->items[k].u.func;
                if (!f) {
                    cg_error(L->d, imp->name_locs[j], "check the spelling or import *",
                             "function '%s' is not declared in \"%s\"", imp->names[j], imp->path);
                    L->failed = true;
                } else {
                    add_func(lf, f);
                }
            }
            break;
        }
        }
    }
    lf->state = ST_DONE;
}

/* The base name of the output files as a C identifier: "dir/my-app.edl" ->
 * "my_app". */
static char *stem_name(const char *path)
{
    const char *s = strrchr(path, '/');
    size_t n;
    s = s ? s + 1 : path;
    n = strlen(s);
    if (n > 4 && strcmp(s + n - 4, ".edl") == 0)
        n -= 4;
    return cg_xstrndup(s, n);
}

static char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    size_t n, i;
    char *b;
    s = s ? s + 1 : path;
    n = strlen(s);
    if (n > 4 && strcmp(s + n - 4, ".edl") == 0)
        n -= 4;
    b = cg_xstrndup(s, n);
    for (i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            b[i] = '_';
    }
    if (n == 0 || (b[0] >= '0' && b[0] <= '9')) {
        char *t = cg_xasprintf("_%s", b);
        free(b);
        b = t;
    }
    return b;
}

cg_program_t *cg_load_program(const char *root_path, const cg_load_opts_t *opts, cg_diag_t *d)
{
    loader_t L;
    cg_read_fn rd = opts->read ? opts->read : cg_read_file;
    cg_program_t *prog = NULL;
    char *buf, *canon;
    size_t len, i;
    loaded_t *root;

    memset(&L, 0, sizeof L);
    L.o = opts;
    L.d = d;
    if (rd(opts->read_ctx, root_path, &buf, &len, &canon) != 0) {
        cg_error_plain(d, "cannot read EDL file '%s'", root_path);
        return NULL;
    }
    root = load_path(&L, root_path, buf, len, canon);
    merge(&L, root, 0);

    if (!L.failed) {
        prog = cg_xcalloc(1, sizeof *prog);
        prog->base = base_name(root_path);
        prog->stem = stem_name(root_path);
        prog->use_prefix = opts->use_prefix;
        prog->includes = cg_xcalloc(root->nincs ? root->nincs : 1, sizeof *prog->includes);
        for (i = 0; i < root->nincs; i++)
            prog->includes[prog->nincludes++] = root->incs[i];
        prog->utypes = cg_xcalloc(root->ntypes ? root->ntypes : 1, sizeof *prog->utypes);
        for (i = 0; i < root->ntypes; i++)
            prog->utypes[prog->nutypes++] = root->types[i];
        prog->trusted = cg_xcalloc(root->nfuncs ? root->nfuncs : 1, sizeof *prog->trusted);
        prog->untrusted = cg_xcalloc(root->nfuncs ? root->nfuncs : 1, sizeof *prog->untrusted);
        for (i = 0; i < root->nfuncs; i++) {
            cg_func_t *f = root->funcs[i];
            if (f->trusted)
                prog->trusted[prog->ntrusted++] = f;
            else
                prog->untrusted[prog->nuntrusted++] = f;
        }
        /* The program owns every parsed file from now on. */
        prog->files = cg_xcalloc(L.nfiles ? L.nfiles : 1, sizeof *prog->files);
        for (i = 0; i < L.nfiles; i++) {
            prog->files[prog->nfiles++] = L.files[i]->file;
            L.files[i]->file = NULL;
        }
    }
    for (i = 0; i < L.nfiles; i++) {
        loaded_t *lf = L.files[i];
        cg_edl_file_free(lf->file);
        free(lf->canon);
        free(lf->funcs);
        free(lf->incs);
        free(lf->types);
        free(lf);
    }
    free(L.files);
    if (prog && cg_sema_check(prog, d) != 0) {
        cg_program_free(prog);
        prog = NULL;
    }
    return prog;
}
