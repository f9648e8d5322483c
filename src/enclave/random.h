/*
 * random.h - the enclave runtime's random generator (random.c), internal.
 */
#ifndef CGEAR_ENCLAVE_RANDOM_H
#define CGEAR_ENCLAVE_RANDOM_H

/* Make every thread reseed its DRBG from the kernel before its next
 * cc_enclave_generate_random() output. For a future snapshot/reset of an
 * enclave: a restored state must never repeat random output. Cannot fail;
 * a thread whose reseed then fails keeps its last seed (RDRAND is mixed in
 * regardless). */
void cg_random_reseed(void);

/* How many times the threads' DRBGs were seeded or reseeded, in all: for
 * the tests of resets (tests/e2e/snapshot), which see it grow after a
 * reset by one per thread that makes random output. */
uint64_t cg_random_seeds(void);

#endif
