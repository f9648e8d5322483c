/*
 * parser.h - EDL syntax (Intel edger8r's grammar).
 */
#ifndef CGEAR_CODEGEN_PARSER_H
#define CGEAR_CODEGEN_PARSER_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

/*
 * cgear_edl_parse_buffer() - parse one EDL text, without following imports
 * and without touching the filesystem (the entry point for fuzzers).
 * @name: file name used in diagnostics.
 * @buf:  the text, @len bytes; any bytes at all, need not be NUL-terminated.
 * @d:    receives the diagnostics.
 *
 * Return: the syntax tree (free with cg_edl_file_free()), or NULL after at
 * least one error was reported in @d. Semantic checks are done later, by
 * cg_sema_check() on the merged program.
 */
cg_edl_file_t *cgear_edl_parse_buffer(const char *name, const char *buf, size_t len, cg_diag_t *d);

#endif
