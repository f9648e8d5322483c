/*
 * measure.c - `cgear measure`: print an image's measurement, signer and
 * manifest (like `nitro-cli describe-eif`). The structure is checked; the
 * signature is not (that is `cgear verify`).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "image_cmds.h"

void cgt_describe(FILE *f, const char *path, const struct cg_image *img, bool json)
{
    char meas[2 * CG_IMAGE_HASH_LEN + 1], signer[2 * CG_IMAGE_HASH_LEN + 1];
    cg_hex(img->measurement, CG_IMAGE_HASH_LEN, meas);
    cg_hex(img->signer, CG_IMAGE_HASH_LEN, signer);
    if (json) {
        fprintf(f, "\"image\": ");
        cgt_json_str(f, path);
        fprintf(f, ", \"format\": \"%s\", \"measurement\": \"%s\", \"signed\": %s, \"signer\": ",
                img->is_image ? "cgear-image-v1" : "enclave-elf", meas, img->is_signed ? "true" : "false");
        if (img->is_signed)
            fprintf(f, "\"%s\"", signer);
        else
            fprintf(f, "null");
        fprintf(f, ", \"elf_size\": %zu, \"manifest\": ", img->elf_len);
        cgt_json_manifest(f, &img->manifest);
        return;
    }
    fprintf(f, "image:            %s\n", path);
    fprintf(f, "format:           %s\n",
            img->is_image ? "cgear image v1" : "plain enclave ELF (no image header; measured as an unsigned image)");
    fprintf(f, "measurement:      %s\n", meas);
    if (img->is_signed)
        fprintf(f, "signer:           %s\n", signer);
    else
        fprintf(f, "signer:           none (UNSIGNED: runs only with SECGEAR_DEBUG_FLAG)\n");
    fprintf(f, "elf_size:         %zu\n", img->elf_len);
    cgt_print_manifest(f, &img->manifest);
}

static void measure_usage(FILE *f)
{
    fprintf(f, "usage: cgear measure IMAGE [--json]\n\n"
               "Print the measurement (SHA-384, see docs/image-format.md), the signer id and\n"
               "the manifest of an enclave image or enclave ELF. Checks the structure, not the\n"
               "signature (use `cgear verify`).\n\n"
               "  --json      one JSON object on stdout\n"
               "  -h, --help  this text\n");
}

int cgear_measure_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h') {
            measure_usage(stdout);
            return 0;
        } else {
            measure_usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "cgear measure: exactly one IMAGE is needed\n");
        measure_usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    size_t len;
    uint8_t *buf = cgt_read_file(path, &len);
    if (buf == NULL)
        return 1;
    struct cg_image img;
    char why[256];
    int rc = 1;
    if (cg_image_parse(buf, len, &img, why, sizeof(why)) != CC_SUCCESS) {
        fprintf(stderr, "cgear measure: %s: %s\n", path, why);
    } else {
        if (json) {
            printf("{");
            cgt_describe(stdout, path, &img, true);
            printf("}\n");
        } else {
            cgt_describe(stdout, path, &img, false);
        }
        rc = 0;
    }
    free(buf);
    return rc;
}
