/*
 * keys.c - signing keys: generate, store and load EC P-384 keys (OpenSSL 3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "image.h"
#include "text.h"


cc_enclave_result_t cg_key_generate(EVP_PKEY **out, char *why, size_t why_len)
{
    EVP_PKEY *k = EVP_EC_gen("P-384");
    if (k == NULL)
        return CG_WHY(CC_ERROR_GENERIC, "OpenSSL could not generate an EC P-384 key");
    *out = k;
    return CC_SUCCESS;
}

cc_enclave_result_t cg_key_write_pem(const char *path, EVP_PKEY *key, bool force, char *why, size_t why_len)
{
    /* 0600 from the start: the private key is never readable by others,
     * not even for the moment between creation and a chmod. */
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
    if (fd < 0)
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot create %s: %s%s", path, strerror(errno),
                   errno == EEXIST ? " (use --force to replace it)" : "");
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot write %s: %s", path, strerror(errno));
    }
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        unlink(path);
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot write the key to %s", path);
    }
    return CC_SUCCESS;
}

cc_enclave_result_t cg_key_read_pem(const char *path, EVP_PKEY **out, char *why, size_t why_len)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return CG_WHY(CC_ERROR_INVALID_PATH, "cannot open key %s: %s", path, strerror(errno));
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL)
        return CG_WHY(CC_ERROR_BAD_FORMAT, "%s is not an unencrypted PEM private key", path);
    char group[64] = "";
    size_t glen = 0;
    if (!EVP_PKEY_is_a(k, "EC") || EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &glen) != 1 ||
        strcmp(group, "secp384r1") != 0) {
        EVP_PKEY_free(k);
        return CG_WHY(CC_ERROR_BAD_PARAMETERS, "%s is not an EC P-384 key (make one with `cgear keygen`)", path);
    }
    *out = k;
    return CC_SUCCESS;
}
