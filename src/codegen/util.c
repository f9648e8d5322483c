/*
 * util.c - allocation and string helpers for the EDL compiler.
 */
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cg_oom(void)
{
    fputs("cgear codegen: out of memory\n", stderr);
    abort();
}

void *cg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        cg_oom();
    return p;
}

void *cg_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        cg_oom();
    return p;
}

void *cg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        cg_oom();
    return q;
}

char *cg_xstrndup(const char *s, size_t n)
{
    char *d = cg_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *cg_xstrdup(const char *s)
{
    return cg_xstrndup(s, strlen(s));
}

char *cg_xasprintf(const char *fmt, ...)
{
    cg_sbuf_t sb;
    va_list ap;
    cg_sb_init(&sb);
    va_start(ap, fmt);
    cg_sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return cg_sb_take(&sb);
}

void cg_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    if (need <= *cap)
        return;
    ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            cg_oom();
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        cg_oom();
    *arr = cg_xrealloc(*arr, ncap * elem);
    *cap = ncap;
}

void cg_sb_init(cg_sbuf_t *sb)
{
    sb->s = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void cg_sb_free(cg_sbuf_t *sb)
{
    free(sb->s);
    cg_sb_init(sb);
}

void cg_sb_putn(cg_sbuf_t *sb, const char *s, size_t n)
{
    cg_grow((void **)&sb->s, &sb->cap, sb->len + n + 1, 1);
    memcpy(sb->s + sb->len, s, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

void cg_sb_puts(cg_sbuf_t *sb, const char *s)
{
    cg_sb_putn(sb, s, strlen(s));
}

void cg_sb_vprintf(cg_sbuf_t *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    cg_grow((void **)&sb->s, &sb->cap, sb->len + (size_t)n + 1, 1);
    vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void cg_sb_printf(cg_sbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *cg_sb_take(cg_sbuf_t *sb)
{
    char *s = sb->s ? sb->s : cg_xstrdup("");
    cg_sb_init(sb);
    return s;
}
