/*
 * The hostile-host suite: here the HOST is the attacker. The enclave is the
 * ordinary e2e enclave (tests/e2e/e2e.edl, created with SECGEAR_DEBUG_FLAG
 * so that a stray access inside a kvm enclave faults visibly and the
 * enclave is reported lost). The test finds the call window the runtime
 * created in this process (the memfd "cgear-window", src/host/enclave.c),
 * maps it itself and writes into the slots behind the runtime's back:
 * forged requests, requests whose chunks disagree, headers and data bytes
 * flipped while the enclave reads them, data rewritten after the enclave
 * copied it.
 *
 * What the enclave promises (docs/architecture.md, "Hostile peers"): it
 * reads each header field once, validates kind, total, offset and length
 * before it copies, never reads a message twice from shared memory,
 * answers a malformed request with ECALL_RET(CC_ERROR_PROTOCOL) and keeps
 * serving. Each test below says exactly what it proves; together: no
 * request (or OCALL answer) a host can write makes the enclave crash,
 * hang, run a private ECALL, or compute on bytes other than the ones it
 * copied and checked.
 *
 * A host that breaks the protocol while the ENCLAVE is the sender (garbage
 * in place of the ACK of a multi-chunk response) or writes a garbage turn
 * word only loses that exchange: the enclave thread keeps serving its slot
 * (test_protocol_broken_while_enclave_sends; before issue 12 the thread
 * stopped for good, and for slot 0 the whole enclave exited).
 *
 * Usage: evil_host <e2e.enclave>
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgear_edge.h"
#include "e2e_u.h"
#include "enclave.h"
#include "e2e_util.h"
#include "futex.h"  /* src/window: the shared futex wake the runtimes use */
#include "window.h" /* src/window: the layout of the call window */

#define NSLOTS 4        /* THREADS of the e2e enclave */
#define ANSWER_MS 20000 /* an enclave that takes longer to answer one chunk is hung */
#define STORM_MS 5000   /* duration of one flipping storm */
#define STORM_CALLS 600 /* and its most calls */

/* ECALL ids: the position of the function in e2e.edl's trusted section
 * (cgear codegen numbers them in order, see the generated e2e_u.c;
 * test_raw_path_works and test_hostile_ocall_answers see each of them
 * served, or refused with the one status only that function gives). OCALL
 * ids likewise, from the untrusted section. */
#define FN_ADD 0u
#define FN_IN_MODIFY 4u
#define FN_OUT_FILL 5u
#define FN_STRLEN 8u
#define FN_BIG 12u
#define FN_OCALL_DOUBLE 13u
#define FN_POLICY 22u
#define FN_PRIVATE_ADD 25u /* ecall_private_add: not public */
#define FN_COUNT 34u
#define OC_DOUBLE 0u /* ocall_double(int x) */
#define OC_POLICY 4u /* ocall_policy(void) allow(ecall_private_add) */

/* The marshalled requests of those ECALLs, as the generated code lays them
 * out (docs/codegen.md): a fixed part, then each blob at the next
 * CG_MSG_ALIGN boundary. */
struct req_add {
    int a;
    int b;
};
struct req_in_modify {
    uint64_t l_buf; /* byte length of the blob */
    uint8_t f_buf;  /* 1: non-NULL pointer */
    size_t v_len;
};
struct req_out_fill {
    uint64_t l_buf;
    uint8_t f_buf;
    size_t v_len;
    uint8_t v_v;
};
struct req_strlen {
    uint64_t l_s;
    uint8_t f_s;
};
struct req_big {
    uint64_t l_src;
    uint8_t f_src;
    uint64_t l_dst;
    uint8_t f_dst;
    size_t v_len;
};
_Static_assert(sizeof(struct req_add) == 8, "ecall_add request");
_Static_assert(sizeof(struct req_in_modify) == 24, "ecall_in_modify request");
_Static_assert(sizeof(struct req_out_fill) == 32, "ecall_out_fill request");
_Static_assert(sizeof(struct req_strlen) == 16, "ecall_strlen request");
_Static_assert(sizeof(struct req_big) == 40, "ecall_big request");
#define BLOB_IN_MODIFY 32u /* 24 rounded up to CG_MSG_ALIGN */
#define BLOB_STRLEN 16u

/* One load or store of a slot field the enclave may change at any time. */
#define GET(x) (*(const volatile __typeof__(x) *)&(x))
#define PUT(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* ---- untrusted functions of e2e.edl (the enclave calls none of them here) ---- */
int ocall_double(int x) { return 2 * x; }
void ocall_log(const char *msg) { (void)msg; }
int ocall_fill(uint8_t *buf, size_t len, uint8_t v)
{
    memset(buf, v, len);
    return (int)len;
}
int ocall_nest(int depth) { return depth; }
int ocall_policy(void) { return 0; }

/* ---- the attacker's view of one enclave ---- */

struct evil {
    cc_enclave_t ctx;
    uint8_t *base; /* our own MAP_SHARED mapping of the window */
    size_t size;
    uint64_t slot_off, slot_size;
    uint32_t nslots;
    size_t cap; /* data bytes per slot */
};

/* xorshift64: the attacks' choices (never 0 with a non-zero seed) */
static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static const char *res_str(uint32_t rc) { return cc_enclave_res2_str((cc_enclave_result_t)rc); }

/* Is @fd a call window ("/memfd:cgear-window (deleted)")? */
static bool is_window_fd(int fd)
{
    char link[64], target[256];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    return strncmp(target, "/memfd:cgear-window", strlen("/memfd:cgear-window")) == 0;
}

#define MAX_FDS 4096
/* The descriptors of call windows open in this process, as a bit set. */
static void window_fds(uint8_t set[MAX_FDS / 8])
{
    memset(set, 0, MAX_FDS / 8);
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        int fd = atoi(de->d_name);
        if (fd < MAX_FDS && is_window_fd(fd))
            set[fd / 8] |= (uint8_t)(1u << (fd % 8));
    }
    closedir(d);
}

static struct cg_slot_hdr *slot_of(const struct evil *ev, uint32_t i)
{
    return (struct cg_slot_hdr *)(ev->base + ev->slot_off + (uint64_t)i * ev->slot_size);
}

static uint8_t *data_of(const struct evil *ev, uint32_t i) { return (uint8_t *)slot_of(ev, i) + CG_SLOT_HDR_SIZE; }

/* Create the enclave and map its call window: the memfd that appeared in
 * /proc/self/fd while cc_enclave_create() ran. */
static void evil_create(struct evil *ev)
{
    uint8_t before[MAX_FDS / 8], after[MAX_FDS / 8];
    memset(ev, 0, sizeof *ev);
    window_fds(before);
    e2e_create(&ev->ctx, SECGEAR_DEBUG_FLAG);
    window_fds(after);
    int fd = -1;
    for (int i = 0; i < MAX_FDS; i++) {
        if ((after[i / 8] & ~before[i / 8]) & (1u << (i % 8))) {
            assert_int_equal(fd, -1); /* exactly one new window */
            fd = i;
        }
    }
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    ev->size = (size_t)st.st_size;
    void *w = mmap(NULL, ev->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert_true(w != MAP_FAILED);
    ev->base = w;
    struct cg_window_hdr *h = w;
    assert_int_equal(h->magic, CG_WINDOW_MAGIC);
    assert_int_equal(h->version, CG_WINDOW_VERSION);
    assert_int_equal(h->nslots, NSLOTS);
    /* the slots, then the control page (window.h) */
    assert_int_equal(h->total_size + CG_PAGE_SIZE, ev->size);
    assert_int_equal(atomic_load(&h->state), CG_STATE_READY);
    ev->nslots = h->nslots;
    ev->slot_off = h->slot_offset;
    ev->slot_size = h->slot_size;
    assert_true(ev->slot_size > CG_SLOT_HDR_SIZE + CG_MIN_SLOT_DATA);
    assert_true(ev->slot_off + ev->nslots * ev->slot_size <= ev->size);
    ev->cap = (size_t)(ev->slot_size - CG_SLOT_HDR_SIZE);
    for (uint32_t i = 0; i < ev->nslots; i++)
        assert_int_equal(atomic_load(&slot_of(ev, i)->turn), CG_TURN_HOST);
}

static void evil_destroy(struct evil *ev)
{
    if (ev->base != NULL)
        munmap(ev->base, ev->size);
    ev->base = NULL;
    if (ev->ctx.used_flag)
        cc_enclave_destroy(&ev->ctx);
}

/* ---- forging: talk to the enclave through a slot as the runtime would ---- */

struct chunk {
    uint32_t kind, fn;
    uint64_t total, offset, len;
};

/* The slot as the enclave left it when it gave the turn back. */
struct answer {
    uint32_t turn, kind, fn, status;
    uint64_t total, offset, len;
};

/* Wait until the turn is not the enclave's any more (or @ms passed). */
static uint32_t wait_back(struct cg_slot_hdr *s, long ms)
{
    long end = e2e_now_ms() + ms;
    for (unsigned spin = 0;; spin++) {
        uint32_t t = atomic_load_explicit(&s->turn, memory_order_acquire);
        if (t != CG_TURN_ENCLAVE)
            return t;
        if (spin < 2000) {
            cg_cpu_relax();
            continue;
        }
        if (e2e_now_ms() > end)
            return t;
        struct timespec nap = {0, 20 * 1000};
        nanosleep(&nap, NULL);
    }
}

static struct answer read_answer(const struct evil *ev, uint32_t i, uint32_t turn)
{
    struct cg_slot_hdr *s = slot_of(ev, i);
    struct answer a = {turn, GET(s->kind), GET(s->fn), GET(s->status), GET(s->total), GET(s->offset), GET(s->len)};
    return a;
}

/* Give the turn of slot @i (which must be the host's) to the enclave, wake
 * its thread, and wait for the turn to come back. */
static struct answer pass_and_wait(struct evil *ev, uint32_t i)
{
    struct cg_slot_hdr *s = slot_of(ev, i);
    uint32_t host = CG_TURN_HOST;
    assert_true(atomic_compare_exchange_strong(&s->turn, &host, CG_TURN_ENCLAVE));
    cg_futex_wake(&s->turn, INT_MAX); /* always: the enclave thread may sleep */
    uint32_t t = wait_back(s, ANSWER_MS);
    if (t == CG_TURN_ENCLAVE)
        fail_msg("slot %u: the enclave did not answer within %d ms (hung)", i, ANSWER_MS);
    if (t != CG_TURN_HOST) {
        char why[400] = "";
        cgear_enclave_lost_reason(&ev->ctx, why, sizeof why);
        fail_msg("slot %u: turn %u after a forged chunk; enclave status %s: %s", i, t,
                 res_str(cgear_enclave_status(&ev->ctx)), why);
    }
    return read_answer(ev, i, t);
}

/* Write one chunk into slot @i as the host would (the slot must be idle or
 * waiting for this chunk: turn == HOST), hand it over, wait for the answer. */
static struct answer forge(struct evil *ev, uint32_t i, const struct chunk *c, const void *data, size_t dlen)
{
    struct cg_slot_hdr *s = slot_of(ev, i);
    assert_int_equal(atomic_load(&s->turn), CG_TURN_HOST);
    assert_true(dlen <= ev->cap);
    if (dlen > 0)
        memcpy(data_of(ev, i), data, dlen);
    PUT(s->kind, c->kind);
    PUT(s->fn, c->fn);
    PUT(s->status, 0);
    PUT(s->total, c->total);
    PUT(s->offset, c->offset);
    PUT(s->len, c->len);
    return pass_and_wait(ev, i);
}

/* Whatever the enclave answered, bring slot @i back to rest (the enclave
 * waiting for a request), so that a failed check does not leave it
 * mid-message: a message it waits to hear more of is ended with a garbage
 * chunk (it refuses it), a response or OCALL with more to come is
 * acknowledged, an OCALL waiting for its answer gets garbage (the OCALL
 * fails, the ECALL ends). */
static void settle(struct evil *ev, uint32_t i, struct answer a)
{
    struct cg_slot_hdr *s = slot_of(ev, i);
    for (int n = 0; n < (1 << 16) && a.turn == CG_TURN_HOST; n++) {
        if (a.kind == CG_MSG_ACK) {
            struct chunk junk = {0x77, 0, 0, 0, 0};
            a = forge(ev, i, &junk, NULL, 0);
        } else if ((a.kind == CG_MSG_ECALL_RET || a.kind == CG_MSG_OCALL) && a.offset < a.total &&
                   a.len < a.total - a.offset) {
            PUT(s->kind, CG_MSG_ACK);
            a = pass_and_wait(ev, i);
        } else if (a.kind == CG_MSG_OCALL) {
            /* an OCALL waits for its answer: garbage fails it, and the
             * ECALL that made it goes on to its ECALL_RET */
            struct chunk junk = {0x77, 0, 0, 0, 0};
            a = forge(ev, i, &junk, NULL, 0);
        } else {
            return;
        }
    }
}

/* The enclave refused the message: an empty ECALL_RET carrying @want. */
static void expect_refused(const struct answer *a, uint32_t want, const char *what)
{
    if (a->kind != CG_MSG_ECALL_RET || a->status != want || a->total != 0 || a->offset != 0 || a->len != 0)
        fail_msg("%s: the enclave answered kind %u status 0x%x (%s) total %llu offset %llu len %llu; expected an "
                 "empty ECALL_RET with 0x%x (%s)",
                 what, a->kind, a->status, res_str(a->status), (unsigned long long)a->total,
                 (unsigned long long)a->offset, (unsigned long long)a->len, want, res_str(want));
}

/* The enclave served the message: a successful ECALL_RET of one int. */
static void expect_int(const struct answer *a, int got, int want, const char *what)
{
    if (a->kind != CG_MSG_ECALL_RET || a->status != CC_SUCCESS || a->total != sizeof(int) || a->offset != 0 ||
        a->len != sizeof(int) || got != want)
        fail_msg("%s: the enclave answered kind %u status 0x%x (%s) total %llu len %llu value %d; expected a "
                 "successful ECALL_RET of %d",
                 what, a->kind, a->status, res_str(a->status), (unsigned long long)a->total,
                 (unsigned long long)a->len, got, want);
}

/* Send one honest single-chunk request on slot @i; return the answer and
 * the first int of the response data (settled). */
static struct answer raw_call(struct evil *ev, uint32_t i, uint32_t fn, const void *msg, size_t len, int *r)
{
    struct chunk c = {CG_MSG_ECALL, fn, len, 0, len};
    struct answer a = forge(ev, i, &c, msg, len);
    memcpy(r, data_of(ev, i), sizeof *r);
    settle(ev, i, a);
    return a;
}

/* The thread of slot @i still serves (a raw ecall_add on that very slot),
 * the runtime's own calls still work (slot 0), and the enclave is alive. */
static void still_serving(struct evil *ev, uint32_t i, const char *after)
{
    char what[200];
    snprintf(what, sizeof what, "ecall_add on slot %u after \"%s\"", i, after);
    struct req_add rq = {20, 22};
    int r = 0;
    struct answer a = raw_call(ev, i, FN_ADD, &rq, sizeof rq, &r);
    expect_int(&a, r, 42, what);
    r = 0;
    assert_int_equal(ecall_add(&ev->ctx, &r, 40, 2), CC_SUCCESS);
    assert_int_equal(r, 42);
    assert_int_equal(cgear_enclave_status(&ev->ctx), CC_SUCCESS);
}

/* Slot header and data as found, to put back after an attack. */
struct snap {
    uint32_t kind, fn, status;
    uint64_t total, offset, len;
    uint8_t *data;
};

static void snap_take(const struct evil *ev, uint32_t i, struct snap *sn)
{
    struct cg_slot_hdr *s = slot_of(ev, i);
    assert_int_equal(atomic_load(&s->turn), CG_TURN_HOST);
    sn->kind = s->kind;
    sn->fn = s->fn;
    sn->status = s->status;
    sn->total = s->total;
    sn->offset = s->offset;
    sn->len = s->len;
    sn->data = malloc(ev->cap);
    assert_non_null(sn->data);
    memcpy(sn->data, data_of(ev, i), ev->cap);
}

static void snap_restore(const struct evil *ev, uint32_t i, struct snap *sn)
{
    struct cg_slot_hdr *s = slot_of(ev, i);
    assert_int_equal(atomic_load(&s->turn), CG_TURN_HOST);
    s->kind = sn->kind;
    s->fn = sn->fn;
    s->status = sn->status;
    s->total = sn->total;
    s->offset = sn->offset;
    s->len = sn->len;
    memcpy(data_of(ev, i), sn->data, ev->cap);
    free(sn->data);
    sn->data = NULL;
}

/* An ecall_in_modify request for a blob of @len pattern bytes (never 0xEE,
 * the byte the enclave writes into its copy) in @msg (BLOB_IN_MODIFY + len
 * bytes); returns the sum the enclave must answer. */
static int build_in_modify(uint8_t *msg, size_t len)
{
    struct req_in_modify rq;
    memset(&rq, 0, sizeof rq);
    rq.l_buf = len;
    rq.f_buf = 1;
    rq.v_len = len;
    memset(msg, 0, BLOB_IN_MODIFY);
    memcpy(msg, &rq, sizeof rq);
    int sum = 0;
    for (size_t k = 0; k < len; k++) {
        msg[BLOB_IN_MODIFY + k] = (uint8_t)(1 + (k * 7) % 200);
        sum += msg[BLOB_IN_MODIFY + k];
    }
    return sum;
}

/* Send chunk @k of the honest request @msg (@total bytes) on slot @i. */
static struct answer send_chunk(struct evil *ev, uint32_t i, uint32_t fn, const uint8_t *msg, uint64_t total,
                                uint64_t k)
{
    uint64_t off = k * ev->cap, len = total - off < ev->cap ? total - off : ev->cap;
    struct chunk c = {CG_MSG_ECALL, fn, total, off, len};
    return forge(ev, i, &c, msg + off, (size_t)len);
}

/* ---- fixtures ---- */

struct flipper;
static struct flipper *g_flipper; /* a storm running: stopped by teardown if a test fails */
static void flipper_stop(struct flipper *f);

static int setup(void **state)
{
    struct evil *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return -1;
    evil_create(ev);
    *state = ev;
    return 0;
}

static int teardown(void **state)
{
    struct evil *ev = *state;
    if (g_flipper != NULL)
        flipper_stop(g_flipper);
    evil_destroy(ev);
    free(ev);
    return 0;
}

/* ---- 0. the attacker's path itself ---- */

/* Proves the raw path is right, so that every refusal below is the
 * enclave's verdict on the attack and not a mistake of the test: honest
 * requests written straight into each slot (header fields, CAS of the
 * turn, futex wake) are served, with the ECALL ids and request layouts
 * assumed here; and the slot is left as found. */
static void test_raw_path_works(void **state)
{
    struct evil *ev = *state;
    for (uint32_t i = 0; i < ev->nslots; i++) {
        struct snap sn;
        snap_take(ev, i, &sn);
        struct req_add rq = {(int)i, 1000};
        int r = 0;
        struct answer a = raw_call(ev, i, FN_ADD, &rq, sizeof rq, &r);
        expect_int(&a, r, (int)i + 1000, "raw ecall_add");

        uint8_t msg[BLOB_IN_MODIFY + 100];
        int sum = build_in_modify(msg, 100);
        a = raw_call(ev, i, FN_IN_MODIFY, msg, sizeof msg, &r);
        expect_int(&a, r, sum, "raw ecall_in_modify");

        uint8_t s[BLOB_STRLEN + 32] = {0};
        struct req_strlen rs;
        memset(&rs, 0, sizeof rs);
        rs.l_s = 32;
        rs.f_s = 1;
        memcpy(s, &rs, sizeof rs);
        memset(s + BLOB_STRLEN, 'a', 20); /* strlen 20, terminator inside the blob */
        struct chunk c = {CG_MSG_ECALL, FN_STRLEN, sizeof s, 0, sizeof s};
        a = forge(ev, i, &c, s, sizeof s);
        size_t n = 0;
        memcpy(&n, data_of(ev, i), sizeof n);
        settle(ev, i, a);
        assert_int_equal(a.kind, CG_MSG_ECALL_RET);
        assert_int_equal(a.status, CC_SUCCESS);
        assert_int_equal(a.total, sizeof(size_t));
        assert_int_equal(n, 20);
        snap_restore(ev, i, &sn);
    }
    /* the runtime's own proxy of the private ECALL is refused like the
     * forged one in test_forged_headers (served: test_hostile_ocall_answers) */
    int r = 0;
    assert_int_equal(ecall_private_add(&ev->ctx, &r, 2, 3), CC_ERROR_ECALL_NOT_ALLOWED);
    still_serving(ev, 0, "the raw path");
}

/* ---- 1. forged requests on an idle slot ---- */

struct hdr_case {
    const char *what;
    uint32_t kind, fn;
    uint64_t total, offset, len;
    uint32_t want;
};

/* Proves that the enclave's receive path (cg_chan_recv) and its dispatch
 * (cg_trts_serve, run_ecall) check every header field of a first chunk
 * before acting on it: for each bad kind, total, offset, length and
 * function id the enclave answers an empty ECALL_RET with the documented
 * error - CC_ERROR_PROTOCOL for a malformed chunk or a message that is not
 * a request, CC_ERROR_ECALL_NOT_ALLOWED for an unknown or private
 * function, CC_ERROR_OUT_OF_MEMORY for a declared size it cannot hold -
 * and that the thread of that slot, and the enclave, go on serving. */
static void test_forged_headers(void **state)
{
    struct evil *ev = *state;
    const uint32_t i = ev->nslots - 1; /* idle: this thread makes no call meanwhile */
    const uint64_t cap = ev->cap;
    const uint64_t max = CG_MAX_MESSAGE;
    const struct hdr_case cases[] = {
        {"kind 0", 0, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"kind 6 (past ACK)", 6, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"kind 0xffffffff", 0xffffffffu, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"a replayed response (ECALL_RET) as request", CG_MSG_ECALL_RET, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"an OCALL from the host", CG_MSG_OCALL, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"an OCALL_RET with no OCALL pending", CG_MSG_OCALL_RET, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"an ACK of nothing", CG_MSG_ACK, FN_ADD, 8, 0, 8, CC_ERROR_PROTOCOL},
        {"an empty OCALL_RET", CG_MSG_OCALL_RET, 0, 0, 0, 0, CC_ERROR_PROTOCOL},
        {"total CG_MAX_MESSAGE + 1", CG_MSG_ECALL, FN_ADD, max + 1, 0, 8, CC_ERROR_PROTOCOL},
        {"total UINT64_MAX", CG_MSG_ECALL, FN_ADD, UINT64_MAX, 0, 8, CC_ERROR_PROTOCOL},
        {"offset 8 on a first chunk", CG_MSG_ECALL, FN_ADD, 16, 8, 8, CC_ERROR_PROTOCOL},
        {"offset UINT64_MAX", CG_MSG_ECALL, FN_ADD, 8, UINT64_MAX, 8, CC_ERROR_PROTOCOL},
        {"len one past the slot", CG_MSG_ECALL, FN_ADD, cap + 1, 0, cap + 1, CC_ERROR_PROTOCOL},
        {"len past the slot, total larger still", CG_MSG_ECALL, FN_ADD, 4 * cap, 0, 2 * cap, CC_ERROR_PROTOCOL},
        {"len UINT64_MAX", CG_MSG_ECALL, FN_ADD, 8, 0, UINT64_MAX, CC_ERROR_PROTOCOL},
        {"len > total", CG_MSG_ECALL, FN_ADD, 8, 0, 9, CC_ERROR_PROTOCOL},
        {"len > total (both within the slot)", CG_MSG_ECALL, FN_ADD, 0, 0, 8, CC_ERROR_PROTOCOL},
        {"fn = number of ECALLs", CG_MSG_ECALL, FN_COUNT, 8, 0, 8, CC_ERROR_ECALL_NOT_ALLOWED},
        {"fn 1000", CG_MSG_ECALL, 1000, 8, 0, 8, CC_ERROR_ECALL_NOT_ALLOWED},
        {"fn UINT32_MAX", CG_MSG_ECALL, UINT32_MAX, 8, 0, 8, CC_ERROR_ECALL_NOT_ALLOWED},
        {"fn in the system-OCALL range", CG_MSG_ECALL, 0xffff0000u, 8, 0, 8, CC_ERROR_ECALL_NOT_ALLOWED},
        {"the private ECALL ecall_private_add called directly", CG_MSG_ECALL, FN_PRIVATE_ADD, 8, 0, 8,
         CC_ERROR_ECALL_NOT_ALLOWED},
        /* a well-formed first chunk of a message the enclave cannot hold:
         * it is refused at once instead of acknowledged */
        {"declared total 1 GiB, more than the enclave's 768 MiB heap", CG_MSG_ECALL, FN_ADD, max, 0, 8,
         CC_ERROR_OUT_OF_MEMORY},
    };
    struct req_add rq = {1, 2};
    uint8_t buf[64] = {0};
    memcpy(buf, &rq, sizeof rq);

    struct snap sn;
    snap_take(ev, i, &sn);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct hdr_case *hc = &cases[c];
        struct chunk ch = {hc->kind, hc->fn, hc->total, hc->offset, hc->len};
        struct answer a = forge(ev, i, &ch, buf, hc->len < sizeof buf ? (size_t)hc->len : sizeof buf);
        settle(ev, i, a);
        expect_refused(&a, hc->want, hc->what);
        still_serving(ev, i, hc->what);
    }
    snap_restore(ev, i, &sn);
}

struct body_case {
    const char *what;
    uint32_t fn;
    uint8_t msg[96];
    size_t len;
    uint32_t want;
};

/* Proves that the generated enclave stubs check the lengths INSIDE a
 * well-delivered request against the message they got, before using them:
 * a request cut short, one with bytes to spare, blob lengths past the end
 * of the message, past CG_MAX_MESSAGE or disagreeing with the size
 * parameter, bad pointer flags, a [string] with no terminator, an [out]
 * buffer too large to answer: each is refused with
 * CC_ERROR_BAD_PARAMETERS (or CC_ERROR_OUT_OF_MEMORY for an [out] buffer
 * larger than the heap) and the enclave serves on. */
static void test_forged_marshalling(void **state)
{
    struct evil *ev = *state;
    const uint32_t i = ev->nslots - 1;
    static struct body_case cases[16];
    size_t n = 0;
    struct body_case *b;
    struct req_in_modify im;
    struct req_strlen rs;
    struct req_big rb;
    struct req_out_fill of;
    const struct req_add ra = {5, 6};
    memset(cases, 0, sizeof cases);

#define CASE(w, f, l, st) (b = &cases[n++], b->what = (w), b->fn = (f), b->len = (l), b->want = (st), b)
    memcpy(CASE("ecall_add: 4 of its 8 bytes", FN_ADD, 4, CC_ERROR_BAD_PARAMETERS)->msg, &ra, 4);
    memcpy(CASE("ecall_add: one byte to spare", FN_ADD, 9, CC_ERROR_BAD_PARAMETERS)->msg, &ra, 8);
    (void)CASE("ecall_add: empty request", FN_ADD, 0, CC_ERROR_BAD_PARAMETERS);

    memset(&im, 0, sizeof im);
    im = (struct req_in_modify){1000, 1, 1000};
    memcpy(CASE("ecall_in_modify: a 1000-byte blob in a 42-byte message", FN_IN_MODIFY, BLOB_IN_MODIFY + 10,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &im, sizeof im);
    im = (struct req_in_modify){(uint64_t)CG_MAX_MESSAGE + 1, 1, CG_MAX_MESSAGE + 1};
    memcpy(CASE("ecall_in_modify: blob length CG_MAX_MESSAGE + 1", FN_IN_MODIFY, BLOB_IN_MODIFY + 10,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &im, sizeof im);
    im = (struct req_in_modify){UINT64_MAX, 1, SIZE_MAX};
    memcpy(CASE("ecall_in_modify: blob length UINT64_MAX", FN_IN_MODIFY, BLOB_IN_MODIFY + 10,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &im, sizeof im);
    im = (struct req_in_modify){10, 1, 11};
    memcpy(CASE("ecall_in_modify: blob length disagrees with len", FN_IN_MODIFY, BLOB_IN_MODIFY + 10,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &im, sizeof im);
    im = (struct req_in_modify){10, 2, 10};
    memcpy(CASE("ecall_in_modify: pointer flag 2", FN_IN_MODIFY, BLOB_IN_MODIFY + 10, CC_ERROR_BAD_PARAMETERS)->msg,
           &im, sizeof im);
    im = (struct req_in_modify){10, 0, 10};
    memcpy(CASE("ecall_in_modify: NULL pointer with a blob", FN_IN_MODIFY, BLOB_IN_MODIFY + 10,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &im, sizeof im);
    im = (struct req_in_modify){10, 1, 10};
    memcpy(CASE("ecall_in_modify: fixed part cut short", FN_IN_MODIFY, 16, CC_ERROR_BAD_PARAMETERS)->msg, &im, 16);

    memset(&rs, 0, sizeof rs);
    rs.l_s = 16;
    rs.f_s = 1;
    b = CASE("ecall_strlen: [string] with no terminator", FN_STRLEN, BLOB_STRLEN + 16, CC_ERROR_BAD_PARAMETERS);
    memcpy(b->msg, &rs, sizeof rs);
    memset(b->msg + BLOB_STRLEN, 'a', 16);
    rs.l_s = 0;
    memcpy(CASE("ecall_strlen: [string] flagged present, length 0", FN_STRLEN, BLOB_STRLEN,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &rs, sizeof rs);

    memset(&rb, 0, sizeof rb);
    rb.l_src = rb.l_dst = rb.v_len = 1000;
    rb.f_src = rb.f_dst = 1;
    memcpy(CASE("ecall_big: 1000-byte [in] blob missing", FN_BIG, sizeof rb, CC_ERROR_BAD_PARAMETERS)->msg, &rb,
           sizeof rb);
    memset(&of, 0, sizeof of);
    of.l_buf = of.v_len = CG_MAX_MESSAGE;
    of.f_buf = 1;
    memcpy(CASE("ecall_out_fill: [out] buffer of CG_MAX_MESSAGE (no room for the response)", FN_OUT_FILL, sizeof of,
                CC_ERROR_BAD_PARAMETERS)->msg,
           &of, sizeof of);
    of.l_buf = of.v_len = (size_t)900 << 20;
    memcpy(CASE("ecall_out_fill: [out] buffer of 900 MiB, more than the heap", FN_OUT_FILL, sizeof of,
                CC_ERROR_OUT_OF_MEMORY)->msg,
           &of, sizeof of);
#undef CASE
    assert_true(n <= sizeof cases / sizeof cases[0]);

    struct snap sn;
    snap_take(ev, i, &sn);
    for (size_t c = 0; c < n; c++) {
        int r = 0;
        struct answer a = raw_call(ev, i, cases[c].fn, cases[c].msg, cases[c].len, &r);
        expect_refused(&a, cases[c].want, cases[c].what);
        still_serving(ev, i, cases[c].what);
    }
    snap_restore(ev, i, &sn);
}

/* Proves that every enclave thread (one per slot, slot 0 being the
 * enclave's main thread) refuses a malformed request and keeps serving -
 * not only the one the other tests attack. */
static void test_every_slot_refuses_and_serves(void **state)
{
    struct evil *ev = *state;
    for (uint32_t i = 0; i < ev->nslots; i++) {
        struct snap sn;
        snap_take(ev, i, &sn);
        struct chunk junk = {0xdeadu, FN_ADD, 8, 0, 8};
        struct answer a = forge(ev, i, &junk, "12345678", 8);
        settle(ev, i, a);
        expect_refused(&a, CC_ERROR_PROTOCOL, "kind 0xdead");
        struct chunk lie = {CG_MSG_ECALL, FN_ADD, 8, 0, ev->cap + 1};
        a = forge(ev, i, &lie, "12345678", 8);
        settle(ev, i, a);
        expect_refused(&a, CC_ERROR_PROTOCOL, "len past the slot");
        still_serving(ev, i, "malformed requests on every slot");
        snap_restore(ev, i, &sn);
    }
}

/* ---- 2. a multi-chunk request that changes between chunks ---- */

struct mid_case {
    const char *what;
    uint32_t kind, fn;
    uint64_t total, offset, len;
    bool served; /* an honest follow-up (or one whose change is ignored) */
};

/* Send chunks [0, good) of @msg, each acknowledged, then @bad as chunk
 * number @good; check the verdict and that the enclave serves on. */
static void mid_message(struct evil *ev, uint32_t i, const uint8_t *msg, uint64_t total, uint64_t good,
                        const struct mid_case *mc, int sum)
{
    for (uint64_t k = 0; k < good; k++) {
        struct answer a = send_chunk(ev, i, FN_IN_MODIFY, msg, total, k);
        if (a.kind != CG_MSG_ACK) {
            settle(ev, i, a);
            fail_msg("%s: chunk %llu of an honest message answered with kind %u status 0x%x, not ACK", mc->what,
                     (unsigned long long)k, a.kind, a.status);
        }
    }
    struct chunk c = {mc->kind, mc->fn, mc->total, mc->offset, mc->len};
    uint64_t from = good * ev->cap;
    struct answer a = forge(ev, i, &c, msg + from, mc->len < ev->cap ? (size_t)mc->len : ev->cap);
    int r = 0;
    memcpy(&r, data_of(ev, i), sizeof r);
    settle(ev, i, a);
    if (mc->served)
        expect_int(&a, r, sum, mc->what);
    else
        expect_refused(&a, CC_ERROR_PROTOCOL, mc->what);
    still_serving(ev, i, mc->what);
}

/* Proves that the enclave checks every follow-up chunk against what it
 * already has (kind, total, offset equal to the bytes received, length
 * between 1 and both the slot and what remains): after it acknowledged the
 * first chunk(s), any change of kind, total, offset or length is refused
 * with CC_ERROR_PROTOCOL, the partial message is dropped, and the enclave
 * serves on. A changed fn in a later chunk is ignored - the function is
 * read once, from the first chunk - so the honest ECALL runs, and the
 * private function named in chunk 2 does not. */
static void test_chunks_changed_midway(void **state)
{
    struct evil *ev = *state;
    const uint32_t i = ev->nslots - 1;
    const uint64_t cap = ev->cap;
    struct snap sn;
    snap_take(ev, i, &sn);

    /* two chunks */
    size_t blob = (size_t)cap + 1000;
    uint64_t total = BLOB_IN_MODIFY + blob, rest = total - cap;
    uint8_t *msg = calloc(1, (size_t)(total + cap));
    assert_non_null(msg);
    int sum = build_in_modify(msg, blob);
    const struct mid_case cases[] = {
        {"an honest second chunk", CG_MSG_ECALL, FN_IN_MODIFY, total, cap, rest, true},
        {"fn changed to the private ECALL in chunk 2", CG_MSG_ECALL, FN_PRIVATE_ADD, total, cap, rest, true},
        {"total grown by one", CG_MSG_ECALL, FN_IN_MODIFY, total + 1, cap, rest, false},
        {"total grown past CG_MAX_MESSAGE", CG_MSG_ECALL, FN_IN_MODIFY, CG_MAX_MESSAGE + 1, cap, rest, false},
        {"total shrunk", CG_MSG_ECALL, FN_IN_MODIFY, cap + 10, cap, 10, false},
        {"total 0", CG_MSG_ECALL, FN_IN_MODIFY, 0, cap, rest, false},
        {"offset replayed (0)", CG_MSG_ECALL, FN_IN_MODIFY, total, 0, rest, false},
        {"offset one short", CG_MSG_ECALL, FN_IN_MODIFY, total, cap - 1, rest, false},
        {"offset one past", CG_MSG_ECALL, FN_IN_MODIFY, total, cap + 1, rest - 1, false},
        {"offset UINT64_MAX", CG_MSG_ECALL, FN_IN_MODIFY, total, UINT64_MAX, rest, false},
        {"empty chunk", CG_MSG_ECALL, FN_IN_MODIFY, total, cap, 0, false},
        {"chunk one longer than what remains", CG_MSG_ECALL, FN_IN_MODIFY, total, cap, rest + 1, false},
        {"chunk longer than the slot", CG_MSG_ECALL, FN_IN_MODIFY, total, cap, cap + 1, false},
        {"chunk length UINT64_MAX", CG_MSG_ECALL, FN_IN_MODIFY, total, cap, UINT64_MAX, false},
        {"kind changed to ECALL_RET", CG_MSG_ECALL_RET, FN_IN_MODIFY, total, cap, rest, false},
        {"kind changed to OCALL", CG_MSG_OCALL, FN_IN_MODIFY, total, cap, rest, false},
        {"kind changed to OCALL_RET", CG_MSG_OCALL_RET, FN_IN_MODIFY, total, cap, rest, false},
        {"kind changed to ACK", CG_MSG_ACK, FN_IN_MODIFY, total, cap, rest, false},
        {"kind changed to garbage", 0x77, FN_IN_MODIFY, total, cap, rest, false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        mid_message(ev, i, msg, total, 1, &cases[c], sum);
    free(msg);

    /* three chunks: the third one lies */
    blob = (size_t)(2 * cap) + 1000;
    total = BLOB_IN_MODIFY + blob;
    rest = total - 2 * cap;
    msg = calloc(1, (size_t)(total + cap));
    assert_non_null(msg);
    sum = build_in_modify(msg, blob);
    const struct mid_case third[] = {
        {"an honest third chunk", CG_MSG_ECALL, FN_IN_MODIFY, total, 2 * cap, rest, true},
        {"chunk 2 replayed as chunk 3", CG_MSG_ECALL, FN_IN_MODIFY, total, cap, cap, false},
        {"total changed in chunk 3", CG_MSG_ECALL, FN_IN_MODIFY, total - 1, 2 * cap, rest - 1, false},
        {"kind changed in chunk 3", CG_MSG_OCALL_RET, FN_IN_MODIFY, total, 2 * cap, rest, false},
    };
    for (size_t c = 0; c < sizeof third / sizeof third[0]; c++)
        mid_message(ev, i, msg, total, 2, &third[c], sum);
    free(msg);
    snap_restore(ev, i, &sn);
}

/* ---- 3. the enclave computes on its private copy (TOCTOU) ---- */

/* Proves that the enclave keeps and uses its own copy of every chunk:
 * (a) after it acknowledged chunk 1 of a two-chunk ecall_in_modify, the
 *     host overwrites the whole data area - including the request's fixed
 *     part and the blob bytes the enclave already took - with 0xff, and
 *     leaves the bytes past the short second chunk that way: the answer is
 *     still the sum of the original bytes;
 * (b) ecall_in_modify overwrites its [in] buffer with 0xEE inside the
 *     enclave: none of that appears in the slot, so the stub did not work
 *     in place on the shared bytes. */
static void test_toctou_private_copy(void **state)
{
    struct evil *ev = *state;
    const uint32_t i = ev->nslots - 1;
    const uint64_t cap = ev->cap;
    struct snap sn;
    snap_take(ev, i, &sn);

    size_t blob = (size_t)cap + 5000;
    uint64_t total = BLOB_IN_MODIFY + blob;
    uint8_t *msg = malloc((size_t)total);
    assert_non_null(msg);
    int sum = build_in_modify(msg, blob);
    struct answer a = send_chunk(ev, i, FN_IN_MODIFY, msg, total, 0);
    if (a.kind != CG_MSG_ACK) {
        settle(ev, i, a);
        fail_msg("chunk 1 answered with kind %u, not ACK", a.kind);
    }
    /* the enclave has copied chunk 1: change every byte of it in the slot */
    memset(data_of(ev, i), 0xff, ev->cap);
    a = send_chunk(ev, i, FN_IN_MODIFY, msg, total, 1);
    int r = 0;
    memcpy(&r, data_of(ev, i), sizeof r);
    settle(ev, i, a);
    expect_int(&a, r, sum, "chunk 1 rewritten in the slot after the enclave took it");
    /* past the 4-byte answer and the short chunk 2, the 0xff is still there */
    for (uint64_t k = total - cap; k < cap; k++)
        if (data_of(ev, i)[k] != 0xff)
            fail_msg("slot byte %llu changed to 0x%02x", (unsigned long long)k, data_of(ev, i)[k]);
    free(msg);
    snap_restore(ev, i, &sn);

    /* (b), through the runtime's own path (slot 0, the only caller) */
    size_t len = 4096;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    int want = 0;
    for (size_t k = 0; k < len; k++) {
        buf[k] = (uint8_t)(1 + (k * 7) % 200);
        want += buf[k];
    }
    r = 0;
    assert_int_equal(ecall_in_modify(&ev->ctx, &r, buf, len), CC_SUCCESS);
    assert_int_equal(r, want);
    const uint8_t *shared = data_of(ev, 0) + BLOB_IN_MODIFY;
    for (size_t k = 0; k < len; k++)
        if (shared[k] != buf[k])
            fail_msg("slot 0 byte %zu of the [in] blob is 0x%02x, sent 0x%02x: the enclave wrote into the shared "
                     "request",
                     k, shared[k], buf[k]);
    free(buf);
    still_serving(ev, i, "TOCTOU");
}

/* Proves that a [string] is checked and used on the same private copy
 * (no double fetch), with the attack racing the enclave's own work. The
 * test thread itself sends ecall_strlen requests (a 64 KiB string) on an
 * idle slot and, after a random delay - any moment of the enclave's
 * receive, check or strlen -, changes one byte of the string in the slot:
 * - the terminator to 'x': the enclave answers the whole length (it had
 *   copied the terminator) or CC_ERROR_BAD_PARAMETERS (its copy has none);
 *   a strlen over the shared bytes after the check would run past the
 *   blob instead (a length >= the blob, or a fault);
 * - a byte at position p to NUL: the answer is the whole length or exactly
 *   p, the string the enclave copied; nothing else.
 * Both outcomes of each kind must occur, which shows the writes really
 * race the copy. Only the test thread and the enclave run: on two cores
 * they truly run at once. */
static void test_toctou_string_race(void **state)
{
    struct evil *ev = *state;
    const uint32_t i = ev->nslots - 1;
    const size_t len = (size_t)64 << 10; /* blob bytes, terminator included: one chunk */
    const size_t total = BLOB_STRLEN + len;
    assert_true(total <= ev->cap);
    uint8_t *msg = calloc(1, total);
    assert_non_null(msg);
    struct req_strlen rs;
    memset(&rs, 0, sizeof rs);
    rs.l_s = len;
    rs.f_s = 1;
    memcpy(msg, &rs, sizeof rs);
    memset(msg + BLOB_STRLEN, 'a', len - 1);
    struct snap sn;
    snap_take(ev, i, &sn);
    struct cg_slot_hdr *s = slot_of(ev, i);
    uint8_t *d = data_of(ev, i);
    uint64_t rng = 0x2545f4914f6cdd1dull ^ (uint64_t)e2e_now_ms();
    unsigned calls = 0, whole[2] = {0, 0}, unterminated = 0, cut = 0;
    long end = e2e_now_ms() + STORM_MS;
    for (; calls < 4000 && e2e_now_ms() < end; calls++) {
        const bool untie = calls % 2 == 0;
        const size_t pos = rnd(&rng) % (len - 1); /* the NUL's index in the string */
        const uint64_t delay = rnd(&rng) % ((uint64_t)2 << (rnd(&rng) % 16)); /* 0 to 65535, log-uniform */
        memcpy(d, msg, total);
        PUT(s->kind, CG_MSG_ECALL);
        PUT(s->fn, FN_STRLEN);
        PUT(s->status, 0);
        PUT(s->total, total);
        PUT(s->offset, 0);
        PUT(s->len, total);
        uint32_t host = CG_TURN_HOST;
        assert_true(atomic_compare_exchange_strong(&s->turn, &host, CG_TURN_ENCLAVE));
        cg_futex_wake(&s->turn, INT_MAX);
        for (uint64_t w = delay; w > 0; w--)
            cg_cpu_relax();
        if (untie)
            PUT(d[BLOB_STRLEN + len - 1], 'x');
        else
            PUT(d[BLOB_STRLEN + pos], 0);
        uint32_t t = wait_back(s, ANSWER_MS);
        if (t != CG_TURN_HOST)
            fail_msg("call %u: turn %u: the enclave hung or died", calls, t);
        struct answer a = read_answer(ev, i, t);
        size_t n = SIZE_MAX;
        memcpy(&n, d, sizeof n);
        const bool ok = a.kind == CG_MSG_ECALL_RET && a.status == CC_SUCCESS && a.total == sizeof n &&
                        a.len == sizeof n;
        if (ok && n == len - 1) {
            whole[untie]++;
        } else if (!untie && ok && n == pos) {
            cut++;
        } else if (untie && a.kind == CG_MSG_ECALL_RET && a.status == CC_ERROR_BAD_PARAMETERS && a.total == 0) {
            unterminated++;
        } else {
            settle(ev, i, a);
            fail_msg("call %u (%s): kind %u status 0x%x (%s) total %llu, length %zu of a %zu-byte string%s", calls,
                     untie ? "terminator removed" : "NUL put in", a.kind, a.status, res_str(a.status),
                     (unsigned long long)a.total, n, len - 1, untie ? "" : " or of the cut one");
        }
    }
    print_message("string race: %u calls: terminator removed: %u whole, %u refused; NUL put in: %u whole, %u cut\n",
                  calls, whole[1], unterminated, whole[0], cut);
    snap_restore(ev, i, &sn);
    free(msg);
    assert_true(whole[1] > 0 && unterminated > 0);
    assert_true(whole[0] > 0 && cut > 0);
    for (uint32_t k = 0; k < ev->nslots; k++)
        still_serving(ev, k, "string race");
}

/* ---- 4. hostile answers to the enclave's OCALLs ---- */

/* Start ecall_ocall_double(21) by hand on slot @i: the enclave must come
 * back with its OCALL ocall_double(21) and wait for the answer. */
static void start_ocall_double(struct evil *ev, uint32_t i)
{
    int x = 21;
    struct chunk c = {CG_MSG_ECALL, FN_OCALL_DOUBLE, sizeof x, 0, sizeof x};
    struct answer a = forge(ev, i, &c, &x, sizeof x);
    int got = 0;
    memcpy(&got, data_of(ev, i), sizeof got);
    if (a.kind != CG_MSG_OCALL || a.fn != OC_DOUBLE || a.total != sizeof x || a.len != sizeof x || got != 21) {
        settle(ev, i, a);
        fail_msg("ecall_ocall_double(21) came back with kind %u fn %u total %llu value %d, not OCALL ocall_double(21)",
                 a.kind, a.fn, (unsigned long long)a.total, got);
    }
}

/* Answer the pending OCALL of slot @i with @c (+ @data) and expect the
 * ECALL to end with a successful ECALL_RET of @want. */
static void answer_ocall(struct evil *ev, uint32_t i, const struct chunk *c, const void *data, size_t dlen, int want,
                         const char *what)
{
    struct answer a = forge(ev, i, c, data, dlen);
    int r = 0;
    memcpy(&r, data_of(ev, i), sizeof r);
    settle(ev, i, a);
    expect_int(&a, r, want, what);
}

struct ocall_case {
    const char *what;
    uint32_t kind, status;
    uint64_t total, offset, len;
    int value;
    int want; /* what ecall_ocall_double returns: 2x, or -1 when its OCALL failed */
};

/* Proves that the enclave treats the answer to its OCALL as hostile too:
 * while ecall_ocall_double(21) waits for ocall_double's answer, the host
 * answers with an error status, a response of the wrong size, a malformed
 * chunk (kind, total, offset, length), a response too large for the
 * enclave, or a multi-chunk response that changes between chunks. Each
 * time the OCALL fails inside the enclave (the generated proxy, or
 * cg_chan_call, rejects the answer), ecall_ocall_double returns -1 in a
 * normal ECALL_RET, and the enclave serves on. A nested ECALL in place of
 * the answer is held to the EDL's allow() list: refused while
 * ocall_double runs (it allows nothing, and the private ECALL is not
 * public), served while ocall_policy runs (it allows ecall_private_add) -
 * after which the real answer is still awaited and used. */
static void test_hostile_ocall_answers(void **state)
{
    struct evil *ev = *state;
    const uint32_t i = ev->nslots - 1;
    const uint64_t cap = ev->cap;
    struct snap sn;
    snap_take(ev, i, &sn);
    const struct ocall_case cases[] = {
        {"an honest answer", CG_MSG_OCALL_RET, CC_SUCCESS, 4, 0, 4, 42, 42},
        {"an error status", CG_MSG_OCALL_RET, CC_ERROR_GENERIC, 0, 0, 0, 0, -1},
        {"an error status with a value", CG_MSG_OCALL_RET, CC_ERROR_GENERIC, 4, 0, 4, 42, -1},
        {"an empty answer claiming success", CG_MSG_OCALL_RET, CC_SUCCESS, 0, 0, 0, 0, -1},
        {"3 bytes for an int", CG_MSG_OCALL_RET, CC_SUCCESS, 3, 0, 3, 42, -1},
        {"8 bytes for an int", CG_MSG_OCALL_RET, CC_SUCCESS, 8, 0, 8, 42, -1},
        {"kind garbage", 0x77, CC_SUCCESS, 4, 0, 4, 42, -1},
        {"kind ECALL_RET", CG_MSG_ECALL_RET, CC_SUCCESS, 4, 0, 4, 42, -1},
        {"kind OCALL (the host calling out of the enclave)", CG_MSG_OCALL, CC_SUCCESS, 4, 0, 4, 42, -1},
        {"kind ACK", CG_MSG_ACK, CC_SUCCESS, 4, 0, 4, 42, -1},
        {"offset 4", CG_MSG_OCALL_RET, CC_SUCCESS, 8, 4, 4, 42, -1},
        {"len > total", CG_MSG_OCALL_RET, CC_SUCCESS, 4, 0, 5, 42, -1},
        {"len past the slot", CG_MSG_OCALL_RET, CC_SUCCESS, 2 * cap, 0, cap + 1, 42, -1},
        {"total past CG_MAX_MESSAGE", CG_MSG_OCALL_RET, CC_SUCCESS, CG_MAX_MESSAGE + 1, 0, 4, 42, -1},
        {"total 1 GiB, more than the enclave's heap", CG_MSG_OCALL_RET, CC_SUCCESS, CG_MAX_MESSAGE, 0, 4, 42, -1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct ocall_case *oc = &cases[c];
        start_ocall_double(ev, i);
        struct cg_slot_hdr *s = slot_of(ev, i);
        PUT(s->status, oc->status); /* forge() writes status 0: set it after */
        struct chunk ch = {oc->kind, OC_DOUBLE, oc->total, oc->offset, oc->len};
        assert_int_equal(atomic_load(&s->turn), CG_TURN_HOST);
        memcpy(data_of(ev, i), &oc->value, sizeof oc->value);
        PUT(s->kind, ch.kind);
        PUT(s->fn, ch.fn);
        PUT(s->total, ch.total);
        PUT(s->offset, ch.offset);
        PUT(s->len, ch.len);
        struct answer a = pass_and_wait(ev, i);
        int r = 0;
        memcpy(&r, data_of(ev, i), sizeof r);
        settle(ev, i, a);
        expect_int(&a, r, oc->want, oc->what);
        still_serving(ev, i, oc->what);
    }

    /* a multi-chunk answer: honest chunks but the wrong size for an int, and
     * one whose second chunk changes the offset */
    uint8_t *big = calloc(1, (size_t)cap);
    assert_non_null(big);
    const uint64_t two = cap + 100;
    const struct chunk second[] = {
        {CG_MSG_OCALL_RET, OC_DOUBLE, two, cap, 100}, /* honest chunk 2: the proxy refuses the size */
        {CG_MSG_OCALL_RET, OC_DOUBLE, two, 0, 100},   /* chunk 1 replayed */
        {CG_MSG_OCALL_RET, OC_DOUBLE, two + 1, cap, 100},
        {CG_MSG_ECALL_RET, OC_DOUBLE, two, cap, 100},
    };
    for (size_t c = 0; c < sizeof second / sizeof second[0]; c++) {
        start_ocall_double(ev, i);
        struct chunk first = {CG_MSG_OCALL_RET, OC_DOUBLE, two, 0, cap};
        struct answer a = forge(ev, i, &first, big, (size_t)cap);
        if (a.kind != CG_MSG_ACK) {
            settle(ev, i, a);
            fail_msg("chunk 1 of a two-chunk OCALL answer: kind %u status 0x%x, not ACK", a.kind, a.status);
        }
        answer_ocall(ev, i, &second[c], big, 100, -1, "a two-chunk answer to ocall_double");
        still_serving(ev, i, "a two-chunk answer to ocall_double");
    }
    free(big);

    /* nested ECALLs in place of the answer */
    const struct req_add two_three = {2, 3};
    const struct {
        const char *what;
        uint32_t fn;
    } refused[] = {
        {"nested public ECALL not in ocall_double's allow()", FN_ADD},
        {"nested private ECALL not in ocall_double's allow()", FN_PRIVATE_ADD},
        {"nested ECALL with an unknown id", FN_COUNT},
    };
    for (size_t c = 0; c < sizeof refused / sizeof refused[0]; c++) {
        start_ocall_double(ev, i);
        struct chunk nest = {CG_MSG_ECALL, refused[c].fn, sizeof two_three, 0, sizeof two_three};
        struct answer a = forge(ev, i, &nest, &two_three, sizeof two_three);
        settle(ev, i, a);
        expect_refused(&a, CC_ERROR_ECALL_NOT_ALLOWED, refused[c].what);
        /* the enclave still waits for ocall_double's answer, and uses it */
        int v = 42;
        struct chunk ret = {CG_MSG_OCALL_RET, OC_DOUBLE, sizeof v, 0, sizeof v};
        answer_ocall(ev, i, &ret, &v, sizeof v, 42, refused[c].what);
        still_serving(ev, i, refused[c].what);
    }
    /* a malformed nested ECALL fails the OCALL */
    start_ocall_double(ev, i);
    struct chunk bad_nest = {CG_MSG_ECALL, FN_ADD, 8, 0, 9};
    answer_ocall(ev, i, &bad_nest, &two_three, sizeof two_three, -1, "malformed nested ECALL");
    still_serving(ev, i, "malformed nested ECALL");

    /* ecall_policy's ocall_policy allows ecall_private_add, and only that */
    struct chunk pol = {CG_MSG_ECALL, FN_POLICY, 0, 0, 0};
    struct answer a = forge(ev, i, &pol, NULL, 0);
    if (a.kind != CG_MSG_OCALL || a.fn != OC_POLICY) {
        settle(ev, i, a);
        fail_msg("ecall_policy came back with kind %u fn %u, not OCALL ocall_policy", a.kind, a.fn);
    }
    struct chunk nest_add = {CG_MSG_ECALL, FN_ADD, sizeof two_three, 0, sizeof two_three};
    a = forge(ev, i, &nest_add, &two_three, sizeof two_three);
    settle(ev, i, a);
    expect_refused(&a, CC_ERROR_ECALL_NOT_ALLOWED, "nested ecall_add inside ocall_policy");
    struct chunk nest_priv = {CG_MSG_ECALL, FN_PRIVATE_ADD, sizeof two_three, 0, sizeof two_three};
    a = forge(ev, i, &nest_priv, &two_three, sizeof two_three);
    int r = 0;
    memcpy(&r, data_of(ev, i), sizeof r);
    expect_int(&a, r, 5, "nested ecall_private_add inside ocall_policy");
    int v = 7;
    struct chunk ret = {CG_MSG_OCALL_RET, OC_POLICY, sizeof v, 0, sizeof v};
    answer_ocall(ev, i, &ret, &v, sizeof v, 7, "ocall_policy's answer after the nested ECALLs");
    still_serving(ev, i, "nested ECALLs");
    snap_restore(ev, i, &sn);
}

/* ---- 5. flipping storms ---- */

enum { FLIP_HEADERS = 1, FLIP_DATA = 2 };

struct flipper {
    pthread_t thread;
    bool running;
    _Atomic bool stop;
    struct evil *ev;
    int mode;
    size_t lo, hi;          /* FLIP_DATA: data bytes [lo, hi) */
    uint64_t pause;         /* after a flip, wait up to this many cpu_relax() */
    _Atomic uint64_t flips; /* writes made while the enclave was reading a request */
    uint64_t rng;
};

static void flip_header(struct flipper *f, struct cg_slot_hdr *s, uint64_t r)
{
    const uint64_t cap = f->ev->cap;
    /* values that are wrong for any honest chunk in flight here (fn: none
     * of them names a public ECALL, so a changed fn is refused, never
     * silently served as another function) */
    static const uint32_t kinds[] = {0, CG_MSG_ECALL_RET, CG_MSG_OCALL, CG_MSG_OCALL_RET, CG_MSG_ACK, 6, 0xffffffffu};
    static const uint32_t fns[] = {FN_COUNT, FN_PRIVATE_ADD, 1000, 0x7fffffffu};
    const uint64_t totals[] = {0, 1, 7, cap - 1, cap + 1, 2 * cap, CG_MAX_MESSAGE, CG_MAX_MESSAGE + 1, UINT64_MAX,
                               (r >> 20) % (4u << 20)};
    const uint64_t offsets[] = {1, cap, 2 * cap, UINT64_MAX, (r >> 20) % (4u << 20)};
    const uint64_t lens[] = {0, 1, cap - 1, cap + 1, UINT64_MAX, (r >> 20) % cap};
#define PICK(a) (a)[(r >> 8) % (sizeof(a) / sizeof((a)[0]))]
    switch (r % 5) {
    case 0:
        PUT(s->kind, PICK(kinds));
        break;
    case 1:
        PUT(s->fn, PICK(fns));
        break;
    case 2:
        PUT(s->total, PICK(totals));
        break;
    case 3:
        PUT(s->offset, PICK(offsets));
        break;
    default:
        PUT(s->len, PICK(lens));
        break;
    }
#undef PICK
}

static void *flip_loop(void *arg)
{
    struct flipper *f = arg;
    while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
        for (uint32_t i = 0; i < f->ev->nslots; i++) {
            struct cg_slot_hdr *s = slot_of(f->ev, i);
            /* Only while the enclave holds the turn and the slot still holds
             * the host's request (kind ECALL): the enclave writes its own
             * ACK or ECALL_RET kind first when it answers. The check and the
             * write are not atomic together, so a flip can still land on the
             * enclave's answer; the storm tolerates exactly that (see
             * storm()). */
            if (atomic_load_explicit(&s->turn, memory_order_acquire) != CG_TURN_ENCLAVE ||
                GET(s->kind) != CG_MSG_ECALL)
                continue;
            uint64_t r = rnd(&f->rng);
            uint8_t *d = data_of(f->ev, i);
            if (f->mode & FLIP_HEADERS)
                flip_header(f, s, r);
            if (f->mode & FLIP_DATA)
                PUT(d[f->lo + (r >> 24) % (f->hi - f->lo)], (uint8_t)(r >> 56));
            atomic_fetch_add_explicit(&f->flips, 1, memory_order_relaxed);
            /* let some chunks through untouched */
            for (uint64_t w = (r >> 40) % f->pause; w > 0; w--)
                cg_cpu_relax();
        }
    }
    return NULL;
}

static void flipper_start(struct flipper *f, struct evil *ev, int mode, size_t lo, size_t hi, uint64_t pause)
{
    f->pause = pause;
    f->ev = ev; /* flips keeps counting across restarts */
    f->mode = mode;
    f->lo = lo;
    f->hi = hi;
    if (f->rng == 0)
        f->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)e2e_now_ms();
    atomic_store(&f->stop, false);
    assert_int_equal(pthread_create(&f->thread, NULL, flip_loop, f), 0);
    f->running = true;
    g_flipper = f;
}

static void flipper_stop(struct flipper *f)
{
    if (f->running) {
        atomic_store(&f->stop, true);
        pthread_join(f->thread, NULL);
        f->running = false;
    }
    g_flipper = NULL;
}

/* A call ended with CC_ERROR_ENCLAVE_LOST: acceptable only if the HOST
 * runtime stopped the enclave because what it read back broke the
 * protocol (a flip landed on the enclave's answer). The host only reads a
 * slot after the enclave handed it the turn, so at that moment the
 * enclave was alive and following the protocol; an enclave that crashed,
 * faulted or made a forbidden system call is reported with its own
 * status (CC_ERROR_ENCLAVE_CRASHED, ...) and fails the test. */
static void expect_stopped_by_host(struct evil *ev, const char *call)
{
    char why[400] = "";
    cgear_enclave_lost_reason(&ev->ctx, why, sizeof why);
    cc_enclave_result_t st = cgear_enclave_status(&ev->ctx);
    if (st != CC_ERROR_PROTOCOL || strstr(why, "protocol") == NULL)
        fail_msg("%s: the enclave was lost with status 0x%x (%s): %s", call, (unsigned)st, res_str(st), why);
}

static bool acceptable_refusal(cc_enclave_result_t rc)
{
    return rc == CC_ERROR_PROTOCOL || rc == CC_ERROR_BAD_PARAMETERS || rc == CC_ERROR_ECALL_NOT_ALLOWED ||
           rc == CC_ERROR_OUT_OF_MEMORY;
}

/* Many ordinary calls through the runtime (ecall_big with 1 MiB each way -
 * five chunks each way -, ecall_in_modify with 300 KiB, ecall_add) while
 * a thread flips what @mode says in every slot the enclave is reading. */
static void storm(struct evil *ev, int mode, const char *name)
{
    const bool exact = !(mode & FLIP_DATA); /* the data the enclave receives is the host's */
    const size_t big = (size_t)1 << 20, mod = (size_t)300 << 10;
    uint8_t *src = malloc(big), *dst = malloc(big), *in = malloc(mod);
    assert_true(src != NULL && dst != NULL && in != NULL);
    uint64_t big_sum = 0;
    int mod_sum = 0;
    for (size_t k = 0; k < big; k++) {
        src[k] = (uint8_t)(k * 131 + 7);
        big_sum += src[k];
    }
    for (size_t k = 0; k < mod; k++) {
        in[k] = (uint8_t)(k * 17 + 3);
        mod_sum += in[k];
    }
    static struct flipper flipper; /* not on the stack: teardown may stop it */
    struct flipper *f = &flipper;
    memset(f, 0, sizeof *f);
    flipper_start(f, ev, mode, 0, ev->cap, 4096);
    unsigned calls = 0, right = 0, refused = 0, lost = 0, changed = 0;
    long end = e2e_now_ms() + STORM_MS;
    for (; calls < STORM_CALLS && e2e_now_ms() < end; calls++) {
        cc_enclave_result_t rc;
        bool ok;
        const char *call;
        if (calls % 3 == 0) {
            uint64_t sum = 0;
            memset(dst, 0, big);
            call = "ecall_big(1 MiB)";
            rc = ecall_big(&ev->ctx, &sum, src, dst, big);
            ok = sum == big_sum;
            for (size_t k = 0; ok && k < big; k++)
                ok = dst[k] == (uint8_t)(src[k] ^ 0x5a);
        } else if (calls % 3 == 1) {
            int r = 0;
            call = "ecall_in_modify(300 KiB)";
            rc = ecall_in_modify(&ev->ctx, &r, in, mod);
            ok = r == mod_sum;
        } else {
            int r = 0;
            call = "ecall_add";
            rc = ecall_add(&ev->ctx, &r, 1000, (int)calls);
            ok = r == 1000 + (int)calls;
        }
        if (rc == CC_SUCCESS && ok) {
            right++;
        } else if (rc == CC_SUCCESS) {
            /* With only header fields flipped the bytes the enclave copies
             * are the host's, and every header lie is caught by one side:
             * a success must be the right answer. With data flipped too,
             * the enclave computed on what it received: not checked. */
            if (exact) {
                flipper_stop(f);
                fail_msg("%s: call %u (%s) returned CC_SUCCESS with a wrong result", name, calls, call);
            }
            changed++;
        } else if (rc == CC_ERROR_ENCLAVE_LOST) {
            flipper_stop(f);
            expect_stopped_by_host(ev, call);
            lost++;
            evil_destroy(ev);
            evil_create(ev);
            flipper_start(f, ev, mode, 0, ev->cap, 4096);
        } else if (acceptable_refusal(rc)) {
            refused++;
            if (cgear_enclave_status(&ev->ctx) != CC_SUCCESS) {
                flipper_stop(f);
                fail_msg("%s: call %u (%s) refused with %s, and the enclave is gone", name, calls, call,
                         res_str(rc));
            }
        } else {
            flipper_stop(f);
            fail_msg("%s: call %u (%s) returned 0x%x (%s)", name, calls, call, (unsigned)rc, res_str(rc));
        }
    }
    flipper_stop(f);
    print_message("%s: %u calls: %u right, %u refused, %u changed data, %u enclaves stopped by the host "
                  "(protocol); %llu flips\n",
                  name, calls, right, refused, changed, lost, (unsigned long long)atomic_load(&f->flips));
    /* the storm is over: every slot is at rest and every thread serves */
    for (uint32_t i = 0; i < ev->nslots; i++) {
        assert_int_equal(atomic_load(&slot_of(ev, i)->turn), CG_TURN_HOST);
        still_serving(ev, i, name);
    }
    uint64_t sum = 0;
    assert_int_equal(ecall_big(&ev->ctx, &sum, src, dst, big), CC_SUCCESS);
    assert_true(sum == big_sum);
    /* the attack did hit, and did not stop every call */
    assert_true(atomic_load(&f->flips) > 0);
    assert_true(refused + lost + changed > 0);
    assert_true(right > 0);
    free(src);
    free(dst);
    free(in);
}

/* Proves that header fields (kind, fn, total, offset, len) changing under
 * the enclave while it receives a request - first or later chunk - never
 * make it crash, fault or hang, and never make a call succeed with a wrong
 * result: each call returns the right answer, or an error (the enclave
 * refused the corrupted request, or answered the function the lie named
 * with an error), or - when a flip raced onto the enclave's own answer -
 * CC_ERROR_ENCLAVE_LOST with the host runtime having stopped the enclave
 * for a protocol violation (then the test starts a new enclave). */
static void test_flip_storm_headers(void **state)
{
    storm(*state, FLIP_HEADERS, "header storm");
}

/* Proves the same with data bytes flipped as well (the request's fixed
 * part, blobs, and - racing - the answer): the enclave survives whatever
 * it copies; results are not checked, the host corrupted its own input. */
static void test_flip_storm_headers_and_data(void **state)
{
    storm(*state, FLIP_HEADERS | FLIP_DATA, "header and data storm");
}


/* ---- 5. the host breaks the protocol while the enclave sends ---- */

/* Proves the enclave thread of every slot (slot 0 is the enclave's main
 * thread) keeps serving after the host (a) writes a turn value that means
 * nothing while the slot is idle, and (b) answers the first chunk of a
 * multi-chunk response with garbage instead of an acknowledgement: the
 * enclave refuses that exchange with an empty ECALL_RET(CC_ERROR_PROTOCOL)
 * and serves the next request. */
static void test_protocol_broken_while_enclave_sends(void **state)
{
    struct evil *ev = *state;
    for (uint32_t i = 0; i < ev->nslots; i++) {
        struct cg_slot_hdr *s = slot_of(ev, i);
        /* (a) a garbage turn on an idle slot, for a while, then back */
        uint32_t host = CG_TURN_HOST;
        assert_true(atomic_compare_exchange_strong(&s->turn, &host, 0x5a5a5a5au));
        cg_futex_wake(&s->turn, INT_MAX);
        e2e_sleep_ms(100);
        atomic_store(&s->turn, CG_TURN_HOST);
        cg_futex_wake(&s->turn, INT_MAX);
        still_serving(ev, i, "a garbage turn word");

        /* (b) garbage in place of the ACK of a response three chunks long */
        struct req_out_fill rq;
        memset(&rq, 0, sizeof rq);
        rq.l_buf = rq.v_len = 3 * ev->cap;
        rq.f_buf = 1;
        rq.v_v = 9;
        struct chunk c = {CG_MSG_ECALL, FN_OUT_FILL, sizeof rq, 0, sizeof rq};
        struct answer a = forge(ev, i, &c, &rq, sizeof rq);
        if (a.kind != CG_MSG_ECALL_RET || a.total <= a.len)
            fail_msg("slot %u: expected the first chunk of a long response, got kind %u total %llu len %llu", i,
                     a.kind, (unsigned long long)a.total, (unsigned long long)a.len);
        struct chunk junk = {0x77, 0, 0, 0, 0};
        a = forge(ev, i, &junk, NULL, 0);
        expect_refused(&a, CC_ERROR_PROTOCOL, "garbage instead of an ACK");
        still_serving(ev, i, "garbage instead of an ACK");
    }
}

int main(int argc, char **argv)
{
    /* An engine this machine cannot run: skip, loudly (e2e_util.h). */
    int status = e2e_begin(argc, argv, 0, "<enclave file>");
    if (status >= 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raw_path_works, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_marshalling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_slot_refuses_and_serves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_changed_midway, setup, teardown),
        cmocka_unit_test_setup_teardown(test_toctou_private_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_toctou_string_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_ocall_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protocol_broken_while_enclave_sends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flip_storm_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flip_storm_headers_and_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
