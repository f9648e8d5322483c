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
    if (!cg_param_is_indirect(p))
        return PK_VALUE;
    return cg_param_is_raw(p) ? PK_RAW : PK_BUF;
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

/* long double by value: x87's 80-bit format uses 10 of its 16 bytes, and
 * a plain copy may carry whatever the stack held in the other 6 to the
 * peer, so it is stored with cg__put_ld(). */
static bool is_ld(const cg_type_t *t)
{
    return t->kind == CG_BASE_FLOAT && t->ptr_depth == 0 && strcmp(t->name, "long double") == 0;
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

static void put_dims(cg_sbuf_t *sb, const cg_param_t *p, size_t from)
{
    size_t j;
    for (j = from; j < p->ndims; j++)
        cg_sb_printf(sb, "[%llu]", p->dims[j]);
}

static void emit_params(cg_sbuf_t *sb, const cg_func_t *f, bool first)
{
    size_t i;
    for (i = 0; i < f->nparams; i++) {
        if (!first || i)
            cg_sb_puts(sb, ", ");
        put_decl(sb, &f->params[i].type, f->params[i].name, false);
        put_dims(sb, &f->params[i], 0);
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
    size_t i;
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
            put_dims(sb, m, 0);
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
    NEED_XV = 1u << 5,
    NEED_XADD = 1u << 6,
    NEED_XSUB = 1u << 7,
    NEED_XMUL = 1u << 8,
    NEED_XDIV = 1u << 9,
    NEED_XMOD = 1u << 10,
};

/* The checked-arithmetic helpers a size/count expression uses. */
static unsigned expr_needs(const cg_expr_t *e)
{
    switch (e->kind) {
    case CG_EXPR_IDENT:
        return NEED_XV;
    case CG_EXPR_BIN:
        return expr_needs(e->lhs) | expr_needs(e->rhs) |
               (e->op == '+' ? NEED_XADD : e->op == '-' ? NEED_XSUB : e->op == '*' ? NEED_XMUL
                : e->op == '/' ? NEED_XDIV : NEED_XMOD);
    default:
        return 0;
    }
}

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
            n |= NEED_BYTES | expr_needs(&p->size) | expr_needs(&p->count);
        if (proxy && p_in(p))
            n |= NEED_PUT;
        if (str && (proxy ? p_out(p) : p_in(p)))
            n |= p_str(p) ? NEED_TERM : NEED_WTERM;
    }
    return n;
}


/* ---- padding-free copies of EDL structs ---- */

/* The EDL definition of by-value struct type @t, or NULL (a union, a
 * typedef from a header, a pointer). */
static const cg_utype_t *edl_struct(const cg_program_t *prog, const cg_type_t *t)
{
    size_t i;
    if (t->kind != CG_BASE_STRUCT || t->ptr_depth != 0 || strncmp(t->name, "struct ", 7) != 0)
        return NULL;
    for (i = 0; i < prog->nutypes; i++) {
        const cg_utype_t *u = prog->utypes[i];
        if (u->kind == CG_UT_STRUCT && u->name && strcmp(u->name, t->name + 7) == 0)
            return u;
    }
    return NULL;
}

static size_t utype_index(const cg_program_t *prog, const cg_utype_t *u)
{
    size_t i;
    for (i = 0; i < prog->nutypes; i++)
        if (prog->utypes[i] == u)
            break;
    return i;
}

/* Mark @u and every EDL struct it holds by value. */
static void mark_clean(const cg_program_t *prog, const cg_utype_t *u, bool *marks)
{
    size_t i, k = utype_index(prog, u);
    if (k >= prog->nutypes || marks[k])
        return;
    marks[k] = true;
    for (i = 0; i < u->nmembers; i++) {
        const cg_utype_t *m = edl_struct(prog, &u->members[i].type);
        if (m)
            mark_clean(prog, m, marks);
    }
}

/* cg__clean_<S>(): copy an EDL struct member by member into a zeroed
 * destination, so that its padding stays zero. A stub returns a struct by
 * value through the response; a plain copy would carry whatever the
 * callee's stack held in the padding to the peer. */
static void emit_clean_fns(cg_sbuf_t *sb, const cg_program_t *prog, const bool *marks)
{
    size_t i, j, k;
    for (i = 0; i < prog->nutypes; i++)
        if (marks[i])
            cg_sb_printf(sb, "static void cg__clean_%s(struct %s *cg__d, const struct %s *cg__s);\n",
                         prog->utypes[i]->name, prog->utypes[i]->name, prog->utypes[i]->name);
    for (i = 0; i < prog->nutypes; i++) {
        const cg_utype_t *u = prog->utypes[i];
        size_t maxd = 0;
        if (!marks[i])
            continue;
        cg_sb_printf(sb, "\n/* Member by member: the padding of *cg__d (zeroed by the caller) stays zero. */\n"
                         "static void cg__clean_%s(struct %s *cg__d, const struct %s *cg__s)\n{\n",
                     u->name, u->name, u->name);
        for (j = 0; j < u->nmembers; j++)
            if (u->members[j].ndims > maxd)
                maxd = u->members[j].ndims;
        for (k = 0; k < maxd; k++)
            cg_sb_printf(sb, "    size_t cg__i%zu;\n", k);
        for (j = 0; j < u->nmembers; j++) {
            const cg_param_t *m = &u->members[j];
            const cg_utype_t *ms = edl_struct(prog, &m->type);
            cg_sbuf_t idx;
            cg_sb_init(&idx);
            cg_sb_puts(&idx, "");
            for (k = 0; k < m->ndims; k++) {
                cg_sb_printf(sb, "%*sfor (cg__i%zu = 0; cg__i%zu < %lluu; cg__i%zu++)\n", (int)(4 + 4 * k), "", k, k,
                             m->dims[k], k);
                cg_sb_printf(&idx, "[cg__i%zu]", k);
            }
            cg_sb_printf(sb, "%*s", (int)(4 + 4 * m->ndims), "");
            if (ms)
                cg_sb_printf(sb, "cg__clean_%s(&cg__d->%s%s, &cg__s->%s%s);\n", ms->name, m->name, idx.s, m->name,
                             idx.s);
            else if (is_ld(&m->type))
                cg_sb_printf(sb, "cg__put_ld((void *)&cg__d->%s%s, cg__s->%s%s);\n", m->name, idx.s, m->name, idx.s);
            else if (m->type.const_mask & (1u << m->type.ptr_depth)) /* const: not assignable */
                cg_sb_printf(sb, "memcpy((void *)&cg__d->%s%s, &cg__s->%s%s, sizeof cg__d->%s%s);\n", m->name, idx.s,
                             m->name, idx.s, m->name, idx.s);
            else
                cg_sb_printf(sb, "cg__d->%s%s = cg__s->%s%s;\n", m->name, idx.s, m->name, idx.s);
            cg_sb_free(&idx);
        }
        cg_sb_puts(sb, "}\n");
    }
    cg_sb_puts(sb, "\n");
}

void cg_emit_source_helpers(cg_sbuf_t *sb, const cg_program_t *prog, bool host)
{
    unsigned need = 0;
    size_t i, j;
    bool need_ld = false, any = false;
    bool *marks = cg_xcalloc(prog->nutypes + 1, sizeof *marks);
    /* Stubs of this side return, and proxies of this side send by value,
     * structs and long doubles whose padding must not travel. */
    cg_func_t *const *fs = host ? prog->untrusted : prog->trusted;
    size_t nf = host ? prog->nuntrusted : prog->ntrusted;
    cg_func_t *const *ps = host ? prog->trusted : prog->untrusted;
    size_t np = host ? prog->ntrusted : prog->nuntrusted;
    for (i = 0; i < nf; i++) {
        const cg_utype_t *u = edl_struct(prog, &fs[i]->ret);
        need_ld |= is_ld(&fs[i]->ret);
        if (u) {
            mark_clean(prog, u, marks);
            any = true;
        }
    }
    for (i = 0; i < np; i++) {
        for (j = 0; j < ps[i]->nparams; j++) {
            const cg_param_t *p = &ps[i]->params[j];
            const cg_utype_t *u = pkind(p) == PK_VALUE ? edl_struct(prog, &p->type) : NULL;
            need_ld |= pkind(p) == PK_VALUE && is_ld(&p->type);
            if (u) {
                mark_clean(prog, u, marks);
                any = true;
            }
        }
    }
    for (i = 0; i < prog->nutypes; i++)
        for (j = 0; marks[i] && j < prog->utypes[i]->nmembers; j++)
            need_ld |= is_ld(&prog->utypes[i]->members[j].type);
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
        "/* Byte length s * c * e of a buffer, refusing a failed size expression\n"
        " * (!ok: a negative value, overflow, division by zero), overflow and\n"
        " * anything larger than CG_MAX_MESSAGE. */\n"
        "static inline int cg__bytes(int ok, unsigned long long s, unsigned long long c, size_t e, size_t *out)\n"
        "{\n"
        "    size_t t;\n"
        "    if (!ok || (size_t)s != s || (size_t)c != c)\n"
        "        return 0;\n"
        "    if (!cg_size_mul((size_t)s, (size_t)c, &t) || !cg_size_mul(t, e, &t) || t > CG_MAX_MESSAGE)\n"
        "        return 0;\n"
        "    *out = t;\n"
        "    return 1;\n"
        "}\n"
        "\n");
    if (need & NEED_XV)
        cg_sb_puts(sb,
        "/* Checked arithmetic of size=/count= expressions: a failure clears *ok\n"
        " * and the length is refused. A size parameter must not be negative. */\n"
        "static inline unsigned long long cg__xv(int neg, unsigned long long v, int *ok)\n"
        "{\n"
        "    if (neg)\n"
        "        *ok = 0;\n"
        "    return v;\n"
        "}\n"
        "\n");
    if (need & NEED_XADD)
        cg_sb_puts(sb,
        "static inline unsigned long long cg__xadd(unsigned long long a, unsigned long long b, int *ok)\n"
        "{\n"
        "    unsigned long long r;\n"
        "    if (__builtin_add_overflow(a, b, &r))\n"
        "        *ok = 0;\n"
        "    return r;\n"
        "}\n"
        "\n");
    if (need & NEED_XSUB)
        cg_sb_puts(sb,
        "static inline unsigned long long cg__xsub(unsigned long long a, unsigned long long b, int *ok)\n"
        "{\n"
        "    if (b > a) {\n"
        "        *ok = 0;\n"
        "        return 0;\n"
        "    }\n"
        "    return a - b;\n"
        "}\n"
        "\n");
    if (need & NEED_XMUL)
        cg_sb_puts(sb,
        "static inline unsigned long long cg__xmul(unsigned long long a, unsigned long long b, int *ok)\n"
        "{\n"
        "    unsigned long long r;\n"
        "    if (__builtin_mul_overflow(a, b, &r))\n"
        "        *ok = 0;\n"
        "    return r;\n"
        "}\n"
        "\n");
    if (need & NEED_XDIV)
        cg_sb_puts(sb,
        "static inline unsigned long long cg__xdiv(unsigned long long a, unsigned long long b, int *ok)\n"
        "{\n"
        "    if (b == 0) {\n"
        "        *ok = 0;\n"
        "        return 0;\n"
        "    }\n"
        "    return a / b;\n"
        "}\n"
        "\n");
    if (need & NEED_XMOD)
        cg_sb_puts(sb,
        "static inline unsigned long long cg__xmod(unsigned long long a, unsigned long long b, int *ok)\n"
        "{\n"
        "    if (b == 0) {\n"
        "        *ok = 0;\n"
        "        return 0;\n"
        "    }\n"
        "    return a % b;\n"
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
    if (need_ld)
        cg_sb_puts(sb,
        "/* Store a long double without its padding bytes (x87: 10 of 16 used). */\n"
        "static inline void cg__put_ld(void *dst, long double v)\n"
        "{\n"
        "    memcpy(dst, &v, LDBL_MANT_DIG == 64 ? 10 : sizeof v);\n"
        "}\n"
        "\n");
    if (any)
        emit_clean_fns(sb, prog, marks);
    free(marks);
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

/* A size=/count= expression as C computing an unsigned long long, with
 * every step checked (cg__ok cleared on failure). Parameters are read from
 * @prefix<name>: the caller's arguments, or the callee's own copy of the
 * request header. */
static void emit_expr(cg_sbuf_t *sb, const cg_func_t *f, const cg_expr_t *e, const char *prefix)
{
    switch (e->kind) {
    case CG_EXPR_INT:
        cg_sb_printf(sb, "%lluULL", e->num);
        break;
    case CG_EXPR_IDENT: {
        /* "x > 0" rather than "x < 0" keeps -Wtype-limits quiet for
         * unsigned types while still catching negative values. */
        const char *n = f->params[e->param].name;
        cg_sb_printf(sb, "cg__xv(!((%s%s) > 0) && (%s%s) != 0, (unsigned long long)(%s%s), &cg__ok)", prefix, n,
                     prefix, n, prefix, n);
        break;
    }
    case CG_EXPR_BIN:
        cg_sb_printf(sb, "cg__x%s(", e->op == '+' ? "add" : e->op == '-' ? "sub" : e->op == '*' ? "mul"
                                     : e->op == '/' ? "div" : "mod");
        emit_expr(sb, f, e->lhs, prefix);
        cg_sb_puts(sb, ", ");
        emit_expr(sb, f, e->rhs, prefix);
        cg_sb_puts(sb, ", &cg__ok)");
        break;
    default:
        cg_sb_puts(sb, "1ULL");
        break;
    }
}

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
    put_dims(&sb, p, 1);
    return cg_sb_take(&sb);
}

/* Byte size of one element of the buffer of @p (of the whole array for
 * array parameters), as a C expression of type size_t. */
static char *elem_size(const cg_param_t *p)
{
    char *t, *r;
    if (p->ndims) {
        cg_sbuf_t sb;
        cg_sb_init(&sb);
        t = cg_type_decl(&p->type, NULL, false);
        cg_sb_printf(&sb, "sizeof(%s", t);
        free(t);
        put_dims(&sb, p, 0);
        cg_sb_puts(&sb, ")");
        return cg_sb_take(&sb);
    }
    if (p->attrs & CG_ATTR_ISARY)
        return cg_xasprintf("sizeof(%s)", p->type.name);
    if (p->attrs & CG_ATTR_SIZE)
        return cg_xstrdup("1"); /* size= is in bytes, with or without count= */
    if (p->attrs & CG_ATTR_ISPTR)
        return cg_xasprintf("sizeof(*(%s)0)", p->type.name); /* the typedef's pointee */
    if (p->type.ptr_depth == 1 && p->type.kind == CG_BASE_VOID)
        return cg_xstrdup("1"); /* count= on void * counts bytes */
    t = cg_type_pointee(&p->type);
    r = cg_xasprintf("sizeof(%s)", t);
    free(t);
    return r;
}

/* Emit statements computing the byte length of the buffer of @p into @dst
 * from the scalars named with @prefix, returning CC_ERROR_BAD_PARAMETERS
 * when it cannot be computed. Opens no scope: the caller is at the start
 * of a block of its own. */
static void emit_len_calc(cg_sbuf_t *sb, const char *ind, const cg_func_t *f, const cg_param_t *p,
                          const char *prefix, const char *dst)
{
    char *e = elem_size(p);
    cg_sb_printf(sb, "%sint cg__ok = 1;\n", ind);
    cg_sb_printf(sb, "%sunsigned long long cg__s = ", ind);
    emit_expr(sb, f, &p->size, prefix);
    cg_sb_printf(sb, ";\n%sunsigned long long cg__c = ", ind);
    emit_expr(sb, f, &p->count, prefix);
    cg_sb_printf(sb, ";\n%sif (!cg__bytes(cg__ok, cg__s, cg__c, %s, &%s))\n%s    return CC_ERROR_BAD_PARAMETERS;\n", ind,
                 e, dst, ind);
    free(e);
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
            else if (is_ld(&p->type))
                cg_sb_printf(sb, "    cg__put_ld(&cg__req.v_%s, %s);\n", p->name, p->name);
            else if (edl_struct(prog, &p->type)) /* keep the padding zero */
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

void cg_emit_stub(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    const cg_utype_t *clean = edl_struct(prog, &f->ret);
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
    if (clean) {
        put_decl(sb, &f->ret, "cg__r", true);
        cg_sb_puts(sb, " = ");
    } else if (has_ret(f) && is_ld(&f->ret)) {
        cg_sb_puts(sb, "cg__put_ld(&cg__rh.r, ");
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
