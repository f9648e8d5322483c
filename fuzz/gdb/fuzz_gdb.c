/*
 * fuzz_gdb.c - the input is a byte stream from a hostile debugger: fed
 * byte by byte to the receiver, every complete packet handled against a
 * fake target (two threads, 8 KiB of memory). Checks that every reply
 * fits a packet and frames, and that removing all breakpoints leaves none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb.h"

#define MEM_VA 0x400000u
static uint8_t mem[8192];
static uint64_t regs[2][CG_GDB_NREGS];

static int f_threads(void *ctx, uint32_t *ids, int max)
{
    (void)ctx;
    int n = 0;
    for (uint32_t i = 1; i <= 2 && n < max; i++)
        ids[n++] = i;
    return n;
}

static int f_get(void *ctx, uint32_t tid, uint64_t r[CG_GDB_NREGS])
{
    (void)ctx;
    if (tid < 1 || tid > 2)
        return -1;
    memcpy(r, regs[tid - 1], sizeof regs[0]);
    return 0;
}

static int f_set(void *ctx, uint32_t tid, const uint64_t r[CG_GDB_NREGS])
{
    (void)ctx;
    if (tid < 1 || tid > 2)
        return -1;
    memcpy(regs[tid - 1], r, sizeof regs[0]);
    return 0;
}

static size_t f_rw(uint64_t va, uint8_t *out, const uint8_t *in, size_t n)
{
    size_t done = 0;
    for (; done < n && va + done >= MEM_VA && va + done < MEM_VA + sizeof mem; done++) {
        if (in)
            mem[va + done - MEM_VA] = in[done];
        else
            out[done] = mem[va + done - MEM_VA];
    }
    return done;
}

static size_t f_read(void *ctx, uint32_t tid, uint64_t va, uint8_t *buf, size_t n)
{
    (void)ctx, (void)tid;
    return f_rw(va, buf, NULL, n);
}

static size_t f_write(void *ctx, uint32_t tid, uint64_t va, const uint8_t *buf, size_t n)
{
    (void)ctx, (void)tid;
    return f_rw(va, NULL, buf, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cg_gdb_rx rx;
    static struct cg_gdb g;
    static char reply[CG_GDB_PKT_MAX + 1];
    static char frame[CG_GDB_PKT_MAX + 8];
    struct cg_gdb_ops ops = {NULL, f_threads, f_get, f_set, f_read, f_write};
    memset(mem, 0x5a, sizeof mem);
    cg_gdb_rx_init(&rx);
    cg_gdb_init(&g, &ops);
    for (size_t i = 0; i < size; i++) {
        if (cg_gdb_rx_byte(&rx, data[i]) != CG_GDB_RX_PACKET)
            continue;
        if (rx.len > CG_GDB_PKT_MAX || rx.buf[rx.len] != '\0')
            abort();
        enum cg_gdb_action a = cg_gdb_handle(&g, rx.buf, rx.len, reply);
        size_t n = strlen(reply);
        if (n > CG_GDB_PKT_MAX || (a == CG_GDB_REPLY && cg_gdb_frame(reply, n, frame, sizeof frame) == 0))
            abort();
    }
    cg_gdb_bp_clear_all(&g); /* the detach path, after whatever came */
    for (int i = 0; i < CG_GDB_MAX_BP; i++)
        if (g.bp[i].used)
            abort();
    return 0;
}
