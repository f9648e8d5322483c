/*
 * Unit tests of the CPU masks of switchless core binding
 * (src/host/cpu_mask.c): the CPU lists in messages, the check against the
 * CPUs a process may use, and pinning the calling thread.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu_mask.h"

static void test_list(void **state)
{
    (void)state;
    char buf[128];
    cg_cpu_list(0, buf, sizeof buf);
    assert_string_equal(buf, "none");
    cg_cpu_list(1, buf, sizeof buf);
    assert_string_equal(buf, "0");
    cg_cpu_list(0xf, buf, sizeof buf);
    assert_string_equal(buf, "0-3");
    cg_cpu_list(0x2d, buf, sizeof buf); /* 0, 2-3, 5 */
    assert_string_equal(buf, "0,2-3,5");
    cg_cpu_list((uint64_t)1 << 63 | 3, buf, sizeof buf);
    assert_string_equal(buf, "0-1,63");
    cg_cpu_list(~(uint64_t)0, buf, sizeof buf);
    assert_string_equal(buf, "0-63");
    /* a short buffer stays terminated */
    char small[4];
    cg_cpu_list(0x2d, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

static void test_check(void **state)
{
    (void)state;
    char why[300] = "";
    assert_true(cg_cpu_mask_check(0x2, 0x3, "tworkers_cores", why, sizeof why));
    assert_true(cg_cpu_mask_check(0x3, 0x3, "tworkers_cores", why, sizeof why));
    assert_false(cg_cpu_mask_check(0x6, 0x3, "uworkers_cores", why, sizeof why));
    /* names the field, the CPU that cannot be used and those that can */
    assert_non_null(strstr(why, "uworkers_cores"));
    assert_non_null(strstr(why, "CPU 2,"));
    assert_non_null(strstr(why, "may use are 0-1"));
    assert_false(cg_cpu_mask_check((uint64_t)1 << 40, 0xff, "f", why, sizeof why));
    assert_non_null(strstr(why, "CPU 40"));
}

static void test_pin_self(void **state)
{
    (void)state;
    uint64_t allowed = cg_cpu_allowed();
    assert_true(allowed != 0);
    uint64_t one = allowed & (~allowed + 1); /* the lowest allowed CPU */
    assert_int_equal(cg_cpu_pin(0, one), 0);
    assert_true(cg_cpu_allowed() == one);
    assert_int_equal(cg_cpu_pin(0, allowed), 0);
    assert_true(cg_cpu_allowed() == allowed);
    assert_true(cg_cpu_pin(0, 0) < 0); /* an empty set: refused by the kernel */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_pin_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
