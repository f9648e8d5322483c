/*
 * gdb.c - the GDB remote serial protocol: framing and packets (gdb.h).
 *
 * A small all-stop stub: registers of every vCPU as threads, memory,
 * software breakpoints (0xCC written into guest memory, original byte
 * kept here), continue and single step. Unknown packets get the empty
 * reply, which gdb reads as "not supported". Every number from the
 * debugger is parsed with bounds; nothing here trusts a length.
 */
#include "gdb.h"

#include <stdio.h>
#include <string.h>

static const char g_hex[] = "0123456789abcdef";

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void cg_gdb_rx_init(struct cg_gdb_rx *rx)
{
    memset(rx, 0, sizeof *rx);
}

enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2, RX_DROP };

int cg_gdb_rx_byte(struct cg_gdb_rx *rx, uint8_t c)
{
    switch (rx->state) {
    case RX_IDLE:
        if (c == 0x03)
            return CG_GDB_RX_INTERRUPT;
        if (c == '$') {
            rx->state = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
        }
        return CG_GDB_RX_MORE; /* '+', '-' and noise between packets */
    case RX_DATA:
    case RX_DROP:
        if (c == '#') {
            if (rx->state == RX_DROP) {
                rx->state = RX_IDLE; /* oversized: nak; its checksum is noise between packets */
                return CG_GDB_RX_BAD;
            }
            rx->state = RX_SUM1;
            return CG_GDB_RX_MORE;
        }
        if (rx->state == RX_DROP)
            return CG_GDB_RX_MORE;
        if (rx->len >= CG_GDB_PKT_MAX) {
            rx->state = RX_DROP;
            return CG_GDB_RX_MORE;
        }
        rx->buf[rx->len++] = (char)c;
        rx->sum = (uint8_t)(rx->sum + c);
        return CG_GDB_RX_MORE;
    case RX_SUM1: {
        int v = hexval((char)c);
        rx->want = (uint8_t)((v < 0 ? 0 : v) << 4);
        rx->state = v < 0 ? RX_IDLE : RX_SUM2;
        return v < 0 ? CG_GDB_RX_BAD : CG_GDB_RX_MORE;
    }
    default: { /* RX_SUM2 */
        int v = hexval((char)c);
        rx->state = RX_IDLE;
        if (v < 0 || (uint8_t)(rx->want | v) != rx->sum)
            return CG_GDB_RX_BAD;
        rx->buf[rx->len] = '\0';
        return CG_GDB_RX_PACKET;
    }
    }
}

uint8_t cg_gdb_checksum(const char *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + (uint8_t)p[i]);
    return s;
}

size_t cg_gdb_frame(const char *data, size_t n, char *out, size_t cap)
{
    if (cap < n + 5)
        return 0;
    uint8_t s = cg_gdb_checksum(data, n);
    out[0] = '$';
    memcpy(out + 1, data, n);
    out[n + 1] = '#';
    out[n + 2] = g_hex[s >> 4];
    out[n + 3] = g_hex[s & 15];
    out[n + 4] = '\0';
    return n + 4;
}

/* Parsing: *p advances; at least one and at most 16 hex digits. */
static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
    uint64_t x = 0;
    int digits = 0;
    while (*p < end && hexval(**p) >= 0) {
        if (++digits > 16)
            return false;
        x = x << 4 | (uint64_t)hexval(**p);
        (*p)++;
    }
    *v = x;
    return digits > 0;
}

static bool expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

/* A thread id: hex, "0" (any) or "-1" (all), optionally "p<pid>." first.
 * Returns the id, 0 for any/all, or -1 if malformed. */
static int64_t parse_tid(const char **p, const char *end)
{
    uint64_t v;
    if (*p < end && **p == 'p') {
        (*p)++;
        if (*p + 1 < end && (*p)[0] == '-' && (*p)[1] == '1')
            *p += 2;
        else if (!parse_hex(p, end, &v))
            return -1;
        if (!expect(p, end, '.'))
            return -1;
    }
    if (*p + 1 < end && (*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        return 0;
    }
    if (!parse_hex(p, end, &v) || v > 0xffffffffu)
        return -1;
    return (int64_t)v;
}

static void put_le(char *out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++, v >>= 8) {
        out[2 * i] = g_hex[(v >> 4) & 15];
        out[2 * i + 1] = g_hex[v & 15];
    }
}

static bool get_le(const char *in, int bytes, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = bytes - 1; i >= 0; i--) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        x = x << 8 | (uint64_t)(hi << 4 | lo);
    }
    *v = x;
    return true;
}

/* gdb's amd64 register sizes: 17 of 8 bytes, then eflags and the six
 * segment registers of 4. */
static int reg_size(int i)
{
    return i < 17 ? 8 : 4;
}

static bool thread_alive(struct cg_gdb *g, uint32_t tid)
{
    uint32_t ids[CG_GDB_MAX_THREADS];
    int n = g->ops.threads(g->ops.ctx, ids, CG_GDB_MAX_THREADS);
    for (int i = 0; i < n; i++)
        if (ids[i] == tid)
            return true;
    return false;
}

static uint32_t regs_tid(const struct cg_gdb *g)
{
    return g->g_tid != 0 ? g->g_tid : g->stop_tid;
}

void cg_gdb_init(struct cg_gdb *g, const struct cg_gdb_ops *ops)
{
    memset(g, 0, sizeof *g);
    g->ops = *ops;
    g->stop_sig = 5;
    g->stop_tid = 1;
}

void cg_gdb_stop(struct cg_gdb *g, uint32_t tid, int sig, bool swbreak, char *reply)
{
    g->stop_tid = tid;
    g->stop_sig = sig;
    g->stop_swbreak = swbreak;
    g->g_tid = 0; /* gdb selects the stopped thread itself */
    snprintf(reply, CG_GDB_PKT_MAX + 1, "T%02xthread:%x;%s", (unsigned)sig & 0xff, tid, swbreak ? "swbreak:;" : "");
}

bool cg_gdb_bp_at(const struct cg_gdb *g, uint64_t va)
{
    for (int i = 0; i < CG_GDB_MAX_BP; i++)
        if (g->bp[i].used && g->bp[i].va == va)
            return true;
    return false;
}

void cg_gdb_bp_clear_all(struct cg_gdb *g)
{
    for (int i = 0; i < CG_GDB_MAX_BP; i++) {
        if (!g->bp[i].used)
            continue;
        g->ops.write_mem(g->ops.ctx, g->stop_tid, g->bp[i].va, &g->bp[i].orig, 1);
        g->bp[i].used = false;
    }
}

/* Z0 / z0: kind must be 1 (int3). */
static const char *breakpoint(struct cg_gdb *g, bool insert, const char *p, const char *end)
{
    uint64_t va, kind;
    if (!expect(&p, end, '0'))
        return ""; /* hardware breakpoints and watchpoints: not supported */
    if (!expect(&p, end, ',') || !parse_hex(&p, end, &va) || !expect(&p, end, ',') || !parse_hex(&p, end, &kind) ||
        kind != 1)
        return "E01";
    int free_slot = -1;
    for (int i = 0; i < CG_GDB_MAX_BP; i++) {
        if (g->bp[i].used && g->bp[i].va == va) {
            if (insert)
                return "OK"; /* already there: the saved byte stays the original */
            g->ops.write_mem(g->ops.ctx, regs_tid(g), va, &g->bp[i].orig, 1);
            g->bp[i].used = false;
            return "OK";
        }
        if (!g->bp[i].used && free_slot < 0)
            free_slot = i;
    }
    if (!insert)
        return "OK";
    if (free_slot < 0)
        return "E02";
    uint8_t orig, cc = 0xcc;
    if (g->ops.read_mem(g->ops.ctx, regs_tid(g), va, &orig, 1) != 1 ||
        g->ops.write_mem(g->ops.ctx, regs_tid(g), va, &cc, 1) != 1)
        return "E14";
    g->bp[free_slot] = (struct cg_gdb_bp){va, orig, true};
    return "OK";
}

static void read_memory(struct cg_gdb *g, const char *p, const char *end, char *reply)
{
    uint64_t va, n;
    uint8_t buf[CG_GDB_PKT_MAX / 2];
    if (!parse_hex(&p, end, &va) || !expect(&p, end, ',') || !parse_hex(&p, end, &n) || p != end) {
        strcpy(reply, "E01");
        return;
    }
    if (n > sizeof buf)
        n = sizeof buf; /* gdb asks again for the rest */
    size_t got = g->ops.read_mem(g->ops.ctx, regs_tid(g), va, buf, (size_t)n);
    if (got == 0 && n > 0) {
        strcpy(reply, "E14");
        return;
    }
    for (size_t i = 0; i < got; i++)
        put_le(reply + 2 * i, buf[i], 1);
    reply[2 * got] = '\0';
}

static const char *write_memory(struct cg_gdb *g, const char *p, const char *end)
{
    uint64_t va, n;
    uint8_t buf[CG_GDB_PKT_MAX / 2];
    if (!parse_hex(&p, end, &va) || !expect(&p, end, ',') || !parse_hex(&p, end, &n) || !expect(&p, end, ':') ||
        n > sizeof buf || (uint64_t)(end - p) != 2 * n)
        return "E01";
    for (uint64_t i = 0; i < n; i++) {
        uint64_t b;
        if (!get_le(p + 2 * i, 1, &b))
            return "E01";
        buf[i] = (uint8_t)b;
    }
    return g->ops.write_mem(g->ops.ctx, regs_tid(g), va, buf, (size_t)n) == n ? "OK" : "E14";
}

static void get_registers(struct cg_gdb *g, char *reply)
{
    uint64_t r[CG_GDB_NREGS];
    if (g->ops.get_regs(g->ops.ctx, regs_tid(g), r) != 0) {
        strcpy(reply, "E01");
        return;
    }
    char *o = reply;
    for (int i = 0; i < CG_GDB_NREGS; i++) {
        put_le(o, r[i], reg_size(i));
        o += 2 * reg_size(i);
    }
    *o = '\0';
}

static const char *set_registers(struct cg_gdb *g, const char *p, const char *end)
{
    uint64_t r[CG_GDB_NREGS];
    size_t need = 0;
    for (int i = 0; i < CG_GDB_NREGS; i++)
        need += 2 * (size_t)reg_size(i);
    /* gdb sends its whole register file (x87, SSE...): the part we know
     * comes first; the rest is ignored. */
    if ((size_t)(end - p) < need)
        return "E01";
    for (int i = 0; i < CG_GDB_NREGS; i++) {
        if (!get_le(p, reg_size(i), &r[i]))
            return "E01";
        p += 2 * reg_size(i);
    }
    return g->ops.set_regs(g->ops.ctx, regs_tid(g), r) == 0 ? "OK" : "E01";
}

/* p n / P n=v: one register; beyond ours, the empty reply (gdb then marks
 * it unavailable). */
static void one_register(struct cg_gdb *g, bool set, const char *p, const char *end, char *reply)
{
    uint64_t n, r[CG_GDB_NREGS];
    if (!parse_hex(&p, end, &n)) {
        strcpy(reply, "E01");
        return;
    }
    if (n >= CG_GDB_NREGS) {
        reply[0] = '\0';
        return;
    }
    if (g->ops.get_regs(g->ops.ctx, regs_tid(g), r) != 0) {
        strcpy(reply, "E01");
        return;
    }
    int sz = reg_size((int)n);
    if (!set) {
        put_le(reply, r[n], sz);
        reply[2 * sz] = '\0';
        return;
    }
    if (!expect(&p, end, '=') || end - p != 2 * sz || !get_le(p, sz, &r[n])) {
        strcpy(reply, "E01");
        return;
    }
    strcpy(reply, g->ops.set_regs(g->ops.ctx, regs_tid(g), r) == 0 ? "OK" : "E01");
}

/* vCont;action[:tid];...  The first step action names the thread that
 * steps; every other thread continues (all-stop: the next stop of any
 * thread stops them all). */
static bool vcont(struct cg_gdb *g, const char *p, const char *end)
{
    g->step_tid = 0;
    while (p < end) {
        if (!expect(&p, end, ';') || p >= end)
            return false;
        char a = *p++;
        uint64_t sig;
        if ((a == 'C' || a == 'S') && !parse_hex(&p, end, &sig))
            return false;
        if (a != 'c' && a != 'C' && a != 's' && a != 'S')
            return false;
        int64_t tid = 0;
        if (p < end && *p == ':') {
            p++;
            tid = parse_tid(&p, end);
            if (tid < 0)
                return false;
        }
        if ((a == 's' || a == 'S') && g->step_tid == 0)
            g->step_tid = tid != 0 ? (uint32_t)tid : g->stop_tid;
    }
    return true;
}

static void thread_list(struct cg_gdb *g, char *reply)
{
    uint32_t ids[CG_GDB_MAX_THREADS];
    int n = g->ops.threads(g->ops.ctx, ids, CG_GDB_MAX_THREADS);
    size_t o = 0;
    reply[o++] = 'm';
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(reply + o, CG_GDB_PKT_MAX + 1 - o, "%s%x", i ? "," : "", ids[i]);
    if (n == 0)
        strcpy(reply, "l");
}

static bool starts(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

enum cg_gdb_action cg_gdb_handle(struct cg_gdb *g, const char *pkt, size_t n, char *reply)
{
    const char *p = pkt + 1, *end = pkt + n;
    reply[0] = '\0';
    if (n == 0)
        return CG_GDB_REPLY;
    switch (pkt[0]) {
    case '?':
        cg_gdb_stop(g, g->stop_tid, g->stop_sig, g->stop_swbreak, reply);
        return CG_GDB_REPLY;
    case 'g':
        get_registers(g, reply);
        return CG_GDB_REPLY;
    case 'G':
        strcpy(reply, set_registers(g, p, end));
        return CG_GDB_REPLY;
    case 'p':
    case 'P':
        one_register(g, pkt[0] == 'P', p, end, reply);
        return CG_GDB_REPLY;
    case 'm':
        read_memory(g, p, end, reply);
        return CG_GDB_REPLY;
    case 'M':
        strcpy(reply, write_memory(g, p, end));
        return CG_GDB_REPLY;
    case 'Z':
    case 'z':
        strcpy(reply, breakpoint(g, pkt[0] == 'Z', p, end));
        return CG_GDB_REPLY;
    case 'c':
    case 'C':
        /* a resume address or a signal to deliver: the guest has no
         * signals, and gdb sets the pc with P/G when it wants another */
        g->step_tid = 0;
        return CG_GDB_RESUME;
    case 's':
    case 'S':
        g->step_tid = g->c_tid != 0 ? g->c_tid : g->stop_tid;
        return CG_GDB_RESUME;
    case 'H': {
        if (p >= end || (*p != 'g' && *p != 'c')) {
            strcpy(reply, "E01");
            return CG_GDB_REPLY;
        }
        char which = *p++;
        int64_t tid = parse_tid(&p, end);
        if (tid < 0 || p != end || (tid > 0 && !thread_alive(g, (uint32_t)tid))) {
            strcpy(reply, "E01");
            return CG_GDB_REPLY;
        }
        if (which == 'g')
            g->g_tid = (uint32_t)tid;
        else
            g->c_tid = (uint32_t)tid;
        strcpy(reply, "OK");
        return CG_GDB_REPLY;
    }
    case 'T': {
        int64_t tid = parse_tid(&p, end);
        strcpy(reply, tid > 0 && p == end && thread_alive(g, (uint32_t)tid) ? "OK" : "E01");
        return CG_GDB_REPLY;
    }
    case 'k':
        return CG_GDB_KILL;
    case 'D':
        strcpy(reply, "OK");
        return CG_GDB_DETACH;
    case 'q':
        if (starts(p, end, "Supported"))
            snprintf(reply, CG_GDB_PKT_MAX + 1, "PacketSize=%x;swbreak+", CG_GDB_PKT_MAX);
        else if (starts(p, end, "fThreadInfo"))
            thread_list(g, reply);
        else if (starts(p, end, "sThreadInfo"))
            strcpy(reply, "l");
        else if (starts(p, end, "C") && end - p == 1)
            snprintf(reply, CG_GDB_PKT_MAX + 1, "QC%x", g->stop_tid);
        else if (starts(p, end, "Attached"))
            strcpy(reply, "1");
        return CG_GDB_REPLY;
    case 'v':
        if (starts(p, end, "Cont?")) {
            strcpy(reply, "vCont;c;C;s;S");
        } else if (starts(p, end, "Cont;") || (starts(p, end, "Cont") && end - p == 4)) {
            if (vcont(g, p + 4, end))
                return CG_GDB_RESUME;
            strcpy(reply, "E01");
        } else if (starts(p, end, "Kill")) {
            return CG_GDB_KILL;
        }
        return CG_GDB_REPLY;
    default:
        return CG_GDB_REPLY;
    }
}
