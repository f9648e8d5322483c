/*
 * secgear_shared_memory.h - memory the host and its enclave both see, at the
 * same virtual address (secGear's shared-memory API).
 *
 * Each enclave has one shared region, reserved when it is created and as
 * large as its manifest allows (`shared_memory_size`, default 64 MiB, in at
 * most `shared_memory_blocks` blocks, default 64; docs/shared-memory.md).
 * cc_malloc_shared_memory() hands out blocks of it. A pointer into a block
 * means the same bytes in host and enclave code, so it may be passed as a
 * [user_check] parameter. An [in]/[out] buffer of an ECALL that lies wholly
 * inside one registered block crosses without a copy (the enclave works on
 * the shared bytes); any other is copied. The memory is never executable in
 * the enclave.
 *
 * The host can read and change shared memory at any time, also while the
 * enclave reads it: enclave code must copy what it checks before using it
 * (docs/threat-model.md).
 *
 * Host side only (libcgear_urts). Thread-safe.
 */
#ifndef CGEAR_SECGEAR_SHARED_MEMORY_H
#define CGEAR_SECGEAR_SHARED_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "enclave.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cc_malloc_shared_memory() - allocate a block of @enclave's shared memory.
 * @enclave: a created enclave (not one attached with "cgear-enclave:ID").
 * @size:    bytes, at least 1.
 *
 * The block is zero-filled, 64-byte aligned and mapped at the returned
 * address in both the host and the enclave. It stays valid until
 * cc_free_shared_memory() or cc_enclave_destroy().
 *
 * Return: the block, or NULL (with a log line saying why) when @enclave is
 * NULL or not a live enclave, @size is 0, the enclave has no shared memory
 * (manifest `shared_memory_size = 0`, or attached), or the manifest's
 * limits (total size, number of blocks) leave no room.
 */
CC_API_SPEC void *cc_malloc_shared_memory(cc_enclave_t *enclave, size_t size);

/**
 * cc_free_shared_memory() - give a block back.
 * @enclave: the enclave @ptr was allocated for.
 * @ptr:     exactly a pointer cc_malloc_shared_memory() returned for it.
 *
 * A registered block is unregistered first. The enclave must no longer use
 * the block: its bytes may be handed out again.
 *
 * Return: CC_SUCCESS;
 * CC_ERROR_BAD_PARAMETERS if @enclave or @ptr is NULL;
 * CC_ERROR_INVALID_HANDLE if @enclave is not a live enclave (for example
 * destroyed) or @ptr lies in another enclave's shared memory;
 * CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID if @ptr is not the start of a
 * block of @enclave now allocated (never allocated, or already freed).
 */
CC_API_SPEC cc_enclave_result_t cc_free_shared_memory(cc_enclave_t *enclave, void *ptr);

/**
 * cc_register_shared_memory() - register a block for switchless use.
 * @enclave: the enclave @ptr was allocated for; it must have been created
 *           with ENCLAVE_FEATURE_SWITCHLESS (as secGear's GP backend asks).
 * @ptr:     the start of a block of @enclave.
 *
 * Every block is mapped in the enclave already; a registered block's
 * [in]/[out] ECALL buffers cross without a copy (docs/shared-memory.md).
 *
 * Return: CC_SUCCESS;
 * CC_ERROR_BAD_PARAMETERS if @enclave or @ptr is NULL;
 * CC_ERROR_INVALID_HANDLE if @enclave is not live or @ptr belongs to
 * another enclave;
 * CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID if @ptr is not the start of an
 * allocated block;
 * CC_ERROR_SWITCHLESS_DISABLED if @enclave was created without switchless;
 * CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER if the block is registered already;
 * CC_ERROR_ENCLAVE_LOST if the enclave has died.
 */
CC_API_SPEC cc_enclave_result_t cc_register_shared_memory(cc_enclave_t *enclave, void *ptr);

/**
 * cc_unregister_shared_memory() - undo cc_register_shared_memory().
 * @enclave: the enclave @ptr was allocated for.
 * @ptr:     the start of a registered block.
 *
 * Return: CC_SUCCESS;
 * CC_ERROR_BAD_PARAMETERS if @enclave or @ptr is NULL;
 * CC_ERROR_INVALID_HANDLE if @enclave is not live or @ptr belongs to
 * another enclave;
 * CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID if @ptr is not the start of an
 * allocated block;
 * CC_ERROR_SHARED_MEMORY_NOT_REGISTERED if the block is not registered.
 */
CC_API_SPEC cc_enclave_result_t cc_unregister_shared_memory(cc_enclave_t *enclave, void *ptr);

#ifdef __cplusplus
}
#endif
#endif
