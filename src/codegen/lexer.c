/*
 * lexer.c - tokenises EDL text.
 *
 * Input comes from users and, later, a fuzzer: every read is bounds-checked
 * against the length, never a NUL terminator.
 */
#include "lexer.h"

#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    const char *file;
    const char *buf;
    size_t len;
    size_t pos;
    int line;
    int col;
    cg_diag_t *d;
} lexer_t;

static int at(const lexer_t *lx, size_t off)
{
    return lx->pos + off < lx->len ? (unsigned char)lx->buf[lx->pos + off] : -1;
}

static void advance(lexer_t *lx)
{
    if (lx->pos >= lx->len)
        return;
    if (lx->buf[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

static cg_loc_t here(const lexer_t *lx)
{
    cg_loc_t l = {lx->file, lx->line, lx->col};
    return l;
}

static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

static void push(cg_tokens_t *t, cg_tok_kind_t kind, char *text, unsigned long long num, cg_loc_t loc)
{
    cg_token_t tok;
    tok.kind = kind;
    tok.text = text;
    tok.num = num;
    tok.loc = loc;
    CG_PUSH(t->v, t->n, t->cap, tok);
}

/* Skip blanks and comments. Returns -1 on an unterminated comment. */
static int skip_space(lexer_t *lx)
{
    for (;;) {
        int c = at(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            advance(lx);
        } else if (c == '/' && at(lx, 1) == '/') {
            while (at(lx, 0) != -1 && at(lx, 0) != '\n')
                advance(lx);
        } else if (c == '/' && at(lx, 1) == '*') {
            cg_loc_t start = here(lx);
            advance(lx);
            advance(lx);
            while (!(at(lx, 0) == '*' && at(lx, 1) == '/')) {
                if (at(lx, 0) == -1) {
                    cg_error(lx->d, start, "close it with */", "unterminated comment");
                    return -1;
                }
                advance(lx);
            }
            advance(lx);
            advance(lx);
        } else {
            return 0;
        }
    }
}

static int lex_number(lexer_t *lx, cg_tokens_t *out)
{
    cg_loc_t loc = here(lx);
    size_t start = lx->pos;
    unsigned base = 10;
    unsigned long long v = 0;
    int ndigits = 0;
    if (at(lx, 0) == '0' && (at(lx, 1) == 'x' || at(lx, 1) == 'X')) {
        base = 16;
        advance(lx);
        advance(lx);
    } else if (at(lx, 0) == '0') {
        base = 8;
    }
    while (at(lx, 0) != -1 && (is_ident_start(at(lx, 0)) || is_digit(at(lx, 0)))) {
        int c = at(lx, 0);
        unsigned dv = (unsigned)digit_value(c);
        if (dv >= base)
            break;
        if (v > (~0ULL - dv) / base) {
            cg_error(lx->d, loc, "use a smaller value", "integer constant is too large");
            return -1;
        }
        v = v * base + dv;
        ndigits++;
        advance(lx);
    }
    if (base == 16 && ndigits == 0) {
        cg_error(lx->d, loc, "write hex digits after 0x", "malformed integer constant");
        return -1;
    }
    /* C suffixes (u, l, ul, ull, ...) are accepted and ignored. */
    while (at(lx, 0) == 'u' || at(lx, 0) == 'U' || at(lx, 0) == 'l' || at(lx, 0) == 'L')
        advance(lx);
    if (at(lx, 0) != -1 && (is_ident_start(at(lx, 0)) || is_digit(at(lx, 0)))) {
        cg_error(lx->d, here(lx), "separate numbers from names with a space or fix the digits",
                 "invalid character in integer constant");
        return -1;
    }
    push(out, CG_TOK_INT, cg_xstrndup(lx->buf + start, lx->pos - start), v, loc);
    return 0;
}

static int lex_string(lexer_t *lx, cg_tokens_t *out)
{
    cg_loc_t loc = here(lx);
    size_t start;
    advance(lx); /* opening quote */
    start = lx->pos;
    for (;;) {
        int c = at(lx, 0);
        if (c == -1 || c == '\n') {
            cg_error(lx->d, loc, "close the string with \" on the same line", "unterminated string literal");
            return -1;
        }
        if (c == '"')
            break;
        if (c < 0x20 || c == 0x7f) {
            cg_error(lx->d, here(lx), "remove the control character", "invalid character in string literal");
            return -1;
        }
        advance(lx);
    }
    push(out, CG_TOK_STRING, cg_xstrndup(lx->buf + start, lx->pos - start), 0, loc);
    advance(lx); /* closing quote */
    return 0;
}

int cg_lex(const char *file, const char *buf, size_t len, cg_diag_t *d, cg_tokens_t *out)
{
    lexer_t lx = {file, buf, len, 0, 1, 1, d};
    out->v = NULL;
    out->n = 0;
    out->cap = 0;
    for (;;) {
        int c;
        if (skip_space(&lx) < 0)
            goto fail;
        c = at(&lx, 0);
        if (c == -1)
            break;
        if (is_ident_start(c)) {
            cg_loc_t loc = here(&lx);
            size_t start = lx.pos;
            while (at(&lx, 0) != -1 && (is_ident_start(at(&lx, 0)) || is_digit(at(&lx, 0))))
                advance(&lx);
            push(out, CG_TOK_IDENT, cg_xstrndup(buf + start, lx.pos - start), 0, loc);
        } else if (is_digit(c)) {
            if (lex_number(&lx, out) < 0)
                goto fail;
        } else if (c == '"') {
            if (lex_string(&lx, out) < 0)
                goto fail;
        } else if (strchr("{}()[];,*=-+./%", c) && c != 0) {
            char p[2] = {(char)c, '\0'};
            push(out, CG_TOK_PUNCT, cg_xstrdup(p), 0, here(&lx));
            advance(&lx);
        } else {
            if (c >= 0x21 && c < 0x7f)
                cg_error(d, here(&lx), "remove it", "unexpected character '%c'", c);
            else
                cg_error(d, here(&lx), "remove it; EDL files are ASCII text", "unexpected byte 0x%02x", c);
            goto fail;
        }
    }
    push(out, CG_TOK_EOF, cg_xstrdup("end of file"), 0, here(&lx));
    return 0;
fail:
    push(out, CG_TOK_EOF, cg_xstrdup("end of file"), 0, here(&lx));
    return -1;
}

void cg_tokens_free(cg_tokens_t *t)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}
