/*
 * util.h - allocation and string helpers shared by the EDL compiler.
 *
 * The compiler is a short-lived tool: running out of memory is reported and
 * ends the process (cg_oom()), which keeps every other path simple.
 */
#ifndef CGEAR_CODEGEN_UTIL_H
#define CGEAR_CODEGEN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *cg_xmalloc(size_t n);
void *cg_xcalloc(size_t n, size_t m);
void *cg_xrealloc(void *p, size_t n);
char *cg_xstrdup(const char *s);
char *cg_xstrndup(const char *s, size_t n);
char *cg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (element size @elem) so that it can hold @need elements. */
void cg_grow(void **arr, size_t *cap, size_t need, size_t elem);
#define CG_PUSH(arr, n, cap, val)                                                 \
    do {                                                                          \
        cg_grow((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr)));                \
        (arr)[(n)++] = (val);                                                     \
    } while (0)

/* A growable NUL-terminated string. */
typedef struct cg_sbuf {
    char *s;
    size_t len;
    size_t cap;
} cg_sbuf_t;

void cg_sb_init(cg_sbuf_t *sb);
void cg_sb_free(cg_sbuf_t *sb);
void cg_sb_puts(cg_sbuf_t *sb, const char *s);
void cg_sb_putn(cg_sbuf_t *sb, const char *s, size_t n);
void cg_sb_printf(cg_sbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_sb_vprintf(cg_sbuf_t *sb, const char *fmt, va_list ap);
/* Take ownership of the string (never NULL); the buffer is reset. */
char *cg_sb_take(cg_sbuf_t *sb);

#endif
