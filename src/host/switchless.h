/*
 * switchless.h - switchless ECALLs on the host (switchless.c); see
 * docs/architecture.md, "Switchless calls".
 */
#ifndef CGEAR_HOST_SWITCHLESS_H
#define CGEAR_HOST_SWITCHLESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cgear_edge.h"
#include "enclave.h"

struct cg_enclave;

/* cc_enclave_create(): is features[@i] (ENCLAVE_FEATURE_SWITCHLESS) a
 * valid switchless configuration, and the first one? Checks what does not
 * depend on the image (secGear's limits, the CPU masks against the CPUs
 * this process may use). CC_SUCCESS; CC_ERROR_SWITCHLESS_REINIT (an
 * earlier entry is switchless too); CC_ERROR_BAD_PARAMETERS; each with a
 * log line. */
cc_enclave_result_t cg_sl_check_feature(const enclave_features_t *features, uint32_t i);

/* How many switchless OCALL slots the window needs for @features (the
 * first switchless entry's num_uworkers, 0 meaning 8); 0 without the
 * feature. After cg_sl_check_feature() accepted them. */
uint32_t cg_sl_uslots(const enclave_features_t *features, uint32_t count);

/* After the window exists, before the enclave starts: if @features ask for
 * switchless calls, choose the worker slots (checked against the manifest's
 * threads), tell the enclave in the window header, and start the host
 * threads that run f_async() tasks. e->sl stays NULL without the feature.
 * CC_SUCCESS, CC_ERROR_BAD_PARAMETERS (too many workers; logged) or
 * CC_ERROR_OUT_OF_MEMORY. */
cc_enclave_result_t cg_sl_setup(struct cg_enclave *e, const enclave_features_t *features, uint32_t count);

/* After the enclave is READY: pin its switchless workers to
 * tworkers_cores where the host does it (the process engine: the worker
 * threads of the enclave process, by the thread ids the enclave wrote in
 * their slots, each checked to be a thread of that process; on the kvm
 * engine the monitor pins its vCPU threads itself). CC_SUCCESS, or
 * CC_ERROR_BAD_PARAMETERS with a log line. */
cc_enclave_result_t cg_sl_started(struct cg_enclave *e);

/* Every ECALL of an enclave with the feature, and every ordinary OCALL:
 * remember the EDL's OCALL table @t for the switchless OCALL workers, and
 * (@fn != UINT32_MAX) count an ordinary OCALL of a switchless function as
 * a fallback. */
void cg_sl_note_ocall(struct cg_enclave *e, const cg_stub_table_t *t, uint32_t fn);

/* Destroy, after the enclave was stopped: wait for switchless calls to
 * unwind, stop the task threads, free every pending task. NULL-safe. */
void cg_sl_fini(struct cg_enclave *e);

/* Slots ordinary ECALLs may take (bit i: slot i). */
uint64_t cg_sl_ordinary_mask(const struct cg_enclave *e);

/* Take a free switchless worker slot, trying retries_before_fallback
 * times; false: none free (the caller falls back to an ordinary ECALL). */
bool cg_sl_take_worker(struct cg_enclave *e, uint32_t *index);
void cg_sl_give_worker(struct cg_enclave *e, uint32_t index);

#endif
