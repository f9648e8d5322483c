/*
 * The helpers of include/cgear_edge_rt.h, called directly: every generated
 * bounds check goes through them, so each refusal is pinned down here
 * (overflow, underflow, division by zero, CG_MAX_MESSAGE, missing
 * terminators) as well as the exact layout of what they accept.
 * codegen_roundtrip and codegen_semantics exercise them through generated
 * code.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgear_edge_rt.h"

/* ---- size=/count= arithmetic ---- */

static void test_expr_val(void **state)
{
    int ok = 1;
    (void)state;
    assert_true(cg_expr_val(0, 42, &ok) == 42);
    assert_int_equal(ok, 1);
    /* A negative parameter fails; the value still comes back unchanged. */
    assert_true(cg_expr_val(1, 7, &ok) == 7);
    assert_int_equal(ok, 0);
    /* The flag is sticky: a later success does not set it again. */
    assert_true(cg_expr_val(0, 1, &ok) == 1);
    assert_int_equal(ok, 0);
}

static void test_expr_add(void **state)
{
    int ok = 1;
    (void)state;
    assert_true(cg_expr_add(2, 3, &ok) == 5);
    assert_true(cg_expr_add(ULLONG_MAX - 1, 1, &ok) == ULLONG_MAX);
    assert_int_equal(ok, 1);
    (void)cg_expr_add(ULLONG_MAX, 1, &ok);
    assert_int_equal(ok, 0);
    ok = 1;
    (void)cg_expr_add(1ULL << 63, 1ULL << 63, &ok);
    assert_int_equal(ok, 0);
}

static void test_expr_sub(void **state)
{
    int ok = 1;
    (void)state;
    assert_true(cg_expr_sub(5, 3, &ok) == 2);
    assert_true(cg_expr_sub(5, 5, &ok) == 0);
    assert_true(cg_expr_sub(ULLONG_MAX, 0, &ok) == ULLONG_MAX);
    assert_int_equal(ok, 1);
    /* Below zero: a failure and 0, never a wrap to a huge length. */
    assert_true(cg_expr_sub(3, 5, &ok) == 0);
    assert_int_equal(ok, 0);
    ok = 1;
    assert_true(cg_expr_sub(0, 1, &ok) == 0);
    assert_int_equal(ok, 0);
}

static void test_expr_mul(void **state)
{
    int ok = 1;
    (void)state;
    assert_true(cg_expr_mul(6, 7, &ok) == 42);
    assert_true(cg_expr_mul(0, ULLONG_MAX, &ok) == 0);
    assert_true(cg_expr_mul(1ULL << 31, 1ULL << 32, &ok) == 1ULL << 63);
    assert_int_equal(ok, 1);
    (void)cg_expr_mul(1ULL << 32, 1ULL << 32, &ok);
    assert_int_equal(ok, 0);
    ok = 1;
    (void)cg_expr_mul(ULLONG_MAX / 2 + 1, 2, &ok);
    assert_int_equal(ok, 0);
}

static void test_expr_div_mod(void **state)
{
    int ok = 1;
    (void)state;
    assert_true(cg_expr_div(7, 2, &ok) == 3);
    assert_true(cg_expr_mod(7, 3, &ok) == 1);
    assert_true(cg_expr_div(0, 5, &ok) == 0);
    assert_true(cg_expr_mod(ULLONG_MAX, ULLONG_MAX, &ok) == 0);
    assert_int_equal(ok, 1);
    assert_true(cg_expr_div(7, 0, &ok) == 0);
    assert_int_equal(ok, 0);
    ok = 1;
    assert_true(cg_expr_mod(7, 0, &ok) == 0);
    assert_int_equal(ok, 0);
}

/* What a generated size=n*2, count=m-1 evaluates to, step by step. */
static void test_expr_chain(void **state)
{
    int ok = 1;
    unsigned long long s, c;
    size_t len = 99;
    (void)state;
    s = cg_expr_mul(cg_expr_val(0, 8, &ok), 2, &ok);
    c = cg_expr_sub(cg_expr_val(0, 4, &ok), 1, &ok);
    assert_true(cg_blob_len(ok, s, c, sizeof(uint32_t), &len));
    assert_int_equal(len, 16 * 3 * 4);
    /* m = 0: the subtraction fails, and so does the length. */
    ok = 1;
    len = 99;
    s = cg_expr_mul(cg_expr_val(0, 8, &ok), 2, &ok);
    c = cg_expr_sub(cg_expr_val(0, 0, &ok), 1, &ok);
    assert_false(cg_blob_len(ok, s, c, sizeof(uint32_t), &len));
    assert_int_equal(len, 99);
}

/* ---- blob lengths ---- */

static void test_blob_len_ok(void **state)
{
    size_t len = 0;
    (void)state;
    assert_true(cg_blob_len(1, 3, 4, 8, &len));
    assert_int_equal(len, 96);
    assert_true(cg_blob_len(1, 0, 5, 8, &len));
    assert_int_equal(len, 0);
    /* Exactly CG_MAX_MESSAGE is allowed. */
    assert_true(cg_blob_len(1, CG_MAX_MESSAGE, 1, 1, &len));
    assert_int_equal(len, CG_MAX_MESSAGE);
    assert_true(cg_blob_len(1, 1, CG_MAX_MESSAGE / 16, 16, &len));
    assert_int_equal(len, CG_MAX_MESSAGE);
}

static void test_blob_len_refused(void **state)
{
    size_t len = 12345;
    (void)state;
    /* A failed expression. */
    assert_false(cg_blob_len(0, 1, 1, 1, &len));
    /* One byte over the limit, on each factor. */
    assert_false(cg_blob_len(1, CG_MAX_MESSAGE + 1, 1, 1, &len));
    assert_false(cg_blob_len(1, 1, CG_MAX_MESSAGE + 1, 1, &len));
    assert_false(cg_blob_len(1, 1, 1, CG_MAX_MESSAGE + 1, &len));
    assert_false(cg_blob_len(1, CG_MAX_MESSAGE / 2 + 1, 2, 1, &len));
    /* Products that wrap size_t (to small values, which a wrapping check
     * would accept): 2^33 * 2^31 * 1 = 2^64, and 2^32 * 1 * 2^32. */
    assert_false(cg_blob_len(1, 1ULL << 33, 1ULL << 31, 1, &len));
    assert_false(cg_blob_len(1, 1ULL << 32, 1, (size_t)1 << 32, &len));
    assert_false(cg_blob_len(1, ULLONG_MAX, ULLONG_MAX, SIZE_MAX, &len));
    /* *out is left alone on every refusal. */
    assert_int_equal(len, 12345);
}

/* ---- layout ---- */

static void test_blob_place(void **state)
{
    size_t cur = 0, start = 999;
    (void)state;
    assert_true(cg_blob_place(&cur, 5, &start));
    assert_int_equal(start, 0);
    assert_int_equal(cur, 5);
    /* The next blob starts at the next CG_MSG_ALIGN boundary. */
    assert_true(cg_blob_place(&cur, 3, &start));
    assert_int_equal(start, 16);
    assert_int_equal(cur, 19);
    cur = 32;
    assert_true(cg_blob_place(&cur, 1, &start));
    assert_int_equal(start, 32);
    assert_int_equal(cur, 33);
    /* Ending exactly at CG_MAX_MESSAGE is allowed. */
    cur = 1;
    assert_true(cg_blob_place(&cur, CG_MAX_MESSAGE - 16, &start));
    assert_int_equal(start, 16);
    assert_int_equal(cur, CG_MAX_MESSAGE);
}

static void test_blob_place_refused(void **state)
{
    size_t cur, start = 777;
    (void)state;
    /* Past CG_MAX_MESSAGE, by the padding alone or by the blob. */
    cur = 1;
    assert_false(cg_blob_place(&cur, CG_MAX_MESSAGE - 15, &start));
    assert_int_equal(cur, 1);
    cur = CG_MAX_MESSAGE;
    assert_false(cg_blob_place(&cur, 1, &start));
    assert_int_equal(cur, CG_MAX_MESSAGE);
    /* Aligning overflows size_t. */
    cur = SIZE_MAX - 3;
    assert_false(cg_blob_place(&cur, 1, &start));
    assert_int_equal(cur, SIZE_MAX - 3);
    /* The end overflows size_t (a length from a hostile header). */
    cur = 16;
    assert_false(cg_blob_place(&cur, SIZE_MAX - 8, &start));
    assert_int_equal(cur, 16);
    assert_int_equal(start, 777);
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static void test_blob_put(void **state)
{
    static const char a[5] = "abcd", b[16] = "0123456789abcde", c[3] = "xy";
    cg_iov_t iov[8];
    size_t n = 0, cur = 0;
    (void)state;
    memset(iov, 0, sizeof iov);
    /* At offset 0: no padding segment. */
    assert_true(cg_blob_put(iov, &n, &cur, a, sizeof a));
    assert_int_equal(n, 1);
    assert_ptr_equal(iov[0].base, a);
    assert_int_equal(iov[0].len, 5);
    assert_int_equal(cur, 5);
    /* Length 0 appends nothing and does not move cur. */
    assert_true(cg_blob_put(iov, &n, &cur, c, 0));
    assert_int_equal(n, 1);
    assert_int_equal(cur, 5);
    /* From 5: 11 bytes of zeros, then the blob at 16. */
    assert_true(cg_blob_put(iov, &n, &cur, b, sizeof b));
    assert_int_equal(n, 3);
    assert_int_equal(iov[1].len, 11);
    assert_true(all_zero(iov[1].base, iov[1].len));
    assert_ptr_equal(iov[2].base, b);
    assert_int_equal(iov[2].len, 16);
    assert_int_equal(cur, 32);
    /* Already aligned: no padding segment. */
    assert_true(cg_blob_put(iov, &n, &cur, c, sizeof c));
    assert_int_equal(n, 4);
    assert_ptr_equal(iov[3].base, c);
    assert_int_equal(iov[3].len, 3);
    assert_int_equal(cur, 35);
}

static void test_blob_put_refused(void **state)
{
    static const uint8_t d[1] = {1};
    cg_iov_t iov[4];
    size_t n = 1, cur = CG_MAX_MESSAGE - 20;
    (void)state;
    memset(iov, 0, sizeof iov);
    /* Padding to CG_MAX_MESSAGE - 16, and the blob would end past the limit. */
    assert_false(cg_blob_put(iov, &n, &cur, d, 20));
    assert_int_equal(n, 1);
    assert_int_equal(cur, CG_MAX_MESSAGE - 20);
    assert_null(iov[1].base);
    assert_int_equal(iov[1].len, 0);
    /* A length that overflows: refused, nothing appended. */
    assert_false(cg_blob_put(iov, &n, &cur, d, SIZE_MAX));
    assert_int_equal(n, 1);
    assert_int_equal(cur, CG_MAX_MESSAGE - 20);
}

/* ---- terminators ---- */

static void test_str_terminated(void **state)
{
    static const uint8_t s[] = {'a', 'b', 'c', 0, 'd'};
    (void)state;
    assert_true(cg_str_terminated(s, 4));
    assert_true(cg_str_terminated(s, sizeof s));
    assert_false(cg_str_terminated(s, 3));
    assert_false(cg_str_terminated(s, 0));
    assert_true(cg_str_terminated(s + 3, 1));
}

static void test_wstr_terminated(void **state)
{
    uint8_t buf[4 * sizeof(wchar_t) + 1];
    const wchar_t ab[2] = {L'a', L'b'}, zero = 0;
    (void)state;
    memset(buf, 0, sizeof buf);
    /* At an odd address: the blob need not be aligned for wchar_t. */
    memcpy(buf + 1, ab, sizeof ab);
    assert_false(cg_wstr_terminated(buf + 1, sizeof ab));
    assert_true(cg_wstr_terminated(buf + 1, sizeof ab + sizeof zero));
    assert_false(cg_wstr_terminated(buf + 1, 0));
    /* Zero bytes that do not make a whole wchar_t do not count. */
    assert_false(cg_wstr_terminated(buf + 1, sizeof ab + sizeof zero - 1));
    /* A wchar_t with some zero bytes is not a terminator. */
    memset(buf, 0, sizeof buf);
    buf[1 + sizeof(wchar_t) - 1] = 1;
    assert_false(cg_wstr_terminated(buf + 1, sizeof(wchar_t)));
    assert_true(cg_wstr_terminated(buf + 1, 2 * sizeof(wchar_t)));
}

/* ---- long double ---- */

static void test_put_long_double(void **state)
{
    uint8_t buf[sizeof(long double) + 4];
    long double v = -1234.5L, back;
    size_t used = LDBL_MANT_DIG == 64 ? 10 : sizeof(long double), i;
    (void)state;
    memset(buf, 0xAA, sizeof buf);
    cg_put_long_double(buf, v);
    /* The value bytes arrive; the padding bytes (x87) and everything after
     * are not written. */
    for (i = used; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xAA);
    memset(&back, 0, sizeof back);
    memcpy(&back, buf, used);
    assert_true(back == v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_val),
        cmocka_unit_test(test_expr_add),
        cmocka_unit_test(test_expr_sub),
        cmocka_unit_test(test_expr_mul),
        cmocka_unit_test(test_expr_div_mod),
        cmocka_unit_test(test_expr_chain),
        cmocka_unit_test(test_blob_len_ok),
        cmocka_unit_test(test_blob_len_refused),
        cmocka_unit_test(test_blob_place),
        cmocka_unit_test(test_blob_place_refused),
        cmocka_unit_test(test_blob_put),
        cmocka_unit_test(test_blob_put_refused),
        cmocka_unit_test(test_str_terminated),
        cmocka_unit_test(test_wstr_terminated),
        cmocka_unit_test(test_put_long_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
