/*
 * lifecycle.h - starting, watching and stopping an enclave's monitor
 * process, the same way for every engine (spawn.c, reaper.c,
 * monitor_image.c). Engine specifics come in through struct cg_engine
 * (engine.h).
 */
#ifndef CGEAR_HOST_LIFECYCLE_H
#define CGEAR_HOST_LIFECYCLE_H

#include <stddef.h>

#include "engine.h"

struct cg_enclave;

/**
 * cg_monitor_exe_fd() - the embedded cgear-monitor executable
 * (monitor_image.c): a sealed, close-on-exec memfd created on first use
 * and kept for the life of the process.
 * @why:     receives the reason on failure.
 * @why_len: size of @why.
 * Return: the descriptor, or -1.
 */
int cg_monitor_exe_fd(char *why, size_t why_len);

/**
 * cg_monitor_spawn() - fork and exec cgear-monitor (or, on a system
 * install, cgear-launcher) for @e with the descriptors and arguments of
 * src/abi/monitor_abi.h plus what @plan adds (spawn.c).
 * @e:    the enclave; its window, ELF and key block are ready.
 * @plan: the engine's part (struct cg_engine.prepare()).
 * Runs on the enclave's reaper thread (PR_SET_PDEATHSIG follows it).
 * Sets e->pid, e->pidfd (-1 without pidfds) and e->note_fd.
 * Return: CC_SUCCESS; CC_ERROR_ENGINE_UNAVAILABLE or
 * CC_ERROR_OUT_OF_MEMORY (logged why).
 */
cc_enclave_result_t cg_monitor_spawn(struct cg_enclave *e, const struct cg_monitor_plan *plan);

/**
 * cg_monitor_start() - start @e's reaper thread, which prepares the
 * engine's plan, spawns the monitor and then waits for it to end
 * (reaper.c). Returns once the spawn finished.
 * Return: the spawn's result; CC_ERROR_OUT_OF_MEMORY if no thread.
 */
cc_enclave_result_t cg_monitor_start(struct cg_enclave *e);

/* Kill @e's monitor (if any) and join the reaper thread. Idempotent. */
void cg_monitor_stop(struct cg_enclave *e);

/**
 * cg_enclave_mark_lost() - declare @e lost: record @reason and @what
 * (first caller wins; logged unless the enclave is being destroyed or
 * @what is NULL), kill the monitor, and wake every thread waiting on the
 * window or a slot.
 */
void cg_enclave_mark_lost(struct cg_enclave *e, cc_enclave_result_t reason, const char *what);

/* The enclave's key block in a sealed memfd, positioned at 0 (keys.c);
 * -1 on failure (logged). */
int cg_make_keys_fd(const struct cg_enclave *e);

struct cg_enclave_keys;
/* The enclave's key block with a new random instance and its report key
 * (keys.c): at creation, and for each reset (snapshot.c). Never fails: on
 * a machine without a platform the seal keys are absent and sealing says
 * so. */
void cg_make_keys(const struct cg_enclave *e, struct cg_enclave_keys *out);

#endif
