/*
 * keygen.c - `cgear keygen`: make an EC P-384 signing key.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "image_cmds.h"

static void keygen_usage(FILE *f)
{
    fprintf(f, "usage: cgear keygen -o KEY.pem [--force | --if-missing]\n\n"
               "Generate an EC P-384 private key for `cgear sign` (PKCS#8 PEM, mode 0600)\n"
               "and print its signer id (SHA-384 of the public key).\n\n"
               "  -o, --output FILE  where to write the key (refuses to overwrite)\n"
               "  -f, --force        replace FILE if it exists\n"
               "      --if-missing   keep FILE if it already holds a P-384 key (build systems)\n"
               "  -h, --help         this text\n");
}

int cgear_keygen_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'}, {"if-missing", no_argument, NULL, 'M'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out = NULL;
    bool force = false, if_missing = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'M':
            if_missing = true;
            break;
        case 'h':
            keygen_usage(stdout);
            return 0;
        default:
            keygen_usage(stderr);
            return 2;
        }
    }
    if (out == NULL || optind != argc) {
        fprintf(stderr, "cgear keygen: %s\n", out == NULL ? "-o KEY.pem is required" : "unexpected argument");
        keygen_usage(stderr);
        return 2;
    }
    if (force && if_missing) {
        fprintf(stderr, "cgear keygen: --force and --if-missing exclude each other\n");
        return 2;
    }
    EVP_PKEY *key = NULL;
    char why[256];
    uint8_t id[CG_IMAGE_HASH_LEN];
    char hex[2 * CG_IMAGE_HASH_LEN + 1];
    /* A build system may re-run this step: replacing a key that already
     * signed images would silently change their signer. */
    if (if_missing && access(out, F_OK) == 0) {
        if (cg_key_read_pem(out, &key, why, sizeof(why)) != CC_SUCCESS) {
            fprintf(stderr, "cgear keygen: %s exists but is not usable: %s\n", out, why);
            return 1;
        }
        cg_key_signer_id(key, id);
        EVP_PKEY_free(key);
        cg_hex(id, sizeof(id), hex);
        printf("kept existing signing key %s\nsigner: %s\n", out, hex);
        return 0;
    }
    if (cg_key_generate(&key, why, sizeof(why)) != CC_SUCCESS || cg_key_write_pem(out, key, force, why, sizeof(why)) != CC_SUCCESS ||
        cg_key_signer_id(key, id) != CC_SUCCESS) {
        fprintf(stderr, "cgear keygen: %s\n", why);
        EVP_PKEY_free(key);
        return 1;
    }
    EVP_PKEY_free(key);
    cg_hex(id, sizeof(id), hex);
    printf("wrote EC P-384 signing key %s\nsigner: %s\n", out, hex);
    return 0;
}
