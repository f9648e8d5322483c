/*
 * fuzz_window.c - libFuzzer harness for the call-window channel
 * (src/window/channel.c) with a hostile peer.
 *
 * The side under test (by default the host) makes a call with
 * cg_chan_call() on one slot of a window in ordinary heap memory (so that
 * ASan sees any access past the slot's data area). A scripted peer plays
 * the other side (by default the enclave) from the fuzz input: each time
 * it is the peer's turn it writes slot headers (kind, fn, status, total,
 * offset, len) and chunk data, well-formed or not, and passes the turn
 * back. When the script runs out the peer marks the slot CG_TURN_DEAD, so
 * a run always ends. Nested requests of the peer are served by a dispatch
 * function that also reads its behaviour from the script (a response of
 * some length, an error, an unsendable response, or a nested call of its
 * own).
 *
 * The peer is not a thread: the harness defines syscall() (futex.h calls
 * it), and a FUTEX_WAIT on the slot's turn word while the turn is the
 * peer's runs the peer's move in place before returning; FUTEX_WAKE on it
 * does nothing. The channel is set to sleep at once (spin 0 or 1), so each
 * wait for the peer is one such call. Runs are deterministic and cost no
 * thread switches (a thread peer managed ~250 runs/s on this machine).
 *
 * Checks, beyond ASan/UBSan/LSan:
 *  - every chunk the side sends has len <= cap and offset + len <= total
 *    <= CG_MAX_MESSAGE, and carries exactly the bytes it was asked to send;
 *  - every message it accepts (a request handed to dispatch, or the
 *    response cg_chan_call() returns) is byte for byte what the peer wrote,
 *    with the kind, fn, status and total of its first chunk, and no longer
 *    than ch->max_in; a request the peer refuses part-way (an empty
 *    response with an error instead of an ACK) returns that error;
 *  - a failed call returns no response buffer.
 *
 * Input: 4 configuration bytes (role, auto-ACK, spin, slot capacity, grow,
 * max_in, request fn/length/segments), then script steps (see peer_step()).
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "channel.h"
#include "futex.h"
#include "window.h"

#define CHECK(c)                                                                                                   \
    do {                                                                                                           \
        if (!(c)) {                                                                                                \
            fprintf(stderr, "fuzz_window.c:%d: check failed: %s\n", __LINE__, #c);                                 \
            __builtin_trap();                                                                                      \
        }                                                                                                          \
    } while (0)

/* The harness's message allocator: the host's (calloc/free), but refusing
 * more than FZ_MAX_ALLOC, so that a declared total of up to CG_MAX_MESSAGE
 * (1 GiB) meets an allocation failure instead of slowing every run. It is
 * above CG_CHAN_PREALLOC, so that the host's growing buffer (ch->grow) can
 * grow once or twice, with 1 MiB slots, before an allocation fails. */
#define FZ_MAX_ALLOC ((size_t)16 << 20)
#define FZ_OUT_CHUNKS 64u
#define FZ_OUT_BYTES ((uint64_t)24 << 20) /* and at most this much of it */
_Static_assert(FZ_MAX_ALLOC > 2 * CG_CHAN_PREALLOC, "room to grow");

void *cg_msg_alloc(size_t len)
{
    if (len > CG_MAX_MESSAGE || len > FZ_MAX_ALLOC)
        return NULL;
    return calloc(1, len ? len : 1);
}

/* Not zero-filled, as the runtimes' own: the sanitizers see a read of a
 * byte the channel did not write. */
void *cg_msg_alloc_raw(size_t len)
{
    if (len > CG_MAX_MESSAGE || len > FZ_MAX_ALLOC)
        return NULL;
    return malloc(len ? len : 1);
}

void cg_msg_free(void *buf)
{
    free(buf);
}

/* The script: read past the end gives zeros. */
struct rd {
    const uint8_t *p;
    size_t n;
};

static uint8_t u8(struct rd *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t uN(struct rd *r, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)u8(r) << (8 * i);
    return v;
}

/* The bytes the side under test sends in a message of function @fn. */
static inline uint8_t pat(uint32_t fn, uint64_t i)
{
    return (uint8_t)(i * 131u + (i >> 8) * 7u + fn * 29u + 0x5au);
}

/* The byte loops over message data are not instrumented for coverage:
 * with 1 MiB slots, tracing each comparison was most of the run time, and
 * they have no branches worth steering. */
#define FZ_NOCOV __attribute__((no_sanitize("coverage"), noinline))

FZ_NOCOV static void fill_pat(uint8_t *d, size_t n, uint32_t fn, uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        d[i] = pat(fn, off + i);
}

FZ_NOCOV static bool is_pat(const uint8_t *d, size_t n, uint32_t fn, uint64_t off)
{
    uint8_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= d[i] ^ pat(fn, off + i);
    return bad == 0;
}

/* The peer's filler bytes: seed + (offset * 13), period 256. */
FZ_NOCOV static void fill_seed(uint8_t *d, size_t n, uint8_t seed, uint64_t off)
{
    uint8_t p[512];
    for (size_t i = 0; i < sizeof p; i++)
        p[i] = (uint8_t)(seed + (off + i) * 13u);
    for (size_t i = 0; i < n; i += 256)
        memcpy(d + i, p, n - i < 256 ? n - i : 256);
}

struct fz {
    struct cg_chan ch; /* the side under test */
    struct cg_slot_hdr *slot;
    uint8_t *data;
    size_t cap;
    uint32_t me, peer;          /* turn values */
    uint32_t req_kind, ret_kind; /* the side's call: its request, the response it accepts */
    uint32_t peer_req, peer_ret; /* the peer's calls: requests it accepts, its responses */
    struct rd in;               /* the script: the peer and dispatch take turns */
    bool auto_ack;
    int depth; /* nested calls in dispatch */

    /* Peer state. */
    bool rx_active; /* the side has acknowledged a chunk: mid-message */
    struct {
        bool active;
        uint32_t kind, fn, status;
        uint64_t total, sent;
        unsigned chunks; /* sent so far: at most FZ_OUT_CHUNKS/FZ_OUT_BYTES, the rest never comes */
        uint8_t seed;
    } out; /* a well-formed multi-chunk message the peer is sending */

    /* What the side should have received: written by the peer at its turn,
     * read by the side at its turn. */
    uint8_t *shadow;
    bool sh_valid;
    uint32_t sh_kind, sh_fn, sh_status;
    uint64_t sh_total, sh_got;
};

static void mark_dead(struct fz *z)
{
    atomic_store(&z->slot->turn, CG_TURN_DEAD);
    cg_futex_wake(&z->slot->turn, INT_MAX);
}

/* ---- the peer ------------------------------------------------------- */

static void peer_pass(struct fz *z, uint32_t to)
{
    uint32_t exp = z->peer;
    atomic_compare_exchange_strong(&z->slot->turn, &exp, to);
    cg_futex_wake(&z->slot->turn, INT_MAX);
}

/* Look at what the side left in the slot when it passed the turn. Returns
 * true if it sent a chunk that is not the last of its message (it now
 * expects an ACK). */
static bool peer_observe(struct fz *z)
{
    struct cg_slot_hdr *s = z->slot;
    uint32_t k = s->kind, fn = s->fn;
    uint64_t total = s->total, off = s->offset, len = s->len;
    if (k == CG_MSG_ACK) {
        z->rx_active = true;
        return false;
    }
    z->rx_active = false;
    CHECK(k == z->req_kind || k == z->peer_ret);
    CHECK(total <= CG_MAX_MESSAGE);
    CHECK(len <= z->cap);
    CHECK(off <= total && len <= total - off);
    CHECK(is_pat(z->data, (size_t)len, fn, off));
    return off + len < total;
}

/* Write one chunk; its data (at most cap bytes, whatever @len claims) comes
 * from the script if @from_input, as far as the script goes, and is a
 * pattern of @seed after that. Records what the side would accept. */
static void peer_chunk(struct fz *z, uint32_t kind, uint32_t fn, uint32_t status, uint64_t total, uint64_t off,
                       uint64_t len, bool from_input, uint8_t seed)
{
    struct cg_slot_hdr *s = z->slot;
    s->kind = kind;
    s->fn = fn;
    s->status = status;
    s->total = total;
    s->offset = off;
    s->len = len;
    size_t n = len < z->cap ? (size_t)len : z->cap;
    size_t i = 0;
    if (from_input)
        for (; i < n && z->in.n > 0; i++)
            z->data[i] = u8(&z->in);
    fill_seed(z->data + i, n - i, seed, off + i);

    /* The side takes this as the first chunk of a message unless it is in
     * the middle of one. If it refuses the chunk, none of this matters. */
    if (!z->rx_active) {
        z->sh_kind = kind;
        z->sh_fn = fn;
        z->sh_status = status;
        z->sh_total = total;
        z->sh_got = 0;
        z->sh_valid = total <= FZ_MAX_ALLOC;
    }
    if (z->sh_valid && off <= FZ_MAX_ALLOC && n <= FZ_MAX_ALLOC - off)
        memcpy(z->shadow + off, z->data, n);
    z->sh_got += len;
}

/* The next chunk of the well-formed message in z->out. */
static void peer_out_next(struct fz *z)
{
    uint64_t left = z->out.total - z->out.sent;
    uint64_t len = left < z->cap ? left : z->cap;
    peer_chunk(z, z->out.kind, z->out.fn, z->out.status, z->out.total, z->out.sent, len, false, z->out.seed);
    z->out.sent += len;
    if (z->out.sent >= z->out.total || ++z->out.chunks >= FZ_OUT_CHUNKS || z->out.sent >= FZ_OUT_BYTES)
        z->out.active = false;
    peer_pass(z, z->me);
}

static uint32_t pick_kind(struct fz *z, uint8_t sel)
{
    switch (sel & 7) {
    case 0: return z->ret_kind;
    case 1: return z->peer_req;
    case 2: return CG_MSG_ACK;
    case 3: return 0;
    case 4: return z->req_kind;
    case 5: return z->peer_ret;
    case 6: return 6;
    default: return (uint32_t)uN(&z->in, 4);
    }
}

static uint64_t pick_total(struct fz *z, uint8_t flags)
{
    uint64_t v = uN(&z->in, 2);
    switch ((flags >> 4) & 3) {
    case 0: return v;
    case 1: return v * 67u;
    case 2: return v * 4093u;
    default: {
        static const uint64_t big[] = {CG_MAX_MESSAGE,       CG_MAX_MESSAGE + 1, UINT64_MAX,
                                       UINT64_MAX - 4095u,   (uint64_t)1 << 32,  ((uint64_t)1 << 32) + 1,
                                       FZ_MAX_ALLOC,         FZ_MAX_ALLOC + 1,   (uint64_t)SIZE_MAX / 2 + 1};
        return big[v % (sizeof big / sizeof big[0])];
    }
    }
}

/* One script step at the peer's turn. */
static void peer_step(struct fz *z)
{
    uint8_t op = u8(&z->in);
    switch (op % 6) {
    case 0:
    case 1: { /* a chunk with mostly sensible defaults */
        uint32_t kind = pick_kind(z, u8(&z->in));
        uint32_t fn = u8(&z->in);
        uint32_t status = u8(&z->in);
        uint8_t flags = u8(&z->in);
        uint64_t total = z->rx_active && !(flags & 4) ? z->sh_total : pick_total(z, flags);
        uint64_t off = flags & 1 ? uN(&z->in, 2) : (z->rx_active ? z->sh_got : 0);
        uint64_t len;
        if (flags & 2)
            len = uN(&z->in, 2);
        else
            len = total > off ? (total - off < z->cap ? total - off : z->cap) : 0;
        if (flags & 0x40)
            len += (uint64_t)(int8_t)u8(&z->in); /* near the boundaries */
        peer_chunk(z, kind, fn, status, total, off, len, flags & 8, op);
        peer_pass(z, z->me);
        return;
    }
    case 2: { /* a chunk with raw header fields */
        uint32_t kind = (uint32_t)uN(&z->in, 4), fn = (uint32_t)uN(&z->in, 4), status = (uint32_t)uN(&z->in, 4);
        uint64_t total = uN(&z->in, 8), off = uN(&z->in, 8), len = uN(&z->in, 8);
        peer_chunk(z, kind, fn, status, total, off, len, false, op);
        peer_pass(z, z->me);
        return;
    }
    case 3: { /* a well-formed message, chunked (up to FZ_OUT_CHUNKS chunks) */
        static const uint64_t scale[] = {1, 67, 4093, 1u << 16};
        z->out.kind = pick_kind(z, u8(&z->in));
        z->out.fn = u8(&z->in);
        z->out.status = u8(&z->in);
        z->out.total = uN(&z->in, 2) * scale[(op / 6) & 3];
        z->out.sent = 0;
        z->out.chunks = 0;
        z->out.seed = op;
        z->out.active = true;
        peer_out_next(z);
        return;
    }
    case 4: /* an ACK */
        z->slot->kind = CG_MSG_ACK;
        peer_pass(z, z->me);
        return;
    default: { /* a turn value: the slot as it is, a dead slot or garbage */
        static const uint32_t turns[] = {0, CG_TURN_DEAD, 4, 0x80000001u, UINT32_MAX};
        uint8_t t = u8(&z->in);
        if (t < 128) {
            peer_pass(z, z->me); /* hand back the side's own header */
            return;
        }
        atomic_store(&z->slot->turn, turns[t % (sizeof turns / sizeof turns[0])]);
        cg_futex_wake(&z->slot->turn, INT_MAX);
        return;
    }
    }
}

/* The peer's move, when the side waits for it. Every path leaves the turn
 * with the side, or dead, or garbage. */
static void peer_turn(struct fz *z)
{
    if (atomic_load(&z->slot->turn) != z->peer)
        return;
    bool wants_ack = peer_observe(z);
    if (wants_ack && z->auto_ack) {
        z->slot->kind = CG_MSG_ACK;
        peer_pass(z, z->me);
        return;
    }
    if (z->out.active) {
        if (z->rx_active) {
            peer_out_next(z);
            return;
        }
        z->out.active = false; /* the side broke off */
    }
    if (z->in.n == 0) {
        mark_dead(z);
        return;
    }
    peer_step(z);
}

/* The run in progress (its slot's turn word is the one syscall() watches). */
static struct fz *g_z;

/* The channel's futex calls come here (futex.h uses syscall()). A wait on
 * the turn word while it is the peer's turn is the peer's move; wakes of
 * it are not needed. Anything else goes to the C library. */
long syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    struct fz *z = g_z;
    if (nr == SYS_futex && z != NULL && (void *)a[0] == (void *)&z->slot->turn) {
        int cmd = (int)a[1] & 0x7f;
        if (cmd == 0 /* FUTEX_WAIT */ || cmd == 9 /* FUTEX_WAIT_BITSET */) {
            if (atomic_load(&z->slot->turn) != (uint32_t)a[2]) {
                errno = EAGAIN;
                return -1;
            }
            peer_turn(z);
            return 0;
        }
        if (cmd == 1 /* FUTEX_WAKE */ || cmd == 10 /* FUTEX_WAKE_BITSET */)
            return 0;
    }
    static long (*real)(long, ...);
    if (real == NULL)
        real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    CHECK(real != NULL);
    return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- the side under test -------------------------------------------- */

static cc_enclave_result_t do_call(struct fz *z, uint32_t fn, size_t len, unsigned niov);

/* FZ_WINDOW_TRACE=1 in the environment: print each call's outcome. */
static bool g_trace;

static cc_enclave_result_t dispatch(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    struct fz *z = ctx;
    CHECK(in != NULL || in_len == 0);
    CHECK(z->ch.max_in == 0 || in_len <= z->ch.max_in);
    if (z->sh_valid) {
        CHECK(z->sh_kind == z->peer_req);
        CHECK(fn == z->sh_fn);
        CHECK(in_len == z->sh_total);
        CHECK(in_len == 0 || memcmp(in, z->shadow, in_len) == 0);
    }
    uint8_t a = u8(&z->in);
    if ((a & 8) && z->depth < 3) {
        /* a nested call on the same slot (the host's OCALL making an ECALL) */
        uint32_t fn2 = u8(&z->in);
        size_t len2 = (size_t)u8(&z->in) * 67u;
        z->depth++;
        cc_enclave_result_t rc = do_call(z, fn2, len2, 1 + a % 3);
        z->depth--;
        if (rc != CC_SUCCESS && z->me == CG_TURN_HOST) {
            /* what host_ecall() does: the enclave is lost */
            mark_dead(z);
            return CC_ERROR_ENCLAVE_LOST;
        }
    }
    switch (a & 3) {
    case 0: { /* a response */
        size_t len = (size_t)u8(&z->in) * 67u * (((a >> 4) & 3) + 1);
        out->buf = cg_msg_alloc(len);
        CHECK(out->buf != NULL);
        fill_pat(out->buf, len, fn, 0);
        out->len = len;
        return CC_SUCCESS;
    }
    case 1: /* an error, with a buffer the channel must drop */
        out->buf = cg_msg_alloc(16);
        out->len = 16;
        return CC_FAIL;
    case 2: /* a length without a buffer: unsendable */
        out->buf = NULL;
        out->len = 5;
        return CC_SUCCESS;
    default: /* too long to send */
        out->buf = cg_msg_alloc(8);
        out->len = CG_MAX_MESSAGE + 1;
        return CC_SUCCESS;
    }
}

static cc_enclave_result_t do_call(struct fz *z, uint32_t fn, size_t len, unsigned niov)
{
    uint8_t *req = malloc(len ? len : 1);
    fill_pat(req, len, fn, 0);
    cg_iov_t iov[3];
    size_t a = niov > 1 ? len / 3 : len, b = niov > 2 ? len / 2 : len;
    iov[0] = (cg_iov_t){req, a};
    iov[1] = (cg_iov_t){req + a, b - a};
    iov[2] = (cg_iov_t){req + b, len - b};
    cg_msg_t resp = {(uint8_t *)1, 1};
    uint32_t st = 0xdeadbeef;
    cc_enclave_result_t rc = cg_chan_call(&z->ch, z->req_kind, fn, iov, niov, &resp, &st, dispatch, z);
    CHECK(rc != CC_ERROR_BAD_PARAMETERS); /* the request always fits */
    if (rc == CC_SUCCESS) {
        CHECK(resp.buf != NULL || resp.len == 0);
        CHECK(z->ch.max_in == 0 || resp.len <= z->ch.max_in);
        if (z->sh_valid) {
            CHECK(z->sh_kind == z->ret_kind);
            CHECK(st == z->sh_status);
            CHECK(resp.len == z->sh_total);
            CHECK(resp.len == 0 || memcmp(resp.buf, z->shadow, resp.len) == 0);
        }
    } else {
        CHECK(resp.buf == NULL && resp.len == 0);
    }
    if (g_trace)
        fprintf(stderr, "call depth %d fn %u len %zu: rc %#x status %#x resp %zu\n", z->depth, fn, len, (unsigned)rc,
                (unsigned)st, resp.len);
    cg_msg_free(resp.buf);
    free(req);
    return rc;
}

static uint8_t *g_shadow;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {CG_MIN_SLOT_DATA, CG_MIN_SLOT_DATA + 1, 5000, 8192,
                                  CG_MIN_SLOT_DATA, 12288,                65536, (size_t)1 << 20};
    if (g_shadow == NULL) {
        g_shadow = malloc(FZ_MAX_ALLOC);
        g_trace = getenv("FZ_WINDOW_TRACE") != NULL;
    }

    struct fz z;
    memset(&z, 0, sizeof z);
    z.in = (struct rd){data, size};
    uint8_t c0 = u8(&z.in), fn = u8(&z.in), req_len = u8(&z.in), c3 = u8(&z.in);
    z.me = c0 & 1 ? CG_TURN_ENCLAVE : CG_TURN_HOST;
    z.peer = z.me == CG_TURN_HOST ? CG_TURN_ENCLAVE : CG_TURN_HOST;
    z.req_kind = z.me == CG_TURN_HOST ? CG_MSG_ECALL : CG_MSG_OCALL;
    z.ret_kind = z.req_kind + 1;
    z.peer_req = z.me == CG_TURN_HOST ? CG_MSG_OCALL : CG_MSG_ECALL;
    z.peer_ret = z.peer_req + 1;
    z.auto_ack = (c0 & 2) != 0;
    z.shadow = g_shadow;

    /* A window with one slot, exactly as large as it must be. */
    size_t cap = caps[(c0 >> 3) & 7];
    uint64_t slot_size = CG_SLOT_HDR_SIZE + cap, wsize = CG_PAGE_SIZE + slot_size;
    /* one allocation per capacity, kept (no page faults on every run) and
     * cleared: ASan's redzone still starts right after the slot's data */
    static uint8_t *windows[8];
    uint8_t **wp = &windows[(c0 >> 3) & 7];
    if (*wp == NULL)
        *wp = malloc(wsize);
    uint8_t *w = *wp;
    memset(w, 0, wsize);
    struct cg_window_hdr *h = (struct cg_window_hdr *)w;
    h->magic = CG_WINDOW_MAGIC;
    h->version = CG_WINDOW_VERSION;
    h->nslots = 1;
    h->slot_size = slot_size;
    h->slot_offset = CG_PAGE_SIZE;
    h->total_size = wsize;
    CHECK(cg_chan_init(&z.ch, w, wsize, 0, z.me) == 0);
    CHECK(z.ch.cap == cap);
    z.ch.spin = (c0 & 4) ? 1 : 0; /* sleep at once: fewer timing-dependent paths */
    if (c0 & 0x40)
        z.ch.grow = !z.ch.grow; /* the host grows its buffer, the enclave does not: both ways */
    static const uint64_t max_in[] = {0, 65536, 0, 0};
    z.ch.max_in = max_in[(c3 >> 4) & 3];
    if (((c3 >> 4) & 3) == 2)
        z.ch.max_in = 3 * (uint64_t)cap + 1;
    else if (((c3 >> 4) & 3) == 3)
        z.ch.max_in = CG_CHAN_PREALLOC + cap; /* growth needed, then a bound */
    z.slot = z.ch.slot;
    z.data = z.ch.data;
    z.cap = cap;
    atomic_store(&z.slot->turn, z.me);

    g_z = &z;
    do_call(&z, fn, (size_t)req_len * 67u * ((c3 & 3) + 1), 1 + ((c3 >> 2) & 3) % 3);
    mark_dead(&z);
    g_z = NULL;
    return 0;
}
