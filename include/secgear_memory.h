/*
 * secgear_memory.h - ask whether a range is enclave-private memory.
 *
 * Use these in enclave code on pointers received through [user_check]
 * parameters before touching them.
 */
#ifndef CGEAR_SECGEAR_MEMORY_H
#define CGEAR_SECGEAR_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cc_enclave_memory_in_enclave() - is [addr, addr+size) entirely enclave-private?
 * @addr: start of the range.
 * @size: length in bytes; 0 is treated as 1 byte at @addr.
 *
 * Return: true if every byte is in enclave-private memory (not the call
 * window, not shared memory). False for NULL or a range that wraps.
 */
bool cc_enclave_memory_in_enclave(const void *addr, size_t size);

/**
 * cc_enclave_memory_out_enclave() - is [addr, addr+size) entirely outside
 * enclave-private memory?
 * @addr: start of the range.
 * @size: length in bytes; 0 is treated as 1 byte at @addr.
 *
 * Return: true if no byte of the range is enclave-private. False for NULL or
 * a range that wraps.
 */
bool cc_enclave_memory_out_enclave(const void *addr, size_t size);

#ifdef __cplusplus
}
#endif
#endif
