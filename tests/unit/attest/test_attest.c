/*
 * test_attest.c - attestation reports (src/attest): encoding pinned to the
 * COSE bytes, round trip of every field, and one distinct error code per
 * failure: forged (bit flips over the whole report), truncated, replayed
 * (wrong nonce), re-signed by another platform, debug under a production
 * policy, stale or future timestamp, wrong measurement / signer / ELF hash,
 * missing base value, low security version, bad base-value files.
 *
 * With an argument DIR, writes a sample report, its nonce and the platform
 * certificate there instead (for the independent verifier's test).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest.h"

static char g_tmp[256];
static struct cg_platform *g_plat;  /* the trusted platform ($CGEAR_PLATFORM_DIR) */
static struct cg_platform *g_other; /* another machine's platform */

static const uint8_t k_nonce[] = "verifier-nonce-0123456789";
static const uint8_t k_user[] = {1, 2, 3, 4, 5};
static const uint8_t k_pub[] = {0x30, 0x59, 0x30, 0x13};

static void fill(struct cg_report *f)
{
    memset(f, 0, sizeof(*f));
    strcpy(f->module_id, "helloworld");
    strcpy(f->engine, "kvm");
    f->timestamp_ms = cg_now_ms();
    for (int i = 0; i < 48; i++) {
        f->measurement[i] = (uint8_t)(0x10 + i);
        f->runtime[i] = 0;
        f->elf_hash[i] = (uint8_t)(0x80 + i);
        f->signer[i] = (uint8_t)(0xc0 ^ i);
    }
    f->debug = false;
    f->security_version = 7;
    f->nonce = k_nonce;
    f->nonce_len = sizeof(k_nonce);
    f->user_data = k_user;
    f->user_data_len = sizeof(k_user);
    f->public_key = k_pub;
    f->public_key_len = sizeof(k_pub);
}

static void build(const struct cg_report *f, struct cg_platform *p, uint8_t **out, size_t *len)
{
    char why[256] = "";
    cc_enclave_result_t rc = cg_report_build_platform(f, p, out, len, why, sizeof(why));
    if (rc != CC_SUCCESS)
        fail_msg("build: %s", why);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* A policy file in the temporary folder; returns its path (static buffer). */
static const char *policy_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", g_tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The production policy for fill()'s enclave. */
static const char *good_policy(void)
{
    struct cg_report f;
    fill(&f);
    char m[97], s[97], text[1024];
    hex(f.measurement, 48, m);
    hex(f.signer, 48, s);
    snprintf(text, sizeof(text),
             "# production policy\nmodule_id = helloworld\nmeasurement = %s\nsigner = %s\n"
             "min_security_version = 7\n",
             m, s);
    return policy_file("good.policy", text);
}

static cc_enclave_result_t verify(const uint8_t *buf, size_t len, const uint8_t *nonce, size_t nonce_len,
                                  const char *policy, cc_ra_verify_type_t type)
{
    cc_ra_buf_t r = {(uint32_t)len, (uint8_t *)buf}, n = {(uint32_t)nonce_len, (uint8_t *)nonce};
    return cc_verify_report(&r, &n, type, (char *)policy);
}

static cc_enclave_result_t verify_good(const uint8_t *buf, size_t len)
{
    return verify(buf, len, k_nonce, sizeof(k_nonce), good_policy(), CC_RA_VERIFY_TYPE_LOOSE);
}

/* The COSE framing, byte for byte as docs/attestation.md states it. */
static void test_encoding_pinned(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    static const uint8_t head[] = {0x84, 0x44, 0xa1, 0x01, 0x38, 0x22, 0xa0, 0x59};
    assert_true(len > sizeof(head) + 2 + 2 + 96);
    assert_memory_equal(buf, head, sizeof(head));
    size_t plen = (size_t)buf[8] << 8 | buf[9];
    assert_int_equal(len, 10 + plen + 2 + 96);
    assert_int_equal(buf[10], 0xac); /* payload: map of 12 */
    assert_int_equal(buf[10 + plen], 0x58);
    assert_int_equal(buf[11 + plen], 0x60);
    struct cg_report r;
    assert_int_equal(cg_report_parse(buf, len, &r, NULL, 0), CC_SUCCESS);
    assert_ptr_equal(r.payload, buf + 10);
    assert_ptr_equal(r.signature, buf + 12 + plen);
    free(buf);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct cg_report f, r;
    fill(&f);
    uint8_t *buf, *der;
    size_t len, der_len;
    build(&f, g_plat, &buf, &len);
    char why[256] = "";
    assert_int_equal(cg_report_parse(buf, len, &r, why, sizeof(why)), CC_SUCCESS);
    assert_string_equal(r.module_id, "helloworld");
    assert_string_equal(r.engine, "kvm");
    assert_int_equal(r.timestamp_ms, f.timestamp_ms);
    assert_memory_equal(r.measurement, f.measurement, 48);
    assert_memory_equal(r.runtime, f.runtime, 48);
    assert_memory_equal(r.elf_hash, f.elf_hash, 48);
    assert_memory_equal(r.signer, f.signer, 48);
    assert_false(r.debug);
    assert_int_equal(r.security_version, 7);
    assert_int_equal(r.nonce_len, sizeof(k_nonce));
    assert_memory_equal(r.nonce, k_nonce, sizeof(k_nonce));
    assert_int_equal(r.user_data_len, sizeof(k_user));
    assert_memory_equal(r.user_data, k_user, sizeof(k_user));
    assert_int_equal(r.public_key_len, sizeof(k_pub));
    assert_memory_equal(r.public_key, k_pub, sizeof(k_pub));
    assert_int_equal(cg_platform_cert_der(g_plat, &der, &der_len), CC_SUCCESS);
    assert_int_equal(r.certificate_len, der_len);
    assert_memory_equal(r.certificate, der, der_len);
    assert_int_equal(r.cabundle_count, 0);
    assert_int_equal(cg_report_check_signature(&r, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(verify_good(buf, len), CC_SUCCESS);
    free(der);
    free(buf);

    /* null versus empty optional fields survive the trip. */
    fill(&f);
    f.nonce = NULL;
    f.nonce_len = 0;
    f.user_data = k_user;
    f.user_data_len = 0;
    f.public_key = NULL;
    f.public_key_len = 0;
    f.timestamp_ms = UINT64_MAX; /* widest integer */
    f.security_version = UINT32_MAX;
    build(&f, g_plat, &buf, &len);
    assert_int_equal(cg_report_parse(buf, len, &r, why, sizeof(why)), CC_SUCCESS);
    assert_null(r.nonce);
    assert_non_null(r.user_data);
    assert_int_equal(r.user_data_len, 0);
    assert_null(r.public_key);
    assert_int_equal(r.timestamp_ms, UINT64_MAX);
    assert_int_equal(r.security_version, UINT32_MAX);
    free(buf);
}

/* Only the untagged COSE_Sign1 is accepted (docs/attestation.md): with
 * tag 18 in either spelling, or any other tag, the report is malformed. */
static void test_tagged_refused(void **state)
{
    (void)state;
    struct cg_report f, r;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    uint8_t *t = malloc(len + 2);
    assert_non_null(t);
    t[0] = 0xd2;
    memcpy(t + 1, buf, len);
    assert_int_equal(cg_report_parse(t, len + 1, &r, NULL, 0), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    t[0] = 0xd8;
    t[1] = 0x12;
    memcpy(t + 2, buf, len);
    assert_int_equal(cg_report_parse(t, len + 2, &r, NULL, 0), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    assert_int_equal(verify_good(t, len + 2), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    free(t);
    free(buf);
}

/* Any single bit flipped anywhere: never accepted; either the structure
 * breaks (FAILED) or the signature does (SIGNATURE). */
static void test_forged_bit_flips(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    struct cg_attest_policy pol;
    char why[256];
    assert_int_equal(cg_policy_load(good_policy(), &pol, why, sizeof(why)), CC_SUCCESS);
    uint64_t now = cg_now_ms();
    size_t failed = 0, badsig = 0;
    for (size_t i = 0; i < len; i++) {
        /* Every bit of the framing and the first bytes, one bit elsewhere. */
        int bits = i < 64 ? 8 : 1;
        for (int b = 0; b < bits; b++) {
            int bit = bits == 8 ? b : (int)(i % 8);
            buf[i] ^= (uint8_t)(1u << bit);
            cc_enclave_result_t rc = cg_attest_verify(buf, len, k_nonce, sizeof(k_nonce), CC_RA_VERIFY_TYPE_LOOSE,
                                                      &pol, now, NULL, why, sizeof(why));
            buf[i] ^= (uint8_t)(1u << bit);
            if (rc == CC_ERROR_RA_REPORT_VERIFY_FAILED)
                failed++;
            else if (rc == CC_ERROR_RA_REPORT_VERIFY_SIGNATURE)
                badsig++;
            else
                fail_msg("flip of bit %d of byte %zu gave 0x%x (%s)", bit, i, (unsigned)rc, why);
        }
    }
    assert_true(failed > 0 && badsig > 0);
    assert_int_equal(verify_good(buf, len), CC_SUCCESS); /* restored */
    free(buf);
}

static void test_truncated_and_trailing(void **state)
{
    (void)state;
    struct cg_report f, r;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    for (size_t n = 0; n < len; n++)
        assert_int_equal(cg_report_parse(buf, n, &r, NULL, 0), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    assert_int_equal(verify_good(buf, len - 1), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    assert_int_equal(verify_good(buf, 1), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, buf, len);
    longer[len] = 0;
    assert_int_equal(verify_good(longer, len + 1), CC_ERROR_RA_REPORT_VERIFY_FAILED);
    free(longer);
    free(buf);
}

static void test_wrong_nonce_replay(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    uint8_t other[sizeof(k_nonce)];
    memcpy(other, k_nonce, sizeof(other));
    other[0] ^= 1;
    const char *pol = good_policy();
    assert_int_equal(verify(buf, len, other, sizeof(other), pol, CC_RA_VERIFY_TYPE_LOOSE),
                     CC_ERROR_RA_REPORT_VERIFY_NONCE);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce) - 1, pol, CC_RA_VERIFY_TYPE_LOOSE),
                     CC_ERROR_RA_REPORT_VERIFY_NONCE);
    /* A report made without a nonce never satisfies a verifier's nonce. */
    f.nonce = NULL;
    f.nonce_len = 0;
    free(buf);
    build(&f, g_plat, &buf, &len);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), pol, CC_RA_VERIFY_TYPE_LOOSE),
                     CC_ERROR_RA_REPORT_VERIFY_NONCE);
    free(buf);
}

/* Signed by another platform's key (with its own, valid, self-signed
 * certificate): the signature holds, the chain does not. And the other key
 * with our certificate: the signature fails. */
static void test_resigned_by_other_key(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_other, &buf, &len);
    assert_int_equal(verify_good(buf, len), CC_ERROR_RA_REPORT_VERIFY_CERT);
    free(buf);

    uint8_t *der;
    size_t der_len;
    assert_int_equal(cg_platform_cert_der(g_plat, &der, &der_len), CC_SUCCESS);
    f.certificate = der;
    f.certificate_len = der_len;
    assert_int_equal(cg_report_build(&f, cg_platform_key(g_other), &buf, &len, NULL, 0), CC_SUCCESS);
    assert_int_equal(verify_good(buf, len), CC_ERROR_RA_REPORT_VERIFY_SIGNATURE);
    free(buf);
    free(der);

    /* Trusting the other platform explicitly (exported certificate) accepts it. */
    char path[512], text[2048];
    snprintf(path, sizeof(path), "%s/other.pem", g_tmp);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_X509(fp, cg_platform_cert(g_other)), 1);
    fclose(fp);
    fill(&f);
    build(&f, g_other, &buf, &len);
    char m[97];
    hex(f.measurement, 48, m);
    snprintf(text, sizeof(text), "measurement = %s\nplatform_cert = other.pem\n", m);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), policy_file("other.policy", text),
                            CC_RA_VERIFY_TYPE_LOOSE),
                     CC_SUCCESS);
    free(buf);
}

static void test_debug_vs_production(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    f.debug = true;
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    assert_int_equal(verify_good(buf, len), CC_ERROR_RA_REPORT_VERIFY_DEBUG);
    char m[97], text[1024];
    hex(f.measurement, 48, m);
    snprintf(text, sizeof(text), "measurement = %s\ndebug = allowed\n", m);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), policy_file("debug.policy", text),
                            CC_RA_VERIFY_TYPE_LOOSE),
                     CC_SUCCESS);
    /* secGear base values are production-only. */
    char e[97];
    hex(f.elf_hash, 48, e);
    snprintf(text, sizeof(text), "helloworld %s %s\n", m, e);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), policy_file("debug.base", text),
                            CC_RA_VERIFY_TYPE_LOOSE),
                     CC_ERROR_RA_REPORT_VERIFY_DEBUG);
    free(buf);
}

static void test_stale_and_future(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    f.timestamp_ms = 1000; /* 1970 */
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    assert_int_equal(verify_good(buf, len), CC_ERROR_RA_REPORT_VERIFY_STALE);
    char m[97], text[1024];
    hex(f.measurement, 48, m);
    snprintf(text, sizeof(text), "measurement = %s\nmax_age = 0\n", m);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), policy_file("noage.policy", text),
                            CC_RA_VERIFY_TYPE_LOOSE),
                     CC_SUCCESS);
    free(buf);
    fill(&f);
    f.timestamp_ms = cg_now_ms() + 3600u * 1000u;
    build(&f, g_plat, &buf, &len);
    assert_int_equal(verify_good(buf, len), CC_ERROR_RA_REPORT_VERIFY_STALE);
    free(buf);
    /* With a fixed clock the boundary is exact. */
    fill(&f);
    f.timestamp_ms = 1000000;
    build(&f, g_plat, &buf, &len);
    struct cg_attest_policy pol;
    assert_int_equal(cg_policy_load(good_policy(), &pol, NULL, 0), CC_SUCCESS);
    uint64_t edge = 1000000 + pol.max_age_s * 1000;
    assert_int_equal(cg_attest_verify(buf, len, k_nonce, sizeof(k_nonce), CC_RA_VERIFY_TYPE_LOOSE, &pol, edge, NULL,
                                      NULL, 0),
                     CC_SUCCESS);
    assert_int_equal(cg_attest_verify(buf, len, k_nonce, sizeof(k_nonce), CC_RA_VERIFY_TYPE_LOOSE, &pol, edge + 1,
                                      NULL, NULL, 0),
                     CC_ERROR_RA_REPORT_VERIFY_STALE);
    free(buf);
}

static void test_identity(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    char m[97], s[97], e[97], bad[97], text[1024];
    hex(f.measurement, 48, m);
    hex(f.signer, 48, s);
    hex(f.elf_hash, 48, e);
    memcpy(bad, m, sizeof(bad));
    bad[0] = bad[0] == '0' ? '1' : '0';
#define V(name, body, type) verify(buf, len, k_nonce, sizeof(k_nonce), policy_file(name, body), type)
    snprintf(text, sizeof(text), "measurement = %s\n", bad);
    assert_int_equal(V("m.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_HASH);
    snprintf(text, sizeof(text), "measurement = %s\nmeasurement = %s\n", bad, m); /* any of them */
    assert_int_equal(V("m2.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_SUCCESS);
    snprintf(text, sizeof(text), "signer = %s\n", bad);
    assert_int_equal(V("s.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_HASH);
    snprintf(text, sizeof(text), "signer = %s\n", s);
    assert_int_equal(V("s2.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_SUCCESS);
    snprintf(text, sizeof(text), "signer = %s\nelf_hash = %s\n", s, bad);
    assert_int_equal(V("e.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_HASH);
    snprintf(text, sizeof(text), "signer = %s\nruntime = %s\n", s, bad);
    assert_int_equal(V("r.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_HASH);
    snprintf(text, sizeof(text), "signer = %s\nmin_security_version = 8\n", s);
    assert_int_equal(V("v.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_BASEVALUE);
    snprintf(text, sizeof(text), "signer = %s\nmodule_id = another\n", s);
    assert_int_equal(V("n.policy", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_BASEVALUE);

    /* secGear lines: LOOSE ignores mem_hash, STRICT compares it with PCR 2. */
    snprintf(text, sizeof(text), "# taid img_hash mem_hash\nhelloworld %s %s\n", m, bad);
    assert_int_equal(V("sg.base", text, CC_RA_VERIFY_TYPE_LOOSE), CC_SUCCESS);
    assert_int_equal(V("sg.base", text, CC_RA_VERIFY_TYPE_STRICT), CC_ERROR_RA_REPORT_VERIFY_HASH);
    snprintf(text, sizeof(text), "helloworld %s %s\n", m, e);
    assert_int_equal(V("sg2.base", text, CC_RA_VERIFY_TYPE_STRICT), CC_SUCCESS);
    snprintf(text, sizeof(text), "* %s %s\n", m, e);
    assert_int_equal(V("sg3.base", text, CC_RA_VERIFY_TYPE_STRICT), CC_SUCCESS);
    snprintf(text, sizeof(text), "helloworld %s %s\n", bad, e);
    assert_int_equal(V("sg4.base", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_HASH);
    snprintf(text, sizeof(text), "otherenclave %s %s\n", m, e);
    assert_int_equal(V("sg5.base", text, CC_RA_VERIFY_TYPE_LOOSE), CC_ERROR_RA_REPORT_VERIFY_BASEVALUE);
#undef V
    free(buf);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    build(&f, g_plat, &buf, &len);
    cc_ra_buf_t r = {(uint32_t)len, buf}, n = {sizeof(k_nonce), (uint8_t *)k_nonce}, empty = {0, NULL};
    const char *pol = good_policy();
    assert_int_equal(cc_verify_report(NULL, &n, CC_RA_VERIFY_TYPE_LOOSE, (char *)pol),
                     CC_ERROR_RA_REPORT_VERIFY_INPUT);
    assert_int_equal(cc_verify_report(&r, NULL, CC_RA_VERIFY_TYPE_LOOSE, (char *)pol),
                     CC_ERROR_RA_REPORT_VERIFY_INPUT);
    assert_int_equal(cc_verify_report(&r, &empty, CC_RA_VERIFY_TYPE_LOOSE, (char *)pol),
                     CC_ERROR_RA_REPORT_VERIFY_INPUT);
    assert_int_equal(cc_verify_report(&r, &n, CC_RA_VERIFY_TYPE_LOOSE, NULL), CC_ERROR_RA_REPORT_VERIFY_INPUT);
    assert_int_equal(cc_verify_report(&r, &n, CC_RA_VERIFY_TYPE_MAX, (char *)pol), CC_ERROR_RA_REPORT_VERIFY_INPUT);
    assert_int_equal(cc_verify_report(&r, &n, CC_RA_VERIFY_TYPE_LOOSE, (char *)"/nonexistent/policy"),
                     CC_ERROR_RA_REPORT_VERIFY_INPUT);

    static const char *const bad[] = {
        "",
        "# only a comment\n\n",
        "measurment = 00\n",
        "signer = 1234\n",
        "debug = maybe\nsigner = " "000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000\n",
        "module_id = x\n",                       /* pins nothing */
        "module_id = a\nmodule_id = a\n",        /* repeated */
        "max_age = -1\n",
        "helloworld 00 00\n",
        "helloworld\n",
        "bad/name " "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        " 000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\n",
    };
    struct cg_attest_policy p;
    char why[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(cg_policy_parse(bad[i], strlen(bad[i]), NULL, &p, why, sizeof(why)),
                         CC_ERROR_RA_REPORT_VERIFY_INPUT);
        assert_true(why[0] != '\0');
    }
    assert_int_equal(cg_policy_parse("measurment = 00\n", 16, NULL, &p, why, sizeof(why)),
                     CC_ERROR_RA_REPORT_VERIFY_INPUT);
    assert_non_null(strstr(why, "line 1"));

    /* The builder refuses what the parser would refuse. */
    fill(&f);
    strcpy(f.module_id, "bad name");
    assert_int_equal(cg_report_build_platform(&f, g_plat, &buf, &len, NULL, 0), CC_ERROR_BAD_PARAMETERS);
    fill(&f);
    f.nonce_len = CG_REPORT_NONCE_MAX + 1;
    assert_int_equal(cg_report_build_platform(&f, g_plat, &buf, &len, NULL, 0), CC_ERROR_BAD_PARAMETERS);
    free(r.buf);
}

/* A platform certificate issued by a CA: the report carries the CA in
 * cabundle and the verifier trusts only the CA. */
static void test_ca_chain(void **state)
{
    (void)state;
    EVP_PKEY *ca_key = EVP_EC_gen("P-384");
    assert_non_null(ca_key);
    X509 *ca = X509_new(), *leaf = X509_new();
    X509_NAME *can = X509_NAME_new(), *ln = X509_NAME_new();
    X509_NAME_add_entry_by_txt(can, "CN", MBSTRING_ASC, (const unsigned char *)"test CA", -1, -1, 0);
    X509_NAME_add_entry_by_txt(ln, "CN", MBSTRING_ASC, (const unsigned char *)"test platform", -1, -1, 0);
    X509V3_CTX ctx;
    X509_set_version(ca, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(ca), 1);
    X509_gmtime_adj(X509_getm_notBefore(ca), -60);
    X509_gmtime_adj(X509_getm_notAfter(ca), 3600);
    X509_set_subject_name(ca, can);
    X509_set_issuer_name(ca, can);
    X509_set_pubkey(ca, ca_key);
    X509V3_set_ctx(&ctx, ca, ca, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    X509_add_ext(ca, ext, -1);
    X509_EXTENSION_free(ext);
    assert_true(X509_sign(ca, ca_key, EVP_sha384()) > 0);
    X509_set_version(leaf, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(leaf), 2);
    X509_gmtime_adj(X509_getm_notBefore(leaf), -60);
    X509_gmtime_adj(X509_getm_notAfter(leaf), 3600);
    X509_set_subject_name(leaf, ln);
    X509_set_issuer_name(leaf, can);
    X509_set_pubkey(leaf, cg_platform_key(g_other));
    assert_true(X509_sign(leaf, ca_key, EVP_sha384()) > 0);

    uint8_t *ca_der = NULL, *leaf_der = NULL;
    int ca_len = i2d_X509(ca, &ca_der), leaf_len = i2d_X509(leaf, &leaf_der);
    assert_true(ca_len > 0 && leaf_len > 0);
    struct cg_report f;
    fill(&f);
    f.certificate = leaf_der;
    f.certificate_len = (size_t)leaf_len;
    f.cabundle_count = 1;
    f.cabundle[0] = ca_der;
    f.cabundle_len[0] = (size_t)ca_len;
    uint8_t *buf;
    size_t len;
    assert_int_equal(cg_report_build(&f, cg_platform_key(g_other), &buf, &len, NULL, 0), CC_SUCCESS);
    char path[512], text[1024], m[97];
    snprintf(path, sizeof(path), "%s/ca.pem", g_tmp);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    PEM_write_X509(fp, ca);
    fclose(fp);
    hex(f.measurement, 48, m);
    snprintf(text, sizeof(text), "measurement = %s\nplatform_cert = %s\n", m, path);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), policy_file("ca.policy", text),
                            CC_RA_VERIFY_TYPE_LOOSE),
                     CC_SUCCESS);
    /* Trusting only the local platform (no platform_cert), the CA-issued
     * certificate is not trusted. */
    snprintf(text, sizeof(text), "measurement = %s\n", m);
    assert_int_equal(verify(buf, len, k_nonce, sizeof(k_nonce), policy_file("local.policy", text),
                            CC_RA_VERIFY_TYPE_LOOSE),
                     CC_ERROR_RA_REPORT_VERIFY_CERT);
    free(buf);
    OPENSSL_free(ca_der);
    OPENSSL_free(leaf_der);
    X509_NAME_free(can);
    X509_NAME_free(ln);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
}

/* Sample files for tests/unit/attest/verify_report_test.sh. */
static int write_sample(const char *dir)
{
    struct cg_report f;
    fill(&f);
    uint8_t *buf;
    size_t len;
    char why[256], path[600];
    if (cg_report_build_platform(&f, g_plat, &buf, &len, why, sizeof(why)) != CC_SUCCESS)
        return 1;
    snprintf(path, sizeof(path), "%s/report.cbor", dir);
    FILE *fp = fopen(path, "wb");
    int ok = fp != NULL && fwrite(buf, 1, len, fp) == len;
    if (fp != NULL)
        fclose(fp);
    snprintf(path, sizeof(path), "%s/platform.pem", dir);
    fp = fopen(path, "w");
    ok = ok && fp != NULL && PEM_write_X509(fp, cg_platform_cert(g_plat)) == 1;
    if (fp != NULL)
        fclose(fp);
    snprintf(path, sizeof(path), "%s/expected.txt", dir);
    fp = fopen(path, "w");
    if (fp != NULL) {
        char h[97 * 3];
        hex(k_nonce, sizeof(k_nonce), h);
        fprintf(fp, "nonce %s\n", h);
        hex(f.measurement, 48, h);
        fprintf(fp, "measurement %s\n", h);
        fclose(fp);
    }
    free(buf);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    snprintf(g_tmp, sizeof(g_tmp), "%s/cgear-attest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(g_tmp) == NULL)
        return 1;
    char d1[400], d2[400], why[256] = "";
    snprintf(d1, sizeof(d1), "%s/platform", g_tmp);
    snprintf(d2, sizeof(d2), "%s/other-platform", g_tmp);
    setenv(CG_PLATFORM_ENV, d1, 1); /* the verifier's default trust */
    if (cg_platform_open(d1, true, &g_plat, NULL, why, sizeof(why)) != CC_SUCCESS ||
        cg_platform_open(d2, true, &g_other, NULL, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "platform: %s\n", why);
        return 1;
    }
    int rc;
    if (argc > 1) {
        rc = write_sample(argv[1]);
    } else {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_encoding_pinned),   cmocka_unit_test(test_round_trip),
            cmocka_unit_test(test_tagged_refused),            cmocka_unit_test(test_forged_bit_flips),
            cmocka_unit_test(test_truncated_and_trailing), cmocka_unit_test(test_wrong_nonce_replay),
            cmocka_unit_test(test_resigned_by_other_key),  cmocka_unit_test(test_debug_vs_production),
            cmocka_unit_test(test_stale_and_future),  cmocka_unit_test(test_identity),
            cmocka_unit_test(test_bad_input),         cmocka_unit_test(test_ca_chain),
        };
        rc = cmocka_run_group_tests(tests, NULL, NULL);
    }
    cg_platform_close(g_plat);
    cg_platform_close(g_other);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmp);
    return rc;
}
