/*
 * test_load.c - cc_enclave_create() verifies images before anything runs.
 * Usage: unit_image_load <signed enclave image> <the same enclave's ELF>
 *
 * Uses the real host runtime and a real enclave image built by
 * cgear_add_enclave(), tampered with or re-signed in a scratch folder.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "enclave.h"
#include "image.h"

static const char *g_image_path, *g_elf_path;
static uint8_t *g_image, *g_elf;
static size_t g_image_len, g_elf_len;
static char g_dir[64];

static const char *spill(const char *name, const uint8_t *p, size_t n)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return path;
}

static cc_enclave_result_t try_create(const char *path, uint32_t flags)
{
    cc_enclave_t ctx = {0};
    cc_enclave_result_t rc = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, flags, NULL, 0, &ctx);
    if (rc == CC_SUCCESS)
        assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    return rc;
}

static void test_signed_image_loads_with_its_identity(void **state)
{
    (void)state;
    struct cg_image p;
    assert_int_equal(cg_image_parse(g_image, g_image_len, &p, NULL, 0), CC_SUCCESS);
    cc_enclave_t ctx = {0};
    assert_int_equal(cc_enclave_create(g_image_path, AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &ctx), CC_SUCCESS);
    uint8_t meas[CGEAR_MEASUREMENT_SIZE], signer[CGEAR_SIGNER_SIZE];
    assert_int_equal(cgear_enclave_measurement(&ctx, meas, sizeof(meas)), CC_SUCCESS);
    assert_memory_equal(meas, p.measurement, sizeof(meas));
    assert_int_equal(cgear_enclave_signer(&ctx, signer, sizeof(signer)), CC_SUCCESS);
    assert_memory_equal(signer, p.signer, sizeof(signer));
    uint32_t svn = 99;
    assert_int_equal(cgear_enclave_security_version(&ctx, &svn), CC_SUCCESS);
    assert_int_equal(svn, p.manifest.security_version);
    assert_int_equal(cgear_enclave_measurement(&ctx, meas, 47), CC_ERROR_SHORT_BUFFER);
    assert_int_equal(cgear_enclave_signer(&ctx, NULL, 48), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    assert_int_equal(cgear_enclave_measurement(&ctx, meas, sizeof(meas)), CC_ERROR_INVALID_ENCLAVE_ID);
    assert_int_equal(cgear_enclave_signer(NULL, signer, sizeof(signer)), CC_ERROR_INVALID_ENCLAVE_ID);
}

/* Flip one byte at positions spread over the whole file (every byte of the
 * header, manifest and signature block, a stride through the ELF): the
 * loader must refuse every one, before starting anything. */
static void test_tampered_image_never_loads(void **state)
{
    (void)state;
    struct cg_image p;
    assert_int_equal(cg_image_parse(g_image, g_image_len, &p, NULL, 0), CC_SUCCESS);
    size_t elf_start = (size_t)(p.elf - g_image), elf_end = elf_start + p.elf_len;
    size_t stride = p.elf_len / 200 + 1;
    uint8_t *b = malloc(g_image_len);
    memcpy(b, g_image, g_image_len);
    unsigned tried = 0, structure = 0, signature = 0;
    for (size_t i = 0; i < g_image_len; i++) {
        if (i >= elf_start && i < elf_end && (i - elf_start) % stride != 0)
            continue;
        b[i] ^= 0x5a;
        const char *path = spill("tampered.img", b, g_image_len);
        cc_enclave_result_t rc = try_create(path, 0);
        if (rc == CC_ERROR_INVALID_ENCLAVE)
            structure++;
        else if (rc == CC_ERROR_SIGNATURE_INVALID)
            signature++;
        else
            fail_msg("byte %zu flipped: create returned 0x%x", i, (unsigned)rc);
        b[i] ^= 0x5a;
        tried++;
    }
    printf("tampered %u positions: %u refused as malformed, %u by the signature check\n", tried, structure,
           signature);
    assert_true(structure > 0 && signature > 0);
    free(b);
}

/* Re-signed by another key: still loads (the signature is valid), with the
 * same measurement and the other signer. */
static void test_other_signer_loads_and_reports_it(void **state)
{
    (void)state;
    struct cg_image p;
    assert_int_equal(cg_image_parse(g_image, g_image_len, &p, NULL, 0), CC_SUCCESS);
    EVP_PKEY *other = NULL;
    assert_int_equal(cg_key_generate(&other, NULL, 0), CC_SUCCESS);
    uint8_t *img = NULL, want[CG_IMAGE_HASH_LEN];
    size_t len;
    char why[256];
    assert_int_equal(cg_image_build(&p.manifest, p.elf, p.elf_len, other, &img, &len, why, sizeof(why)),
                     CC_SUCCESS);
    assert_int_equal(cg_key_signer_id(other, want), CC_SUCCESS);
    const char *path = spill("other.img", img, len);
    cc_enclave_t ctx = {0};
    assert_int_equal(cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &ctx), CC_SUCCESS);
    uint8_t meas[CGEAR_MEASUREMENT_SIZE], signer[CGEAR_SIGNER_SIZE];
    assert_int_equal(cgear_enclave_signer(&ctx, signer, sizeof(signer)), CC_SUCCESS);
    assert_memory_equal(signer, want, sizeof(want));
    assert_memory_not_equal(signer, p.signer, sizeof(signer));
    assert_int_equal(cgear_enclave_measurement(&ctx, meas, sizeof(meas)), CC_SUCCESS);
    assert_memory_equal(meas, p.measurement, sizeof(meas));
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    free(img);
    EVP_PKEY_free(other);
}

/* Unsigned images and plain ELFs run only in debug mode. */
static void test_unsigned_only_in_debug(void **state)
{
    (void)state;
    struct cg_image p;
    assert_int_equal(cg_image_parse(g_image, g_image_len, &p, NULL, 0), CC_SUCCESS);
    uint8_t *img = NULL;
    size_t len;
    assert_int_equal(cg_image_build(&p.manifest, p.elf, p.elf_len, NULL, &img, &len, NULL, 0), CC_SUCCESS);
    const char *path = spill("unsigned.img", img, len);
    assert_int_equal(try_create(path, 0), CC_ERROR_SIGNATURE_INVALID);
    cc_enclave_t ctx = {0};
    assert_int_equal(cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &ctx), CC_SUCCESS);
    uint8_t signer[CGEAR_SIGNER_SIZE], meas[CGEAR_MEASUREMENT_SIZE];
    assert_int_equal(cgear_enclave_signer(&ctx, signer, sizeof(signer)), CC_ERROR_ITEM_NOT_FOUND);
    assert_int_equal(cgear_enclave_measurement(&ctx, meas, sizeof(meas)), CC_SUCCESS);
    assert_memory_equal(meas, p.measurement, sizeof(meas)); /* the signature is not measured */
    assert_int_equal(cc_enclave_destroy(&ctx), CC_SUCCESS);
    free(img);

    assert_int_equal(try_create(g_elf_path, 0), CC_ERROR_SIGNATURE_INVALID);
    assert_int_equal(try_create(g_elf_path, SECGEAR_DEBUG_FLAG), CC_SUCCESS);
}

/* The manifest's debug and engines fields are enforced. */
static void test_manifest_policy_enforced(void **state)
{
    (void)state;
    struct cg_image p;
    assert_int_equal(cg_image_parse(g_image, g_image_len, &p, NULL, 0), CC_SUCCESS);
    EVP_PKEY *key = NULL;
    assert_int_equal(cg_key_generate(&key, NULL, 0), CC_SUCCESS);
    struct cg_image_manifest m = p.manifest;
    uint8_t *img = NULL;
    size_t len;

    m.debug = CG_IMAGE_DEBUG_DISABLED;
    assert_int_equal(cg_image_build(&m, p.elf, p.elf_len, key, &img, &len, NULL, 0), CC_SUCCESS);
    const char *path = spill("nodebug.img", img, len);
    assert_int_equal(try_create(path, SECGEAR_DEBUG_FLAG), CC_ERROR_NDEBUG_ENCLAVE);
    assert_int_equal(try_create(path, 0), CC_SUCCESS);
    free(img);

    m.debug = CG_IMAGE_DEBUG_ONLY;
    assert_int_equal(cg_image_build(&m, p.elf, p.elf_len, key, &img, &len, NULL, 0), CC_SUCCESS);
    path = spill("debugonly.img", img, len);
    assert_int_equal(try_create(path, 0), CC_ERROR_NDEBUG_ENCLAVE);
    assert_int_equal(try_create(path, SECGEAR_DEBUG_FLAG), CC_SUCCESS);
    free(img);

    /* kvm only, while the process engine is demanded */
    m.debug = CG_IMAGE_DEBUG_ALLOWED;
    m.engines = CG_IMAGE_ENGINE_KVM;
    assert_int_equal(cg_image_build(&m, p.elf, p.elf_len, key, &img, &len, NULL, 0), CC_SUCCESS);
    path = spill("kvmonly.img", img, len);
    cc_enclave_t ctx = {0};
    assert_int_equal(cc_enclave_create(path, PROCESS_ENCLAVE_TYPE, 0, 0, NULL, 0, &ctx),
                     CC_ERROR_ENGINE_UNAVAILABLE);
    free(img);
    EVP_PKEY_free(key);
}

/* Not a test of speed (no threshold): prints what verification costs, for
 * the record. */
static void test_report_verify_cost(void **state)
{
    (void)state;
    struct timespec a, b;
    const int n = 20;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        struct cg_image p;
        assert_int_equal(cg_image_parse(g_image, g_image_len, &p, NULL, 0), CC_SUCCESS);
        assert_int_equal(cg_image_verify(&p, NULL, 0), CC_SUCCESS);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / n;
    printf("parse+verify of %s (%zu bytes): %.3f ms\n", g_image_path, g_image_len, ms);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <signed image> <enclave ELF>\n", argv[0]);
        return 2;
    }
    g_image_path = argv[1];
    g_elf_path = argv[2];
    g_image = slurp(g_image_path, &g_image_len);
    g_elf = slurp(g_elf_path, &g_elf_len);
    if (g_image == NULL || g_elf == NULL) {
        fprintf(stderr, "cannot read the fixtures\n");
        return 2;
    }
    snprintf(g_dir, sizeof(g_dir), "/tmp/cgear-unit-load-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_image_loads_with_its_identity),
        cmocka_unit_test(test_tampered_image_never_loads),
        cmocka_unit_test(test_other_signer_loads_and_reports_it),
        cmocka_unit_test(test_unsigned_only_in_debug),
        cmocka_unit_test(test_manifest_policy_enforced),
        cmocka_unit_test(test_report_verify_cost),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    static const char *const files[] = {"tampered.img", "other.img", "unsigned.img", "nodebug.img",
                                        "debugonly.img", "kvmonly.img"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%s", g_dir, files[i]);
        unlink(path);
    }
    rmdir(g_dir);
    free(g_image);
    free(g_elf);
    return rc;
}
