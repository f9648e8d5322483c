/*
 * sema.c - semantic checks on a merged EDL program.
 *
 * Everything the emitters rely on is established here (every pointer has a
 * direction, size= names a scalar parameter, names cannot collide with the
 * generated code), so the emitters never see an ill-formed declaration.
 * All errors are reported, not only the first.
 */
#include <stdlib.h>
#include <string.h>

#include "sema.h"

/* Names the generated code uses inside proxies and stubs; a parameter with
 * one of them would shadow it. */
static bool reserved_param(const char *s, bool trusted, bool switchless)
{
    static const char *const names[] = {
        "retval", "memcpy", "memset", "memchr", "strlen", "wcslen", "free", "calloc", "malloc", "errno",
        "size_t", "uint8_t", "uint64_t", "uintptr_t", "wchar_t",
    };
    size_t i;
    if (trusted && strcmp(s, "enclave") == 0)
        return true;
    if (trusted && switchless && strcmp(s, "task_id") == 0) /* f_async(enclave, task_id, ...) */
        return true;
    /* cg_/CG_: generated code and edge headers; cc_/CC_: status codes and
     * types the generated bodies name. */
    if (strncmp(s, "cg_", 3) == 0 || strncmp(s, "CG_", 3) == 0 || strncmp(s, "cc_", 3) == 0 ||
        strncmp(s, "CC_", 3) == 0)
        return true;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

static const char *attr_name(unsigned flag)
{
    switch (flag) {
    case CG_ATTR_IN: return "in";
    case CG_ATTR_OUT: return "out";
    case CG_ATTR_USER_CHECK: return "user_check";
    case CG_ATTR_STRING: return "string";
    case CG_ATTR_WSTRING: return "wstring";
    case CG_ATTR_ISPTR: return "isptr";
    case CG_ATTR_READONLY: return "readonly";
    case CG_ATTR_ISARY: return "isary";
    case CG_ATTR_SIZE: return "size";
    case CG_ATTR_COUNT: return "count";
    default: return "?";
    }
}

/* The first attribute of @mask present in @attrs, for messages. */
static const char *first_attr(unsigned attrs, unsigned mask)
{
    unsigned bit;
    for (bit = 1; bit <= CG_ATTR_COUNT; bit <<= 1)
        if (attrs & mask & bit)
            return attr_name(bit);
    return "?";
}

static bool usable_as_size(const cg_type_t *t)
{
    if (t->ptr_depth)
        return false;
    return t->kind == CG_BASE_INTEGER || t->kind == CG_BASE_CHAR || t->kind == CG_BASE_WCHAR ||
           t->kind == CG_BASE_NAMED || t->kind == CG_BASE_ENUM;
}

/* Where the names of a size=/count= expression are looked up: the
 * parameters of a function, or the members of a struct (deep copy). */
typedef struct scope {
    const cg_param_t *vars;
    size_t nvars;
    const char *var;   /* "parameter" or "member" */
    const char *owner; /* "function" or "struct" */
    const char *name;  /* of the function or struct */
} scope_t;

/* Resolve every name in a size=/count= expression of @p. */
static int resolve_expr(cg_diag_t *d, const scope_t *sc, const cg_param_t *p, cg_expr_t *e, const char *what)
{
    size_t i;
    if (e->kind == CG_EXPR_BIN)
        return resolve_expr(d, sc, p, e->lhs, what) + resolve_expr(d, sc, p, e->rhs, what);
    if (e->kind != CG_EXPR_IDENT)
        return 0;
    for (i = 0; i < sc->nvars; i++) {
        const cg_param_t *q = &sc->vars[i];
        if (strcmp(q->name, e->ident) != 0)
            continue;
        if (q == p) {
            cg_error(d, e->loc, strcmp(sc->var, "member") == 0 ? "name another member that holds the length"
                                                                : "name another parameter that holds the length",
                     "%s= of '%s' names the %s itself", what, p->name, sc->var);
            return 1;
        }
        if (!usable_as_size(&q->type) || q->ndims || q->attrs) {
            cg_error(d, e->loc, strcmp(sc->var, "member") == 0 ? "use an integer member such as size_t len"
                                                                : "use an integer parameter such as size_t len",
                     "%s= %s '%s' is not an integer", what, sc->var, q->name);
            return 1;
        }
        e->param = (int)i;
        return 0;
    }
    cg_error(d, e->loc, strcmp(sc->var, "member") == 0 ? "name a member of this struct or write an integer constant"
                                                        : "name a parameter of this function or write an integer constant",
             "unknown %s %s '%s' in %s '%s'", what, sc->var, e->ident, sc->owner, sc->name);
    return 1;
}

static int resolve_size_expr(cg_diag_t *d, const scope_t *sc, const cg_param_t *p, cg_expr_t *e,
                             const char *what, int *out)
{
    int errs = resolve_expr(d, sc, p, e, what);
    *out = e->kind == CG_EXPR_IDENT ? e->param : -1;
    return errs;
}

static scope_t func_scope(const cg_func_t *f)
{
    scope_t sc = {f->params, f->nparams, "parameter", "function", f->name};
    return sc;
}

/* The deep-copy struct @t names (by "struct S" or by its typedef name), or NULL. */
static const cg_utype_t *deep_struct(const cg_program_t *prog, const cg_type_t *t)
{
    const cg_utype_t *u = cg_find_struct(prog, t);
    return u && u->deep ? u : NULL;
}

/* Deep-copy rules for a parameter or return type @t: the struct must be
 * named "struct S" (edger8r: a typedef name is an opaque type), and is
 * never returned (its pointers would cross raw). */
static int check_deep_use(cg_diag_t *d, const cg_program_t *prog, const cg_type_t *t, const char *what,
                          const char *name)
{
    const cg_utype_t *u = deep_struct(prog, t);
    if (!u)
        return 0;
    if (t->kind == CG_BASE_NAMED) {
        cg_error(d, t->loc,
                 "name it with the struct keyword (struct S) so that its members are deep-copied, as edger8r requires",
                 "%s '%s': '%s' is a struct with deep-copy members", what, name, u->name);
        return 1;
    }
    if (strcmp(what, "function") == 0 && t->ptr_depth == 0) {
        cg_error(d, t->loc, "return it through an [out] parameter, whose members are copied back",
                 "function '%s' returns struct %s by value, whose deep-copy members would cross as raw pointers",
                 name, u->name);
        return 1;
    }
    return 0;
}

/* An [out] or [in, out] pointer to a deep-copy struct writes each member's
 * buffer back to the caller: no member may point to const. */
static int check_deep_out(cg_diag_t *d, const cg_program_t *prog, const cg_param_t *p)
{
    const cg_utype_t *u = deep_struct(prog, &p->type);
    size_t i;
    if (!u || !(p->attrs & CG_ATTR_OUT) || p->type.kind != CG_BASE_STRUCT)
        return 0;
    for (i = 0; i < u->nmembers; i++) {
        const cg_param_t *m = &u->members[i];
        if (cg_member_is_deep(m) && (m->type.const_mask & (1u << (m->type.ptr_depth - 1)))) {
            cg_error(d, p->type.loc, "make the parameter [in], or drop const from the member",
                     "[out] parameter '%s' would copy back into member '%s' of struct %s, which points to const data",
                     p->name, m->name, u->name);
            return 1;
        }
    }
    return 0;
}

/* Is the data a pointer/array parameter designates const? */
static bool pointee_const(const cg_param_t *p)
{
    if (p->ndims > 0)
        return (p->type.const_mask & (1u << p->type.ptr_depth)) != 0;
    if (p->type.ptr_depth > 0)
        return (p->type.const_mask & (1u << (p->type.ptr_depth - 1))) != 0;
    return (p->attrs & CG_ATTR_READONLY) != 0;
}

static int check_param(cg_diag_t *d, const cg_program_t *prog, const cg_func_t *f, cg_param_t *p)
{
    scope_t sc = func_scope(f);
    int errs = 0;
    unsigned a = p->attrs;
    bool star = p->type.ptr_depth > 0;
    const unsigned dir = CG_ATTR_IN | CG_ATTR_OUT | CG_ATTR_USER_CHECK;
    const unsigned ptr_only = dir | CG_ATTR_STRING | CG_ATTR_WSTRING | CG_ATTR_SIZE | CG_ATTR_COUNT;
    const unsigned sizes = CG_ATTR_SIZE | CG_ATTR_COUNT;
    const unsigned strs = CG_ATTR_STRING | CG_ATTR_WSTRING;

    if (reserved_param(p->name, f->trusted, f->switchless)) {
        cg_error(d, p->loc, "rename the parameter", "parameter name '%s' is reserved by the generated code%s", p->name,
                 strchr(p->name, '_') == p->name + 2 ? " (prefix)" : "");
        errs++;
    }
    if (cg_type_is_void(&p->type)) {
        cg_error(d, p->type.loc, "remove the parameter or make it a pointer", "parameter '%s' has type void", p->name);
        return errs + 1;
    }
    if (check_deep_use(d, prog, &p->type, "parameter", p->name))
        return errs + 1;
    /* [isptr] / [isary] / [readonly]: typedef'd pointer and array types,
     * whose pointer-ness the EDL cannot see. */
    if (a & CG_ATTR_ISPTR) {
        if (star || p->ndims || p->type.kind != CG_BASE_NAMED) {
            cg_error(d, p->attr_loc, "remove isptr; it marks a parameter whose typedef'd type is a pointer",
                     "[isptr] on '%s', which is not of a typedef'd type", p->name);
            return errs + 1;
        }
        if (a & CG_ATTR_ISARY) {
            cg_error(d, p->attr_loc, "use isptr for a pointer typedef, isary for an array typedef",
                     "[isptr] and [isary] cannot be combined");
            return errs + 1;
        }
    }
    if ((a & CG_ATTR_READONLY) && !(a & CG_ATTR_ISPTR)) {
        cg_error(d, p->attr_loc, "add isptr (readonly marks a typedef'd pointer to const) or remove readonly",
                 "[readonly] needs [isptr]");
        return errs + 1;
    }
    if ((a & CG_ATTR_READONLY) && (a & CG_ATTR_OUT)) {
        cg_error(d, p->attr_loc, "remove out, or remove readonly if the data may be written",
                 "[readonly] parameter '%s' cannot be [out]", p->name);
        return errs + 1;
    }
    if (a & CG_ATTR_ISARY) {
        if (star || p->ndims || p->type.kind != CG_BASE_NAMED) {
            cg_error(d, p->attr_loc, "remove isary; it marks a parameter whose typedef'd type is an array",
                     "[isary] on '%s', which is not of a typedef'd type", p->name);
            return errs + 1;
        }
    }
    if (cg_param_is_array(p) && (a & (sizes | strs))) {
        cg_error(d, p->attr_loc, "remove it; the array type gives the length",
                 "attribute '%s' on array parameter '%s'", first_attr(a, sizes | strs), p->name);
        return errs + 1;
    }
    if (!cg_param_is_indirect(p)) {
        if (a & ptr_only) {
            cg_error(d, p->attr_loc,
                     p->type.kind == CG_BASE_NAMED
                         ? "if the typedef is a pointer add isptr, if it is an array add isary; otherwise remove it"
                         : "attributes apply to pointer parameters; remove it or make the parameter a pointer",
                     "attribute '%s' on non-pointer parameter '%s'", first_attr(a, ptr_only), p->name);
            errs++;
        }
        return errs;
    }
    if (!(a & dir) && !(a & (CG_ATTR_ISPTR | CG_ATTR_ISARY))) {
        cg_error(d, p->loc, "add [in], [out], [in, out] or [user_check]",
                 "%s parameter '%s' has no direction attribute", p->ndims ? "array" : "pointer", p->name);
        return errs + 1;
    }
    if ((a & CG_ATTR_USER_CHECK) && (a & (CG_ATTR_IN | CG_ATTR_OUT | strs))) {
        cg_error(d, p->attr_loc, "a [user_check] pointer is passed as a raw value; remove the other attributes",
                 "[user_check] cannot be combined with '%s'", first_attr(a, CG_ATTR_IN | CG_ATTR_OUT | strs));
        return errs + 1;
    }
    if (cg_param_is_raw(p)) {
        if (a & strs) {
            cg_error(d, p->attr_loc, "add in", "[%s] needs [in]", (a & CG_ATTR_STRING) ? "string" : "wstring");
            return errs + 1;
        }
        if (a & sizes) {
            /* The length is not used: nothing is copied. Resolve the
             * names anyway so that a typo is still caught. */
            cg_warning(d, p->attr_loc, "remove it, or use in/out if the data should be copied",
                       "'%s' has no effect on [user_check] parameter '%s'", first_attr(a, sizes), p->name);
            if (a & CG_ATTR_SIZE)
                errs += resolve_size_expr(d, &sc, p, &p->size, "size", &p->size_param);
            if (a & CG_ATTR_COUNT)
                errs += resolve_size_expr(d, &sc, p, &p->count, "count", &p->count_param);
        }
        return errs;
    }
    if ((a & CG_ATTR_STRING) && (a & CG_ATTR_WSTRING)) {
        cg_error(d, p->attr_loc, "use one of them", "[string] and [wstring] cannot be combined");
        return errs + 1;
    }
    if (a & strs) {
        const char *s = (a & CG_ATTR_STRING) ? "string" : "wstring";
        if (!(a & CG_ATTR_IN)) {
            cg_error(d, p->attr_loc, "use [in, string] or [in, out, string]; an [out] buffer needs size= or count=",
                     "[%s] requires [in]: the length comes from the caller's string", s);
            errs++;
        }
        if (a & sizes) {
            cg_error(d, p->attr_loc, "remove size=/count=; the terminator gives the length",
                     "[%s] cannot be combined with size= or count=", s);
            errs++;
        }
        if ((a & CG_ATTR_STRING) && !(p->type.ptr_depth == 1 && p->type.kind == CG_BASE_CHAR)) {
            cg_error(d, p->type.loc, "declare it as char * or const char *", "[string] parameter '%s' is not a char pointer",
                     p->name);
            errs++;
        }
        if ((a & CG_ATTR_WSTRING) && !(p->type.ptr_depth == 1 && p->type.kind == CG_BASE_WCHAR)) {
            cg_error(d, p->type.loc, "declare it as wchar_t * or const wchar_t *",
                     "[wstring] parameter '%s' is not a wchar_t pointer", p->name);
            errs++;
        }
    }
    if (!p->ndims && p->type.ptr_depth == 1 && p->type.kind == CG_BASE_VOID && !(a & sizes)) {
        cg_error(d, p->loc, "add size=N (bytes) or count=N", "void pointer '%s' needs size= or count=", p->name);
        errs++;
    }
    if ((a & CG_ATTR_OUT) && pointee_const(p)) {
        cg_error(d, p->type.loc, "remove const or make the parameter [in] only",
                 "[out] parameter '%s' points to const data", p->name);
        errs++;
    }
    errs += check_deep_out(d, prog, p);
    if (a & CG_ATTR_SIZE)
        errs += resolve_size_expr(d, &sc, p, &p->size, "size", &p->size_param);
    if (a & CG_ATTR_COUNT)
        errs += resolve_size_expr(d, &sc, p, &p->count, "count", &p->count_param);
    return errs;
}

static int check_func(cg_diag_t *d, const cg_program_t *prog, cg_func_t *f)
{
    int errs = 0;
    size_t i, j;
    if (strncmp(f->name, "cg_", 3) == 0) {
        cg_error(d, f->loc, "rename the function", "function name '%s' is reserved (prefix cg_ belongs to cgear)",
                 f->name);
        errs++;
    }
    for (i = 0; i < f->nparams; i++) {
        for (j = 0; j < i; j++) {
            if (strcmp(f->params[i].name, f->params[j].name) == 0) {
                cg_error(d, f->params[i].loc, "rename one of them", "duplicate parameter name '%s'", f->params[i].name);
                errs++;
                break;
            }
        }
        errs += check_param(d, prog, f, &f->params[i]);
    }
    errs += check_deep_use(d, prog, &f->ret, "function", f->name);
    for (i = 0; i < f->nallow; i++) {
        bool found = false;
        for (j = 0; j < prog->ntrusted; j++)
            if (strcmp(prog->trusted[j]->name, f->allow[i]) == 0)
                found = true;
        if (!found) {
            cg_error(d, f->allow_locs[i], "allow() lists trusted functions of this EDL",
                     "allow(): '%s' is not a trusted function", f->allow[i]);
            errs++;
        }
    }
    return errs;
}

/*
 * Attributes of one member (edger8r's "Structure Deep Copy"): only size=
 * and count= on a pointer member, naming integer members of the same
 * struct. Directions come from the function parameter; string, wstring,
 * isptr, isary, readonly and user_check are refused as edger8r does.
 */
static int check_member_attrs(cg_diag_t *d, const cg_program_t *prog, const cg_utype_t *u, cg_param_t *m)
{
    scope_t sc = {u->members, u->nmembers, "member", "struct", u->name};
    const unsigned sizes = CG_ATTR_SIZE | CG_ATTR_COUNT;
    const cg_utype_t *inner;
    int errs = 0;
    if (u->kind != CG_UT_STRUCT) {
        cg_error(d, m->attr_loc, "remove the attribute; a union is copied as raw bytes (edger8r accepts none either)",
                 "attributes on union members are not supported");
        return 1;
    }
    if (m->attrs & ~sizes) {
        cg_error(d, m->attr_loc,
                 "a struct member takes only size= and count=; the direction comes from the function parameter",
                 "attribute '%s' is not allowed on struct member '%s'", first_attr(m->attrs, ~sizes), m->name);
        return 1;
    }
    if (m->ndims || m->type.ptr_depth == 0) {
        cg_error(d, m->attr_loc,
                 m->ndims ? "remove it; the array type gives the length"
                          : "size= and count= apply to pointer members; remove it or make the member a pointer",
                 "attribute '%s' on %s member '%s'", first_attr(m->attrs, sizes), m->ndims ? "array" : "non-pointer",
                 m->name);
        return 1;
    }
    if (m->attrs & CG_ATTR_SIZE)
        errs += resolve_size_expr(d, &sc, m, &m->size, "size", &m->size_param);
    if (m->attrs & CG_ATTR_COUNT)
        errs += resolve_size_expr(d, &sc, m, &m->count, "count", &m->count_param);
    inner = m->type.ptr_depth == 1 ? deep_struct(prog, &m->type) : NULL;
    if (inner) {
        cg_error(d, m->loc, "cgear copies one level, as edger8r does; pass the inner buffers as parameters of their own",
                 "nested deep copy: member '%s' points to struct %s, which has deep-copy members itself", m->name,
                 inner->name);
        errs++;
    }
    return errs;
}

static int check_utype(cg_diag_t *d, const cg_program_t *prog, const cg_utype_t *u)
{
    int errs = 0;
    size_t i, j;
    for (i = 0; i < u->nmembers; i++) {
        cg_param_t *m = &u->members[i];
        const cg_utype_t *held = m->type.ptr_depth == 0 ? deep_struct(prog, &m->type) : NULL;
        for (j = 0; j < i; j++) {
            if (strcmp(m->name, u->members[j].name) == 0) {
                cg_error(d, m->loc, "rename one of them", "duplicate member name '%s'", m->name);
                errs++;
            }
        }
        if (cg_type_is_void(&m->type)) {
            cg_error(d, m->type.loc, "give the member a type", "member '%s' has type void", m->name);
            errs++;
        }
        if (m->attrs)
            errs += check_member_attrs(d, prog, u, m);
        if (held) {
            /* Its pointers would cross raw inside the outer type. */
            cg_error(d, m->type.loc, "pass it as a parameter of its own, or hold it through a pointer",
                     "member '%s' holds struct %s, which has deep-copy members, by value (nested deep copy is not "
                     "supported)", m->name, held->name);
            errs++;
        }
    }
    return errs;
}

/* Which structs are deep-copied: needed before any check looks at a use. */
static void mark_deep(cg_program_t *prog)
{
    size_t i, j;
    for (i = 0; i < prog->nutypes; i++) {
        cg_utype_t *u = prog->utypes[i];
        u->ndeep = 0;
        for (j = 0; u->kind == CG_UT_STRUCT && j < u->nmembers; j++)
            u->ndeep += cg_member_is_deep(&u->members[j]);
        u->deep = u->ndeep > 0;
    }
}

int cg_sema_check(cg_program_t *prog, cg_diag_t *d)
{
    int errs = 0;
    size_t i, j, n = prog->ntrusted + prog->nuntrusted;
    cg_func_t **all = cg_xcalloc(n ? n : 1, sizeof *all);
    mark_deep(prog);
    for (i = 0; i < prog->ntrusted; i++)
        all[i] = prog->trusted[i];
    for (i = 0; i < prog->nuntrusted; i++)
        all[prog->ntrusted + i] = prog->untrusted[i];
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++) {
            if (strcmp(all[i]->name, all[j]->name) == 0) {
                cg_error(d, all[i]->loc, "give every trusted and untrusted function a distinct name",
                         "duplicate function name '%s'", all[i]->name);
                cg_note(d, all[j]->loc, "'%s' was first declared here", all[j]->name);
                errs++;
                break;
            }
        }
        errs += check_func(d, prog, all[i]);
    }
    free(all);
    /* A private ECALL can only run inside an OCALL that allows it. */
    for (i = 0; i < prog->ntrusted; i++) {
        const cg_func_t *t = prog->trusted[i];
        bool allowed = false;
        size_t k;
        if (t->is_public)
            continue;
        for (j = 0; j < prog->nuntrusted && !allowed; j++)
            for (k = 0; k < prog->untrusted[j]->nallow; k++)
                if (strcmp(prog->untrusted[j]->allow[k], t->name) == 0)
                    allowed = true;
        if (!allowed)
            cg_warning(d, t->loc, "make it public, or list it in the allow() of an untrusted function",
                       "private trusted function '%s' is not allowed by any untrusted function and can never be called",
                       t->name);
    }
    for (i = 0; i < prog->nutypes; i++) {
        const cg_utype_t *u = prog->utypes[i];
        for (j = 0; j < i; j++) {
            const cg_utype_t *v = prog->utypes[j];
            if (u->name && v->name && strcmp(u->name, v->name) == 0) {
                cg_error(d, u->loc, "rename one of them", "duplicate type name '%s'", u->name);
                cg_note(d, v->loc, "'%s' was first defined here", v->name);
                errs++;
                break;
            }
        }
        errs += check_utype(d, prog, u);
    }
    return errs;
}
