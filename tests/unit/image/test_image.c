/*
 * test_image.c - the image format (src/image): manifest encoding, parsing,
 * measurement, signatures, keys and manifest files.
 * Usage: unit_image <static enclave ELF with a .cgear_manifest>
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"
#include <openssl/pem.h>

#include "image.h"
#include "text.h"

static uint8_t *g_elf;
static size_t g_elf_len;
static EVP_PKEY *g_key, *g_key2;

static struct cg_image_manifest sample_manifest(void)
{
    struct cg_image_manifest m;
    cg_manifest_defaults(&m);
    strcpy(m.name, "enclave");
    m.version = 7;
    m.security_version = 3;
    return m;
}

static uint8_t *build(const struct cg_image_manifest *m, EVP_PKEY *key, size_t *len)
{
    uint8_t *img = NULL;
    char why[256];
    cc_enclave_result_t rc = cg_image_build(m, g_elf, g_elf_len, key, &img, len, why, sizeof(why));
    if (rc != CC_SUCCESS)
        fail_msg("cg_image_build: %s", why);
    return img;
}

/* ---- manifest encoding ---- */

/* Pins the documented encoding (docs/image-format.md): the expected bytes
 * and digest were computed independently from the spec. */
static void test_manifest_and_measurement_known_answer(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    uint8_t buf[CG_IMAGE_MANIFEST_MAX];
    size_t n = 0;
    assert_int_equal(cg_manifest_encode(&m, buf, sizeof(buf), &n, NULL, 0), CC_SUCCESS);
    static const char want_hex[] = "010000000200000000000010000000000000040000000000070000000300000000000000030000000"
                                   "700656e636c617665";
    char hex[2 * sizeof(buf) + 1];
    cg_hex(buf, n, hex);
    assert_string_equal(hex, want_hex);
    uint8_t meas[CG_IMAGE_HASH_LEN];
    static const char elf[] = "not really an ELF";
    assert_int_equal(cg_image_measure(&m, (const uint8_t *)elf, strlen(elf), meas), CC_SUCCESS);
    cg_hex(meas, sizeof(meas), hex);
    assert_string_equal(hex, "dd60b963617b7545e4cbf64249cc001ed17b928219713db2cd5e6127bd2cf131cdb10ba3a5e471e4bf6b11"
                             "93a83d730e");
}

static void test_manifest_round_trip(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest(), out;
    strcpy(m.name, "a-B_9.z");
    m.threads = 64;
    m.heap_size = (uint64_t)1 << 40;
    m.stack_size = 16384;
    m.debug = CG_IMAGE_DEBUG_DISABLED;
    m.engines = CG_IMAGE_ENGINE_KVM;
    m.version = UINT32_MAX;
    uint8_t a[CG_IMAGE_MANIFEST_MAX], b[CG_IMAGE_MANIFEST_MAX];
    size_t na, nb;
    assert_int_equal(cg_manifest_encode(&m, a, sizeof(a), &na, NULL, 0), CC_SUCCESS);
    assert_int_equal(cg_manifest_decode(a, na, &out, NULL, 0), CC_SUCCESS);
    assert_memory_equal(&m, &out, sizeof(m));
    assert_int_equal(cg_manifest_encode(&out, b, sizeof(b), &nb, NULL, 0), CC_SUCCESS);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_int_equal(cg_manifest_encode(&m, a, na - 1, &na, NULL, 0), CC_ERROR_SHORT_BUFFER);
}

/* Every field: a value just out of range is refused by the decoder. */
static void test_manifest_every_field_validated(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest(), out;
    uint8_t good[CG_IMAGE_MANIFEST_MAX], b[CG_IMAGE_MANIFEST_MAX];
    size_t n;
    char why[256];
    assert_int_equal(cg_manifest_encode(&m, good, sizeof(good), &n, NULL, 0), CC_SUCCESS);
    struct {
        size_t off;
        int width;
        uint64_t value;
    } bad[] = {
        {0, 4, 2},                      /* format */
        {4, 4, 0},                      /* threads */
        {4, 4, 65},
        {8, 8, (1u << 20) - 1},         /* heap */
        {8, 8, ((uint64_t)1 << 40) + 1},
        {16, 8, 16383},                 /* stack */
        {16, 8, ((uint64_t)1 << 30) + 1},
        {32, 4, 3},                     /* debug */
        {36, 4, 0},                     /* engines */
        {36, 4, 4},
        {40, 2, 0},                     /* name length */
        {40, 2, 8},
        {40, 2, 6},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(b, good, n);
        for (int k = 0; k < bad[i].width; k++)
            b[bad[i].off + (size_t)k] = (uint8_t)(bad[i].value >> (8 * k));
        if (cg_manifest_decode(b, n, &out, why, sizeof(why)) != CC_ERROR_INVALID_ENCLAVE)
            fail_msg("bad value %llu at offset %zu accepted", (unsigned long long)bad[i].value, bad[i].off);
    }
    /* name characters */
    memcpy(b, good, n);
    b[42] = '/';
    assert_int_equal(cg_manifest_decode(b, n, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    b[42] = 0;
    assert_int_equal(cg_manifest_decode(b, n, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    /* exact length: a byte more or less is refused */
    memcpy(b, good, n);
    b[n] = 'x';
    assert_int_equal(cg_manifest_decode(b, n + 1, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    assert_int_equal(cg_manifest_decode(b, n - 1, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    for (size_t k = 0; k < 42; k++)
        assert_int_equal(cg_manifest_decode(good, k, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    /* the versions are free */
    memcpy(b, good, n);
    memset(b + 24, 0xff, 8);
    assert_int_equal(cg_manifest_decode(b, n, &out, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(out.version, UINT32_MAX);
    assert_int_equal(out.security_version, UINT32_MAX);
    /* the encoder refuses what the decoder refuses */
    m.threads = 0;
    assert_int_equal(cg_manifest_encode(&m, b, sizeof(b), &n, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
}

/* ---- images ---- */

static void test_image_round_trip_signed(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    size_t len;
    uint8_t *img = build(&m, g_key, &len);
    struct cg_image p;
    char why[256];
    assert_int_equal(cg_image_parse(img, len, &p, why, sizeof(why)), CC_SUCCESS);
    assert_true(p.is_image);
    assert_true(p.is_signed);
    assert_memory_equal(&p.manifest, &m, sizeof(m));
    assert_int_equal(p.elf_len, g_elf_len);
    assert_int_equal(cg_image_verify(&p, why, sizeof(why)), CC_SUCCESS);
    uint8_t want[CG_IMAGE_HASH_LEN];
    assert_int_equal(cg_key_signer_id(g_key, want), CC_SUCCESS);
    assert_memory_equal(p.signer, want, sizeof(want));
    /* The measurement is that of the manifest and the (patched) ELF. */
    assert_int_equal(cg_image_measure(&m, p.elf, p.elf_len, want), CC_SUCCESS);
    assert_memory_equal(p.measurement, want, sizeof(want));
    /* The ELF's embedded manifest was rewritten to agree with the image's. */
    struct cg_image_manifest emb = m;
    emb.threads = 1;
    assert_int_equal(cg_elf_embedded_manifest(p.elf, p.elf_len, &emb, why, sizeof(why)), CC_SUCCESS);
    assert_memory_equal(&emb, &m, sizeof(m));
    free(img);
}

/* Same inputs, same measurement, whoever signs and whenever; only the
 * signature block differs. */
static void test_image_deterministic(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    size_t l1, l2, l3;
    uint8_t *a = build(&m, g_key, &l1), *b = build(&m, g_key2, &l2), *u = build(&m, NULL, &l3);
    struct cg_image pa, pb, pu;
    assert_int_equal(cg_image_parse(a, l1, &pa, NULL, 0), CC_SUCCESS);
    assert_int_equal(cg_image_parse(b, l2, &pb, NULL, 0), CC_SUCCESS);
    assert_int_equal(cg_image_parse(u, l3, &pu, NULL, 0), CC_SUCCESS);
    assert_memory_equal(pa.measurement, pb.measurement, CG_IMAGE_HASH_LEN);
    assert_memory_equal(pa.measurement, pu.measurement, CG_IMAGE_HASH_LEN);
    assert_memory_not_equal(pa.signer, pb.signer, CG_IMAGE_HASH_LEN);
    size_t body = CG_IMAGE_HEADER_LEN + pa.manifest_len + pa.elf_len;
    assert_int_equal(l3, body);
    /* header (but its signature length), manifest and ELF are identical */
    assert_memory_equal(a, u, 20);
    assert_memory_equal(a + 24, u + 24, body - 24);
    assert_memory_equal(a + 24, b + 24, body - 24);
    /* another manifest value changes the measurement */
    m.security_version++;
    uint8_t other[CG_IMAGE_HASH_LEN];
    assert_int_equal(cg_image_measure(&m, pa.elf, pa.elf_len, other), CC_SUCCESS);
    assert_memory_not_equal(other, pa.measurement, CG_IMAGE_HASH_LEN);
    /* a plain ELF measures as the unsigned image of its embedded manifest */
    struct cg_image_manifest dm;
    cg_manifest_defaults(&dm);
    assert_int_equal(cg_elf_embedded_manifest(g_elf, g_elf_len, &dm, NULL, 0), CC_SUCCESS);
    size_t l4;
    uint8_t *d = build(&dm, NULL, &l4);
    struct cg_image pd, pe;
    assert_int_equal(cg_image_parse(d, l4, &pd, NULL, 0), CC_SUCCESS);
    assert_int_equal(cg_image_parse(g_elf, g_elf_len, &pe, NULL, 0), CC_SUCCESS);
    assert_false(pe.is_image);
    assert_false(pe.is_signed);
    assert_memory_equal(pd.measurement, pe.measurement, CG_IMAGE_HASH_LEN);
    free(a);
    free(b);
    free(u);
    free(d);
}

static void test_image_unsigned(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    size_t len;
    uint8_t *img = build(&m, NULL, &len);
    struct cg_image p;
    char why[256];
    assert_int_equal(cg_image_parse(img, len, &p, why, sizeof(why)), CC_SUCCESS);
    assert_false(p.is_signed);
    uint8_t zero[CG_IMAGE_HASH_LEN] = {0};
    assert_memory_equal(p.signer, zero, sizeof(zero));
    assert_int_equal(cg_image_verify(&p, why, sizeof(why)), CC_ERROR_SIGNATURE_INVALID);
    free(img);
}

static void put(uint8_t *p, int width, uint64_t v)
{
    for (int k = 0; k < width; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static void test_image_structure_rejected(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    size_t len;
    uint8_t *img = build(&m, g_key, &len);
    uint8_t *b = malloc(len + 16);
    struct cg_image p;
    char why[256];
    size_t sig_off = len - (size_t)(img[20] | img[21] << 8);
    struct {
        size_t off;
        int width;
        uint64_t value;
    } bad[] = {
        {8, 4, 2},                          /* format version */
        {12, 4, 47},                        /* header length */
        {16, 4, CG_IMAGE_MANIFEST_MAX + 1}, /* manifest length */
        {16, 4, 0},
        {20, 4, 0},                         /* signature length: bytes left over */
        {20, 4, CG_IMAGE_SIG_MAX + 1},
        {24, 8, 0},                         /* ELF length */
        {24, 8, UINT64_MAX - 10},           /* would overflow a naive sum */
        {24, 8, CG_IMAGE_ELF_MAX + 1},
        {32, 1, 1},                         /* reserved */
        {47, 1, 0x80},
        {sig_off, 4, 2},                    /* signature block format */
        {sig_off + 4, 2, 0},                /* key length */
        {sig_off + 4, 2, CG_IMAGE_PUBKEY_MAX + 1},
        {sig_off + 6, 2, 0},                /* signature length */
        {sig_off + 6, 2, CG_IMAGE_SIGVAL_MAX + 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(b, img, len);
        put(b + bad[i].off, bad[i].width, bad[i].value);
        if (cg_image_parse(b, len, &p, why, sizeof(why)) != CC_ERROR_INVALID_ENCLAVE)
            fail_msg("case %zu (offset %zu) accepted", i, bad[i].off);
    }
    /* trailing bytes, truncation at every point of the header and manifest */
    memcpy(b, img, len);
    b[len] = 0;
    assert_int_equal(cg_image_parse(b, len + 1, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    for (size_t k = CG_IMAGE_MAGIC_LEN; k < CG_IMAGE_HEADER_LEN + 64; k++)
        assert_int_equal(cg_image_parse(img, k, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    assert_int_equal(cg_image_parse(img, len - 1, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    /* the image manifest and the ELF's embedded one must agree */
    memcpy(b, img, len);
    b[CG_IMAGE_HEADER_LEN + 4] = 3; /* threads 2 -> 3 in the image manifest only */
    assert_int_equal(cg_image_parse(b, len, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    assert_non_null(strstr(why, "disagrees"));
    /* a public key with a trailing byte (lengths adjusted to stay consistent) */
    uint16_t pk_len = (uint16_t)(img[sig_off + 4] | img[sig_off + 5] << 8);
    memcpy(b, img, sig_off + 8 + pk_len);
    b[sig_off + 8 + pk_len] = 0;
    memcpy(b + sig_off + 9 + pk_len, img + sig_off + 8 + pk_len, len - sig_off - 8 - pk_len);
    put(b + sig_off + 4, 2, pk_len + 1u);
    put(b + 20, 4, (uint64_t)(len + 1 - sig_off));
    assert_int_equal(cg_image_parse(b, len + 1, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    assert_non_null(strstr(why, "trailing"));
    /* a non-canonical key encoding (BIT STRING "unused bits" = 1) that
     * OpenSSL would decode to the same key: refused, so one key has one
     * signer id (regression: found by the single-byte tamper test) */
    memcpy(b, img, len);
    assert_int_equal(b[sig_off + 8 + 22], 0);
    b[sig_off + 8 + 22] = 1;
    assert_int_equal(cg_image_parse(b, len, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    /* not an enclave at all */
    assert_int_equal(cg_image_parse((const uint8_t *)"", 0, &p, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    assert_int_equal(cg_image_parse(NULL, 0, &p, why, sizeof(why)), CC_ERROR_BAD_PARAMETERS);
    free(b);
    free(img);
}

/* Flipping one bit anywhere makes the image fail: a structure error, or a
 * signature that no longer verifies. Every byte outside the ELF, and a
 * sample of the ELF (each ELF byte is covered by the same hash). The
 * untouched image is verified first, so every tampered one meets a warm
 * cache of verified signatures (image.c): a hit needs the same key,
 * signature and recomputed measurement. */
static void test_image_single_byte_tamper(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    size_t len;
    uint8_t *img = build(&m, g_key, &len);
    struct cg_image p;
    char why[256];
    assert_int_equal(cg_image_parse(img, len, &p, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(cg_image_verify(&p, why, sizeof(why)), CC_SUCCESS);
    size_t elf_start = CG_IMAGE_HEADER_LEN + 49, elf_end = elf_start + g_elf_len;
    size_t tried = 0;
    for (size_t i = 0; i < len; i++) {
        if (i >= elf_start + 64 && i < elf_end && (i % 97) != 0)
            continue;
        for (int bit = 0; bit < 8; bit += 7) {
            img[i] ^= (uint8_t)(1u << bit);
            cc_enclave_result_t rc = cg_image_parse(img, len, &p, why, sizeof(why));
            if (rc == CC_SUCCESS)
                rc = cg_image_verify(&p, why, sizeof(why));
            if (rc == CC_SUCCESS)
                fail_msg("flipping bit %d of byte %zu went unnoticed", bit, i);
            img[i] ^= (uint8_t)(1u << bit);
            tried++;
        }
    }
    assert_true(tried > 500);
    assert_int_equal(cg_image_parse(img, len, &p, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(cg_image_verify(&p, why, sizeof(why)), CC_SUCCESS);
    free(img);
}

/* A process remembers what it measured (image.c: the bytes, compared in
 * full): the same bytes again give the same measurement, any change a new
 * one, also when the buffer is the one measured before, changed in place. */
static void test_measurement_cache(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest();
    uint8_t *elf = malloc(g_elf_len);
    assert_non_null(elf);
    memcpy(elf, g_elf, g_elf_len);
    uint8_t first[CG_IMAGE_HASH_LEN], again[CG_IMAGE_HASH_LEN], changed[CG_IMAGE_HASH_LEN];
    assert_int_equal(cg_image_measure(&m, elf, g_elf_len, first), CC_SUCCESS);
    assert_int_equal(cg_image_measure(&m, g_elf, g_elf_len, again), CC_SUCCESS);
    assert_memory_equal(first, again, sizeof(first));
    size_t at[] = {0, g_elf_len / 2, g_elf_len - 1};
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
        elf[at[k]] ^= 1;
        assert_int_equal(cg_image_measure(&m, elf, g_elf_len, changed), CC_SUCCESS);
        assert_memory_not_equal(first, changed, sizeof(first));
        elf[at[k]] ^= 1;
    }
    /* one byte shorter, and another manifest over the same ELF */
    assert_int_equal(cg_image_measure(&m, elf, g_elf_len - 1, changed), CC_SUCCESS);
    assert_memory_not_equal(first, changed, sizeof(first));
    m.heap_size *= 2;
    assert_int_equal(cg_image_measure(&m, elf, g_elf_len, changed), CC_SUCCESS);
    assert_memory_not_equal(first, changed, sizeof(first));
    m.heap_size /= 2;
    assert_int_equal(cg_image_measure(&m, elf, g_elf_len, again), CC_SUCCESS);
    assert_memory_equal(first, again, sizeof(first));
    free(elf);
}

/* ---- keys ---- */

static void test_keys(void **state)
{
    (void)state;
    char dir[] = "/tmp/cgear-unit-keys-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], why[256];
    snprintf(path, sizeof(path), "%s/k.pem", dir);
    assert_int_equal(cg_key_write_pem(path, g_key, false, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(access(path, R_OK), 0);
    assert_int_equal(cg_key_write_pem(path, g_key2, false, why, sizeof(why)), CC_ERROR_INVALID_PATH);
    EVP_PKEY *k = NULL;
    assert_int_equal(cg_key_read_pem(path, &k, why, sizeof(why)), CC_SUCCESS);
    uint8_t a[CG_IMAGE_HASH_LEN], b[CG_IMAGE_HASH_LEN];
    cg_key_signer_id(k, a);
    cg_key_signer_id(g_key, b);
    assert_memory_equal(a, b, sizeof(a));
    EVP_PKEY_free(k);
    /* a P-256 key is refused for signing */
    EVP_PKEY *p256 = EVP_EC_gen("P-256");
    assert_non_null(p256);
    FILE *f = fopen(path, "w");
    PEM_write_PrivateKey(f, p256, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    k = NULL;
    assert_int_equal(cg_key_read_pem(path, &k, why, sizeof(why)), CC_ERROR_BAD_PARAMETERS);
    struct cg_image_manifest m = sample_manifest();
    uint8_t *img = NULL;
    size_t len;
    assert_int_equal(cg_image_build(&m, g_elf, g_elf_len, p256, &img, &len, why, sizeof(why)),
                     CC_ERROR_BAD_PARAMETERS);
    EVP_PKEY_free(p256);
    f = fopen(path, "w");
    fputs("not a key\n", f);
    fclose(f);
    assert_int_equal(cg_key_read_pem(path, &k, why, sizeof(why)), CC_ERROR_BAD_FORMAT);
    unlink(path);
    assert_int_equal(cg_key_read_pem(path, &k, why, sizeof(why)), CC_ERROR_INVALID_PATH);
    rmdir(dir);
}

/* ---- manifest files ---- */

static cc_enclave_result_t cfg(const char *text, struct cg_image_manifest *m, char *why)
{
    return cg_manifest_parse_config(text, strlen(text), m, why, 256);
}

static void test_config_text(void **state)
{
    (void)state;
    struct cg_image_manifest m;
    char why[256];
    cg_manifest_defaults(&m);
    const char *t = "# my enclave\n"
                    "name = my-app.v2\n"
                    "  version=12\n"
                    "security_version = 0x10\n"
                    "threads = 8\n"
                    "heap_size = 64M\n"
                    "stack_size = 512k\n"
                    "debug = disabled\n"
                    "engines = kvm , process\n"
                    "\n";
    assert_int_equal(cfg(t, &m, why), CC_SUCCESS);
    assert_string_equal(m.name, "my-app.v2");
    assert_int_equal(m.version, 12);
    assert_int_equal(m.security_version, 16);
    assert_int_equal(m.threads, 8);
    assert_int_equal(m.heap_size, 64u << 20);
    assert_int_equal(m.stack_size, 512u << 10);
    assert_int_equal(m.debug, CG_IMAGE_DEBUG_DISABLED);
    assert_int_equal(m.engines, CG_IMAGE_ENGINE_ALL);
    /* keys absent keep their value */
    assert_int_equal(cfg("engines = process\n", &m, why), CC_SUCCESS);
    assert_int_equal(m.engines, CG_IMAGE_ENGINE_PROCESS);
    assert_int_equal(m.threads, 8);
    assert_int_equal(cfg("", &m, why), CC_SUCCESS);

    static const char *const bad[] = {
        "nmae = x\n",           "threads = 2\nthreads = 3\n", "threads\n",         "threads = -1\n",
        "threads = 2x\n",       "heap_size = 99999999999999999999G\n", "heap_size = 18446744073709551615K\n",
        "threads = 0\n",        "threads = 65\n",             "heap_size = 1K\n",  "debug = yes\n",
        "engines = sgx\n",      "engines = process,\n",       "engines = \n",      "name = a b\n",
        "name = \n",            "version = 4294967296\n",     "stack_size = 0x\n", "= 3\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cg_image_manifest before = m;
        cc_enclave_result_t rc = cfg(bad[i], &m, why);
        if (rc == CC_SUCCESS)
            fail_msg("accepted: %s", bad[i]);
        assert_memory_equal(&before, &m, sizeof(m)); /* a failed parse changes nothing */
    }
    assert_int_equal(cfg("threads = 2\nbogus = 1\n", &m, why), CC_ERROR_BAD_FORMAT);
    assert_non_null(strstr(why, "line 2"));
}

static void test_config_xml(void **state)
{
    (void)state;
    struct cg_image_manifest m;
    char why[256];
    cg_manifest_defaults(&m);
    const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!-- secGear example -->\n"
                    "<EnclaveConfiguration>\n"
                    "  <ProdID>0</ProdID>\n"
                    "  <ISVSVN>5</ISVSVN>\n"
                    "  <StackMaxSize>0x40000</StackMaxSize>\n"
                    "  <HeapMaxSize>0x1000000</HeapMaxSize>\n"
                    "  <TCSNum>10</TCSNum>\n"
                    "  <TCSPolicy>1</TCSPolicy>\n"
                    "  <DisableDebug>1</DisableDebug>\n"
                    "  <MiscSelect>0</MiscSelect>\n"
                    "  <MiscMask>0xFFFFFFFF</MiscMask>\n"
                    "</EnclaveConfiguration>\n";
    assert_int_equal(cfg(x, &m, why), CC_SUCCESS);
    assert_int_equal(m.stack_size, 0x40000);
    assert_int_equal(m.heap_size, 0x1000000);
    assert_int_equal(m.threads, 10);
    assert_int_equal(m.debug, CG_IMAGE_DEBUG_DISABLED);
    assert_int_equal(m.security_version, 5);
    assert_string_equal(m.name, "enclave");
    assert_int_equal(cfg("<EnclaveConfiguration><DisableDebug>0</DisableDebug></EnclaveConfiguration>", &m, why),
                     CC_SUCCESS);
    assert_int_equal(m.debug, CG_IMAGE_DEBUG_ALLOWED);
    static const char *const bad[] = {
        "<Enclave></Enclave>",
        "<EnclaveConfiguration>",
        "<EnclaveConfiguration><TCSNum>2</TCSNum>",
        "<EnclaveConfiguration><TCSNum>2</TCSNumber></EnclaveConfiguration>",
        "<EnclaveConfiguration><TCSNum>two</TCSNum></EnclaveConfiguration>",
        "<EnclaveConfiguration><TCSNum>2</TCSNum><TCSNum>2</TCSNum></EnclaveConfiguration>",
        "<EnclaveConfiguration><TCSNum>100</TCSNum></EnclaveConfiguration>",
        "<EnclaveConfiguration><DisableDebug>2</DisableDebug></EnclaveConfiguration>",
        "<EnclaveConfiguration></EnclaveConfiguration><x/>",
        "<EnclaveConfiguration><!-- open </EnclaveConfiguration>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cfg(bad[i], &m, why) == CC_SUCCESS)
            fail_msg("accepted: %s", bad[i]);
}

/* Shared-memory limits: format 2 exactly when they differ from the
 * defaults (so older images keep format 1 and their measurement), checked
 * ranges, one encoding. */
static void test_manifest_shm(void **state)
{
    (void)state;
    struct cg_image_manifest m = sample_manifest(), out;
    uint8_t a[CG_IMAGE_MANIFEST_MAX], b[CG_IMAGE_MANIFEST_MAX];
    size_t na, nb;
    char why[256];
    assert_int_equal(m.shm_size, CG_IMAGE_DEFAULT_SHM_SIZE);
    assert_int_equal(m.shm_blocks, CG_IMAGE_DEFAULT_SHM_BLOCKS);
    m.shm_size = 1u << 20;
    m.shm_blocks = 5;
    assert_int_equal(cg_manifest_encode(&m, a, sizeof(a), &na, NULL, 0), CC_SUCCESS);
    assert_int_equal(na, 54 + strlen(m.name));
    assert_int_equal(a[0], CG_IMAGE_MANIFEST_FORMAT_SHM);
    assert_int_equal(cg_manifest_decode(a, na, &out, why, sizeof(why)), CC_SUCCESS);
    assert_memory_equal(&m, &out, sizeof(m));
    assert_int_equal(cg_manifest_encode(&out, b, sizeof(b), &nb, NULL, 0), CC_SUCCESS);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* no shared memory at all is a value like any other */
    m.shm_size = 0;
    assert_int_equal(cg_manifest_encode(&m, a, sizeof(a), &na, NULL, 0), CC_SUCCESS);
    assert_int_equal(cg_manifest_decode(a, na, &out, why, sizeof(why)), CC_SUCCESS);
    assert_int_equal(out.shm_size, 0);
    /* format 2 carrying the defaults is not canonical */
    memcpy(b, a, na);
    for (int k = 0; k < 8; k++)
        b[40 + k] = (uint8_t)(CG_IMAGE_DEFAULT_SHM_SIZE >> (8 * k));
    b[48] = CG_IMAGE_DEFAULT_SHM_BLOCKS;
    b[49] = b[50] = b[51] = 0;
    assert_int_equal(cg_manifest_decode(b, na, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    assert_non_null(strstr(why, "canonical"));
    /* out of range, both ways */
    struct {
        uint64_t size;
        uint32_t blocks;
    } bad[] = {{4095, 5}, {(64ull << 30) + 4096, 5}, {1u << 20, 0}, {1u << 20, CG_IMAGE_MAX_SHM_BLOCKS + 1}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m.shm_size = bad[i].size;
        m.shm_blocks = bad[i].blocks;
        assert_int_equal(cg_manifest_encode(&m, a, sizeof(a), &na, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
        m.shm_size = 1u << 20;
        m.shm_blocks = 5;
        assert_int_equal(cg_manifest_encode(&m, a, sizeof(a), &na, NULL, 0), CC_SUCCESS);
        for (int k = 0; k < 8; k++)
            a[40 + k] = (uint8_t)(bad[i].size >> (8 * k));
        for (int k = 0; k < 4; k++)
            a[48 + k] = (uint8_t)(bad[i].blocks >> (8 * k));
        assert_int_equal(cg_manifest_decode(a, na, &out, why, sizeof(why)), CC_ERROR_INVALID_ENCLAVE);
    }
    /* the manifest files */
    cg_manifest_defaults(&m);
    assert_int_equal(cfg("shared_memory_size = 2M\nshared_memory_blocks = 7\n", &m, why), CC_SUCCESS);
    assert_int_equal(m.shm_size, 2u << 20);
    assert_int_equal(m.shm_blocks, 7);
    assert_int_equal(cfg("shared_memory_size = 1000\n", &m, why), CC_ERROR_INVALID_ENCLAVE);
    assert_int_equal(cfg("<EnclaveConfiguration><SharedMemMaxSize>0x100000</SharedMemMaxSize>"
                         "<SharedMemMaxBlocks>9</SharedMemMaxBlocks></EnclaveConfiguration>",
                         &m, why),
                     CC_SUCCESS);
    assert_int_equal(m.shm_size, 1u << 20);
    assert_int_equal(m.shm_blocks, 9);
    assert_int_not_equal(cfg("<EnclaveConfiguration><SharedMemMaxBlocks>0</SharedMemMaxBlocks></EnclaveConfiguration>",
                             &m, why),
                         CC_SUCCESS);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <enclave ELF fixture>\n", argv[0]);
        return 2;
    }
    g_elf = slurp(argv[1], &g_elf_len);
    if (g_elf == NULL) {
        perror(argv[1]);
        return 2;
    }
    if (cg_key_generate(&g_key, NULL, 0) != CC_SUCCESS || cg_key_generate(&g_key2, NULL, 0) != CC_SUCCESS)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_and_measurement_known_answer),
        cmocka_unit_test(test_manifest_round_trip),
        cmocka_unit_test(test_manifest_every_field_validated),
        cmocka_unit_test(test_image_round_trip_signed),
        cmocka_unit_test(test_image_deterministic),
        cmocka_unit_test(test_image_unsigned),
        cmocka_unit_test(test_image_structure_rejected),
        cmocka_unit_test(test_image_single_byte_tamper),
        cmocka_unit_test(test_measurement_cache),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_config_text),
        cmocka_unit_test(test_config_xml),
        cmocka_unit_test(test_manifest_shm),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    EVP_PKEY_free(g_key);
    EVP_PKEY_free(g_key2);
    free(g_elf);
    return rc;
}
