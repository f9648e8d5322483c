/*
 * emit_internal.h - the pieces the emitters share (not used outside
 * src/codegen/emit_*.c).
 *
 *   emit_common.c   names, declarations, prototypes, EDL types, message
 *                   header structs, size=/count= length computation
 *   emit_clean.c    padding-free struct copies; which per-struct helpers
 *                   a generated .c file gets
 *   emit_deep.c     deep copy of struct members: predicates and the
 *                   generated per-struct helpers
 *   emit_proxy.c    caller proxies          emit_stub.c   callee stubs
 *   emit_async.c    asynchronous switchless proxies (f_async)
 *   emit_host.c, emit_enclave.c   assemble the four files (emit.h)
 *
 * Every function appends C text to @sb and cannot fail: running out of
 * memory ends the process (cg_oom(), util.h). The generated code calls the
 * generic helpers of include/cgear_edge_rt.h; the layout it implements is
 * docs/codegen.md's.
 */
#ifndef CGEAR_CODEGEN_EMIT_INTERNAL_H
#define CGEAR_CODEGEN_EMIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "emit.h"

/* ---- parameter and function predicates ---- */

/* How a parameter travels. */
typedef enum pkind {
    PK_VALUE, /* by value, in the request header */
    PK_RAW,   /* [user_check] pointer: its value as uint64_t in the header */
    PK_BUF,   /* [in]/[out] pointer: length + presence in the header, data as a blob */
} pkind_t;

/* How parameter @p travels (see pkind_t). */
static inline pkind_t pkind(const cg_param_t *p)
{
    if (!cg_param_is_indirect(p))
        return PK_VALUE;
    return cg_param_is_raw(p) ? PK_RAW : PK_BUF;
}

/* Is @p a buffer whose data goes to the callee ([in], [in, out])? */
static inline bool p_in(const cg_param_t *p)
{
    return pkind(p) == PK_BUF && (p->attrs & CG_ATTR_IN);
}

/* Is @p a buffer whose data comes back ([out], [in, out])? */
static inline bool p_out(const cg_param_t *p)
{
    return pkind(p) == PK_BUF && (p->attrs & CG_ATTR_OUT);
}

/* Is @p a [string]? */
static inline bool p_str(const cg_param_t *p)
{
    return (p->attrs & CG_ATTR_STRING) != 0;
}

/* Is @p a [wstring]? */
static inline bool p_wstr(const cg_param_t *p)
{
    return (p->attrs & CG_ATTR_WSTRING) != 0;
}

/* Is @t bool by value? It travels as uint8_t: a peer could otherwise plant
 * a bool that is neither 0 nor 1, which is undefined behaviour to read. */
static inline bool is_bool(const cg_type_t *t)
{
    return t->kind == CG_BASE_BOOL && t->ptr_depth == 0;
}

/* Is @t long double by value? x87's 80-bit format uses 10 of its 16 bytes,
 * and a plain copy may carry whatever the stack held in the other 6 to the
 * peer, so it is stored with cg_put_long_double(). */
static inline bool is_ld(const cg_type_t *t)
{
    return t->kind == CG_BASE_FLOAT && t->ptr_depth == 0 && strcmp(t->name, "long double") == 0;
}

/* Does @f return a value? */
static inline bool has_ret(const cg_func_t *f)
{
    return !cg_type_is_void(&f->ret);
}

/* Does the request of @f have a header struct (any parameter)? */
static inline bool has_req_hdr(const cg_func_t *f)
{
    return f->nparams > 0;
}

/* Does the response of @f have a header struct (return value or errno)? */
static inline bool has_resp_hdr(const cg_func_t *f)
{
    return has_ret(f) || f->propagate_errno;
}

/* Directions of a deep parameter's member buffers (deep_dir()). */
enum { DIR_IN = 1u, DIR_OUT = 2u };

/* Which way the member buffers of deep parameter @p travel: DIR_IN and/or
 * DIR_OUT from its attributes; a struct by value is [in]. */
static inline unsigned deep_dir(const cg_param_t *p)
{
    if (pkind(p) == PK_VALUE)
        return DIR_IN;
    return ((p->attrs & CG_ATTR_IN) ? DIR_IN : 0u) | ((p->attrs & CG_ATTR_OUT) ? DIR_OUT : 0u);
}

/* ---- emit_common.c ---- */

/* Upper-case include-guard stem for @base and @suffix ("FOO_U_H"), any
 * character other than a letter or digit made '_'. Caller frees. */
char *cg_guard_name(const char *base, const char *suffix);

/* Name of the host proxy of trusted @f (with --use-prefix: base_f). Caller
 * frees. */
char *cg_host_proxy_name(const cg_program_t *prog, const cg_func_t *f);

/* The system includes, EDL includes and EDL type definitions that both
 * headers carry (the types guarded, so that one translation unit can
 * include both headers). */
void cg_emit_header_common(cg_sbuf_t *sb, const cg_program_t *prog);

/* "R name(args)" with the parameters as declared in the EDL. */
void cg_emit_user_prototype(cg_sbuf_t *sb, const cg_func_t *f);

/* "cc_enclave_result_t @name([cc_enclave_t *enclave, ][R *retval, ]args)":
 * @host adds the enclave parameter (ECALL proxies). */
void cg_emit_proxy_prototype(cg_sbuf_t *sb, const cg_func_t *f, const char *name, bool host);

/* The request and response header structs of @f (cg__req_<f>_t,
 * cg__resp_<f>_t), each only if @f has one. */
void cg_emit_msg_types(cg_sbuf_t *sb, const cg_func_t *f);

/* Append the declaration of @name with type @t ("const char *name");
 * @name may be NULL (a type name for a cast), @drop_const drops the
 * outermost const (for a variable this code assigns). */
void cg_put_decl(cg_sbuf_t *sb, const cg_type_t *t, const char *name, bool drop_const);

/* Append the array dimensions of @p from the @from-th on ("[2][3]"). */
void cg_put_dims(cg_sbuf_t *sb, const cg_param_t *p, size_t from);

/* Append the parameter list of @f as declared in the EDL, preceded by
 * ", " unless @first; with @first and no parameters, "void". */
void cg_emit_params(cg_sbuf_t *sb, const cg_func_t *f, bool first);

/*
 * cg_emit_len_calc() - statements that compute the byte length of the
 * buffer of @p with cg_expr_*() and cg_blob_len(), each line indented by
 * @ind. Opens no scope: the caller is at the start of a block of its own
 * (declares cg__ok, cg__s, cg__c).
 * @vars:   the parameters (or members) the size=/count= expression names.
 * @prefix: how to read them ("" the caller's arguments, "cg__req.v_" the
 *          callee's copy of the request header).
 * @dst:    a size_t lvalue that receives the length.
 * @fail:   the statement run when the length cannot be computed (overflow,
 *          negative value, division by zero, over CG_MAX_MESSAGE).
 */
void cg_emit_len_calc(cg_sbuf_t *sb, const char *ind, const cg_param_t *vars, const cg_param_t *p,
                      const char *prefix, const char *dst, const char *fail);

/* ---- emit_clean.c ---- */

/* The EDL definition of by-value struct type @t, or NULL (a union, a
 * typedef from a header, a pointer). */
const cg_utype_t *cg_edl_struct(const cg_program_t *prog, const cg_type_t *t);

/* Index of @u in prog->utypes, or prog->nutypes if it is not there. */
size_t cg_utype_index(const cg_program_t *prog, const cg_utype_t *u);

/* Set @marks (indexed as prog->utypes) for @u and every EDL struct it
 * holds by value: their cg__clean_<S>() is emitted. */
void cg_mark_clean(const cg_program_t *prog, const cg_utype_t *u, bool *marks);

/* The per-struct static helpers the generated .c file of one side
 * (@host: _u.c) uses: padding-free copies cg__clean_<S>() and the
 * deep-copy helpers; only those it calls (unused static functions are
 * warnings). The generic ones are in include/cgear_edge_rt.h. */
void cg_emit_source_helpers(cg_sbuf_t *sb, const cg_program_t *prog, bool host);

/* ---- emit_deep.c ---- */

/* The deep-copy struct whose pointer members parameter @p's data carries
 * (a struct by value, or [in]/[out] "struct S *" and "struct S a[N]"), or
 * NULL. */
const cg_utype_t *cg_p_deep(const cg_program_t *prog, const cg_param_t *p);

/* Has @f a deep-copy parameter (its proxy then allocates, and frees on
 * every path)? */
bool cg_has_deep(const cg_program_t *prog, const cg_func_t *f);

/* Does the request carry @p's buffer? [in] data, and also a deep [out]
 * struct array, whose size fields the callee needs. */
bool cg_p_sends(const cg_program_t *prog, const cg_param_t *p);

/* Zero copy (docs/shared-memory.md): may buffer @p of @f cross as its
 * address when the caller's buffer lies in one registered shared-memory
 * block? ECALLs' plain [in]/[out] buffers only (no strings, no deep
 * copy). Such a request says f_<p> = 2 and carries the 8-byte address in
 * place of the bytes, and the response carries nothing for it. */
bool cg_p_zc(const cg_program_t *prog, const cg_func_t *f, const cg_param_t *p);

/* Which deep-copy helpers one side (@host: the host's _u.c) needs, per
 * struct (a bit set per prog->utypes index; 0: none), setting @marks for
 * the structs whose cg__clean_<S>() they call. Caller frees the array. */
unsigned *cg_deep_needs(const cg_program_t *prog, bool host, bool *marks);

/* Append the deep-copy helpers @needs (from cg_deep_needs()) asks for. */
void cg_emit_deep_helpers(cg_sbuf_t *sb, const cg_program_t *prog, const unsigned *needs);

/* ---- emit_proxy.c, emit_stub.c, emit_async.c ---- */

/* The caller side of call @id to @f: marshal, call, check the response,
 * unmarshal. @host selects cg_host_ecall() / cg_host_ecall_sl() (ECALL
 * proxy, _u.c) or cg_enclave_ocall() (OCALL proxy, _t.c). The generated
 * proxy returns CC_ERROR_BAD_PARAMETERS for arguments it cannot send,
 * CC_ERROR_OUT_OF_MEMORY, CC_ERROR_PROTOCOL for a malformed response, or
 * what the runtime returned. */
void cg_emit_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f, unsigned id, bool host);

/* The callee side of @f: static cg__stub_<f>() of type cg_stub_t. The
 * generated stub returns CC_ERROR_BAD_PARAMETERS for any request that does
 * not have exactly the layout this side computes, CC_ERROR_OUT_OF_MEMORY,
 * or CC_SUCCESS with the response in its cg_msg_t. */
void cg_emit_stub(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f);

/* Switchless trusted @f (transition_using_threads): the prototype
 * "cc_enclave_result_t f_async(cc_enclave_t *enclave, int *task_id,
 * [R *retval, ]args)", without ';'. */
void cg_emit_async_prototype(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f);

/* The definition of f_async() for switchless trusted @f: keep the
 * arguments and queue a call of the synchronous proxy with
 * cg_host_sl_async() (falling back to a synchronous call when the pool is
 * full and rollback_to_common is set). */
void cg_emit_async_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f);

#endif
