/*
 * ast.h - the parsed form of an EDL file and of a whole EDL program
 * (a root file merged with everything it imports).
 */
#ifndef CGEAR_CODEGEN_AST_H
#define CGEAR_CODEGEN_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* What a base type is, as far as marshalling cares. */
typedef enum cg_base_kind {
    CG_BASE_VOID,
    CG_BASE_CHAR,    /* char, signed char, unsigned char: [string] element */
    CG_BASE_WCHAR,   /* wchar_t: [wstring] element */
    CG_BASE_INTEGER, /* every other built-in integer type, including size_t */
    CG_BASE_BOOL,
    CG_BASE_FLOAT,   /* float, double, long double */
    CG_BASE_NAMED,   /* an identifier: a typedef from an included header */
    CG_BASE_STRUCT,  /* struct NAME */
    CG_BASE_UNION,   /* union NAME */
    CG_BASE_ENUM,    /* enum NAME */
} cg_base_kind_t;

#define CG_MAX_PTR_DEPTH 8

typedef struct cg_type {
    cg_base_kind_t kind;
    char *name;         /* C spelling of the base type: "unsigned long", "uint8_t", "struct s" */
    int ptr_depth;      /* number of '*' */
    uint32_t const_mask; /* bit 0: const base; bit i: const after the i-th '*' */
    cg_loc_t loc;
} cg_type_t;

/* The value of size= or count=: a constant, a parameter name, or an
 * arithmetic expression of those (+ - * / % and parentheses). */
typedef enum cg_expr_kind { CG_EXPR_NONE, CG_EXPR_INT, CG_EXPR_IDENT, CG_EXPR_BIN } cg_expr_kind_t;
typedef struct cg_expr {
    cg_expr_kind_t kind;
    unsigned long long num; /* CG_EXPR_INT */
    char *ident;            /* CG_EXPR_IDENT */
    int param;              /* CG_EXPR_IDENT: index of the parameter (of the member for a
                               struct member's size=/count=), set by sema (-1 before) */
    char op;                /* CG_EXPR_BIN: one of + - * / % */
    struct cg_expr *lhs, *rhs; /* CG_EXPR_BIN: owned */
    cg_loc_t loc;
} cg_expr_t;

/* Release what @e owns (not @e itself). */
void cg_expr_free(cg_expr_t *e);
/* The expression as C text (identifiers as written), for messages. */
char *cg_expr_text(const cg_expr_t *e);

/* Parameter / member attributes. */
enum {
    CG_ATTR_IN = 1u << 0,
    CG_ATTR_OUT = 1u << 1,
    CG_ATTR_USER_CHECK = 1u << 2,
    CG_ATTR_STRING = 1u << 3,
    CG_ATTR_WSTRING = 1u << 4,
    CG_ATTR_ISPTR = 1u << 5,
    CG_ATTR_READONLY = 1u << 6,
    CG_ATTR_ISARY = 1u << 7,
    CG_ATTR_SIZE = 1u << 8,
    CG_ATTR_COUNT = 1u << 9,
};

/* A function parameter or a struct member. */
typedef struct cg_param {
    char *name;
    cg_loc_t loc; /* of the name */
    cg_type_t type;
    unsigned long long *dims; /* fixed array dimensions, e.g. int a[4][2] */
    size_t ndims;
    unsigned attrs;
    cg_loc_t attr_loc; /* of '[' of the attribute list (or of the type) */
    cg_expr_t size;
    cg_expr_t count;
    /* Filled by sema: index of the parameter named by size=/count= when the
     * expression is that parameter alone, or -1. */
    int size_param;
    int count_param;
} cg_param_t;

typedef struct cg_func {
    char *name;
    cg_loc_t loc;
    cg_type_t ret;
    cg_param_t *params;
    size_t nparams;
    bool trusted;
    bool is_public;
    bool switchless;      /* transition_using_threads */
    bool propagate_errno; /* untrusted only */
    char **allow;         /* untrusted only: allow(f, g) */
    cg_loc_t *allow_locs;
    size_t nallow;
} cg_func_t;

typedef struct cg_enumerator {
    char *name;
    cg_loc_t loc;
    char *value; /* C text of the value, or NULL */
} cg_enumerator_t;

typedef enum cg_utype_kind { CG_UT_STRUCT, CG_UT_UNION, CG_UT_ENUM } cg_utype_kind_t;

/* A struct, union or enum defined in the EDL. */
typedef struct cg_utype {
    cg_utype_kind_t kind;
    char *name; /* may be NULL for an anonymous enum */
    cg_loc_t loc;
    cg_param_t *members; /* struct/union */
    size_t nmembers;
    cg_enumerator_t *enums; /* enum */
    size_t nenums;
    /* Set by sema: a struct with pointer members that carry size=/count=
     * (edger8r's deep copy); ndeep of them. */
    bool deep;
    size_t ndeep;
} cg_utype_t;

typedef struct cg_import {
    char *path;
    cg_loc_t loc;
    bool all; /* import * */
    char **names;
    cg_loc_t *name_locs;
    size_t nnames;
} cg_import_t;

typedef struct cg_include {
    char *path;
    cg_loc_t loc;
} cg_include_t;

typedef enum cg_item_kind { CG_ITEM_FUNC, CG_ITEM_IMPORT, CG_ITEM_INCLUDE, CG_ITEM_UTYPE } cg_item_kind_t;

/* One top-level thing in source order: the order matters when imports are
 * merged (function ids follow it). */
typedef struct cg_item {
    cg_item_kind_t kind;
    union {
        cg_func_t *func;
        cg_import_t *import;
        cg_include_t *include;
        cg_utype_t *utype;
    } u;
} cg_item_t;

typedef struct cg_edl_file {
    char *path; /* as given: used in diagnostics (cg_loc_t.file points here) */
    cg_item_t *items;
    size_t nitems;
    size_t cap;
} cg_edl_file_t;

/* The program after imports are merged: what the emitters see. */
typedef struct cg_program {
    char *stem;        /* root file name without directory and .edl: output file names */
    char *base;        /* the stem as a C identifier (non-identifier characters become '_') */
    cg_func_t **trusted; /* ECALL id = index */
    size_t ntrusted;
    cg_func_t **untrusted; /* OCALL id = index */
    size_t nuntrusted;
    cg_include_t **includes;
    size_t nincludes;
    cg_utype_t **utypes;
    size_t nutypes;
    cg_edl_file_t **files; /* every parsed file, owned */
    size_t nfiles;
    bool use_prefix; /* --use-prefix: host ECALL proxies are named <base>_<f> */
} cg_program_t;

void cg_type_free(cg_type_t *t);
void cg_param_free(cg_param_t *p);
void cg_edl_file_free(cg_edl_file_t *f);
void cg_program_free(cg_program_t *p);

/* C spelling of @t followed by @name (which may be NULL or ""), e.g.
 * "const char *s". With @drop_top_const the outermost const is left out
 * (for struct fields that are assigned). Caller frees. */
char *cg_type_decl(const cg_type_t *t, const char *name, bool drop_top_const);
/* The type a pointer of type @t points to, spelled in C (for sizeof). */
char *cg_type_pointee(const cg_type_t *t);
bool cg_type_is_pointer(const cg_type_t *t);
bool cg_type_is_void(const cg_type_t *t);

/* How a parameter crosses the boundary (valid after cg_sema_check()). */
/* A fixed-size array (int a[4][4]) or an [isary] typedef'd array. */
bool cg_param_is_array(const cg_param_t *p);
/* Passed as an address: a '*' pointer, an array, or an [isptr] typedef. */
bool cg_param_is_indirect(const cg_param_t *p);
/* An address passed through unchecked: [user_check], or an [isptr]/[isary]
 * parameter without [in]/[out] (edger8r's Arrays sample passes
 * "[isary] array_t a" that way). */
bool cg_param_is_raw(const cg_param_t *p);
/* A struct member whose pointee is deep-copied (size= or count=). */
bool cg_member_is_deep(const cg_param_t *m);
/* The EDL struct named by @t's base type ("struct S", or the typedef name
 * S that the headers define for it), or NULL. */
const cg_utype_t *cg_find_struct(const cg_program_t *prog, const cg_type_t *t);

#endif
