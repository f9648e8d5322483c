/* Host half of seal_data:
 *   seal_data seal FILE [MESSAGE]   the enclave seals MESSAGE; the blob goes to FILE
 *   seal_data unseal FILE           a new enclave unseals FILE and prints the message
 * The host never sees the sealing key: it only stores and returns bytes.
 * Exit status: 0 success, 1 failure (the reason on stderr), 2 usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "seal_data_u.h"

#ifndef ENCLAVE_PATH
#define ENCLAVE_PATH "seal_data.enclave"
#endif
#define DEFAULT_MESSAGE "a message only this enclave can read back"
#define MAX_MESSAGE 4096u
#define BLOB_OVERHEAD 64u /* header, IV, lengths and tag: docs/sealing.md */
#define MAX_BLOB (MAX_MESSAGE + BLOB_OVERHEAD)

static int usage(void)
{
    fprintf(stderr, "usage: seal_data seal FILE [MESSAGE]\n"
                    "       seal_data unseal FILE\n");
    return 2;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "seal_data: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(buf, 1, len, f);
    int close_err = fclose(f);
    if (n != len || close_err != 0) {
        fprintf(stderr, "seal_data: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads up to cap bytes; a larger file is not one of our blobs. */
static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "seal_data: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, cap, f);
    int err = ferror(f), more = n == cap && fgetc(f) != EOF;
    fclose(f);
    if (err) {
        fprintf(stderr, "seal_data: cannot read %s\n", path);
        return -1;
    }
    if (more) {
        fprintf(stderr, "seal_data: %s is larger than any sealed message of this example (%u bytes)\n", path,
                MAX_BLOB);
        return -1;
    }
    *len = n;
    return 0;
}

static int do_seal(cc_enclave_t *ctx, const char *path, const char *msg)
{
    static uint8_t blob[MAX_BLOB];
    size_t msg_len = strlen(msg);
    uint32_t blob_len = 0;
    int retval = -1;

    if (msg_len > MAX_MESSAGE) {
        fprintf(stderr, "seal_data: the message is %zu bytes; at most %u\n", msg_len, MAX_MESSAGE);
        return -1;
    }
    cc_enclave_result_t res = seal_message(ctx, &retval, (char *)msg, msg_len, blob, sizeof(blob), &blob_len);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "seal_data: ecall seal_message failed: %s\n", cc_enclave_res2_str(res));
        return -1;
    }
    if (retval != CC_SUCCESS) {
        fprintf(stderr, "seal_data: the enclave could not seal: %s\n", cc_enclave_res2_str((cc_enclave_result_t)retval));
        return -1;
    }
    if (write_file(path, blob, blob_len) != 0)
        return -1;
    printf("sealed %zu bytes into %s (%u-byte AES-256-GCM blob)\n", msg_len, path, blob_len);
    return 0;
}

static int do_unseal(cc_enclave_t *ctx, const char *path, uint8_t *blob, size_t blob_len)
{
    static char msg[MAX_MESSAGE];
    uint32_t msg_len = 0;
    int retval = -1;

    cc_enclave_result_t res = unseal_message(ctx, &retval, blob, blob_len, msg, sizeof(msg), &msg_len);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "seal_data: ecall unseal_message failed: %s\n", cc_enclave_res2_str(res));
        return -1;
    }
    switch ((cc_enclave_result_t)retval) {
    case CC_SUCCESS:
        printf("unsealed from %s: %.*s\n", path, (int)msg_len, msg);
        return 0;
    case CC_ERROR_MAC_INVALID:
        fprintf(stderr,
                "seal_data: %s refused: it does not authenticate (a byte was changed, or it was sealed by "
                "another enclave or on another platform)\n",
                path);
        return -1;
    case CC_ERROR_BAD_FORMAT:
        fprintf(stderr, "seal_data: %s refused: not a sealed blob (truncated, extended or malformed)\n", path);
        return -1;
    default:
        fprintf(stderr, "seal_data: the enclave could not unseal %s: %s\n", path,
                cc_enclave_res2_str((cc_enclave_result_t)retval));
        return -1;
    }
}

int main(int argc, char **argv)
{
    int sealing;
    if (argc >= 3 && argc <= 4 && strcmp(argv[1], "seal") == 0)
        sealing = 1;
    else if (argc == 3 && strcmp(argv[1], "unseal") == 0)
        sealing = 0;
    else
        return usage();

    /* Read the blob first: no enclave for a file we cannot read. */
    static uint8_t blob[MAX_BLOB];
    size_t blob_len = 0;
    if (!sealing && read_file(argv[2], blob, sizeof(blob), &blob_len) != 0)
        return EXIT_FAILURE;

    /* The image is signed (cgear_add_enclave signs it), so it runs without
     * SECGEAR_DEBUG_FLAG: the host cannot read its memory, nor the key. */
    cc_enclave_t ctx = {0};
    cc_enclave_result_t res = cc_enclave_create(ENCLAVE_PATH, AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "seal_data: cannot create the enclave %s: %s\n", ENCLAVE_PATH, cc_enclave_res2_str(res));
        return EXIT_FAILURE;
    }

    int rc = sealing ? do_seal(&ctx, argv[2], argc == 4 ? argv[3] : DEFAULT_MESSAGE) : do_unseal(&ctx, argv[2], blob, blob_len);

    res = cc_enclave_destroy(&ctx);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "seal_data: cannot destroy the enclave: %s\n", cc_enclave_res2_str(res));
        rc = -1;
    }
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
