/*
 * sl_ocall.h - switchless OCALLs on the host: the untrusted worker threads
 * that poll the switchless OCALL slots of the call window (sl_ocall.c).
 * Used by switchless.c; see docs/architecture.md, "Switchless calls".
 */
#ifndef CGEAR_HOST_SL_OCALL_H
#define CGEAR_HOST_SL_OCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgear_edge.h"
#include "enclave.h"

struct cg_enclave;
struct cg_sl_uw;

/* Start one worker thread per switchless OCALL slot of @e's window
 * (e->win.nuslots of them, after the ECALL slots). Each polls its slot
 * @spin times (CG_SPIN_FOREVER: always) before it sleeps on the slot's
 * futex; with @cores != 0 each is pinned to those CPUs. *@out is NULL
 * when the window has no such slot. CC_SUCCESS, CC_ERROR_OUT_OF_MEMORY
 * (no thread could start), or CC_ERROR_BAD_PARAMETERS (the pinning
 * failed; logged). */
cc_enclave_result_t cg_sl_uw_start(struct cg_enclave *e, uint32_t spin, uint64_t cores, struct cg_sl_uw **out);

/* Destroy: mark every switchless OCALL slot dead (the enclave is stopped
 * by then), wait for the workers to finish the OCALL each may be running,
 * and free them. NULL-safe. */
void cg_sl_uw_stop(struct cg_enclave *e, struct cg_sl_uw *u);

/* Every ECALL on the enclave: the OCALL table its EDL generated, which
 * the workers use (an enclave's OCALLs all come from ECALLs). */
void cg_sl_uw_set_table(struct cg_sl_uw *u, const cg_stub_table_t *t);

/* Switchless OCALLs the workers have served. */
uint64_t cg_sl_uw_served(const struct cg_sl_uw *u);

#endif
