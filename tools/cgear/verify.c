/*
 * verify.c - `cgear verify`: the loader's checks, without running anything:
 * structure, measurement and signature, and optionally the expected signer
 * or measurement.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "image_cmds.h"

static void verify_usage(FILE *f)
{
    fprintf(f, "usage: cgear verify IMAGE [--json] [--signer HEX] [--measurement HEX]\n\n"
               "Check an enclave image as cc_enclave_create() does: structure, sizes,\n"
               "measurement and ECDSA P-384 signature. Exit status 0 if valid, 1 if not.\n"
               "Unsigned images are reported invalid (they run only in debug mode).\n\n"
               "  --signer HEX       also require this signer id (96 hex digits)\n"
               "  --measurement HEX  also require this measurement (96 hex digits)\n"
               "  --json             one JSON object on stdout (also on failure)\n"
               "  -h, --help         this text\n");
}

int cgear_verify_main(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"signer", required_argument, NULL, 's'},
                                         {"measurement", required_argument, NULL, 'M'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool json = false;
    const char *want_signer = NULL, *want_meas = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 's':
            want_signer = optarg;
            break;
        case 'M':
            want_meas = optarg;
            break;
        case 'h':
            verify_usage(stdout);
            return 0;
        default:
            verify_usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "cgear verify: exactly one IMAGE is needed\n");
        verify_usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    size_t len;
    uint8_t *buf = cgt_read_file(path, &len);
    if (buf == NULL)
        return 1;
    struct cg_image img;
    char why[256] = "";
    bool parsed = cg_image_parse(buf, len, &img, why, sizeof(why)) == CC_SUCCESS;
    bool ok = parsed && cg_image_verify(&img, why, sizeof(why)) == CC_SUCCESS;
    if (ok && want_signer != NULL && !cgt_hex_equal(img.signer, CG_IMAGE_HASH_LEN, want_signer)) {
        ok = false;
        snprintf(why, sizeof(why), "signed by another key than the expected signer");
    }
    if (ok && want_meas != NULL && !cgt_hex_equal(img.measurement, CG_IMAGE_HASH_LEN, want_meas)) {
        ok = false;
        snprintf(why, sizeof(why), "the measurement is not the expected one");
    }
    if (json) {
        printf("{\"valid\": %s", ok ? "true" : "false");
        if (!ok) {
            printf(", \"error\": ");
            cgt_json_str(stdout, why);
        }
        if (parsed) {
            printf(", ");
            cgt_describe(stdout, path, &img, true);
        }
        printf("}\n");
    } else if (ok) {
        char hex[2 * CG_IMAGE_HASH_LEN + 1];
        printf("%s: OK\n", path);
        cg_hex(img.measurement, CG_IMAGE_HASH_LEN, hex);
        printf("measurement: %s\n", hex);
        cg_hex(img.signer, CG_IMAGE_HASH_LEN, hex);
        printf("signer:      %s\n", hex);
    }
    if (!ok)
        fprintf(stderr, "cgear verify: %s: INVALID: %s\n", path, why);
    free(buf);
    return ok ? 0 : 1;
}
