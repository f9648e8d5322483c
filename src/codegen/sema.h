/*
 * sema.h - loading an EDL program (root file + imports) and checking it.
 */
#ifndef CGEAR_CODEGEN_SEMA_H
#define CGEAR_CODEGEN_SEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"

/*
 * Reads the file at @path. Returns 0 and a malloc'd buffer (*buf, *len) plus
 * a malloc'd canonical name (*canon, used to recognise a file imported
 * twice), or -1 if there is no such file (the loader then tries the next
 * directory). Tests and fuzzers supply an in-memory reader.
 */
typedef int (*cg_read_fn)(void *ctx, const char *path, char **buf, size_t *len, char **canon);

typedef struct cg_load_opts {
    const char *const *search; /* --search-path directories, in order */
    size_t nsearch;
    const char *system_dir; /* built-in system EDL directory, or NULL */
    cg_read_fn read;        /* NULL: read from the filesystem */
    void *read_ctx;
    bool use_prefix;
} cg_load_opts_t;

/* The filesystem reader used when opts->read is NULL. */
int cg_read_file(void *ctx, const char *path, char **buf, size_t *len, char **canon);

/*
 * cg_load_program() - parse @root_path and everything it imports (found next
 * to the importing file, then in the current directory, then in the search
 * path, then in the system directory), merge them in source order and run
 * every semantic check. Returns NULL after reporting errors in @d.
 */
cg_program_t *cg_load_program(const char *root_path, const cg_load_opts_t *opts, cg_diag_t *d);

/* The semantic checks alone (run by cg_load_program()). Returns the number
 * of errors found. */
int cg_sema_check(cg_program_t *prog, cg_diag_t *d);

#endif
