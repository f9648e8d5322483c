/*
 * attest_cmds.c - `cgear attest verify|show|make`: attestation reports
 * (src/attest, format in docs/attestation.md).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest.h"
#include "attest_cmds.h"
#include "image_cmds.h"

static void attest_usage(FILE *f)
{
    fprintf(f, "usage: cgear attest verify REPORT --nonce HEX --policy FILE [--strict] [--json]\n"
               "       cgear attest show REPORT [--json]\n"
               "       cgear attest make IMAGE --nonce HEX -o REPORT [--engine NAME] [--debug]\n"
               "                         [--user-data HEX] [--timestamp MS]\n\n"
               "  verify  check a report as cc_verify_report() does: structure, ES384 signature,\n"
               "          platform certificate, nonce, age, debug mode, then the base values of\n"
               "          FILE (secGear `taid img_hash mem_hash` lines or a cgear policy).\n"
               "          Exit status 0 if accepted, 1 if rejected (the reason on stderr).\n"
               "  show    print a report's fields WITHOUT verifying anything\n"
               "  make    sign a report for IMAGE with this machine's platform key, as the\n"
               "          runtime will for a running enclave (a development aid: it needs\n"
               "          read access to the platform key)\n\n"
               "  --nonce HEX      the verifier's nonce (1..512 bytes in hex)\n"
               "  --policy FILE    base values (docs/attestation.md)\n"
               "  --strict         secGear STRICT: also compare mem_hash with the ELF hash\n"
               "  --json           one JSON object on stdout (verify: also on rejection)\n"
               "  -o FILE          where `make` writes the report\n"
               "  -h, --help       this text\n");
}

static int nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Hex (any case, even length) into a malloc()ed buffer; NULL if invalid. */
static uint8_t *from_hex(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n == 0 || n % 2 != 0)
        return NULL;
    uint8_t *out = malloc(n / 2);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

static void hex_or_null(FILE *f, const uint8_t *p, size_t n, bool json)
{
    if (p == NULL) {
        fprintf(f, json ? "null" : "(none)");
        return;
    }
    if (json)
        fputc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    if (json)
        fputc('"', f);
}

static void print_report(FILE *f, const struct cg_report *r, bool json)
{
    char h[4][97];
    cg_hex(r->measurement, 48, h[0]);
    cg_hex(r->runtime, 48, h[1]);
    cg_hex(r->elf_hash, 48, h[2]);
    cg_hex(r->signer, 48, h[3]);
    if (json) {
        fprintf(f, "{\"module_id\": \"%s\", \"engine\": \"%s\", \"debug\": %s, \"security_version\": %u, "
                   "\"timestamp\": %llu, \"pcrs\": {\"0\": \"%s\", \"1\": \"%s\", \"2\": \"%s\", \"8\": \"%s\"}, "
                   "\"nonce\": ",
                r->module_id, r->engine, r->debug ? "true" : "false", r->security_version,
                (unsigned long long)r->timestamp_ms, h[0], h[1], h[2], h[3]);
        hex_or_null(f, r->nonce, r->nonce_len, true);
        fprintf(f, ", \"user_data\": ");
        hex_or_null(f, r->user_data, r->user_data_len, true);
        fprintf(f, ", \"public_key\": ");
        hex_or_null(f, r->public_key, r->public_key_len, true);
        fprintf(f, ", \"certificate_len\": %zu, \"cabundle_count\": %zu}", r->certificate_len, r->cabundle_count);
        return;
    }
    fprintf(f, "enclave:          %s\n", r->module_id);
    fprintf(f, "engine:           %s\n", r->engine);
    fprintf(f, "mode:             %s\n", r->debug ? "DEBUG (memory readable by the host)" : "production");
    fprintf(f, "security version: %u\n", r->security_version);
    fprintf(f, "timestamp:        %llu ms\n", (unsigned long long)r->timestamp_ms);
    fprintf(f, "measurement:      %s\n", h[0]);
    fprintf(f, "runtime:          %s\n", h[1]);
    fprintf(f, "elf hash:         %s\n", h[2]);
    fprintf(f, "signer:           %s\n", h[3]);
    fprintf(f, "nonce:            ");
    hex_or_null(f, r->nonce, r->nonce_len, false);
    fprintf(f, "\nuser data:        ");
    hex_or_null(f, r->user_data, r->user_data_len, false);
    fprintf(f, "\npublic key:       ");
    hex_or_null(f, r->public_key, r->public_key_len, false);
    fprintf(f, "\ncertificates:     1 + %zu in cabundle\n", r->cabundle_count);
}

static int cmd_verify(const char *path, const char *nonce_hex, const char *policy, bool strict, bool json)
{
    if (nonce_hex == NULL || policy == NULL) {
        fprintf(stderr, "cgear attest verify: --nonce and --policy are required\n");
        return 2;
    }
    size_t nonce_len = 0;
    uint8_t *nonce = from_hex(nonce_hex, &nonce_len);
    if (nonce == NULL || nonce_len > CG_REPORT_NONCE_MAX) {
        fprintf(stderr, "cgear attest verify: --nonce must be 1..%u bytes in hex\n", CG_REPORT_NONCE_MAX);
        free(nonce);
        return 2;
    }
    struct cg_attest_policy *pol = malloc(sizeof(*pol));
    size_t len = 0;
    uint8_t *buf = pol != NULL ? cgt_read_file(path, &len) : NULL;
    if (buf == NULL) {
        free(pol);
        free(nonce);
        return 1;
    }
    char why[512] = "";
    struct cg_report r;
    memset(&r, 0, sizeof(r));
    cc_enclave_result_t rc = cg_policy_load(policy, pol, why, sizeof(why));
    bool parsed = false;
    if (rc == CC_SUCCESS) {
        rc = cg_attest_verify(buf, len, nonce, nonce_len, strict ? CC_RA_VERIFY_TYPE_STRICT : CC_RA_VERIFY_TYPE_LOOSE,
                              pol, cg_now_ms(), &r, why, sizeof(why));
        parsed = r.payload != NULL && rc != CC_ERROR_RA_REPORT_VERIFY_FAILED;
    }
    if (json) {
        printf("{\"valid\": %s, \"code\": \"0x%x\"", rc == CC_SUCCESS ? "true" : "false", (unsigned)rc);
        if (rc != CC_SUCCESS) {
            printf(", \"error\": ");
            cgt_json_str(stdout, why);
        }
        if (parsed) {
            printf(", \"report\": ");
            print_report(stdout, &r, true);
        }
        printf("}\n");
    } else if (rc == CC_SUCCESS) {
        printf("report accepted\n");
        print_report(stdout, &r, false);
    }
    if (rc != CC_SUCCESS)
        fprintf(stderr, "cgear attest verify: %s: REJECTED: %s (%s)\n", path, why, cc_enclave_res2_str(rc));
    free(buf);
    free(pol);
    free(nonce);
    return rc == CC_SUCCESS ? 0 : 1;
}

static int cmd_show(const char *path, bool json)
{
    size_t len = 0;
    uint8_t *buf = cgt_read_file(path, &len);
    if (buf == NULL)
        return 1;
    struct cg_report r;
    char why[256] = "";
    int rc = 0;
    if (cg_report_parse(buf, len, &r, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear attest show: %s is not a report: %s\n", path, why);
        rc = 1;
    } else if (json) {
        print_report(stdout, &r, true);
        printf("\n");
    } else {
        printf("NOT VERIFIED (use `cgear attest verify`)\n");
        print_report(stdout, &r, false);
    }
    free(buf);
    return rc;
}

static int cmd_make(const char *image, const char *out, const char *nonce_hex, const char *engine, bool debug,
                    const char *user_hex, const char *ts)
{
    if (out == NULL || nonce_hex == NULL) {
        fprintf(stderr, "cgear attest make: -o and --nonce are required\n");
        return 2;
    }
    struct cg_report f;
    memset(&f, 0, sizeof(f));
    uint8_t *nonce = NULL, *user = NULL, *buf = NULL, *report = NULL;
    size_t len = 0, report_len = 0;
    int rc = 2;
    nonce = from_hex(nonce_hex, &f.nonce_len);
    if (nonce == NULL || f.nonce_len > CG_REPORT_NONCE_MAX) {
        fprintf(stderr, "cgear attest make: --nonce must be 1..%u bytes in hex\n", CG_REPORT_NONCE_MAX);
        goto out;
    }
    f.nonce = nonce;
    if (user_hex != NULL) {
        user = from_hex(user_hex, &f.user_data_len);
        if (user == NULL || f.user_data_len > CG_REPORT_USER_DATA_MAX) {
            fprintf(stderr, "cgear attest make: --user-data must be 1..%u bytes in hex\n", CG_REPORT_USER_DATA_MAX);
            goto out;
        }
        f.user_data = user;
    }
    f.timestamp_ms = cg_now_ms();
    if (ts != NULL) {
        char *end;
        f.timestamp_ms = strtoull(ts, &end, 10);
        if (*ts == '\0' || *end != '\0') {
            fprintf(stderr, "cgear attest make: --timestamp is milliseconds since 1970\n");
            goto out;
        }
    }
    if (strlen(engine) >= sizeof(f.engine)) {
        fprintf(stderr, "cgear attest make: engine name too long\n");
        goto out;
    }
    strcpy(f.engine, engine);
    f.debug = debug;
    rc = 1;
    if ((buf = cgt_read_file(image, &len)) == NULL)
        goto out;
    struct cg_image img;
    char why[512] = "";
    if (cg_image_parse(buf, len, &img, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear attest make: %s: %s\n", image, why);
        goto out;
    }
    snprintf(f.module_id, sizeof(f.module_id), "%s", img.manifest.name);
    memcpy(f.measurement, img.measurement, 48);
    memcpy(f.signer, img.signer, 48);
    f.security_version = img.manifest.security_version;
    unsigned mdlen = 0;
    if (EVP_Digest(img.elf, img.elf_len, f.elf_hash, &mdlen, EVP_sha384(), NULL) != 1) {
        fprintf(stderr, "cgear attest make: cannot hash the ELF\n");
        goto out;
    }
    struct cg_platform *p = NULL;
    if (cg_platform_open(NULL, true, &p, NULL, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear attest make: %s\n", why);
        goto out;
    }
    cc_enclave_result_t r = cg_report_build_platform(&f, p, &report, &report_len, why, sizeof(why));
    cg_platform_close(p);
    if (r != CC_SUCCESS) {
        fprintf(stderr, "cgear attest make: %s\n", why);
        goto out;
    }
    if (cgt_write_file(out, report, report_len, 0644) != 0)
        goto out;
    rc = 0;
out:
    free(nonce);
    free(user);
    free(buf);
    free(report);
    return rc;
}

int cgear_attest_main(int argc, char **argv)
{
    static const struct option opts[] = {{"nonce", required_argument, NULL, 'n'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"strict", no_argument, NULL, 's'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"engine", required_argument, NULL, 'e'},
                                         {"debug", no_argument, NULL, 'd'},
                                         {"user-data", required_argument, NULL, 'u'},
                                         {"timestamp", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *nonce = NULL, *policy = NULL, *out = NULL, *engine = "process", *user = NULL, *ts = NULL;
    bool strict = false, json = false, debug = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': nonce = optarg; break;
        case 'p': policy = optarg; break;
        case 's': strict = true; break;
        case 'j': json = true; break;
        case 'o': out = optarg; break;
        case 'e': engine = optarg; break;
        case 'd': debug = true; break;
        case 'u': user = optarg; break;
        case 't': ts = optarg; break;
        case 'h': attest_usage(stdout); return 0;
        default: attest_usage(stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "cgear attest: an action (verify, show, make) and one file are needed\n");
        attest_usage(stderr);
        return 2;
    }
    const char *action = argv[optind], *file = argv[optind + 1];
    if (strcmp(action, "verify") == 0)
        return cmd_verify(file, nonce, policy, strict, json);
    if (strcmp(action, "show") == 0)
        return cmd_show(file, json);
    if (strcmp(action, "make") == 0)
        return cmd_make(file, out, nonce, engine, debug, user, ts);
    fprintf(stderr, "cgear attest: unknown action '%s'\n", action);
    attest_usage(stderr);
    return 2;
}
