/*
 * cgear_enclave_reset.h - what an enclave can learn of its snapshot and
 * resets (docs/snapshots.md). Enclave side; cgear only (no secGear
 * counterpart). The host side is cgear_enclave_snapshot() and
 * cgear_enclave_reset() in enclave.h.
 */
#ifndef CGEAR_ENCLAVE_RESET_H
#define CGEAR_ENCLAVE_RESET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cgear_enclave_resets() - how many times the host reset this enclave to
 * its snapshot.
 *
 * 0 until the first reset (and always on engines without snapshots). The
 * monitor writes it while no thread of the enclave runs, so an ECALL sees
 * one value throughout. After a reset the enclave's memory is what it was
 * at the snapshot; this count, its key block's instance and report key,
 * and the random generators' seeds are what differ.
 *
 * Return: the count. Cannot fail.
 */
uint64_t cgear_enclave_resets(void);

#ifdef __cplusplus
}
#endif

#endif
