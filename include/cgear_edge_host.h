/*
 * cgear_edge_host.h - host-side runtime entry used by generated *_u.c files.
 */
#ifndef CGEAR_EDGE_HOST_H
#define CGEAR_EDGE_HOST_H

#include "cgear_edge.h"
#include "enclave.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cg_host_ecall() - make an ECALL.
 * @enclave: created enclave.
 * @fn:      trusted function id.
 * @req:     request segments; @nreq entries. Total must be <= CG_MAX_MESSAGE.
 * @resp:    filled with the response (malloc'd; caller frees resp->buf).
 * @ocalls:  the OCALL stubs of this EDL, run on this thread while the
 *           ECALL is in progress.
 *
 * Blocks until the enclave answers. Waits for a free enclave thread if all
 * are busy. Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_INVALID_ENCLAVE_ID,
 * CC_ERROR_ENCLAVE_LOST (or CC_ERROR_ENCLAVE_CRASHED /
 * CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL) if the enclave died, CC_ERROR_PROTOCOL,
 * CC_ERROR_OUT_OF_MEMORY, or the status the enclave stub returned.
 */
CC_API_SPEC cc_enclave_result_t cg_host_ecall(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req, size_t nreq,
                                              cg_msg_t *resp, const cg_stub_table_t *ocalls);

/**
 * cg_host_ecall_sl() - make a switchless ECALL (a trusted function marked
 * transition_using_threads). Same parameters, blocking and errors as
 * cg_host_ecall().
 *
 * On an enclave created with ENCLAVE_FEATURE_SWITCHLESS the call goes to
 * a free switchless worker, looked for retries_before_fallback times, and
 * the calling thread polls for the answer (bounded, then sleeps); with no
 * worker free it falls back to an ordinary ECALL. Without the feature, or
 * when nested inside an OCALL of an ECALL on this enclave, it is an
 * ordinary ECALL.
 */
CC_API_SPEC cc_enclave_result_t cg_host_ecall_sl(cc_enclave_t *enclave, uint32_t fn, const cg_iov_t *req,
                                                 size_t nreq, cg_msg_t *resp, const cg_stub_table_t *ocalls);

/* An asynchronous call prepared by a generated f_async(): run() makes the
 * call synchronously with the arguments kept in @ctx (on a host driver
 * thread) and returns the proxy's result, keeping the return value in
 * @ctx; take() copies that return value to @retval (NULL for a void
 * function). */
typedef cc_enclave_result_t (*cg_async_run_t)(void *ctx);
typedef void (*cg_async_take_t)(void *ctx, void *retval);

/**
 * cg_host_sl_async() - queue an asynchronous switchless call.
 * @enclave: created enclave.
 * @run:     runs the call (see cg_async_run_t).
 * @take:    copies the return value out, or NULL.
 * @ctx:     malloc'd context for @run/@take; on CC_SUCCESS the runtime owns
 *           it and frees it with free() when the task is collected or the
 *           enclave destroyed; on any other result the caller still owns it.
 * @task_id: receives the task id for cc_sl_get_async_result().
 *
 * Return: CC_SUCCESS; CC_ERROR_SWITCHLESS_TASK_POOL_FULL (the pool is full
 * and rollback_to_common is 0); CC_ERROR_SWITCHLESS_ROLLBACK2COMMON (the
 * pool is full and rollback_to_common is set: the caller makes the call
 * synchronously instead); CC_ERROR_SWITCHLESS_DISABLED (enclave created
 * without ENCLAVE_FEATURE_SWITCHLESS); CC_ERROR_BAD_PARAMETERS;
 * CC_ERROR_INVALID_ENCLAVE_ID; CC_ERROR_ENCLAVE_LOST.
 */
CC_API_SPEC cc_enclave_result_t cg_host_sl_async(cc_enclave_t *enclave, cg_async_run_t run, cg_async_take_t take,
                                                 void *ctx, int *task_id);

/**
 * cg_host_shm_zc() - may an [in]/[out] buffer of an ECALL cross without
 * being copied (docs/shared-memory.md, "Zero copy")?
 * @enclave: the enclave called.
 * @buf:     the buffer.
 * @len:     its length in bytes.
 *
 * Return: 1 if [@buf, @buf + @len) lies wholly inside one registered
 * shared-memory block of @enclave (the generated proxy then sends its
 * address instead of its bytes), else 0 (also for a bad @enclave).
 */
CC_API_SPEC int cg_host_shm_zc(cc_enclave_t *enclave, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
