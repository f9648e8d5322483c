/*
 * Marshalling round trip in one process: the generated rt_u.c (host) and
 * rt_t.c (enclave) of edl/rt.edl are linked together with a fake runtime
 * that hands each request, concatenated into a fresh 16-byte-aligned buffer
 * the way the real runtime does, straight to the other side's stub table.
 * The test also plays a hostile peer by calling stubs with crafted requests.
 *
 * In one process a trusted function exists twice (host proxy and enclave
 * implementation) and so does an untrusted one, so rt.edl is generated with
 * --use-prefix (host ECALL proxies are rt_t_add, ...) and the enclave side
 * (rt_t.c, rt_enclave.c) is compiled with rt_enclave_names.h forced in,
 * which renames the enclave OCALL proxies to rt_enc_u_add, ...
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "cgear_edge_enclave.h" /* cg_ecall_table */
#include "rt_shared.h"
#include "rt_u.h"

/* ---- fake runtime ---- */

static const cg_stub_table_t *g_ocalls; /* OCALL table of the ECALL in progress */
static int g_corrupt_resp;              /* append a byte to the next ECALL response */
static const void *g_watch_ptr;         /* a caller buffer that must be sent in place */
static int g_watch_seen;

static uint8_t *concat(const cg_iov_t *req, size_t nreq, size_t *len)
{
    size_t total = 0, off = 0, i;
    uint8_t *buf;
    for (i = 0; i < nreq; i++) {
        total += req[i].len;
        if (req[i].base == g_watch_ptr && g_watch_ptr != NULL)
            g_watch_seen = 1;
    }
    buf = aligned_alloc(16, (total + 15) / 16 * 16 + 16);
    assert_non_null(buf);
    for (i = 0; i < nreq; i++) {
        if (req[i].len)
            memcpy(buf + off, req[i].base, req[i].len);
        off += req[i].len;
    }
    *len = total;
    return buf;
}

static cc_enclave_result_t dispatch(const cg_stub_table_t *t, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                    cg_msg_t *resp)
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
    r = t->stubs[fn](buf, len, &out);
    free(buf);
    if (r != CC_SUCCESS) {
        free(out.buf);
        return r;
    }
    *resp = out;
    return CC_SUCCESS;
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
    g_ocalls = ocalls;
    r = dispatch(&cg_ecall_table, fn, req, nreq, resp);
    g_ocalls = prev;
    if (r == CC_SUCCESS && g_corrupt_resp) {
        g_corrupt_resp = 0;
        resp->buf = realloc(resp->buf, resp->len + 1);
        resp->buf[resp->len++] = 0;
    }
    return r;
}

cc_enclave_result_t cg_enclave_ocall(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    if (g_ocalls == NULL)
        return CC_ERROR_OCALL_NOT_ALLOWED;
    return dispatch(g_ocalls, fn, req, nreq, resp);
}

/* Switchless OCALLs (transition_using_threads) marshal exactly as ordinary
 * ones; only the runtime's transport differs. */
cc_enclave_result_t cg_enclave_ocall_sl(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    return cg_enclave_ocall(fn, req, nreq, resp);
}

/* ---- host side: the untrusted functions ---- */

static int g_void_calls;

int u_add(int a, int b)
{
    errno = 77;
    return a + b;
}

void u_fill(char *buf, size_t len, const char *msg)
{
    size_t i, m = strlen(msg);
    for (i = 0; i + 1 < len; i++)
        buf[i] = (i % (m + 1) == m) ? '-' : msg[i % (m + 1)];
    buf[len - 1] = '\0';
}

void u_void(void)
{
    g_void_calls++;
}

long u_inout(int *io, size_t n)
{
    long sum = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        sum += io[i];
        io[i] = -io[i];
    }
    return sum;
}

/* ---- tests ---- */

static cc_enclave_t g_enclave;

static void test_tables(void **state)
{
    (void)state;
    assert_int_equal(cg_ecall_table.count, 18);
    assert_non_null(cg_ecall_table.stubs);
    assert_int_equal(rt_ocall_table.count, 4);
    assert_non_null(rt_ocall_table.stubs);
}

static void test_scalars(void **state)
{
    int ri = 0;
    double rd = 0;
    bool rb = false;
    char rc = 0;
    int64_t r64 = 0;
    unsigned long long rull = 0;
    (void)state;
    assert_int_equal(rt_t_add(&g_enclave, &ri, 40, 2), CC_SUCCESS);
    assert_int_equal(ri, 42);
    assert_int_equal(rt_t_add(&g_enclave, NULL, 1, 2), CC_SUCCESS); /* retval may be NULL */
    g_noargs_calls = 0;
    assert_int_equal(rt_t_noargs(&g_enclave), CC_SUCCESS);
    assert_int_equal(g_noargs_calls, 1);
    assert_int_equal(rt_t_dbl(&g_enclave, &rd, 1.5, 4.0f), CC_SUCCESS);
    assert_true(rd == 6.0);
    assert_int_equal(rt_t_bool(&g_enclave, &rb, false), CC_SUCCESS);
    assert_true(rb);
    assert_int_equal(rt_t_bool(&g_enclave, &rb, true), CC_SUCCESS);
    assert_false(rb);
    assert_int_equal(rt_t_char(&g_enclave, &rc, 'a'), CC_SUCCESS);
    assert_int_equal(rc, 'b');
    assert_int_equal(rt_t_i64(&g_enclave, &r64, INT64_C(1) << 40), CC_SUCCESS);
    assert_true(r64 == -(INT64_C(1) << 40));
    assert_int_equal(rt_t_ull(&g_enclave, &rull, 1ULL << 63, 5L, (short)-2, 200), CC_SUCCESS);
    assert_true(rull == (1ULL << 63) + 5 - 2 + 200);
}

static void test_in(void **state)
{
    uint8_t buf[100];
    size_t i, sum = 0, r = 0;
    (void)state;
    for (i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)i;
        sum += i;
    }
    g_watch_ptr = buf;
    g_watch_seen = 0;
    assert_int_equal(rt_t_in(&g_enclave, &r, buf, sizeof buf), CC_SUCCESS);
    g_watch_ptr = NULL;
    assert_int_equal(r, sum);
    assert_true(g_watch_seen);       /* sent from the caller's buffer, no copy */
    assert_true(g_seen_aligned);     /* blob is 16-byte aligned in the request */
    assert_true(g_seen_ptr != buf);  /* callee worked on its own copy */
    for (i = 0; i < sizeof buf; i++) /* [in]: callee's writes are invisible */
        assert_int_equal(buf[i], (uint8_t)i);
}

static void test_out_zero_filled(void **state)
{
    int out[8];
    size_t i;
    (void)state;
    memset(out, 0xAA, sizeof out);
    assert_int_equal(rt_t_out(&g_enclave, out, 8), CC_SUCCESS);
    for (i = 0; i < 4; i++)
        assert_int_equal(out[i], (int)(i * 10 + 1));
    for (i = 4; i < 8; i++)
        assert_int_equal(out[i], 0); /* not written by the callee: zero, not stale memory */
}

static void test_inout(void **state)
{
    int io[5] = {1, -2, 3, 400, 5};
    (void)state;
    assert_int_equal(rt_t_inout(&g_enclave, io, 5), CC_SUCCESS);
    assert_int_equal(io[0], 2);
    assert_int_equal(io[1], -4);
    assert_int_equal(io[3], 800);
    assert_int_equal(io[4], 10);
    /* A negative count is refused by the proxy itself. */
    assert_int_equal(rt_t_inout(&g_enclave, io, -1), CC_ERROR_BAD_PARAMETERS);
}

static void test_strings(void **state)
{
    char io[] = "abc1";
    char kill[] = "killnul";
    size_t r = 0;
    int wr = 0;
    (void)state;
    assert_int_equal(rt_t_str(&g_enclave, &r, "hello", io), CC_SUCCESS);
    assert_int_equal(r, 5);
    assert_string_equal(io, "ABC1");
    /* The callee overwrote the terminator: the stub restores it. */
    assert_int_equal(rt_t_str(&g_enclave, &r, "", kill), CC_SUCCESS);
    assert_int_equal(r, 0);
    assert_int_equal(kill[7], '\0');
    assert_memory_equal(kill, "XXXXXXX", 7);
    assert_int_equal(rt_t_ws(&g_enclave, &wr, L"wide str"), CC_SUCCESS);
    assert_int_equal(wr, 8);
}

static void test_size_times_count(void **state)
{
    uint8_t p[16];
    size_t i;
    (void)state;
    memset(p, 0xEE, sizeof p);
    assert_int_equal(rt_t_sc(&g_enclave, p, 3, 4), CC_SUCCESS);
    for (i = 0; i < 12; i++)
        assert_int_equal(p[i], i + 1);
    for (i = 12; i < 16; i++)
        assert_int_equal(p[i], 0xEE); /* beyond size*count: untouched */
    /* Overflowing size*count is refused before anything is sent. */
    assert_int_equal(rt_t_sc(&g_enclave, p, SIZE_MAX / 2 + 1, 4), CC_ERROR_BAD_PARAMETERS);
    /* Larger than CG_MAX_MESSAGE: refused. */
    assert_int_equal(rt_t_sc(&g_enclave, p, (size_t)1 << 20, 1u << 11), CC_ERROR_BAD_PARAMETERS);
}

static void test_user_check_and_structs(void **state)
{
    uint64_t raw = 0;
    struct pt p = {1, 2, "abc"}, q = {10, 20, "xyz"}, r;
    rt_pair_t pair = {100, 7.9};
    char o16[16];
    int16_t four[4] = {1, 2, 3, -4};
    int ir = 0;
    (void)state;
    assert_int_equal(rt_t_uc(&g_enclave, &raw, (void *)(uintptr_t)0xdeadbeef000ULL), CC_SUCCESS);
    assert_true(raw == 0xdeadbeef000ULL);
    assert_int_equal(rt_t_uc(&g_enclave, &raw, NULL), CC_SUCCESS);
    assert_true(raw == 0);
    memset(&r, 0, sizeof r);
    assert_int_equal(rt_t_pt(&g_enclave, &r, p, BLUE, &q, pair), CC_SUCCESS);
    assert_int_equal(r.x, 1 + 10 + BLUE);
    assert_int_equal(r.y, 2 + 20 + 100 + 7);
    assert_string_equal(r.tag, "ok!");
    assert_int_equal(rt_t_const(&g_enclave, &ir, o16, four), CC_SUCCESS);
    assert_int_equal(ir, 2);
    assert_memory_equal(o16, "0123456789abcde", 16);
}

static void test_null_pointers(void **state)
{
    int r = -1;
    char o[4] = {0};
    (void)state;
    assert_int_equal(rt_t_null(&g_enclave, &r, NULL, 0, NULL, 0), CC_SUCCESS);
    assert_int_equal(r, 3);
    /* NULL with a non-zero size: still NULL on the other side. */
    assert_int_equal(rt_t_null(&g_enclave, &r, NULL, 10, NULL, 10), CC_SUCCESS);
    assert_int_equal(r, 3);
    /* Non-NULL with size 0: the callee gets NULL (nothing to copy). */
    assert_int_equal(rt_t_null(&g_enclave, &r, "x", 0, o, 0), CC_SUCCESS);
    assert_int_equal(r, 3);
    assert_int_equal(rt_t_null(&g_enclave, &r, "xy", 2, o, 4), CC_SUCCESS);
    assert_int_equal(r, 0);
    assert_memory_equal(o, "oooo", 4);
    /* A NULL [in] pointer that the proxy would need to measure is fine too. */
    assert_int_equal(rt_t_str(&g_enclave, NULL, "a", NULL), CC_SUCCESS);
}

static void test_ocalls(void **state)
{
    int r = -1;
    (void)state;
    g_void_calls = 0;
    assert_int_equal(rt_t_call_ocalls(&g_enclave, &r), CC_SUCCESS);
    assert_int_equal(r, 0);
    assert_int_equal(g_void_calls, 1);
    /* An OCALL outside an ECALL has no table: the runtime refuses it. */
    assert_int_equal(rt_enc_call_u_void(), CC_ERROR_OCALL_NOT_ALLOWED);
}

static void test_bad_response(void **state)
{
    int r = 123;
    (void)state;
    g_corrupt_resp = 1;
    assert_int_equal(rt_t_add(&g_enclave, &r, 1, 2), CC_ERROR_PROTOCOL);
    assert_int_equal(r, 123); /* nothing copied back from a malformed response */
}

/* ---- hostile requests straight into the stubs ---- */

/* Request header layouts as documented in docs/codegen.md. */
struct req_t_in {
    uint64_t l_buf;
    uint8_t f_buf;
    size_t v_len;
};
struct req_t_str {
    uint64_t l_s;
    uint8_t f_s;
    uint64_t l_io;
    uint8_t f_io;
};
struct req_t_sc {
    uint64_t l_p;
    uint8_t f_p;
    size_t v_sz;
    unsigned int v_cnt;
};
struct req_t_inout {
    uint64_t l_io;
    uint8_t f_io;
    int v_n;
};

enum { ID_T_IN = 7, ID_T_INOUT = 9, ID_T_STR = 10, ID_T_SC = 11 };

static cc_enclave_result_t call_stub(const cg_stub_table_t *t, unsigned id, const void *req, size_t len)
{
    cg_msg_t out = {NULL, 0};
    uint8_t *buf = aligned_alloc(16, (len + 15) / 16 * 16 + 16);
    cc_enclave_result_t r;
    assert_non_null(buf);
    memcpy(buf, req, len);
    r = t->stubs[id](buf, len, &out);
    free(buf);
    free(out.buf);
    return r;
}

static void test_malformed_t_in(void **state)
{
    uint8_t msg[64 + 16];
    struct req_t_in h;
    (void)state;
    assert_int_equal(sizeof h, 24);
    memset(msg, 0, sizeof msg);
    memset(&h, 0, sizeof h);
    h.l_buf = 20;
    h.f_buf = 1;
    h.v_len = 20;
    memcpy(msg, &h, sizeof h);
    memset(msg + 32, 7, 20); /* blob at align16(24) = 32 */
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 52), CC_SUCCESS);
    /* Wrong total length, either way, and shorter than the header. */
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 53), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 51), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 3), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 0), CC_ERROR_BAD_PARAMETERS);
    /* Declared length disagrees with the size parameter. */
    h.v_len = 21;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 52), CC_ERROR_BAD_PARAMETERS);
    /* Presence flag out of range; NULL with a length. */
    h.v_len = 20;
    h.f_buf = 2;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 52), CC_ERROR_BAD_PARAMETERS);
    h.f_buf = 0;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 52), CC_ERROR_BAD_PARAMETERS);
    /* A huge declared length. */
    h.f_buf = 1;
    h.l_buf = UINT64_MAX;
    h.v_len = SIZE_MAX;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 52), CC_ERROR_BAD_PARAMETERS);
    /* NULL and length 0 with any size parameter: accepted. */
    h.f_buf = 0;
    h.l_buf = 0;
    h.v_len = 1000;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_IN, msg, 24), CC_SUCCESS);
}

static void test_malformed_strings(void **state)
{
    uint8_t msg[96];
    struct req_t_str h;
    (void)state;
    assert_int_equal(sizeof h, 32);
    memset(msg, 0, sizeof msg);
    memset(&h, 0, sizeof h);
    h.l_s = 4;
    h.f_s = 1;
    h.l_io = 3;
    h.f_io = 1;
    memcpy(msg, &h, sizeof h);
    memcpy(msg + 32, "abc", 4); /* s at 32 */
    memcpy(msg + 48, "xy", 3);  /* io at align16(36) = 48 */
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_STR, msg, 51), CC_SUCCESS);
    /* Missing terminator in [in, string] and in [in, out, string]. */
    msg[35] = 'd';
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_STR, msg, 51), CC_ERROR_BAD_PARAMETERS);
    msg[35] = 0;
    msg[50] = 'z';
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_STR, msg, 51), CC_ERROR_BAD_PARAMETERS);
    msg[50] = 0;
    /* A present string of length 0 (no room for the terminator). */
    h.l_s = 0;
    memcpy(msg, &h, sizeof h);
    memcpy(msg + 32, "xy", 3);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_STR, msg, 35), CC_ERROR_BAD_PARAMETERS);
}

static void test_malformed_counts(void **state)
{
    uint8_t msg[64];
    struct req_t_sc h;
    struct req_t_inout hi;
    (void)state;
    assert_int_equal(sizeof h, 32);
    memset(msg, 0, sizeof msg);
    /* size * count wraps around to 0 in 64 bits: must not pass as 0. */
    memset(&h, 0, sizeof h);
    h.f_p = 1;
    h.l_p = 0;
    h.v_sz = SIZE_MAX / 2 + 1;
    h.v_cnt = 4;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_SC, msg, sizeof h), CC_ERROR_BAD_PARAMETERS);
    /* Over CG_MAX_MESSAGE even though it matches. */
    h.v_sz = (size_t)1 << 20;
    h.v_cnt = 1u << 11;
    h.l_p = (uint64_t)1 << 31;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_SC, msg, sizeof h), CC_ERROR_BAD_PARAMETERS);
    /* A valid [out]-only request: header only. */
    h.v_sz = 2;
    h.v_cnt = 3;
    h.l_p = 6;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_SC, msg, sizeof h), CC_SUCCESS);
    /* Negative count. */
    memset(&hi, 0, sizeof hi);
    hi.f_io = 1;
    hi.l_io = 4;
    hi.v_n = -1;
    memset(msg, 0, sizeof msg);
    memcpy(msg, &hi, sizeof hi);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_INOUT, msg, 20), CC_ERROR_BAD_PARAMETERS);
    hi.v_n = 1;
    memcpy(msg, &hi, sizeof hi);
    assert_int_equal(call_stub(&cg_ecall_table, ID_T_INOUT, msg, 20), CC_SUCCESS);
}

/* The host validates OCALL requests from the (untrusted) enclave too. */
static void test_malformed_ocall(void **state)
{
    /* u_fill: buf (l, f), len, msg (l, f) */
    struct {
        uint64_t l_buf;
        uint8_t f_buf;
        size_t v_len;
        uint64_t l_msg;
        uint8_t f_msg;
    } h;
    uint8_t msg[64];
    (void)state;
    assert_int_equal(sizeof h, 40);
    memset(msg, 0, sizeof msg);
    memset(&h, 0, sizeof h);
    h.l_buf = 4;
    h.f_buf = 1;
    h.v_len = 4;
    h.l_msg = 3;
    h.f_msg = 1;
    memcpy(msg, &h, sizeof h);
    memcpy(msg + 48, "ab", 3);
    assert_int_equal(call_stub(&rt_ocall_table, 1, msg, 51), CC_SUCCESS);
    msg[50] = 'c';
    assert_int_equal(call_stub(&rt_ocall_table, 1, msg, 51), CC_ERROR_BAD_PARAMETERS);
    msg[50] = 0;
    h.v_len = 5;
    memcpy(msg, &h, sizeof h);
    assert_int_equal(call_stub(&rt_ocall_table, 1, msg, 51), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(call_stub(&rt_ocall_table, 2, msg, 1), CC_ERROR_BAD_PARAMETERS); /* u_void takes nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_in),
        cmocka_unit_test(test_out_zero_filled),
        cmocka_unit_test(test_inout),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_size_times_count),
        cmocka_unit_test(test_user_check_and_structs),
        cmocka_unit_test(test_null_pointers),
        cmocka_unit_test(test_ocalls),
        cmocka_unit_test(test_bad_response),
        cmocka_unit_test(test_malformed_t_in),
        cmocka_unit_test(test_malformed_strings),
        cmocka_unit_test(test_malformed_counts),
        cmocka_unit_test(test_malformed_ocall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
