/*
 * secgear_uswitchless.h - switchless ECALLs: the configuration given to
 * cc_enclave_create() with ENCLAVE_FEATURE_SWITCHLESS.
 *
 * Source-compatible with openEuler secGear's header of the same name: the
 * same type names, enumerators, field names, field order and types, and
 * the same initializer values (see docs/architecture.md, "Switchless
 * calls", for the sources). What cgear does with each field is documented
 * next to it; fields secGear uses only on one of its backends are accepted
 * and checked the same way here even where cgear has no use for them.
 *
 * Usage (host):
 *
 *     cc_sl_config_t cfg = CC_USWITCHLESS_CONFIG_INITIALIZER;
 *     cfg.num_tworkers = 2;
 *     enclave_features_t f = {ENCLAVE_FEATURE_SWITCHLESS, &cfg};
 *     cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, 0, &f, 1, &ctx);
 *
 * Then every trusted function the EDL marks `transition_using_threads`
 * runs on a switchless worker when one is free, and its generated
 * f_async() proxy submits it without waiting (cc_sl_get_async_result() in
 * enclave.h collects the result); every untrusted function so marked runs
 * on a host worker thread when one is free.
 */
#ifndef SECGEAR_USWITCHLESS_H
#define SECGEAR_USWITCHLESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a switchless worker (an enclave thread) waits for requests. */
typedef enum {
    /* Poll forever: the worker never sleeps, so a call never needs a system
     * call (or, on the kvm engine, a VM exit) to wake it. Costs one CPU per
     * worker for the enclave's whole life. */
    WORKERS_POLICY_BUSY,
    /* Poll retries_before_sleep times, then sleep on the slot's futex until
     * the host wakes it (the host wakes only a worker that sleeps). */
    WORKERS_POLICY_WAKEUP,
    WORKERS_POLICY_MAX
} cc_workers_policy_t;

typedef struct {
    /* Untrusted workers: host threads that serve switchless OCALLs
     * (untrusted functions marked transition_using_threads), each polling
     * a slot of its own. 0 means 8 (secGear's default). At most 64 here
     * (secGear allows 512): more fails with CC_ERROR_BAD_PARAMETERS. A
     * switchless OCALL that finds no free worker (retries_before_fallback
     * looks) is an ordinary OCALL. */
    uint32_t num_uworkers;

    /* Switchless workers: enclave threads that serve switchless ECALLs by
     * polling their slot. 0 means min(8, manifest threads - 1) (secGear's
     * default is 8). At most 512 (secGear's limit) and at most the
     * manifest's thread count minus one, because ordinary ECALLs keep at
     * least one enclave thread of their own: asking for more fails with
     * CC_ERROR_BAD_PARAMETERS and a log line naming both numbers. The host
     * also runs this many threads that carry out f_async() calls. */
    uint32_t num_tworkers;

    /* Size of the asynchronous task pool in units of 64 tasks: at most
     * 64 * sl_call_pool_size_qwords f_async() calls may be submitted and
     * not yet collected. 0 means 1; at most 8 (secGear's limits). */
    uint32_t sl_call_pool_size_qwords;

    /* secGear: largest argument count of a switchless function (its GP
     * backend passes arguments as 64-bit words). cgear marshals any
     * argument list; checked (<= 16) and otherwise ignored. */
    uint32_t num_max_params;

    /* How many times a switchless call looks for a free worker (one pause
     * instruction between looks) before it falls back to an ordinary
     * ECALL. 0 means 20000 (secGear's default). */
    uint32_t retries_before_fallback;

    /* WORKERS_POLICY_WAKEUP: how many times an idle worker polls before it
     * sleeps; also how long the host thread of a switchless call polls for
     * the answer before it sleeps (capped at 10,000,000). 0 means 20000
     * (secGear's default). */
    uint32_t retries_before_sleep;

    /* cc_workers_policy_t; anything >= WORKERS_POLICY_MAX fails creation
     * with CC_ERROR_BAD_PARAMETERS. */
    uint32_t workers_policy;

    /* When the asynchronous task pool is full: 0 makes f_async() fail with
     * CC_ERROR_SWITCHLESS_TASK_POOL_FULL; non-zero makes it run the call
     * synchronously instead, store *retval and [out] data at once, set
     * *task_id to -1 and return that call's result (secGear's
     * "rollback to common invoking"). */
    uint32_t rollback_to_common;

    /* Bit i set: the switchless ECALL workers may run on CPU i (their
     * affinity mask; on the kvm engine the vCPU threads that run them, on
     * the process engine the enclave's worker threads). 0: no binding. A
     * CPU that is not online or not allowed to this process fails
     * creation with CC_ERROR_BAD_PARAMETERS and a log line naming the
     * CPUs that exist. cgear: the name API.md gives secGear's core
     * binding. */
    uint64_t tworkers_cores;

    /* cgear: the same for the untrusted workers (switchless OCALLs). */
    uint64_t uworkers_cores;
} cc_sl_config_t;

/* secGear's defaults: one worker of each kind, a pool of 64 tasks, 16
 * parameters, default retries, busy workers, no rollback; no binding. */
#define CC_USWITCHLESS_CONFIG_INITIALIZER {1, 1, 1, 16, 0, 0, WORKERS_POLICY_BUSY, 0, 0, 0}

/* cgear: counters of an enclave's switchless traffic, for tests and tuning. */
typedef struct {
    uint64_t sl_calls;      /* switchless calls served by a switchless worker */
    uint64_t fallbacks;     /* switchless calls that fell back to an ordinary ECALL */
    uint64_t async_submits; /* f_async() calls accepted into the task pool */
    uint64_t rollbacks;     /* f_async() calls run synchronously (pool full, rollback_to_common) */
    uint64_t ocall_sl_calls;  /* switchless OCALLs served by an untrusted worker */
    uint64_t ocall_fallbacks; /* switchless OCALLs that arrived as ordinary OCALLs (no free worker) */
} cgear_sl_stats_t;

#ifdef __cplusplus
}
#endif

#endif
