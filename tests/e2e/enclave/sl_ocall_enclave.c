/*
 * The enclave of the switchless OCALL end-to-end test
 * (tests/e2e/sl_ocall.edl): each ECALL makes OCALLs and checks what comes
 * back, so the host sees one result.
 */
#include <stdlib.h>

#include "cgear_edge_enclave.h"
#include "sl_ocall_t.h"

int64_t call_sl(int x, int times)
{
    int64_t sum = 0;
    for (int i = 0; i < times; i++) {
        int r = 0;
        if (o_sl_twice(&r, x + i) != CC_SUCCESS)
            return -1;
        sum += r;
    }
    return sum;
}

int call_sl_tid(void)
{
    int tid = 0;
    return o_sl_tid(&tid) == CC_SUCCESS ? tid : -1;
}

int call_plain_tid(void)
{
    int tid = 0;
    return o_plain_tid(&tid) == CC_SUCCESS ? tid : -1;
}

int call_sl_xform(size_t n)
{
    uint8_t *in = malloc(n + 1), *out = malloc(n + 1);
    if (in == NULL || out == NULL) {
        free(in);
        free(out);
        return -1;
    }
    uint64_t want = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        in[i] = (uint8_t)(i * 13 + 1);
        want += in[i];
        out[i] = 0;
    }
    int rc = 0;
    if (o_sl_xform(&sum, n ? in : NULL, n ? out : NULL, n) != CC_SUCCESS)
        rc = -2;
    else if (sum != want)
        rc = -3;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (out[i] != (uint8_t)(in[i] ^ 0x3c))
            rc = -4;
    free(in);
    free(out);
    return rc;
}

int call_sl_block(int gate)
{
    int r = 0;
    return o_sl_block(&r, gate) == CC_SUCCESS ? r : -1;
}

uint32_t call_raw_sl(uint32_t fn)
{
    cg_msg_t resp = {NULL, 0};
    cc_enclave_result_t rc = cg_enclave_ocall_sl(fn, NULL, 0, &resp);
    cg_msg_free(resp.buf);
    return (uint32_t)rc;
}

void sl_ecall_empty(void)
{
}

void plain_ecall_empty(void)
{
}
