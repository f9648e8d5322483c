/*
 * test_platform.c - the platform keys (src/platform): creation and file
 * permissions, refusing unsafe or partial platforms, HKDF known answer,
 * determinism and separation of derived keys, ES384 signatures.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "enclave_keys.h"
#include "platform.h"
#include "sys_ocall.h"

static char g_tmp[256];

static void path_of(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", g_tmp, rel);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void read_all(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *len = fread(buf, 1, cap, f);
    fclose(f);
}

/* First use makes a complete platform with tight permissions, in nested
 * folders that did not exist; the second use loads the same one. */
static void test_create_and_reload(void **state)
{
    (void)state;
    char dir[512], file[600];
    path_of(dir, sizeof(dir), "a/b/platform");
    struct cg_platform *p = NULL;
    bool created = false;
    char why[256] = "";
    assert_int_equal(cg_platform_open(dir, true, &p, &created, why, sizeof(why)), CC_SUCCESS);
    assert_true(created);
    assert_string_equal(cg_platform_dir(p), dir);
    assert_int_equal(mode_of(dir), 0700);
    const char *names[] = {CG_PLATFORM_ROOT_FILE, CG_PLATFORM_KEY_FILE, CG_PLATFORM_CERT_FILE};
    for (int i = 0; i < 3; i++) {
        snprintf(file, sizeof(file), "%s/%s", dir, names[i]);
        assert_int_equal(mode_of(file), 0600);
    }
    uint8_t root[64];
    size_t root_len = 0;
    snprintf(file, sizeof(file), "%s/%s", dir, CG_PLATFORM_ROOT_FILE);
    read_all(file, root, sizeof(root), &root_len);
    assert_int_equal(root_len, CG_PLATFORM_ROOT_LEN);
    assert_true(cg_key_is_p384(cg_platform_key(p)));
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(cg_platform_cert(p)), cg_platform_key(p)), 1);

    uint8_t *der1 = NULL, *der2 = NULL;
    size_t l1 = 0, l2 = 0;
    uint8_t id[48], k1[32], k2[32];
    memset(id, 0x5a, sizeof(id));
    assert_int_equal(cg_platform_cert_der(p, &der1, &l1), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p, CG_SEAL_POLICY_MEASUREMENT, id, k1), CC_SUCCESS);
    cg_platform_close(p);

    assert_int_equal(cg_platform_open(dir, true, &p, &created, why, sizeof(why)), CC_SUCCESS);
    assert_false(created);
    assert_int_equal(cg_platform_cert_der(p, &der2, &l2), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p, CG_SEAL_POLICY_MEASUREMENT, id, k2), CC_SUCCESS);
    assert_int_equal(l1, l2);
    assert_memory_equal(der1, der2, l1);
    assert_memory_equal(k1, k2, sizeof(k1)); /* same platform, same enclave: same key */
    cg_platform_close(p);
    free(der1);
    free(der2);

    /* The certificate alone, as a verifier reads it. */
    X509 *x = NULL;
    assert_int_equal(cg_platform_read_cert(dir, &x, why, sizeof(why)), CC_SUCCESS);
    X509_free(x);
}

static void test_absent_not_created(void **state)
{
    (void)state;
    char dir[512], why[256] = "";
    path_of(dir, sizeof(dir), "nothing-here");
    struct cg_platform *p = NULL;
    assert_int_equal(cg_platform_open(dir, false, &p, NULL, why, sizeof(why)), CC_ERROR_INVALID_PATH);
    assert_null(p);
    assert_non_null(strstr(why, "cgear platform init"));
    struct stat st;
    assert_int_not_equal(stat(dir, &st), 0);
}

/* A secret others can read, or a folder others can write, is refused. */
static void test_permissions_enforced(void **state)
{
    (void)state;
    char dir[512], file[600], why[256] = "";
    path_of(dir, sizeof(dir), "perm");
    struct cg_platform *p = NULL;
    assert_int_equal(cg_platform_open(dir, true, &p, NULL, why, sizeof(why)), CC_SUCCESS);
    cg_platform_close(p);

    snprintf(file, sizeof(file), "%s/%s", dir, CG_PLATFORM_KEY_FILE);
    assert_int_equal(chmod(file, 0644), 0);
    assert_int_equal(cg_platform_open(dir, false, &p, NULL, why, sizeof(why)), CC_ERROR_ACCESS_DENIED);
    assert_non_null(strstr(why, "chmod 600"));
    assert_int_equal(chmod(file, 0600), 0);

    snprintf(file, sizeof(file), "%s/%s", dir, CG_PLATFORM_ROOT_FILE);
    assert_int_equal(chmod(file, 0640), 0);
    assert_int_equal(cg_platform_open(dir, false, &p, NULL, why, sizeof(why)), CC_ERROR_ACCESS_DENIED);
    assert_int_equal(chmod(file, 0600), 0);

    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(cg_platform_open(dir, false, &p, NULL, why, sizeof(why)), CC_ERROR_ACCESS_DENIED);
    assert_int_equal(chmod(dir, 0700), 0);

    assert_int_equal(cg_platform_open(dir, false, &p, NULL, why, sizeof(why)), CC_SUCCESS);
    cg_platform_close(p);
}

/* A partial platform is never silently regenerated (sealed data would be
 * lost); a malformed root secret is refused. */
static void test_partial_and_malformed(void **state)
{
    (void)state;
    char dir[512], file[600], why[256] = "";
    path_of(dir, sizeof(dir), "partial");
    struct cg_platform *p = NULL;
    assert_int_equal(cg_platform_open(dir, true, &p, NULL, why, sizeof(why)), CC_SUCCESS);
    cg_platform_close(p);
    uint8_t before[64], after[64];
    size_t lb, la;
    snprintf(file, sizeof(file), "%s/%s", dir, CG_PLATFORM_ROOT_FILE);
    read_all(file, before, sizeof(before), &lb);

    char cert[600];
    snprintf(cert, sizeof(cert), "%s/%s", dir, CG_PLATFORM_CERT_FILE);
    assert_int_equal(unlink(cert), 0);
    assert_int_equal(cg_platform_open(dir, true, &p, NULL, why, sizeof(why)), CC_ERROR_BAD_FORMAT);
    assert_non_null(strstr(why, "incomplete"));
    read_all(file, after, sizeof(after), &la);
    assert_int_equal(la, lb);
    assert_memory_equal(before, after, lb);

    /* A fresh platform whose root secret is then cut short. */
    path_of(dir, sizeof(dir), "short");
    assert_int_equal(cg_platform_open(dir, true, &p, NULL, why, sizeof(why)), CC_SUCCESS);
    cg_platform_close(p);
    snprintf(file, sizeof(file), "%s/%s", dir, CG_PLATFORM_ROOT_FILE);
    assert_int_equal(truncate(file, 31), 0);
    assert_int_equal(cg_platform_open(dir, false, &p, NULL, why, sizeof(why)), CC_ERROR_BAD_FORMAT);
}

static void test_default_dir(void **state)
{
    (void)state;
    char d[512], why[256];
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv(CG_PLATFORM_ENV, "/var/lib/cgear/platform", 1);
    assert_int_equal(cg_platform_default_dir(d, sizeof(d), why, sizeof(why)), CC_SUCCESS);
    assert_string_equal(d, "/var/lib/cgear/platform");
    unsetenv(CG_PLATFORM_ENV);
    setenv("XDG_DATA_HOME", "/xdg/data", 1);
    assert_int_equal(cg_platform_default_dir(d, sizeof(d), why, sizeof(why)), CC_SUCCESS);
    assert_string_equal(d, "/xdg/data/cgear/platform");
    setenv("XDG_DATA_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(cg_platform_default_dir(d, sizeof(d), why, sizeof(why)), CC_SUCCESS);
    assert_string_equal(d, "/home/someone/.local/share/cgear/platform");
    unsetenv("XDG_DATA_HOME");
    if (saved_home != NULL)
        setenv("HOME", saved_home, 1);
    free(saved_home);
}

/* Known answer, computed from RFC 5869 with Python's hmac module. */
static void test_hkdf_known_answer(void **state)
{
    (void)state;
    uint8_t ikm[32], info[49], out[32];
    for (int i = 0; i < 32; i++)
        ikm[i] = (uint8_t)(i + 1);
    info[0] = 1;
    memset(info + 1, 0xaa, 48);
    static const uint8_t want[32] = {0x86, 0x49, 0x54, 0xd2, 0x9e, 0xc4, 0x46, 0x19, 0xf4, 0x07, 0xd6,
                                     0x5a, 0x7e, 0x9a, 0x5a, 0x0c, 0x5e, 0xc6, 0x0d, 0x1d, 0xed, 0xf6,
                                     0xbc, 0xcb, 0x53, 0x0f, 0x0a, 0xfd, 0x61, 0xec, 0xe9, 0xd0};
    assert_int_equal(cg_hkdf_sha256(ikm, 32, CG_PLATFORM_LABEL_SEAL, info, sizeof(info), out, 32), CC_SUCCESS);
    assert_memory_equal(out, want, 32);
    assert_int_equal(cg_hkdf_sha256(ikm, 32, "", info, sizeof(info), out, 32), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cg_hkdf_sha256(ikm, 32, "x", NULL, 3, out, 32), CC_ERROR_BAD_PARAMETERS);
}

/* Keys differ whenever anything they are bound to differs. */
static void test_derive_separation(void **state)
{
    (void)state;
    char d1[512], d2[512], why[256];
    path_of(d1, sizeof(d1), "sep1");
    path_of(d2, sizeof(d2), "sep2");
    struct cg_platform *p1 = NULL, *p2 = NULL;
    assert_int_equal(cg_platform_open(d1, true, &p1, NULL, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(cg_platform_open(d2, true, &p2, NULL, why, sizeof(why)), CC_SUCCESS);
    uint8_t a[48], b[48];
    memset(a, 1, sizeof(a));
    memcpy(b, a, sizeof(b));
    b[47] ^= 1;
    uint8_t k[8][32];
    assert_int_equal(cg_platform_seal_key(p1, CG_SEAL_POLICY_MEASUREMENT | CG_SEAL_KEY_DEBUG, a, k[6]), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p1, CG_SEAL_POLICY_SIGNER | CG_SEAL_KEY_DEBUG, a, k[7]), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p1, CG_SEAL_POLICY_MEASUREMENT, a, k[0]), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p1, CG_SEAL_POLICY_SIGNER, a, k[1]), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p1, CG_SEAL_POLICY_MEASUREMENT, b, k[2]), CC_SUCCESS);
    assert_int_equal(cg_platform_seal_key(p2, CG_SEAL_POLICY_MEASUREMENT, a, k[3]), CC_SUCCESS);
    uint8_t info[49];
    info[0] = CG_SEAL_POLICY_MEASUREMENT;
    memcpy(info + 1, a, 48);
    assert_int_equal(cg_platform_derive(p1, "cgear-other-v1", info, sizeof(info), k[4], 32), CC_SUCCESS);
    assert_int_equal(cg_platform_derive(p1, CG_PLATFORM_LABEL_SEAL, info, sizeof(info), k[5], 32), CC_SUCCESS);
    assert_memory_equal(k[5], k[0], 32); /* seal_key is exactly this derivation */
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++)
            if (i != 0 || j != 5)
                assert_memory_not_equal(k[i], k[j], 32);
    info[0] = CG_SEAL_POLICY_SIGNER | CG_SEAL_KEY_DEBUG; /* the debug flag is in the policy byte */
    assert_int_equal(cg_platform_derive(p1, CG_PLATFORM_LABEL_SEAL, info, sizeof(info), k[5], 32), CC_SUCCESS);
    assert_memory_equal(k[5], k[7], 32);
    assert_int_equal(cg_platform_seal_key(p1, 3, a, k[0]), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cg_platform_seal_key(p1, 3 | CG_SEAL_KEY_DEBUG, a, k[0]), CC_ERROR_BAD_PARAMETERS);
    cg_platform_close(p1);
    cg_platform_close(p2);
}

static void test_es384(void **state)
{
    (void)state;
    char d[512], why[256];
    path_of(d, sizeof(d), "sig");
    struct cg_platform *p = NULL;
    assert_int_equal(cg_platform_open(d, true, &p, NULL, why, sizeof(why)), CC_SUCCESS);
    static const uint8_t msg[] = "a message";
    uint8_t sig[CG_ES384_SIG_LEN];
    assert_int_equal(cg_platform_sign(p, msg, sizeof(msg), sig), CC_SUCCESS);
    assert_int_equal(cg_es384_verify(cg_platform_key(p), msg, sizeof(msg), sig), CC_SUCCESS);
    sig[50] ^= 0x10;
    assert_int_equal(cg_es384_verify(cg_platform_key(p), msg, sizeof(msg), sig), CC_ERROR_SIGNATURE_INVALID);
    sig[50] ^= 0x10;
    assert_int_equal(cg_es384_verify(cg_platform_key(p), msg, sizeof(msg) - 1, sig), CC_ERROR_SIGNATURE_INVALID);
    memset(sig, 0, sizeof(sig)); /* r = s = 0 is never valid */
    assert_int_equal(cg_es384_verify(cg_platform_key(p), msg, sizeof(msg), sig), CC_ERROR_SIGNATURE_INVALID);
    cg_platform_close(p);
}

/* A report request as the enclave runtime makes it (src/enclave/report.c
 * does the same with BearSSL): header, 3 bytes of nonce, 2 of user data,
 * 4 of public key, MAC under @key over all of it with the MAC zeroed. */
static size_t make_request(uint8_t *req, const uint8_t instance[16], const uint8_t key[32])
{
    struct cg_sys_report_req r;
    memset(&r, 0, sizeof(r));
    r.version = CG_SYS_REPORT_VERSION;
    r.nonce_len = 3;
    r.user_data_len = 2;
    r.public_key_len = 4;
    memcpy(r.instance, instance, 16);
    memcpy(req, &r, sizeof(r));
    memcpy(req + sizeof(r), "NNNUUKKKK", 9);
    size_t len = sizeof(r) + 9, mac_len = 0;
    uint8_t *mac = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, req, len, NULL, 0, &mac_len);
    assert_non_null(mac);
    assert_int_equal(mac_len, 32);
    memcpy(req + offsetof(struct cg_sys_report_req, mac), mac, 32);
    OPENSSL_free(mac);
    return len;
}

static void test_report_requests(void **state)
{
    (void)state;
    char d[512], why[256];
    path_of(d, sizeof(d), "reqs");
    struct cg_platform *p = NULL;
    assert_int_equal(cg_platform_open(d, true, &p, NULL, why, sizeof(why)), CC_SUCCESS);
    uint8_t m[48], m2[48];
    memset(m, 7, sizeof(m));
    memcpy(m2, m, sizeof(m2));
    m2[0] ^= 1;
    /* the key block carries a fresh instance and its report key */
    struct cg_enclave_keys k1, k2;
    assert_int_equal(cg_platform_key_block(p, m, NULL, 0, false, &k1), CC_SUCCESS);
    assert_int_equal(cg_platform_key_block(p, m, NULL, 0, false, &k2), CC_SUCCESS);
    assert_memory_not_equal(k1.instance, k2.instance, 16);
    assert_memory_not_equal(k1.report_key, k2.report_key, 32);
    uint8_t key[32];
    assert_int_equal(cg_platform_report_key(p, m, false, k1.instance, key), CC_SUCCESS);
    assert_memory_equal(key, k1.report_key, 32);
    assert_int_equal(cg_platform_report_key(p, m, true, k1.instance, key), CC_SUCCESS);
    assert_memory_not_equal(key, k1.report_key, 32); /* debug enclaves: another key */

    uint8_t req[128], bad[128];
    size_t len = make_request(req, k1.instance, k1.report_key);
    bool from = false;
    assert_int_equal(cg_report_request_check(p, m, false, req, len, &from, why, sizeof(why)), CC_SUCCESS);
    assert_true(from);
    /* another measurement, the debug flag, any changed byte: refused */
    assert_int_equal(cg_report_request_check(p, m2, false, req, len, &from, why, sizeof(why)), CC_ERROR_ACCESS_DENIED);
    assert_int_equal(cg_report_request_check(p, m, true, req, len, &from, why, sizeof(why)), CC_ERROR_ACCESS_DENIED);
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, req, len);
        bad[i] ^= 0x20;
        cc_enclave_result_t rc = cg_report_request_check(p, m, false, bad, len, &from, why, sizeof(why));
        if (rc == CC_SUCCESS && from)
            fail_msg("byte %zu changed, still accepted as the enclave's", i);
    }
    /* a truncated or extended request */
    assert_int_equal(cg_report_request_check(p, m, false, req, len - 1, &from, why, sizeof(why)),
                     CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cg_report_request_check(p, m, false, req, 10, &from, why, sizeof(why)), CC_ERROR_BAD_PARAMETERS);
    /* the host's own request: no instance, no MAC, accepted as the host's */
    memset(req + offsetof(struct cg_sys_report_req, instance), 0, 16 + 32);
    assert_int_equal(cg_report_request_check(p, m, false, req, len, &from, why, sizeof(why)), CC_SUCCESS);
    assert_false(from);
    /* lengths over their limits */
    struct cg_sys_report_req r;
    memcpy(&r, req, sizeof(r));
    r.nonce_len = 65;
    memcpy(req, &r, sizeof(r));
    assert_int_equal(cg_report_request_check(p, m, false, req, len, &from, why, sizeof(why)), CC_ERROR_BAD_PARAMETERS);
    cg_platform_close(p);
}

int main(void)
{
    snprintf(g_tmp, sizeof(g_tmp), "%s/cgear-platform-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(g_tmp) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reload), cmocka_unit_test(test_absent_not_created),
        cmocka_unit_test(test_permissions_enforced), cmocka_unit_test(test_partial_and_malformed),
        cmocka_unit_test(test_default_dir), cmocka_unit_test(test_hkdf_known_answer),
        cmocka_unit_test(test_derive_separation), cmocka_unit_test(test_es384),
        cmocka_unit_test(test_report_requests),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmp);
    return rc;
}
