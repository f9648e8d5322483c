/*
 * engine.h - the interface every engine implements (src/engines/<name>/),
 * and the registry through which the host runtime chooses one
 * (src/host/registry.c).
 *
 * An engine says how the enclave side runs (a KVM micro-VM, a confined
 * process). It knows nothing of the host's enclave state: it answers three
 * questions the generic code asks. The host runtime spawns and supervises
 * every engine's cgear-monitor the same way (src/host/spawn.c,
 * src/host/reaper.c); the process-boundary contract is src/abi/monitor_abi.h.
 *
 *   probe          can it run on this machine, and if not, why;
 *   prepare        what its monitor needs beyond the generic descriptors
 *                  (the seccomp program on CG_MON_BPF_FD, an extra argument);
 *   describe_exit  what an exit of its monitor means, where it means
 *                  something only this engine knows (the kvm monitor's
 *                  guest faults, the process engine's SIGSYS).
 *
 * Hardware TEE types (SGX, iTrustee, Penglai, QingTian) are registered
 * with strength 0: recognised, answered with why they cannot run, never
 * chosen.
 */
#ifndef CGEAR_HOST_ENGINE_H
#define CGEAR_HOST_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enclave.h"

/* What an engine adds to the generic monitor start. */
struct cg_monitor_plan {
    int bpf_fd;            /* placed on CG_MON_BPF_FD, or -1; the engine keeps ownership */
    const char *extra_arg; /* appended to the monitor's argv (never to the launcher's), or NULL */
    int gdb_fd;            /* placed on CG_MON_GDB_FD, or -1; the host closes it after the spawn */
    bool wait_debugger;    /* the monitor runs nothing before a debugger attaches: no start timeout */
};

struct cg_engine {
    const char *name;     /* also the monitor's <engine> argument */
    enclave_type_t type;
    uint32_t image_bit;   /* CG_IMAGE_ENGINE_* a manifest uses to allow it; 0: none */
    int strength;         /* AUTO picks the usable engine with the highest strength; 0: never */

    /**
     * probe() - can this engine run here?
     * @why:     receives one line: what it offers, or why it cannot run.
     * @why_len: size of @why.
     * Return: true if usable. Cheap after the first call (results cached
     * where probing is costly).
     */
    bool (*probe)(char *why, size_t why_len);

    /**
     * prepare() - what this engine's monitor needs for one enclave.
     * @debug:   the enclave was created with SECGEAR_DEBUG_FLAG.
     * @plan:    filled in; starts as {-1, NULL, -1, false}.
     * @why:     receives the reason on failure (the host logs it).
     * @why_len: size of @why.
     * Return: CC_SUCCESS; CC_ERROR_ENGINE_UNAVAILABLE; for CGEAR_GDB
     * (docs/debugging.md): CC_ERROR_BAD_PARAMETERS (malformed or not
     * loopback), CC_ERROR_NOT_SUPPORTED (a production enclave, or an
     * engine without a debugger stub), CC_ERROR_GENERIC (the socket cannot
     * be bound). NULL for engines that never run (strength 0).
     */
    cc_enclave_result_t (*prepare)(bool debug, struct cg_monitor_plan *plan, char *why, size_t why_len);

    /**
     * describe_exit() - the engine's reading of its monitor's end.
     * @si:    how the monitor process ended (waitid()).
     * @noted: the monitor wrote a line on the note pipe, so a status in
     *         CG_MON_EXIT_FIRST..CG_MON_EXIT_LAST is its own.
     * @buf:   receives one line of explanation if the engine knows it.
     * @len:   size of @buf.
     * Return: the result code if this engine gives the exit a meaning;
     * CC_SUCCESS to leave it to the generic description (reaper.c).
     */
    cc_enclave_result_t (*describe_exit)(const siginfo_t *si, bool noted, char *buf, size_t len);
};

extern const struct cg_engine cg_engine_process; /* src/engines/process */
extern const struct cg_engine cg_engine_kvm;     /* src/engines/kvm */

/* The registry (registry.c). */
size_t cg_engine_count(void);
/* The @i-th registered engine, or NULL past the end. */
const struct cg_engine *cg_engine_at(size_t i);
/* The engine of @type / called @name, or NULL. */
const struct cg_engine *cg_engine_by_type(enclave_type_t type);
const struct cg_engine *cg_engine_by_name(const char *name);

/**
 * cg_engine_select() - choose the engine for one enclave, once, after its
 * image is verified.
 * @type:    what the program asked for (AUTO_ENCLAVE_TYPE or an engine).
 * @allowed: the image manifest's engines (CG_IMAGE_ENGINE_*), or
 *           CG_IMAGE_ENGINE_ALL when no image constrains the choice.
 * @name:    the enclave's name, for messages (may be NULL).
 * @quiet:   log nothing (doctor-style callers).
 * @out:     receives the engine.
 *
 * CGEAR_ENGINE=<name> (read here, nowhere else) demands an engine like
 * @type does. A demanded engine is never silently replaced; AUTO takes
 * the usable allowed engine with the highest strength.
 * Return: CC_SUCCESS; CC_ERROR_INVALID_TYPE (unknown or conflicting
 * demand); CC_ERROR_NO_DEVICE (a hardware TEE type); CC_ERROR_ENGINE_UNAVAILABLE
 * (the demanded engine cannot run, the manifest does not allow it, or no
 * engine can run). Each failure is logged with why unless @quiet.
 */
cc_enclave_result_t cg_engine_select(enclave_type_t type, uint32_t allowed, const char *name, bool quiet,
                                     const struct cg_engine **out);

#endif
