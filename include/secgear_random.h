/*
 * secgear_random.h - random numbers inside an enclave.
 */
#ifndef CGEAR_SECGEAR_RANDOM_H
#define CGEAR_SECGEAR_RANDOM_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cc_enclave_generate_random() - fill a buffer with cryptographically secure
 * random bytes.
 * @buf:  destination, in enclave memory.
 * @size: number of bytes; 0 is allowed and does nothing.
 *
 * Bytes come from the CPU's RDSEED/RDRAND where available, mixed by XOR with
 * the kernel's getrandom(), so neither source alone decides the output.
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL buf with size > 0),
 * CC_ERROR_GENERIC (no source produced entropy).
 */
cc_enclave_result_t cc_enclave_generate_random(void *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
