/*
 * attach.h - the attach half of cc_enclave_create() and
 * cc_enclave_destroy() for standalone enclaves (attach.c): a context made
 * around the call window another process holds (cgear_enclave_hold(),
 * holder.c). Protocol: src/abi/hold_abi.h.
 */
#ifndef CGEAR_HOST_ATTACH_H
#define CGEAR_HOST_ATTACH_H

#include <stdbool.h>

#include "enclave.h"

struct cg_enclave;

/* Does @path name a standalone enclave ("cgear-enclave:ID")? */
bool cg_attach_is_path(const char *path);

/**
 * cg_attach_create() - attach @enclave to the standalone enclave @path
 * names: ask its holder for the window, map it, start the watcher thread.
 * @type:  AUTO_ENCLAVE_TYPE or the engine the caller demands.
 * @flags: SECGEAR_DEBUG_FLAG must match the enclave's.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_PATH (bad id, no holder),
 * CC_ERROR_BUSY (another host is attached), CC_ERROR_INVALID_TYPE,
 * CC_ERROR_ENCLAVE_LOST, CC_ERROR_OUT_OF_MEMORY... (each logged why).
 */
cc_enclave_result_t cg_attach_create(const char *path, enclave_type_t type, uint32_t flags, cc_enclave_t *enclave);

/* Detach and free @e (the enclave keeps running). */
void cg_attach_release(struct cg_enclave *e);

/* cgear_enclave_status() of an attached context not yet marked lost: if
 * the window says the enclave died, wait briefly for the holder's reason. */
cc_enclave_result_t cg_attach_status(struct cg_enclave *e);

#endif
