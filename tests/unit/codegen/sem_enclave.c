/*
 * Enclave half of the semantic test: the trusted functions of edl/sem.edl.
 * They record what they received in g_sem and answer with values derived
 * from it, so test_semantics.c can check both directions.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "sem_shared.h"
#include "sem_t.h"
#include "sem_deep.h"

sem_seen_t g_sem;

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int lib_a(int x)
{
    return x * 3;
}

long long e_ints(long long a, unsigned b, unsigned long c, size_t d, int8_t e, int16_t f, int32_t g, int64_t h,
                 uint8_t i, uint16_t j, uint32_t k, uint64_t l, short m, unsigned short n, signed char o,
                 unsigned char p, long q, unsigned long long r, const int cst, long int li, unsigned long long int ulli)
{
    g_sem.a = a;
    g_sem.b = b;
    g_sem.c = c;
    g_sem.d = d;
    g_sem.e = e;
    g_sem.f = f;
    g_sem.g = g;
    g_sem.h = h;
    g_sem.i = i;
    g_sem.j = j;
    g_sem.k = k;
    g_sem.l = l;
    g_sem.m = m;
    g_sem.n = n;
    g_sem.o = o;
    g_sem.p = p;
    g_sem.q = q;
    g_sem.r = r;
    g_sem.cst = cst;
    g_sem.li = li;
    g_sem.ulli = ulli;
    return a;
}

long double e_floats(float a, double b, long double c)
{
    g_sem.fa = a;
    g_sem.fb = b;
    g_sem.fc = c;
    return c * 2;
}

wchar_t e_wchar(wchar_t w, bool b, bool *ob)
{
    if (ob)
        *ob = !b;
    return (wchar_t)(w + 1);
}

struct outer e_struct(struct outer o, union num u, enum mode m)
{
    /* Garbage in the padding of the local must not reach the host. */
    struct outer r;
    int i, j;
    memset(&r, 0xA5, sizeof r);
    r.tag = (char)(o.tag + 1);
    for (i = 0; i < 2; i++) {
        r.in[i].c = (uint8_t)(o.in[i].c + 1);
        r.in[i].q = o.in[i].q + (uint64_t)u.i;
        for (j = 0; j < 3; j++)
            r.in[i].arr[j] = (int16_t)(o.in[i].arr[j] * 2);
    }
    r.d = o.d + (double)m;
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++)
            r.m[i][j] = o.m[i][j] + 1;
    return r;
}

int e_struct_arr(const struct outer *arr, size_t n, struct inner *res)
{
    size_t i;
    g_sem.ptrs[0] = arr;
    g_sem.out_was_zero = res == NULL || all_zero(res, n * sizeof *res);
    if (!arr || !res)
        return -1;
    for (i = 0; i < n; i++) {
        res[i].c = (uint8_t)arr[i].tag;
        res[i].q = arr[i].in[1].q;
        res[i].arr[0] = (int16_t)arr[i].m[1][2];
    }
    return (int)n;
}

int e_arr1(int a[4], int b[4], int c[4])
{
    int i, s = 0;
    g_sem.out_was_zero = b == NULL || all_zero(b, 4 * sizeof(int));
    for (i = 0; i < 4; i++) {
        s += a ? a[i] : 0;
        if (b)
            b[i] = 10 + i;
        if (c)
            c[i] *= 3;
    }
    if (a)
        a[0] = 999; /* changes only the enclave's private copy */
    return s;
}

int e_arr2(const int a[2][3], int b[3][2], int u[2])
{
    int i, j, s = 0;
    g_sem.user_check = u;
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++) {
            s += a[i][j];
            b[j][i] = a[i][j] * 10;
        }
    return s;
}

int e_arr_struct(struct inner s[2])
{
    s[0].q += 1;
    s[1].q += 2;
    return s[0].c + s[1].c;
}

size_t e_isptr(sem_blob_ptr p, sem_blob_ptr q, sem_cstr s, size_t len)
{
    g_sem.ptrs[0] = p;
    g_sem.ptrs[1] = q;
    g_sem.ptrs[2] = s;
    g_sem.out_was_zero = q == NULL || all_zero(q, 2 * sizeof *q);
    if (q && p) {
        q[0] = *p;
        q[1].b[0] = (uint8_t)len;
        q[1].b[1] = s ? (uint8_t)s[0] : 0;
        q[1].b[2] = s ? (uint8_t)s[len - 1] : 0;
    }
    return p ? (size_t)(p->b[0] + p->b[1] + p->b[2]) : 0;
}

int e_isary(sem_arr_t a, sem_arr_t b, sem_arr_t raw)
{
    int i, s = 0;
    g_sem.user_check = raw;
    g_sem.out_was_zero = b == NULL || all_zero(b, sizeof(sem_arr_t));
    for (i = 0; i < 5; i++) {
        s += a ? a[i] : 0;
        if (b)
            b[i] = -i;
    }
    return s;
}

size_t e_expr(uint8_t *p, size_t n, int *q, uint32_t rows, uint16_t cols, uint8_t *r, uint8_t *s, uint8_t *t)
{
    size_t i;
    g_sem.ptrs[0] = p;
    g_sem.ptrs[1] = r;
    g_sem.ptrs[2] = s;
    g_sem.ptrs[3] = t;
    g_sem.out_was_zero = q == NULL || all_zero(q, rows * cols * sizeof(int));
    for (i = 0; q && i < (size_t)rows * cols; i++)
        q[i] = (int)i;
    /* The last byte of each buffer, so the test sees the lengths arrived. */
    return (p ? p[n * 2] : 0) + (r ? r[n - 2] : 0) + (s ? s[n / 2 * 3 - 1] : 0) + (t ? t[n % 4] : 0);
}

size_t e_const_size(char *p, int64_t *q, void *v)
{
    size_t i, s = 0;
    for (i = 0; p && i < 12; i++)
        s += (uint8_t)p[i];
    for (i = 0; q && i < 3; i++)
        q[i] = -(int64_t)i - 1;
    for (i = 0; v && i < 8; i++)
        s += ((uint8_t *)v)[i];
    return s;
}

size_t e_wstr(const wchar_t *w, wchar_t *io)
{
    size_t n = io ? wcslen(io) : 0, i;
    for (i = 0; i < n; i++)
        io[i] = (wchar_t)(io[i] + 1);
    if (io)
        io[n] = L'!'; /* overwrites the terminator: the stub puts it back */
    return w ? wcslen(w) : 999;
}

size_t e_str(const char *s, char *io)
{
    size_t n = io ? strlen(io) : 0, i;
    for (i = 0; i < n; i++)
        io[i] = (char)(io[i] - 32);
    if (io)
        io[n] = 'X';
    return s ? strlen(s) : 999;
}

int e_null(const uint8_t *a, uint8_t *b, uint8_t *c, size_t n, const char *s)
{
    g_sem.ptrs[0] = a;
    g_sem.ptrs[1] = b;
    g_sem.ptrs[2] = c;
    g_sem.ptrs[3] = s;
    g_sem.lens[0] = n;
    return (a == NULL) + 2 * (b == NULL) + 4 * (c == NULL) + 8 * (s == NULL);
}

int e_max(uint8_t *buf, size_t n)
{
    if (buf == NULL)
        return -1;
    buf[0] ^= 0xff;
    buf[n - 1] ^= 0xff;
    return buf[n / 2];
}

int e_private(int x)
{
    return x + 1000;
}

int e_public_nested(int x)
{
    return x + 2000;
}

int e_second_block(int x)
{
    return -x;
}

/* OCALLs, each from inside this ECALL, results recorded in g_sem. */
int e_call_ocalls(void)
{
    int a[3] = {1, 2, 3}, b[2][2] = {{9, 9}, {9, 9}}, v = 0;
    uint8_t bytes[6] = {1, 2, 3, 4, 5, 6};
    struct inner in[2];
    size_t sz = 0;
    memset(in, 0, sizeof in);
    in[0].c = 7;
    in[1].q = 70;
    errno = 0;
    g_sem.ocall_res[0] = o_errno(&v, 5);
    g_sem.ocall_val[0] = v * 1000 + errno; /* errno propagated from the host */
    g_sem.ocall_res[1] = o_allow(1);
    g_sem.ocall_res[2] = o_noallow(2);
    g_sem.ocall_res[3] = o_arr(&v, a, b);
    g_sem.ocall_val[3] = v * 10000 + b[0][0] * 1000 + b[0][1] * 100 + b[1][0] * 10 + b[1][1];
    g_sem.ocall_res[4] = o_expr(&sz, bytes, 3);
    g_sem.ocall_val[4] = (int)sz;
    g_sem.ocall_res[5] = o_second_block(&v, in);
    g_sem.ocall_val[5] = v * 100 + in[0].c + (int)in[1].q;
    g_sem.ocall_res[6] = lib_u(&v, 4);
    g_sem.ocall_val[6] = v;
    /* A size that cannot be marshalled is refused before anything is sent. */
    g_sem.ocall_res[7] = o_expr(&sz, bytes, SIZE_MAX);
    return 0;
}

void e_get_seen(uint8_t *buf, size_t len)
{
    memcpy(buf, &g_sem, len < sizeof g_sem ? len : sizeof g_sem);
}

/* ---- deep copy ---- */


uint64_t e_deep_in(struct dbuf *b, const struct dmulti *m, size_t n)
{
    uint64_t s = 0;
    size_t i;
    g_sem.deep_ptr[0] = b ? b->data : NULL;
    g_sem.deep_ptr[1] = n && m ? m[0].raw : NULL;   /* a member without attributes: raw */
    g_sem.deep_ptr[2] = n > 1 && m ? m[1].vals : NULL;
    if (b)
        s = deep_sum_buf(b);
    for (i = 0; m && i < n; i++)
        s = s * 7 + deep_sum_multi(&m[i]);
    return s;
}

int e_deep_inout(struct dbuf *b, struct dmulti *m, size_t newlen)
{
    size_t i, j;
    if (b) {
        g_sem.deep_ptr[0] = b->data;
        for (i = 0; b->data && i < b->len; i++)
            b->data[i] = (uint8_t)(b->data[i] + 1);
        b->len = newlen; /* shrinking is allowed, growing is refused by the caller */
        b->tag += 1;
    }
    for (i = 0; m && i < 2; i++) {
        for (j = 0; m[i].vals && j < m[i].n; j++)
            m[i].vals[j] *= 2;
        for (j = 0; m[i].fixed && j < 8; j++)
            m[i].fixed[j] = (char)('A' + j);
        for (j = 0; m[i].blob && j < (size_t)m[i].n * 2 + 1; j++)
            ((uint8_t *)m[i].blob)[j] ^= 0xff;
    }
    return 0;
}

int e_deep_out(struct dbuf *b)
{
    size_t i;
    if (!b)
        return -1;
    /* Only the size field came in; everything else starts zeroed. */
    g_sem.out_was_zero = b->tag == 0 && (b->data == NULL || all_zero(b->data, b->len));
    g_sem.deep_ptr[0] = b->data;
    for (i = 0; b->data && i < b->len; i++)
        b->data[i] = (uint8_t)(0x5A + i);
    b->tag = 77;
    return (int)b->len;
}

uint64_t e_deep_val(struct dbuf b, struct dmulti m)
{
    g_sem.deep_ptr[0] = b.data;
    g_sem.deep_ptr[1] = m.vals;
    return deep_sum_buf(&b) * 7 + deep_sum_multi(&m);
}

int e_deep_arr(struct dbuf a[3])
{
    int i, present = 0;
    size_t j;
    for (i = 0; a && i < 3; i++) {
        for (j = 0; a[i].data && j < a[i].len; j++)
            a[i].data[j] = (uint8_t)(a[i].data[j] + i + 1);
        present += a[i].data != NULL;
        a[i].tag = (uint32_t)(i * 10);
    }
    return present;
}

/* Deep-copy OCALLs: the host sees its copies, the enclave gets its own
 * buffers back filled, its pointers intact. */
int e_deep_ocalls(void)
{
    uint8_t ind[4] = {1, 2, 3, 4}, iod[5] = {10, 20, 30, 40, 50}, outd[6], gd[3] = {7, 8, 9};
    struct dbuf in = {4, ind, 7}, io = {5, iod, 8}, out = {6, outd, 99}, val = {3, ind, 9}, g = {3, gd, 1};
    uint64_t r = 0;
    int v = 0;
    memset(outd, 0x11, sizeof outd);
    g_sem.deep_res[0] = o_deep(&r, &in, &io, &out, val);
    g_sem.deep[0] = r;
    g_sem.deep[1] = (uint64_t)((io.data == iod) + 2 * (out.data == outd) + 4 * (in.data == ind));
    g_sem.deep[2] = io.len * 1000 + io.tag;
    g_sem.deep[3] = sem_mix(0, iod, sizeof iod);
    g_sem.deep[4] = out.len * 1000 + out.tag;
    g_sem.deep[5] = sem_mix(0, outd, sizeof outd);
    /* The host makes a length grow past the enclave's buffer: refused. */
    g_sem.deep_res[1] = o_deep_grow(&v, &g);
    g_sem.deep[6] = g.len * 1000 + (g.data == gd) * 100 + gd[0];
    return 0;
}
