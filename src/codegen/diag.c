/*
 * diag.c - diagnostics of the EDL compiler.
 */
#include "diag.h"

#include <stdio.h>

void cg_diag_init(cg_diag_t *d, bool to_stderr)
{
    d->to_stderr = to_stderr;
    cg_sb_init(&d->log);
    d->errors = 0;
    d->warnings = 0;
}

void cg_diag_free(cg_diag_t *d)
{
    cg_sb_free(&d->log);
}

const char *cg_diag_text(const cg_diag_t *d)
{
    return d->log.s ? d->log.s : "";
}

static void emit(cg_diag_t *d, const cg_loc_t *loc, const char *kind, const char *hint, const char *fmt,
                 va_list ap)
{
    size_t start = d->log.len;
    if (loc)
        cg_sb_printf(&d->log, "%s:%d:%d: %s: ", loc->file ? loc->file : "<input>", loc->line, loc->col, kind);
    else
        cg_sb_printf(&d->log, "cgear codegen: %s: ", kind);
    cg_sb_vprintf(&d->log, fmt, ap);
    if (hint && *hint)
        cg_sb_printf(&d->log, "; %s", hint);
    cg_sb_puts(&d->log, "\n");
    if (d->to_stderr) {
        fputs(d->log.s + start, stderr);
        fflush(stderr);
    }
}

void cg_error(cg_diag_t *d, cg_loc_t loc, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(d, &loc, "error", hint, fmt, ap);
    va_end(ap);
    d->errors++;
}

void cg_warning(cg_diag_t *d, cg_loc_t loc, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(d, &loc, "warning", hint, fmt, ap);
    va_end(ap);
    d->warnings++;
}

void cg_note(cg_diag_t *d, cg_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(d, &loc, "note", NULL, fmt, ap);
    va_end(ap);
}

void cg_error_plain(cg_diag_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(d, NULL, "error", NULL, fmt, ap);
    va_end(ap);
    d->errors++;
}
