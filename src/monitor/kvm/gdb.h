/*
 * gdb.h - the GDB remote serial protocol of cgear-monitor (debug enclaves
 * only, CGEAR_GDB; docs/debugging.md).
 *
 * Two halves:
 *   gdb.c      framing ($data#cc, acks, Ctrl-C) and the packets, against
 *              struct cg_gdb_ops; no KVM, no sockets, so that the unit
 *              test and the fuzzer (fuzz/gdb) run it alone;
 *   gdb_cpu.c  the ops on the real VM: stopping and resuming vCPUs,
 *              registers, guest-virtual memory, and the gdb thread that
 *              serves the connection.
 * Everything from the debugger is hostile input: every packet is bounded
 * (CG_GDB_PKT_MAX) and every field checked before use.
 */
#ifndef CGEAR_MONITOR_GDB_H
#define CGEAR_MONITOR_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CG_GDB_PKT_MAX 4096 /* largest packet accepted or sent (PacketSize) */
#define CG_GDB_NREGS 24     /* rax..r15, rip, eflags, cs, ss, ds, es, fs, gs: gdb's amd64 order */
#define CG_GDB_MAX_BP 64
#define CG_GDB_MAX_THREADS 64

/* Incoming bytes -> packets. */
struct cg_gdb_rx {
    int state;
    size_t len;
    uint8_t sum, want;
    char buf[CG_GDB_PKT_MAX + 1]; /* NUL-terminated packet data */
};
enum {
    CG_GDB_RX_MORE,      /* nothing complete yet */
    CG_GDB_RX_PACKET,    /* rx->buf holds a packet (rx->len bytes) with a good checksum: ack '+' */
    CG_GDB_RX_BAD,       /* a bad checksum or an oversized packet: nak '-' */
    CG_GDB_RX_INTERRUPT, /* Ctrl-C (0x03) outside a packet */
};
void cg_gdb_rx_init(struct cg_gdb_rx *rx);
int cg_gdb_rx_byte(struct cg_gdb_rx *rx, uint8_t c);

uint8_t cg_gdb_checksum(const char *p, size_t n);
/* "$<data>#cc" into @out (NUL-terminated); returns its length, or 0 if
 * @cap is too small. */
size_t cg_gdb_frame(const char *data, size_t n, char *out, size_t cap);

/* What the protocol asks of the target. Thread ids are vCPU index + 1.
 * All calls are made with the target stopped. */
struct cg_gdb_ops {
    void *ctx;
    /* live thread ids into @ids (at most @max); returns how many */
    int (*threads)(void *ctx, uint32_t *ids, int max);
    int (*get_regs)(void *ctx, uint32_t tid, uint64_t regs[CG_GDB_NREGS]);  /* 0 or -1 */
    int (*set_regs)(void *ctx, uint32_t tid, const uint64_t regs[CG_GDB_NREGS]);
    /* guest-virtual memory as thread @tid sees it; returns bytes done
     * (stops at the first unmapped page) */
    size_t (*read_mem)(void *ctx, uint32_t tid, uint64_t va, uint8_t *buf, size_t n);
    size_t (*write_mem)(void *ctx, uint32_t tid, uint64_t va, const uint8_t *buf, size_t n);
};

struct cg_gdb_bp {
    uint64_t va;
    uint8_t orig;
    bool used;
};

struct cg_gdb {
    struct cg_gdb_ops ops;
    uint32_t g_tid;  /* Hg: registers and memory (0: the stopped thread) */
    uint32_t c_tid;  /* Hc: which thread 's' steps (0/-1: the stopped thread) */
    uint32_t stop_tid;
    int stop_sig;
    bool stop_swbreak;
    struct cg_gdb_bp bp[CG_GDB_MAX_BP];
    /* filled by a resume packet */
    uint32_t step_tid; /* 0: nothing steps */
};

/* What cg_gdb_handle() wants done after its reply (if any) is sent. */
enum cg_gdb_action {
    CG_GDB_REPLY,  /* send @reply; the target stays stopped */
    CG_GDB_RESUME, /* no reply now: resume (step_tid steps); a stop reply follows the next stop */
    CG_GDB_DETACH, /* send @reply ("OK"), remove breakpoints, resume without the debugger */
    CG_GDB_KILL,   /* end the enclave */
};

void cg_gdb_init(struct cg_gdb *g, const struct cg_gdb_ops *ops);
/* One packet (@pkt, @n bytes, from the rx) -> an action and the reply
 * data (unframed, NUL-terminated) in @reply (>= CG_GDB_PKT_MAX + 1). */
enum cg_gdb_action cg_gdb_handle(struct cg_gdb *g, const char *pkt, size_t n, char *reply);
/* Records a stop (thread @tid, signal @sig, at a breakpoint of ours if
 * @swbreak) and writes its stop reply ("T05thread:1;") into @reply. */
void cg_gdb_stop(struct cg_gdb *g, uint32_t tid, int sig, bool swbreak, char *reply);
/* A software breakpoint of the debugger's is inserted at @va. */
bool cg_gdb_bp_at(const struct cg_gdb *g, uint64_t va);
/* Removes every breakpoint (original bytes back), e.g. on detach. */
void cg_gdb_bp_clear_all(struct cg_gdb *g);

#endif
