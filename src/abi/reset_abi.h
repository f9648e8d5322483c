/*
 * reset_abi.h - what the kvm monitor changes inside an enclave when it
 * resets it to its snapshot (docs/snapshots.md).
 *
 * The enclave runtime defines one struct cg_reset_area in an ELF section
 * of its own (CG_RESET_SECTION, in a writable loaded segment). The monitor
 * finds it when it loads the ELF; after restoring the snapshot's memory it
 * writes a new reset count and the enclave's new key block into it, while
 * no thread of the enclave runs. The runtime keeps its key block there
 * (keys.c) and compares the count with what each thread's random
 * generator last saw (random.c): a restored generator reseeds before its
 * next output, and reports name the new instance.
 *
 * An enclave linked without the area (an older runtime) cannot be
 * snapshotted: the monitor refuses rather than restore random state that
 * nothing would reseed.
 */
#ifndef CGEAR_RESET_ABI_H
#define CGEAR_RESET_ABI_H

#include <stdint.h>

#include "enclave_keys.h"

#define CG_RESET_SECTION ".cgear_reset"
#define CG_RESET_MAGIC 0x7465736552726567ull /* "gerReset" */

struct cg_reset_area {
    uint64_t magic;   /* CG_RESET_MAGIC, set by the runtime (initialised data) */
    uint64_t resets;  /* resets since the enclave started; written by the monitor only */
    struct cg_enclave_keys keys; /* the key block (enclave_keys.h); the monitor replaces it at a reset */
};

#define CG_RESET_AREA_SIZE (16u + CG_KEYS_SIZE)
_Static_assert(sizeof(struct cg_reset_area) == CG_RESET_AREA_SIZE, "reset area layout");

#endif
