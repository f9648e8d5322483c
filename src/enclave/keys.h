/*
 * keys.h - the enclave's key block (src/abi/enclave_keys.h), read once at
 * start by main.c, read-only afterwards (no locking needed: it is loaded
 * before the worker threads start).
 */
#ifndef CGEAR_TRTS_KEYS_H
#define CGEAR_TRTS_KEYS_H

#include <stdbool.h>

#include "enclave_keys.h"

/* Read the block from CG_KEYS_FD (exactly sizeof(struct cg_enclave_keys)
 * bytes, magic and version checked) and close the descriptor. Without a
 * valid block the enclave runs without keys: sealing then says
 * CC_ERROR_NOT_SUPPORTED. Call once, before any thread is started.
 * @dumpable: the process is still ptrace-able because the host asked to
 * debug it (CG_WINDOW_F_GDB). It stays so only if the block's head says
 * CG_KEYS_F_DEBUG; otherwise the process is made non-dumpable before any
 * secret is read. With @dumpable false the caller has made the process
 * non-dumpable already (main.c). Returns whether the process is still
 * dumpable. */
bool cg_trts_load_keys(bool dumpable);

/* The block, or NULL when none was received. */
const struct cg_enclave_keys *cg_trts_keys(void);

/* Why there is no block (for debug logs): a static string, "" if there is one. */
const char *cg_trts_keys_missing_reason(void);

#endif
