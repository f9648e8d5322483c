/*
 * window.h - layout of the call window, the memory shared by the host and
 * one enclave (see docs/architecture.md, "Call window").
 *
 *   offset 0           struct cg_window_hdr (one page)
 *   slot_offset + i*slot_size   slot i: struct cg_slot_hdr, then data[cap]
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
#define CG_WINDOW_VERSION 2u
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
    /* Start-up profile (cgear_enclave_create_profile()): CLOCK_MONOTONIC
     * nanoseconds written once by the monitor and the enclave runtime as
     * they pass each point, 0 where not passed. Informational only: the
     * host reads them after READY and never acts on them. */
    uint64_t boot_ns[8]; /* enum cg_boot_stamp */
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

/* A spin limit meaning "never sleep" (WORKERS_POLICY_BUSY). */
#define CG_SPIN_FOREVER UINT32_MAX

#define CG_WINDOW_F_DEBUG 0x1u
/* With CG_WINDOW_F_DEBUG only: the host asked to debug the enclave's
 * process (CGEAR_GDB, docs/debugging.md); the process engine's runtime then
 * stays ptrace-able if its key block also says debug. */
#define CG_WINDOW_F_GDB 0x2u

struct cg_slot_hdr {
    _Atomic uint32_t turn; /* enum cg_turn */
    uint32_t kind;         /* enum cg_msg_kind */
    uint32_t fn;           /* function id for requests */
    uint32_t status;       /* cc_enclave_result_t for responses */
    uint64_t total;        /* length of the whole message */
    uint64_t offset;       /* offset of this chunk in the message */
    uint64_t len;          /* bytes of this chunk in data[] */
    _Atomic uint32_t sleepers; /* threads in futex_wait on turn: wake only if > 0 */
    uint8_t pad[20];
};

#define CG_SLOT_HDR_SIZE 64u
_Static_assert(sizeof(struct cg_slot_hdr) == CG_SLOT_HDR_SIZE, "slot header layout");

/* Size of a window with @nslots slots of @slot_data data bytes each. */
static inline uint64_t cg_window_size(uint32_t nslots, uint32_t slot_data)
{
    uint64_t slot = ((uint64_t)CG_SLOT_HDR_SIZE + slot_data + CG_PAGE_SIZE - 1) / CG_PAGE_SIZE * CG_PAGE_SIZE;
    return CG_PAGE_SIZE + slot * nslots;
}

#endif
