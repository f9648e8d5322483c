/*
 * platform_cmds.c - `cgear platform init|show|export-cert`: the platform's
 * root secret and attestation key (src/platform).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "attest_cmds.h"
#include "image_cmds.h"
#include "platform.h"

static void platform_usage(FILE *f)
{
    fprintf(f, "usage: cgear platform init [--json]\n"
               "       cgear platform show [--json]\n"
               "       cgear platform export-cert [-o FILE] [--der]\n\n"
               "The platform's keys: a 32-byte root secret (sealing keys derive from it) and an\n"
               "ECDSA P-384 attestation key with a self-signed certificate (it signs reports).\n"
               "They live in $" CG_PLATFORM_ENV " if set (a system install uses a root-only\n"
               "/var/lib/cgear/platform), else $XDG_DATA_HOME/cgear/platform, else\n"
               "~/.local/share/cgear/platform (folder 0700, files 0600).\n\n"
               "  init         create the platform if there is none, then show it\n"
               "  show         show the platform (creates nothing)\n"
               "  export-cert  write the certificate (PEM, or DER with --der) to FILE or stdout:\n"
               "               what a verifier elsewhere trusts (`platform_cert` in a policy)\n"
               "  --json       one JSON object on stdout\n"
               "  -h, --help   this text\n");
}

/* The key id shown to people: SHA-384 of the DER public key, like a signer id. */
static void key_id(X509 *cert, char hex[2 * 48 + 1])
{
    uint8_t *der = NULL;
    int n = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
    uint8_t md[48];
    unsigned mdlen = 0;
    if (n > 0 && EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha384(), NULL) == 1 && mdlen == 48)
        cg_hex(md, 48, hex);
    else
        strcpy(hex, "?");
    OPENSSL_free(der);
}

static void asn1_time_str(const ASN1_TIME *t, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (b != NULL && ASN1_TIME_print(b, t) == 1) {
        int n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

static int show(const struct cg_platform *p, bool json, bool created)
{
    X509 *cert = cg_platform_cert(p);
    char id[97], subject[256], nb[64], na[64];
    key_id(cert, id);
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
    asn1_time_str(X509_get0_notBefore(cert), nb, sizeof(nb));
    asn1_time_str(X509_get0_notAfter(cert), na, sizeof(na));
    if (json) {
        printf("{\"dir\": ");
        cgt_json_str(stdout, cg_platform_dir(p));
        printf(", \"created\": %s, \"key_id\": \"%s\", \"subject\": ", created ? "true" : "false", id);
        cgt_json_str(stdout, subject);
        printf(", \"not_before\": ");
        cgt_json_str(stdout, nb);
        printf(", \"not_after\": ");
        cgt_json_str(stdout, na);
        printf("}\n");
    } else {
        if (created)
            printf("created a new platform\n");
        printf("platform:     %s\n", cg_platform_dir(p));
        printf("key:          ECDSA P-384, id (SHA-384 of the public key) %s\n", id);
        printf("certificate:  %s, self-signed\n", subject);
        printf("valid:        %s .. %s\n", nb, na);
    }
    return 0;
}

static int export_cert(const struct cg_platform *p, const char *out, bool der)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (der) {
        if (cg_platform_cert_der(p, &buf, &len) != CC_SUCCESS) {
            fprintf(stderr, "cgear platform: cannot encode the certificate\n");
            return 1;
        }
    } else {
        BIO *b = BIO_new(BIO_s_mem());
        char *data;
        long n;
        if (b == NULL || PEM_write_bio_X509(b, cg_platform_cert(p)) != 1 || (n = BIO_get_mem_data(b, &data)) <= 0 ||
            (buf = malloc((size_t)n)) == NULL) {
            BIO_free(b);
            fprintf(stderr, "cgear platform: cannot encode the certificate\n");
            return 1;
        }
        memcpy(buf, data, (size_t)n);
        len = (size_t)n;
        BIO_free(b);
    }
    int rc = 0;
    if (out == NULL || strcmp(out, "-") == 0)
        rc = fwrite(buf, 1, len, stdout) == len ? 0 : 1;
    else
        rc = cgt_write_file(out, buf, len, 0644) == 0 ? 0 : 1;
    free(buf);
    return rc;
}

int cgear_platform_main(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"der", no_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool json = false, der = false;
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'o': out = optarg; break;
        case 'd': der = true; break;
        case 'h': platform_usage(stdout); return 0;
        default: platform_usage(stderr); return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "cgear platform: one action is needed: init, show or export-cert\n");
        platform_usage(stderr);
        return 2;
    }
    const char *action = argv[optind];
    bool init = strcmp(action, "init") == 0;
    if (!init && strcmp(action, "show") != 0 && strcmp(action, "export-cert") != 0) {
        fprintf(stderr, "cgear platform: unknown action '%s'\n", action);
        platform_usage(stderr);
        return 2;
    }
    struct cg_platform *p = NULL;
    bool created = false;
    char why[512] = "";
    if (cg_platform_open(NULL, init, &p, &created, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear platform: %s\n", why);
        return 1;
    }
    int rc = strcmp(action, "export-cert") == 0 ? export_cert(p, out, der) : show(p, json, created);
    cg_platform_close(p);
    return rc;
}
