/*
 * emit_common.c - what every emitter shares: names, declarations and
 * prototypes, the EDL type definitions both headers carry, the request
 * and response header structs, and the C that computes a buffer's length
 * from its size=/count= expression.
 *
 * Every generated identifier that is not part of the API starts with "cg__"
 * (sema rejects EDL names starting with "cg_"), so generated locals cannot
 * clash with parameters and static helpers cannot clash with user code.
 */
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"

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

void cg_put_decl(cg_sbuf_t *sb, const cg_type_t *t, const char *name, bool drop_const)
{
    char *d = cg_type_decl(t, name, drop_const);
    cg_sb_puts(sb, d);
    free(d);
}

void cg_put_dims(cg_sbuf_t *sb, const cg_param_t *p, size_t from)
{
    size_t j;
    for (j = from; j < p->ndims; j++)
        cg_sb_printf(sb, "[%llu]", p->dims[j]);
}

void cg_emit_params(cg_sbuf_t *sb, const cg_func_t *f, bool first)
{
    size_t i;
    for (i = 0; i < f->nparams; i++) {
        if (!first || i)
            cg_sb_puts(sb, ", ");
        cg_put_decl(sb, &f->params[i].type, f->params[i].name, false);
        cg_put_dims(sb, &f->params[i], 0);
    }
    if (first && f->nparams == 0)
        cg_sb_puts(sb, "void");
}

void cg_emit_user_prototype(cg_sbuf_t *sb, const cg_func_t *f)
{
    cg_put_decl(sb, &f->ret, f->name, false);
    cg_sb_puts(sb, "(");
    cg_emit_params(sb, f, true);
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
        cg_put_decl(sb, &f->ret, "*retval", true);
        first = false;
    }
    cg_emit_params(sb, f, first);
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
            cg_put_decl(sb, &m->type, m->name, false);
            cg_put_dims(sb, m, 0);
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
                    cg_put_decl(sb, &p->type, n, true);
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
                cg_put_decl(sb, &f->ret, "r", true);
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
        cg_put_dims(&sb, p, 0);
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
void cg_emit_len_calc(cg_sbuf_t *sb, const char *ind, const cg_param_t *vars, const cg_param_t *p,
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

bool cg_p_zc(const cg_program_t *prog, const cg_func_t *f, const cg_param_t *p)
{
    return f->trusted && pkind(p) == PK_BUF && !p_str(p) && !p_wstr(p) && cg_p_deep(prog, p) == NULL;
}
