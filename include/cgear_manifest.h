/*
 * cgear_manifest.h - the manifest embedded in every enclave ELF.
 *
 * cgear_add_enclave() generates one source file that uses CGEAR_MANIFEST();
 * the host reads the section before starting the enclave, and the enclave
 * runtime reads the same object to size its threads. Do not define it twice.
 */
#ifndef CGEAR_MANIFEST_H
#define CGEAR_MANIFEST_H

#include <stdint.h>

#define CG_MANIFEST_MAGIC 0x464d4743u /* "CGMF" */
#define CG_MANIFEST_VERSION 1u
#define CG_MANIFEST_SECTION ".cgear_manifest"
#define CG_MANIFEST_MAX_THREADS 64u

#define CG_MANIFEST_F_DEBUG_ONLY 0x1u /* refuse to run without SECGEAR_DEBUG_FLAG */

struct cg_manifest {
    uint32_t magic;
    uint32_t version;
    uint32_t threads;    /* enclave threads = call slots, 1..CG_MANIFEST_MAX_THREADS */
    uint32_t flags;      /* CG_MANIFEST_F_* */
    uint64_t heap_size;  /* bytes of heap the enclave may allocate */
    uint64_t stack_size; /* bytes of stack per enclave thread */
    char name[64];       /* NUL-terminated enclave name */
};

#define CGEAR_MANIFEST(NAME, THREADS, HEAP, STACK, FLAGS)                                                    \
    __attribute__((section(CG_MANIFEST_SECTION), used, aligned(8))) const struct cg_manifest cgear_manifest = { \
        CG_MANIFEST_MAGIC, CG_MANIFEST_VERSION, (THREADS), (FLAGS), (HEAP), (STACK), NAME}

#endif
