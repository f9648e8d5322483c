/*
 * test_gdb.c - the monitor's GDB remote protocol (src/monitor/kvm/gdb.c)
 * against a fake target: framing and checksums, the packets, breakpoints
 * and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gdb.h"

#define MEM_VA 0x400000u
static uint8_t g_mem[8192];
static uint64_t g_regs[2][CG_GDB_NREGS];

static int t_threads(void *ctx, uint32_t *ids, int max)
{
    (void)ctx;
    int n = 0;
    for (uint32_t i = 1; i <= 2 && n < max; i++)
        ids[n++] = i;
    return n;
}

static int t_get(void *ctx, uint32_t tid, uint64_t r[CG_GDB_NREGS])
{
    (void)ctx;
    if (tid < 1 || tid > 2)
        return -1;
    memcpy(r, g_regs[tid - 1], sizeof g_regs[0]);
    return 0;
}

static int t_set(void *ctx, uint32_t tid, const uint64_t r[CG_GDB_NREGS])
{
    (void)ctx;
    if (tid < 1 || tid > 2)
        return -1;
    memcpy(g_regs[tid - 1], r, sizeof g_regs[0]);
    return 0;
}

static size_t t_rw(uint64_t va, uint8_t *out, const uint8_t *in, size_t n)
{
    size_t done = 0;
    for (; done < n && va + done >= MEM_VA && va + done < MEM_VA + sizeof g_mem; done++) {
        if (in)
            g_mem[va + done - MEM_VA] = in[done];
        else
            out[done] = g_mem[va + done - MEM_VA];
    }
    return done;
}

static size_t t_read(void *ctx, uint32_t tid, uint64_t va, uint8_t *buf, size_t n)
{
    (void)ctx, (void)tid;
    return t_rw(va, buf, NULL, n);
}

static size_t t_write(void *ctx, uint32_t tid, uint64_t va, const uint8_t *buf, size_t n)
{
    (void)ctx, (void)tid;
    return t_rw(va, NULL, buf, n);
}

static struct cg_gdb g;
static char reply[CG_GDB_PKT_MAX + 1];

static int setup(void **state)
{
    (void)state;
    struct cg_gdb_ops ops = {NULL, t_threads, t_get, t_set, t_read, t_write};
    cg_gdb_init(&g, &ops);
    memset(g_mem, 0x90, sizeof g_mem);
    memset(g_regs, 0, sizeof g_regs);
    g_regs[0][0] = 0x1122334455667788ull; /* rax of thread 1 */
    g_regs[1][16] = 0x401000;             /* rip of thread 2 */
    return 0;
}

static enum cg_gdb_action handle(const char *pkt)
{
    return cg_gdb_handle(&g, pkt, strlen(pkt), reply);
}

static void test_framing(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(cg_gdb_frame("OK", 2, out, sizeof out), 6);
    assert_string_equal(out, "$OK#9a");
    assert_int_equal(cg_gdb_frame("OK", 2, out, 6), 0); /* no room for the NUL */
    assert_int_equal(cg_gdb_checksum("g", 1), 0x67);

    struct cg_gdb_rx rx;
    cg_gdb_rx_init(&rx);
    const char *in = "+$g#67";
    int ev = CG_GDB_RX_MORE;
    for (const char *p = in; *p; p++)
        ev = cg_gdb_rx_byte(&rx, (uint8_t)*p);
    assert_int_equal(ev, CG_GDB_RX_PACKET);
    assert_string_equal(rx.buf, "g");
    for (const char *p = "$g#68"; *p; p++)
        ev = cg_gdb_rx_byte(&rx, (uint8_t)*p);
    assert_int_equal(ev, CG_GDB_RX_BAD);
    for (const char *p = "$g#z"; *p; p++)
        ev = cg_gdb_rx_byte(&rx, (uint8_t)*p);
    assert_int_equal(ev, CG_GDB_RX_BAD);
    assert_int_equal(cg_gdb_rx_byte(&rx, 0x03), CG_GDB_RX_INTERRUPT);
    /* an oversized packet is refused whole, and the next one still parses */
    assert_int_equal(cg_gdb_rx_byte(&rx, '$'), CG_GDB_RX_MORE);
    for (int i = 0; i < CG_GDB_PKT_MAX + 100; i++)
        assert_int_equal(cg_gdb_rx_byte(&rx, 'a'), CG_GDB_RX_MORE);
    assert_int_equal(cg_gdb_rx_byte(&rx, '#'), CG_GDB_RX_BAD);
    for (const char *p = "00$?#3f"; *p; p++)
        ev = cg_gdb_rx_byte(&rx, (uint8_t)*p);
    assert_int_equal(ev, CG_GDB_RX_PACKET);
    assert_string_equal(rx.buf, "?");
}

static void test_registers(void **state)
{
    (void)state;
    assert_int_equal(handle("g"), CG_GDB_REPLY);
    assert_int_equal(strlen(reply), 17 * 16 + 7 * 8);
    assert_memory_equal(reply, "8877665544332211", 16); /* little endian */
    assert_int_equal(handle("Hg2"), CG_GDB_REPLY);
    assert_string_equal(reply, "OK");
    handle("p10"); /* rip */
    assert_string_equal(reply, "0010400000000000");
    handle("P10=0020400000000000");
    assert_string_equal(reply, "OK");
    assert_int_equal(g_regs[1][16], 0x402000);
    handle("p40"); /* beyond ours: unavailable */
    assert_string_equal(reply, "");
    handle("g");
    char all[CG_GDB_PKT_MAX + 2];
    strcpy(all, "G");
    strcat(all, reply);
    all[1] = 'f'; /* rax's low nibble... of thread 2 */
    handle(all);
    assert_string_equal(reply, "OK");
    assert_int_equal(g_regs[1][0], 0xf0);
    handle("G1234");
    assert_string_equal(reply, "E01");
    handle("Hg7");
    assert_string_equal(reply, "E01");
    handle("Hgzz");
    assert_string_equal(reply, "E01");
}

static void test_memory(void **state)
{
    (void)state;
    handle("M400010,3:010203");
    assert_string_equal(reply, "OK");
    handle("m40000f,5");
    assert_string_equal(reply, "9001020390");
    handle("m0,4");
    assert_string_equal(reply, "E14");
    handle("m401ffe,10"); /* runs off the end: what there is */
    assert_string_equal(reply, "9090");
    handle("m400000,ffffffffffffffff"); /* clamped to what fits a packet */
    assert_int_equal(strlen(reply), CG_GDB_PKT_MAX);
    handle("m400000,10000000000000000"); /* 17 digits */
    assert_string_equal(reply, "E01");
    handle("M400000,2:01");
    assert_string_equal(reply, "E01");
    handle("M400000,1:zz");
    assert_string_equal(reply, "E01");
    handle("m");
    assert_string_equal(reply, "E01");
}

static void test_breakpoints(void **state)
{
    (void)state;
    handle("Z0,400100,1");
    assert_string_equal(reply, "OK");
    assert_int_equal(g_mem[0x100], 0xcc);
    assert_true(cg_gdb_bp_at(&g, 0x400100));
    handle("Z0,400100,1"); /* twice: the original byte is kept */
    handle("z0,400100,1");
    assert_string_equal(reply, "OK");
    assert_int_equal(g_mem[0x100], 0x90);
    assert_false(cg_gdb_bp_at(&g, 0x400100));
    handle("Z0,10,1");
    assert_string_equal(reply, "E14");
    handle("Z1,400100,1"); /* hardware: not supported */
    assert_string_equal(reply, "");
    handle("Z0,400100,4");
    assert_string_equal(reply, "E01");
    for (int i = 0; i < CG_GDB_MAX_BP; i++) {
        char p[32];
        snprintf(p, sizeof p, "Z0,%x,1", MEM_VA + i);
        handle(p);
        assert_string_equal(reply, "OK");
    }
    handle("Z0,401000,1");
    assert_string_equal(reply, "E02");
    cg_gdb_bp_clear_all(&g);
    for (int i = 0; i < CG_GDB_MAX_BP; i++)
        assert_int_equal(g_mem[i], 0x90);
}

static void test_control(void **state)
{
    (void)state;
    handle("qSupported:multiprocess+;swbreak+");
    assert_non_null(strstr(reply, "PacketSize=1000"));
    assert_non_null(strstr(reply, "swbreak+"));
    handle("qfThreadInfo");
    assert_string_equal(reply, "m1,2");
    handle("qsThreadInfo");
    assert_string_equal(reply, "l");
    handle("T2");
    assert_string_equal(reply, "OK");
    handle("T3");
    assert_string_equal(reply, "E01");
    cg_gdb_stop(&g, 2, 11, false, reply);
    assert_string_equal(reply, "T0bthread:2;");
    handle("?");
    assert_string_equal(reply, "T0bthread:2;");
    handle("qC");
    assert_string_equal(reply, "QC2");
    assert_int_equal(handle("vCont;s:1;c"), CG_GDB_RESUME);
    assert_int_equal(g.step_tid, 1);
    assert_int_equal(handle("vCont;c"), CG_GDB_RESUME);
    assert_int_equal(g.step_tid, 0);
    assert_int_equal(handle("vCont;s:p1.2;c:p1.-1"), CG_GDB_RESUME);
    assert_int_equal(g.step_tid, 2);
    assert_int_equal(handle("vCont;x"), CG_GDB_REPLY);
    assert_string_equal(reply, "E01");
    handle("vCont?");
    assert_string_equal(reply, "vCont;c;C;s;S");
    assert_int_equal(handle("s"), CG_GDB_RESUME);
    assert_int_equal(g.step_tid, 2);
    assert_int_equal(handle("c"), CG_GDB_RESUME);
    assert_int_equal(handle("k"), CG_GDB_KILL);
    assert_int_equal(handle("D"), CG_GDB_DETACH);
    assert_string_equal(reply, "OK");
    assert_int_equal(handle("qUnknownThing"), CG_GDB_REPLY);
    assert_string_equal(reply, "");
    cg_gdb_stop(&g, 1, 5, true, reply);
    assert_string_equal(reply, "T05thread:1;swbreak:;");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_framing, setup),     cmocka_unit_test_setup(test_registers, setup),
        cmocka_unit_test_setup(test_memory, setup),      cmocka_unit_test_setup(test_breakpoints, setup),
        cmocka_unit_test_setup(test_control, setup),
    };
    return cmocka_run_group_tests_name("gdb", tests, NULL, NULL);
}
