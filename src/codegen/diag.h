/*
 * diag.h - diagnostics of the EDL compiler.
 *
 * Every message has the form "FILE:LINE:COL: error: WHAT; HOW TO FIX" so that
 * editors can jump to it. Messages are also kept in memory so that the unit
 * tests (and a fuzzer) can inspect them without capturing stderr.
 */
#ifndef CGEAR_CODEGEN_DIAG_H
#define CGEAR_CODEGEN_DIAG_H

#include <stdbool.h>

#include "util.h"

/* A position in an EDL file; @file points to a string owned by the parsed
 * file and lives as long as it. Lines and columns count from 1. */
typedef struct cg_loc {
    const char *file;
    int line;
    int col;
} cg_loc_t;

typedef struct cg_diag {
    bool to_stderr; /* also print each message as it is produced */
    cg_sbuf_t log;  /* every message, one per line */
    int errors;
    int warnings;
} cg_diag_t;

void cg_diag_init(cg_diag_t *d, bool to_stderr);
void cg_diag_free(cg_diag_t *d);
/* The messages so far ("" if none); owned by @d. */
const char *cg_diag_text(const cg_diag_t *d);

/* @hint says how to fix it; may be NULL. */
void cg_error(cg_diag_t *d, cg_loc_t loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cg_warning(cg_diag_t *d, cg_loc_t loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cg_note(cg_diag_t *d, cg_loc_t loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error not tied to a place in a file (command line, I/O). */
void cg_error_plain(cg_diag_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
