/*
 * ast.c - releasing and printing the EDL syntax tree.
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

void cg_type_free(cg_type_t *t)
{
    free(t->name);
    t->name = NULL;
}

void cg_expr_free(cg_expr_t *e)
{
    free(e->ident);
    e->ident = NULL;
    if (e->lhs) {
        cg_expr_free(e->lhs);
        free(e->lhs);
        e->lhs = NULL;
    }
    if (e->rhs) {
        cg_expr_free(e->rhs);
        free(e->rhs);
        e->rhs = NULL;
    }
}

static void expr_text(cg_sbuf_t *sb, const cg_expr_t *e)
{
    switch (e->kind) {
    case CG_EXPR_INT:
        cg_sb_printf(sb, "%llu", e->num);
        break;
    case CG_EXPR_IDENT:
        cg_sb_puts(sb, e->ident);
        break;
    case CG_EXPR_BIN:
        cg_sb_puts(sb, "(");
        expr_text(sb, e->lhs);
        cg_sb_printf(sb, " %c ", e->op);
        expr_text(sb, e->rhs);
        cg_sb_puts(sb, ")");
        break;
    default:
        break;
    }
}

char *cg_expr_text(const cg_expr_t *e)
{
    cg_sbuf_t sb;
    cg_sb_init(&sb);
    expr_text(&sb, e);
    return cg_sb_take(&sb);
}

void cg_param_free(cg_param_t *p)
{
    free(p->name);
    cg_type_free(&p->type);
    free(p->dims);
    cg_expr_free(&p->size);
    cg_expr_free(&p->count);
}

static void func_free(cg_func_t *f)
{
    size_t i;
    free(f->name);
    cg_type_free(&f->ret);
    for (i = 0; i < f->nparams; i++)
        cg_param_free(&f->params[i]);
    free(f->params);
    for (i = 0; i < f->nallow; i++)
        free(f->allow[i]);
    free(f->allow);
    free(f->allow_locs);
    free(f);
}

static void utype_free(cg_utype_t *u)
{
    size_t i;
    free(u->name);
    for (i = 0; i < u->nmembers; i++)
        cg_param_free(&u->members[i]);
    free(u->members);
    for (i = 0; i < u->nenums; i++) {
        free(u->enums[i].name);
        free(u->enums[i].value);
    }
    free(u->enums);
    free(u);
}

void cg_edl_file_free(cg_edl_file_t *f)
{
    size_t i, j;
    if (!f)
        return;
    for (i = 0; i < f->nitems; i++) {
        cg_item_t *it = &f->items[i];
        switch (it->kind) {
        case CG_ITEM_FUNC:
            func_free(it->u.func);
            break;
        case CG_ITEM_IMPORT:
            free(it->u.import->path);
            for (j = 0; j < it->u.import->nnames; j++)
                free(it->u.import->names[j]);
            free(it->u.import->names);
            free(it->u.import->name_locs);
            free(it->u.import);
            break;
        case CG_ITEM_INCLUDE:
            free(it->u.include->path);
            free(it->u.include);
            break;
        case CG_ITEM_UTYPE:
            utype_free(it->u.utype);
            break;
        }
    }
    free(f->items);
    free(f->path);
    free(f);
}

void cg_program_free(cg_program_t *p)
{
    size_t i;
    if (!p)
        return;
    for (i = 0; i < p->nfiles; i++)
        cg_edl_file_free(p->files[i]);
    free(p->files);
    free(p->trusted);
    free(p->untrusted);
    free(p->includes);
    free(p->utypes);
    free(p->base);
    free(p->stem);
    free(p);
}

static char *spell(const cg_type_t *t, int depth, const char *name, bool drop_top_const)
{
    cg_sbuf_t sb;
    int i;
    uint32_t mask = t->const_mask;
    if (drop_top_const)
        mask &= ~(1u << depth);
    cg_sb_init(&sb);
    if (mask & 1u)
        cg_sb_puts(&sb, "const ");
    cg_sb_puts(&sb, t->name);
    for (i = 1; i <= depth; i++) {
        /* "int **p", "char *const *p": a space only before the first '*'
         * and after a const. */
        if (i == 1 || (mask & (1u << (i - 1))))
            cg_sb_puts(&sb, " ");
        cg_sb_puts(&sb, "*");
        if (mask & (1u << i))
            cg_sb_puts(&sb, "const");
    }
    if (name && *name) {
        if (depth == 0 || (mask & (1u << depth)))
            cg_sb_puts(&sb, " ");
        cg_sb_puts(&sb, name);
    }
    return cg_sb_take(&sb);
}

char *cg_type_decl(const cg_type_t *t, const char *name, bool drop_top_const)
{
    return spell(t, t->ptr_depth, name, drop_top_const);
}

char *cg_type_pointee(const cg_type_t *t)
{
    return spell(t, t->ptr_depth > 0 ? t->ptr_depth - 1 : 0, NULL, false);
}

bool cg_type_is_pointer(const cg_type_t *t)
{
    return t->ptr_depth > 0;
}

bool cg_type_is_void(const cg_type_t *t)
{
    return t->kind == CG_BASE_VOID && t->ptr_depth == 0;
}

bool cg_param_is_array(const cg_param_t *p)
{
    return p->ndims > 0 || (p->attrs & CG_ATTR_ISARY);
}

bool cg_param_is_indirect(const cg_param_t *p)
{
    return p->type.ptr_depth > 0 || cg_param_is_array(p) || (p->attrs & CG_ATTR_ISPTR);
}

bool cg_param_is_raw(const cg_param_t *p)
{
    return cg_param_is_indirect(p) && !(p->attrs & (CG_ATTR_IN | CG_ATTR_OUT));
}

bool cg_member_is_deep(const cg_param_t *m)
{
    return (m->attrs & (CG_ATTR_SIZE | CG_ATTR_COUNT)) != 0;
}

const cg_utype_t *cg_find_struct(const cg_program_t *prog, const cg_type_t *t)
{
    const char *name;
    size_t i;
    if (t->kind == CG_BASE_STRUCT && strncmp(t->name, "struct ", 7) == 0)
        name = t->name + 7;
    else if (t->kind == CG_BASE_NAMED)
        name = t->name;
    else
        return NULL;
    for (i = 0; i < prog->nutypes; i++) {
        const cg_utype_t *u = prog->utypes[i];
        if (u->kind == CG_UT_STRUCT && u->name && strcmp(u->name, name) == 0)
            return u;
    }
    return NULL;
}
