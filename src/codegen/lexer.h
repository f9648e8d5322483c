/*
 * lexer.h - tokens of the EDL language.
 *
 * The whole input is tokenised up front into an array, which gives the
 * parser unlimited look-ahead and keeps it free of lexer state.
 */
#ifndef CGEAR_CODEGEN_LEXER_H
#define CGEAR_CODEGEN_LEXER_H

#include <stddef.h>

#include "diag.h"

typedef enum cg_tok_kind {
    CG_TOK_EOF = 0,
    CG_TOK_IDENT,  /* identifier or keyword: the parser decides */
    CG_TOK_INT,    /* integer literal; value in num */
    CG_TOK_STRING, /* "..." literal; text holds the content without quotes */
    CG_TOK_PUNCT,  /* one character of { } ( ) [ ] ; , * = - + . / % */
} cg_tok_kind_t;

typedef struct cg_token {
    cg_tok_kind_t kind;
    char *text; /* NUL-terminated copy: identifier, string content or punctuation */
    unsigned long long num;
    cg_loc_t loc;
} cg_token_t;

typedef struct cg_tokens {
    cg_token_t *v;
    size_t n;
    size_t cap;
} cg_tokens_t;

/* Tokenise @len bytes of @buf (need not be NUL-terminated; may contain
 * anything). @file names the input in locations and must outlive the
 * tokens. Returns 0, or -1 after reporting an error in @d; the array always
 * ends with a CG_TOK_EOF token, and must be released with cg_tokens_free(). */
int cg_lex(const char *file, const char *buf, size_t len, cg_diag_t *d, cg_tokens_t *out);
void cg_tokens_free(cg_tokens_t *t);

#endif
