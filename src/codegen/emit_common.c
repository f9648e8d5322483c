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
 * peer, so it is stored with cg_put_long_double(). */
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

/* ---- deep copy: which parameters carry struct members' buffers ---- */

enum { DIR_IN = 1u, DIR_OUT = 2u };

/* The deep-copy struct whose pointer members parameter @p's data carries
 * (a struct by value, or [in]/[out] "struct S *" and "struct S a[N]"), or
 * NULL. */
static const cg_utype_t *p_deep(const cg_program_t *prog, const cg_param_t *p)
{
    const cg_type_t *t = &p->type;
    const cg_utype_t *u;
    if (t->kind != CG_BASE_STRUCT)
        return NULL;
    if (pkind(p) == PK_VALUE ? t->ptr_depth != 0
                             : pkind(p) != PK_BUF || t->ptr_depth != (p->ndims ? 0 : 1))
        return NULL;
    u = cg_find_struct(prog, t);
    return u && u->deep ? u : NULL;
}

/* Which way the members' buffers travel: by value is [in]. */
static unsigned deep_dir(const cg_param_t *p)
{
    if (pkind(p) == PK_VALUE)
        return DIR_IN;
    return ((p->attrs & CG_ATTR_IN) ? DIR_IN : 0u) | ((p->attrs & CG_ATTR_OUT) ? DIR_OUT : 0u);
}

static bool has_deep(const cg_program_t *prog, const cg_func_t *f)
{
    size_t i;
    for (i = 0; i < f->nparams; i++)
        if (p_deep(prog, &f->params[i]))
            return true;
    return false;
}

/* Does the request carry the parameter's buffer? [in] data; also a deep
 * [out] struct array, whose size fields the callee needs (the rest of it
 * is zero). */
static bool p_sends(const cg_program_t *prog, const cg_param_t *p)
{
    return p_in(p) || (p_out(p) && p_deep(prog, p));
}

static void emit_deep_helpers(cg_sbuf_t *sb, const cg_program_t *prog, const unsigned *needs);

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
                cg_sb_printf(sb, "cg_put_long_double((void *)&cg__d->%s%s, cg__s->%s%s);\n", m->name, idx.s, m->name, idx.s);
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

/* Generated deep-copy helpers per struct (only those a side uses are
 * emitted: unused static functions are warnings). */
enum {
    DS_SZ = 1u << 0,    /* cg__dsz_S: a member's byte length from the struct's size fields */
    DS_SET = 1u << 1,   /* cg__dset_S: store a member pointer */
    DS_PREP = 1u << 2,  /* cg__dprep_S: caller: scrubbed copy and length table */
    DS_BACK = 1u << 3,  /* cg__dback_S: caller: check and apply an [out] response */
    DS_WALK = 1u << 4,  /* cg__dwalk_S: callee: check the table, lay out, point members */
    DS_SCRUB = 1u << 5, /* cg__dscrub_S: callee: clean returned structs */
};

/* The helpers this side needs per struct (index as prog->utypes), marking
 * the structs whose cg__clean_<S>() they call. Caller frees. */
static unsigned *deep_needs(const cg_program_t *prog, bool host, bool *marks)
{
    unsigned *n = cg_xcalloc(prog->nutypes + 1, sizeof *n);
    size_t i, j;
    for (i = 0; i < prog->ntrusted + prog->nuntrusted; i++) {
        bool trusted = i < prog->ntrusted;
        const cg_func_t *f = trusted ? prog->trusted[i] : prog->untrusted[i - prog->ntrusted];
        bool proxy = trusted == host; /* the host proxies ECALLs, the enclave OCALLs */
        for (j = 0; j < f->nparams; j++) {
            const cg_utype_t *u = p_deep(prog, &f->params[j]);
            unsigned dir = deep_dir(&f->params[j]);
            size_t k;
            if (!u)
                continue;
            k = utype_index(prog, u);
            if (proxy)
                n[k] |= DS_SZ | DS_PREP | ((dir & DIR_OUT) ? DS_SET | DS_BACK : 0u);
            else
                n[k] |= DS_SZ | DS_SET | DS_WALK | ((dir & DIR_OUT) ? DS_SCRUB : 0u);
            if (n[k] & (DS_PREP | DS_SCRUB))
                mark_clean(prog, u, marks);
        }
    }
    return n;
}

void cg_emit_source_helpers(cg_sbuf_t *sb, const cg_program_t *prog, bool host)
{
    unsigned *deep;
    size_t i, j;
    bool any = false;
    bool *marks = cg_xcalloc(prog->nutypes + 1, sizeof *marks);
    /* Stubs of this side return, and proxies of this side send by value,
     * structs whose padding must not travel. */
    cg_func_t *const *fs = host ? prog->untrusted : prog->trusted;
    size_t nf = host ? prog->nuntrusted : prog->ntrusted;
    cg_func_t *const *ps = host ? prog->trusted : prog->untrusted;
    size_t np = host ? prog->ntrusted : prog->nuntrusted;
    for (i = 0; i < nf; i++) {
        const cg_utype_t *u = edl_struct(prog, &fs[i]->ret);
        if (u) {
            mark_clean(prog, u, marks);
            any = true;
        }
    }
    for (i = 0; i < np; i++) {
        for (j = 0; j < ps[i]->nparams; j++) {
            const cg_param_t *p = &ps[i]->params[j];
            const cg_utype_t *u = pkind(p) == PK_VALUE ? edl_struct(prog, &p->type) : NULL;
            if (u) {
                mark_clean(prog, u, marks);
                any = true;
            }
        }
    }
    deep = deep_needs(prog, host, marks);
    for (i = 0; i < prog->nutypes; i++)
        any |= deep[i] != 0;
    if (any)
        emit_clean_fns(sb, prog, marks);
    emit_deep_helpers(sb, prog, deep);
    free(deep);
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
static void emit_expr(cg_sbuf_t *sb, const cg_param_t *vars, const cg_expr_t *e, const char *prefix)
{
    switch (e->kind) {
    case CG_EXPR_INT:
        cg_sb_printf(sb, "%lluULL", e->num);
        break;
    case CG_EXPR_IDENT: {
        /* "x > 0" rather than "x < 0" keeps -Wtype-limits quiet for
         * unsigned types while still catching negative values. */
        const char *n = vars[e->param].name;
        cg_sb_printf(sb, "cg_expr_val(!((%s%s) > 0) && (%s%s) != 0, (unsigned long long)(%s%s), &cg__ok)", prefix, n,
                     prefix, n, prefix, n);
        break;
    }
    case CG_EXPR_BIN:
        cg_sb_printf(sb, "cg_expr_%s(", e->op == '+' ? "add" : e->op == '-' ? "sub" : e->op == '*' ? "mul"
                                     : e->op == '/' ? "div" : "mod");
        emit_expr(sb, vars, e->lhs, prefix);
        cg_sb_puts(sb, ", ");
        emit_expr(sb, vars, e->rhs, prefix);
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
 * from the scalars named with @prefix (@vars: the parameters, or the
 * members for a deep-copied member), running @fail when it cannot be
 * computed. Opens no scope: the caller is at the start of a block of its
 * own. */
static void emit_len_calc(cg_sbuf_t *sb, const char *ind, const cg_param_t *vars, const cg_param_t *p,
                          const char *prefix, const char *dst, const char *fail)
{
    char *e = elem_size(p);
    cg_sb_printf(sb, "%sint cg__ok = 1;\n", ind);
    cg_sb_printf(sb, "%sunsigned long long cg__s = ", ind);
    emit_expr(sb, vars, &p->size, prefix);
    cg_sb_printf(sb, ";\n%sunsigned long long cg__c = ", ind);
    emit_expr(sb, vars, &p->count, prefix);
    cg_sb_printf(sb, ";\n%sif (!cg_blob_len(cg__ok, cg__s, cg__c, %s, &%s))\n%s    %s\n", ind, e, dst, ind, fail);
    free(e);
}

/* ---- deep copy: generated per-struct helpers ---- */

/* Mark in @used the members that @e names. */
static void expr_members(const cg_expr_t *e, bool *used)
{
    if (e->kind == CG_EXPR_BIN) {
        expr_members(e->lhs, used);
        expr_members(e->rhs, used);
    } else if (e->kind == CG_EXPR_IDENT && e->param >= 0) {
        used[e->param] = true;
    }
}

/* cg__dsz_S(): the byte length of deep member j of a struct given as bytes
 * (a request may place it anywhere), from that struct's own size fields.
 * Each field is copied out once; the pointer is not looked at. */
static void emit_dsz(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t i, j, k = 0;
    bool *used = cg_xcalloc(u->nmembers + 1, sizeof *used);
    cg_sb_printf(sb, "/* Byte length of deep-copy member cg__j of the struct %s at cg__eb, from its\n"
                     " * own size fields; 0 if that cannot be computed (overflow, negative). */\n"
                     "static int cg__dsz_%s(const uint8_t *cg__eb, size_t cg__j, size_t *cg__out)\n{\n"
                     "    (void)cg__eb;\n    switch (cg__j) {\n", u->name, u->name);
    for (j = 0; j < u->nmembers; j++) {
        const cg_param_t *m = &u->members[j];
        if (!cg_member_is_deep(m))
            continue;
        memset(used, 0, (u->nmembers + 1) * sizeof *used);
        expr_members(&m->size, used);
        expr_members(&m->count, used);
        cg_sb_printf(sb, "    case %zu: { /* %s */\n        size_t cg__l = 0;\n", k++, m->name);
        for (i = 0; i < u->nmembers; i++) {
            char *n;
            if (!used[i])
                continue;
            n = cg_xasprintf("cg__v_%s", u->members[i].name);
            cg_sb_puts(sb, "        ");
            put_decl(sb, &u->members[i].type, n, true);
            cg_sb_printf(sb, ";\n        memcpy(&%s, cg__eb + offsetof(struct %s, %s), sizeof %s);\n", n, u->name,
                         u->members[i].name, n);
            free(n);
        }
        emit_len_calc(sb, "        ", u->members, m, "cg__v_", "cg__l", "return 0;");
        cg_sb_puts(sb, "        *cg__out = cg__l;\n        return 1;\n    }\n");
    }
    cg_sb_puts(sb, "    default:\n        return 0;\n    }\n}\n\n");
    free(used);
}

/* cg__dset_S(): store a pointer into deep member j of a struct given as
 * bytes (memcpy: the member may be a const pointer, the bytes unaligned). */
static void emit_dset(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t j, k = 0;
    cg_sb_printf(sb, "/* Point deep-copy member cg__j of the struct %s at cg__eb at cg__p. */\n"
                     "static void cg__dset_%s(uint8_t *cg__eb, size_t cg__j, const void *cg__p)\n{\n"
                     "    switch (cg__j) {\n", u->name, u->name);
    for (j = 0; j < u->nmembers; j++) {
        const cg_param_t *m = &u->members[j];
        char *t;
        if (!cg_member_is_deep(m))
            continue;
        t = cg_type_decl(&m->type, NULL, true);
        cg_sb_printf(sb, "    case %zu: {\n        %s cg__v = (%s)(uintptr_t)cg__p;\n"
                         "        memcpy(cg__eb + offsetof(struct %s, %s), &cg__v, sizeof cg__v);\n"
                         "        break;\n    }\n", k++, t, t, u->name, m->name);
        free(t);
    }
    cg_sb_puts(sb, "    default:\n        break;\n    }\n}\n\n");
}

/* cg__dprep_S(): the caller's side of a request. */
static void emit_dprep(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t i, j, k = 0;
    bool *used = cg_xcalloc(u->nmembers + 1, sizeof *used);
    for (j = 0; j < u->nmembers; j++) {
        if (cg_member_is_deep(&u->members[j])) {
            expr_members(&u->members[j].size, used);
            expr_members(&u->members[j].count, used);
        }
    }
    cg_sb_printf(sb,
                 "/* The caller's n structs %s as the request carries them, in the zeroed cg__dst:\n"
                 " * every member ([in]) or only the size fields ([out]), padding zero, deep\n"
                 " * pointers zero (no address crosses). cg__tb[i * %zu + j] gets the length of\n"
                 " * member j of struct i (0 for NULL), cg__tb[(n + i) * %zu + j] its address. */\n"
                 "static int cg__dprep_%s(struct %s *cg__dst, const struct %s *cg__src, size_t cg__n, int cg__all,\n"
                 "                        uint64_t *cg__tb)\n{\n    size_t cg__i, cg__l;\n"
                 "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
                 "        const struct %s *cg__e = &cg__src[cg__i];\n        struct %s *cg__d = &cg__dst[cg__i];\n"
                 "        if (cg__all) {\n            cg__clean_%s(cg__d, cg__e);\n        } else {\n",
                 u->name, u->ndeep, u->ndeep, u->name, u->name, u->name, u->name, u->name, u->name);
    for (i = 0; i < u->nmembers; i++)
        if (used[i])
            cg_sb_printf(sb, "            memcpy((void *)&cg__d->%s, &cg__e->%s, sizeof cg__d->%s);\n",
                         u->members[i].name, u->members[i].name, u->members[i].name);
    cg_sb_puts(sb, "        }\n");
    for (j = 0; j < u->nmembers; j++) {
        const char *m = u->members[j].name;
        if (!cg_member_is_deep(&u->members[j]))
            continue;
        cg_sb_printf(sb, "        memset((void *)&cg__d->%s, 0, sizeof cg__d->%s);\n        cg__l = 0;\n"
                         "        if (cg__e->%s != NULL && !cg__dsz_%s((const uint8_t *)cg__e, %zu, &cg__l))\n"
                         "            return 0;\n"
                         "        cg__tb[cg__i * %zu + %zu] = (uint64_t)cg__l;\n"
                         "        cg__tb[(cg__n + cg__i) * %zu + %zu] = (uint64_t)(uintptr_t)cg__e->%s;\n",
                     m, m, m, u->name, k, u->ndeep, k, u->ndeep, k, m);
        k++;
    }
    cg_sb_puts(sb, "    }\n    return 1;\n}\n\n");
    free(used);
}

/* cg__dback_S(): the caller's side of an [out] / [in, out] response. */
static void emit_dback(cg_sbuf_t *sb, const cg_utype_t *u)
{
    cg_sb_printf(sb,
        "/* The n structs %s of a response (at cg__rs + cg__soff, member blobs laid out\n"
        " * from cg__rcur as the request's table says): check them (cg__copy == 0), then\n"
        " * apply them (1) to the caller's structs. A member may come back shorter than\n"
        " * it went, never longer; the caller's own pointers are put back and the data\n"
        " * copied into the caller's buffers. */\n"
        "static int cg__dback_%s(struct %s *cg__dst, const uint8_t *cg__rs, size_t cg__soff, size_t cg__n,\n"
        "                        const uint64_t *cg__tb, size_t cg__rcur, int cg__copy)\n{\n"
        "    size_t cg__i, cg__j;\n"
        "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
        "        const uint8_t *cg__eb = cg__rs + cg__soff + cg__i * sizeof(struct %s);\n"
        "        if (cg__copy)\n"
        "            memcpy((void *)&cg__dst[cg__i], cg__eb, sizeof(struct %s));\n"
        "        for (cg__j = 0; cg__j < %zu; cg__j++) {\n"
        "            size_t cg__was = (size_t)cg__tb[cg__i * %zu + cg__j], cg__l = 0, cg__off = 0;\n"
        "            void *cg__p = (void *)(uintptr_t)cg__tb[(cg__n + cg__i) * %zu + cg__j];\n"
        "            if (cg__was != 0 && !cg_blob_place(&cg__rcur, cg__was, &cg__off))\n"
        "                return 0;\n"
        "            if (cg__p != NULL && (!cg__dsz_%s(cg__eb, cg__j, &cg__l) || cg__l > cg__was))\n"
        "                return 0;\n"
        "            if (cg__copy) {\n"
        "                cg__dset_%s((uint8_t *)&cg__dst[cg__i], cg__j, cg__p);\n"
        "                if (cg__l != 0)\n"
        "                    memcpy(cg__p, cg__rs + cg__off, cg__l);\n"
        "            }\n"
        "        }\n"
        "    }\n"
        "    return 1;\n"
        "}\n\n",
        u->name, u->name, u->name, u->name, u->name, u->ndeep, u->ndeep, u->ndeep, u->name, u->name);
}

/* cg__dwalk_S(): the callee's side of a request. */
static void emit_dwalk(cg_sbuf_t *sb, const cg_utype_t *u)
{
    cg_sb_printf(sb,
        "/* The deep members of the n structs %s at cg__eb (this side's copy, read for\n"
        " * their size fields only): each length in the table cg__tbl must be 0 or what\n"
        " * the struct gives; the member blobs are laid out from *cg__rq (request, if\n"
        " * not NULL) and *cg__rs (response, if not NULL). With cg__fix, the members of\n"
        " * the structs there are pointed at their blobs (response if they go back,\n"
        " * else request; NULL for length 0) and [in, out] data is copied over. */\n"
        "static int cg__dwalk_%s(const uint8_t *cg__tbl, const uint8_t *cg__eb, size_t cg__n, size_t *cg__rq,\n"
        "                        size_t *cg__rs, uint8_t *cg__fix, const uint8_t *cg__in, uint8_t *cg__out)\n{\n"
        "    size_t cg__i, cg__j;\n"
        "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
        "        for (cg__j = 0; cg__j < %zu; cg__j++) {\n"
        "            uint64_t cg__l;\n"
        "            size_t cg__want = 0, cg__qo = 0, cg__so = 0;\n"
        "            const void *cg__p = NULL;\n"
        "            memcpy(&cg__l, cg__tbl + (cg__i * %zu + cg__j) * sizeof cg__l, sizeof cg__l);\n"
        "            if (cg__l != 0) {\n"
        "                if (cg__l > CG_MAX_MESSAGE || !cg__dsz_%s(cg__eb + cg__i * sizeof(struct %s), cg__j, &cg__want) ||\n"
        "                    cg__want != cg__l)\n"
        "                    return 0;\n"
        "                if (cg__rq != NULL && !cg_blob_place(cg__rq, cg__want, &cg__qo))\n"
        "                    return 0;\n"
        "                if (cg__rs != NULL && !cg_blob_place(cg__rs, cg__want, &cg__so))\n"
        "                    return 0;\n"
        "            }\n"
        "            if (cg__fix == NULL)\n"
        "                continue;\n"
        "            if (cg__l != 0 && cg__rs != NULL) {\n"
        "                if (cg__rq != NULL)\n"
        "                    memcpy(cg__out + cg__so, cg__in + cg__qo, cg__want);\n"
        "                cg__p = cg__out + cg__so;\n"
        "            } else if (cg__l != 0) {\n"
        "                cg__p = cg__in + cg__qo;\n"
        "            }\n"
        "            cg__dset_%s(cg__fix + cg__i * sizeof(struct %s), cg__j, cg__p);\n"
        "        }\n"
        "    }\n"
        "    return 1;\n"
        "}\n\n",
        u->name, u->name, u->ndeep, u->ndeep, u->name, u->name, u->name, u->name);
}

/* cg__dscrub_S(): what the callee returns. */
static void emit_dscrub(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t j;
    cg_sb_printf(sb,
        "/* After the call: rebuild each returned struct %s member by member (padding\n"
        " * zero) with its deep pointers zero, so that neither an address of this side\n"
        " * nor a stray byte reaches the caller. */\n"
        "static void cg__dscrub_%s(uint8_t *cg__b, size_t cg__n)\n{\n    size_t cg__i;\n"
        "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
        "        struct %s cg__e, cg__c;\n"
        "        memcpy(&cg__e, cg__b + cg__i * sizeof cg__e, sizeof cg__e);\n"
        "        memset(&cg__c, 0, sizeof cg__c);\n"
        "        cg__clean_%s(&cg__c, &cg__e);\n",
        u->name, u->name, u->name, u->name);
    for (j = 0; j < u->nmembers; j++)
        if (cg_member_is_deep(&u->members[j]))
            cg_sb_printf(sb, "        memset((void *)&cg__c.%s, 0, sizeof cg__c.%s);\n", u->members[j].name,
                         u->members[j].name);
    cg_sb_puts(sb, "        memcpy(cg__b + cg__i * sizeof cg__c, &cg__c, sizeof cg__c);\n    }\n}\n\n");
}

static void emit_deep_helpers(cg_sbuf_t *sb, const cg_program_t *prog, const unsigned *needs)
{
    size_t i;
    for (i = 0; i < prog->nutypes; i++) {
        const cg_utype_t *u = prog->utypes[i];
        if (needs[i] & DS_SZ)
            emit_dsz(sb, u);
        if (needs[i] & DS_SET)
            emit_dset(sb, u);
        if (needs[i] & DS_PREP)
            emit_dprep(sb, u);
        if (needs[i] & DS_BACK)
            emit_dback(sb, u);
        if (needs[i] & DS_WALK)
            emit_dwalk(sb, u);
        if (needs[i] & DS_SCRUB)
            emit_dscrub(sb, u);
    }
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
        const cg_utype_t *u = p_deep(prog, p);
        if (!u) {
            nseg += p_in(p) ? 2 : 0;
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
        const cg_utype_t *u = p_deep(prog, p);
        if (!u || !(deep_dir(p) & DIR_IN))
            continue;
        cg_sb_printf(sb, "    for (cg__k = 0; cg__k < cg__n_%s * %zu; cg__k++)\n", p->name, u->ndeep);
        cg_sb_printf(sb, "        cg__nseg += cg__tb_%s[cg__k] != 0 ? 2 : 0;\n", p->name);
    }
    cg_sb_puts(sb, "    cg__iov = (cg_iov_t *)calloc(cg__nseg, sizeof *cg__iov);\n    if (cg__iov == NULL)\n");
    put_fail(sb, "        ", true, "CC_ERROR_OUT_OF_MEMORY");
}

/* Proxy: append parameter @p's request blobs. */
static void emit_proxy_put(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p, bool deep)
{
    const cg_utype_t *u = p_deep(prog, p);
    if (!u) {
        if (!p_in(p))
            return;
        cg_sb_printf(sb, "    if (!cg_blob_put(cg__iov, &cg__niov, &cg__cur, %s, cg__len_%s))\n", p->name, p->name);
        put_fail(sb, "        ", deep, "CC_ERROR_BAD_PARAMETERS");
        return;
    }
    /* The scrubbed copy, never the caller's structs (they hold addresses). */
    if (p_sends(prog, p)) {
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
    size_t i, niov = 1 + 2 * count_in_bufs(f);
    char *name = host ? cg_host_proxy_name(prog, f) : cg_xstrdup(f->name);
    bool deep = has_deep(prog, f);
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
        const cg_utype_t *u = p_deep(prog, p);
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
            if (p_deep(prog, p))
                break; /* cg__dprep_<S>() below fills it */
            if (is_bool(&p->type))
                cg_sb_printf(sb, "    cg__req.v_%s = (uint8_t)(%s ? 1 : 0);\n", p->name, p->name);
            else if (is_ld(&p->type))
                cg_sb_printf(sb, "    cg_put_long_double(&cg__req.v_%s, %s);\n", p->name, p->name);
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
                cg_sb_printf(sb, "            %s\n", bad);
                cg_sb_printf(sb, "        cg__len_%s += 1; /* with the terminator */\n", p->name);
            } else if (p_wstr(p)) {
                cg_sb_printf(sb, "        cg__len_%s = wcslen(%s);\n", p->name, p->name);
                cg_sb_printf(sb, "        if (cg__len_%s >= CG_MAX_MESSAGE / sizeof(wchar_t))\n", p->name);
                cg_sb_printf(sb, "            %s\n", bad);
                cg_sb_printf(sb, "        cg__len_%s = (cg__len_%s + 1) * sizeof(wchar_t);\n", p->name, p->name);
            } else {
                emit_len_calc(sb, "        ", f->params, p, "", dst, bad);
            }
            cg_sb_printf(sb, "        cg__req.l_%s = (uint64_t)cg__len_%s;\n", p->name, p->name);
            cg_sb_printf(sb, "        cg__req.f_%s = 1;\n    }\n", p->name);
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
        emit_proxy_put(sb, prog, &f->params[i], deep);
    /* Expected response layout. */
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    cg__rcur = sizeof cg__rh;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        const cg_utype_t *u = p_deep(prog, p);
        if (!p_out(p))
            continue;
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
        cg_sb_printf(sb, "    cg__ret = cg_enclave_ocall(%uu, cg__iov, cg__niov, &cg__resp);\n", id);
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
        const cg_utype_t *u = p_deep(prog, p);
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
        const cg_utype_t *u = p_deep(prog, p);
        if (!p_out(p))
            continue;
        if (u)
            cg_sb_printf(sb, "    if (cg__n_%s != 0)\n        (void)cg__dback_%s(%s, cg__resp.buf, cg__roff_%s, cg__n_%s, cg__tb_%s, cg__mr_%s, 1);\n",
                         p->name, u->name, p->name, p->name, p->name, p->name, p->name);
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
        if (p_deep(prog, p) && pkind(p) == PK_BUF)
            cg_sb_printf(sb, "    free(cg__dc_%s);\n    free(cg__tb_%s);\n", p->name, p->name);
    }
    cg_sb_puts(sb, "    return cg__ret;\n}\n\n");
}

void cg_emit_async_prototype(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    char *name = cg_host_proxy_name(prog, f);
    cg_sb_printf(sb, "cc_enclave_result_t %s_async(cc_enclave_t *enclave, int *task_id", name);
    free(name);
    if (has_ret(f)) {
        cg_sb_puts(sb, ", ");
        put_decl(sb, &f->ret, "*retval", true);
    }
    emit_params(sb, f, false);
    cg_sb_puts(sb, ")");
}

/* The arguments of the call, in the order of the proxy's parameters. */
static void emit_async_args(cg_sbuf_t *sb, const cg_func_t *f, const char *prefix)
{
    size_t i;
    for (i = 0; i < f->nparams; i++)
        cg_sb_printf(sb, ", %s%s", prefix, f->params[i].name);
}

void cg_emit_async_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    char *name = cg_host_proxy_name(prog, f);
    size_t i;

    /* The call's arguments as given (arrays as pointers): the call itself
     * is made later, by the synchronous proxy, on a host driver thread. */
    cg_sb_printf(sb, "/* %s_async(): the arguments, kept until a host thread makes the call. */\n", name);
    cg_sb_printf(sb, "typedef struct cg__async_%s {\n    cc_enclave_t *enclave;\n", f->name);
    if (has_ret(f)) {
        cg_sb_puts(sb, "    ");
        put_decl(sb, &f->ret, "r", true);
        cg_sb_puts(sb, ";\n");
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        char *member;
        cg_sb_puts(sb, "    ");
        if (p->attrs & CG_ATTR_ISARY) {
            cg_sb_printf(sb, "void *a_%s;\n", p->name); /* converts back to the element pointer */
            continue;
        }
        if (p->ndims > 0) {
            member = cg_xasprintf("(*a_%s)", p->name);
            put_decl(sb, &p->type, member, false);
            put_dims(sb, p, 1);
        } else {
            member = cg_xasprintf("a_%s", p->name);
            put_decl(sb, &p->type, member, true);
        }
        free(member);
        cg_sb_puts(sb, ";\n");
    }
    cg_sb_printf(sb, "} cg__async_%s_t;\n\n", f->name);

    cg_sb_printf(sb, "static cc_enclave_result_t cg__arun_%s(void *cg__cx)\n{\n", f->name);
    cg_sb_printf(sb, "    cg__async_%s_t *cg__a = (cg__async_%s_t *)cg__cx;\n", f->name, f->name);
    cg_sb_printf(sb, "    return %s(cg__a->enclave%s", name, has_ret(f) ? ", &cg__a->r" : "");
    emit_async_args(sb, f, "cg__a->a_");
    cg_sb_puts(sb, ");\n}\n\n");
    if (has_ret(f)) {
        cg_sb_printf(sb, "static void cg__atake_%s(void *cg__cx, void *cg__dst)\n{\n", f->name);
        cg_sb_printf(sb, "    const cg__async_%s_t *cg__a = (const cg__async_%s_t *)cg__cx;\n", f->name, f->name);
        cg_sb_puts(sb, "    memcpy(cg__dst, &cg__a->r, sizeof cg__a->r);\n}\n\n");
    }

    cg_sb_printf(sb, "/* Asynchronous switchless proxy of %s: collect with cc_sl_get_async_result(). */\n", f->name);
    cg_emit_async_prototype(sb, prog, f);
    cg_sb_puts(sb, "\n{\n");
    cg_sb_printf(sb, "    cg__async_%s_t *cg__a;\n    cc_enclave_result_t cg__ret;\n\n", f->name);
    cg_sb_puts(sb, "    if (task_id == NULL)\n        return CC_ERROR_BAD_PARAMETERS;\n");
    cg_sb_printf(sb, "    cg__a = (cg__async_%s_t *)calloc(1, sizeof *cg__a);\n", f->name);
    cg_sb_puts(sb, "    if (cg__a == NULL)\n        return CC_ERROR_OUT_OF_MEMORY;\n");
    cg_sb_puts(sb, "    cg__a->enclave = enclave;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (p->attrs & CG_ATTR_ISARY)
            cg_sb_printf(sb, "    cg__a->a_%s = (void *)%s;\n", p->name, p->name);
        else
            cg_sb_printf(sb, "    cg__a->a_%s = %s;\n", p->name, p->name);
    }
    cg_sb_printf(sb, "    cg__ret = cg_host_sl_async(enclave, cg__arun_%s, ", f->name);
    if (has_ret(f))
        cg_sb_printf(sb, "cg__atake_%s", f->name);
    else
        cg_sb_puts(sb, "NULL");
    cg_sb_puts(sb, ", cg__a, task_id);\n");
    cg_sb_puts(sb, "    if (cg__ret == CC_SUCCESS)\n        return CC_SUCCESS; /* the runtime owns cg__a now */\n");
    cg_sb_puts(sb, "    free(cg__a);\n");
    cg_sb_puts(sb, "    if (cg__ret == CC_ERROR_SWITCHLESS_ROLLBACK2COMMON) {\n"
                   "        /* Pool full, rollback_to_common set: an ordinary call, now. */\n"
                   "        *task_id = -1;\n");
    cg_sb_printf(sb, "        return %s(enclave%s", name, has_ret(f) ? ", retval" : "");
    emit_async_args(sb, f, "");
    cg_sb_puts(sb, ");\n    }\n    return cg__ret;\n}\n\n");
    free(name);
}

/* Stub, deep copy: whole structs only; how many. */
static void emit_stub_deep_count(cg_sbuf_t *sb, const cg_program_t *prog, const cg_param_t *p)
{
    const cg_utype_t *u = p_deep(prog, p);
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
    const cg_utype_t *u = p_deep(prog, p);
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
    const cg_utype_t *u = p_deep(prog, p);
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
    const cg_utype_t *u = p_deep(prog, p);
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
        if (p_sends(prog, p))
            cg_sb_printf(sb, "    size_t cg__off_%s = 0;\n", p->name);
        if (p_out(p))
            cg_sb_printf(sb, "    size_t cg__roff_%s = 0;\n", p->name);
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (!p_deep(prog, p))
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
            emit_len_calc(sb, "        ", f->params, p, "cg__req.v_", "cg__want", "return CC_ERROR_BAD_PARAMETERS;");
            cg_sb_printf(sb, "        if (cg__want != cg__len_%s)\n            return CC_ERROR_BAD_PARAMETERS;\n", p->name);
        }
        cg_sb_puts(sb, "    }\n");
        emit_stub_deep_count(sb, prog, p);
    }
    for (i = 0; i < f->nparams; i++)
        if (pkind(&f->params[i]) == PK_VALUE && p_deep(prog, &f->params[i]))
            cg_sb_printf(sb, "    cg__n_%s = 1;\n", f->params[i].name);
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (p_sends(prog, p)) {
            cg_sb_printf(sb, "    if (cg__len_%s != 0 && !cg_blob_place(&cg__cur, cg__len_%s, &cg__off_%s))\n", p->name,
                         p->name, p->name);
            cg_sb_puts(sb, "        return CC_ERROR_BAD_PARAMETERS;\n");
        }
        emit_stub_deep_request(sb, prog, p);
    }
    cg_sb_puts(sb, "    if (cg__cur != cg__in_len)\n        return CC_ERROR_BAD_PARAMETERS;\n");
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
        if (!(p_sends(prog, p) && p_out(p)))
            continue;
        /* cg__rbuf != NULL always holds here; it tells gcc's -Warray-bounds so. */
        cg_sb_printf(sb, "    if (cg__len_%s != 0 && cg__rbuf != NULL)\n"
                         "        memcpy(cg__rbuf + cg__roff_%s, cg__in + cg__off_%s, cg__len_%s);\n",
                     p->name, p->name, p->name, p->name);
    }
    for (i = 0; i < f->nparams; i++)
        emit_stub_deep_fix(sb, prog, &f->params[i]);
    if (has_resp_hdr(f))
        cg_sb_puts(sb, "    memset(&cg__rh, 0, sizeof cg__rh);\n");
    cg_sb_puts(sb, "    ");
    if (clean) {
        put_decl(sb, &f->ret, "cg__r", true);
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
        const cg_utype_t *u = p_deep(prog, p);
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
