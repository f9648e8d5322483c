/*
 * emit.h - generation of the four output files.
 *
 * emit_common.c holds what both sides share: the message layouts, a caller
 * proxy (host ECALL proxy / enclave OCALL proxy) and a callee stub (enclave
 * ECALL stub / host OCALL stub). emit_host.c and emit_enclave.c assemble
 * them into _u.h/_u.c and _t.h/_t.c. The layout is documented in
 * docs/codegen.md; keep the two in step.
 */
#ifndef CGEAR_CODEGEN_EMIT_H
#define CGEAR_CODEGEN_EMIT_H

#include <stdbool.h>

#include "ast.h"
#include "util.h"

void cg_emit_host_header(cg_sbuf_t *sb, const cg_program_t *prog);
void cg_emit_host_source(cg_sbuf_t *sb, const cg_program_t *prog);
void cg_emit_enclave_header(cg_sbuf_t *sb, const cg_program_t *prog);
void cg_emit_enclave_source(cg_sbuf_t *sb, const cg_program_t *prog);

/* ---- shared pieces (emit_common.c) ---- */

/* Upper-case include-guard stem for @base and @suffix ("FOO_U_H"). */
char *cg_guard_name(const char *base, const char *suffix);
/* The banner, system includes, EDL includes and EDL type definitions that
 * both headers start with (types guarded so both headers can be included
 * in one translation unit). */
void cg_emit_header_common(cg_sbuf_t *sb, const cg_program_t *prog);
/* "R name(args)" with the parameters as declared in the EDL. */
void cg_emit_user_prototype(cg_sbuf_t *sb, const cg_func_t *f);
/* "cc_enclave_result_t name([cc_enclave_t *enclave, ][R *retval, ]args)". */
void cg_emit_proxy_prototype(cg_sbuf_t *sb, const cg_func_t *f, const char *name, bool host);
/* The per-struct static helpers the generated .c file of one side uses
 * (@host: _u.c): padding-free copies and deep-copy helpers. The generic
 * ones (cg_blob_put(), cg_expr_add(), ...) are in include/cgear_edge_rt.h. */
void cg_emit_source_helpers(cg_sbuf_t *sb, const cg_program_t *prog, bool host);
/* Request/response header structs of @f. */
void cg_emit_msg_types(cg_sbuf_t *sb, const cg_func_t *f);
/* The caller side of a call: marshal, call, check, unmarshal. @host selects
 * cg_host_ecall() (ECALL proxy) or cg_enclave_ocall() (OCALL proxy). */
void cg_emit_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f, unsigned id, bool host);
/* The callee side: static cg__stub_<name>() of type cg_stub_t. */
void cg_emit_stub(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f);
/* Switchless trusted @f (transition_using_threads): the prototype
 * "cc_enclave_result_t f_async(cc_enclave_t *enclave, int *task_id,
 * [R *retval, ]args)" and its definition, which keeps the arguments and
 * queues a call of the synchronous proxy with cg_host_sl_async(). */
void cg_emit_async_prototype(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f);
void cg_emit_async_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f);
/* Name of the host proxy of trusted @f (with --use-prefix: base_f). Caller frees. */
char *cg_host_proxy_name(const cg_program_t *prog, const cg_func_t *f);

#endif
