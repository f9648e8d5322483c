/*
 * manifest_config.c - manifest files a developer writes: cgear's
 * `key = value` text format and secGear's Enclave.config.xml.
 * Both formats are specified in docs/image-format.md.
 *
 * Strict by design: an unknown key, a repeated key or a malformed number is
 * an error with its line number, because a typo in a manifest silently
 * falling back to a default would change what gets measured and signed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define SYNTAX(line, ...)                                                                                    \
    (why && why_len ? (void)(snprintf(why, why_len, "line %u: ", (line)),                                               \
                  snprintf(why + strlen(why), why_len - strlen(why), __VA_ARGS__))                           \
         : (void)0,                                                                                          \
     CC_ERROR_BAD_FORMAT)

/* Parse an unsigned number: decimal or 0x-hex, then (if @suffixes) an
 * optional K, M or G (powers of 1024). Rejects signs, blanks and overflow. */
static bool parse_u64(const char *s, size_t n, bool suffixes, uint64_t *out)
{
    uint64_t mult = 1;
    if (suffixes && n > 0) {
        char c = (char)toupper((unsigned char)s[n - 1]);
        if (c == 'K' || c == 'M' || c == 'G') {
            mult = c == 'K' ? 1024u : c == 'M' ? 1024u * 1024u : 1024u * 1024u * 1024u;
            n--;
        }
    }
    unsigned base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    if (mult > 1 && v > UINT64_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

static bool parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v;
    if (!parse_u64(s, n, false, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncmp(s, w, n) == 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

enum { K_NAME, K_VERSION, K_SVN, K_THREADS, K_HEAP, K_STACK, K_DEBUG, K_ENGINES, K_SHM_SIZE, K_SHM_BLOCKS, K_COUNT };
static const char *const text_keys[K_COUNT] = {"name",       "version",    "security_version",   "threads",
                                               "heap_size",  "stack_size", "debug",              "engines",
                                               "shared_memory_size",       "shared_memory_blocks"};

static cc_enclave_result_t set_text_key(int k, const char *v, size_t vn, unsigned line, struct cg_image_manifest *m,
                                        char *why, size_t why_len)
{
    uint64_t u;
    switch (k) {
    case K_NAME:
        if (vn == 0 || vn > CG_IMAGE_NAME_MAX)
            return SYNTAX(line, "name must have 1..%u characters", CG_IMAGE_NAME_MAX);
        memset(m->name, 0, sizeof(m->name));
        memcpy(m->name, v, vn);
        return CC_SUCCESS;
    case K_VERSION:
        return parse_u32(v, vn, &m->version) ? CC_SUCCESS : SYNTAX(line, "version is not a 32-bit number");
    case K_SVN:
        return parse_u32(v, vn, &m->security_version) ? CC_SUCCESS
                                                      : SYNTAX(line, "security_version is not a 32-bit number");
    case K_THREADS:
        return parse_u32(v, vn, &m->threads) ? CC_SUCCESS : SYNTAX(line, "threads is not a number");
    case K_HEAP:
    case K_STACK:
        if (!parse_u64(v, vn, true, &u))
            return SYNTAX(line, "%s is not a size (bytes, or a number with K, M or G)", text_keys[k]);
        *(k == K_HEAP ? &m->heap_size : &m->stack_size) = u;
        return CC_SUCCESS;
    case K_SHM_SIZE:
        if (!parse_u64(v, vn, true, &u))
            return SYNTAX(line, "shared_memory_size is not a size (bytes, or a number with K, M or G)");
        m->shm_size = u;
        return CC_SUCCESS;
    case K_SHM_BLOCKS:
        return parse_u32(v, vn, &m->shm_blocks) ? CC_SUCCESS : SYNTAX(line, "shared_memory_blocks is not a number");
    case K_DEBUG:
        if (word_is(v, vn, "allowed"))
            m->debug = CG_IMAGE_DEBUG_ALLOWED;
        else if (word_is(v, vn, "only"))
            m->debug = CG_IMAGE_DEBUG_ONLY;
        else if (word_is(v, vn, "disabled"))
            m->debug = CG_IMAGE_DEBUG_DISABLED;
        else
            return SYNTAX(line, "debug must be allowed, only or disabled");
        return CC_SUCCESS;
    case K_ENGINES: {
        if (word_is(v, vn, "all")) {
            m->engines = CG_IMAGE_ENGINE_ALL;
            return CC_SUCCESS;
        }
        uint32_t set = 0;
        while (vn > 0) {
            const char *c = memchr(v, ',', vn);
            size_t wn = c ? (size_t)(c - v) : vn;
            const char *w = v;
            trim(&w, &wn);
            if (word_is(w, wn, "process"))
                set |= CG_IMAGE_ENGINE_PROCESS;
            else if (word_is(w, wn, "kvm"))
                set |= CG_IMAGE_ENGINE_KVM;
            else
                return SYNTAX(line, "engines: '%.*s' is not process or kvm", (int)(wn > 40 ? 40 : wn), w);
            if (c == NULL)
                break;
            vn -= (size_t)(c - v) + 1;
            v = c + 1;
            if (vn == 0)
                return SYNTAX(line, "engines: empty entry after ','");
        }
        if (set == 0)
            return SYNTAX(line, "engines must name at least one engine");
        m->engines = set;
        return CC_SUCCESS;
    }
    }
    return SYNTAX(line, "internal error");
}

static cc_enclave_result_t parse_text(const char *text, size_t len, struct cg_image_manifest *m, char *why,
                                      size_t why_len)
{
    bool seen[K_COUNT] = {false};
    unsigned line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ln = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *s = text + pos;
        pos += ln + (nl ? 1 : 0);
        if (memchr(s, '\0', ln) != NULL)
            return SYNTAX(line, "NUL byte in the manifest");
        trim(&s, &ln);
        if (ln == 0 || s[0] == '#')
            continue;
        const char *eq = memchr(s, '=', ln);
        if (eq == NULL)
            return SYNTAX(line, "expected `key = value`");
        const char *k = s, *v = eq + 1;
        size_t kn = (size_t)(eq - s), vn = ln - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        int key = -1;
        for (int i = 0; i < K_COUNT; i++)
            if (word_is(k, kn, text_keys[i]))
                key = i;
        if (key < 0)
            return SYNTAX(line, "unknown key '%.*s' (known: name, version, security_version, threads, heap_size, "
                                "stack_size, debug, engines, shared_memory_size, shared_memory_blocks)",
                          (int)(kn > 40 ? 40 : kn), k);
        if (seen[key])
            return SYNTAX(line, "key '%s' given twice", text_keys[key]);
        seen[key] = true;
        cc_enclave_result_t rc = set_text_key(key, v, vn, line, m, why, why_len);
        if (rc != CC_SUCCESS)
            return rc;
    }
    return CC_SUCCESS;
}

/* ---- Enclave.config.xml ------------------------------------------------
 * The subset secGear's configuration files use: an optional <?xml ...?>
 * declaration, comments, and one <EnclaveConfiguration> element holding
 * <Element>value</Element> children without attributes. */

struct xml {
    const char *p, *end;
    unsigned line;
};

static void xml_skip(struct xml *x)
{
    for (;;) {
        while (x->p < x->end && isspace((unsigned char)*x->p)) {
            if (*x->p == '\n')
                x->line++;
            x->p++;
        }
        const char *close = NULL;
        if ((size_t)(x->end - x->p) >= 4 && memcmp(x->p, "<!--", 4) == 0)
            close = "-->";
        else if ((size_t)(x->end - x->p) >= 2 && memcmp(x->p, "<?", 2) == 0)
            close = "?>";
        if (close == NULL)
            return;
        size_t cl = strlen(close);
        const char *q = x->p + 2;
        while ((size_t)(x->end - q) >= cl && memcmp(q, close, cl) != 0) {
            if (*q == '\n')
                x->line++;
            q++;
        }
        if ((size_t)(x->end - q) < cl) {
            x->p = x->end; /* unterminated: the caller reports what is missing */
            return;
        }
        x->p = q + cl;
    }
}

/* Read "<name>" or "</name>" (closing when *@closing). */
static bool xml_tag(struct xml *x, const char **name, size_t *n, bool *closing)
{
    if (x->p >= x->end || *x->p != '<')
        return false;
    const char *q = x->p + 1;
    *closing = q < x->end && *q == '/';
    if (*closing)
        q++;
    const char *s = q;
    while (q < x->end && (isalnum((unsigned char)*q) || *q == '_'))
        q++;
    if (q == s || q >= x->end || *q != '>')
        return false;
    *name = s;
    *n = (size_t)(q - s);
    x->p = q + 1;
    return true;
}

static cc_enclave_result_t parse_xml(const char *text, size_t len, struct cg_image_manifest *m, char *why,
                                     size_t why_len)
{
    struct xml x = {text, text + len, 1};
    const char *name;
    size_t n;
    bool closing;
    if (memchr(text, '\0', len) != NULL)
        return SYNTAX(1u, "NUL byte in the XML file");
    xml_skip(&x);
    if (!xml_tag(&x, &name, &n, &closing) || closing || !word_is(name, n, "EnclaveConfiguration"))
        return SYNTAX(x.line, "expected <EnclaveConfiguration>");
    /* The last two are cgear's: secGear's files have no shared-memory limits. */
    static const char *const known[] = {"StackMaxSize", "HeapMaxSize",      "TCSNum",
                                        "DisableDebug", "ISVSVN",           "SharedMemMaxSize",
                                        "SharedMemMaxBlocks"};
    enum { NKNOWN = sizeof(known) / sizeof(known[0]) };
    bool seen[NKNOWN] = {false};
    for (;;) {
        xml_skip(&x);
        unsigned line = x.line;
        if (!xml_tag(&x, &name, &n, &closing))
            return SYNTAX(line, "expected an element or </EnclaveConfiguration>");
        if (closing) {
            if (!word_is(name, n, "EnclaveConfiguration"))
                return SYNTAX(line, "unexpected closing tag");
            break;
        }
        const char *v = x.p;
        while (x.p < x.end && *x.p != '<') {
            if (*x.p == '\n')
                x.line++;
            x.p++;
        }
        size_t vn = (size_t)(x.p - v);
        const char *cname;
        size_t cn;
        if (!xml_tag(&x, &cname, &cn, &closing) || !closing || cn != n || memcmp(cname, name, n) != 0)
            return SYNTAX(line, "<%.*s> is not closed by </%.*s>", (int)(n > 40 ? 40 : n), name,
                          (int)(n > 40 ? 40 : n), name);
        trim(&v, &vn);
        int k = -1;
        for (int i = 0; i < NKNOWN; i++)
            if (word_is(name, n, known[i]))
                k = i;
        if (k < 0)
            continue; /* other SGX settings (ProdID, TCSPolicy, MiscSelect...) mean nothing here */
        if (seen[k])
            return SYNTAX(line, "<%s> given twice", known[k]);
        seen[k] = true;
        uint64_t u;
        bool ok = parse_u64(v, vn, false, &u);
        if (!ok)
            return SYNTAX(line, "<%s> is not a number", known[k]);
        switch (k) {
        case 0:
            m->stack_size = u;
            break;
        case 1:
            m->heap_size = u;
            break;
        case 2:
            if (u > UINT32_MAX)
                return SYNTAX(line, "<TCSNum> is too large");
            m->threads = (uint32_t)u;
            break;
        case 3:
            if (u > 1)
                return SYNTAX(line, "<DisableDebug> must be 0 or 1");
            m->debug = u ? CG_IMAGE_DEBUG_DISABLED : CG_IMAGE_DEBUG_ALLOWED;
            break;
        case 4:
            if (u > UINT32_MAX)
                return SYNTAX(line, "<ISVSVN> is too large");
            m->security_version = (uint32_t)u;
            break;
        case 5:
            m->shm_size = u;
            break;
        case 6:
            if (u > UINT32_MAX)
                return SYNTAX(line, "<SharedMemMaxBlocks> is too large");
            m->shm_blocks = (uint32_t)u;
            break;
        }
    }
    xml_skip(&x);
    if (x.p != x.end)
        return SYNTAX(x.line, "content after </EnclaveConfiguration>");
    return CC_SUCCESS;
}

cc_enclave_result_t cg_manifest_parse_config(const char *text, size_t len, struct cg_image_manifest *m, char *why,
                                             size_t why_len)
{
    if (text == NULL || m == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    /* Work on a copy so that a failed parse leaves @m untouched. */
    struct cg_image_manifest t = *m;
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    cc_enclave_result_t rc = (i < len && text[i] == '<') ? parse_xml(text, len, &t, why, why_len)
                                                         : parse_text(text, len, &t, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    rc = cg_manifest_check(&t, why, why_len);
    if (rc != CC_SUCCESS)
        return rc;
    *m = t;
    return CC_SUCCESS;
}
