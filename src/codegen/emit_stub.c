/*
 * emit_stub.c - the callee side of a call (enclave ECALL stub, host OCALL
 * stub): check every length and flag of the peer's request against this
 * side's own computation, call the user function on private copies, and
 * build the response.
 */
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"

/* The C spelling of the type a stub casts a buffer of @p to: the declared
 * pointer type, or for int a[4][2] "int (*)[2]". */
static char *param_ptr_type(const cg_param_t *p)
{
    cg_sbuf_t sb;
    char *d;
    if (!p->ndims)
        return cg_type_decl(&p->type, NULL, false);
    cg_sb_init(&sb);
    d = cg_type_decl(&p->type, "(*)", false);
    cg_sb_puts(&sb, d);
    free(d);
    cg_put_dims(&sb, p, 1);
    return cg_sb_take(&sb);
}

/* Stub, deep copy: whole structs only; how many. */
static void emit_stub_deep_count(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p)
{
    const cg_utype_t *u = cg_p_deep(prog, p);
    if (!u)
        return;
    cg_sb_printf(sb, "    if (cg__len_%s %% sizeof(struct %s) != 0)\n        return CC_ERROR_BAD_PARAMETERS;\n", p->name,
                 u->name);
    cg_sb_printf(sb, "    cg__n_%s = cg__len_%s / sizeof(struct %s);\n", p->name, p->name, u->name);
}

/* Where this side's copy of a deep parameter's structs is: the request
 * blob, or the header for a struct by value. */
static char *deep_elems(const cg_param_t *p)
{
    if (pkind(p) == PK_VALUE)
        return cg_xasprintf("(const uint8_t *)&cg__req.v_%s", p->name);
    return cg_xasprintf("cg__in + cg__off_%s", p->name);
}

/* Stub, request layout: the length table after the structs, checked
 * against them, then the [in] member blobs. */
static void emit_stub_deep_request(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p)
{
    const cg_utype_t *u = cg_p_deep(prog, p);
    char *e;
    if (!u)
        return;
    e = deep_elems(p);
    cg_sb_printf(sb, "    if (cg__n_%s != 0) {\n        size_t cg__tl;\n", p->name);
    cg_sb_printf(sb, "        if (!cg_size_mul(cg__n_%s, %zu * sizeof(uint64_t), &cg__tl) || !cg_blob_place(&cg__cur, cg__tl, &cg__toff_%s))\n"
                     "            return CC_ERROR_BAD_PARAMETERS;\n", p->name, u->ndeep, p->name);
    /* The structs and the table are read now: they must lie in the request. */
    cg_sb_puts(sb, "        if (cg__cur > cg__in_len)\n            return CC_ERROR_BAD_PARAMETERS;\n");
    cg_sb_printf(sb, "        cg__mq_%s = cg__cur;\n", p->name);
    cg_sb_printf(sb, "        if (!cg__dwalk_%s(cg__in + cg__toff_%s, %s, cg__n_%s, %s, NULL, NULL, NULL, NULL))\n"
                     "            return CC_ERROR_BAD_PARAMETERS;\n    }\n",
                 u->name, p->name, e, p->name, (deep_dir(p) & DIR_IN) ? "&cg__cur" : "NULL");
    free(e);
}

/* Stub, response layout: the member blobs going back follow the structs. */
static void emit_stub_deep_response(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p)
{
    const cg_utype_t *u = cg_p_deep(prog, p);
    char *e;
    if (!u)
        return;
    e = deep_elems(p);
    cg_sb_printf(sb, "    cg__mr_%s = cg__rcur;\n", p->name);
    cg_sb_printf(sb, "    if (cg__n_%s != 0 && !cg__dwalk_%s(cg__in + cg__toff_%s, %s, cg__n_%s, NULL, &cg__rcur, NULL, NULL, NULL))\n"
                     "        return CC_ERROR_BAD_PARAMETERS;\n",
                 p->name, u->name, p->name, e, p->name);
    free(e);
}

/* Stub, before the call: point the members of this side's structs at
 * their blobs (the function never sees an address from the peer). */
static void emit_stub_deep_fix(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p)
{
    const cg_utype_t *u = cg_p_deep(prog, p);
    unsigned dir = deep_dir(p);
    char *e, *fix;
    if (!u)
        return;
    e = deep_elems(p);
    if (pkind(p) == PK_VALUE)
        fix = cg_xasprintf("(uint8_t *)&cg__req.v_%s", p->name);
    else if (dir & DIR_OUT)
        fix = cg_xasprintf("cg__rbuf + cg__roff_%s", p->name);
    else
        fix = cg_xasprintf("(uint8_t *)(uintptr_t)(cg__in + cg__off_%s)", p->name);
    cg_sb_printf(sb, "    if (cg__n_%s != 0) {\n        size_t cg__q = cg__mq_%s, cg__r = cg__mr_%s;\n", p->name, p->name,
                 p->name);
    cg_sb_printf(sb, "        if (!cg__dwalk_%s(cg__in + cg__toff_%s, %s, cg__n_%s, %s, %s, %s, cg__in, cg__rbuf)) {\n",
                 u->name, p->name, e, p->name, (dir & DIR_IN) ? "&cg__q" : "NULL", (dir & DIR_OUT) ? "&cg__r" : "NULL",
                 fix);
    cg_sb_puts(sb, "            cg_msg_free(cg__rbuf);\n            return CC_ERROR_BAD_PARAMETERS;\n        }\n");
    cg_sb_printf(sb, "        (void)cg__q;\n        (void)cg__r;\n    }\n");
    free(e);
    free(fix);
}

void cg_emit_stub(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    const cg_utype_t *clean = cg_edl_struct(prog, &f->ret);
    size_t i;
    cg_sb_printf(sb, "/* Stub of %s: validate the request, call it, build the response. */\n", f->name);
    cg_sb_printf(sb, "static cc_enclave_result_t cg__stub_%s(const uint8_t *cg__in, size_t cg__in_len, cg_msg_t *cg__out)\n{\n",
                 f->name);
    if (has_req_hdr(f))
        cg_sb_printf(sb, "    cg__req_%s_t cg__req;\n", f->name);
    if (has_resp_hdr(f))
        cg_sb_printf(sb, "    cg__resp_%s_t cg__rh;\n", f->name);
    cg_sb_puts(sb, "    size_t cg__cur = 0;\n    size_t cg__rcur = 0;\n    uint8_t *cg__rbuf = NULL;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (pkind(p) != PK_BUF)
            continue;
        cg_sb_printf(sb, "    size_t cg__len_%s = 0;\n", p->name);
        if (cg_p_sends(prog, p) || cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    size_t cg__off_%s = 0;\n", p->name);
        if (p_out(p))
            cg_sb_printf(sb, "    size_t cg__roff_%s = 0;\n", p->name);
        if (cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    uint8_t *cg__zp_%s = NULL; /* zero copy: the checked shared-memory address */\n", p->name);
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!cg_p_deep(prog, p))
            continue;
        /* deep copy: structs, where the table and member blobs start */
        cg_sb_printf(sb, "    size_t cg__n_%s = 0, cg__toff_%s = 0, cg__mq_%s = 0, cg__mr_%s = 0;\n", p->name, p->name,
                     p->name, p->name);
    }
    cg_sb_puts(sb, "\n    (void)cg__in;\n");
    if (has_req_hdr(f)) {
        cg_sb_puts(sb, "    if (cg__in_len < sizeof cg__req)\n        return CC_ERROR_BAD_PARAMETERS;\n");
        cg_sb_puts(sb, "    memcpy(&cg__req, cg__in, sizeof cg__req);\n    cg__cur = sizeof cg__req;\n");
    }
    /* Every declared length must match what this side computes from its
     * own copy of the size/count parameters. */
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (pkind(p) != PK_BUF)
            continue;
        if (cg_p_zc(prog, f, p)) /* 2: zero copy, never for an empty buffer */
            cg_sb_printf(sb, "    if (cg__req.f_%s > 2 || (cg__req.f_%s == 0 && cg__req.l_%s != 0) || (cg__req.f_%s == 2 && cg__req.l_%s == 0) ||\n"
                             "        cg__req.l_%s > CG_MAX_MESSAGE)\n",
                         p->name, p->name, p->name, p->name, p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__req.f_%s > 1 || (cg__req.f_%s == 0 && cg__req.l_%s != 0) || cg__req.l_%s > CG_MAX_MESSAGE)\n",
                         p->name, p->name, p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
        cg_sb_printf(sb, "    cg__len_%s = (size_t)cg__req.l_%s;\n", p->name, p->name);
        cg_sb_printf(sb, "    if (cg__req.f_%s != 0) {\n", p->name);
        if (p_str(p)) {
            cg_sb_printf(sb, "        if (cg__len_%s == 0)\n            return CC_ERROR_BAD_PARAMETERS;\n", p->name);
        } else if (p_wstr(p)) {
            cg_sb_printf(sb, "        if (cg__len_%s == 0 || cg__len_%s %% sizeof(wchar_t) != 0)\n", p->name, p->name);
            cg_sb_puts(sb, "            return CC_ERROR_BAD_PARAMETERS;\n");
        } else {
            cg_sb_puts(sb, "        size_t cg__want = 0;\n");
            cg_emit_len_calc(sb, "        ", f->params, p, "cg__req.v_", "cg__want", "return CC_ERROR_BAD_PARAMETERS;");
            cg_sb_printf(sb, "        if (cg__want != cg__len_%s)\n            return CC_ERROR_BAD_PARAMETERS;\n", p->name);
        }
        cg_sb_puts(sb, "    }\n");
        emit_stub_deep_count(sb, prog, p);
    }
    for (i = 0; i < f->nparams; i++)
        if (pkind(&f->params[i]) == PK_VALUE && cg_p_deep(prog, &f->params[i]))
            cg_sb_printf(sb, "    cg__n_%s = 1;\n", f->params[i].name);
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (cg_p_zc(prog, f, p)) {
            /* zero copy: 8 bytes of address in place of the data */
            if (p_in(p))
                cg_sb_printf(sb, "    if (cg__len_%s != 0 &&\n"
                                 "        !cg_blob_place(&cg__cur, cg__req.f_%s == 2 ? sizeof(uint64_t) : cg__len_%s, &cg__off_%s))\n",
                             p->name, p->name, p->name, p->name);
            else
                cg_sb_printf(sb, "    if (cg__req.f_%s == 2 && !cg_blob_place(&cg__cur, sizeof(uint64_t), &cg__off_%s))\n",
                             p->name, p->name);
            cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
        } else if (cg_p_sends(prog, p)) {
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg_blob_place(&cg__cur, cg__len_%s, &cg__off_%s))\n", p->name,
                         p->name, p->name);
            cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
        }
        emit_stub_deep_request(sb, prog, p);
    }
    cg_sb_puts(sb, "    if (cg__cur != cg__in_len)\n        return CC_ERROR_BAD_PARAMETERS;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!cg_p_zc(prog, f, p))
            continue;
        /* The whole buffer must lie in the shared-memory region: never an
         * address of enclave-private memory. The host can change its
         * bytes at any time (docs/shared-memory.md). */
        cg_sb_printf(sb, "    if (cg__req.f_%s == 2) {\n        uint64_t cg__a;\n", p->name);
        cg_sb_printf(sb, "        memcpy(&cg__a, cg__in + cg__off_%s, sizeof cg__a);\n", p->name);
        cg_sb_printf(sb, "        cg__zp_%s = (uint8_t *)cg_enclave_shm_span(cg__a, cg__len_%s);\n", p->name, p->name);
        cg_sb_printf(sb, "        if (cg__zp_%s == NULL)\n            return CC_ERROR_BAD_PARAMETERS;\n    }\n", p->name);
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!(p_in(p) && (p_str(p) || p_wstr(p))))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !%s(cg__in + cg__off_%s, cg__len_%s))\n", p->name,
                     p_str(p) ? "cg_str_terminated" : "cg_wstr_terminated", p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
    }
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    cg__rcur = sizeof cg__rh;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!p_out(p))
            continue;
        if (cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && cg__req.f_%s != 2 && !cg_blob_place(&cg__rcur, cg__len_%s, &cg__roff_%s))\n",
                         p->name, p->name, p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg_blob_place(&cg__rcur, cg__len_%s, &cg__roff_%s))\n", p->name,
                         p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
        emit_stub_deep_response(sb, prog, p);
    }
    /* cg_msg_alloc zero-fills: [out] buffers start zeroed, so nothing private leaks through
     * bytes the function does not write. */
    cg_sb_puts(sb, "    if (cg__rcur != 0) {\n        cg__rbuf = (uint8_t *)cg_msg_alloc(cg__rcur);\n");
    cg_sb_puts(sb, "        if (cg__rbuf == NULL)\n            return CC_ERROR_OUT_OF_MEMORY;\n    }\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!(cg_p_sends(prog, p) && p_out(p)))
            continue;
        /* cg__rbuf != NULL always holds here; it tells gcc's -Warray-bounds so. */
        if (cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && cg__req.f_%s != 2 && cg__rbuf != NULL)\n", p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && cg__rbuf != NULL)\n", p->name);
        cg_sb_printf(sb, "        memcpy(cg__rbuf + cg__roff_%s, cg__in + cg__off_%s, cg__len_%s);\n", p->name, p->name,
                     p->name);
    }
    for (i = 0; i < f->nparams; i++)
        emit_stub_deep_fix(sb, prog, &f->params[i]);
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    memset(&cg__rh, 0, sizeof cg__rh);\n");
    cg_sb_puts(sb, "    ");
    if (clean) {
        cg_put_decl(sb, &f->ret, "cg__r", true);
        cg_sb_puts(sb, " = ");
    } else if (has_ret(f) && is_ld(&f->ret)) {
        cg_sb_puts(sb, "cg_put_long_double(&cg__rh.r, ");
    } else if (has_ret(f)) {
        cg_sb_puts(sb, "cg__rh.r = ");
    }
    if (has_ret(f) && is_bool(&f->ret))
        cg_sb_puts(sb, "(uint8_t)(");
    cg_sb_printf(sb, "%s(", f->name);
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        char *t = param_ptr_type(p);
        bool ary = (p->attrs & CG_ATTR_ISARY) != 0;
        if (i)
            cg_sb_puts(sb, ",\n        ");
        switch (pkind(p)) {
        case PK_VALUE:
            if (is_bool(&p->type))
                cg_sb_printf(sb, "cg__req.v_%s != 0", p->name);
            else
                cg_sb_printf(sb, "cg__req.v_%s", p->name);
            break;
        case PK_RAW:
            /* An [isary] typedef'd array is passed as its first element:
             * dereferencing the array pointer only converts it. */
            if (ary)
                cg_sb_printf(sb, "cg__req.v_%s != 0 ? *(%s *)(uintptr_t)cg__req.v_%s : NULL", p->name, p->type.name,
                             p->name);
            else
                cg_sb_printf(sb, "(%s)(uintptr_t)cg__req.v_%s", t, p->name);
            break;
        case PK_BUF: {
            /* [out] and [in, out] live in the response buffer; [in] points
             * into the private request copy. Length 0 means NULL. */
            char *addr = p_out(p) ? cg_xasprintf("(void *)(cg__rbuf + cg__roff_%s)", p->name)
                                  : cg_xasprintf("(uintptr_t)(cg__in + cg__off_%s)", p->name);
            if (cg_p_zc(prog, f, p)) { /* or the buffer in shared memory itself */
                char *both = cg_xasprintf("(cg__req.f_%s == 2 ? (uintptr_t)cg__zp_%s : (uintptr_t)%s)", p->name, p->name,
                                          addr);
                free(addr);
                addr = both;
            }
            if (ary)
                cg_sb_printf(sb, "cg__len_%s != 0 ? *(%s *)%s : NULL", p->name, p->type.name, addr);
            else
                cg_sb_printf(sb, "cg__len_%s != 0 ? (%s)%s : NULL", p->name, t, addr);
            free(addr);
            break;
        }
        }
        free(t);
    }
    cg_sb_puts(sb, ")");
    if (has_ret(f) && is_bool(&f->ret))
        cg_sb_puts(sb, " ? 1 : 0)");
    if (!clean && has_ret(f) && is_ld(&f->ret))
        cg_sb_puts(sb, ")");
    cg_sb_puts(sb, ";\n");
    if (f->propagate_errno)
        cg_sb_puts(sb, "    cg__rh.e = errno;\n"); /* before anything else can change it */
    if (clean)
        cg_sb_printf(sb, "    cg__clean_%s(&cg__rh.r, &cg__r);\n", clean->name);
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (u && p_out(p))
            cg_sb_printf(sb, "    if (cg__n_%s != 0)\n        cg__dscrub_%s(cg__rbuf + cg__roff_%s, cg__n_%s);\n", p->name,
                         u->name, p->name, p->name);
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!(p_out(p) && (p_str(p) || p_wstr(p))))
            continue;
        /* Keep an [in, out] string terminated whatever the function did. */
        if (p_str(p))
            cg_sb_printf(sb, "    if (cg__len_%s != 0)\n        cg__rbuf[cg__roff_%s + cg__len_%s - 1] = 0;\n", p->name,
                         p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__len_%s != 0)\n        memset(cg__rbuf + cg__roff_%s + cg__len_%s - sizeof(wchar_t), 0, sizeof(wchar_t));\n",
                         p->name, p->name, p->name);
    }
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    memcpy(cg__rbuf, &cg__rh, sizeof cg__rh);\n");
    cg_sb_puts(sb, "    cg__out->buf = cg__rbuf;\n    cg__out->len = cg__rcur;\n    return CC_SUCCESS;\n}\n\n");
}
