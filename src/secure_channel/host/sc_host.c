/*
 * sc_host.c - the server host's secure channel (secure_channel_host.h): a
 * relay. It reads only the clear framing of handshake messages, hands
 * them to the enclave through the ECALLs of edl/secure_channel.edl
 * (proxies generated into the application from its EDL) and sends the
 * enclave's answers back. No key or plaintext ever reaches it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_proto.h"
#include "secure_channel_host.h"
#include "secure_channel_u.h"

cc_enclave_result_t cc_sec_chl_svr_init(cc_sec_chl_svr_ctx_t *ctx)
{
    int ret = -1;
    if (ctx == NULL || ctx->enclave_ctx == NULL || ctx->is_init)
        return CC_ERROR_BAD_PARAMETERS;
    cc_enclave_result_t rc = cc_sec_chl_ecall_reset(ctx->enclave_ctx, &ret);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "cgear: secure channel: the enclave cannot start the service: %s\n",
                cc_enclave_res2_str(rc));
        return rc == CC_ERROR_ECALL_NOT_ALLOWED ? CC_ERROR_SEC_CHL_ENCLAVE_UNSUPPORTED : rc; /* no such ECALL */
    }
    if (ret != CC_SUCCESS)
        return (cc_enclave_result_t)ret;
    ctx->timer.timerfd = -1;
    ctx->timer.eventfd = -1;
    ctx->is_init = true;
    return CC_SUCCESS;
}

cc_enclave_result_t cc_sec_chl_svr_fini(cc_sec_chl_svr_ctx_t *ctx)
{
    int ret = -1;
    if (ctx == NULL || !ctx->is_init || ctx->enclave_ctx == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    ctx->is_init = false;
    cc_enclave_result_t rc = cc_sec_chl_ecall_reset(ctx->enclave_ctx, &ret);
    return rc != CC_SUCCESS ? rc : (cc_enclave_result_t)ret;
}

/* Send @len bytes at @buf on the client's connection. */
static cc_enclave_result_t send_msg(cc_sec_chl_conn_ctx_t *ctx, uint8_t *buf, size_t len)
{
    return ctx->conn_kit.send(ctx->conn_kit.conn, buf, len) < 0 ? CC_ERROR_SEC_CHL_SEND_MSG : CC_SUCCESS;
}

static cc_enclave_result_t on_hello(cc_sec_chl_conn_ctx_t *ctx, uint8_t *buf, size_t len)
{
    int ret = -1;
    size_t rsp_len = 0;
    uint8_t *rsp = malloc(SC_HELLO_RSP_MAX);
    if (rsp == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    cc_enclave_result_t rc =
        cc_sec_chl_ecall_hello(ctx->svr_ctx->enclave_ctx, &ret, buf, len, rsp, SC_HELLO_RSP_MAX, &rsp_len);
    if (rc == CC_SUCCESS && ret == CC_SUCCESS && (rsp_len < SC_HDR_LEN || rsp_len > SC_HELLO_RSP_MAX))
        ret = CC_ERROR_SEC_CHL_MALFORMED; /* not an answer the enclave can give */
    if (rc != CC_SUCCESS || ret != CC_SUCCESS) {
        /* the client learns why, in the clear: a refusal is no secret */
        cc_enclave_result_t why = rc != CC_SUCCESS ? rc : (cc_enclave_result_t)ret;
        struct sc_hdr h = {SC_MSG_HELLO_RSP, (uint32_t)why, 0, 0};
        sc_hdr_put(rsp, &h);
        cc_enclave_result_t s = send_msg(ctx, rsp, SC_HDR_LEN);
        free(rsp);
        return s != CC_SUCCESS ? s : why;
    }
    rc = send_msg(ctx, rsp, rsp_len);
    free(rsp);
    return rc;
}

cc_enclave_result_t cc_sec_chl_svr_callback(cc_sec_chl_conn_ctx_t *ctx, void *buf, size_t buf_len)
{
    struct sc_hdr h;
    int ret = -1;
    if (ctx == NULL || ctx->svr_ctx == NULL || !ctx->svr_ctx->is_init || ctx->svr_ctx->enclave_ctx == NULL ||
        buf == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (!is_valid_conn_kit(&ctx->conn_kit))
        return CC_ERROR_SEC_CHL_INVALID_CONN;
    if (sc_hdr_parse(buf, buf_len, &h) != CC_SUCCESS)
        return CC_ERROR_SEC_CHL_MALFORMED;
    switch (h.type) {
    case SC_MSG_HELLO:
        return on_hello(ctx, buf, buf_len);
    case SC_MSG_CLOSE: {
        cc_enclave_result_t rc = cc_sec_chl_ecall_close(ctx->svr_ctx->enclave_ctx, &ret, buf, buf_len);
        return rc != CC_SUCCESS ? rc : (cc_enclave_result_t)ret;
    }
    default:
        return CC_ERROR_SEC_CHL_MALFORMED; /* an answer, sent to the server */
    }
}

cc_enclave_result_t cgear_sec_chl_svr_sessions(cc_sec_chl_svr_ctx_t *ctx, size_t *count)
{
    if (ctx == NULL || ctx->enclave_ctx == NULL || count == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    return cc_sec_chl_ecall_count(ctx->enclave_ctx, count);
}

cc_enclave_result_t cgear_sec_chl_svr_set_lifetime(cc_sec_chl_svr_ctx_t *ctx, uint32_t seconds)
{
    int ret = -1;
    if (ctx == NULL || ctx->enclave_ctx == NULL || seconds == 0 || seconds > 86400)
        return CC_ERROR_BAD_PARAMETERS;
    cc_enclave_result_t rc = cc_sec_chl_ecall_set_lifetime(ctx->enclave_ctx, &ret, seconds);
    return rc != CC_SUCCESS ? rc : (cc_enclave_result_t)ret;
}
