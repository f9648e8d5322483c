/*
 * emit_proxy.c - the caller side of a call (host ECALL proxy, enclave
 * OCALL proxy): marshal the arguments into request segments, make the
 * call, check the whole response against the expected layout, then
 * unmarshal it.
 */
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"

/* [in] buffers of @f, and [out] ones that may cross as an address (zero
 * copy): each takes at most two request segments (padding, data), which
 * sizes a proxy's fixed segment array. */
static size_t count_in_bufs(const cg_program_t *prog, const cg_func_t *f, bool host)
{
    size_t i, n = 0;
    for (i = 0; i < f->nparams; i++)
        n += p_in(&f->params[i]) || (host && cg_p_zc(prog, f, &f->params[i]));
    return n;
}

/* Failure inside a proxy: a plain return, or in a proxy that allocates
 * (deep copy) a jump to the cleanup at cg__out. */
static void put_fail(cg_sbuf_t *sb, const char *ind, bool deep, const char *code)
{
    if (deep)
        cg_sb_printf(sb, "%s{ cg__ret = %s; goto cg__out; }\n", ind, code);
    else
        cg_sb_printf(sb, "%sreturn %s;\n", ind, code);
}

/* Proxy, deep copy: the scrubbed struct copy and length table of each deep
 * parameter, then the segment list (its length depends on the tables). */
static void emit_proxy_deep_prep(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    size_t i, nseg = 1;
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (!u) {
            nseg += p_in(p) || cg_p_zc(prog, f, p) ? 2 : 0; /* a zero-copy [out] sends its address */
            continue;
        }
        if (pkind(p) == PK_VALUE) {
            /* One struct, in the request header: no allocation. */
            cg_sb_printf(sb, "    if (!cg__dprep_%s(&cg__req.v_%s, &%s, 1, 1, cg__tb_%s))\n", u->name, p->name, p->name,
                         p->name);
            put_fail(sb, "        ", true, "CC_ERROR_BAD_PARAMETERS");
            cg_sb_printf(sb, "    cg__n_%s = 1;\n", p->name);
        } else {
            cg_sb_printf(sb, "    if (cg__len_%s %% sizeof(struct %s) != 0) /* whole structs only */\n", p->name, u->name);
            put_fail(sb, "        ", true, "CC_ERROR_BAD_PARAMETERS");
            cg_sb_printf(sb, "    cg__n_%s = cg__len_%s / sizeof(struct %s);\n", p->name, p->name, u->name);
            cg_sb_printf(sb, "    if (cg__n_%s != 0) {\n        size_t cg__t;\n", p->name);
            cg_sb_printf(sb, "        if (!cg_size_mul(cg__n_%s, 2 * %zu * sizeof(uint64_t), &cg__t))\n", p->name, u->ndeep);
            put_fail(sb, "            ", true, "CC_ERROR_BAD_PARAMETERS");
            cg_sb_printf(sb, "        cg__dc_%s = (struct %s *)calloc(cg__n_%s, sizeof(struct %s));\n", p->name, u->name,
                         p->name, u->name);
            cg_sb_printf(sb, "        cg__tb_%s = (uint64_t *)calloc(1, cg__t);\n", p->name);
            cg_sb_printf(sb, "        if (cg__dc_%s == NULL || cg__tb_%s == NULL)\n", p->name, p->name);
            put_fail(sb, "            ", true, "CC_ERROR_OUT_OF_MEMORY");
            cg_sb_printf(sb, "        if (!cg__dprep_%s(cg__dc_%s, %s, cg__n_%s, %d, cg__tb_%s))\n", u->name, p->name,
                         p->name, p->name, p_in(p) ? 1 : 0, p->name);
            put_fail(sb, "            ", true, "CC_ERROR_BAD_PARAMETERS");
            cg_sb_puts(sb, "    }\n");
        }
        /* struct array (if sent), table, and a padding + data pair per member */
        nseg += 4;
    }
    cg_sb_printf(sb, "    cg__nseg = %zu;\n", nseg);
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (!u || !(deep_dir(p) & DIR_IN))
            continue;
        cg_sb_printf(sb, "    for (cg__k = 0; cg__k < cg__n_%s * %zu; cg__k++)\n", p->name, u->ndeep);
        cg_sb_printf(sb, "        cg__nseg += cg__tb_%s[cg__k] != 0 ? 2 : 0;\n", p->name);
    }
    cg_sb_puts(sb, "    cg__iov = (cg_iov_t *)calloc(cg__nseg, sizeof *cg__iov);\n    if (cg__iov == NULL)\n");
    put_fail(sb, "        ", true, "CC_ERROR_OUT_OF_MEMORY");
}

/* Proxy: append parameter @p's request blobs. */
static void emit_proxy_put(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p, bool deep, bool zc)
{
    const cg_utype_t *u = cg_p_deep(prog, p);
    if (zc) {
        /* zero copy (f_<p> == 2): the address instead of the bytes */
        if (p_in(p))
            cg_sb_printf(sb, "    if (!cg_blob_put(cg__iov, &cg__niov, &cg__cur, cg__req.f_%s == 2 ? (const void *)&cg__zc_%s : (const void *)%s,\n"
                             "                     cg__req.f_%s == 2 ? sizeof cg__zc_%s : cg__len_%s))\n",
                         p->name, p->name, p->name, p->name, p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__req.f_%s == 2 && !cg_blob_put(cg__iov, &cg__niov, &cg__cur, &cg__zc_%s, sizeof cg__zc_%s))\n",
                         p->name, p->name, p->name);
        put_fail(sb, "        ", deep, "CC_ERROR_BAD_PARAMETERS");
        return;
    }
    if (!u) {
        if (!p_in(p))
            return;
        cg_sb_printf(sb, "    if (!cg_blob_put(cg__iov, &cg__niov, &cg__cur, %s, cg__len_%s))\n", p->name, p->name);
        put_fail(sb, "        ", deep, "CC_ERROR_BAD_PARAMETERS");
        return;
    }
    /* The scrubbed copy, never the caller's structs (they hold addresses). */
    if (cg_p_sends(prog, p)) {
        cg_sb_printf(sb, "    if (!cg_blob_put(cg__iov, &cg__niov, &cg__cur, cg__dc_%s, cg__len_%s))\n", p->name, p->name);
        put_fail(sb, "        ", true, "CC_ERROR_BAD_PARAMETERS");
    }
    cg_sb_printf(sb, "    if (!cg_blob_put(cg__iov, &cg__niov, &cg__cur, cg__tb_%s, cg__n_%s * %zu * sizeof(uint64_t)))\n",
                 p->name, p->name, u->ndeep);
    put_fail(sb, "        ", true, "CC_ERROR_BAD_PARAMETERS");
    if (!(deep_dir(p) & DIR_IN))
        return;
    cg_sb_printf(sb, "    for (cg__k = 0; cg__k < cg__n_%s * %zu; cg__k++)\n", p->name, u->ndeep);
    cg_sb_printf(sb, "        if (!cg_blob_put(cg__iov, &cg__niov, &cg__cur, (const void *)(uintptr_t)cg__tb_%s[cg__n_%s * %zu + cg__k],\n"
                     "                     (size_t)cg__tb_%s[cg__k]))\n",
                 p->name, p->name, u->ndeep, p->name);
    put_fail(sb, "            ", true, "CC_ERROR_BAD_PARAMETERS");
}

void cg_emit_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f, unsigned id, bool host)
{
    size_t i, niov = 1 + 2 * count_in_bufs(prog, f, host);
    char *name = host ? cg_host_proxy_name(prog, f) : cg_xstrdup(f->name);
    bool deep = cg_has_deep(prog, f);
    const char *bad = deep ? "{ cg__ret = CC_ERROR_BAD_PARAMETERS; goto cg__out; }" : "return CC_ERROR_BAD_PARAMETERS;";

    cg_sb_printf(sb, "/* %s proxy of %s (id %u). */\n", host ? "ECALL" : "OCALL", f->name, id);
    cg_emit_proxy_prototype(sb, f, name, host);
    free(name);
    cg_sb_puts(sb, "\n{\n");
    if (has_req_hdr(f))
        cg_sb_printf(sb, "    cg__req_%s_t cg__req;\n", f->name);
    if (has_resp_hdr(f))
        cg_sb_printf(sb, "    cg__resp_%s_t cg__rh;\n", f->name);
    if (deep)
        cg_sb_puts(sb, "    cg_iov_t *cg__iov = NULL; /* deep copy: as many segments as member buffers */\n"
                       "    size_t cg__nseg = 0, cg__k = 0;\n");
    else
        cg_sb_printf(sb, "    cg_iov_t cg__iov[%zu] = {{NULL, 0}};\n", niov);
    cg_sb_puts(sb, "    size_t cg__niov = 0;\n    size_t cg__cur = 0;\n    size_t cg__rcur = 0;\n");
    cg_sb_puts(sb, "    cg_msg_t cg__resp = {NULL, 0};\n    cc_enclave_result_t cg__ret;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (u && pkind(p) == PK_VALUE)
            cg_sb_printf(sb, "    uint64_t cg__tb_%s[%zu]; /* member lengths, then addresses */\n", p->name,
                         2 * u->ndeep);
        if (u)
            cg_sb_printf(sb, "    size_t cg__n_%s = 0;\n", p->name);
        if (pkind(p) != PK_BUF)
            continue;
        cg_sb_printf(sb, "    size_t cg__len_%s = 0;\n", p->name);
        if (p_out(p))
            cg_sb_printf(sb, "    size_t cg__roff_%s = 0;\n", p->name);
        if (host && cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    uint64_t cg__zc_%s = 0; /* zero copy: the buffer's address */\n", p->name);
        if (u) {
            cg_sb_printf(sb, "    struct %s *cg__dc_%s = NULL; /* what the request carries */\n", u->name, p->name);
            cg_sb_printf(sb, "    uint64_t *cg__tb_%s = NULL;  /* member lengths, then addresses */\n", p->name);
            if (p_out(p))
                cg_sb_printf(sb, "    size_t cg__mr_%s = 0;\n", p->name);
        }
    }
    cg_sb_puts(sb, "\n");
    if (deep)
        cg_sb_puts(sb, "    cg__ret = CC_SUCCESS;\n");

    /* Request header. */
    if (has_req_hdr(f))
        cg_sb_puts(sb, "    memset(&cg__req, 0, sizeof cg__req); /* no stale bytes in the padding */\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        switch (pkind(p)) {
        case PK_VALUE:
            if (cg_p_deep(prog, p))
                break; /* cg__dprep_<S>() below fills it */
            if (is_bool(&p->type))
                cg_sb_printf(sb, "    cg__req.v_%s = (uint8_t)(%s ? 1 : 0);\n", p->name, p->name);
            else if (is_ld(&p->type))
                cg_sb_printf(sb, "    cg_put_long_double(&cg__req.v_%s, %s);\n", p->name, p->name);
            else if (cg_edl_struct(prog, &p->type)) /* keep the padding zero */
                cg_sb_printf(sb, "    cg__clean_%s(&cg__req.v_%s, &%s);\n", p->type.name + 7, p->name, p->name);
            else
                cg_sb_printf(sb, "    cg__req.v_%s = %s;\n", p->name, p->name);
            break;
        case PK_RAW:
            cg_sb_printf(sb, "    cg__req.v_%s = (uint64_t)(uintptr_t)%s;\n", p->name, p->name);
            break;
        case PK_BUF: {
            char *dst = cg_xasprintf("cg__len_%s", p->name);
            cg_sb_printf(sb, "    if (%s != NULL) {\n", p->name);
            if (p_str(p)) {
                cg_sb_printf(sb, "        cg__len_%s = strlen(%s);\n", p->name, p->name);
                cg_sb_printf(sb, "        if (cg__len_%s >= CG_MAX_MESSAGE)\n", p->name);
                cg_sb_printf(sb, "            %s\n", bad);
                cg_sb_printf(sb, "        cg__len_%s += 1; /* with the terminator */\n", p->name);
            } else if (p_wstr(p)) {
                cg_sb_printf(sb, "        cg__len_%s = wcslen(%s);\n", p->name, p->name);
                cg_sb_printf(sb, "        if (cg__len_%s >= CG_MAX_MESSAGE / sizeof(wchar_t))\n", p->name);
                cg_sb_printf(sb, "            %s\n", bad);
                cg_sb_printf(sb, "        cg__len_%s = (cg__len_%s + 1) * sizeof(wchar_t);\n", p->name, p->name);
            } else {
                cg_emit_len_calc(sb, "        ", f->params, p, "", dst, bad);
            }
            cg_sb_printf(sb, "        cg__req.l_%s = (uint64_t)cg__len_%s;\n", p->name, p->name);
            cg_sb_printf(sb, "        cg__req.f_%s = 1;\n", p->name);
            if (host && cg_p_zc(prog, f, p)) {
                cg_sb_printf(sb, "        if (cg__len_%s != 0 && cg_host_shm_zc(enclave, %s, cg__len_%s)) {\n", p->name,
                             p->name, p->name);
                cg_sb_printf(sb, "            cg__zc_%s = (uint64_t)(uintptr_t)%s;\n", p->name, p->name);
                cg_sb_printf(sb, "            cg__req.f_%s = 2; /* zero copy: in registered shared memory */\n        }\n",
                             p->name);
            }
            cg_sb_puts(sb, "    }\n");
            free(dst);
            break;
        }
        }
    }
    if (deep)
        emit_proxy_deep_prep(sb, prog, f);
    if (has_req_hdr(f)) {
        cg_sb_puts(sb, "    cg__iov[0].base = &cg__req;\n    cg__iov[0].len = sizeof cg__req;\n");
        cg_sb_puts(sb, "    cg__niov = 1;\n    cg__cur = sizeof cg__req;\n");
    }
    /* [in] and [in, out] blobs, straight from the caller's memory. */
    for (i = 0; i < f->nparams; i++)
        emit_proxy_put(sb, prog, &f->params[i], deep, host && cg_p_zc(prog, f, &f->params[i]));
    /* Expected response layout. */
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    cg__rcur = sizeof cg__rh;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (!p_out(p))
            continue;
        if (host && cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && cg__req.f_%s != 2 && !cg_blob_place(&cg__rcur, cg__len_%s, &cg__roff_%s))\n",
                         p->name, p->name, p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg_blob_place(&cg__rcur, cg__len_%s, &cg__roff_%s))\n", p->name,
                         p->name, p->name);
        put_fail(sb, "        ", deep, "CC_ERROR_BAD_PARAMETERS");
        if (!u)
            continue;
        cg_sb_printf(sb, "    cg__mr_%s = cg__rcur;\n", p->name);
        cg_sb_printf(sb, "    for (cg__k = 0; cg__k < cg__n_%s * %zu; cg__k++) {\n        size_t cg__o;\n", p->name,
                     u->ndeep);
        cg_sb_printf(sb, "        if (cg__tb_%s[cg__k] != 0 && !cg_blob_place(&cg__rcur, (size_t)cg__tb_%s[cg__k], &cg__o))\n",
                     p->name, p->name);
        put_fail(sb, "            ", true, "CC_ERROR_BAD_PARAMETERS");
        cg_sb_puts(sb, "    }\n");
    }
    cg_sb_puts(sb, "    (void)cg__cur;\n\n");

    if (host)
        cg_sb_printf(sb, "    cg__ret = %s(enclave, %uu, cg__iov, cg__niov, &cg__resp, &%s_ocall_table);\n",
                     f->switchless ? "cg_host_ecall_sl" : "cg_host_ecall", id, prog->base);
    else
        cg_sb_printf(sb, "    cg__ret = %s(%uu, cg__iov, cg__niov, &cg__resp);\n",
                     f->switchless ? "cg_enclave_ocall_sl" : "cg_enclave_ocall", id);
    if (deep)
        cg_sb_puts(sb, "    if (cg__ret != CC_SUCCESS)\n        goto cg__out;\n");
    else
        cg_sb_puts(sb, "    if (cg__ret != CC_SUCCESS) {\n        cg_msg_free(cg__resp.buf);\n        return cg__ret;\n    }\n");
    /* The peer is not trusted: check the response before using any of it. */
    if (deep) {
        cg_sb_puts(sb, "    if (cg__resp.len != cg__rcur || (cg__rcur != 0 && cg__resp.buf == NULL))\n");
        put_fail(sb, "        ", true, "CC_ERROR_PROTOCOL");
    } else {
        cg_sb_puts(sb, "    if (cg__resp.len != cg__rcur || (cg__rcur != 0 && cg__resp.buf == NULL)) {\n");
        cg_sb_puts(sb, "        cg_msg_free(cg__resp.buf);\n        return CC_ERROR_PROTOCOL;\n    }\n");
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (u && p_out(p)) {
            cg_sb_printf(sb, "    if (cg__n_%s != 0 && !cg__dback_%s(%s, cg__resp.buf, cg__roff_%s, cg__n_%s, cg__tb_%s, cg__mr_%s, 0))\n",
                         p->name, u->name, p->name, p->name, p->name, p->name, p->name);
            put_fail(sb, "        ", true, "CC_ERROR_PROTOCOL");
        }
        if (!(p_out(p) && (p_str(p) || p_wstr(p))))
            continue;
        if (deep) {
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && !%s(cg__resp.buf + cg__roff_%s, cg__len_%s))\n", p->name,
                         p_str(p) ? "cg_str_terminated" : "cg_wstr_terminated", p->name, p->name);
            put_fail(sb, "        ", true, "CC_ERROR_PROTOCOL");
            continue;
        }
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !%s(cg__resp.buf + cg__roff_%s, cg__len_%s)) {\n", p->name,
                     p_str(p) ? "cg_str_terminated" : "cg_wstr_terminated", p->name, p->name);
        cg_sb_puts(sb, "        cg_msg_free(cg__resp.buf);\n        return CC_ERROR_PROTOCOL;\n    }\n");
    }
    if (has_resp_hdr(f)) {
        cg_sb_puts(sb, "    memcpy(&cg__rh, cg__resp.buf, sizeof cg__rh);\n");
        if (has_ret(f))
            cg_sb_printf(sb, "    if (retval != NULL)\n        *retval = cg__rh.r%s;\n", is_bool(&f->ret) ? " != 0" : "");
        if (f->propagate_errno && !host)
            cg_sb_puts(sb, "    errno = cg__rh.e;\n");
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = cg_p_deep(prog, p);
        if (!p_out(p))
            continue;
        if (u)
            cg_sb_printf(sb, "    if (cg__n_%s != 0)\n        (void)cg__dback_%s(%s, cg__resp.buf, cg__roff_%s, cg__n_%s, cg__tb_%s, cg__mr_%s, 1);\n",
                         p->name, u->name, p->name, p->name, p->name, p->name, p->name);
        else if (host && cg_p_zc(prog, f, p))
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && cg__req.f_%s != 2)\n        memcpy(%s, cg__resp.buf + cg__roff_%s, cg__len_%s);\n",
                         p->name, p->name, p->name, p->name, p->name);
        else
            cg_sb_printf(sb, "    if (cg__len_%s != 0)\n        memcpy(%s, cg__resp.buf + cg__roff_%s, cg__len_%s);\n",
                         p->name, p->name, p->name, p->name);
    }
    if (!deep) {
        cg_sb_puts(sb, "    cg_msg_free(cg__resp.buf);\n    return CC_SUCCESS;\n}\n\n");
        return;
    }
    cg_sb_puts(sb, "cg__out:\n    cg_msg_free(cg__resp.buf);\n    free(cg__iov);\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (cg_p_deep(prog, p) && pkind(p) == PK_BUF)
            cg_sb_printf(sb, "    free(cg__dc_%s);\n    free(cg__tb_%s);\n", p->name, p->name);
    }
    cg_sb_puts(sb, "    return cg__ret;\n}\n\n");
}
