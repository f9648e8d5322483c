/*
 * verify.c - base-value files (secGear lines and cgear policies), the full
 * report verification and secGear's cc_verify_report().
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "attest.h"
#include "text.h"

#define BADPOL(...) CG_WHY(CC_ERROR_RA_REPORT_VERIFY_INPUT, __VA_ARGS__)

#define POLICY_FILE_MAX 65536
#define POLICY_LINE_MAX 4096

void cg_policy_init(struct cg_attest_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_age_s = CG_POLICY_DEFAULT_MAX_AGE_S;
}

static bool parse_hex48(const char *s, size_t n, uint8_t out[CG_REPORT_HASH_LEN])
{
    if (n != 2 * CG_REPORT_HASH_LEN)
        return false;
    for (size_t i = 0; i < CG_REPORT_HASH_LEN; i++) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = s[2 * i + (size_t)j];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return false;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

/* Decimal only: a policy is read by people, and "010" must not be octal. */
static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    return s;
}

static const char *trim_end(const char *s, const char *end)
{
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    return end;
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > CG_REPORT_MODULE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            return false;
    return true;
}

/* One secGear base-value line: three whitespace-separated fields. */
static cc_enclave_result_t secgear_line(const char *s, const char *end, unsigned line, struct cg_attest_policy *p,
                                        char *why, size_t why_len)
{
    const char *f[4];
    size_t n[4], count = 0;
    while (s < end && count < 4) {
        s = skip_space(s, end);
        if (s == end)
            break;
        const char *b = s;
        while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        f[count] = b;
        n[count++] = (size_t)(s - b);
    }
    if (count != 3)
        return BADPOL("line %u: a secGear base value is `taid img_hash mem_hash`", line);
    if (p->nrefs == CG_POLICY_MAX_REFS)
        return BADPOL("line %u: more than %u base values", line, CG_POLICY_MAX_REFS);
    struct cg_policy_ref *r = &p->refs[p->nrefs];
    if (!(n[0] == 1 && f[0][0] == '*') && !name_ok(f[0], n[0]))
        return BADPOL("line %u: taid must be the enclave name (1..63 of [A-Za-z0-9_.-]) or *", line);
    memcpy(r->taid, f[0], n[0]);
    r->taid[n[0]] = '\0';
    if (!parse_hex48(f[1], n[1], r->img_hash))
        return BADPOL("line %u: img_hash is not 96 hex digits (SHA-384)", line);
    if (!parse_hex48(f[2], n[2], r->mem_hash))
        return BADPOL("line %u: mem_hash is not 96 hex digits (SHA-384)", line);
    p->nrefs++;
    return CC_SUCCESS;
}

/* One `key = value` line of a cgear policy. @seen tracks single keys. */
static cc_enclave_result_t cgear_line(const char *s, const char *end, unsigned line, const char *base_dir,
                                      unsigned *seen, struct cg_attest_policy *p, char *why, size_t why_len)
{
    static const char *const keys[] = {"module_id", "measurement",  "signer",        "elf_hash", "runtime",
                                       "min_security_version", "debug", "platform_cert", "max_age"};
    const char *eq = memchr(s, '=', (size_t)(end - s));
    if (eq == NULL)
        return BADPOL("line %u: expected `key = value`", line);
    const char *k = s, *kend = trim_end(s, eq), *v = skip_space(eq + 1, end), *vend = trim_end(v, end);
    size_t kn = (size_t)(kend - k), vn = (size_t)(vend - v);
    int idx = -1;
    for (int i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++)
        if (strlen(keys[i]) == kn && memcmp(keys[i], k, kn) == 0)
            idx = i;
    if (idx < 0)
        return BADPOL("line %u: unknown key '%.*s'", line, (int)(kn > 40 ? 40 : kn), k);
    if (idx != 1) { /* measurement may repeat: any of them is accepted */
        if (*seen & (1u << idx))
            return BADPOL("line %u: %s given twice", line, keys[idx]);
        *seen |= 1u << idx;
    }
    uint64_t u;
    switch (idx) {
    case 0:
        if (!name_ok(v, vn))
            return BADPOL("line %u: module_id must be 1..63 of [A-Za-z0-9_.-]", line);
        memcpy(p->module_id, v, vn);
        p->module_id[vn] = '\0';
        break;
    case 1:
        if (p->nmeasurements == CG_POLICY_MAX_REFS)
            return BADPOL("line %u: more than %u measurements", line, CG_POLICY_MAX_REFS);
        if (!parse_hex48(v, vn, p->measurements[p->nmeasurements]))
            return BADPOL("line %u: measurement is not 96 hex digits (SHA-384)", line);
        p->nmeasurements++;
        break;
    case 2:
        if (!parse_hex48(v, vn, p->signer))
            return BADPOL("line %u: signer is not 96 hex digits (SHA-384)", line);
        p->has_signer = true;
        break;
    case 3:
        if (!parse_hex48(v, vn, p->elf_hash))
            return BADPOL("line %u: elf_hash is not 96 hex digits (SHA-384)", line);
        p->has_elf_hash = true;
        break;
    case 4:
        if (!parse_hex48(v, vn, p->runtime))
            return BADPOL("line %u: runtime is not 96 hex digits (SHA-384)", line);
        p->has_runtime = true;
        break;
    case 5:
        if (!parse_u64(v, vn, UINT32_MAX, &u))
            return BADPOL("line %u: min_security_version is not a number 0..4294967295", line);
        p->min_security_version = (uint32_t)u;
        break;
    case 6:
        if (vn == 7 && memcmp(v, "allowed", 7) == 0)
            p->debug_allowed = true;
        else if (vn == 7 && memcmp(v, "refused", 7) == 0)
            p->debug_allowed = false;
        else
            return BADPOL("line %u: debug is `allowed` or `refused`", line);
        break;
    case 7: {
        int w;
        if (vn == 0)
            return BADPOL("line %u: platform_cert needs a path", line);
        if (v[0] == '/' || base_dir == NULL)
            w = snprintf(p->platform_cert, sizeof(p->platform_cert), "%.*s", (int)vn, v);
        else
            w = snprintf(p->platform_cert, sizeof(p->platform_cert), "%s/%.*s", base_dir, (int)vn, v);
        if (w < 0 || (size_t)w >= sizeof(p->platform_cert))
            return BADPOL("line %u: platform_cert path too long", line);
        break;
    }
    default:
        /* Ten years bounds the product below with room to spare. */
        if (!parse_u64(v, vn, 10ull * 365 * 24 * 3600, &u))
            return BADPOL("line %u: max_age is a number of seconds (0: no limit)", line);
        p->max_age_s = u;
        break;
    }
    return CC_SUCCESS;
}

cc_enclave_result_t cg_policy_parse(const char *text, size_t len, const char *base_dir, struct cg_attest_policy *p,
                                    char *why, size_t why_len)
{
    if (text == NULL || p == NULL)
        return BADPOL("NULL argument");
    cg_policy_init(p);
    if (memchr(text, '\0', len) != NULL)
        return BADPOL("the base-value file contains a NUL byte");
    int format = 0; /* 0 undecided, 1 secGear, 2 cgear */
    unsigned seen = 0, line = 0;
    for (const char *s = text, *end = text + len; s < end;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *lend = nl != NULL ? nl : end;
        line++;
        if (lend - s > POLICY_LINE_MAX)
            return BADPOL("line %u: longer than %d characters", line, POLICY_LINE_MAX);
        const char *b = skip_space(s, lend), *e = trim_end(b, lend);
        if (b < e && *b != '#') {
            if (format == 0)
                format = memchr(b, '=', (size_t)(e - b)) != NULL ? 2 : 1;
            cc_enclave_result_t rc = format == 1 ? secgear_line(b, e, line, p, why, why_len)
                                                 : cgear_line(b, e, line, base_dir, &seen, p, why, why_len);
            if (rc != CC_SUCCESS)
                return rc;
        }
        s = nl != NULL ? nl + 1 : end;
    }
    p->secgear_format = format == 1;
    if (format == 0)
        return BADPOL("the base-value file is empty");
    /* A policy that pins nothing would accept any enclave the platform runs. */
    if (format == 2 && p->nmeasurements == 0 && !p->has_signer)
        return BADPOL("the policy names no measurement and no signer: it would accept any enclave");
    return CC_SUCCESS;
}

cc_enclave_result_t cg_policy_load(const char *path, struct cg_attest_policy *p, char *why, size_t why_len)
{
    if (path == NULL || p == NULL)
        return BADPOL("no base-value file given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return BADPOL("cannot open base-value file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > POLICY_FILE_MAX) {
        close(fd);
        return BADPOL("%s is not a regular file of at most %d bytes", path, POLICY_FILE_MAX);
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        close(fd);
        return CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    /* Relative certificate paths are the policy file's neighbours. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    cc_enclave_result_t rc = got == n ? cg_policy_parse(buf, n, dirname(dir), p, why, why_len)
                                      : BADPOL("cannot read %s", path);
    if (rc == CC_ERROR_RA_REPORT_VERIFY_INPUT && why != NULL) {
        /* Name the file in front of "line N: ...". */
        char inner[256];
        snprintf(inner, sizeof(inner), "%s", why);
        snprintf(why, why_len, "%s: %s", path, inner);
    }
    free(buf);
    return rc;
}

/* The trusted certificates: every PEM certificate in the file, or one DER. */
static cc_enclave_result_t load_trusted(const char *path, STACK_OF(X509) *out, char *why, size_t why_len)
{
    if (path[0] == '\0') {
        X509 *x = NULL;
        char inner[200] = "";
        if (cg_platform_read_cert(NULL, &x, inner, sizeof(inner)) != CC_SUCCESS)
            return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_CERT, "no trusted platform certificate: %s", inner);
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            return CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
        }
        return CC_SUCCESS;
    }
    BIO *b = BIO_new_file(path, "rb");
    if (b == NULL)
        return BADPOL("cannot open the trusted platform certificate %s", path);
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            break;
        }
    if (sk_X509_num(out) == 0) {
        /* Not PEM: try one DER certificate from the start. */
        (void)BIO_reset(b);
        x = d2i_X509_bio(b, NULL);
        if (x != NULL && !sk_X509_push(out, x))
            X509_free(x);
    }
    BIO_free(b);
    if (sk_X509_num(out) == 0)
        return BADPOL("%s holds no PEM or DER certificate", path);
    return CC_SUCCESS;
}

static bool hash_eq(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, CG_REPORT_HASH_LEN) == 0;
}

static cc_enclave_result_t check_identity(const struct cg_report *r, const struct cg_attest_policy *p,
                                          cc_ra_verify_type_t type, char *why, size_t why_len)
{
    if (p->secgear_format) {
        bool named = false;
        for (size_t i = 0; i < p->nrefs; i++) {
            const struct cg_policy_ref *ref = &p->refs[i];
            if (strcmp(ref->taid, "*") != 0 && strcmp(ref->taid, r->module_id) != 0)
                continue;
            named = true;
            if (hash_eq(ref->img_hash, r->measurement) &&
                (type == CC_RA_VERIFY_TYPE_LOOSE || hash_eq(ref->mem_hash, r->elf_hash)))
                return CC_SUCCESS;
        }
        if (!named)
            return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_BASEVALUE, "no base value for enclave '%s'", r->module_id);
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_HASH, "enclave '%s': %s not the base value", r->module_id,
                   type == CC_RA_VERIFY_TYPE_LOOSE ? "the image measurement (PCR 0) is"
                                                   : "the image measurement (PCR 0) or ELF hash (PCR 2) is");
    }
    if (p->module_id[0] != '\0' && strcmp(p->module_id, r->module_id) != 0)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_BASEVALUE, "the policy is for enclave '%s', the report is from '%s'",
                   p->module_id, r->module_id);
    if (p->nmeasurements > 0) {
        bool any = false;
        for (size_t i = 0; i < p->nmeasurements; i++)
            any = any || hash_eq(p->measurements[i], r->measurement);
        if (!any)
            return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_HASH, "the image measurement (PCR 0) is not one the policy accepts");
    }
    if (p->has_signer && !hash_eq(p->signer, r->signer))
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_HASH, "the enclave is signed by another key (PCR 8)");
    if (p->has_elf_hash && !hash_eq(p->elf_hash, r->elf_hash))
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_HASH, "the enclave ELF hash (PCR 2) differs");
    if (p->has_runtime && !hash_eq(p->runtime, r->runtime))
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_HASH, "the runtime measurement (PCR 1) differs");
    if (r->security_version < p->min_security_version)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_BASEVALUE, "security version %u is below the policy's minimum %u",
                   r->security_version, p->min_security_version);
    return CC_SUCCESS;
}

cc_enclave_result_t cg_attest_verify(const uint8_t *buf, size_t len, const uint8_t *nonce, size_t nonce_len,
                                     cc_ra_verify_type_t type, const struct cg_attest_policy *p, uint64_t now_ms,
                                     struct cg_report *out, char *why, size_t why_len)
{
    if (buf == NULL || p == NULL || (nonce == NULL && nonce_len != 0))
        return BADPOL("NULL argument");
    if (type != CC_RA_VERIFY_TYPE_LOOSE && type != CC_RA_VERIFY_TYPE_STRICT)
        return BADPOL("unknown verification type %d", (int)type);
    if (nonce_len > CG_REPORT_NONCE_MAX)
        return BADPOL("a nonce is at most %u bytes", CG_REPORT_NONCE_MAX);
    struct cg_report local, *r = out != NULL ? out : &local;
    cc_enclave_result_t rc = cg_report_parse(buf, len, r, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    if ((rc = cg_report_check_signature(r, why, why_len)) != CC_SUCCESS)
        return rc;

    STACK_OF(X509) *trusted = sk_X509_new_null();
    if (trusted == NULL)
        return CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
    rc = load_trusted(p->platform_cert, trusted, why, why_len);
    if (rc == CC_SUCCESS)
        rc = cg_report_check_chain(r, trusted, why, why_len);
    sk_X509_pop_free(trusted, X509_free);
    if (rc != CC_SUCCESS)
        return rc;

    /* Length first, then constant time: the nonce is not secret, but there
     * is no reason to leak where it differs. */
    bool nonce_ok = nonce == NULL ? r->nonce == NULL
                                  : r->nonce != NULL && r->nonce_len == nonce_len &&
                                        (nonce_len == 0 || CRYPTO_memcmp(r->nonce, nonce, nonce_len) == 0);
    if (!nonce_ok)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_NONCE, "the report's nonce is not this verifier's (a replayed report?)");

    if (r->timestamp_ms > now_ms && r->timestamp_ms - now_ms > CG_REPORT_FUTURE_SKEW_MS)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_STALE, "the report is dated %llu s in the future",
                   (unsigned long long)((r->timestamp_ms - now_ms) / 1000));
    if (p->max_age_s != 0 && now_ms > r->timestamp_ms && now_ms - r->timestamp_ms > p->max_age_s * 1000)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_STALE, "the report is %llu s old, more than the %llu s allowed",
                   (unsigned long long)((now_ms - r->timestamp_ms) / 1000), (unsigned long long)p->max_age_s);

    if (r->debug && !p->debug_allowed)
        return CG_WHY(CC_ERROR_RA_REPORT_VERIFY_DEBUG,
                   "the enclave runs in debug mode (its memory is readable by the host); the policy wants production");
    return check_identity(r, p, type, why, why_len);
}

/* secGear's entry point. Exported from libcgear_urts (built with hidden
 * visibility), hence the attribute. */
__attribute__((visibility("default"))) cc_enclave_result_t cc_verify_report(cc_ra_buf_t *report, cc_ra_buf_t *nonce,
                                                                             cc_ra_verify_type_t type,
                                                                             char *basevalue)
{
    char why_buf[512] = "", *why = why_buf;
    size_t why_len = sizeof(why_buf);
    cc_enclave_result_t rc;
    struct cg_attest_policy *pol = NULL;
    if (report == NULL || report->buf == NULL || report->len == 0 || nonce == NULL || nonce->buf == NULL ||
        nonce->len == 0 || basevalue == NULL) {
        rc = BADPOL("a report, a nonce and a base-value file are all needed");
    } else if ((pol = malloc(sizeof(*pol))) == NULL) {
        rc = CG_WHY(CC_ERROR_RA_MEMORY, "out of memory");
    } else if ((rc = cg_policy_load(basevalue, pol, why, why_len)) == CC_SUCCESS) {
        rc = cg_attest_verify(report->buf, report->len, nonce->buf, nonce->len, type, pol, cg_now_ms(), NULL, why,
                              why_len);
    }
    free(pol);
    if (rc != CC_SUCCESS)
        fprintf(stderr, "cgear: error: attestation report rejected: %s\n", why);
    return rc;
}
