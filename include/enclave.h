/*
 * enclave.h - create, call and destroy enclaves from the host.
 *
 * Source-compatible with openEuler secGear's enclave.h. cgear adds the
 * KVM_ENCLAVE_TYPE and PROCESS_ENCLAVE_TYPE engines and a few cgear_*
 * queries; nothing secGear offers is missing.
 */
#ifndef CGEAR_ENCLAVE_H
#define CGEAR_ENCLAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secgear_uswitchless.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CC_API_SPEC __attribute__((visibility("default")))

/* Pass in cc_enclave_create() flags to run the enclave in debug mode: its
 * console output reaches the host's stderr. */
#define SECGEAR_DEBUG_FLAG 0x00000001u
#define SECGEAR_RESERVED_FLAG (~(SECGEAR_DEBUG_FLAG))

/* Where an enclave runs. The first five are secGear's; AUTO picks the
 * strongest engine usable on this machine (see cgear_engine_name()). */
typedef enum _enclave_type {
    SGX_ENCLAVE_TYPE = 0,
    GP_ENCLAVE_TYPE,
    PENGLAI_ENCLAVE_TYPE,
    QINGTIAN_ENCLAVE_TYPE,
    AUTO_ENCLAVE_TYPE,
    ENCLAVE_TYPE_MAX,
    /* cgear engines */
    KVM_ENCLAVE_TYPE = 0x10,     /* KVM micro-VM with no devices */
    PROCESS_ENCLAVE_TYPE = 0x11, /* non-dumpable, seccomp-confined process */
} enclave_type_t;

/* An optional feature given to cc_enclave_create(). */
typedef struct _enclave_features {
    uint32_t setting_type; /* ENCLAVE_FEATURE_* */
    void *feature_desc;    /* feature-specific description */
} enclave_features_t;

/* Switchless ECALLs: feature_desc points at a cc_sl_config_t
 * (secgear_uswitchless.h). Without it, functions marked
 * transition_using_threads run as ordinary ECALLs and their f_async()
 * proxies return CC_ERROR_SWITCHLESS_DISABLED. Errors at creation:
 * CC_ERROR_BAD_PARAMETERS (NULL feature_desc, given twice, a field out of
 * range, more workers than the manifest's threads minus one). */
#define ENCLAVE_FEATURE_SWITCHLESS 0x1u
#define ENCLAVE_FEATURE_PROTECTED_CODE_LOADER 0x2u

/*
 * cgear feature: run an enclave with fewer resources than its signed
 * manifest grants. feature_desc points at a cgear_resources_t; a zero field
 * keeps the manifest's value. The manifest is the ceiling: asking for more
 * threads or heap than it grants (or for less than 1 MiB of heap) fails
 * with CC_ERROR_BAD_PARAMETERS. `cgear enclave start --cpus/--mem` use it.
 */
#define CGEAR_FEATURE_RESOURCES 0xCC01u

typedef struct _cgear_resources {
    uint32_t threads;   /* enclave threads = concurrent ECALLs, 1..manifest threads; 0 = manifest */
    uint32_t reserved;  /* must be 0 */
    uint64_t heap_size; /* heap bytes, 1 MiB..manifest heap_size; 0 = manifest */
} cgear_resources_t;

/* Prefix of a cc_enclave_create() path that attaches to a running
 * standalone enclave instead of loading an image: "cgear-enclave:ID". */
#define CGEAR_ATTACH_PREFIX "cgear-enclave:"

/*
 * The enclave context. The caller allocates it and zero-initialises it
 * (cc_enclave_t ctx = {0};) before cc_enclave_create(); the runtime owns the
 * fields afterwards. Do not copy a live context.
 */
typedef struct _enclave {
    enclave_type_t type; /* the engine the enclave runs on once created */
    char *path;          /* copy of the image path given at creation */
    uint32_t flags;      /* flags given at creation */
    bool used_flag;      /* true between a successful create and destroy */
    void *private_data;  /* runtime state; opaque */
} cc_enclave_t;

/**
 * cc_enclave_create() - load an enclave and start it on an engine.
 * @path:           path of the enclave file produced by cgear_add_enclave().
 * @type:           AUTO_ENCLAVE_TYPE, or a specific engine. The environment
 *                  variable CGEAR_ENGINE=kvm|process overrides AUTO and must
 *                  then be usable, or creation fails.
 * @version:        must be 0.
 * @flags:          0 or SECGEAR_DEBUG_FLAG.
 * @features:       array of @features_count optional features, or NULL.
 * @features_count: number of entries in @features.
 * @enclave:        zero-initialised context to fill.
 *
 * The image is verified completely before anything runs: structure and
 * sizes, measurement, and the ECDSA P-384 signature. An unsigned image (or
 * a plain enclave ELF) runs only with SECGEAR_DEBUG_FLAG.
 *
 * Errors: CC_ERROR_BAD_PARAMETERS (NULL path/context, version != 0, unknown
 * flag, context already in use), CC_ERROR_INVALID_PATH (file missing or
 * unreadable), CC_ERROR_INVALID_ENCLAVE (not a valid cgear image or enclave
 * ELF), CC_ERROR_SIGNATURE_INVALID (the signature does not verify, or the
 * image is unsigned and SECGEAR_DEBUG_FLAG is not given),
 * CC_ERROR_NDEBUG_ENCLAVE (debug-only image without SECGEAR_DEBUG_FLAG, or
 * SECGEAR_DEBUG_FLAG for an image signed with debug disabled),
 * CC_ERROR_ENGINE_UNAVAILABLE also when the image's manifest does not allow
 * the engine,
 * CC_ERROR_INVALID_TYPE (unknown type), CC_ERROR_NO_DEVICE or
 * CC_ERROR_ENGINE_UNAVAILABLE (the engine cannot run here; the log says why),
 * CC_ERROR_NOT_SUPPORTED (unknown feature), CC_ERROR_OUT_OF_MEMORY,
 * CC_ERROR_ENCLAVE_LOST (the enclave died while starting).
 * Every failure writes one line saying what went wrong to stderr.
 *
 * Attaching: a @path of the form "cgear-enclave:ID" (CGEAR_ATTACH_PREFIX),
 * with the ID `cgear enclave start` printed, attaches to that running
 * standalone enclave instead of creating one (docs/cli.md). The context
 * then works as usual: ECALLs with this program's own generated code (same
 * EDL) and OCALL table, cgear_enclave_* queries. @type must be AUTO or the
 * engine the enclave runs on (CGEAR_ENGINE is ignored); @flags (0 or
 * SECGEAR_DEBUG_FLAG) is not used: enclave->flags tells whether the running
 * enclave is a debug one. One host process is attached to an enclave at a
 * time. If the enclave stops or dies while attached, calls return
 * CC_ERROR_ENCLAVE_LOST. Attach errors: CC_ERROR_INVALID_PATH (no such
 * running enclave, or a malformed ID), CC_ERROR_BUSY (another host is
 * attached), CC_ERROR_INVALID_TYPE (it runs on another engine than @type),
 * CC_ERROR_COMMUNICATION (its holder process does not answer).
 */
CC_API_SPEC cc_enclave_result_t cc_enclave_create(const char *path, enclave_type_t type, uint32_t version,
                                                  uint32_t flags, const enclave_features_t *features,
                                                  const uint32_t features_count, cc_enclave_t *enclave);

/**
 * cc_enclave_destroy() - stop an enclave and release everything it held.
 * @enclave: a context filled by cc_enclave_create().
 *
 * On a context attached through "cgear-enclave:ID" it only detaches: the
 * enclave keeps running (and keeps its state) for the next host to attach;
 * `cgear enclave stop ID` stops it.
 *
 * Must not race with calls into the same enclave. Works on an enclave that
 * has crashed. Errors: CC_ERROR_BAD_PARAMETERS (NULL),
 * CC_ERROR_INVALID_ENCLAVE_ID (zeroed or already destroyed context).
 */
CC_API_SPEC cc_enclave_result_t cc_enclave_destroy(cc_enclave_t *enclave);

/**
 * cgear_engine_name() - name of the engine an enclave type stands for.
 * @type: an enclave_type_t, e.g. enclave->type after creation.
 *
 * Return: "kvm", "process", "sgx", ... or "unknown"; never NULL.
 */
CC_API_SPEC const char *cgear_engine_name(enclave_type_t type);

/**
 * cgear_engine_usable() - can an engine run enclaves on this machine?
 * @type:    KVM_ENCLAVE_TYPE, PROCESS_ENCLAVE_TYPE, SGX_ENCLAVE_TYPE, ...
 * @why:     if not NULL, receives a one-line reason when the answer is no
 *           (and a short description when yes).
 * @why_len: size of @why.
 *
 * Return: true if cc_enclave_create() can use the engine here.
 */
CC_API_SPEC bool cgear_engine_usable(enclave_type_t type, char *why, size_t why_len);

/**
 * cgear_engine_auto() - the engine AUTO_ENCLAVE_TYPE would choose now,
 * honouring CGEAR_ENGINE.
 *
 * Return: the engine type, or ENCLAVE_TYPE_MAX if none can run here (or
 * CGEAR_ENGINE names an engine that cannot).
 */
CC_API_SPEC enclave_type_t cgear_engine_auto(void);

/**
 * cgear_enclave_engine() - the engine a created enclave runs on.
 * @enclave: a context filled by cc_enclave_create().
 *
 * Return: KVM_ENCLAVE_TYPE, PROCESS_ENCLAVE_TYPE, ...; ENCLAVE_TYPE_MAX for
 * NULL or a context that is not in use.
 */
CC_API_SPEC enclave_type_t cgear_enclave_engine(const cc_enclave_t *enclave);

/**
 * cgear_enclave_pid() - process id of the enclave's monitor process.
 * @enclave: a context filled by cc_enclave_create().
 *
 * Useful for tooling and tests. Return: the pid, or -1.
 */
CC_API_SPEC int cgear_enclave_pid(const cc_enclave_t *enclave);

/**
 * cgear_enclave_status() - is the enclave still alive, and if not, why?
 * @enclave: a context filled by cc_enclave_create().
 *
 * Calls into a dead enclave return CC_ERROR_ENCLAVE_LOST, as secGear does;
 * this tells the precise reason.
 * Return: CC_SUCCESS while alive; CC_ERROR_ENCLAVE_CRASHED (fault),
 * CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL, CC_ERROR_PROTOCOL (the enclave broke
 * the call protocol and was stopped), CC_ERROR_TIMEOUT (did not start),
 * CC_ERROR_ENCLAVE_LOST (exited or killed); CC_ERROR_INVALID_ENCLAVE_ID for
 * a context not in use.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_status(const cc_enclave_t *enclave);

/**
 * cgear_enclave_lost_reason() - why a lost enclave ended, in words.
 * @enclave: a context filled by cc_enclave_create().
 * @buf: receives a NUL-terminated line, e.g. "the enclave crashed: page
 *       fault (#PF) at rip 0x401234 (fault address 0x8, ...)"; the empty
 *       string while the enclave is alive.
 * @len: size of @buf (320 bytes always suffice).
 *
 * The same text the runtime logs when it notices the loss, for programs
 * that log elsewhere or run with CGEAR_LOG=quiet.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID for a context not in use;
 * CC_ERROR_BAD_PARAMETERS if @buf is NULL or @len is 0;
 * CC_ERROR_SHORT_BUFFER if the text does not fit (@buf is then empty).
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_lost_reason(const cc_enclave_t *enclave, char *buf, size_t len);

/* Sizes of the identity values below: SHA-384 digests. */
#define CGEAR_MEASUREMENT_SIZE 48u
#define CGEAR_SIGNER_SIZE 48u

/**
 * cgear_enclave_measurement() - the measurement of a created enclave's image.
 * @enclave: a context filled by cc_enclave_create().
 * @buf:     receives CGEAR_MEASUREMENT_SIZE bytes.
 * @len:     size of @buf.
 *
 * The measurement is SHA-384 over the image's format version, manifest and
 * enclave ELF (docs/image-format.md); `cgear measure IMAGE` prints the same
 * value. It does not depend on the signer, the path, the engine or the time.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID (context not in use),
 * CC_ERROR_BAD_PARAMETERS (@buf NULL), CC_ERROR_SHORT_BUFFER (@len < 48).
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_measurement(const cc_enclave_t *enclave, uint8_t *buf, size_t len);

/**
 * cgear_enclave_signer() - the signer id of a created enclave's image:
 * SHA-384 of the signing key's DER SubjectPublicKeyInfo.
 * @enclave: a context filled by cc_enclave_create().
 * @buf:     receives CGEAR_SIGNER_SIZE bytes (all zero for an unsigned image).
 * @len:     size of @buf.
 *
 * Return: CC_SUCCESS; CC_ERROR_ITEM_NOT_FOUND for an unsigned image (which
 * only runs with SECGEAR_DEBUG_FLAG); CC_ERROR_INVALID_ENCLAVE_ID,
 * CC_ERROR_BAD_PARAMETERS, CC_ERROR_SHORT_BUFFER as above.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_signer(const cc_enclave_t *enclave, uint8_t *buf, size_t len);

/**
 * cgear_enclave_security_version() - the manifest's security version
 * (secGear ISVSVN) of a created enclave.
 * @enclave: a context filled by cc_enclave_create().
 * @svn:     receives the value.
 * Return: CC_SUCCESS, CC_ERROR_INVALID_ENCLAVE_ID or CC_ERROR_BAD_PARAMETERS.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_security_version(const cc_enclave_t *enclave, uint32_t *svn);

/**
 * cc_sl_get_async_result() - collect the result of an asynchronous
 * switchless call submitted with a generated f_async() proxy.
 * @enclave: the context the call was submitted on.
 * @task_id: the id f_async() stored in its *task_id.
 * @retval:  receives what the enclave function returned (sizeof its return
 *           type); may be NULL, and is not used for a void function.
 *
 * While the call runs nothing is written and the task stays pending. Once
 * it has finished, the call's [out] and [in, out] buffers (given to
 * f_async(), which must stay valid until now) and *@retval are written and
 * the id is released: collecting it again gives
 * CC_ERROR_SWITCHLESS_INVALID_TASK_ID, and a later task never reuses the
 * same id value soon (ids carry a generation count).
 *
 * Return: the call's own result (CC_SUCCESS, or what the ECALL returned:
 * e.g. CC_ERROR_ENCLAVE_LOST if the enclave died, CC_ERROR_BAD_PARAMETERS
 * if the arguments could not be marshalled);
 * CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED while it is still queued or
 * running; CC_ERROR_SWITCHLESS_INVALID_TASK_ID for an id that is negative,
 * unknown or already collected; CC_ERROR_SWITCHLESS_DISABLED if the
 * enclave was created without ENCLAVE_FEATURE_SWITCHLESS;
 * CC_ERROR_INVALID_ENCLAVE_ID for a context not in use;
 * CC_ERROR_BAD_PARAMETERS for a NULL @enclave.
 */
CC_API_SPEC cc_enclave_result_t cc_sl_get_async_result(cc_enclave_t *enclave, int task_id, void *retval);

/**
 * cgear_sl_stats() - counters of an enclave's switchless calls.
 * @enclave: a context filled by cc_enclave_create().
 * @stats:   receives the counters (cgear_sl_stats_t, secgear_uswitchless.h).
 *
 * Return: CC_SUCCESS; CC_ERROR_SWITCHLESS_DISABLED (created without
 * ENCLAVE_FEATURE_SWITCHLESS), CC_ERROR_INVALID_ENCLAVE_ID,
 * CC_ERROR_BAD_PARAMETERS (NULL).
 */
CC_API_SPEC cc_enclave_result_t cgear_sl_stats(const cc_enclave_t *enclave, cgear_sl_stats_t *stats);

/**
 * cgear_enclave_info_t - what cgear_enclave_info() reports about an enclave.
 */
typedef struct {
    enclave_type_t engine;     /* the engine it runs on */
    int pid;                   /* its monitor process (see cgear_enclave_pid()) */
    bool debug;                /* created with SECGEAR_DEBUG_FLAG */
    bool is_signed;            /* signer is valid (unsigned images run only as debug) */
    bool attached;             /* a standalone enclave another process holds (CGEAR_ATTACH_PREFIX) */
    uint32_t threads;          /* enclave threads = call-window slots */
    uint32_t security_version; /* from the signed manifest */
    uint64_t heap_size;        /* bytes, as it runs (CGEAR_FEATURE_RESOURCES may lower it) */
    uint64_t stack_size;       /* bytes per thread */
    uint8_t measurement[48];   /* SHA-384 measurement (CGEAR_MEASUREMENT_SIZE) */
    uint8_t signer[48];        /* SHA-384 of the signing key; zero if unsigned */
    char name[64];             /* the manifest's name, NUL-terminated */
} cgear_enclave_info_t;

/**
 * cgear_enclave_info() - describe a created (or attached) enclave.
 * @enclave: a context filled by cc_enclave_create().
 * @info:    receives the description; zeroed first.
 *
 * The values are fixed at creation: the call takes no lock and works on a
 * lost enclave too.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID for a context not in
 * use; CC_ERROR_BAD_PARAMETERS for a NULL @info.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_info(const cc_enclave_t *enclave, cgear_enclave_info_t *info);

/**
 * cgear_create_profile_t - where the time of one cc_enclave_create() went,
 * in nanoseconds (CLOCK_MONOTONIC), phase by phase in the order they run.
 * A phase an engine does not have, or whose end was not reported, is 0.
 * The monitor's and the enclave runtime's points come from the enclave's
 * side of the call window: informational, never used for any decision.
 */
typedef struct {
    uint64_t image_ns;      /* read the image, measure it, check its signature */
    uint64_t engine_ns;     /* choose the engine (its probe of the machine) */
    uint64_t window_ns;     /* create the call window (and switchless set-up) */
    uint64_t keys_ns;       /* read the platform, derive the enclave's key block */
    uint64_t prepare_ns;    /* start the reaper thread, the engine's seccomp program */
    uint64_t spawn_ns;      /* fork and exec until the monitor's main() (kvm) or the
                               enclave's main() (process: through the monitor's exec) */
    uint64_t vm_ns;         /* kvm: /dev/kvm, the VM, vCPU 0, the guest's CPUID */
    uint64_t memory_ns;     /* kvm: guest memory and the call window's memslot */
    uint64_t load_ns;       /* kvm: shim, page tables, ELF load, boot block and keys */
    uint64_t vcpus_ns;      /* kvm: the other vCPUs, the monitor's confinement */
    uint64_t boot_ns;       /* kvm: first guest instruction to the enclave's main()
                               (the shim's start, the C library's) */
    uint64_t runtime_ns;    /* the enclave runtime's main() to READY (window, keys,
                               one thread per slot) */
    uint64_t ready_seen_ns; /* READY until the creating thread saw it */
    uint64_t total_ns;      /* the whole cc_enclave_create() */
} cgear_create_profile_t;

/**
 * cgear_enclave_create_profile() - where the creation of @enclave spent
 * its time, to find start-up costs and regressions (bench/bench_calls).
 * @enclave: a context filled by cc_enclave_create().
 * @out:     receives the durations; zeroed first.
 *
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID for a context not in
 * use; CC_ERROR_BAD_PARAMETERS for a NULL @out; CC_ERROR_NOT_SUPPORTED for
 * an attached standalone enclave (another process created it).
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_create_profile(const cc_enclave_t *enclave,
                                                             cgear_create_profile_t *out);

/**
 * cgear_enclave_snapshot() - record an enclave's state, to return it there
 * later with cgear_enclave_reset() (docs/snapshots.md). Call it once the
 * enclave is initialised (its first ECALLs made), before any request that
 * must not leave a trace.
 * @enclave: a context filled by cc_enclave_create() on the kvm engine.
 *
 * Waits for the ECALLs inside to return and holds new ones until done.
 * Every thread the enclave started itself must have ended or sleep. The
 * snapshot stays inside the enclave's monitor: the host never sees it.
 * From then on the enclave's memory is copy-on-write over the snapshot.
 * One snapshot per enclave.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID (a context not in use);
 * CC_ERROR_NOT_SUPPORTED (the process engine, an attached enclave,
 * switchless workers, a system install's launcher, a debugger, or an
 * enclave built without a reset area); CC_ERROR_BAD_STATE (it has a
 * snapshot already, or the caller is inside one of its OCALLs);
 * CC_ERROR_BUSY (a thread of the enclave still runs: nothing changed);
 * CC_ERROR_ENCLAVE_LOST; CC_ERROR_TIMEOUT (the monitor did not answer:
 * the enclave is then lost). Each failure is logged with why.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_snapshot(cc_enclave_t *enclave);

/**
 * cgear_enclave_reset() - return an enclave to its snapshot: nothing a
 * request left in its memory or registers survives (docs/snapshots.md).
 * @enclave: a context on which cgear_enclave_snapshot() succeeded.
 *
 * Waits for the ECALLs inside to return, like cgear_enclave_snapshot().
 * After it the enclave's random generators reseed before their next
 * output, its key block names a new instance with a new report key (its
 * attestation reports differ from every earlier run's), and
 * cgear_enclave_resets() inside counts one more. Sealing keys stay: data
 * sealed by any run unseals in any other.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID; CC_ERROR_NOT_SUPPORTED
 * (as for cgear_enclave_snapshot()); CC_ERROR_BAD_STATE (no snapshot yet,
 * or the caller is inside one of its OCALLs); CC_ERROR_BUSY (a thread of
 * the enclave still runs: nothing changed); CC_ERROR_ENCLAVE_LOST;
 * CC_ERROR_TIMEOUT. Each failure is logged with why.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_reset(cc_enclave_t *enclave);

/**
 * cgear_enclave_create_from_snapshot() - start a new enclave from another
 * enclave's snapshot (docs/snapshots.md): it begins where the snapshot
 * stood, with the snapshot's memory shared copy-on-write, and skips the
 * image load and the enclave's initialisation.
 * @parent:  an enclave on which cgear_enclave_snapshot() succeeded.
 * @enclave: a zeroed context; receives the new enclave.
 *
 * The snapshot goes from the parent's monitor to the new one; the host
 * never holds it. The new enclave has its own call window, a new instance
 * and report key, reseeds its random generators before their first
 * output (cgear_enclave_resets() says 1), keeps the snapshot (it can be
 * reset to it) and outlives its parent. It has no shared memory
 * (secgear_shared_memory.h): the parent's region stays the parent's.
 * Destroy it with cc_enclave_destroy().
 * Return: CC_SUCCESS; CC_ERROR_INVALID_ENCLAVE_ID (@parent holds no
 * enclave); CC_ERROR_BAD_PARAMETERS (@enclave NULL or in use);
 * CC_ERROR_BAD_STATE (@parent has no snapshot, or the caller is inside
 * one of its OCALLs); CC_ERROR_NOT_SUPPORTED (as for
 * cgear_enclave_snapshot()); CC_ERROR_ENCLAVE_LOST; CC_ERROR_TIMEOUT; what starting an enclave
 * returns (cc_enclave_create()). Each failure is logged with why.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_create_from_snapshot(cc_enclave_t *parent, cc_enclave_t *enclave);

/**
 * cgear_hold_config_t - where cgear_enclave_hold() serves.
 */
typedef struct {
    const char *id;    /* the standalone enclave's id, for log lines */
    const char *image; /* absolute image path, reported to `cgear enclave list` */
    int64_t started;   /* unix time the enclave started */
    int listen_fd;     /* a bound, listening AF_UNIX SOCK_SEQPACKET socket */
    int stop_fd;       /* readable = stop (e.g. a signalfd for SIGTERM), or -1 */
} cgear_hold_config_t;

/**
 * cgear_enclave_hold() - keep an enclave available to other processes of
 * the same user: serve the standalone-enclave protocol (docs/cli.md,
 * "Standalone enclaves") on @cfg->listen_fd until the enclave is stopped
 * or dies. This is what `cgear enclave start` runs; a service can run it
 * on an enclave it created with its own features.
 * @enclave: a context filled by cc_enclave_create() in this process (not
 *           an attached one).
 * @cfg:     the socket, stop descriptor and what to report.
 *
 * Answers describe and stop requests, and hands the call window to one
 * attached host at a time (cc_enclave_create() with "cgear-enclave:ID");
 * others get CC_ERROR_BUSY. Only peers with this process's uid are
 * served. When an attached host goes away with a call in flight, the
 * enclave's state is unknown and it is stopped. Does not destroy
 * @enclave; the caller does.
 * Return: CC_SUCCESS when stopped on request (a stop request or @stop_fd);
 * else why the enclave died (its cgear_enclave_status());
 * CC_ERROR_BAD_PARAMETERS for a NULL argument, a context not in use or an
 * attached one; CC_ERROR_GENERIC if polling the sockets failed.
 */
CC_API_SPEC cc_enclave_result_t cgear_enclave_hold(cc_enclave_t *enclave, const cgear_hold_config_t *cfg);

#ifdef __cplusplus
}
#endif

#endif /* CGEAR_ENCLAVE_H */
