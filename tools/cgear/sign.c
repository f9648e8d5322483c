/*
 * sign.c - `cgear sign`: build a signed enclave image from an enclave ELF
 * (or re-sign an existing image) and a manifest.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "image_cmds.h"

static void sign_usage(FILE *f)
{
    fprintf(f, "usage: cgear sign -k KEY.pem -i ENCLAVE -o IMAGE [-m MANIFEST]\n"
               "       cgear sign --unsigned -i ENCLAVE -o IMAGE [-m MANIFEST]\n\n"
               "Build an enclave image: header, manifest, the enclave ELF and an ECDSA P-384\n"
               "signature over the measurement. ENCLAVE is an enclave ELF (from\n"
               "cgear_add_enclave) or an existing image, which is re-signed.\n\n"
               "  -k, --key FILE       EC P-384 private key (PEM), e.g. from `cgear keygen`\n"
               "  -i, --input FILE     enclave ELF or image\n"
               "  -m, --manifest FILE  manifest: `key = value` text or secGear Enclave.config.xml;\n"
               "                       keys it omits come from the input's own manifest\n"
               "  -o, --output FILE    the image to write (replaced atomically; may equal -i)\n"
               "      --unsigned       write an unsigned image (runs only with SECGEAR_DEBUG_FLAG)\n"
               "  -h, --help           this text\n");
}

int cgear_sign_main(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"input", required_argument, NULL, 'i'},
                                         {"manifest", required_argument, NULL, 'm'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"unsigned", no_argument, NULL, 'U'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *keyf = NULL, *in = NULL, *manf = NULL, *out = NULL;
    bool unsigned_ = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:i:m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            keyf = optarg;
            break;
        case 'i':
            in = optarg;
            break;
        case 'm':
            manf = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'U':
            unsigned_ = true;
            break;
        case 'h':
            sign_usage(stdout);
            return 0;
        default:
            sign_usage(stderr);
            return 2;
        }
    }
    const char *bad = optind != argc                ? "unexpected argument"
                      : in == NULL || out == NULL   ? "-i and -o are required"
                      : keyf == NULL && !unsigned_  ? "-k KEY.pem is required (or --unsigned for a debug image)"
                      : keyf != NULL && unsigned_   ? "-k and --unsigned exclude each other"
                                                    : NULL;
    if (bad != NULL) {
        fprintf(stderr, "cgear sign: %s\n", bad);
        sign_usage(stderr);
        return 2;
    }

    int rc = 1;
    char why[256];
    EVP_PKEY *key = NULL;
    uint8_t *inbuf = NULL, *manbuf = NULL, *img = NULL;
    size_t inlen = 0, manlen = 0, imglen = 0;
    if (keyf != NULL && cg_key_read_pem(keyf, &key, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear sign: %s\n", why);
        goto out;
    }
    inbuf = cgt_read_file(in, &inlen);
    if (inbuf == NULL)
        goto out;
    /* The input's own manifest (image manifest, or the ELF's embedded one
     * over the defaults) is the base the manifest file edits. */
    struct cg_image src;
    if (cg_image_parse(inbuf, inlen, &src, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear sign: %s: %s\n", in, why);
        goto out;
    }
    struct cg_image_manifest m = src.manifest;
    if (manf != NULL) {
        manbuf = cgt_read_file(manf, &manlen);
        if (manbuf == NULL)
            goto out;
        if (cg_manifest_parse_config((const char *)manbuf, manlen, &m, why, sizeof(why)) != CC_SUCCESS) {
            fprintf(stderr, "cgear sign: %s: %s\n", manf, why);
            goto out;
        }
    }
    if (cg_image_build(&m, src.elf, src.elf_len, key, &img, &imglen, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear sign: %s\n", why);
        goto out;
    }
    /* Check what was built the way the loader will, before writing it. */
    struct cg_image check;
    if (cg_image_parse(img, imglen, &check, why, sizeof(why)) != CC_SUCCESS ||
        (key != NULL && cg_image_verify(&check, why, sizeof(why)) != CC_SUCCESS)) {
        fprintf(stderr, "cgear sign: the image built does not verify: %s\n", why);
        goto out;
    }
    if (cgt_write_file(out, img, imglen, 0644) != 0)
        goto out;
    char hex[2 * CG_IMAGE_HASH_LEN + 1];
    cg_hex(check.measurement, CG_IMAGE_HASH_LEN, hex);
    printf("%s: %s image of enclave '%s' (%zu bytes)\nmeasurement: %s\n", out, key ? "signed" : "UNSIGNED (debug only)",
           m.name, imglen, hex);
    if (key != NULL) {
        cg_hex(check.signer, CG_IMAGE_HASH_LEN, hex);
        printf("signer:      %s\n", hex);
    }
    rc = 0;
out:
    free(img);
    free(manbuf);
    free(inbuf);
    EVP_PKEY_free(key);
    return rc;
}
