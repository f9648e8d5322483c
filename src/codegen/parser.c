/*
 * parser.c - recursive-descent parser for EDL.
 *
 * It accepts the whole edger8r grammar (struct/union/enum definitions, fixed
 * arrays, every attribute, allow(), transition_using_threads,
 * propagate_errno) so that later work only touches sema and the emitters.
 * It stops at the first syntax error: the messages after one are rarely
 * useful and recovery code is where parsers crash.
 */
#include "parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

typedef struct parser {
    cg_tokens_t toks;
    size_t pos;
    cg_diag_t *d;
    cg_edl_file_t *file;
    int expr_ops; /* operators in the current size/count expression */
} parser_t;

static const cg_token_t *peek(const parser_t *p, size_t k)
{
    size_t i = p->pos + k;
    if (i >= p->toks.n)
        i = p->toks.n - 1; /* the EOF token */
    return &p->toks.v[i];
}

static const cg_token_t *next(parser_t *p)
{
    const cg_token_t *t = peek(p, 0);
    if (p->pos < p->toks.n - 1)
        p->pos++;
    return t;
}

static bool is_punct(const cg_token_t *t, char c)
{
    return t->kind == CG_TOK_PUNCT && t->text[0] == c;
}

static bool is_kw(const cg_token_t *t, const char *kw)
{
    return t->kind == CG_TOK_IDENT && strcmp(t->text, kw) == 0;
}

/* A short quoted description of a token for messages. */
static const char *describe(const cg_token_t *t, char *buf, size_t n)
{
    switch (t->kind) {
    case CG_TOK_EOF:
        return "end of file";
    case CG_TOK_STRING:
        snprintf(buf, n, "string \"%.40s\"", t->text);
        return buf;
    default:
        snprintf(buf, n, "'%.40s'", t->text);
        return buf;
    }
}

static void unexpected(parser_t *p, const char *expected, const char *hint)
{
    char buf[64];
    const cg_token_t *t = peek(p, 0);
    cg_error(p->d, t->loc, hint, "expected %s but found %s", expected, describe(t, buf, sizeof buf));
}

static int expect_punct(parser_t *p, char c, const char *hint)
{
    char what[8];
    if (is_punct(peek(p, 0), c)) {
        next(p);
        return 0;
    }
    snprintf(what, sizeof what, "'%c'", c);
    unexpected(p, what, hint);
    return -1;
}

/* C keywords, which cannot name a parameter, function or type. (EDL
 * keywords are contextual: sema rejects the few that would clash.) */
static bool is_reserved(const char *s)
{
    static const char *const words[] = {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
        "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
        "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
        "volatile", "while", "_Bool", "bool", "true", "false", "NULL",
    };
    size_t i;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static int expect_ident(parser_t *p, const char *what, char **out, cg_loc_t *loc)
{
    const cg_token_t *t = peek(p, 0);
    if (t->kind != CG_TOK_IDENT || is_reserved(t->text)) {
        char buf[64];
        cg_error(p->d, t->loc, "write a C identifier there", "expected %s but found %s", what,
                 describe(t, buf, sizeof buf));
        return -1;
    }
    next(p);
    *out = cg_xstrdup(t->text);
    if (loc)
        *loc = t->loc;
    return 0;
}

/* Append to a pair of parallel arrays (names and their locations). Linear
 * growth is fine: such lists are a handful of names. */
static void push_name(char ***names, cg_loc_t **locs, size_t *n, char *name, cg_loc_t loc)
{
    *names = cg_xrealloc(*names, (*n + 1) * sizeof **names);
    *locs = cg_xrealloc(*locs, (*n + 1) * sizeof **locs);
    (*names)[*n] = name;
    (*locs)[*n] = loc;
    (*n)++;
}

static void add_item(parser_t *p, cg_item_t it)
{
    CG_PUSH(p->file->items, p->file->nitems, p->file->cap, it);
}

/* ---- types ---- */

static bool is_named_builtin(const char *s, cg_base_kind_t *kind)
{
    static const char *const ints[] = {
        "size_t", "ssize_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t",
        "uint32_t", "uint64_t", "intptr_t", "uintptr_t", "ptrdiff_t",
    };
    size_t i;
    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (strcmp(s, ints[i]) == 0) {
            *kind = CG_BASE_INTEGER;
            return true;
        }
    }
    if (strcmp(s, "void") == 0)
        *kind = CG_BASE_VOID;
    else if (strcmp(s, "bool") == 0 || strcmp(s, "_Bool") == 0)
        *kind = CG_BASE_BOOL;
    else if (strcmp(s, "float") == 0 || strcmp(s, "double") == 0)
        *kind = CG_BASE_FLOAT;
    else if (strcmp(s, "wchar_t") == 0)
        *kind = CG_BASE_WCHAR;
    else
        return false;
    return true;
}

/*
 * type := ('const' | specifier)+ ('*' 'const'?)*
 * The base ends at the first identifier that cannot continue it: that is the
 * declarator name (so "unsigned x" is an unsigned int named x).
 */
static int parse_type(parser_t *p, cg_type_t *t)
{
    int nsigned = 0, nunsigned = 0, nshort = 0, nlong = 0, nint = 0, nchar = 0, ndouble = 0;
    bool have_other = false; /* a complete base other than the int family */
    bool any = false;
    cg_loc_t start = peek(p, 0)->loc;
    memset(t, 0, sizeof *t);
    t->loc = start;

    for (;;) {
        const cg_token_t *tok = peek(p, 0);
        cg_base_kind_t k;
        bool have_int_family = nsigned || nunsigned || nshort || nlong || nint || nchar;
        if (tok->kind != CG_TOK_IDENT)
            break;
        if (is_kw(tok, "const")) {
            t->const_mask |= 1u;
        } else if (is_kw(tok, "volatile") || is_kw(tok, "restrict")) {
            cg_error(p->d, tok->loc, "remove it; EDL types cannot be volatile or restrict",
                     "'%s' is not allowed in EDL", tok->text);
            return -1;
        } else if (!have_other && (is_kw(tok, "signed") || is_kw(tok, "unsigned") || is_kw(tok, "short") ||
                                   is_kw(tok, "long") || is_kw(tok, "int") || is_kw(tok, "char"))) {
            nsigned += is_kw(tok, "signed");
            nunsigned += is_kw(tok, "unsigned");
            nshort += is_kw(tok, "short");
            nlong += is_kw(tok, "long");
            nint += is_kw(tok, "int");
            nchar += is_kw(tok, "char");
        } else if (!have_other && !ndouble && is_kw(tok, "double") && nlong == 1 && !nsigned && !nunsigned &&
                   !nshort && !nint && !nchar) {
            ndouble = 1; /* long double */
        } else if (have_int_family || have_other || ndouble) {
            break; /* the declarator name */
        } else if (is_kw(tok, "struct") || is_kw(tok, "union") || is_kw(tok, "enum")) {
            const char *tag = tok->text;
            char *name = NULL;
            next(p);
            if (expect_ident(p, "a tag name after the keyword", &name, NULL) < 0)
                return -1;
            t->name = cg_xasprintf("%s %s", tag, name);
            free(name);
            t->kind = tag[0] == 's' ? CG_BASE_STRUCT : tag[0] == 'u' ? CG_BASE_UNION : CG_BASE_ENUM;
            have_other = true;
            any = true;
            continue;
        } else if (is_named_builtin(tok->text, &k)) {
            t->kind = k;
            t->name = cg_xstrdup(tok->text);
            if (strcmp(tok->text, "_Bool") == 0) {
                free(t->name);
                t->name = cg_xstrdup("bool");
            }
            have_other = true;
        } else if (is_reserved(tok->text)) {
            break;
        } else {
            t->kind = CG_BASE_NAMED;
            t->name = cg_xstrdup(tok->text);
            have_other = true;
        }
        any = true;
        next(p);
    }

    if (!any) {
        unexpected(p, "a type", "write a C type such as int, char * or a typedef name");
        return -1;
    }
    if (ndouble) {
        t->kind = CG_BASE_FLOAT;
        t->name = cg_xstrdup("long double");
    } else if (!have_other) {
        cg_sbuf_t sb;
        if ((nsigned && nunsigned) || nsigned > 1 || nunsigned > 1 || nshort > 1 || nlong > 2 || nint > 1 ||
            nchar > 1 || (nshort && nlong) || (nchar && (nshort || nlong || nint))) {
            cg_error(p->d, start, "write a valid C integer type such as unsigned long long",
                     "invalid combination of type specifiers");
            return -1;
        }
        cg_sb_init(&sb);
        if (nunsigned)
            cg_sb_puts(&sb, "unsigned ");
        else if (nsigned && nchar)
            cg_sb_puts(&sb, "signed ");
        if (nshort)
            cg_sb_puts(&sb, "short");
        else if (nlong == 1)
            cg_sb_puts(&sb, "long");
        else if (nlong == 2)
            cg_sb_puts(&sb, "long long");
        else if (nchar)
            cg_sb_puts(&sb, "char");
        else
            cg_sb_puts(&sb, "int");
        t->name = cg_sb_take(&sb);
        t->kind = nchar ? CG_BASE_CHAR : CG_BASE_INTEGER;
    }

    while (is_punct(peek(p, 0), '*')) {
        cg_loc_t sl = peek(p, 0)->loc;
        next(p);
        if (t->ptr_depth >= CG_MAX_PTR_DEPTH) {
            cg_error(p->d, sl, "use fewer levels of indirection", "too many '*' (at most %d)", CG_MAX_PTR_DEPTH);
            return -1;
        }
        t->ptr_depth++;
        while (is_kw(peek(p, 0), "const")) {
            next(p);
            t->const_mask |= 1u << t->ptr_depth;
        }
    }
    return 0;
}

/* ---- attributes ---- */

/* ---- size=/count= expressions ---- */

/* Parentheses nest at most this deep: the parser recurses on them and
 * must not run out of stack on hostile input. */
#define MAX_EXPR_DEPTH 32
/* Likewise the operators of one expression (the tree is walked
 * recursively by sema and the emitters). */
#define MAX_EXPR_OPS 256

static int parse_sum(parser_t *p, cg_expr_t *e, int depth);

static cg_expr_t *expr_box(const cg_expr_t *e)
{
    cg_expr_t *b = cg_xmalloc(sizeof *b);
    *b = *e;
    return b;
}

/* primary := INT | NAME | '(' sum ')' */
static int parse_primary(parser_t *p, cg_expr_t *e, int depth)
{
    const cg_token_t *v = peek(p, 0);
    memset(e, 0, sizeof *e);
    e->param = -1;
    e->loc = v->loc;
    if (v->kind == CG_TOK_INT) {
        e->kind = CG_EXPR_INT;
        e->num = v->num;
        next(p);
        return 0;
    }
    if (v->kind == CG_TOK_IDENT && !is_reserved(v->text)) {
        e->kind = CG_EXPR_IDENT;
        e->ident = cg_xstrdup(v->text);
        next(p);
        return 0;
    }
    if (is_punct(v, '(')) {
        if (depth >= MAX_EXPR_DEPTH) {
            cg_error(p->d, v->loc, "simplify the expression", "size/count expression nested too deeply");
            return -1;
        }
        next(p);
        if (parse_sum(p, e, depth + 1) < 0)
            return -1;
        return expect_punct(p, ')', "close the parenthesis");
    }
    unexpected(p, "a parameter name, an integer constant or '('",
               "size= and count= take a parameter name, a number or an arithmetic expression of them");
    return -1;
}

/* A left-associative chain of @ops over @sub. */
static int parse_chain(parser_t *p, cg_expr_t *e, int depth, const char *ops,
                       int (*sub)(parser_t *, cg_expr_t *, int))
{
    if (sub(p, e, depth) < 0)
        return -1;
    for (;;) {
        const cg_token_t *t = peek(p, 0);
        cg_expr_t lhs, rhs;
        if (t->kind != CG_TOK_PUNCT || !strchr(ops, t->text[0]))
            return 0;
        if (++p->expr_ops > MAX_EXPR_OPS) {
            cg_error(p->d, t->loc, "simplify the expression", "size/count expression too long");
            return -1;
        }
        lhs = *e;
        memset(e, 0, sizeof *e);
        e->kind = CG_EXPR_BIN;
        e->param = -1;
        e->op = t->text[0];
        e->loc = t->loc;
        e->lhs = expr_box(&lhs);
        next(p);
        memset(&rhs, 0, sizeof rhs);
        if (sub(p, &rhs, depth) < 0) {
            cg_expr_free(&rhs);
            return -1;
        }
        e->rhs = expr_box(&rhs);
    }
}

static int parse_product(parser_t *p, cg_expr_t *e, int depth)
{
    return parse_chain(p, e, depth, "*/%", parse_primary);
}

static int parse_sum(parser_t *p, cg_expr_t *e, int depth)
{
    return parse_chain(p, e, depth, "+-", parse_product);
}

static int parse_expr(parser_t *p, cg_expr_t *e, int depth)
{
    return parse_sum(p, e, depth);
}

static const struct {
    const char *name;
    unsigned flag;
} attr_names[] = {
    {"in", CG_ATTR_IN},         {"out", CG_ATTR_OUT},           {"user_check", CG_ATTR_USER_CHECK},
    {"string", CG_ATTR_STRING}, {"wstring", CG_ATTR_WSTRING},   {"isptr", CG_ATTR_ISPTR},
    {"readonly", CG_ATTR_READONLY}, {"isary", CG_ATTR_ISARY},   {"size", CG_ATTR_SIZE},
    {"count", CG_ATTR_COUNT},
};

#define ATTR_HINT "valid attributes are in, out, user_check, string, wstring, size=, count=, isptr, readonly, isary"

static int parse_attrs(parser_t *p, cg_param_t *prm)
{
    prm->attr_loc = peek(p, 0)->loc;
    next(p); /* '[' */
    for (;;) {
        const cg_token_t *t = peek(p, 0);
        unsigned flag = 0;
        size_t i;
        if (t->kind != CG_TOK_IDENT) {
            unexpected(p, "an attribute name", ATTR_HINT);
            return -1;
        }
        for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
            if (strcmp(t->text, attr_names[i].name) == 0)
                flag = attr_names[i].flag;
        if (!flag && strcmp(t->text, "sizefunc") == 0) {
            /* Intel dropped sizefunc from edger8r (SGX SDK 2.0): the
             * enclave would have to call a host-chosen function on
             * unvalidated data to learn a length. */
            cg_error(p->d, t->loc, "pass the length in a parameter and write size=len (or count=n)",
                     "attribute 'sizefunc' is not supported (edger8r removed it too)");
            return -1;
        }
        if (!flag) {
            cg_error(p->d, t->loc, ATTR_HINT, "unknown attribute '%s'", t->text);
            return -1;
        }
        if (prm->attrs & flag) {
            cg_error(p->d, t->loc, "write each attribute once", "duplicate attribute '%s'", t->text);
            return -1;
        }
        prm->attrs |= flag;
        next(p);
        if (flag == CG_ATTR_SIZE || flag == CG_ATTR_COUNT) {
            cg_expr_t *e = flag == CG_ATTR_SIZE ? &prm->size : &prm->count;
            if (expect_punct(p, '=', flag == CG_ATTR_SIZE ? "write size=N or size=param"
                                                          : "write count=N or count=param") < 0)
                return -1;
            p->expr_ops = 0;
            if (parse_expr(p, e, 0) < 0)
                return -1;
        } else if (is_punct(peek(p, 0), '=')) {
            cg_error(p->d, peek(p, 0)->loc, "only size= and count= take a value",
                     "attribute '%s' does not take a value", t->text);
            return -1;
        }
        if (is_punct(peek(p, 0), ',')) {
            next(p);
            continue;
        }
        return expect_punct(p, ']', "close the attribute list with ']' and separate attributes with ','");
    }
}

static int parse_dims(parser_t *p, cg_param_t *prm)
{
    size_t cap = 0;
    while (is_punct(peek(p, 0), '[')) {
        const cg_token_t *t;
        next(p);
        t = peek(p, 0);
        if (t->kind != CG_TOK_INT || t->num == 0) {
            unexpected(p, "a positive integer array dimension", "write a fixed size such as [16]");
            return -1;
        }
        CG_PUSH(prm->dims, prm->ndims, cap, t->num);
        next(p);
        if (expect_punct(p, ']', "close the array dimension with ']'") < 0)
            return -1;
    }
    return 0;
}

/* [attrs] type name dims */
static int parse_param(parser_t *p, cg_param_t *prm, const char *what)
{
    memset(prm, 0, sizeof *prm);
    prm->size_param = prm->count_param = -1;
    prm->attr_loc = peek(p, 0)->loc;
    if (is_punct(peek(p, 0), '[') && parse_attrs(p, prm) < 0)
        return -1;
    if (parse_type(p, &prm->type) < 0)
        return -1;
    if (expect_ident(p, what, &prm->name, &prm->loc) < 0)
        return -1;
    return parse_dims(p, prm);
}

/* ---- functions ---- */

static int parse_params(parser_t *p, cg_func_t *f)
{
    size_t cap = 0;
    if (expect_punct(p, '(', "a function declaration needs a parameter list") < 0)
        return -1;
    if (is_punct(peek(p, 0), ')')) {
        next(p);
        return 0;
    }
    if (is_kw(peek(p, 0), "void") && is_punct(peek(p, 1), ')')) {
        next(p);
        next(p);
        return 0;
    }
    for (;;) {
        cg_param_t prm;
        int r = parse_param(p, &prm, "a parameter name");
        CG_PUSH(f->params, f->nparams, cap, prm); /* pushed even on error so it is freed */
        if (r < 0)
            return -1;
        if (is_punct(peek(p, 0), ',')) {
            next(p);
            continue;
        }
        return expect_punct(p, ')', "separate parameters with ',' and close the list with ')'");
    }
}

static int parse_func(parser_t *p, bool trusted)
{
    cg_func_t *f = cg_xcalloc(1, sizeof *f);
    cg_item_t it;
    it.kind = CG_ITEM_FUNC;
    it.u.func = f;
    add_item(p, it); /* owned by the file from now on, even if parsing fails */
    f->trusted = trusted;
    f->loc = peek(p, 0)->loc;

    if (trusted && is_kw(peek(p, 0), "public")) {
        f->is_public = true;
        next(p);
    }
    /* [cdecl], [dllimport], ... calling-convention attributes of edger8r:
     * meaningless here, accepted for compatibility. */
    if (is_punct(peek(p, 0), '[')) {
        next(p);
        for (;;) {
            const cg_token_t *t = peek(p, 0);
            if (!(is_kw(t, "cdecl") || is_kw(t, "stdcall") || is_kw(t, "fastcall") || is_kw(t, "dllimport"))) {
                cg_error(p->d, t->loc, "function attributes are cdecl, stdcall, fastcall and dllimport",
                         "unknown function attribute '%s'", t->text);
                return -1;
            }
            next(p);
            if (is_punct(peek(p, 0), ',')) {
                next(p);
                continue;
            }
            if (expect_punct(p, ']', "close the attribute list with ']'") < 0)
                return -1;
            break;
        }
    }
    if (parse_type(p, &f->ret) < 0)
        return -1;
    if (expect_ident(p, "a function name", &f->name, &f->loc) < 0)
        return -1;
    if (is_punct(peek(p, 0), '[')) {
        cg_error(p->d, peek(p, 0)->loc, "return a pointer or a struct instead", "a function cannot return an array");
        return -1;
    }
    if (parse_params(p, f) < 0)
        return -1;
    for (;;) {
        const cg_token_t *t = peek(p, 0);
        if (is_kw(t, "transition_using_threads")) {
            f->switchless = true;
            next(p);
        } else if (is_kw(t, "propagate_errno")) {
            if (trusted) {
                cg_error(p->d, t->loc, "remove it, it only applies to untrusted functions",
                         "propagate_errno is not allowed on a trusted function");
                return -1;
            }
            f->propagate_errno = true;
            next(p);
        } else if (is_kw(t, "allow")) {
            if (trusted) {
                cg_error(p->d, t->loc, "allow(...) lists the ECALLs an untrusted function may make; remove it",
                         "allow() is not allowed on a trusted function");
                return -1;
            }
            next(p);
            if (expect_punct(p, '(', "write allow(f, g)") < 0)
                return -1;
            if (!is_punct(peek(p, 0), ')')) {
                for (;;) {
                    char *name;
                    cg_loc_t loc;
                    if (expect_ident(p, "a trusted function name", &name, &loc) < 0)
                        return -1;
                    push_name(&f->allow, &f->allow_locs, &f->nallow, name, loc);
                    if (!is_punct(peek(p, 0), ','))
                        break;
                    next(p);
                }
            }
            if (expect_punct(p, ')', "close allow( with ')'") < 0)
                return -1;
        } else {
            break;
        }
    }
    return expect_punct(p, ';', "end the function declaration with ';'");
}

static int parse_include(parser_t *p)
{
    cg_include_t *inc;
    cg_item_t it;
    const cg_token_t *t;
    next(p); /* include */
    t = peek(p, 0);
    if (t->kind != CG_TOK_STRING || t->text[0] == '\0') {
        unexpected(p, "a header name in quotes", "write include \"header.h\"");
        return -1;
    }
    inc = cg_xcalloc(1, sizeof *inc);
    inc->path = cg_xstrdup(t->text);
    inc->loc = t->loc;
    it.kind = CG_ITEM_INCLUDE;
    it.u.include = inc;
    add_item(p, it);
    next(p);
    if (is_punct(peek(p, 0), ';'))
        next(p);
    return 0;
}

static int parse_block(parser_t *p, bool trusted)
{
    next(p); /* trusted / untrusted */
    if (expect_punct(p, '{', trusted ? "write trusted { ... };" : "write untrusted { ... };") < 0)
        return -1;
    while (!is_punct(peek(p, 0), '}')) {
        if (peek(p, 0)->kind == CG_TOK_EOF) {
            unexpected(p, "'}'", "close the block with '};'");
            return -1;
        }
        if (is_kw(peek(p, 0), "include")) {
            if (parse_include(p) < 0)
                return -1;
            continue;
        }
        if (!trusted && is_kw(peek(p, 0), "public")) {
            cg_error(p->d, peek(p, 0)->loc, "remove 'public'; it only applies to trusted functions",
                     "an untrusted function cannot be public");
            return -1;
        }
        if (parse_func(p, trusted) < 0)
            return -1;
    }
    next(p);
    return expect_punct(p, ';', "end the block with '};'");
}

static int parse_import(parser_t *p)
{
    cg_import_t *imp = cg_xcalloc(1, sizeof *imp);
    cg_item_t it;
    const cg_token_t *t;
    it.kind = CG_ITEM_IMPORT;
    it.u.import = imp;
    add_item(p, it);
    imp->loc = next(p)->loc; /* from */
    t = peek(p, 0);
    if (t->kind != CG_TOK_STRING || t->text[0] == '\0') {
        unexpected(p, "an EDL file name in quotes", "write from \"file.edl\" import *;");
        return -1;
    }
    imp->path = cg_xstrdup(t->text);
    imp->loc = t->loc;
    next(p);
    if (!is_kw(peek(p, 0), "import")) {
        unexpected(p, "'import'", "write from \"file.edl\" import *; or import f, g;");
        return -1;
    }
    next(p);
    if (is_punct(peek(p, 0), '*')) {
        imp->all = true;
        next(p);
    } else {
        for (;;) {
            char *name;
            cg_loc_t loc;
            if (expect_ident(p, "'*' or a function name", &name, &loc) < 0)
                return -1;
            push_name(&imp->names, &imp->name_locs, &imp->nnames, name, loc);
            if (!is_punct(peek(p, 0), ','))
                break;
            next(p);
        }
    }
    return expect_punct(p, ';', "end the import with ';'");
}

static int parse_enum_body(parser_t *p, cg_utype_t *u)
{
    size_t cap = 0;
    while (!is_punct(peek(p, 0), '}')) {
        cg_enumerator_t e;
        memset(&e, 0, sizeof e);
        if (expect_ident(p, "an enumerator name", &e.name, &e.loc) < 0)
            return -1;
        if (is_punct(peek(p, 0), '=')) {
            const cg_token_t *v;
            bool neg = false;
            next(p);
            if (is_punct(peek(p, 0), '-')) {
                neg = true;
                next(p);
            }
            v = peek(p, 0);
            if (v->kind != CG_TOK_INT && !(v->kind == CG_TOK_IDENT && !neg && !is_reserved(v->text))) {
                free(e.name);
                unexpected(p, "an integer constant or an enumerator name", "write NAME = 3 or NAME = OTHER");
                return -1;
            }
            e.value = cg_xasprintf("%s%s", neg ? "-" : "", v->text);
            next(p);
        }
        CG_PUSH(u->enums, u->nenums, cap, e);
        if (is_punct(peek(p, 0), ',')) {
            next(p);
            continue;
        }
        if (!is_punct(peek(p, 0), '}')) {
            unexpected(p, "',' or '}'", "separate enumerators with ','");
            return -1;
        }
    }
    if (u->nenums == 0) {
        cg_error(p->d, peek(p, 0)->loc, "add at least one enumerator", "empty enum");
        return -1;
    }
    return 0;
}

static int parse_utype(parser_t *p)
{
    cg_utype_t *u = cg_xcalloc(1, sizeof *u);
    cg_item_t it;
    const cg_token_t *kw = next(p);
    size_t cap = 0;
    it.kind = CG_ITEM_UTYPE;
    it.u.utype = u;
    add_item(p, it);
    u->loc = kw->loc;
    u->kind = kw->text[0] == 's' ? CG_UT_STRUCT : kw->text[0] == 'u' ? CG_UT_UNION : CG_UT_ENUM;
    if (!(u->kind == CG_UT_ENUM && is_punct(peek(p, 0), '{'))) {
        if (expect_ident(p, "a type name", &u->name, &u->loc) < 0)
            return -1;
    }
    if (expect_punct(p, '{', "a definition needs a body in braces") < 0)
        return -1;
    if (u->kind == CG_UT_ENUM) {
        if (parse_enum_body(p, u) < 0)
            return -1;
    } else {
        while (!is_punct(peek(p, 0), '}')) {
            cg_param_t m;
            int r;
            if (peek(p, 0)->kind == CG_TOK_EOF) {
                unexpected(p, "'}'", "close the definition with '};'");
                return -1;
            }
            r = parse_param(p, &m, "a member name");
            CG_PUSH(u->members, u->nmembers, cap, m);
            if (r < 0 || expect_punct(p, ';', "end each member with ';'") < 0)
                return -1;
        }
        if (u->nmembers == 0) {
            cg_error(p->d, peek(p, 0)->loc, "add at least one member", "empty %s",
                     u->kind == CG_UT_STRUCT ? "struct" : "union");
            return -1;
        }
    }
    next(p); /* '}' */
    return expect_punct(p, ';', "end the definition with '};'");
}

static int parse_file(parser_t *p)
{
    if (!is_kw(peek(p, 0), "enclave")) {
        unexpected(p, "'enclave'", "an EDL file has the form enclave { ... };");
        return -1;
    }
    next(p);
    if (expect_punct(p, '{', "write enclave { ... };") < 0)
        return -1;
    for (;;) {
        const cg_token_t *t = peek(p, 0);
        int r;
        if (is_punct(t, '}'))
            break;
        if (is_kw(t, "include"))
            r = parse_include(p);
        else if (is_kw(t, "from"))
            r = parse_import(p);
        else if (is_kw(t, "trusted"))
            r = parse_block(p, true);
        else if (is_kw(t, "untrusted"))
            r = parse_block(p, false);
        else if (is_kw(t, "struct") || is_kw(t, "union") || is_kw(t, "enum"))
            r = parse_utype(p);
        else {
            unexpected(p, "include, from, trusted, untrusted, struct, union, enum or '}'",
                       "check the spelling and the braces of the enclave block");
            r = -1;
        }
        if (r < 0)
            return -1;
    }
    next(p);
    if (is_punct(peek(p, 0), ';'))
        next(p);
    if (peek(p, 0)->kind != CG_TOK_EOF) {
        unexpected(p, "end of file", "an EDL file holds exactly one enclave { ... }; block");
        return -1;
    }
    return 0;
}

cg_edl_file_t *cgear_edl_parse_buffer(const char *name, const char *buf, size_t len, cg_diag_t *d)
{
    parser_t p;
    int r;
    memset(&p, 0, sizeof p);
    p.d = d;
    p.file = cg_xcalloc(1, sizeof *p.file);
    p.file->path = cg_xstrdup(name ? name : "<input>");
    if (!buf)
        len = 0;
    r = cg_lex(p.file->path, buf ? buf : "", len, d, &p.toks);
    if (r == 0)
        r = parse_file(&p);
    cg_tokens_free(&p.toks);
    if (r < 0) {
        cg_edl_file_free(p.file);
        return NULL;
    }
    return p.file;
}
