/*
 * make_corpus.c - writes the seed corpus of the unmarshalling fuzzer: the
 * requests the host proxies of fz.edl really produce (valid ones, with
 * present and NULL buffers), each prefixed with its ECALL id. Not part of
 * the build; run by hand after changing fz.edl:
 *
 *   cgear codegen --untrusted --untrusted-dir /tmp/fz fuzz/unmarshal/fz.edl
 *   cc -std=c11 -I/tmp/fz -Ifuzz/unmarshal -Iinclude fuzz/unmarshal/make_corpus.c \
 *      /tmp/fz/fz_u.c src/window/msg_plain.c -o /tmp/fz/mk && /tmp/fz/mk fuzz/unmarshal/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "fz_u.h"

static const char *g_dir;
static int g_n;

/* Zero copy never applies here: no shared memory (docs/shared-memory.md). */
int cg_host_shm_zc(cc_enclave_t *enclave, const void *buf, size_t len)
{
    (void)enclave;
    (void)buf;
    (void)len;
    return 0;
}

cc_enclave_result_t cg_host_ecall(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                  cg_msg_t *resp, const cg_stub_table_t *ocalls)
{
    char path[512];
    FILE *f;
    size_t i;
    unsigned char id = (unsigned char)fn;
    (void)enclave;
    (void)ocalls;
    snprintf(path, sizeof path, "%s/seed_%02u_%02d", g_dir, fn, g_n++);
    f = fopen(path, "wb");
    if (!f)
        exit(1);
    fwrite(&id, 1, 1, f);
    for (i = 0; i < nreq; i++)
        fwrite(req[i].base, 1, req[i].len, f);
    fclose(f);
    resp->buf = NULL;
    resp->len = 0;
    return CC_ERROR_NOT_SUPPORTED; /* only the request matters */
}

int o_back(int x)
{
    return x;
}

int main(int argc, char **argv)
{
    cc_enclave_t e;
    struct fz_pt pt;
    uint8_t buf[64];
    int32_t o[4];
    char io[8] = "abc";
    wchar_t wio[4] = L"ab";
    int a[3][2] = {{1, 2}, {3, 4}, {5, 6}};
    uint8_t b[5];
    struct fz_pt c[2];
    int q[8];
    fz_blob_t blob[2];
    fz_arr_t arr = {1, 2, 3, 4, 5, 6, 7};
    if (argc != 2)
        return 2;
    g_dir = argv[1];
    memset(&e, 0, sizeof e);
    memset(&pt, 0, sizeof pt);
    memset(buf, 7, sizeof buf);
    memset(c, 0, sizeof c);
    memset(blob, 0, sizeof blob);
    f_scalars(&e, NULL, -5, true, 1.5L, pt, L'w', -3);
    f_in(&e, NULL, buf, 10);
    f_in(&e, NULL, NULL, 0);
    f_out(&e, o, 4);
    f_inout(&e, buf, 3, 5);
    f_str(&e, NULL, "hello", io);
    f_str(&e, NULL, "", NULL);
    f_wstr(&e, NULL, L"wide", wio);
    f_arrays(&e, NULL, a, b, c, NULL);
    f_arrays(&e, NULL, NULL, NULL, NULL, NULL);
    f_expr(&e, NULL, buf, 6, q, 2, 3, buf);
    f_typedefs(&e, NULL, blob, blob, 2, "str", 3, arr, arr);
    f_ret_struct(&e, NULL, pt, NULL);
    f_none(&e);
    f_private(&e, NULL, 1);
    {
        uint16_t v[3] = {1, 2, 3};
        char cc[4] = "abc";
        uint8_t bb[6] = {1, 2, 3, 4, 5, 6};
        struct fz_deep a = {3, v, cc, 3, bb, NULL}, arr2[2] = {{2, v, NULL, 1, bb, NULL}, {0, NULL, cc, 0, bb, NULL}};
        struct fz_deep out = {1, v, cc, 2, bb, NULL};
        f_deep(&e, NULL, &a, arr2, 2, &out, a);
        f_deep(&e, NULL, NULL, NULL, 0, NULL, arr2[1]);
    }
    return 0;
}
