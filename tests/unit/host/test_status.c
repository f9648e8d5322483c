/*
 * test_status.c - unit tests of cc_enclave_res2_str() and of the secGear
 * values in include/status.h.
 *
 * The list of enumerators is read from include/status.h at run time (path
 * compiled in as CG_STATUS_H_PATH), so a code added later without a string
 * fails here; a compiled-in table of names cross-checks the parser.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "status.h"

#ifndef CG_STATUS_H_PATH
#error "CG_STATUS_H_PATH must name include/status.h"
#endif

#define UNKNOWN "unknown result code"

/* ------------------------------------------------------------------------ */
/* status.h parser                                                          */

struct entry {
    char name[80];
    uint64_t value;
};

static struct entry g_entries[512];
static size_t g_count;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* Replace comments by spaces. */
static void strip_comments(char *s)
{
    for (char *p = s; *p; p++) {
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            assert_non_null(e);
            memset(p, ' ', (size_t)(e + 2 - p));
            p = e + 1;
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                *p++ = ' ';
            if (!*p)
                break;
        }
    }
}

static int setup(void **state)
{
    (void)state;
    char *text = slurp(CG_STATUS_H_PATH);
    strip_comments(text);
    char *start = strstr(text, "typedef enum _enclave_result_t");
    assert_non_null(start);
    char *open = strchr(start, '{');
    char *close = strchr(open, '}');
    assert_non_null(open);
    assert_non_null(close);
    *close = '\0';

    uint64_t next = 0;
    g_count = 0;
    for (char *item = strtok(open + 1, ","); item != NULL; item = strtok(NULL, ",")) {
        while (isspace((unsigned char)*item))
            item++;
        if (*item == '\0')
            continue; /* trailing comma */
        struct entry *e = &g_entries[g_count++];
        assert_true(g_count < sizeof(g_entries) / sizeof(g_entries[0]));
        size_t n = 0;
        while (isalnum((unsigned char)item[n]) || item[n] == '_')
            n++;
        assert_true(n > 0 && n < sizeof(e->name));
        memcpy(e->name, item, n);
        e->name[n] = '\0';
        char *eq = strchr(item + n, '=');
        if (eq != NULL) {
            char *end;
            next = strtoull(eq + 1, &end, 0);
            while (isspace((unsigned char)*end))
                end++;
            if (*end != '\0')
                fail_msg("cannot parse the value of %s", e->name);
        }
        e->value = next++;
    }
    free(text);
    return 0;
}

static const struct entry *find(const char *name)
{
    for (size_t i = 0; i < g_count; i++)
        if (strcmp(g_entries[i].name, name) == 0)
            return &g_entries[i];
    return NULL;
}

static int is_enumerator(uint64_t v)
{
    for (size_t i = 0; i < g_count; i++)
        if (g_entries[i].value == v)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* tests                                                                    */

/* A compiled-in list: the parser must agree with the compiler on each. */
#define E(x) {#x, (uint64_t)(x)}
static const struct entry g_known[] = {
    E(CC_SUCCESS),
    E(CC_ERROR_INVALID_CMD),
    E(CC_ERROR_ENCLAVE_LOST),
    E(CC_ERROR_INVALID_ENCLAVE),
    E(CC_ERROR_INVALID_PATH),
    E(CC_ERROR_INVALID_TYPE),
    E(CC_ERROR_OUT_OF_TCS),
    E(CC_ERROR_PLATFORM_CERT_UNAVAILABLE),
    E(CC_ERROR_SWITCHLESS_INVALID_FUNCTION_ID),
    E(CC_ERROR_SWITCHLESS_TASK_POOL_FULL),
    E(CC_ERROR_SWITCHLESS_INVALID_TASK_ID),
    E(CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED),
    E(CC_ERROR_SWITCHLESS_DISABLED),
    E(CC_ERROR_SWITCHLESS_ROLLBACK2COMMON),
    E(CC_ERROR_SWITCHLESS_REINIT),
    E(CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER),
    E(CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID),
    E(CC_ERROR_SHARED_MEMORY_NOT_REGISTERED),
    E(CC_ERROR_ADDRESS_UNACCESSABLE),
    E(CC_ERROR_RA_PRE_ENV_INPUT),
    E(CC_ERROR_RA_GET_REPORT_INPUT),
    E(CC_ERROR_RA_REPORT_VERIFY_INPUT),
    E(CC_ERROR_RA_REPORT_VERIFY_FAILED),
    E(CC_ERROR_RA_REPORT_VERIFY_SIGNATURE),
    E(CC_ERROR_RA_REPORT_VERIFY_HASH),
    E(CC_ERROR_RA_REPORT_VERIFY_NONCE),
    E(CC_ERROR_RA_REPORT_VERIFY_BASEVALUE),
    E(CC_ERROR_RA_REPORT_VERIFY_CERT),
    E(CC_ERROR_RA_REPORT_VERIFY_DEBUG),
    E(CC_ERROR_RA_REPORT_VERIFY_STALE),
    E(CC_ERROR_RA_MEMORY),
    E(CC_ERROR_SEC_CHL_INVALID_CONN),
    E(CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH),
    E(CC_ERROR_SEC_CHL_INVALID_SESSION),
    E(CC_ERROR_SEC_CHL_NOTREADY),
    E(CC_ERROR_SEC_CHL_ENCLAVE_UNSUPPORTED),
    E(CC_ERROR_SEC_CHL_INIT_GET_PUBKEY),
    E(CC_ERROR_SEC_CHL_SEND_MSG),
    E(CC_ERROR_SEC_CHL_RECV_MSG),
    E(CC_ERROR_SEC_CHL_GET_RA_REPORT),
    E(CC_ERROR_SEC_CHL_VERIFY_RA_REPORT),
    E(CC_ERROR_SEC_CHL_SESSION_KEY),
    E(CC_ERROR_SEC_CHL_MAX_SESSIONS),
    E(CC_ERROR_SEC_CHL_ENCRYPT),
    E(CC_ERROR_SEC_CHL_DECRYPT),
    E(CC_ERROR_OTRP_BASE),
    E(CC_ERROR_MSG_QUEUE_OVERFLOW),
    E(CC_ERROR_STORAGE_NO_KEY_ID),
    E(CC_ERROR_FILE_FLUSH_FAILED),
    E(CC_ERROR_FILE_CLOSE_FAILED),
    E(CC_ERROR_ENGINE_UNAVAILABLE),
    E(CC_ERROR_PROTOCOL),
    E(CC_ERROR_ENCLAVE_CRASHED),
    E(CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL),
    E(CC_ERROR_SEC_CHL_REPLAY),
    E(CC_ERROR_SEC_CHL_SEQUENCE),
    E(CC_ERROR_SEC_CHL_MALFORMED),
    E(CC_ERROR_SEC_CHL_EXPIRED),
    E(CC_ERROR_SEC_CHL_CLOSED),
    E(CC_ERROR_CORRUPT_OBJECT),
    E(CC_ISOCKET_WARNING_PROTOCOL),
    E(CC_ERROR_GENERIC),
    E(CC_ERROR_BAD_PARAMETERS),
    E(CC_ERROR_OUT_OF_MEMORY),
    E(CC_ERROR_SHORT_BUFFER),
    E(CC_ERROR_EXTERNAL_CANCEL),
    E(CC_PENDING3),
    E(CC_ERROR_OVERFLOW),
    E(CC_ERROR_ENCLAVE_DEAD),
    E(CC_FAIL),
    E(CC_ERROR_TIMER),
    E(CC_ERROR_TIMER_NOT_FOUND),
    E(CC_ERROR_TUI_BASE),
    E(CC_ERROR_ARTSRV_NOT_AVAILABLE),
    E(CC_ERROR_AUDIT_FAIL),
    E(CC_ERROR_UNEXPECTED),
    E(CC_ERROR_NO_FIND_UNREGFUNC),
    E(CC_MAXIMUM_ERROR),
};
#undef E

static void test_parser_agrees_with_compiler(void **state)
{
    (void)state;
    assert_true(g_count > 150);
    for (size_t i = 0; i < sizeof(g_known) / sizeof(g_known[0]); i++) {
        const struct entry *e = find(g_known[i].name);
        if (e == NULL)
            fail_msg("%s not found by the parser", g_known[i].name);
        if (e->value != g_known[i].value)
            fail_msg("%s: parsed %#llx, compiled %#llx", e->name, (unsigned long long)e->value,
                     (unsigned long long)g_known[i].value);
    }
}

static void test_every_enumerator_has_a_string(void **state)
{
    (void)state;
    int missing = 0;
    for (size_t i = 0; i < g_count; i++) {
        const struct entry *e = &g_entries[i];
        /* CC_MAXIMUM_ERROR is a sentinel (one past the last code), not a result */
        if (strcmp(e->name, "CC_MAXIMUM_ERROR") == 0)
            continue;
        const char *s = cc_enclave_res2_str((cc_enclave_result_t)e->value);
        if (s == NULL || s[0] == '\0' || strcmp(s, UNKNOWN) == 0) {
            print_error("%s (%#llx) has no description\n", e->name, (unsigned long long)e->value);
            missing++;
            continue;
        }
        for (const char *p = s; *p; p++)
            if (!isprint((unsigned char)*p))
                fail_msg("%s: description has a non-printable byte", e->name);
    }
    assert_int_equal(missing, 0);
}

static void test_names_and_values_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_count; i++)
        for (size_t j = i + 1; j < g_count; j++) {
            if (strcmp(g_entries[i].name, g_entries[j].name) == 0)
                fail_msg("%s declared twice", g_entries[i].name);
            if (g_entries[i].value == g_entries[j].value)
                fail_msg("%s and %s share the value %#llx", g_entries[i].name, g_entries[j].name,
                         (unsigned long long)g_entries[i].value);
        }
    /* every value fits the 32-bit type secGear uses */
    for (size_t i = 0; i < g_count; i++)
        assert_true(g_entries[i].value <= 0xffffffffull);
}

static void test_unknown_values(void **state)
{
    (void)state;
    const uint64_t probes[] = {0x12345678, 0x7fffffff, 0x80000000, 0xCC000000, 0xCC000005, 0xCC0000FF, 0xDEADBEEF,
                               0xF0100002, 0xFFFF0012, 0xFFFFFFFE, 0xFFFFFFFF, 1000};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        if (is_enumerator(probes[i]))
            continue; /* became a real code: not a probe any more */
        const char *s = cc_enclave_res2_str((cc_enclave_result_t)probes[i]);
        assert_non_null(s);
        assert_string_equal(s, UNKNOWN);
    }
}

static void test_secgear_values(void **state)
{
    (void)state;
    /* fixed values (openEuler secGear inc/host_inc/status.h) */
    assert_int_equal(CC_SUCCESS, 0);
    assert_int_equal(CC_ERROR_GENERIC, 0xFFFF0000u);
    assert_int_equal(CC_ERROR_BAD_PARAMETERS, 0xFFFF0006u);
    assert_int_equal(CC_FAIL, 0xFFFF5002u);
    assert_int_equal(CC_ERROR_OUT_OF_MEMORY, 0xFFFF000Cu);
    assert_int_equal(CC_ERROR_ACCESS_DENIED, 0xFFFF0001u);
    assert_int_equal(CC_ERROR_SHORT_BUFFER, 0xFFFF0010u);
    assert_int_equal(CC_ERROR_TIMEOUT, 0xFFFF3001u);
    assert_int_equal(CC_ERROR_OVERFLOW, 0xFFFF300Fu);
    assert_int_equal(CC_ERROR_ENCLAVE_DEAD, 0xFFFF3024u);
    assert_int_equal(CC_ERROR_TIME_NEEDS_RESET, 0xFFFF5001u);
    assert_int_equal(CC_ERROR_TIMER, 0xFFFF6000u);
    assert_int_equal(CC_ERROR_TIMER_NOT_FOUND, 0xFFFF6003u);
    assert_int_equal(CC_ERROR_TUI_BASE, 0xFFFF7110u);
    assert_int_equal(CC_ERROR_ARTSRV_NOT_AVAILABLE, 0xFFFF7115u);
    assert_int_equal(CC_ERROR_AUDIT_FAIL, 0xFFFF9112u);
    assert_int_equal(CC_ERROR_NO_FIND_UNREGFUNC, 0xFFFF9116u);
    assert_int_equal(CC_ERROR_OTRP_BASE, 0x80000100u);
    assert_int_equal(CC_ERROR_MSG_QUEUE_OVERFLOW, 0x8000100Bu);
    assert_int_equal(CC_ERROR_FILE_CLOSE_FAILED, 0x8000100Eu);
    assert_int_equal(CC_ERROR_CORRUPT_OBJECT, 0xF0100001u);
    assert_int_equal(CC_ISOCKET_ERROR_PROTOCOL, 0xF1007001u);
    /* the implicit values at the start of the enum */
    assert_int_equal(CC_ERROR_INVALID_CMD, 1);
    assert_int_equal(CC_ERROR_ENCLAVE_LOST, 3);
    assert_int_equal(CC_ERROR_INVALID_ENCLAVE, 13);
    assert_int_equal(CC_ERROR_INVALID_PATH, 14);
    assert_int_equal(CC_ERROR_INVALID_TYPE, 15);
    assert_int_equal(CC_ERROR_OUT_OF_TCS, 16);
    assert_int_equal(CC_ERROR_UNSUPPORTED_CONFIG, 41);
    assert_int_equal(CC_ERROR_PLATFORM_CERT_UNAVAILABLE, 51);
    /* attestation and the secure channel follow, in secGear's order
     * (sdk/inc/host_inc/status.h) */
    assert_int_equal(CC_ERROR_RA_PRE_ENV_INVALID_SCENARIO, 52);
    assert_int_equal(CC_ERROR_RA_MEMORY, 53);
    assert_int_equal(CC_ERROR_RA_REPORT_VERIFY_NONCE, 56);
    assert_int_equal(CC_ERROR_RA_REPORT_VERIFY_SIGNATURE, 57);
    assert_int_equal(CC_ERROR_RA_REPORT_VERIFY_HASH, 58);
    assert_int_equal(CC_ERROR_LOCAL_REPORT_HASH_MISMATCH, 63);
    assert_int_equal(CC_ERROR_SEC_CHL_INVALID_CONN, 64);
    assert_int_equal(CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH, 65);
    assert_int_equal(CC_ERROR_SEC_CHL_SEND_MSG, 69);
    assert_int_equal(CC_ERROR_DRIVE_SESSIONKEY, 78);
    assert_int_equal(CC_ERROR_SEC_CHL_ENCRYPT, 82);
    assert_int_equal(CC_ERROR_SEC_CHL_DECRYPT, 83);
    assert_int_equal(CC_ERROR_SEC_CHL_NOTREADY, 86);
    assert_int_equal(CC_ERROR_SEC_CHL_GET_RA_REPORT, 89);
    assert_int_equal(CC_ERROR_SEC_CHL_INVALID_SESSION, 93);
    assert_int_equal(CC_ERROR_SEC_CHL_INIT_SESSEION, 94);
    /* the enclave-feature block: switchless calls and shared memory */
    assert_int_equal(CC_ERROR_FEATURE_FUNC_NOT_EXIST, 0xFFFF9200u);
    assert_int_equal(CC_ERROR_SWITCHLESS_DISABLED, 0xFFFF9220u);
    assert_int_equal(CC_ERROR_SWITCHLESS_TASK_POOL_FULL, 0xFFFF9221u);
    assert_int_equal(CC_ERROR_SWITCHLESS_INVALID_FUNCTION_ID, 0xFFFF9223u);
    assert_int_equal(CC_ERROR_SWITCHLESS_REINIT, 0xFFFF9225u);
    assert_int_equal(CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER, 0xFFFF9227u);
    assert_int_equal(CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID, 0xFFFF9228u);
    assert_int_equal(CC_ERROR_SHARED_MEMORY_NOT_REGISTERED, 0xFFFF9229u);
    assert_int_equal(CC_ERROR_ADDRESS_UNACCESSABLE, 0xFFFF922Au);
    assert_int_equal(CC_ERROR_SWITCHLESS_INVALID_TASK_ID, 0xFFFF922Bu);
    assert_int_equal(CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED, 0xFFFF922Cu);
    assert_int_equal(CC_ERROR_SWITCHLESS_ROLLBACK2COMMON, 0xFFFF922Du);
    /* cgear's own codes */
    assert_int_equal(CC_ERROR_ENGINE_UNAVAILABLE, 0xCC000001u);
    assert_int_equal(CC_ERROR_PROTOCOL, 0xCC000002u);
    assert_int_equal(CC_ERROR_ENCLAVE_CRASHED, 0xCC000003u);
    assert_int_equal(CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL, 0xCC000004u);
    assert_int_equal(CC_ERROR_SEC_CHL_REPLAY, 0xCC000101u);
    assert_int_equal(CC_ERROR_SEC_CHL_CLOSED, 0xCC000105u);
    assert_int_equal(CC_ERROR_SEC_CHL_MAX_SESSIONS, 0xCC000115u);
    assert_int_equal(CC_ERROR_RA_REPORT_VERIFY_STALE, 0xCC000208u);
    /* the enum is 32-bit, like secGear's */
    assert_int_equal(sizeof(cc_enclave_result_t), 4);
}

/* The Python secure-channel client keeps its own table of the codes it
 * reports (CODES in cgear_sc_client.py): each must be the value status.h
 * gives CC_ERROR_SEC_CHL_<name>. */
static void test_python_client_codes(void **state)
{
    (void)state;
    char *text = slurp(CG_SC_PY_PATH);
    assert_non_null(text);
    const char *p = strstr(text, "CODES = {");
    assert_non_null(p);
    const char *end = strchr(p, '}');
    assert_non_null(end);
    int checked = 0;
    while ((p = strchr(p, '"')) != NULL && p < end) {
        char name[64];
        unsigned long long value;
        int n = 0;
        if (sscanf(p, "\"%63[A-Z_0-9]\": %lli%n", name, &value, &n) != 2 || n == 0)
            fail_msg("cannot read the CODES entry at: %.40s", p);
        char full[96];
        snprintf(full, sizeof full, "CC_ERROR_SEC_CHL_%s", name);
        const struct entry *e = find(full);
        if (e == NULL)
            fail_msg("the Python client names %s, which status.h does not have", full);
        if (e->value != value)
            fail_msg("the Python client says %s = %#llx, status.h %#llx", full, value,
                     (unsigned long long)e->value);
        checked++;
        p += n;
    }
    assert_true(checked >= 8);
    free(text);
}

static void test_cgear_strings(void **state)
{
    (void)state;
    /* the codes cgear returns itself say something specific */
    const cc_enclave_result_t mine[] = {CC_SUCCESS,
                                        CC_ERROR_ENCLAVE_LOST,
                                        CC_ERROR_INVALID_ENCLAVE,
                                        CC_ERROR_INVALID_PATH,
                                        CC_ERROR_ENGINE_UNAVAILABLE,
                                        CC_ERROR_PROTOCOL,
                                        CC_ERROR_ENCLAVE_CRASHED,
                                        CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL,
                                        CC_ERROR_SEC_CHL_REPLAY,
                                        CC_ERROR_SEC_CHL_SEQUENCE,
                                        CC_ERROR_SEC_CHL_MALFORMED,
                                        CC_ERROR_SEC_CHL_EXPIRED,
                                        CC_ERROR_SEC_CHL_CLOSED};
    for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
        const char *s = cc_enclave_res2_str(mine[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 3);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, cc_enclave_res2_str(mine[j]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_agrees_with_compiler),
        cmocka_unit_test(test_every_enumerator_has_a_string),
        cmocka_unit_test(test_names_and_values_unique),
        cmocka_unit_test(test_unknown_values),
        cmocka_unit_test(test_secgear_values),
        cmocka_unit_test(test_python_client_codes),
        cmocka_unit_test(test_cgear_strings),
    };
    return cmocka_run_group_tests_name("status", tests, setup, NULL);
}
