/*
 * emit_common.c - code shared by the host and enclave emitters: message
 * layouts, caller proxies and callee stubs.
 *
 * Every generated identifier that is not part of the API starts with "cg__"
 * (sema rejects EDL names starting with "cg_"), so generated locals cannot
 * clash with parameters and static helpers cannot clash with user code.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* How a parameter travels. */
typedef enum pkind {
    PK_VALUE, /* by value, in the request header */
    PK_RAW,   /* [user_check] pointer: its value as uint64_t in the header */
    PK_BUF,   /* [in]/[out] pointer: length + presence in the header, data as a blob */
} pkind_t;

static pkind_t pkind(const cg_param_t *p)
{
    if (p->type.ptr_depth == 0)
        return PK_VALUE;
    return (p->attrs & CG_ATTR_USER_CHECK) ? PK_RAW : PK_BUF;
}

static bool p_in(const cg_param_t *p)
{
    return pkind(p) == PK_BUF && (p->attrs & CG_ATTR_IN);
}

static bool p_out(const cg_param_t *p)
{
    return pkind(p) == PK_BUF && (p->attrs & CG_ATTR_OUT);
}

static bool p_str(const cg_param_t *p)
{
    return (p->attrs & CG_ATTR_STRING) != 0;
}

static bool p_wstr(const cg_param_t *p)
{
    return (p->attrs & CG_ATTR_WSTRING) != 0;
}

/* bool travels as uint8_t: a peer could otherwise plant a bool that is
 * neither 0 nor 1, which is undefined behaviour to read. */
static bool is_bool(const cg_type_t *t)
{
    return t->kind == CG_BASE_BOOL && t->ptr_depth == 0;
}

static bool has_ret(const cg_func_t *f)
{
    return !cg_type_is_void(&f->ret);
}

static bool has_req_hdr(const cg_func_t *f)
{
    return f->nparams > 0;
}

static bool has_resp_hdr(const cg_func_t *f)
{
    return has_ret(f) || f->propagate_errno;
}

static size_t count_in_bufs(const cg_func_t *f)
{
    size_t i, n = 0;
    for (i = 0; i < f->nparams; i++)
        n += p_in(&f->params[i]);
    return n;
}

char *cg_guard_name(const char *base, const char *suffix)
{
    char *g = cg_xasprintf("%s_%s", base, suffix);
    char *c;
    for (c = g; *c; c++) {
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
        else if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            *c = '_';
    }
    return g;
}

char *cg_host_proxy_name(const cg_program_t *prog, const cg_func_t *f)
{
    return prog->use_prefix ? cg_xasprintf("%s_%s", prog->base, f->name) : cg_xstrdup(f->name);
}

static void put_decl(cg_sbuf_t *sb, const cg_type_t *t, const char *name, bool drop_const)
{
    char *d = cg_type_decl(t, name, drop_const);
    cg_sb_puts(sb, d);
    free(d);
}

static void emit_params(cg_sbuf_t *sb, const cg_func_t *f, bool first)
{
    size_t i;
    for (i = 0; i < f->nparams; i++) {
        if (!first || i)
            cg_sb_puts(sb, ", ");
        put_decl(sb, &f->params[i].type, f->params[i].name, false);
    }
    if (first && f->nparams == 0)
        cg_sb_puts(sb, "void");
}

void cg_emit_user_prototype(cg_sbuf_t *sb, const cg_func_t *f)
{
    put_decl(sb, &f->ret, f->name, false);
    cg_sb_puts(sb, "(");
    emit_params(sb, f, true);
    cg_sb_puts(sb, ")");
}

void cg_emit_proxy_prototype(cg_sbuf_t *sb, const cg_func_t *f, const char *name, bool host)
{
    bool first = true;
    cg_sb_printf(sb, "cc_enclave_result_t %s(", name);
    if (host) {
        cg_sb_puts(sb, "cc_enclave_t *enclave");
        first = false;
    }
    if (has_ret(f)) {
        if (!first)
            cg_sb_puts(sb, ", ");
        put_decl(sb, &f->ret, "*retval", true);
        first = false;
    }
    emit_params(sb, f, first);
    cg_sb_puts(sb, ")");
}

static void emit_utype(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t i, j;
    const char *kw = u->kind == CG_UT_STRUCT ? "struct" : u->kind == CG_UT_UNION ? "union" : "enum";
    if (u->name)
        cg_sb_printf(sb, "typedef %s %s {\n", kw, u->name);
    else
        cg_sb_printf(sb, "%s {\n", kw);
    if (u->kind == CG_UT_ENUM) {
        for (i = 0; i < u->nenums; i++) {
            cg_sb_printf(sb, "    %s", u->enums[i].name);
            if (u->enums[i].value)
                cg_sb_printf(sb, " = %s", u->enums[i].value);
            cg_sb_puts(sb, i + 1 < u->nenums ? ",\n" : "\n");
        }
    } else {
        for (i = 0; i < u->nmembers; i++) {
            const cg_param_t *m = &u->members[i];
            cg_sb_puts(sb, "    ");
            put_decl(sb, &m->type, m->name, false);
            for (j = 0; j < m->ndims; j++)
                cg_sb_printf(sb, "[%llu]", m->dims[j]);
            cg_sb_puts(sb, ";\n");
        }
    }
    if (u->name)
        cg_sb_printf(sb, "} %s;\n\n", u->name);
    else
        cg_sb_puts(sb, "};\n\n");
}

void cg_emit_header_common(cg_sbuf_t *sb, const cg_program_t *prog)
{
    size_t i;
    (void)sb;
    cg_sb_puts(sb, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <wchar.h>\n\n");
    for (i = 0; i < prog->nincludes; i++)
        cg_sb_printf(sb, "#include \"%s\"\n", prog->includes[i]->path);
    if (prog->nincludes)
        cg_sb_puts(sb, "\n");
    if (prog->nutypes) {
        /* Both _u.h and _t.h define the EDL types; the guard lets one
         * translation unit include both. */
        char *g = cg_guard_name(prog->base, "EDL_TYPES_DEFINED");
        cg_sb_printf(sb, "#ifndef %s\n#define %s\n\n", g, g);
        for (i = 0; i < prog->nutypes; i++)
            emit_utype(sb, prog->utypes[i]);
        cg_sb_printf(sb, "#endif /* %s */\n\n", g);
        free(g);
    }
}

enum {
    NEED_BYTES = 1u << 0,
    NEED_PLACE = 1u << 1,
    NEED_PUT = 1u << 2,
    NEED_TERM = 1u << 3,
    NEED_WTERM = 1u << 4,
};

/* The helpers the proxy (@proxy) or the stub of @f uses: only those are
 * emitted, because clang warns about unused static inline functions. */
static unsigned helper_needs(const cg_func_t *f, bool proxy)
{
    unsigned n = 0;
    size_t i;
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        bool str = p_str(p) || p_wstr(p);
        if (pkind(p) != PK_BUF)
            continue;
        n |= NEED_PLACE;
        if (!str)
            n |= NEED_BYTES;
        if (proxy && p_in(p))
            n |= NEED_PUT;
        if (str && (proxy ? p_out(p) : p_in(p)))
            n |= p_str(p) ? NEED_TERM : NEED_WTERM;
    }
    return n;
}

void cg_emit_source_helpers(cg_sbuf_t *sb, const cg_program_t *prog, bool host)
{
    unsigned need = 0;
    size_t i;
    for (i = 0; i < prog->ntrusted; i++)
        need |= helper_needs(prog->trusted[i], host);
    for (i = 0; i < prog->nuntrusted; i++)
        need |= helper_needs(prog->untrusted[i], !host);
    if (need & NEED_PUT)
        cg_sb_puts(sb,
        "/* Padding source: blobs start at CG_MSG_ALIGN-aligned offsets. */\n"
        "static const uint8_t cg__zeros[CG_MSG_ALIGN];\n"
        "\n");
    if (need & NEED_BYTES)
        cg_sb_puts(sb,
        "/* Byte length s * c * e of a buffer, refusing negative factors, overflow\n"
        " * and anything larger than CG_MAX_MESSAGE. */\n"
        "static inline int cg__bytes(int sneg, unsigned long long s, int cneg, unsigned long long c,\n"
        "                            size_t e, size_t *out)\n"
        "{\n"
        "    size_t t;\n"
        "    if (sneg || cneg || (size_t)s != s || (size_t)c != c)\n"
        "        return 0;\n"
        "    if (!cg_size_mul((size_t)s, (size_t)c, &t) || !cg_size_mul(t, e, &t) || t > CG_MAX_MESSAGE)\n"
        "        return 0;\n"
        "    *out = t;\n"
        "    return 1;\n"
        "}\n"
        "\n");
    if (need & NEED_PLACE)
        cg_sb_puts(sb,
        "/* Place a blob of @len bytes at the next aligned offset after *cur. */\n"
        "static inline int cg__place(size_t *cur, size_t len, size_t *start)\n"
        "{\n"
        "    size_t s, e;\n"
        "    if (!cg_size_align(*cur, &s) || !cg_size_add(s, len, &e) || e > CG_MAX_MESSAGE)\n"
        "        return 0;\n"
        "    *start = s;\n"
        "    *cur = e;\n"
        "    return 1;\n"
        "}\n"
        "\n");
    if (need & NEED_PUT)
        cg_sb_puts(sb,
        "/* Append a blob (and the padding before it) to a request. */\n"
        "static inline int cg__put(cg_iov_t *iov, size_t *n, size_t *cur, const void *p, size_t len)\n"
        "{\n"
        "    size_t prev = *cur, start;\n"
        "    if (len == 0)\n"
        "        return 1;\n"
        "    if (!cg__place(cur, len, &start))\n"
        "        return 0;\n"
        "    if (start != prev) {\n"
        "        iov[*n].base = cg__zeros;\n"
        "        iov[*n].len = start - prev;\n"
        "        (*n)++;\n"
        "    }\n"
        "    iov[*n].base = p;\n"
        "    iov[*n].len = len;\n"
        "    (*n)++;\n"
        "    return 1;\n"
        "}\n"
        "\n");
    if (need & NEED_TERM)
        cg_sb_puts(sb,
        "/* Does a [string] blob hold a terminator? */\n"
        "static inline int cg__term(const uint8_t *p, size_t len)\n"
        "{\n"
        "    return memchr(p, 0, len) != NULL;\n"
        "}\n"
        "\n");
    if (need & NEED_WTERM)
        cg_sb_puts(sb,
        "/* Does a [wstring] blob hold a terminator? (len is a multiple of sizeof(wchar_t)) */\n"
        "static inline int cg__wterm(const uint8_t *p, size_t len)\n"
        "{\n"
        "    size_t i;\n"
        "    wchar_t w;\n"
        "    for (i = 0; i + sizeof w <= len; i += sizeof w) {\n"
        "        memcpy(&w, p + i, sizeof w);\n"
        "        if (w == 0)\n"
        "            return 1;\n"
        "    }\n"
        "    return 0;\n"
        "}\n"
        "\n");
}

void cg_emit_msg_types(cg_sbuf_t *sb, const cg_func_t *f)
{
    size_t i;
    if (has_req_hdr(f)) {
        cg_sb_printf(sb, "typedef struct cg__req_%s {\n", f->name);
        for (i = 0; i < f->nparams; i++) {
            const cg_param_t *p = &f->params[i];
            switch (pkind(p)) {
            case PK_VALUE:
                if (is_bool(&p->type)) {
                    cg_sb_printf(sb, "    uint8_t v_%s;\n", p->name);
                } else {
                    char *n = cg_xasprintf("v_%s", p->name);
                    cg_sb_puts(sb, "    ");
                    put_decl(sb, &p->type, n, true);
                    cg_sb_puts(sb, ";\n");
                    free(n);
                }
                break;
            case PK_RAW:
                cg_sb_printf(sb, "    uint64_t v_%s; /* [user_check] pointer value */\n", p->name);
                break;
            case PK_BUF:
                cg_sb_printf(sb, "    uint64_t l_%s; /* byte length of the blob */\n", p->name);
                cg_sb_printf(sb, "    uint8_t f_%s;  /* 1: non-NULL pointer */\n", p->name);
                break;
            }
        }
        cg_sb_printf(sb, "} cg__req_%s_t;\n\n", f->name);
    }
    if (has_resp_hdr(f)) {
        cg_sb_printf(sb, "typedef struct cg__resp_%s {\n", f->name);
        if (has_ret(f)) {
            if (is_bool(&f->ret)) {
                cg_sb_puts(sb, "    uint8_t r;\n");
            } else {
                cg_sb_puts(sb, "    ");
                put_decl(sb, &f->ret, "r", true);
                cg_sb_puts(sb, ";\n");
            }
        }
        if (f->propagate_errno)
            cg_sb_puts(sb, "    int e; /* errno after the call */\n");
        cg_sb_printf(sb, "} cg__resp_%s_t;\n\n", f->name);
    }
}

/* One factor of a length: "NEG, VALUE" arguments of cg__bytes(). */
static void emit_factor(cg_sbuf_t *sb, const cg_func_t *f, const cg_param_t *p, bool is_size, const char *prefix)
{
    const cg_expr_t *e = is_size ? &p->size : &p->count;
    int idx = is_size ? p->size_param : p->count_param;
    if (e->kind == CG_EXPR_INT) {
        cg_sb_printf(sb, "0, %lluULL", e->num);
    } else if (e->kind == CG_EXPR_IDENT && idx >= 0) {
        /* "x > 0" rather than "x < 0" keeps -Wtype-limits quiet for
         * unsigned types while still catching negative values. */
        const char *n = f->params[idx].name;
        cg_sb_printf(sb, "(!((%s%s) > 0) && (%s%s) != 0), (unsigned long long)(%s%s)", prefix, n, prefix, n,
                     prefix, n);
    } else {
        cg_sb_puts(sb, "0, 1ULL");
    }
}

/* Emit "if (!cg__bytes(...)) <fail>" computing the byte length of the buffer
 * of @p into @dst from the scalars named with @prefix. */
static void emit_len_calc(cg_sbuf_t *sb, const char *ind, const cg_func_t *f, const cg_param_t *p,
                          const char *prefix, const char *dst)
{
    bool sz = (p->attrs & CG_ATTR_SIZE) != 0, ct = (p->attrs & CG_ATTR_COUNT) != 0;
    cg_sb_printf(sb, "%sif (!cg__bytes(", ind);
    emit_factor(sb, f, p, true, prefix);
    cg_sb_puts(sb, ", ");
    emit_factor(sb, f, p, false, prefix);
    cg_sb_puts(sb, ", ");
    if (sz) {
        cg_sb_puts(sb, "1"); /* size= is in bytes, with or without count= */
    } else if (p->type.ptr_depth == 1 && p->type.kind == CG_BASE_VOID) {
        cg_sb_puts(sb, "1");
    } else {
        char *pt = cg_type_pointee(&p->type);
        cg_sb_printf(sb, "sizeof(%s)", pt);
        free(pt);
    }
    (void)ct;
    cg_sb_printf(sb, ", &%s))\n%s    return CC_ERROR_BAD_PARAMETERS;\n", dst, ind);
}

void cg_emit_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f, unsigned id, bool host)
{
    size_t i, niov = 1 + 2 * count_in_bufs(f);
    char *name = host ? cg_host_proxy_name(prog, f) : cg_xstrdup(f->name);

    cg_sb_printf(sb, "/* %s proxy of %s (id %u). */\n", host ? "ECALL" : "OCALL", f->name, id);
    cg_emit_proxy_prototype(sb, f, name, host);
    free(name);
    cg_sb_puts(sb, "\n{\n");
    if (has_req_hdr(f))
        cg_sb_printf(sb, "    cg__req_%s_t cg__req;\n", f->name);
    if (has_resp_hdr(f))
        cg_sb_printf(sb, "    cg__resp_%s_t cg__rh;\n", f->name);
    cg_sb_printf(sb, "    cg_iov_t cg__iov[%zu] = {{NULL, 0}};\n", niov);
    cg_sb_puts(sb, "    size_t cg__niov = 0;\n    size_t cg__cur = 0;\n    size_t cg__rcur = 0;\n");
    cg_sb_puts(sb, "    cg_msg_t cg__resp = {NULL, 0};\n    cc_enclave_result_t cg__ret;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (pkind(p) != PK_BUF)
            continue;
        cg_sb_printf(sb, "    size_t cg__len_%s = 0;\n", p->name);
        if (p_out(p))
            cg_sb_printf(sb, "    size_t cg__roff_%s = 0;\n", p->name);
    }
    cg_sb_puts(sb, "\n");

    /* Request header. */
    if (has_req_hdr(f))
        cg_sb_puts(sb, "    memset(&cg__req, 0, sizeof cg__req); /* no stale bytes in the padding */\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        switch (pkind(p)) {
        case PK_VALUE:
            if (is_bool(&p->type))
                cg_sb_printf(sb, "    cg__req.v_%s = (uint8_t)(%s ? 1 : 0);\n", p->name, p->name);
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
                cg_sb_puts(sb, "            return CC_ERROR_BAD_PARAMETERS;\n");
                cg_sb_printf(sb, "        cg__len_%s += 1; /* with the terminator */\n", p->name);
            } else if (p_wstr(p)) {
                cg_sb_printf(sb, "        cg__len_%s = wcslen(%s);\n", p->name, p->name);
                cg_sb_printf(sb, "        if (cg__len_%s >= CG_MAX_MESSAGE / sizeof(wchar_t))\n", p->name);
                cg_sb_puts(sb, "            return CC_ERROR_BAD_PARAMETERS;\n");
                cg_sb_printf(sb, "        cg__len_%s = (cg__len_%s + 1) * sizeof(wchar_t);\n", p->name, p->name);
            } else {
                emit_len_calc(sb, "        ", f, p, "", dst);
            }
            cg_sb_printf(sb, "        cg__req.l_%s = (uint64_t)cg__len_%s;\n", p->name, p->name);
            cg_sb_printf(sb, "        cg__req.f_%s = 1;\n    }\n", p->name);
            free(dst);
            break;
        }
        }
    }
    if (has_req_hdr(f)) {
        cg_sb_puts(sb, "    cg__iov[0].base = &cg__req;\n    cg__iov[0].len = sizeof cg__req;\n");
        cg_sb_puts(sb, "    cg__niov = 1;\n    cg__cur = sizeof cg__req;\n");
    }
    /* [in] and [in, out] blobs, straight from the caller's memory. */
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!p_in(p))
            continue;
        cg_sb_printf(sb, "    if (!cg__put(cg__iov, &cg__niov, &cg__cur, %s, cg__len_%s))\n", p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
    }
    /* Expected response layout. */
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    cg__rcur = sizeof cg__rh;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!p_out(p))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg__place(&cg__rcur, cg__len_%s, &cg__roff_%s))\n", p->name,
                     p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
    }
    cg_sb_puts(sb, "    (void)cg__cur;\n\n");

    if (host)
        cg_sb_printf(sb, "    cg__ret = cg_host_ecall(enclave, %uu, cg__iov, cg__niov, &cg__resp, &%s_ocall_table);\n",
                     id, prog->base);
    else
        cg_sb_printf(sb, "    cg__ret = cg_enclave_ocall(%uu, cg__iov, cg__niov, &cg__resp);\n", id);
    cg_sb_puts(sb, "    if (cg__ret != CC_SUCCESS) {\n        cg_msg_free(cg__resp.buf);\n        return cg__ret;\n    }\n");
    /* The peer is not trusted: check the response before using any of it. */
    cg_sb_puts(sb, "    if (cg__resp.len != cg__rcur || (cg__rcur != 0 && cg__resp.buf == NULL)) {\n");
    cg_sb_puts(sb, "        cg_msg_free(cg__resp.buf);\n        return CC_ERROR_PROTOCOL;\n    }\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!(p_out(p) && (p_str(p) || p_wstr(p))))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !%s(cg__resp.buf + cg__roff_%s, cg__len_%s)) {\n", p->name,
                     p_str(p) ? "cg__term" : "cg__wterm", p->name, p->name);
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
        if (!p_out(p))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0)\n        memcpy(%s, cg__resp.buf + cg__roff_%s, cg__len_%s);\n",
                     p->name, p->name, p->name, p->name);
    }
    cg_sb_puts(sb, "    cg_msg_free(cg__resp.buf);\n    return CC_SUCCESS;\n}\n\n");
}

void cg_emit_stub(cg_sbuf_t *sb, const cg_func_t *f)
{
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
        if (p_in(p))
            cg_sb_printf(sb, "    size_t cg__off_%s = 0;\n", p->name);
        if (p_out(p))
            cg_sb_printf(sb, "    size_t cg__roff_%s = 0;\n", p->name);
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
            emit_len_calc(sb, "        ", f, p, "cg__req.v_", "cg__want");
            cg_sb_printf(sb, "        if (cg__want != cg__len_%s)\n            return CC_ERROR_BAD_PARAMETERS;\n", p->name);
        }
        cg_sb_puts(sb, "    }\n");
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!p_in(p))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg__place(&cg__cur, cg__len_%s, &cg__off_%s))\n", p->name,
                     p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
    }
    cg_sb_puts(sb, "    if (cg__cur != cg__in_len)\n        return CC_ERROR_BAD_PARAMETERS;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!(p_in(p) && (p_str(p) || p_wstr(p))))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !%s(cg__in + cg__off_%s, cg__len_%s))\n", p->name,
                     p_str(p) ? "cg__term" : "cg__wterm", p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
    }
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    cg__rcur = sizeof cg__rh;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!p_out(p))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg__place(&cg__rcur, cg__len_%s, &cg__roff_%s))\n", p->name,
                     p->name, p->name);
        cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
    }
    /* cg_msg_alloc zero-fills: [out] buffers start zeroed, so nothing private leaks through
     * bytes the function does not write. */
    cg_sb_puts(sb, "    if (cg__rcur != 0) {\n        cg__rbuf = (uint8_t *)cg_msg_alloc(cg__rcur);\n");
    cg_sb_puts(sb, "        if (cg__rbuf == NULL)\n            return CC_ERROR_OUT_OF_MEMORY;\n    }\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!(p_in(p) && p_out(p)))
            continue;
        cg_sb_printf(sb, "    if (cg__len_%s != 0)\n        memcpy(cg__rbuf + cg__roff_%s, cg__in + cg__off_%s, cg__len_%s);\n",
                     p->name, p->name, p->name, p->name);
    }
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    memset(&cg__rh, 0, sizeof cg__rh);\n");
    cg_sb_puts(sb, "    ");
    if (has_ret(f))
        cg_sb_puts(sb, "cg__rh.r = ");
    if (has_ret(f) && is_bool(&f->ret))
        cg_sb_puts(sb, "(uint8_t)(");
    cg_sb_printf(sb, "%s(", f->name);
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        char *t = cg_type_decl(&p->type, NULL, false);
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
            cg_sb_printf(sb, "(%s)(uintptr_t)cg__req.v_%s", t, p->name);
            break;
        case PK_BUF:
            /* [out] and [in, out] live in the response buffer; [in] points
             * into the private request copy. Length 0 means NULL. */
            if (p_out(p))
                cg_sb_printf(sb, "cg__len_%s != 0 ? (%s)(void *)(cg__rbuf + cg__roff_%s) : NULL", p->name, t, p->name);
            else
                cg_sb_printf(sb, "cg__len_%s != 0 ? (%s)(uintptr_t)(cg__in + cg__off_%s) : NULL", p->name, t, p->name);
            break;
        }
        free(t);
    }
    cg_sb_puts(sb, ")");
    if (has_ret(f) && is_bool(&f->ret))
        cg_sb_puts(sb, " ? 1 : 0)");
    cg_sb_puts(sb, ";\n");
    if (f->propagate_errno)
        cg_sb_puts(sb, "    cg__rh.e = errno;\n");
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
