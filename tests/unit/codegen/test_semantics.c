/*
 * Semantics of every type and attribute through the generated stubs, both
 * ways, in one process: sem_u.c (host) and sem_t.c (enclave) of
 * edl/sem.edl linked with a fake runtime that also enforces the call
 * policy (cg_ecall_policy) the way the enclave runtime must. Then a
 * hostile host: every request a proxy produced is replayed into the stub
 * corrupted byte by byte, truncated and extended; the stub must answer
 * CC_SUCCESS or CC_ERROR_BAD_PARAMETERS and never touch memory out of
 * bounds (the ASan build proves the latter; requests live in exact-size
 * heap blocks).
 *
 * Naming in one process: sem.edl is generated with --use-prefix (host
 * ECALL proxies are sem_e_...), and the enclave half is compiled with
 * sem_enclave_names.h forced in (enclave OCALL proxies become sem_enc_...).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "cgear_edge_enclave.h"
#include "sem_shared.h"
#include "sem_u.h"
#include "sem_deep.h"
#ifdef CG_SEM_REAL_ENCLAVE
#include <stdio.h>
#include "enclave.h"
#endif

/* Emitted in sem_t.c; the runtime's header will declare it. */
#ifndef CG_ECALL_POLICY_DEFINED
#define CG_ECALL_POLICY_DEFINED
typedef struct cg_ecall_policy {
    uint32_t necalls;
    uint32_t nocalls;
    const uint8_t *is_public;
    const uint32_t *allow_start;
    const uint32_t *allow_ids;
} cg_ecall_policy_t;
#endif
extern const cg_ecall_policy_t cg_ecall_policy;

/* ECALL ids in sem.edl order (lib_a comes first: the import stands first). */
enum {
    ID_LIB_A, ID_INTS, ID_FLOATS, ID_WCHAR, ID_STRUCT, ID_STRUCT_ARR, ID_ARR1, ID_ARR2, ID_ARR_STRUCT, ID_ISPTR,
    ID_ISARY, ID_EXPR, ID_CONST_SIZE, ID_WSTR, ID_STR, ID_NULL, ID_MAX, ID_CALL_OCALLS, ID_PRIVATE,
    ID_PUBLIC_NESTED, ID_SECOND_BLOCK, ID_GET_SEEN, ID_DEEP_IN, ID_DEEP_INOUT, ID_DEEP_OUT, ID_DEEP_VAL,
    ID_DEEP_ARR, ID_DEEP_OCALLS, NUM_ECALLS
};
enum { OID_LIB_U, OID_ERRNO, OID_ALLOW, OID_NOALLOW, OID_ARR, OID_EXPR, OID_SECOND_BLOCK, OID_DEEP, OID_DEEP_GROW, NUM_OCALLS };

#ifndef CG_SEM_REAL_ENCLAVE
/* ---- fake runtime ---- */

#define MAX_CAPTURE 128
typedef struct capture {
    int ecall; /* 1: an ECALL request, 0: an OCALL request */
    uint32_t fn;
    uint8_t *buf;
    size_t len;
} capture_t;

static capture_t g_caps[MAX_CAPTURE];
static size_t g_ncaps;
static int g_capture;
static const cg_stub_table_t *g_ocalls;
static int g_ocall_stack[16];
static int g_ocall_depth;
static uint8_t *g_last_resp; /* copy of the last ECALL response */
static size_t g_last_resp_len;
static uint8_t *g_last_req; /* copy of the last ECALL request */
static size_t g_last_req_len;

/* The request as the runtime delivers it: one private buffer of exactly
 * the message length (posix_memalign: 16-byte aligned, and ASan knows the
 * exact size). */
static uint8_t *concat(const cg_iov_t *req, size_t nreq, size_t *len)
{
    size_t total = 0, off = 0, i;
    void *buf = NULL;
    for (i = 0; i < nreq; i++)
        total += req[i].len;
    assert_int_equal(posix_memalign(&buf, 16, total ? total : 1), 0);
    for (i = 0; i < nreq; i++) {
        if (req[i].len)
            memcpy((uint8_t *)buf + off, req[i].base, req[i].len);
        off += req[i].len;
    }
    *len = total;
    return buf;
}

static void capture(int ecall, uint32_t fn, const uint8_t *buf, size_t len)
{
    capture_t *c;
    if (!g_capture || g_ncaps == MAX_CAPTURE)
        return;
    c = &g_caps[g_ncaps++];
    c->ecall = ecall;
    c->fn = fn;
    c->len = len;
    c->buf = malloc(len ? len : 1);
    assert_non_null(c->buf);
    memcpy(c->buf, buf, len);
}

static cc_enclave_result_t dispatch(int ecall, const cg_stub_table_t *t, uint32_t fn, const cg_iov_t *req,
                                    size_t nreq, cg_msg_t *resp)
{
    cg_msg_t out = {NULL, 0};
    size_t len;
    uint8_t *buf;
    cc_enclave_result_t r;
    resp->buf = NULL;
    resp->len = 0;
    if (t == NULL || fn >= t->count)
        return CC_ERROR_BAD_PARAMETERS;
    buf = concat(req, nreq, &len);
    capture(ecall, fn, buf, len);
    if (ecall) {
        free(g_last_req);
        g_last_req = malloc(len ? len : 1);
        assert_non_null(g_last_req);
        memcpy(g_last_req, buf, len);
        g_last_req_len = len;
    }
    r = t->stubs[fn](buf, len, &out);
    free(buf);
    if (r != CC_SUCCESS) {
        cg_msg_free(out.buf);
        return r;
    }
    *resp = out;
    return CC_SUCCESS;
}

/* What the enclave runtime must check before running ECALL @fn. */
static int ecall_allowed(uint32_t fn)
{
    const cg_ecall_policy_t *p = &cg_ecall_policy;
    if (fn >= p->necalls)
        return 0;
    uint32_t o, k;
    if (g_ocall_depth == 0)
        return p->is_public != NULL && p->is_public[fn];
    o = (uint32_t)g_ocall_stack[g_ocall_depth - 1];
    if (o >= p->nocalls || p->allow_start == NULL)
        return 0;
    for (k = p->allow_start[o]; k < p->allow_start[o + 1]; k++)
        if (p->allow_ids[k] == fn)
            return 1;
    return 0;
}

/* Zero copy never applies here: no shared memory (docs/shared-memory.md). */
int cg_host_shm_zc(cc_enclave_t *enclave, const void *buf, size_t len)
{
    (void)enclave;
    (void)buf;
    (void)len;
    return 0;
}

/* No shared-memory region here: a zero-copy request is refused. */
void *cg_enclave_shm_span(uint64_t addr, size_t len)
{
    (void)addr;
    (void)len;
    return NULL;
}

cc_enclave_result_t cg_host_ecall(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                  cg_msg_t *resp, const cg_stub_table_t *ocalls)
{
    const cg_stub_table_t *prev = g_ocalls;
    cc_enclave_result_t r;
    (void)enclave;
    if (!ecall_allowed(fn)) {
        resp->buf = NULL;
        resp->len = 0;
        return CC_ERROR_ECALL_NOT_ALLOWED;
    }
    g_ocalls = ocalls;
    r = dispatch(1, &cg_ecall_table, fn, req, nreq, resp);
    g_ocalls = prev;
    if (r == CC_SUCCESS) {
        free(g_last_resp);
        g_last_resp = malloc(resp->len ? resp->len : 1);
        assert_non_null(g_last_resp);
        if (resp->len)
            memcpy(g_last_resp, resp->buf, resp->len);
        g_last_resp_len = resp->len;
    }
    return r;
}

cc_enclave_result_t cg_enclave_ocall(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    cc_enclave_result_t r;
    if (g_ocalls == NULL)
        return CC_ERROR_OCALL_NOT_ALLOWED;
    assert_true(g_ocall_depth < 16);
    g_ocall_stack[g_ocall_depth++] = (int)fn;
    r = dispatch(0, g_ocalls, fn, req, nreq, resp);
    g_ocall_depth--;
    return r;
}

/* Switchless OCALLs (transition_using_threads) marshal exactly as ordinary
 * ones; only the runtime's transport differs. */
cc_enclave_result_t cg_enclave_ocall_sl(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    return cg_enclave_ocall(fn, req, nreq, resp);
}

#endif /* !CG_SEM_REAL_ENCLAVE */

static cc_enclave_t g_enclave;

#ifdef CG_SEM_REAL_ENCLAVE
/* The enclave's record of what it received lives in the enclave: fetch a
 * copy with an ECALL wherever the in-process test reads it directly. */
static sem_seen_t g_seen_copy;
static sem_seen_t *fetch_seen(void)
{
    memset(&g_seen_copy, 0, sizeof g_seen_copy);
    assert_int_equal(sem_e_get_seen(&g_enclave, (uint8_t *)&g_seen_copy, sizeof g_seen_copy), CC_SUCCESS);
    return &g_seen_copy;
}
#define g_sem (*fetch_seen())
#endif

/* ---- host side: the untrusted functions ---- */

static cc_enclave_result_t g_nested[6];
static int g_nested_val[6];

int lib_u(int x)
{
    return x * 5;
}

int o_errno(int v)
{
    errno = 33;
    return v * 2;
}

void o_allow(int x)
{
    g_nested[0] = sem_e_private(&g_enclave, &g_nested_val[0], x);
    g_nested[1] = sem_e_public_nested(&g_enclave, &g_nested_val[1], x);
    g_nested[2] = sem_e_second_block(&g_enclave, &g_nested_val[2], x); /* public, not allowed */
}

void o_noallow(int x)
{
    g_nested[3] = sem_e_private(&g_enclave, &g_nested_val[3], x);
    g_nested[4] = sem_e_public_nested(&g_enclave, &g_nested_val[4], x);
}

int o_arr(int a[3], int b[2][2])
{
    int out_zero = b[0][0] == 0 && b[0][1] == 0 && b[1][0] == 0 && b[1][1] == 0;
    b[0][0] = a[0];
    b[0][1] = a[1];
    b[1][0] = a[2];
    b[1][1] = out_zero;
    return 4;
}

size_t o_expr(const uint8_t *p, size_t n)
{
    size_t i, s = 0;
    for (i = 0; i < n + n; i++)
        s += p[i];
    return s;
}

int o_second_block(struct inner *s)
{
    s[0].c = (uint8_t)(s[0].c + 1);
    s[1].q *= 2;
    return 9;
}


/* Deep copy, OCALL side: the host checks what it was given and changes it. */
uint64_t o_deep(struct dbuf *in, struct dbuf *io, struct dbuf *out, struct dbuf val)
{
    uint64_t s = sem_mix(in->len, in->data, in->len) * 1000 + sem_mix(val.len, val.data, val.len);
    size_t i;
    /* [out]: the size field came in, the rest and the buffer are zero. */
    if (out->len == 6 && out->tag == 0 && out->data != NULL) {
        int zero = 1;
        for (i = 0; i < out->len; i++)
            zero &= out->data[i] == 0;
        s = s * 10 + (uint64_t)zero;
        for (i = 0; i < out->len; i++)
            out->data[i] = (uint8_t)(i + 1);
    }
    out->tag = 55;
    for (i = 0; i < io->len; i++)
        io->data[i] = (uint8_t)(io->data[i] + 100);
    io->len = 3; /* shorter: only 3 bytes go back */
    io->tag = 1234;
    io->data = NULL; /* never reaches the enclave: its own pointer is put back */
    return s;
}

int o_deep_grow(struct dbuf *io)
{
    io->len += 10;
    io->data[0] = 0;
    return 1;
}

/* ---- tests ---- */

#ifndef CG_SEM_REAL_ENCLAVE
static void test_tables(void **state)
{
    (void)state;
    assert_int_equal(cg_ecall_table.count, NUM_ECALLS);
    assert_int_equal(sem_ocall_table.count, NUM_OCALLS);
    assert_int_equal(cg_ecall_policy.necalls, NUM_ECALLS);
    assert_int_equal(cg_ecall_policy.nocalls, NUM_OCALLS);
    /* Only e_private is private; only o_allow allows anything. */
    for (int i = 0; i < NUM_ECALLS; i++)
        assert_int_equal(cg_ecall_policy.is_public[i], i != ID_PRIVATE);
    for (int o = 0; o < NUM_OCALLS; o++)
        assert_int_equal(cg_ecall_policy.allow_start[o + 1] - cg_ecall_policy.allow_start[o], o == OID_ALLOW ? 2 : 0);
    assert_int_equal(cg_ecall_policy.allow_start[0], 0);
    assert_int_equal(cg_ecall_policy.allow_ids[0], ID_PRIVATE);
    assert_int_equal(cg_ecall_policy.allow_ids[1], ID_PUBLIC_NESTED);
}

#endif

static void test_integers(void **state)
{
    long long r = 0;
    (void)state;
    assert_int_equal(sem_e_ints(&g_enclave, &r, LLONG_MIN, UINT_MAX, ULONG_MAX, SIZE_MAX, INT8_MIN, INT16_MIN,
                                INT32_MIN, INT64_MIN, UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX, SHRT_MIN,
                                USHRT_MAX, SCHAR_MIN, UCHAR_MAX, LONG_MIN, ULLONG_MAX, -7, LONG_MAX, 1ULL << 63),
                     CC_SUCCESS);
    assert_true(r == LLONG_MIN);
    assert_true(g_sem.a == LLONG_MIN && g_sem.b == UINT_MAX && g_sem.c == ULONG_MAX && g_sem.d == SIZE_MAX);
    assert_true(g_sem.e == INT8_MIN && g_sem.f == INT16_MIN && g_sem.g == INT32_MIN && g_sem.h == INT64_MIN);
    assert_true(g_sem.i == UINT8_MAX && g_sem.j == UINT16_MAX && g_sem.k == UINT32_MAX && g_sem.l == UINT64_MAX);
    assert_true(g_sem.m == SHRT_MIN && g_sem.n == USHRT_MAX && g_sem.o == SCHAR_MIN && g_sem.p == UCHAR_MAX);
    assert_true(g_sem.q == LONG_MIN && g_sem.r == ULLONG_MAX && g_sem.cst == -7 && g_sem.li == LONG_MAX);
    assert_true(g_sem.ulli == 1ULL << 63);
    /* NULL retval is allowed. */
    assert_int_equal(sem_e_ints(&g_enclave, NULL, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                20, 21), CC_SUCCESS);
    assert_true(g_sem.a == 1 && g_sem.ulli == 21);
}

static void test_floats_wchar_bool(void **state)
{
    long double r = 0;
    wchar_t w = 0;
    bool ob = true;
    (void)state;
    assert_int_equal(sem_e_floats(&g_enclave, &r, 1.5f, -2.25, 3.0L / 7.0L), CC_SUCCESS);
    assert_true(g_sem.fa == 1.5f && g_sem.fb == -2.25 && g_sem.fc == 3.0L / 7.0L);
    assert_true(r == 2 * (3.0L / 7.0L)); /* full long double precision both ways */
    assert_int_equal(sem_e_wchar(&g_enclave, &w, L'A', false, &ob), CC_SUCCESS);
    assert_true(w == L'B');
    assert_true(ob);
    assert_int_equal(sem_e_wchar(&g_enclave, &w, WCHAR_MAX - 1, true, &ob), CC_SUCCESS);
    assert_true(w == WCHAR_MAX);
    assert_false(ob);
    assert_int_equal(sem_e_wchar(&g_enclave, NULL, 0, true, NULL), CC_SUCCESS);
}

static struct outer make_outer(char tag)
{
    struct outer o;
    memset(&o, 0, sizeof o);
    o.tag = tag;
    o.in[0].c = 1;
    o.in[0].q = 100;
    o.in[0].arr[0] = 1;
    o.in[0].arr[1] = -2;
    o.in[0].arr[2] = 3;
    o.in[1].c = 2;
    o.in[1].q = 200;
    o.in[1].arr[2] = 7;
    o.d = 0.5;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            o.m[i][j] = i * 3 + j;
    return o;
}

static void test_structs(void **state)
{
    struct outer o = make_outer('a'), r;
    union num u;
    size_t i;
    (void)state;
    memset(&u, 0, sizeof u);
    u.i = 5;
    memset(&r, 0x5A, sizeof r);
    assert_int_equal(sem_e_struct(&g_enclave, &r, o, u, M_B), CC_SUCCESS);
    assert_int_equal(r.tag, 'b');
    assert_int_equal(r.in[0].c, 2);
    assert_int_equal(r.in[0].q, 105);
    assert_int_equal(r.in[0].arr[1], -4);
    assert_int_equal(r.in[1].q, 205);
    assert_int_equal(r.in[1].arr[2], 14);
    assert_true(r.d == 0.5 + M_B);
    assert_int_equal(r.m[1][2], 6);
#ifndef CG_SEM_REAL_ENCLAVE
    /* The enclave filled its local with 0xA5 before setting the members:
     * none of that may reach the host through the padding. */
    for (i = 0; i < g_last_resp_len; i++)
        if (g_last_resp[i] == 0xA5)
            fail_msg("enclave padding leaked at response byte %zu", i);
#else
    (void)i;
#endif
}

static void test_struct_arrays(void **state)
{
    struct outer arr[3] = {make_outer('x'), make_outer('y'), make_outer('z')};
    struct inner res[3], s2[2];
    int r = 0;
    (void)state;
    arr[2].in[1].q = 77;
    arr[2].m[1][2] = -9;
    memset(res, 0x33, sizeof res);
    assert_int_equal(sem_e_struct_arr(&g_enclave, &r, arr, 3, res), CC_SUCCESS);
    assert_int_equal(r, 3);
    assert_true(g_sem.out_was_zero);
    assert_int_equal(res[0].c, 'x');
    assert_int_equal(res[2].c, 'z');
    assert_int_equal(res[2].q, 77);
    assert_int_equal(res[2].arr[0], -9);
    assert_int_equal(res[2].arr[1], 0); /* zeroed [out], untouched by the function */
    /* Fixed-size array of structs, [in, out]. */
    memset(s2, 0, sizeof s2);
    s2[0].c = 4;
    s2[1].c = 5;
    s2[0].q = 10;
    s2[1].q = 20;
    assert_int_equal(sem_e_arr_struct(&g_enclave, &r, s2), CC_SUCCESS);
    assert_int_equal(r, 9);
    assert_int_equal(s2[0].q, 11);
    assert_int_equal(s2[1].q, 22);
}

static void test_fixed_arrays(void **state)
{
    int a[4] = {1, 2, 3, 4}, b[4] = {-1, -1, -1, -1}, c[4] = {5, 6, 7, 8}, r = 0;
    const int a2[2][3] = {{1, 2, 3}, {4, 5, 6}};
    int b2[3][2], u[2];
    (void)state;
    assert_int_equal(sem_e_arr1(&g_enclave, &r, a, b, c), CC_SUCCESS);
    assert_int_equal(r, 10);
    assert_true(g_sem.out_was_zero);
    assert_int_equal(a[0], 1); /* [in]: the caller's array is not written */
    assert_int_equal(b[0], 10);
    assert_int_equal(b[3], 13);
    assert_int_equal(c[0], 15);
    assert_int_equal(c[3], 24);
    memset(b2, 0, sizeof b2);
    assert_int_equal(sem_e_arr2(&g_enclave, &r, a2, b2, u), CC_SUCCESS);
    assert_int_equal(r, 21);
    assert_int_equal(b2[0][0], 10);
    assert_int_equal(b2[2][1], 60);
    assert_int_equal(b2[1][0], 20);
    assert_ptr_equal(g_sem.user_check, u); /* [user_check] passes through untouched */
    /* NULL arrays travel as NULL. */
    assert_int_equal(sem_e_arr1(&g_enclave, &r, NULL, NULL, NULL), CC_SUCCESS);
    assert_int_equal(r, 0);
}

static void test_isptr_isary(void **state)
{
    sem_blob_t p = {{1, 2, 3}}, q[2];
    sem_arr_t a = {1, 2, 3, 4, 5}, b, raw;
    size_t r = 0;
    int ri = 0;
    (void)state;
    memset(q, 0x77, sizeof q);
    assert_int_equal(sem_e_isptr(&g_enclave, &r, &p, q, "hello", 5), CC_SUCCESS);
    assert_int_equal(r, 6);
    assert_true(g_sem.out_was_zero);
    assert_true(g_sem.ptrs[0] != &p && g_sem.ptrs[1] != q); /* copied, not the caller's memory */
    assert_int_equal(q[0].b[2], 3);
    assert_int_equal(q[1].b[0], 5);
    assert_int_equal(q[1].b[1], 'h');
    assert_int_equal(q[1].b[2], 'o');
    memset(b, 0x11, sizeof b);
    assert_int_equal(sem_e_isary(&g_enclave, &ri, a, b, raw), CC_SUCCESS);
    assert_int_equal(ri, 15);
    assert_true(g_sem.out_was_zero);
    assert_int_equal(b[0], 0);
    assert_int_equal(b[4], -4);
    assert_ptr_equal(g_sem.user_check, raw); /* [isary] without direction: raw address */
}

static void test_size_expressions(void **state)
{
    uint8_t p[9], rr[3], s[6], t[4];
    int q[6];
    size_t r = 0, i;
    (void)state;
    for (i = 0; i < sizeof p; i++)
        p[i] = (uint8_t)i;
    memset(rr, 0, sizeof rr);
    memset(s, 0, sizeof s);
    memset(t, 0, sizeof t);
    rr[2] = 20;   /* size = n - 1 = 3 */
    s[5] = 30;    /* size = n / 2 = 2, count = 3 */
    t[0] = 1;     /* size = n % 4 + 1 = 1 */
    memset(q, 0x55, sizeof q);
    assert_int_equal(sem_e_expr(&g_enclave, &r, p, 4, q, 2, 3, rr, s, t), CC_SUCCESS);
    assert_int_equal(r, 8 + 20 + 30 + 1); /* p[n * 2] = 8 */
    assert_true(g_sem.out_was_zero);
    for (i = 0; i < 6; i++)
        assert_int_equal(q[i], (int)i);
    /* Arithmetic that fails is refused before anything is sent. */
    assert_int_equal(sem_e_expr(&g_enclave, &r, p, SIZE_MAX / 2 + 1, NULL, 0, 0, NULL, NULL, NULL),
                     CC_ERROR_BAD_PARAMETERS); /* n * 2 + 1 overflows */
    assert_int_equal(sem_e_expr(&g_enclave, &r, NULL, 0, NULL, 0, 0, rr, NULL, NULL),
                     CC_ERROR_BAD_PARAMETERS); /* n - 1 below zero */
    assert_int_equal(sem_e_expr(&g_enclave, &r, NULL, 0, q, UINT32_MAX, UINT16_MAX, NULL, NULL, NULL),
                     CC_ERROR_BAD_PARAMETERS); /* over CG_MAX_MESSAGE */
    /* Constant sizes, size and count together on void *. */
    {
        char c12[12];
        int64_t q3[3];
        uint8_t v8[8];
        memset(c12, 1, sizeof c12);
        memset(v8, 2, sizeof v8);
        assert_int_equal(sem_e_const_size(&g_enclave, &r, c12, q3, v8), CC_SUCCESS);
        assert_int_equal(r, 12 + 16);
        assert_int_equal(q3[2], -3);
    }
}

static void test_strings(void **state)
{
    wchar_t io[4] = L"abc";
    char cio[8] = "abc";
    size_t r = 0;
    (void)state;
    assert_int_equal(sem_e_wstr(&g_enclave, &r, L"wide!", io), CC_SUCCESS);
    assert_int_equal(r, 5);
    assert_true(wcscmp(io, L"bcd") == 0); /* terminator restored by the stub */
    assert_int_equal(sem_e_wstr(&g_enclave, &r, L"", NULL), CC_SUCCESS);
    assert_int_equal(r, 0); /* an empty wide string arrives as an empty string, not NULL */
    assert_int_equal(sem_e_wstr(&g_enclave, &r, NULL, NULL), CC_SUCCESS);
    assert_int_equal(r, 999);
    assert_int_equal(sem_e_str(&g_enclave, &r, "", cio), CC_SUCCESS);
    assert_int_equal(r, 0);
    assert_string_equal(cio, "ABC");
    cio[0] = '\0';
    assert_int_equal(sem_e_str(&g_enclave, &r, "xy", cio), CC_SUCCESS);
    assert_int_equal(r, 2);
    assert_int_equal(cio[0], '\0'); /* the function wrote 'X' over the terminator */
}

static void test_null_and_empty(void **state)
{
    uint8_t a[4] = {1, 2, 3, 4}, b[4], c[4];
    int r = -1;
    (void)state;
    assert_int_equal(sem_e_null(&g_enclave, &r, NULL, NULL, NULL, 0, NULL), CC_SUCCESS);
    assert_int_equal(r, 15);
    /* Non-NULL with size 0: NULL inside, as edger8r does. */
    assert_int_equal(sem_e_null(&g_enclave, &r, a, b, c, 0, ""), CC_SUCCESS);
    assert_int_equal(r, 7);
    /* NULL with a non-zero size: still NULL, nothing read. */
    assert_int_equal(sem_e_null(&g_enclave, &r, NULL, NULL, NULL, 1000, "s"), CC_SUCCESS);
    assert_int_equal(r, 7);
    assert_int_equal(g_sem.lens[0], 1000);
}

static void test_max_sizes(void **state)
{
    size_t n = (size_t)16 << 20;
    uint8_t *big = malloc(n), small[4] = {0};
    int r = 0;
    (void)state;
    assert_non_null(big);
    memset(big, 0x0F, n);
    big[n / 2] = 42;
    assert_int_equal(sem_e_max(&g_enclave, &r, big, n), CC_SUCCESS);
    assert_int_equal(r, 42);
    assert_int_equal(big[0], 0xF0);
    assert_int_equal(big[n - 1], 0xF0);
    free(big);
    /* Over CG_MAX_MESSAGE: refused by the proxy without reading the buffer. */
    assert_int_equal(sem_e_max(&g_enclave, &r, small, CG_MAX_MESSAGE + 1), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(sem_e_max(&g_enclave, &r, small, SIZE_MAX), CC_ERROR_BAD_PARAMETERS);
}

static void test_ocalls_and_policy(void **state)
{
    int r = 0;
    (void)state;
    memset(g_nested, 0, sizeof g_nested);
    assert_int_equal(sem_e_call_ocalls(&g_enclave, &r), CC_SUCCESS);
    assert_int_equal(g_sem.ocall_res[0], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_val[0], 10 * 1000 + 33); /* propagate_errno */
    assert_int_equal(g_sem.ocall_res[1], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_res[2], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_res[3], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_val[3], 4 * 10000 + 1 * 1000 + 2 * 100 + 3 * 10 + 1);
    assert_int_equal(g_sem.ocall_res[4], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_val[4], 1 + 2 + 3 + 4 + 5 + 6);
    assert_int_equal(g_sem.ocall_res[5], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_val[5], 9 * 100 + 8 + 140);
    assert_int_equal(g_sem.ocall_res[6], CC_SUCCESS);
    assert_int_equal(g_sem.ocall_val[6], 20);
    assert_int_equal(g_sem.ocall_res[7], CC_ERROR_BAD_PARAMETERS);
    /* Inside o_allow: the allowed private and public ECALLs run, a public
     * one not in its allow() is refused. */
    assert_int_equal(g_nested[0], CC_SUCCESS);
    assert_int_equal(g_nested_val[0], 1001);
    assert_int_equal(g_nested[1], CC_SUCCESS);
    assert_int_equal(g_nested_val[1], 2001);
    assert_int_equal(g_nested[2], CC_ERROR_ECALL_NOT_ALLOWED);
    /* Inside o_noallow nothing is allowed. */
    assert_int_equal(g_nested[3], CC_ERROR_ECALL_NOT_ALLOWED);
    assert_int_equal(g_nested[4], CC_ERROR_ECALL_NOT_ALLOWED);
    /* From the top: public yes, private no. */
    assert_int_equal(sem_e_private(&g_enclave, &r, 1), CC_ERROR_ECALL_NOT_ALLOWED);
    assert_int_equal(sem_e_public_nested(&g_enclave, &r, 1), CC_SUCCESS);
    assert_int_equal(r, 2001);
    assert_int_equal(sem_e_second_block(&g_enclave, &r, 6), CC_SUCCESS);
    assert_int_equal(r, -6);
    assert_int_equal(sem_lib_a(&g_enclave, &r, 6), CC_SUCCESS);
    assert_int_equal(r, 18);
}


/* ---- deep copy of struct members ---- */

#ifndef CG_SEM_REAL_ENCLAVE
/* Does the message hold the pointer value @p anywhere? */
static int holds_ptr(const uint8_t *buf, size_t len, const void *p)
{
    uintptr_t v = (uintptr_t)p;
    size_t i;
    for (i = 0; buf != NULL && i + sizeof v <= len; i++)
        if (memcmp(buf + i, &v, sizeof v) == 0)
            return 1;
    return 0;
}
#endif


static void test_deep_in(void **state)
{
    uint8_t d[5] = {1, 2, 3, 4, 5}, bl0[5] = {9, 8, 7, 6, 5}, bl1[7] = {1, 1, 2, 3, 5, 8, 13}, bl2[1] = {42};
    int32_t v0[2] = {10, -20}, v1[3] = {1, 2, 3};
    char f0[8] = "abcdefg", f1[8] = "ABCDEFG";
    struct dbuf b = {sizeof d, d, 9};
    struct dmulti m[3] = {{2, v0, f0, bl0, (char *)(uintptr_t)0x1234}, {3, v1, f1, bl1, NULL},
                          {0, NULL, NULL, bl2, NULL}}; /* count 0, NULL members */
    uint64_t r = 0, want;
    size_t i;
    (void)state;
    want = deep_sum_buf(&b);
    for (i = 0; i < 3; i++)
        want = want * 7 + deep_sum_multi(&m[i]);
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, &b, m, 3), CC_SUCCESS);
    assert_true(r == want);
    /* The enclave saw its own copies; a member without attributes is raw. */
    assert_true(g_sem.deep_ptr[0] != NULL && g_sem.deep_ptr[0] != d);
    assert_ptr_equal(g_sem.deep_ptr[1], (void *)(uintptr_t)0x1234);
    assert_true(g_sem.deep_ptr[2] != NULL && g_sem.deep_ptr[2] != v1);
    assert_ptr_equal(b.data, d); /* [in]: the caller's struct is not written */
    assert_int_equal(d[0], 1);
#ifndef CG_SEM_REAL_ENCLAVE
    /* No address of the caller crosses (the request carries scrubbed copies). */
    assert_false(holds_ptr(g_last_req, g_last_req_len, d));
    assert_false(holds_ptr(g_last_req, g_last_req_len, v1));
#endif
    /* A NULL member with a size, a member with size 0: NULL inside. */
    b.data = NULL;
    b.len = 1000;
    want = deep_sum_buf(&b);
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, &b, NULL, 0), CC_SUCCESS);
    assert_true(r == want);
    assert_null(g_sem.deep_ptr[0]);
    b.data = d;
    b.len = 0;
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, &b, NULL, 0), CC_SUCCESS);
    assert_null(g_sem.deep_ptr[0]);
    /* No struct at all. */
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, NULL, NULL, 0), CC_SUCCESS);
    assert_true(r == 0);
    /* Sizes that cannot be marshalled are refused before anything is sent. */
    b.len = (size_t)CG_MAX_MESSAGE + 1;
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, &b, NULL, 0), CC_ERROR_BAD_PARAMETERS);
    b.len = SIZE_MAX;
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, &b, NULL, 0), CC_ERROR_BAD_PARAMETERS);
}

static void test_deep_inout(void **state)
{
    uint8_t d[5] = {1, 2, 3, 4, 5}, bl0[5] = {0, 1, 2, 3, 4}, bl1[3] = {7, 7, 7};
    int32_t v0[2] = {10, -20}, v1[1] = {5};
    char f0[8] = "abcdefg", f1[8] = "ABCDEFG";
    struct dbuf b = {sizeof d, d, 1};
    struct dmulti m[2] = {{2, v0, f0, bl0, (char *)(uintptr_t)0x99}, {1, v1, f1, bl1, NULL}};
    int r = -1;
    (void)state;
    assert_int_equal(sem_e_deep_inout(&g_enclave, &r, &b, m, 3), CC_SUCCESS);
    assert_int_equal(r, 0);
    /* The caller's pointers are back; the data went into its buffers. */
    assert_ptr_equal(b.data, d);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.tag, 2);
    assert_int_equal(d[0], 2);
    assert_int_equal(d[2], 4);
    assert_int_equal(d[3], 4); /* shrunk to 3: the rest is not copied back */
    assert_int_equal(d[4], 5);
    assert_true(g_sem.deep_ptr[0] != d);
#ifndef CG_SEM_REAL_ENCLAVE
    /* Neither side's addresses cross: the enclave's are scrubbed from the
     * response, the host's never went into the request. */
    assert_false(holds_ptr(g_last_resp, g_last_resp_len, g_sem.deep_ptr[0]));
    assert_false(holds_ptr(g_last_req, g_last_req_len, d));
    assert_false(holds_ptr(g_last_req, g_last_req_len, v0));
#endif
    assert_ptr_equal(m[0].vals, v0);
    assert_ptr_equal(m[0].fixed, f0);
    assert_ptr_equal(m[0].blob, bl0);
    assert_ptr_equal(m[0].raw, (void *)(uintptr_t)0x99);
    assert_ptr_equal(m[1].vals, v1);
    assert_int_equal(v0[0], 20);
    assert_int_equal(v0[1], -40);
    assert_int_equal(v1[0], 10);
    assert_memory_equal(f0, "ABCDEFGH", 8);
    assert_memory_equal(f1, "ABCDEFGH", 8);
    assert_int_equal(bl0[4], 0xfb);
    assert_int_equal(bl1[2], 0xf8);
    /* The callee makes a length grow past the caller's buffer: refused,
     * nothing copied back. */
    b.len = 3;
    d[0] = 50;
    assert_int_equal(sem_e_deep_inout(&g_enclave, &r, &b, NULL, 4), CC_ERROR_PROTOCOL);
    assert_int_equal(b.len, 3);
    assert_int_equal(d[0], 50);
    assert_int_equal(sem_e_deep_inout(&g_enclave, &r, &b, NULL, 0), CC_SUCCESS);
    assert_int_equal(b.len, 0);
    assert_int_equal(d[0], 50); /* length 0 now: nothing copied back */
}

static void test_deep_out(void **state)
{
    uint8_t d[4];
    struct dbuf b = {sizeof d, d, 123};
    int r = 0;
    (void)state;
    memset(d, 0x99, sizeof d);
    assert_int_equal(sem_e_deep_out(&g_enclave, &r, &b), CC_SUCCESS);
    assert_int_equal(r, 4);
    assert_true(g_sem.out_was_zero); /* buffer and other members zeroed inside */
    assert_ptr_equal(b.data, d);
    assert_int_equal(b.len, 4);
    assert_int_equal(b.tag, 77);
    assert_int_equal(d[0], 0x5A);
    assert_int_equal(d[3], 0x5D);
    assert_true(g_sem.deep_ptr[0] != d);
    /* NULL buffer: NULL inside, nothing back. */
    b.data = NULL;
    assert_int_equal(sem_e_deep_out(&g_enclave, &r, &b), CC_SUCCESS);
    assert_null(b.data);
    assert_int_equal(sem_e_deep_out(&g_enclave, &r, NULL), CC_SUCCESS);
    assert_int_equal(r, -1);
}

static void test_deep_value_and_array(void **state)
{
    uint8_t d[3] = {4, 5, 6}, a0[1] = {1}, a2[3] = {10, 20, 30}, bl[3] = {1, 2, 3};
    int32_t v[1] = {77};
    char f[8] = "1234567";
    struct dbuf b = {sizeof d, d, 5};
    struct dmulti m = {1, v, f, bl, NULL};
    struct dbuf a[3] = {{1, a0, 0}, {8, NULL, 0}, {3, a2, 0}};
    uint64_t r = 0;
    int ri = 0;
    (void)state;
    assert_int_equal(sem_e_deep_val(&g_enclave, &r, b, m), CC_SUCCESS);
    assert_true(r == deep_sum_buf(&b) * 7 + deep_sum_multi(&m));
    assert_true(g_sem.deep_ptr[0] != NULL && g_sem.deep_ptr[0] != d);
    assert_true(g_sem.deep_ptr[1] != NULL && g_sem.deep_ptr[1] != v);
    /* A fixed array of deep-copy structs, [in, out]. */
    assert_int_equal(sem_e_deep_arr(&g_enclave, &ri, a), CC_SUCCESS);
    assert_int_equal(ri, 2);
    assert_int_equal(a0[0], 2);
    assert_int_equal(a2[0], 13);
    assert_int_equal(a2[2], 33);
    assert_ptr_equal(a[0].data, a0);
    assert_null(a[1].data);
    assert_ptr_equal(a[2].data, a2);
    assert_int_equal(a[1].len, 8);
    assert_int_equal(a[2].tag, 20);
}

static void test_deep_ocalls(void **state)
{
    int r = -1;
    uint8_t ind[4] = {1, 2, 3, 4}, iod[5] = {110, 120, 130, 40, 50}, outd[6] = {1, 2, 3, 4, 5, 6};
    (void)state;
    assert_int_equal(sem_e_deep_ocalls(&g_enclave, &r), CC_SUCCESS);
    assert_int_equal(g_sem.deep_res[0], CC_SUCCESS);
    assert_true(g_sem.deep[0] == (sem_mix(4, ind, 4) * 1000 + sem_mix(3, ind, 3)) * 10 + 1);
    assert_int_equal(g_sem.deep[1], 7); /* the enclave's pointers are intact */
    assert_int_equal(g_sem.deep[2], 3 * 1000 + 1234);
    assert_true(g_sem.deep[3] == sem_mix(0, iod, sizeof iod)); /* 3 bytes back, 2 untouched */
    assert_int_equal(g_sem.deep[4], 6 * 1000 + 55);
    assert_true(g_sem.deep[5] == sem_mix(0, outd, sizeof outd));
    /* The host grew a length: the enclave proxy refused the response. */
    assert_int_equal(g_sem.deep_res[1], CC_ERROR_PROTOCOL);
    assert_int_equal(g_sem.deep[6], 3 * 1000 + 100 + 7);
}

/* ---- hostile host ---- */

#ifndef CG_SEM_REAL_ENCLAVE
/* Replay @len bytes of @src, in an exact-size private buffer, into stub
 * @fn of @t. */
static cc_enclave_result_t replay(const cg_stub_table_t *t, uint32_t fn, const uint8_t *src, size_t len)
{
    void *buf = NULL;
    cg_msg_t out = {NULL, 0};
    cc_enclave_result_t r;
    assert_int_equal(posix_memalign(&buf, 16, len ? len : 1), 0);
    if (len)
        memcpy(buf, src, len);
    r = t->stubs[fn](buf, len, &out);
    cg_msg_free(out.buf);
    free(buf);
    return r;
}

static void expect_ok_or_refused(cc_enclave_result_t r, const capture_t *c, const char *what, size_t at)
{
    if (r != CC_SUCCESS && r != CC_ERROR_BAD_PARAMETERS)
        fail_msg("%s fn %u: %s at %zu gave 0x%x", c->ecall ? "ECALL" : "OCALL", c->fn, what, at, (unsigned)r);
}

/* Collect valid requests of every function by running the tests above with
 * capture on, then corrupt each one every way a byte can be corrupted. */
static void test_hostile_mutations(void **state)
{
    static const uint8_t values[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff};
    size_t i, k, v;
    size_t refused = 0;
    (void)state;
    g_ncaps = 0;
    g_capture = 1;
    test_integers(NULL);
    test_floats_wchar_bool(NULL);
    test_structs(NULL);
    test_struct_arrays(NULL);
    test_fixed_arrays(NULL);
    test_isptr_isary(NULL);
    test_size_expressions(NULL);
    test_strings(NULL);
    test_null_and_empty(NULL);
    test_ocalls_and_policy(NULL);
    test_deep_in(NULL);
    test_deep_inout(NULL);
    test_deep_out(NULL);
    test_deep_value_and_array(NULL);
    test_deep_ocalls(NULL);
    g_capture = 0;
    assert_true(g_ncaps >= 30);
    for (i = 0; i < g_ncaps; i++) {
        const capture_t *c = &g_caps[i];
        const cg_stub_table_t *t = c->ecall ? &cg_ecall_table : &sem_ocall_table;
        uint8_t *m = malloc(c->len + 32);
        assert_non_null(m);
        /* The stubs run the user functions: keep nested OCALLs possible. */
        g_ocalls = &sem_ocall_table;
        assert_int_equal(replay(t, c->fn, c->buf, c->len), CC_SUCCESS);
        for (k = 0; k < c->len; k++) {
            for (v = 0; v < sizeof values; v++) {
                cc_enclave_result_t r;
                memcpy(m, c->buf, c->len);
                if (m[k] == values[v])
                    continue;
                m[k] = values[v];
                r = replay(t, c->fn, m, c->len);
                expect_ok_or_refused(r, c, "byte", k);
                refused += r == CC_ERROR_BAD_PARAMETERS;
            }
        }
        for (k = 0; k < c->len; k++) {
            /* Every truncation is refused: the layout must end exactly. */
            if (replay(t, c->fn, c->buf, k) != CC_ERROR_BAD_PARAMETERS)
                fail_msg("fn %u: truncation to %zu accepted", c->fn, k);
        }
        memcpy(m, c->buf, c->len);
        memset(m + c->len, 0, 32);
        for (k = 1; k <= 32; k += 15)
            if (replay(t, c->fn, m, c->len + k) != CC_ERROR_BAD_PARAMETERS)
                fail_msg("fn %u: extension by %zu accepted", c->fn, k);
        g_ocalls = NULL;
        free(m);
    }
    assert_true(refused > 100);
    for (i = 0; i < g_ncaps; i++)
        free(g_caps[i].buf);
    g_ncaps = 0;
}

/* Request header of e_expr as docs/codegen.md lays it out. */
struct req_e_expr {
    uint64_t l_p;
    uint8_t f_p;
    size_t v_n;
    uint64_t l_q;
    uint8_t f_q;
    uint32_t v_rows;
    uint16_t v_cols;
    uint64_t l_r;
    uint8_t f_r;
    uint64_t l_s;
    uint8_t f_s;
    uint64_t l_t;
    uint8_t f_t;
};

struct req_e_wstr {
    uint64_t l_w;
    uint8_t f_w;
    uint64_t l_io;
    uint8_t f_io;
};

static void test_hostile_targeted(void **state)
{
    struct req_e_expr h;
    struct req_e_wstr w;
    uint8_t msg[256];
    (void)state;
    /* e_expr: only q present ([out], count = rows * cols). */
    memset(&h, 0, sizeof h);
    h.f_q = 1;
    h.v_rows = 2;
    h.v_cols = 3;
    h.l_q = 6 * sizeof(int);
    memcpy(msg, &h, sizeof h);
    assert_int_equal(replay(&cg_ecall_table, ID_EXPR, msg, sizeof h), CC_SUCCESS);
    /* rows * cols * sizeof(int) wrapping to the declared length. */
    h.v_rows = UINT32_MAX;
    h.v_cols = UINT16_MAX;
    h.l_q = (uint64_t)UINT32_MAX * UINT16_MAX * sizeof(int);
    memcpy(msg, &h, sizeof h);
    assert_int_equal(replay(&cg_ecall_table, ID_EXPR, msg, sizeof h), CC_ERROR_BAD_PARAMETERS);
    /* r present with n = 0: n - 1 underflows; must not pass as a huge or
     * wrapped length. */
    memset(&h, 0, sizeof h);
    h.f_r = 1;
    h.v_n = 0;
    h.l_r = UINT64_MAX;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(replay(&cg_ecall_table, ID_EXPR, msg, sizeof h), CC_ERROR_BAD_PARAMETERS);
    /* p present, n * 2 + 1 overflowing to 1. */
    memset(&h, 0, sizeof h);
    h.f_p = 1;
    h.v_n = SIZE_MAX / 2 + 1;
    h.l_p = 1;
    memcpy(msg, &h, sizeof h);
    memset(msg + sizeof h, 0, 32);
    assert_int_equal(replay(&cg_ecall_table, ID_EXPR, msg, (sizeof h + 15) / 16 * 16 + 1), CC_ERROR_BAD_PARAMETERS);
    /* [wstring] without a terminator, and a length not a multiple of wchar_t. */
    memset(&w, 0, sizeof w);
    assert_int_equal(sizeof w, 32);
    w.f_w = 1;
    w.l_w = 2 * sizeof(wchar_t);
    memcpy(msg, &w, sizeof w);
    {
        wchar_t s[2] = {L'a', L'b'};
        memcpy(msg + 32, s, sizeof s);
    }
    assert_int_equal(replay(&cg_ecall_table, ID_WSTR, msg, 32 + 2 * sizeof(wchar_t)), CC_ERROR_BAD_PARAMETERS);
    w.l_w = 2 * sizeof(wchar_t) - 1;
    memcpy(msg, &w, sizeof w);
    assert_int_equal(replay(&cg_ecall_table, ID_WSTR, msg, 32 + 2 * sizeof(wchar_t) - 1), CC_ERROR_BAD_PARAMETERS);
    w.l_w = sizeof(wchar_t);
    memcpy(msg, &w, sizeof w);
    memset(msg + 32, 0, sizeof(wchar_t));
    assert_int_equal(replay(&cg_ecall_table, ID_WSTR, msg, 32 + sizeof(wchar_t)), CC_SUCCESS);
}


/* Request header of e_deep_in as docs/codegen.md lays it out. */
struct req_e_deep_in {
    uint64_t l_b;
    uint8_t f_b;
    uint64_t l_m;
    uint8_t f_m;
    size_t v_n;
};

/* A hostile host against the deep-copy fields of e_deep_in's request:
 * header, struct dbuf blob, length table, member blob. */
static void test_hostile_deep(void **state)
{
    uint8_t d[5] = {1, 2, 3, 4, 5}, *m;
    struct dbuf b = {sizeof d, d, 9};
    uint64_t r = 0, t;
    size_t len, sb = (sizeof(struct req_e_deep_in) + 15) / 16 * 16;
    size_t tab = (sb + sizeof(struct dbuf) + 15) / 16 * 16;
    uintptr_t junk = (uintptr_t)0xdeadbeefu;
    (void)state;
    assert_int_equal(sem_e_deep_in(&g_enclave, &r, &b, NULL, 0), CC_SUCCESS);
    len = g_last_req_len;
    assert_int_equal(len, (tab + 8 + 15) / 16 * 16 + sizeof d);
    m = malloc(len);
    assert_non_null(m);
    /* A pointer planted in the struct is never used: the enclave points the
     * member at its own copy. */
    memcpy(m, g_last_req, len);
    memcpy(m + sb + offsetof(struct dbuf, data), &junk, sizeof junk);
    g_sem.deep_ptr[0] = NULL;
    assert_int_equal(replay(&cg_ecall_table, ID_DEEP_IN, m, len), CC_SUCCESS);
    assert_true(g_sem.deep_ptr[0] != NULL && g_sem.deep_ptr[0] != (const void *)junk);
    /* Table entries that disagree with the struct, or are huge. */
    for (t = 0; t < 4; t++) {
        uint64_t bad[4] = {sizeof d + 1, sizeof d - 1, UINT64_MAX, (uint64_t)CG_MAX_MESSAGE + 1};
        memcpy(m, g_last_req, len);
        memcpy(m + tab, &bad[t], sizeof bad[t]);
        assert_int_equal(replay(&cg_ecall_table, ID_DEEP_IN, m, len), CC_ERROR_BAD_PARAMETERS);
    }
    /* The struct's size field changed under an unchanged table. */
    memcpy(m, g_last_req, len);
    m[sb + offsetof(struct dbuf, len)] = 6;
    assert_int_equal(replay(&cg_ecall_table, ID_DEEP_IN, m, len), CC_ERROR_BAD_PARAMETERS);
    /* A struct length that is not a whole number of structs. */
    memcpy(m, g_last_req, len);
    t = sizeof(struct dbuf) - 1;
    memcpy(m + offsetof(struct req_e_deep_in, l_b), &t, sizeof t);
    assert_int_equal(replay(&cg_ecall_table, ID_DEEP_IN, m, len), CC_ERROR_BAD_PARAMETERS);
    /* The table cut off. */
    assert_int_equal(replay(&cg_ecall_table, ID_DEEP_IN, g_last_req, tab + 4), CC_ERROR_BAD_PARAMETERS);
    free(m);
}
#endif /* !CG_SEM_REAL_ENCLAVE */

#ifndef CG_SEM_REAL_ENCLAVE
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats_wchar_bool),
        cmocka_unit_test(test_structs),
        cmocka_unit_test(test_struct_arrays),
        cmocka_unit_test(test_fixed_arrays),
        cmocka_unit_test(test_isptr_isary),
        cmocka_unit_test(test_size_expressions),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_max_sizes),
        cmocka_unit_test(test_ocalls_and_policy),
        cmocka_unit_test(test_deep_in),
        cmocka_unit_test(test_deep_inout),
        cmocka_unit_test(test_deep_out),
        cmocka_unit_test(test_deep_value_and_array),
        cmocka_unit_test(test_deep_ocalls),
        cmocka_unit_test(test_hostile_mutations),
        cmocka_unit_test(test_hostile_targeted),
        cmocka_unit_test(test_hostile_deep),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    free(g_last_resp);
    free(g_last_req);
    return r;
}
#else
/* The same semantic tests through a real enclave on the engine CTest
 * chooses (CGEAR_ENGINE): usage: test_sem_real <sem.enclave> */
int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <sem.enclave>\n", argv[0]);
        return 2;
    }
    const char *engine = getenv("CGEAR_ENGINE");
    char why[256];
    if (engine != NULL && strcmp(engine, "kvm") == 0 && !cgear_engine_usable(KVM_ENCLAVE_TYPE, why, sizeof why)) {
        fprintf(stderr, "SKIP: the kvm engine cannot run here: %s\n", why);
        return 77;
    }
    cc_enclave_result_t rc = cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &g_enclave);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "cannot create %s: %s\n", argv[1], cc_enclave_res2_str(rc));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats_wchar_bool),
        cmocka_unit_test(test_structs),
        cmocka_unit_test(test_struct_arrays),
        cmocka_unit_test(test_fixed_arrays),
        cmocka_unit_test(test_isptr_isary),
        cmocka_unit_test(test_size_expressions),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_max_sizes),
        cmocka_unit_test(test_ocalls_and_policy),
        cmocka_unit_test(test_deep_in),
        cmocka_unit_test(test_deep_inout),
        cmocka_unit_test(test_deep_out),
        cmocka_unit_test(test_deep_value_and_array),
        cmocka_unit_test(test_deep_ocalls),
    };
    int r = cmocka_run_group_tests_name("semantics_real_enclave", tests, NULL, NULL);
    cc_enclave_destroy(&g_enclave);
    return r;
}
#endif
