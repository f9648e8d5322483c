/*
 * image.c - the cgear image format: manifest encoding, measurement, parsing,
 * building. Byte layout: docs/image-format.md.
 *
 * Every length read from the image is bounded before it is used and the
 * lengths must add up to the buffer size exactly, so there is one and only
 * one way to read a valid image (no trailing bytes, no slack to hide data in).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/x509.h>

#include "elf_manifest.h"
#include "image.h"
#include "text.h"

#define BAD(...) CG_WHY(CC_ERROR_INVALID_ENCLAVE, __VA_ARGS__)

/* Domain separation: the measurement of a cgear image can never collide
 * with a SHA-384 computed for another purpose over the same bytes. */
static const char measure_tag[] = "cgear-image-v1";

/* Fixed part of the manifest encoding; the name follows. Format 2 adds the
 * shared-memory limits before the name; it is used exactly when they differ
 * from the defaults, so images without them keep format 1 and their
 * measurement (one encoding per manifest either way). */
#define MANIFEST_FIXED 42u
#define MANIFEST_FIXED_V2 54u
/* Fixed part of the signature block; key and signature follow. */
#define SIG_FIXED 8u

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

const char *cg_image_debug_name(uint32_t debug)
{
    switch (debug) {
    case CG_IMAGE_DEBUG_ALLOWED:
        return "allowed";
    case CG_IMAGE_DEBUG_ONLY:
        return "only";
    case CG_IMAGE_DEBUG_DISABLED:
        return "disabled";
    default:
        return "invalid";
    }
}

void cg_image_engines_str(uint32_t engines, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", (engines & CG_IMAGE_ENGINE_PROCESS) ? "process" : "",
             (engines & CG_IMAGE_ENGINE_PROCESS) && (engines & CG_IMAGE_ENGINE_KVM) ? "," : "",
             (engines & CG_IMAGE_ENGINE_KVM) ? "kvm" : "");
}

void cg_manifest_defaults(struct cg_image_manifest *m)
{
    memset(m, 0, sizeof(*m));
    strcpy(m->name, "enclave");
    m->threads = CG_IMAGE_DEFAULT_THREADS;
    m->heap_size = CG_IMAGE_DEFAULT_HEAP;
    m->stack_size = CG_IMAGE_DEFAULT_STACK;
    m->debug = CG_IMAGE_DEBUG_ALLOWED;
    m->engines = CG_IMAGE_ENGINE_ALL;
    m->shm_size = CG_IMAGE_DEFAULT_SHM_SIZE;
    m->shm_blocks = CG_IMAGE_DEFAULT_SHM_BLOCKS;
}

static bool shm_is_default(const struct cg_image_manifest *m)
{
    return m->shm_size == CG_IMAGE_DEFAULT_SHM_SIZE && m->shm_blocks == CG_IMAGE_DEFAULT_SHM_BLOCKS;
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

/* The name check is shared by the decoder (bytes with a length) and the
 * encoder (a C string), so both accept exactly the same names. */
static cc_enclave_result_t check_name(const char *name, size_t n, char *why, size_t why_len)
{
    if (n == 0 || n > CG_IMAGE_NAME_MAX)
        return BAD("manifest name has %zu characters; allowed 1..%u", n, CG_IMAGE_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if (!name_char_ok(name[i]))
            return BAD("manifest name contains a character outside [A-Za-z0-9_.-] at position %zu", i);
    return CC_SUCCESS;
}

cc_enclave_result_t cg_manifest_check(const struct cg_image_manifest *m, char *why, size_t why_len)
{
    if (m == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "no manifest");
    size_t n = strnlen(m->name, sizeof(m->name));
    if (n == sizeof(m->name))
        return BAD("manifest name is not NUL-terminated");
    cc_enclave_result_t rc = check_name(m->name, n, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    /* The same ranges as the loader's check of the embedded manifest (elf.c). */
    if (m->threads == 0 || m->threads > CG_MANIFEST_MAX_THREADS)
        return BAD("manifest threads %u is outside 1..%u", m->threads, CG_MANIFEST_MAX_THREADS);
    if (m->heap_size < ((uint64_t)1 << 20) || m->heap_size > ((uint64_t)1 << 40))
        return BAD("manifest heap size %llu is outside 1 MiB..1 TiB", (unsigned long long)m->heap_size);
    if (m->stack_size < 16384 || m->stack_size > ((uint64_t)1 << 30))
        return BAD("manifest stack size %llu is outside 16 KiB..1 GiB", (unsigned long long)m->stack_size);
    if (m->debug > CG_IMAGE_DEBUG_DISABLED)
        return BAD("manifest debug value %u is not 0 (allowed), 1 (only) or 2 (disabled)", m->debug);
    if (m->engines == 0 || (m->engines & ~CG_IMAGE_ENGINE_ALL) != 0)
        return BAD("manifest engines 0x%x must be a non-empty subset of process (0x1) and kvm (0x2)", m->engines);
    if (m->shm_size > CG_IMAGE_MAX_SHM_SIZE || m->shm_size % 4096 != 0)
        return BAD("manifest shared memory size %llu is not a multiple of 4 KiB up to 64 GiB",
                   (unsigned long long)m->shm_size);
    if (m->shm_blocks == 0 || m->shm_blocks > CG_IMAGE_MAX_SHM_BLOCKS)
        return BAD("manifest shared memory blocks %u is outside 1..%u", m->shm_blocks, CG_IMAGE_MAX_SHM_BLOCKS);
    return CC_SUCCESS;
}

cc_enclave_result_t cg_manifest_encode(const struct cg_image_manifest *m, uint8_t *out, size_t cap, size_t *out_len,
                                       char *why, size_t why_len)
{
    cc_enclave_result_t rc = cg_manifest_check(m, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    size_t n = strlen(m->name);
    bool v2 = !shm_is_default(m);
    size_t fixed = v2 ? MANIFEST_FIXED_V2 : MANIFEST_FIXED;
    size_t total = fixed + n;
    if (out == NULL || out_len == NULL || cap < total)
        return CG_WHY(CC_ERROR_SHORT_BUFFER, "manifest needs %zu bytes", total);
    put32(out + 0, v2 ? CG_IMAGE_MANIFEST_FORMAT_SHM : CG_IMAGE_MANIFEST_FORMAT);
    put32(out + 4, m->threads);
    put64(out + 8, m->heap_size);
    put64(out + 16, m->stack_size);
    put32(out + 24, m->version);
    put32(out + 28, m->security_version);
    put32(out + 32, m->debug);
    put32(out + 36, m->engines);
    if (v2) {
        put64(out + 40, m->shm_size);
        put32(out + 48, m->shm_blocks);
    }
    put16(out + fixed - 2, (uint16_t)n);
    memcpy(out + fixed, m->name, n);
    *out_len = total;
    return CC_SUCCESS;
}

cc_enclave_result_t cg_manifest_decode(const uint8_t *buf, size_t len, struct cg_image_manifest *m, char *why,
                                       size_t why_len)
{
    if (buf == NULL || m == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "no manifest buffer");
    if (len < MANIFEST_FIXED)
        return BAD("manifest is %zu bytes; at least %u needed", len, MANIFEST_FIXED);
    uint32_t format = get32(buf);
    if (format != CG_IMAGE_MANIFEST_FORMAT && format != CG_IMAGE_MANIFEST_FORMAT_SHM)
        return BAD("manifest format %u is not supported (this cgear reads %u and %u)", format,
                   CG_IMAGE_MANIFEST_FORMAT, CG_IMAGE_MANIFEST_FORMAT_SHM);
    bool v2 = format == CG_IMAGE_MANIFEST_FORMAT_SHM;
    size_t fixed = v2 ? MANIFEST_FIXED_V2 : MANIFEST_FIXED;
    if (len < fixed)
        return BAD("manifest is %zu bytes; at least %zu needed", len, fixed);
    size_t n = get16(buf + fixed - 2);
    if (len != fixed + n)
        return BAD("manifest is %zu bytes but its name length says %zu", len, fixed + n);
    cc_enclave_result_t rc = check_name((const char *)buf + fixed, n, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    struct cg_image_manifest t;
    memset(&t, 0, sizeof(t));
    t.threads = get32(buf + 4);
    t.heap_size = get64(buf + 8);
    t.stack_size = get64(buf + 16);
    t.version = get32(buf + 24);
    t.security_version = get32(buf + 28);
    t.debug = get32(buf + 32);
    t.engines = get32(buf + 36);
    t.shm_size = v2 ? get64(buf + 40) : CG_IMAGE_DEFAULT_SHM_SIZE;
    t.shm_blocks = v2 ? get32(buf + 48) : CG_IMAGE_DEFAULT_SHM_BLOCKS;
    if (v2 && shm_is_default(&t))
        return BAD("manifest format %u carries the default shared memory limits (not canonical: use format %u)",
                   format, CG_IMAGE_MANIFEST_FORMAT);
    memcpy(t.name, buf + fixed, n);
    rc = cg_manifest_check(&t, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    *m = t;
    return CC_SUCCESS;
}

void cg_manifest_from_cg(const struct cg_manifest *in, struct cg_image_manifest *m)
{
    memset(m->name, 0, sizeof(m->name));
    size_t n = strnlen(in->name, sizeof(in->name));
    if (n > CG_IMAGE_NAME_MAX)
        n = CG_IMAGE_NAME_MAX;
    memcpy(m->name, in->name, n);
    m->threads = in->threads;
    m->heap_size = in->heap_size;
    m->stack_size = in->stack_size;
    if (in->flags & CG_MANIFEST_F_DEBUG_ONLY)
        m->debug = CG_IMAGE_DEBUG_ONLY;
    else if (m->debug == CG_IMAGE_DEBUG_ONLY)
        m->debug = CG_IMAGE_DEBUG_ALLOWED;
}

void cg_manifest_to_cg(const struct cg_image_manifest *m, struct cg_manifest *out)
{
    memset(out, 0, sizeof(*out));
    out->magic = CG_MANIFEST_MAGIC;
    out->version = CG_MANIFEST_VERSION;
    out->threads = m->threads;
    out->flags = m->debug == CG_IMAGE_DEBUG_ONLY ? CG_MANIFEST_F_DEBUG_ONLY : 0;
    out->heap_size = m->heap_size;
    out->stack_size = m->stack_size;
    memcpy(out->name, m->name, strnlen(m->name, sizeof(out->name) - 1));
}

cc_enclave_result_t cg_elf_embedded_manifest(const uint8_t *elf, size_t len, struct cg_image_manifest *m, char *why,
                                             size_t why_len)
{
    struct cg_manifest cm;
    uint64_t off;
    cc_enclave_result_t rc = cg_elf_find_manifest(elf, len, &cm, &off, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    cg_manifest_from_cg(&cm, m);
    return CC_SUCCESS;
}

static cc_enclave_result_t sha384(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[48])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
             (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
             n == CG_IMAGE_HASH_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? CC_SUCCESS : CC_ERROR_GENERIC;
}

/* Byte strings this process measured before, with their measurement: a
 * create of the same enclave again compares its bytes with a private copy
 * of the ones measured (about 20 us for the bench enclave's 220 KiB)
 * instead of hashing them again (SHA-384 runs at about 400 MB/s here: 0.5
 * ms). Equal bytes have the equal measurement, so this decides nothing the
 * hash would not. Bounded: at most MEASURED_CACHE strings and
 * MEASURED_BYTES bytes in all; a larger image is always hashed. */
#define MEASURED_CACHE 4
#define MEASURED_BYTES ((size_t)16 << 20)
static struct measured {
    uint8_t *copy; /* manifest, then ELF; NULL: a free entry */
    size_t man_len, elf_len;
    uint8_t measurement[CG_IMAGE_HASH_LEN];
} g_measured[MEASURED_CACHE];
static unsigned g_measured_next;
static size_t g_measured_bytes;
static pthread_mutex_t g_measured_lock = PTHREAD_MUTEX_INITIALIZER;

static bool measured_has(const uint8_t *man, size_t man_len, const uint8_t *elf, size_t elf_len,
                         uint8_t out[CG_IMAGE_HASH_LEN])
{
    bool hit = false;
    pthread_mutex_lock(&g_measured_lock);
    for (unsigned i = 0; i < MEASURED_CACHE && !hit; i++) {
        const struct measured *c = &g_measured[i];
        hit = c->copy != NULL && c->man_len == man_len && c->elf_len == elf_len &&
              memcmp(c->copy, man, man_len) == 0 && memcmp(c->copy + man_len, elf, elf_len) == 0;
        if (hit)
            memcpy(out, c->measurement, CG_IMAGE_HASH_LEN);
    }
    pthread_mutex_unlock(&g_measured_lock);
    return hit;
}

static void measured_add(const uint8_t *man, size_t man_len, const uint8_t *elf, size_t elf_len,
                         const uint8_t m[CG_IMAGE_HASH_LEN])
{
    size_t len = man_len + elf_len;
    if (len > MEASURED_BYTES)
        return;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return;
    memcpy(copy, man, man_len);
    memcpy(copy + man_len, elf, elf_len);
    pthread_mutex_lock(&g_measured_lock);
    /* the oldest entries make room, the next slot last of all */
    for (unsigned k = 0; k < MEASURED_CACHE; k++) {
        struct measured *c = &g_measured[(g_measured_next + k) % MEASURED_CACHE];
        if (c->copy != NULL && (k == 0 || g_measured_bytes + len > MEASURED_BYTES)) {
            g_measured_bytes -= c->man_len + c->elf_len;
            free(c->copy);
            c->copy = NULL;
        }
    }
    struct measured *c = &g_measured[g_measured_next++ % MEASURED_CACHE];
    c->copy = copy;
    c->man_len = man_len;
    c->elf_len = elf_len;
    memcpy(c->measurement, m, CG_IMAGE_HASH_LEN);
    g_measured_bytes += len;
    pthread_mutex_unlock(&g_measured_lock);
}

/* The measurement covers what decides the enclave's behaviour and
 * identity: the format version, the manifest and the ELF, each with its
 * length so no two different (manifest, ELF) pairs hash the same stream.
 * It deliberately excludes the signature block: re-signing an image with
 * another key keeps its measurement. */
static cc_enclave_result_t measure_encoded(const uint8_t *man, size_t man_len, const uint8_t *elf, size_t elf_len,
                                           uint8_t out[CG_IMAGE_HASH_LEN])
{
    if (measured_has(man, man_len, elf, elf_len, out))
        return CC_SUCCESS;
    uint8_t pre[sizeof(measure_tag) - 1 + 16];
    memcpy(pre, measure_tag, sizeof(measure_tag) - 1);
    put32(pre + sizeof(measure_tag) - 1, CG_IMAGE_FORMAT_VERSION);
    put32(pre + sizeof(measure_tag) - 1 + 4, (uint32_t)man_len);
    put64(pre + sizeof(measure_tag) - 1 + 8, (uint64_t)elf_len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, pre, sizeof(pre)) == 1 && EVP_DigestUpdate(ctx, man, man_len) == 1 &&
             (elf_len == 0 || EVP_DigestUpdate(ctx, elf, elf_len) == 1) && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
             n == CG_IMAGE_HASH_LEN;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return CC_ERROR_GENERIC;
    measured_add(man, man_len, elf, elf_len, out);
    return CC_SUCCESS;
}

cc_enclave_result_t cg_image_measure(const struct cg_image_manifest *m, const uint8_t *elf, size_t elf_len,
                                     uint8_t out[CG_IMAGE_HASH_LEN])
{
    uint8_t man[CG_IMAGE_MANIFEST_MAX];
    size_t man_len;
    cc_enclave_result_t rc = cg_manifest_encode(m, man, sizeof(man), &man_len, NULL, 0);
    if (rc != CC_SUCCESS)
        return rc;
    return measure_encoded(man, man_len, elf, elf_len, out);
}

/* The public key must be exactly one DER SubjectPublicKeyInfo for an EC key
 * on P-384. Returns the key (caller frees) or NULL with a reason. */
/* Signatures this process has verified: (public key, signature,
 * measurement) triples, so that creating the same enclave again costs no
 * second ECDSA verification and public-key parse (about 1.5 ms of a 3 ms
 * budget). Verification is a pure function of these bytes, so a hit is
 * exactly as good as a new check; the measurement itself is always
 * recomputed from the image. A few entries, replaced round-robin. */
#define VERIFIED_CACHE 8
static struct verified {
    uint16_t pk_len, sig_len;
    uint8_t pk[CG_IMAGE_PUBKEY_MAX];
    uint8_t sig[CG_IMAGE_SIGVAL_MAX];
    uint8_t measurement[CG_IMAGE_HASH_LEN];
} g_verified[VERIFIED_CACHE];
static unsigned g_verified_next;
static pthread_mutex_t g_verified_lock = PTHREAD_MUTEX_INITIALIZER;

/* Is @pk a public key of a verified triple (@sig and @m NULL), or is the
 * whole triple one? */
static bool verified_has(const uint8_t *pk, size_t pk_len, const uint8_t *sig, size_t sig_len, const uint8_t *m)
{
    bool hit = false;
    pthread_mutex_lock(&g_verified_lock);
    for (unsigned i = 0; i < VERIFIED_CACHE && !hit; i++) {
        const struct verified *v = &g_verified[i];
        hit = v->pk_len != 0 && v->pk_len == pk_len && memcmp(v->pk, pk, pk_len) == 0 &&
              (sig == NULL || (v->sig_len == sig_len && memcmp(v->sig, sig, sig_len) == 0 &&
                               memcmp(v->measurement, m, CG_IMAGE_HASH_LEN) == 0));
    }
    pthread_mutex_unlock(&g_verified_lock);
    return hit;
}

static void verified_add(const struct cg_image *img)
{
    if (img->pubkey_len > CG_IMAGE_PUBKEY_MAX || img->sig_len > CG_IMAGE_SIGVAL_MAX)
        return;
    pthread_mutex_lock(&g_verified_lock);
    struct verified *v = &g_verified[g_verified_next++ % VERIFIED_CACHE];
    v->pk_len = (uint16_t)img->pubkey_len;
    v->sig_len = (uint16_t)img->sig_len;
    memcpy(v->pk, img->pubkey, img->pubkey_len);
    memcpy(v->sig, img->sig, img->sig_len);
    memcpy(v->measurement, img->measurement, CG_IMAGE_HASH_LEN);
    pthread_mutex_unlock(&g_verified_lock);
}

static EVP_PKEY *parse_pubkey(const uint8_t *der, size_t len, char *why, size_t why_len)
{
    const unsigned char *p = der;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);
    if (pk == NULL) {
        (void)BAD("signer public key is not a DER SubjectPublicKeyInfo");
        return NULL;
    }
    if (p != der + len) {
        (void)BAD("signer public key has %zu trailing bytes", (size_t)(der + len - p));
        EVP_PKEY_free(pk);
        return NULL;
    }
    /* The signer id hashes these bytes, so they must be the one canonical
     * encoding of the key: OpenSSL also accepts variants (e.g. a BIT STRING
     * with "unused bits" set) that decode to the same key, which would give
     * one key several signer ids. Re-encode and compare. */
    unsigned char *canon = NULL;
    int clen = i2d_PUBKEY(pk, &canon);
    bool same = clen > 0 && (size_t)clen == len && memcmp(canon, der, len) == 0;
    OPENSSL_free(canon);
    if (!same) {
        (void)BAD("signer public key is not in canonical DER form");
        EVP_PKEY_free(pk);
        return NULL;
    }
    char group[64] = "";
    size_t glen = 0;
    if (!EVP_PKEY_is_a(pk, "EC") || EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group), &glen) != 1 ||
        strcmp(group, "secp384r1") != 0) {
        (void)BAD("signer public key is not an EC P-384 key");
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

static cc_enclave_result_t check_elf(struct cg_image *img, char *why, size_t why_len)
{
    struct cg_manifest cm;
    char inner[200];
    if (cg_elf_find_manifest(img->elf, img->elf_len, &cm, &img->elf_manifest_offset, inner, sizeof(inner)) !=
        CC_SUCCESS)
        return BAD("enclave ELF: %s", inner);
    if (!img->is_image) {
        cg_manifest_defaults(&img->manifest);
        cg_manifest_from_cg(&cm, &img->manifest);
        /* The ELF's own checks are looser than the image's (e.g. the name
         * character set); what the image would refuse is refused here too,
         * so a plain ELF has exactly the measurement it would have as an image. */
        return cg_manifest_check(&img->manifest, why, why_len);
    }
    /* The runtime inside the enclave sizes itself from the embedded
     * manifest, the host from the image manifest: they must agree. */
    struct cg_manifest want;
    cg_manifest_to_cg(&img->manifest, &want);
    if (cm.threads != want.threads || cm.heap_size != want.heap_size || cm.stack_size != want.stack_size ||
        cm.flags != want.flags || strncmp(cm.name, want.name, sizeof(cm.name)) != 0)
        return BAD("the manifest embedded in the enclave ELF disagrees with the image manifest");
    return CC_SUCCESS;
}

cc_enclave_result_t cg_image_parse(const uint8_t *buf, size_t len, struct cg_image *img, char *why, size_t why_len)
{
    if (buf == NULL || img == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "no image buffer");
    memset(img, 0, sizeof(*img));
    cc_enclave_result_t rc;

    if (len < CG_IMAGE_MAGIC_LEN || memcmp(buf, CG_IMAGE_MAGIC, CG_IMAGE_MAGIC_LEN) != 0) {
        /* A plain enclave ELF: unsigned, manifest from the ELF. */
        img->elf = buf;
        img->elf_len = len;
        if (len > CG_IMAGE_ELF_MAX)
            return BAD("enclave ELF is larger than 1 GiB");
        rc = check_elf(img, why, why_len);
        if (rc != CC_SUCCESS)
            return rc;
        return cg_image_measure(&img->manifest, img->elf, img->elf_len, img->measurement);
    }

    img->is_image = true;
    if (len < CG_IMAGE_HEADER_LEN)
        return BAD("image is %zu bytes, shorter than its %u-byte header", len, CG_IMAGE_HEADER_LEN);
    uint32_t version = get32(buf + 8);
    uint32_t hdr_len = get32(buf + 12);
    uint32_t man_len = get32(buf + 16);
    uint32_t sig_len = get32(buf + 20);
    uint64_t elf_len = get64(buf + 24);
    if (version != CG_IMAGE_FORMAT_VERSION)
        return BAD("image format version %u is not supported (this cgear reads %u)", version,
                   CG_IMAGE_FORMAT_VERSION);
    if (hdr_len != CG_IMAGE_HEADER_LEN)
        return BAD("image header length %u is not %u", hdr_len, CG_IMAGE_HEADER_LEN);
    if (get64(buf + 32) != 0 || get64(buf + 40) != 0)
        return BAD("image header reserved bytes are not zero");
    if (man_len > CG_IMAGE_MANIFEST_MAX)
        return BAD("image manifest length %u exceeds %u", man_len, CG_IMAGE_MANIFEST_MAX);
    if (sig_len > CG_IMAGE_SIG_MAX)
        return BAD("image signature block length %u exceeds %u", sig_len, CG_IMAGE_SIG_MAX);
    if (elf_len == 0 || elf_len > CG_IMAGE_ELF_MAX)
        return BAD("image ELF length %llu is outside 1..1 GiB", (unsigned long long)elf_len);
    /* Each term is bounded above, so the sum cannot overflow 64 bits. */
    uint64_t total = (uint64_t)CG_IMAGE_HEADER_LEN + man_len + elf_len + sig_len;
    if (total != (uint64_t)len)
        return BAD("image is %zu bytes but its header describes %llu", len, (unsigned long long)total);

    img->manifest_bytes = buf + CG_IMAGE_HEADER_LEN;
    img->manifest_len = man_len;
    img->elf = img->manifest_bytes + man_len;
    img->elf_len = (size_t)elf_len;
    rc = cg_manifest_decode(img->manifest_bytes, img->manifest_len, &img->manifest, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    rc = check_elf(img, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;

    if (sig_len != 0) {
        const uint8_t *s = img->elf + img->elf_len;
        if (sig_len < SIG_FIXED)
            return BAD("signature block is %u bytes; at least %u needed", sig_len, SIG_FIXED);
        if (get32(s) != CG_IMAGE_SIG_FORMAT)
            return BAD("signature block format %u is not supported", get32(s));
        uint32_t pk_len = get16(s + 4), sv_len = get16(s + 6);
        if (pk_len == 0 || pk_len > CG_IMAGE_PUBKEY_MAX || sv_len == 0 || sv_len > CG_IMAGE_SIGVAL_MAX)
            return BAD("signature block key length %u or signature length %u out of range", pk_len, sv_len);
        if ((uint64_t)SIG_FIXED + pk_len + sv_len != sig_len)
            return BAD("signature block is %u bytes but its fields describe %u", sig_len,
                       SIG_FIXED + pk_len + sv_len);
        img->is_signed = true;
        img->pubkey = s + SIG_FIXED;
        img->pubkey_len = pk_len;
        img->sig = img->pubkey + pk_len;
        img->sig_len = sv_len;
        /* A key that verified a signature before was a valid P-384 key. */
        if (!verified_has(img->pubkey, img->pubkey_len, NULL, 0, NULL)) {
            EVP_PKEY *pk = parse_pubkey(img->pubkey, img->pubkey_len, why, why_len);
            if (pk == NULL)
                return CC_ERROR_INVALID_ENCLAVE;
            EVP_PKEY_free(pk);
        }
        rc = sha384(img->pubkey, img->pubkey_len, NULL, 0, img->signer);
        if (rc != CC_SUCCESS)
            return CG_WHY(rc, "SHA-384 failed");
    }
    rc = measure_encoded(img->manifest_bytes, img->manifest_len, img->elf, img->elf_len, img->measurement);
    if (rc != CC_SUCCESS)
        return CG_WHY(rc, "SHA-384 failed");
    return CC_SUCCESS;
}

cc_enclave_result_t cg_image_verify(const struct cg_image *img, char *why, size_t why_len)
{
    if (img == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "no image");
    if (!img->is_signed)
        return CG_WHY(CC_ERROR_SIGNATURE_INVALID, "the image is not signed");
    if (verified_has(img->pubkey, img->pubkey_len, img->sig, img->sig_len, img->measurement))
        return CC_SUCCESS;
    EVP_PKEY *pk = parse_pubkey(img->pubkey, img->pubkey_len, why, why_len);
    if (pk == NULL)
        return CC_ERROR_SIGNATURE_INVALID;
    cc_enclave_result_t rc = CC_ERROR_SIGNATURE_INVALID;
    /* The measurement is itself a SHA-384 digest: it is verified as the
     * signed digest (no second hash), so anyone can check it with
     * `openssl pkeyutl -verify -pkeyopt digest:sha384`. OpenSSL rejects
     * non-DER (malleable) encodings of the signature. */
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()) != 1) {
        rc = CG_WHY(CC_ERROR_GENERIC, "OpenSSL could not set up ECDSA verification");
    } else if (EVP_PKEY_verify(ctx, img->sig, img->sig_len, img->measurement, CG_IMAGE_HASH_LEN) == 1) {
        rc = CC_SUCCESS;
        verified_add(img);
    } else {
        char hex[2 * CG_IMAGE_HASH_LEN + 1];
        cg_hex(img->signer, 16, hex);
        rc = CG_WHY(CC_ERROR_SIGNATURE_INVALID,
                 "the signature by signer %s... does not match the measurement (image modified?)", hex);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return rc;
}

static bool is_p384(EVP_PKEY *key)
{
    char group[64] = "";
    size_t glen = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) == 1 &&
           strcmp(group, "secp384r1") == 0;
}

cc_enclave_result_t cg_key_signer_id(EVP_PKEY *key, uint8_t out[CG_IMAGE_HASH_LEN])
{
    unsigned char *der = NULL;
    int n = key ? i2d_PUBKEY(key, &der) : -1;
    if (n <= 0)
        return CC_ERROR_GENERIC;
    cc_enclave_result_t rc = sha384(der, (size_t)n, NULL, 0, out);
    OPENSSL_free(der);
    return rc;
}

cc_enclave_result_t cg_image_build(const struct cg_image_manifest *m, const uint8_t *elf, size_t elf_len,
                                   EVP_PKEY *key, uint8_t **out, size_t *out_len, char *why, size_t why_len)
{
    if (m == NULL || elf == NULL || out == NULL || out_len == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "missing argument");
    if (key != NULL && !is_p384(key))
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "the signing key is not an EC P-384 key");
    if (elf_len == 0 || elf_len > CG_IMAGE_ELF_MAX)
        return BAD("enclave ELF size %zu is outside 1 byte..1 GiB", elf_len);
    uint8_t man[CG_IMAGE_MANIFEST_MAX];
    size_t man_len;
    cc_enclave_result_t rc = cg_manifest_encode(m, man, sizeof(man), &man_len, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    struct cg_manifest cm;
    uint64_t moff;
    char inner[200];
    if (cg_elf_find_manifest(elf, elf_len, &cm, &moff, inner, sizeof(inner)) != CC_SUCCESS)
        return BAD("enclave ELF: %s", inner);

    unsigned char *der = NULL;
    int der_len = 0;
    if (key != NULL) {
        der_len = i2d_PUBKEY(key, &der);
        if (der_len <= 0 || (size_t)der_len > CG_IMAGE_PUBKEY_MAX) {
            OPENSSL_free(der);
            return CG_WHY(CC_ERROR_GENERIC, "cannot encode the public key");
        }
    }
    /* ECDSA P-384 DER signatures are at most 104 bytes; reserve the bound. */
    size_t sig_cap = key ? SIG_FIXED + (size_t)der_len + CG_IMAGE_SIGVAL_MAX : 0;
    size_t cap = CG_IMAGE_HEADER_LEN + man_len + elf_len + sig_cap;
    uint8_t *img = calloc(1, cap);
    if (img == NULL) {
        OPENSSL_free(der);
        return CG_WHY(CC_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(img, CG_IMAGE_MAGIC, CG_IMAGE_MAGIC_LEN);
    put32(img + 8, CG_IMAGE_FORMAT_VERSION);
    put32(img + 12, CG_IMAGE_HEADER_LEN);
    put32(img + 16, (uint32_t)man_len);
    put64(img + 24, elf_len);
    memcpy(img + CG_IMAGE_HEADER_LEN, man, man_len);
    uint8_t *e = img + CG_IMAGE_HEADER_LEN + man_len;
    memcpy(e, elf, elf_len);
    /* Make the embedded manifest say what the image manifest says: the
     * enclave runtime reads it to size its threads. */
    struct cg_manifest want;
    cg_manifest_to_cg(m, &want);
    memcpy(e + moff, &want, sizeof(want));

    size_t total = CG_IMAGE_HEADER_LEN + man_len + elf_len;
    if (key != NULL) {
        uint8_t meas[CG_IMAGE_HASH_LEN];
        uint8_t *s = img + total;
        size_t sv_len = CG_IMAGE_SIGVAL_MAX;
        EVP_PKEY_CTX *ctx = NULL;
        rc = measure_encoded(man, man_len, e, elf_len, meas);
        if (rc == CC_SUCCESS) {
            ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
            if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
                EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()) != 1 ||
                EVP_PKEY_sign(ctx, s + SIG_FIXED + der_len, &sv_len, meas, sizeof(meas)) != 1 ||
                sv_len == 0 || sv_len > CG_IMAGE_SIGVAL_MAX)
                rc = CC_ERROR_GENERIC;
        }
        EVP_PKEY_CTX_free(ctx);
        if (rc != CC_SUCCESS) {
            OPENSSL_free(der);
            free(img);
            return CG_WHY(CC_ERROR_GENERIC, "signing the measurement failed");
        }
        put32(s, CG_IMAGE_SIG_FORMAT);
        put16(s + 4, (uint16_t)der_len);
        put16(s + 6, (uint16_t)sv_len);
        memcpy(s + SIG_FIXED, der, (size_t)der_len);
        uint32_t sig_len = (uint32_t)(SIG_FIXED + (size_t)der_len + sv_len);
        put32(img + 20, sig_len);
        total += sig_len;
    }
    OPENSSL_free(der);
    *out = img;
    *out_len = total;
    return CC_SUCCESS;
}
