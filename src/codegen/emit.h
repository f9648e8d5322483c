/*
 * emit.h - generation of the four output files: <stem>_u.h/_u.c (the
 * untrusted side, emit_host.c) and <stem>_t.h/_t.c (the trusted side,
 * emit_enclave.c), from a checked program. The pieces they are assembled
 * from are in emit_internal.h. The layout is documented in
 * docs/codegen.md; keep the two in step.
 */
#ifndef CGEAR_CODEGEN_EMIT_H
#define CGEAR_CODEGEN_EMIT_H

#include <stdbool.h>

#include "ast.h"
#include "util.h"

/* Append the whole file to @sb. None fails (out of memory ends the
 * process, util.h). */
void cg_emit_host_header(cg_sbuf_t *sb, const cg_program_t *prog);
void cg_emit_host_source(cg_sbuf_t *sb, const cg_program_t *prog);
void cg_emit_enclave_header(cg_sbuf_t *sb, const cg_program_t *prog);
void cg_emit_enclave_source(cg_sbuf_t *sb, const cg_program_t *prog);

#endif
