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

/* main(), before any other thread exists: the @count switchless OCALL
 * channels @chans (count 0: none; every OCALL is ordinary) and how many
 * times cg_enclave_ocall_sl() looks for a free one before it falls back
 * (sl_ocall.c). */
void cg_trts_sl_ocall_init(struct cg_chan *chans, uint32_t count, uint32_t retries);

/* dispatch.c: the slot of the ECALL the calling thread serves (NULL
 * outside an ECALL), for sl_ocall.c's fallback and checks. */
struct cg_chan *cg_trts_current_chan(void);
/* dispatch.c: an OCALL's result from cg_chan_call()'s @rc and the host
 * stub's @status; a response that came with a failed status is freed (the
 * caller sees no bytes). */
cc_enclave_result_t cg_trts_ocall_result(cc_enclave_result_t rc, uint32_t status, cg_msg_t *resp);

#endif
