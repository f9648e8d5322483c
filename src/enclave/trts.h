/*
 * trts.h - internal state of the enclave runtime.
 */
#ifndef CGEAR_TRTS_H
#define CGEAR_TRTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgear_manifest.h"
#include "channel.h"

extern const struct cg_manifest cgear_manifest;

/* The mapped call window: [base, base + size) is host-visible memory. */
extern uint8_t *cg_trts_window_base;
extern size_t cg_trts_window_size;
/* The shared-memory region (secgear_shared_memory.h), same address as in
 * the host; size 0 when the enclave has none. */
extern uint8_t *cg_trts_shm_base;
extern size_t cg_trts_shm_size;
extern bool cg_trts_debug;

/* Serve ECALLs on @ch forever (returns only on a fatal window error). */
void cg_trts_serve(struct cg_chan *ch);

#endif
