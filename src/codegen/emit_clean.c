/*
 * emit_clean.c - padding-free copies of EDL structs (generated
 * cg__clean_<S>()), and the choice of the per-struct static helpers a
 * generated .c file needs (these and the deep-copy ones of emit_deep.c).
 */
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"

/* The EDL definition of by-value struct type @t, or NULL (a union, a
 * typedef from a header, a pointer). */
const cg_utype_t *cg_edl_struct(const cg_program_t *prog, const cg_type_t *t)
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

size_t cg_utype_index(const cg_program_t *prog, const cg_utype_t *u)
{
    size_t i;
    for (i = 0; i < prog->nutypes; i++)
        if (prog->utypes[i] == u)
            break;
    return i;
}

/* Mark @u and every EDL struct it holds by value. */
void cg_mark_clean(const cg_program_t *prog, const cg_utype_t *u, bool *marks)
{
    size_t i, k = cg_utype_index(prog, u);
    if (k >= prog->nutypes || marks[k])
        return;
    marks[k] = true;
    for (i = 0; i < u->nmembers; i++) {
        const cg_utype_t *m = cg_edl_struct(prog, &u->members[i].type);
        if (m)
            cg_mark_clean(prog, m, marks);
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
            const cg_utype_t *ms = cg_edl_struct(prog, &m->type);
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
        const cg_utype_t *u = cg_edl_struct(prog, &fs[i]->ret);
        if (u) {
            cg_mark_clean(prog, u, marks);
            any = true;
        }
    }
    for (i = 0; i < np; i++) {
        for (j = 0; j < ps[i]->nparams; j++) {
            const cg_param_t *p = &ps[i]->params[j];
            const cg_utype_t *u = pkind(p) == PK_VALUE ? cg_edl_struct(prog, &p->type) : NULL;
            if (u) {
                cg_mark_clean(prog, u, marks);
                any = true;
            }
        }
    }
    deep = cg_deep_needs(prog, host, marks);
    for (i = 0; i < prog->nutypes; i++)
        any |= deep[i] != 0;
    if (any)
        emit_clean_fns(sb, prog, marks);
    cg_emit_deep_helpers(sb, prog, deep);
    free(deep);
    free(marks);
}
