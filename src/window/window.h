/*
 * window.h - layout of the call window, the memory shared by the host and
 * one enclave (see docs/architecture.md, "Call window").
 *
 *   offset 0           struct cg_window_hdr (one page)
 *   slot_offset + i*slot_size   slot i: struct cg_slot_hdr, then data[cap]
 *   total_size         struct cg_ctl_page (one page, host and kvm monitor
 *                      only: outside what the enclave maps)
 *
 * Both sides map the same memfd. Everything in it is hostile input to the
 * reader: each side reads a field once into a local, validates it, and
 * never re-reads it for a decision (no double fetch).
 */
#ifndef CGEAR_WINDOW_H
#define CGEAR_WINDOW_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CG_WINDOW_MAGIC 0x4e495747u /* "GWIN" */
#define CG_WINDOW_VERSION 4u
#define CG_PAGE_SIZE 4096u

/* Limits the enclave enforces on what the host puts in the header. */
#define CG_MAX_SLOTS 64u
#define CG_MIN_SLOT_DATA 4096u
#define CG_MAX_SLOT_DATA (16u << 20)
#define CG_DEFAULT_SLOT_DATA (256u << 10)

/* Values of cg_window_hdr.state (a futex word). */
enum cg_window_state {
    CG_STATE_BOOT = 0,  /* enclave not yet serving */
    CG_STATE_READY = 1, /* every enclave thread waits on its slot */
    CG_STATE_DEAD = 3,  /* set by the host when the enclave died */
    CG_STATE_FAILED = 4 /* enclave refused the window (bad layout) */
};

/* Values of cg_slot_hdr.turn (a futex word): whose move it is. */
enum cg_turn {
    CG_TURN_HOST = 1,
    CG_TURN_ENCLAVE = 2,
    CG_TURN_DEAD = 3 /* set by the host when the enclave died */
};

/* Kinds of message chunk in a slot. */
enum cg_msg_kind {
    CG_MSG_ECALL = 1,     /* host -> enclave request */
    CG_MSG_ECALL_RET = 2, /* enclave -> host response */
    CG_MSG_OCALL = 3,     /* enclave -> host request */
    CG_MSG_OCALL_RET = 4, /* host -> enclave response */
    CG_MSG_ACK = 5        /* "chunk consumed, send the next one" */
};

struct cg_window_hdr {
    uint32_t magic;
    uint32_t version;
    uint32_t nslots;
    uint32_t flags;          /* CG_WINDOW_F_* */
    uint64_t slot_size;      /* bytes per slot: header + data, page multiple */
    uint64_t slot_offset;    /* offset of slot 0 */
    uint64_t total_size;     /* size of the whole window */
    _Atomic uint32_t state;  /* enum cg_window_state */
    uint32_t enclave_status; /* CG_STATE_FAILED: why, as cc_enclave_result_t */
    /* Switchless workers (docs/architecture.md, "Switchless calls"): the
     * last sl_count slots are served by threads that poll sl_spin times
     * (CG_SPIN_FOREVER: always) before they sleep. 0: none. */
    uint32_t sl_count;
    uint32_t sl_spin;
    /* Switchless OCALLs: sl_ucount more slots follow the nslots ECALL
     * slots; a host worker thread polls each one (the enclave is the
     * caller there). The enclave looks for a free one sl_uretries times
     * before it makes an ordinary OCALL, and polls sl_uspin times for the
     * answer before it sleeps. 0 slots: every OCALL is ordinary. */
    uint32_t sl_ucount;
    uint32_t sl_uretries;
    uint32_t sl_uspin;
    uint32_t sl_reserved;
    /* tworkers_cores: the kvm monitor pins the vCPU threads of the last
     * sl_count enclave threads to these CPUs (0: no pinning). Read by the
     * monitor once, before the guest runs; the enclave has no use for it. */
    uint64_t sl_tcores;
    /* Shared memory (secgear_shared_memory.h, docs/shared-memory.md): one
     * region at the same virtual address in host and enclave, inside
     * [CG_SHM_VA_MIN, CG_SHM_VA_MAX). shm_size 0: none. */
    uint64_t shm_addr;
    uint64_t shm_size;
    /* Start-up profile (cgear_enclave_create_profile()): CLOCK_MONOTONIC
     * nanoseconds written once by the monitor and the enclave runtime as
     * they pass each point, 0 where not passed. Informational only: the
     * host reads them after READY and never acts on them. */
    uint64_t boot_ns[8]; /* enum cg_boot_stamp */
};

/* The control page (kvm engine, docs/snapshots.md): one page right after
 * the window's last slot (at total_size) in the same memfd. The monitor
 * maps it apart from the window's memslot, so the enclave never sees it
 * and cannot answer a request in the monitor's name. The host writes a
 * request (enum cg_ctl) and wakes ctl; the monitor's control thread reads
 * it once, answers with status (cc_enclave_result_t) and ns (what it
 * took, informational), stores CG_CTL_DONE and wakes ctl. */
struct cg_ctl_page {
    _Atomic uint32_t ctl;
    uint32_t status;
    uint64_t ns;
    /* CG_CTL_RESET: the enclave's next key block (enclave_keys.h: a new
     * instance and report key); the monitor moves it into the enclave and
     * zeroes it here. */
    uint8_t keys[232];
};

/* Values of cg_ctl_page.ctl. */
enum cg_ctl {
    CG_CTL_IDLE = 0,
    CG_CTL_SNAPSHOT = 1, /* record the enclave's state now */
    CG_CTL_RESET = 2,    /* return the enclave to its snapshot */
    CG_CTL_DONE = 3,     /* the monitor answered; the host sets IDLE again */
    CG_CTL_CLONE = 4     /* send the snapshot to the monitor at the end of the socket
                          * the host just passed on CG_MON_CTL_FD (a new enclave from it) */
};

/* Points of an enclave's start, in the order they are passed. The kvm
 * monitor writes MON_MAIN..FIRST_RUN (it maps the window at MEMORY and
 * then writes the earlier ones too); both engines' runtimes write
 * ENCLAVE_MAIN and READY. */
enum cg_boot_stamp {
    CG_STAMP_MON_MAIN = 0, /* cgear-monitor's main() */
    CG_STAMP_VM = 1,       /* /dev/kvm, the VM, vCPU 0, the CPUID */
    CG_STAMP_MEMORY = 2,   /* guest memory and the call window memslot */
    CG_STAMP_LOAD = 3,     /* shim placed, page tables, ELF loaded, boot block and keys */
    CG_STAMP_VCPUS = 4,    /* every vCPU created and set up, the monitor confined */
    CG_STAMP_ENCLAVE_MAIN = 5, /* the enclave runtime's main() */
    CG_STAMP_READY = 6,    /* the runtime's threads started, READY about to be stored */
    CG_STAMP_COUNT = 7
};

/* Most switchless OCALL slots (the enclave keeps a 64-bit mask of them). */
#define CG_MAX_USLOTS 64u

/* A spin limit meaning "never sleep" (WORKERS_POLICY_BUSY). */
#define CG_SPIN_FOREVER UINT32_MAX

#define CG_WINDOW_F_DEBUG 0x1u
/* With CG_WINDOW_F_DEBUG only: the host asked to debug the enclave's
 * process (CGEAR_GDB, docs/debugging.md); the process engine's runtime then
 * stays ptrace-able if its key block also says debug. */
#define CG_WINDOW_F_GDB 0x2u
/* Process engine: the enclave maps the shared-memory region itself from
 * CG_SHM_FD (monitor_abi.h). Without it (kvm) the monitor has mapped it. */
#define CG_WINDOW_F_SHM_MAP 0x4u

/* Where a shared-memory region may lie. Outside every address the kvm
 * guest layout uses (kvm_abi.h) and below where Linux places mmap() and
 * static-PIE images, so the same address is free in both processes. */
#define CG_SHM_VA_MIN 0x300000000000ull
#define CG_SHM_VA_MAX 0x500000000000ull
#define CG_SHM_MAX_SIZE (64ull << 30)

/* Is [addr, addr+size) an acceptable shared-memory region? Page aligned,
 * inside the range above; size 0 means none and is acceptable with addr 0. */
static inline int cg_shm_region_ok(uint64_t addr, uint64_t size)
{
    if (size == 0)
        return addr == 0;
    return size <= CG_SHM_MAX_SIZE && (addr % CG_PAGE_SIZE) == 0 && (size % CG_PAGE_SIZE) == 0 &&
           addr >= CG_SHM_VA_MIN && addr <= CG_SHM_VA_MAX - size;
}

struct cg_slot_hdr {
    _Atomic uint32_t turn; /* enum cg_turn */
    uint32_t kind;         /* enum cg_msg_kind */
    uint32_t fn;           /* function id for requests */
    uint32_t status;       /* cc_enclave_result_t for responses */
    uint64_t total;        /* length of the whole message */
    uint64_t offset;       /* offset of this chunk in the message */
    uint64_t len;          /* bytes of this chunk in data[] */
    _Atomic uint32_t sleepers; /* threads in futex_wait on turn: wake only if > 0 */
    /* The enclave thread serving this slot writes its thread id here
     * before the window is READY (the process engine's host pins
     * switchless workers by it; it is checked against the enclave's own
     * threads before use). */
    _Atomic uint32_t tid;
    uint8_t pad[16];
};

#define CG_SLOT_HDR_SIZE 64u
_Static_assert(sizeof(struct cg_slot_hdr) == CG_SLOT_HDR_SIZE, "slot header layout");

/* Size of a window with @nslots slots (ECALL and switchless OCALL slots
 * together) of @slot_data data bytes each. */
static inline uint64_t cg_window_size(uint32_t nslots, uint32_t slot_data)
{
    uint64_t slot = ((uint64_t)CG_SLOT_HDR_SIZE + slot_data + CG_PAGE_SIZE - 1) / CG_PAGE_SIZE * CG_PAGE_SIZE;
    return CG_PAGE_SIZE + slot * nslots;
}

#endif
