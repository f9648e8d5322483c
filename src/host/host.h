/*
 * host.h - one enclave as the host runtime (urts) holds it.
 *
 * Who uses which part: enclave.c creates and destroys it, ecall.c takes
 * and gives slots (calls), spawn.c and reaper.c run the monitor (mon,
 * fate), attach.c and holder.c share the window with other processes,
 * switchless.c adds its workers (sl), shm.c the shared
 * memory (shm). The functions live in the header
 * of each file: engine.h, lifecycle.h, report.h, launcher_client.h,
 * attach.h, switchless.h.
 */
#ifndef CGEAR_HOST_H
#define CGEAR_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgear_manifest.h"
#include "channel.h"
#include "log.h"
#include "enclave.h"

struct cg_engine; /* engine.h */

/* What runs: fixed when the image is accepted (enclave.c), read without
 * a lock afterwards. */
struct cg_enclave_ident {
    struct cg_manifest manifest; /* as it runs (CGEAR_FEATURE_RESOURCES may lower it) */
    uint8_t measurement[48];
    uint8_t signer[48];          /* zero for an unsigned (debug-only) image */
    bool is_signed;
    uint32_t security_version;
    uint32_t allowed_engines;    /* CG_IMAGE_ENGINE_* */
    uint64_t shm_size;           /* manifest: shared-memory bytes (0: none) */
    uint32_t shm_blocks;         /* manifest: at most this many blocks */
};

/* The call window (src/window/window.h), mapped. */
struct cg_enclave_window {
    int fd;
    struct cg_window_hdr *hdr;
    size_t size;
    uint32_t nslots;       /* ECALL slots (one per enclave thread) */
    uint32_t nuslots;      /* switchless OCALL slots after them (sl_ocall.c) */
    struct cg_chan *chans; /* one per slot, nslots + nuslots */
    struct cg_ctl_page *ctl; /* the control page after the slots (snapshot.c), NULL when attached */
};

/* Slot allocation among host threads (ecall.c), under cg_enclave.lock. */
struct cg_enclave_calls {
    uint64_t busy;            /* bit i: slot i in use */
    bool quiescing;           /* a snapshot or reset takes every slot (cg_calls_quiesce) */
    uint32_t callers;         /* threads waiting for or holding a slot */
    pthread_cond_t slot_free; /* a slot was given back, or the enclave was lost */
    pthread_cond_t idle;      /* callers dropped to 0 (a destroy waits for it) */
};

/* The monitor process (the enclave process for the process engine) and
 * what it is started with (spawn.c, reaper.c). */
struct cg_enclave_monitor {
    int elf_fd;     /* sealed memfd holding the verified enclave ELF */
    int image_fd;   /* system install: sealed memfd of the whole image, for the launcher; else -1 */
    size_t elf_size;
    int keys_fd;    /* sealed memfd with the enclave's key block (keys.c) until spawned, or -1 */
    pid_t pid;
    int pidfd;      /* -1 where the kernel has no pidfds: then pid is used */
    int note_fd;    /* read end of the monitor's note pipe, or -1 */
    int ctl_sock;   /* kvm: the host's end of the monitor's control socket (CG_MON_CTL_FD), or -1 */
    int peer_fd;    /* a new enclave from a snapshot: its monitor's end of the peer socket until spawned, or -1 */
    bool snapshot;  /* the monitor holds a snapshot (set once, by snapshot.c, with every slot taken) */
    bool reaped;    /* under lock: the pid is gone and must not be signalled */
    pthread_t reaper;
    bool reaper_started;
    cc_enclave_result_t spawn_rc; /* under lock: set by the reaper once spawn finished */
    bool spawn_done;              /* under lock */
    atomic_bool no_start_timeout; /* the monitor waits for a debugger (CGEAR_GDB=...,wait) */
    pthread_cond_t started;       /* spawn_done became true */
};

/* How the enclave ended, if it did (reaper.c: cg_enclave_mark_lost()). */
struct cg_enclave_fate {
    atomic_bool lost;
    atomic_bool destroying;
    cc_enclave_result_t reason;
    char what[320]; /* why, in words (under lock): cgear_enclave_lost_reason() */
};

/* One live enclave, behind cc_enclave_t.private_data. */
/* Host-side points of cc_enclave_create() (cgear_enclave_create_profile()). */
enum cg_host_stamp {
    CG_HSTAMP_START,    /* cc_enclave_create() entered */
    CG_HSTAMP_IMAGE,    /* image read, measured and its signature checked */
    CG_HSTAMP_ENGINE,   /* engine chosen (its probe) */
    CG_HSTAMP_WINDOW,   /* call window made (and switchless set up) */
    CG_HSTAMP_KEYS,     /* key block derived from the platform */
    CG_HSTAMP_PREPARED, /* the engine prepared the monitor (its seccomp program), in the reaper */
    CG_HSTAMP_SPAWNED,  /* fork done, in the reaper */
    CG_HSTAMP_READY,    /* the creating thread saw READY */
    CG_HSTAMP_COUNT
};

/* CLOCK_MONOTONIC now, in ns (profile.c). */
uint64_t cg_now_ns(void);

struct cg_enclave {
    const struct cg_engine *engine;
    uint32_t flags; /* SECGEAR_DEBUG_FLAG ... */
    struct cg_enclave_ident ident;
    struct cg_enclave_window win;
    pthread_mutex_t lock; /* calls, mon.reaped/spawn_*, fate.what */
    struct cg_enclave_calls calls;
    struct cg_enclave_monitor mon;
    struct cg_enclave_fate fate;
    struct cg_log_limit refusals; /* log lines about requests this enclave made and we refused */
    /* Start-up profile: CLOCK_MONOTONIC ns at each host-side point of
     * cc_enclave_create() (enum cg_host_stamp, profile.c); written by the
     * creating thread and the reaper before READY, read after. */
    uint64_t stamps[CG_HSTAMP_COUNT];

    /* Standalone enclaves (attach.c): non-NULL when this context is
     * attached to an enclave another process holds; it then owns no
     * process, only a mapping of the window. */
    struct cg_attach *attach;

    /* Switchless calls (switchless.c); NULL without ENCLAVE_FEATURE_SWITCHLESS. */
    struct cg_sl *sl;

    /* Shared memory (shm.c); NULL when the manifest allows none, or attached. */
    struct cg_shm *shm;
};

/**
 * cg_calls_quiesce() - take every ECALL slot of @e for a snapshot or a
 * reset (ecall.c): waits until the calls inside returned; new calls wait
 * until cg_calls_resume(). One quiesce at a time; the others wait.
 * Return: CC_SUCCESS; CC_ERROR_BAD_STATE (the calling thread is inside an
 * OCALL of @e: it holds a slot itself); CC_ERROR_ENCLAVE_LOST.
 */
cc_enclave_result_t cg_calls_quiesce(struct cg_enclave *e);
/* Gives the slots back after a successful cg_calls_quiesce(). */
void cg_calls_resume(struct cg_enclave *e);

/* Can @e have snapshots at all (snapshot.c)? CC_SUCCESS, or
 * CC_ERROR_NOT_SUPPORTED logged with why, @what naming the caller. */
cc_enclave_result_t cg_snap_supported(const struct cg_enclave *e, const char *what);

/**
 * cg_snap_send_clone() - have @parent's monitor send its snapshot through
 * @sock, the other end of which a new monitor waits on (snapshot.c).
 * Return: CC_SUCCESS; CC_ERROR_BAD_STATE (no snapshot); the monitor's
 * refusal; CC_ERROR_ENCLAVE_LOST; CC_ERROR_TIMEOUT. Logged.
 */
cc_enclave_result_t cg_snap_send_clone(struct cg_enclave *parent, int sock);

/* Initialise / destroy the synchronisation objects of a zeroed @e
 * (enclave.c; also used by attach.c). */
void cg_enclave_sync_init(struct cg_enclave *e);
void cg_enclave_sync_fini(struct cg_enclave *e);

#endif
