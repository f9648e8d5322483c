/*
 * shm.h - an enclave's shared-memory region on the host side (shm.c):
 * created with the enclave, handed out in blocks by
 * cc_malloc_shared_memory() (secgear_shared_memory.h).
 */
#ifndef CGEAR_HOST_SHM_H
#define CGEAR_HOST_SHM_H

#include <stdint.h>

#include "status.h"

struct cg_enclave;

/**
 * cg_shm_setup() - reserve @e's shared-memory region, as large as its
 * manifest allows (@size bytes, at most @max_blocks blocks), at an address
 * free in this process inside [CG_SHM_VA_MIN, CG_SHM_VA_MAX), and describe
 * it in the window header (shm_addr, shm_size; CG_WINDOW_F_SHM_MAP for the
 * process engine, whose enclave maps it itself).
 * @e:          the enclave being created; its window exists, its engine is chosen.
 * @size:       region size in bytes (a page multiple); 0: no region, success.
 * @max_blocks: the manifest's block limit.
 *
 * Return: CC_SUCCESS; CC_ERROR_OUT_OF_MEMORY (with a log line) when the
 * memfd or a free address range cannot be had.
 */
cc_enclave_result_t cg_shm_setup(struct cg_enclave *e, uint64_t size, uint32_t max_blocks);

/** cg_shm_fd() - the region's memfd for the monitor (CG_SHM_FD), or -1 if none. */
int cg_shm_fd(const struct cg_enclave *e);

/**
 * cg_shm_fini() - unmap and free @e's region (the enclave has stopped).
 * Pointers into it are invalid afterwards. Safe when there is none.
 */
void cg_shm_fini(struct cg_enclave *e);

#endif
