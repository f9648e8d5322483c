/*
 * platform.c - the platform's root secret and attestation key (OpenSSL 3).
 * See platform.h for the folder layout and the rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "platform.h"
#include "text.h"


/* A platform file is small; anything larger is not one of ours. */
#define PLATFORM_FILE_MAX 65536

struct cg_platform {
    char dir[PATH_MAX];
    uint8_t root[CG_PLATFORM_ROOT_LEN];
    EVP_PKEY *key;
    X509 *cert;
};

cc_enclave_result_t cg_platform_default_dir(char *out, size_t cap, char *why, size_t why_len)
{
    const char *env = getenv(CG_PLATFORM_ENV);
    int n;
    if (env != NULL && env[0] != '\0') {
        n = snprintf(out, cap, "%s", env);
    } else {
        /* XDG says relative values are invalid and must be ignored. */
        const char *xdg = getenv("XDG_DATA_HOME");
        if (xdg != NULL && xdg[0] == '/') {
            n = snprintf(out, cap, "%s/cgear/platform", xdg);
        } else {
            const char *home = getenv("HOME");
            if (home == NULL || home[0] != '/') {
                struct passwd *pw = getpwuid(geteuid());
                home = pw != NULL ? pw->pw_dir : NULL;
            }
            if (home == NULL || home[0] != '/')
                return CG_WHY(CC_ERROR_INVALID_PATH, "no home folder for the platform keys: set %s", CG_PLATFORM_ENV);
            n = snprintf(out, cap, "%s/.local/share/cgear/platform", home);
        }
    }
    if (n < 0 || (size_t)n >= cap)
        return CG_WHY(CC_ERROR_INVALID_PATH, "the platform folder path is too long");
    return CC_SUCCESS;
}

bool cg_key_is_p384(EVP_PKEY *key)
{
    char group[64] = "";
    size_t glen = 0;
    return key != NULL && EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) == 1 &&
           strcmp(group, "secp384r1") == 0;
}

/* mkdir -p with mode 0700 for the folders it makes; existing parents are
 * left as they are (they may be shared, e.g. ~/.local). */
static cc_enclave_result_t make_dirs(const char *dir, char *why, size_t why_len)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
        return CG_WHY(CC_ERROR_INVALID_PATH, "the platform folder path is too long");
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return CG_WHY(CC_ERROR_INVALID_PATH, "cannot create %s: %s", path, strerror(errno));
            if (end)
                break;
            *p = '/';
        }
    }
    return CC_SUCCESS;
}

/* The folder must be a real directory of ours that others cannot write:
 * otherwise they could swap the files under us. */
static cc_enclave_result_t check_dir(const char *dir, char *why, size_t why_len)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return CG_WHY(CC_ERROR_INVALID_PATH, "no platform at %s: %s (run `cgear platform init`)", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return CG_WHY(CC_ERROR_INVALID_PATH, "%s is not a folder", dir);
    if (st.st_uid != geteuid())
        return CG_WHY(CC_ERROR_ACCESS_DENIED, "%s belongs to another user (uid %u)", dir, (unsigned)st.st_uid);
    if (st.st_mode & 022)
        return CG_WHY(CC_ERROR_ACCESS_DENIED, "%s is writable by others (mode %04o): chmod 700 it", dir,
                   (unsigned)(st.st_mode & 07777));
    return CC_SUCCESS;
}

/* Read a whole platform file, refusing symlinks and files others can read
 * or write; checked on the open descriptor, not the name (no race). */
static cc_enclave_result_t read_file(const char *dir, const char *name, bool secret, uint8_t **out, size_t *len,
                                     char *why, size_t why_len)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return CG_WHY(CC_ERROR_INVALID_PATH, "the platform folder path is too long");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    cc_enclave_result_t rc = CC_SUCCESS;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = CG_WHY(CC_ERROR_BAD_FORMAT, "%s is not a regular file", path);
    else if (secret && st.st_uid != geteuid())
        rc = CG_WHY(CC_ERROR_ACCESS_DENIED, "%s belongs to another user (uid %u)", path, (unsigned)st.st_uid);
    else if (secret && (st.st_mode & 077))
        rc = CG_WHY(CC_ERROR_ACCESS_DENIED, "%s is accessible by others (mode %04o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 07777));
    else if (st.st_size <= 0 || st.st_size > PLATFORM_FILE_MAX)
        rc = CG_WHY(CC_ERROR_BAD_FORMAT, "%s has an impossible size (%lld bytes)", path, (long long)st.st_size);
    uint8_t *buf = NULL;
    size_t n = rc == CC_SUCCESS ? (size_t)st.st_size : 0, got = 0;
    if (rc == CC_SUCCESS && (buf = malloc(n)) == NULL)
        rc = CG_WHY(CC_ERROR_OUT_OF_MEMORY, "out of memory");
    while (rc == CC_SUCCESS && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            rc = CG_WHY(CC_ERROR_INVALID_PATH, "cannot read %s", path);
        else
            got += (size_t)r;
    }
    close(fd);
    if (rc != CC_SUCCESS) {
        if (buf != NULL)
            OPENSSL_clear_free(buf, n);
        return rc;
    }
    *out = buf;
    *len = n;
    return CC_SUCCESS;
}

/* Write @name through a 0600 temporary file and rename(), so a reader never
 * sees half a file. */
static cc_enclave_result_t write_file(const char *dir, const char *name, const uint8_t *p, size_t len, char *why,
                                      size_t why_len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
        return CG_WHY(CC_ERROR_INVALID_PATH, "the platform folder path is too long");
    unlink(tmp); /* a leftover of an interrupted creation; we hold the lock */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot create %s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    bool ok = done == len && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot write %s: %s", path, strerror(e));
    }
    return CC_SUCCESS;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return 0;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* The dev platform's self-signed certificate. It is a CA certificate
 * (basicConstraints CA:TRUE) so that a verifier can use it directly as a
 * trust anchor, and a real platform can later be a leaf under a vendor CA
 * without changing the report format. */
static X509 *make_cert(EVP_PKEY *key)
{
    X509 *x = X509_new();
    BIGNUM *serial = NULL;
    uint8_t sb[16];
    bool ok = x != NULL && X509_set_version(x, 2) == 1 && RAND_bytes(sb, sizeof(sb)) == 1;
    if (ok) {
        sb[0] &= 0x7f; /* a positive serial, as RFC 5280 requires */
        serial = BN_bin2bn(sb, sizeof(sb), NULL);
        ok = serial != NULL && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL;
    }
    X509_NAME *name = ok ? X509_get_subject_name(x) : NULL;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), 20L * 365 * 24 * 3600) != NULL &&
         X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"cgear", -1, -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"cgear dev platform", -1, -1,
                                    0) == 1 &&
         X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key) == 1 &&
         add_ext(x, NID_basic_constraints, "critical,CA:TRUE") && add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
         add_ext(x, NID_subject_key_identifier, "hash") && X509_sign(x, key, EVP_sha384()) > 0;
    BN_free(serial);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* PEM text of a key or certificate into a malloc()ed buffer. */
static uint8_t *pem_of(EVP_PKEY *key, X509 *cert, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    uint8_t *out = NULL;
    if (b != NULL && (key != NULL ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
                                  : PEM_write_bio_X509(b, cert)) == 1) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0 && (out = malloc((size_t)n)) != NULL) {
            memcpy(out, data, (size_t)n);
            *len = (size_t)n;
        }
    }
    BIO_free(b); /* BIO_s_mem frees (not wipes) its buffer; the key PEM lives briefly */
    return out;
}

static cc_enclave_result_t create_platform(struct cg_platform *p, char *why, size_t why_len)
{
    if (RAND_priv_bytes(p->root, sizeof(p->root)) != 1)
        return CG_WHY(CC_ERROR_GENERIC, "no random bytes for the root secret");
    p->key = EVP_EC_gen("P-384");
    if (p->key == NULL)
        return CG_WHY(CC_ERROR_GENERIC, "OpenSSL could not generate an EC P-384 key");
    p->cert = make_cert(p->key);
    if (p->cert == NULL)
        return CG_WHY(CC_ERROR_GENERIC, "OpenSSL could not make the platform certificate");
    size_t klen = 0, clen = 0;
    uint8_t *kpem = pem_of(p->key, NULL, &klen), *cpem = pem_of(NULL, p->cert, &clen);
    cc_enclave_result_t rc = CC_SUCCESS;
    if (kpem == NULL || cpem == NULL)
        rc = CG_WHY(CC_ERROR_OUT_OF_MEMORY, "out of memory");
    /* The certificate last: its presence marks a complete platform. */
    if (rc == CC_SUCCESS)
        rc = write_file(p->dir, CG_PLATFORM_ROOT_FILE, p->root, sizeof(p->root), why, why_len);
    if (rc == CC_SUCCESS)
        rc = write_file(p->dir, CG_PLATFORM_KEY_FILE, kpem, klen, why, why_len);
    if (rc == CC_SUCCESS)
        rc = write_file(p->dir, CG_PLATFORM_CERT_FILE, cpem, clen, why, why_len);
    if (kpem != NULL)
        OPENSSL_clear_free(kpem, klen);
    free(cpem);
    return rc;
}

static X509 *cert_from_pem(const uint8_t *buf, size_t len)
{
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

static cc_enclave_result_t load_platform(struct cg_platform *p, char *why, size_t why_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    cc_enclave_result_t rc = read_file(p->dir, CG_PLATFORM_ROOT_FILE, true, &buf, &len, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    if (len != CG_PLATFORM_ROOT_LEN) {
        OPENSSL_clear_free(buf, len);
        return CG_WHY(CC_ERROR_BAD_FORMAT, "%s/%s is not %u bytes long", p->dir, CG_PLATFORM_ROOT_FILE,
                   CG_PLATFORM_ROOT_LEN);
    }
    memcpy(p->root, buf, len);
    OPENSSL_clear_free(buf, len);

    if ((rc = read_file(p->dir, CG_PLATFORM_KEY_FILE, true, &buf, &len, why, why_len)) != CC_SUCCESS)
        return rc;
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    p->key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_clear_free(buf, len);
    if (!cg_key_is_p384(p->key))
        return CG_WHY(CC_ERROR_BAD_FORMAT, "%s/%s is not an EC P-384 private key", p->dir, CG_PLATFORM_KEY_FILE);

    if ((rc = read_file(p->dir, CG_PLATFORM_CERT_FILE, true, &buf, &len, why, why_len)) != CC_SUCCESS)
        return rc;
    p->cert = cert_from_pem(buf, len);
    free(buf);
    if (p->cert == NULL)
        return CG_WHY(CC_ERROR_BAD_FORMAT, "%s/%s is not a PEM certificate", p->dir, CG_PLATFORM_CERT_FILE);
    if (EVP_PKEY_eq(X509_get0_pubkey(p->cert), p->key) != 1)
        return CG_WHY(CC_ERROR_BAD_FORMAT, "the platform certificate in %s is not for its key", p->dir);
    return CC_SUCCESS;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    return snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) && lstat(path, &st) == 0;
}

cc_enclave_result_t cg_platform_open(const char *dir, bool create, struct cg_platform **out, bool *created, char *why,
                                     size_t why_len)
{
    if (out == NULL)
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "no output pointer");
    *out = NULL;
    if (created != NULL)
        *created = false;
    struct cg_platform *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return CG_WHY(CC_ERROR_OUT_OF_MEMORY, "out of memory");
    cc_enclave_result_t rc = CC_SUCCESS;
    if (dir != NULL) {
        if (dir[0] == '\0' || snprintf(p->dir, sizeof(p->dir), "%s", dir) >= (int)sizeof(p->dir))
            rc = CG_WHY(CC_ERROR_INVALID_PATH, "bad platform folder path");
    } else {
        rc = cg_platform_default_dir(p->dir, sizeof(p->dir), why, why_len);
    }
    if (rc == CC_SUCCESS && create)
        rc = make_dirs(p->dir, why, why_len);
    if (rc == CC_SUCCESS)
        rc = check_dir(p->dir, why, why_len);

    int lock = -1;
    if (rc == CC_SUCCESS && !create) {
        /* A reader waits for a creation in progress instead of seeing a
         * half-made platform; no lock file means nobody ever created one. */
        char lpath[PATH_MAX];
        if (snprintf(lpath, sizeof(lpath), "%s/.lock", p->dir) < (int)sizeof(lpath) &&
            (lock = open(lpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0)
            (void)flock(lock, LOCK_SH);
    }
    if (rc == CC_SUCCESS && create) {
        /* Serialise creation: two first uses at once must not make two
         * root secrets, one of which would be overwritten. */
        char lpath[PATH_MAX];
        if (snprintf(lpath, sizeof(lpath), "%s/.lock", p->dir) >= (int)sizeof(lpath))
            rc = CG_WHY(CC_ERROR_INVALID_PATH, "the platform folder path is too long");
        else if ((lock = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
                 flock(lock, LOCK_EX) != 0)
            rc = CG_WHY(CC_ERROR_INVALID_PATH, "cannot lock %s: %s", lpath, strerror(errno));
    }
    if (rc == CC_SUCCESS) {
        int present = file_exists(p->dir, CG_PLATFORM_ROOT_FILE) + file_exists(p->dir, CG_PLATFORM_KEY_FILE) +
                      file_exists(p->dir, CG_PLATFORM_CERT_FILE);
        if (present == 3) {
            rc = load_platform(p, why, why_len);
        } else if (present == 0 && create) {
            rc = create_platform(p, why, why_len);
            if (rc == CC_SUCCESS && created != NULL)
                *created = true;
        } else if (present == 0) {
            rc = CG_WHY(CC_ERROR_INVALID_PATH, "no platform keys in %s (run `cgear platform init`)", p->dir);
        } else {
            /* Never regenerate over a partial platform: a new root secret
             * silently orphans every sealed blob. A person decides. */
            rc = CG_WHY(CC_ERROR_BAD_FORMAT,
                     "incomplete platform in %s (%d of 3 files): restore it, or delete the folder to make a new "
                     "platform (data sealed with the old one is then lost)",
                     p->dir, present);
        }
    }
    if (lock >= 0)
        close(lock); /* releases the flock */
    if (rc != CC_SUCCESS) {
        cg_platform_close(p);
        return rc;
    }
    *out = p;
    return CC_SUCCESS;
}

void cg_platform_close(struct cg_platform *p)
{
    if (p == NULL)
        return;
    EVP_PKEY_free(p->key);
    X509_free(p->cert);
    OPENSSL_cleanse(p->root, sizeof(p->root));
    free(p);
}

const char *cg_platform_dir(const struct cg_platform *p)
{
    return p->dir;
}

EVP_PKEY *cg_platform_key(const struct cg_platform *p)
{
    return p->key;
}

X509 *cg_platform_cert(const struct cg_platform *p)
{
    return p->cert;
}

cc_enclave_result_t cg_platform_cert_der(const struct cg_platform *p, uint8_t **der, size_t *len)
{
    int n = i2d_X509(p->cert, NULL);
    if (n <= 0)
        return CC_ERROR_GENERIC;
    uint8_t *buf = malloc((size_t)n), *q = buf;
    if (buf == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    if (i2d_X509(p->cert, &q) != n) {
        free(buf);
        return CC_ERROR_GENERIC;
    }
    *der = buf;
    *len = (size_t)n;
    return CC_SUCCESS;
}

cc_enclave_result_t cg_platform_read_cert(const char *dir, X509 **out, char *why, size_t why_len)
{
    char d[PATH_MAX];
    cc_enclave_result_t rc = CC_SUCCESS;
    if (dir == NULL)
        rc = cg_platform_default_dir(d, sizeof(d), why, why_len);
    else if (snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d))
        rc = CG_WHY(CC_ERROR_INVALID_PATH, "the platform folder path is too long");
    if (rc != CC_SUCCESS)
        return rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    /* The certificate is public: no permission rule, only "ours or not". */
    if ((rc = read_file(d, CG_PLATFORM_CERT_FILE, false, &buf, &len, why, why_len)) != CC_SUCCESS)
        return rc;
    *out = cert_from_pem(buf, len);
    free(buf);
    if (*out == NULL)
        return CG_WHY(CC_ERROR_BAD_FORMAT, "%s/%s is not a PEM certificate", d, CG_PLATFORM_CERT_FILE);
    return CC_SUCCESS;
}

cc_enclave_result_t cg_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const char *label, const uint8_t *info,
                                   size_t info_len, uint8_t *out, size_t out_len)
{
    if (ikm == NULL || ikm_len == 0 || label == NULL || label[0] == '\0' || (info == NULL && info_len != 0) ||
        out == NULL || out_len == 0 || out_len > 255 * 32)
        return CC_ERROR_BAD_PARAMETERS;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (ctx == NULL)
        return CC_ERROR_GENERIC;
    OSSL_PARAM params[5], *q = params;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, strlen(label));
    /* An empty info is the same HKDF as no info; some providers refuse
     * zero-length octet parameters, so leave it out. */
    if (info_len > 0)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *q = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok ? CC_SUCCESS : CC_ERROR_GENERIC;
}

cc_enclave_result_t cg_platform_derive(const struct cg_platform *p, const char *label, const uint8_t *info,
                                       size_t info_len, uint8_t *out, size_t out_len)
{
    if (p == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    return cg_hkdf_sha256(p->root, sizeof(p->root), label, info, info_len, out, out_len);
}

cc_enclave_result_t cg_platform_seal_key(const struct cg_platform *p, uint8_t policy,
                                         const uint8_t id[CG_PLATFORM_ID_LEN], uint8_t key[CG_PLATFORM_SEAL_KEY_LEN])
{
    uint8_t base = policy & (uint8_t)~CG_SEAL_KEY_DEBUG;
    if ((base != CG_SEAL_POLICY_MEASUREMENT && base != CG_SEAL_POLICY_SIGNER) || id == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    uint8_t info[1 + CG_PLATFORM_ID_LEN];
    info[0] = policy;
    memcpy(info + 1, id, CG_PLATFORM_ID_LEN);
    return cg_platform_derive(p, CG_PLATFORM_LABEL_SEAL, info, sizeof(info), key, CG_PLATFORM_SEAL_KEY_LEN);
}

cc_enclave_result_t cg_es384_sign(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t sig[CG_ES384_SIG_LEN])
{
    if (!cg_key_is_p384(key) || (msg == NULL && len != 0) || sig == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[128];
    size_t der_len = sizeof(der);
    cc_enclave_result_t rc = CC_ERROR_GENERIC;
    if (md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) == 1 &&
        EVP_DigestSign(md, der, &der_len, msg, len) == 1) {
        /* OpenSSL produces DER ECDSA-Sig-Value; COSE wants fixed-size r||s. */
        const uint8_t *d = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)der_len);
        const BIGNUM *r = NULL, *s = NULL;
        if (es != NULL) {
            ECDSA_SIG_get0(es, &r, &s);
            if (BN_bn2binpad(r, sig, 48) == 48 && BN_bn2binpad(s, sig + 48, 48) == 48)
                rc = CC_SUCCESS;
        }
        ECDSA_SIG_free(es);
    }
    EVP_MD_CTX_free(md);
    return rc;
}

cc_enclave_result_t cg_es384_verify(EVP_PKEY *key, const uint8_t *msg, size_t len,
                                    const uint8_t sig[CG_ES384_SIG_LEN])
{
    if (!cg_key_is_p384(key) || sig == NULL)
        return CC_ERROR_SIGNATURE_INVALID;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 48, NULL), *s = BN_bin2bn(sig + 48, 48, NULL);
    uint8_t *der = NULL;
    int der_len = -1;
    if (es != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL; /* owned by es now */
        der_len = i2d_ECDSA_SIG(es, &der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    if (der_len <= 0)
        return CC_ERROR_GENERIC;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int v = -1;
    if (md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1)
        v = EVP_DigestVerify(md, der, (size_t)der_len, msg, len);
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    return v == 1 ? CC_SUCCESS : CC_ERROR_SIGNATURE_INVALID;
}

cc_enclave_result_t cg_platform_sign(const struct cg_platform *p, const uint8_t *msg, size_t len,
                                     uint8_t sig[CG_ES384_SIG_LEN])
{
    if (p == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    return cg_es384_sign(p->key, msg, len, sig);
}
