/*
 * cgear_edge_rt.h - helpers the generated *_u.c and *_t.c files call while
 * they marshal and check messages: checked arithmetic of size=/count=
 * expressions, blob lengths and placement, terminator checks, and a
 * padding-free store of long double. Application code does not call these.
 *
 * They are static inline, not runtime functions, so that generated code
 * needs nothing new at link time on either side (host: glibc; enclave:
 * static musl), and so that a file using only some of them compiles
 * warning-free. The message layout they implement is in docs/codegen.md
 * ("Marshalling"); every failure here becomes CC_ERROR_BAD_PARAMETERS or
 * CC_ERROR_PROTOCOL in the generated caller.
 */
#ifndef CGEAR_EDGE_RT_H
#define CGEAR_EDGE_RT_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "cgear_edge.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Checked arithmetic of size=/count= expressions, in unsigned long long.
 * A failing step clears *ok (it never sets it), so one flag covers a whole
 * expression and cg_blob_len() refuses the result. The value returned on
 * failure is meaningless but defined.
 */

/* A parameter's value; @neg (the parameter is negative) is a failure:
 * a length must not come from a negative number. */
static inline unsigned long long cg_expr_val(int neg, unsigned long long v, int *ok)
{
    if (neg)
        *ok = 0;
    return v;
}

static inline unsigned long long cg_expr_add(unsigned long long a, unsigned long long b, int *ok)
{
    unsigned long long r;
    if (__builtin_add_overflow(a, b, &r))
        *ok = 0;
    return r;
}

/* Below zero is a failure (returns 0), not a wrap to a huge length. */
static inline unsigned long long cg_expr_sub(unsigned long long a, unsigned long long b, int *ok)
{
    if (b > a) {
        *ok = 0;
        return 0;
    }
    return a - b;
}

static inline unsigned long long cg_expr_mul(unsigned long long a, unsigned long long b, int *ok)
{
    unsigned long long r;
    if (__builtin_mul_overflow(a, b, &r))
        *ok = 0;
    return r;
}

/* Division by zero is a failure (returns 0). */
static inline unsigned long long cg_expr_div(unsigned long long a, unsigned long long b, int *ok)
{
    if (b == 0) {
        *ok = 0;
        return 0;
    }
    return a / b;
}

static inline unsigned long long cg_expr_mod(unsigned long long a, unsigned long long b, int *ok)
{
    if (b == 0) {
        *ok = 0;
        return 0;
    }
    return a % b;
}

/*
 * cg_blob_len() - byte length @s * @c * @e of a buffer.
 * @ok: 0 if evaluating the size or count expression failed (see above).
 * Return: 1 with *@out set, or 0 (*@out untouched) for a failed expression,
 * a value that does not fit in size_t, an overflowing product, or a length
 * over CG_MAX_MESSAGE.
 */
static inline int cg_blob_len(int ok, unsigned long long s, unsigned long long c, size_t e, size_t *out)
{
    size_t t;
    if (!ok || (size_t)s != s || (size_t)c != c)
        return 0;
    if (!cg_size_mul((size_t)s, (size_t)c, &t) || !cg_size_mul(t, e, &t) || t > CG_MAX_MESSAGE)
        return 0;
    *out = t;
    return 1;
}

/*
 * cg_blob_place() - lay out a blob of @len bytes at the first CG_MSG_ALIGN
 * boundary at or after *@cur (the end of what precedes it).
 * Return: 1 with *@start the blob's offset and *@cur its end, or 0 (nothing
 * changed) if the end would overflow or pass CG_MAX_MESSAGE. Callers skip
 * blobs of length 0: they take no room.
 */
static inline int cg_blob_place(size_t *cur, size_t len, size_t *start)
{
    size_t s, e;
    if (!cg_size_align(*cur, &s) || !cg_size_add(s, len, &e) || e > CG_MAX_MESSAGE)
        return 0;
    *start = s;
    *cur = e;
    return 1;
}

/*
 * cg_blob_put() - append the blob @p of @len bytes to a request being
 * built as segments: a segment of zeros up to the aligned offset (if any),
 * then @p itself (not copied: the caller keeps it alive until the call).
 * @iov, @n: the segments and how many are used; room for two more is the
 *           caller's business (it counts its blobs).
 * @cur:     end of the request so far.
 * Return: 1 (also for @len 0, which appends nothing), or 0 with nothing
 * changed if the request would pass CG_MAX_MESSAGE.
 */
static inline int cg_blob_put(cg_iov_t *iov, size_t *n, size_t *cur, const void *p, size_t len)
{
    /* The padding source; the runtime reads it when the call is made. */
    static const uint8_t zeros[CG_MSG_ALIGN] = {0};
    size_t prev = *cur, start;
    if (len == 0)
        return 1;
    if (!cg_blob_place(cur, len, &start))
        return 0;
    if (start != prev) {
        iov[*n].base = zeros;
        iov[*n].len = start - prev;
        (*n)++;
    }
    iov[*n].base = p;
    iov[*n].len = len;
    (*n)++;
    return 1;
}

/* Does the [string] blob @p of @len bytes hold a NUL? (The peer's blob
 * must, before anything treats it as a string.) */
static inline int cg_str_terminated(const uint8_t *p, size_t len)
{
    return memchr(p, 0, len) != NULL;
}

/* Does the [wstring] blob @p hold a zero wchar_t? @len is a multiple of
 * sizeof(wchar_t); @p need not be aligned for wchar_t. */
static inline int cg_wstr_terminated(const uint8_t *p, size_t len)
{
    size_t i;
    wchar_t w;
    for (i = 0; i + sizeof w <= len; i += sizeof w) {
        memcpy(&w, p + i, sizeof w);
        if (w == 0)
            return 1;
    }
    return 0;
}

/* Store @v at @dst without its padding bytes: x87's 80-bit format uses 10
 * of 16 bytes, and the other 6 hold whatever the stack held, which must not
 * reach the peer. @dst keeps its own bytes there (zeroed by the caller). */
static inline void cg_put_long_double(void *dst, long double v)
{
    memcpy(dst, &v, LDBL_MANT_DIG == 64 ? 10 : sizeof v);
}

#ifdef __cplusplus
}
#endif

#endif /* CGEAR_EDGE_RT_H */
