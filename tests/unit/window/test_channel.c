/*
 * test_channel.c - unit tests of the call-window channel (src/window/channel.c).
 *
 * The window lives in a memfd laid out as window.h describes, exactly as the
 * host runtime builds it. One side plays the host (CG_TURN_HOST) and the
 * other the enclave (CG_TURN_ENCLAVE), in two threads or in two processes.
 * The "hostile peer" tests write slot headers by hand and flip the turn.
 *
 * The single slot of the hostile tests is the last thing in its mapping and
 * is followed by a PROT_NONE guard page, so a read or write past the slot's
 * data area faults; buffers the channel mallocs are checked by ASan.
 *
 * Synchronisation is always by the turn word (futex) or by joining; there
 * are no sleeps and no timing assertions. cmocka assertions run only on the
 * main thread; helper threads report through return values.
 *
 * Usage: unit_channel            the regular tests
 *        unit_channel unsendable tests of behaviour that is known to be wrong
 *                                (registered with WILL_FAIL; see README note
 *                                in tests/unit/CMakeLists.txt)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "futex.h"
#include "window.h"

#define MIB ((size_t)1 << 20)

/* ------------------------------------------------------------------------ */
/* the window                                                               */

struct win {
    int fd;
    uint8_t *base;   /* the window */
    size_t size;     /* bytes of window */
    size_t reserved; /* window + guard page */
    uint32_t nslots;
    uint64_t slot_size;
};

static void win_open(struct win *w, uint32_t nslots, uint32_t slot_data)
{
    memset(w, 0, sizeof(*w));
    w->size = (size_t)cg_window_size(nslots, slot_data);
    w->slot_size = (w->size - CG_PAGE_SIZE) / nslots;
    w->nslots = nslots;
    w->reserved = w->size + CG_PAGE_SIZE;
    w->fd = memfd_create("unit-window", MFD_CLOEXEC);
    assert_true(w->fd >= 0);
    assert_int_equal(ftruncate(w->fd, (off_t)w->size), 0);
    /* Reserve window + guard, then put the memfd over all but the guard. */
    void *res = mmap(NULL, w->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(res != MAP_FAILED);
    void *b = mmap(res, w->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, w->fd, 0);
    assert_true(b == res);
    w->base = b;

    struct cg_window_hdr *h = (struct cg_window_hdr *)w->base;
    h->magic = CG_WINDOW_MAGIC;
    h->version = CG_WINDOW_VERSION;
    h->nslots = nslots;
    h->flags = 0;
    h->slot_size = w->slot_size;
    h->slot_offset = CG_PAGE_SIZE;
    h->total_size = w->size;
    atomic_store(&h->state, CG_STATE_BOOT);
    for (uint32_t i = 0; i < nslots; i++) {
        struct cg_slot_hdr *s = (struct cg_slot_hdr *)(w->base + CG_PAGE_SIZE + i * w->slot_size);
        atomic_store(&s->turn, CG_TURN_HOST);
    }
}

static void win_close(struct win *w)
{
    munmap(w->base, w->reserved);
    close(w->fd);
}

static void chan_open(struct cg_chan *ch, struct win *w, uint32_t index, uint32_t me)
{
    assert_int_equal(cg_chan_init(ch, w->base, w->size, index, me), 0);
}

static void mark_dead(struct cg_chan *ch)
{
    atomic_store(&ch->slot->turn, CG_TURN_DEAD);
    cg_futex_wake(&ch->slot->turn, INT_MAX);
}

/* Block until the slot's turn is @want (or DEAD). Returns the value seen. */
static uint32_t wait_turn(struct cg_slot_hdr *s, uint32_t want)
{
    for (;;) {
        uint32_t v = atomic_load(&s->turn);
        if (v == want || v == CG_TURN_DEAD)
            return v;
        /* the window protocol: announce the sleep, so the peer wakes us */
        atomic_fetch_add(&s->sleepers, 1);
        if (atomic_load(&s->turn) == v)
            cg_futex_wait(&s->turn, v, NULL);
        atomic_fetch_sub(&s->sleepers, 1);
    }
}

/* Position-dependent test bytes. */
static inline uint8_t pat(uint64_t i, uint32_t seed)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull + seed * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    return (uint8_t)(x ^ (x >> 13));
}

static uint8_t *pat_buf(size_t len, uint32_t seed)
{
    uint8_t *b = malloc(len ? len : 1);
    assert_non_null(b);
    for (size_t i = 0; i < len; i++)
        b[i] = pat(i, seed);
    return b;
}

/* ------------------------------------------------------------------------ */
/* the two sides: a small set of functions both sides serve                 */

enum {
    FN_ECHO = 1,      /* response = request */
    FN_FAIL = 2,      /* dispatch fails with CC_ERROR_BAD_PARAMETERS (sets a body that must be dropped) */
    FN_NEST = 3,      /* request [depth][trace]: call the peer with depth-1 until 0 */
    FN_NEST_FAIL = 4, /* call the peer's FN_FAIL, return its status */
    FN_BIGRESP = 5,   /* dispatch "succeeds" with a response larger than CG_MAX_MESSAGE */
    FN_NULLRESP = 6,  /* dispatch "succeeds" with {NULL, 5} */
    FN_CALL_PEER = 7, /* request [u32 fn]: call the peer's fn, return its status */
    FN_STOP = 99      /* the server loop ends after answering */
};

struct side {
    struct cg_chan ch;
    uint32_t call_kind;   /* what this side sends to make a call: ECALL or OCALL */
    char tag;             /* appended to the FN_NEST trace on the way in */
    atomic_int nested_rc; /* first failure seen inside a nested call */
};

static cc_enclave_result_t dispatch(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out);

static void note_failure(struct side *sd, cc_enclave_result_t rc)
{
    int zero = 0;
    atomic_compare_exchange_strong(&sd->nested_rc, &zero, (int)rc);
}

static cc_enclave_result_t do_nest(struct side *sd, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    if (in_len < 1)
        return CC_ERROR_BAD_FORMAT;
    uint8_t depth = in[0];
    size_t tlen = in_len - 1;
    if (depth == 0) { /* leaf: trace + '!' */
        out->buf = malloc(tlen + 1);
        if (out->buf == NULL)
            return CC_ERROR_OUT_OF_MEMORY;
        memcpy(out->buf, in + 1, tlen);
        out->buf[tlen] = '!';
        out->len = tlen + 1;
        return CC_SUCCESS;
    }
    uint8_t d = (uint8_t)(depth - 1);
    char tag = sd->tag;
    cg_iov_t iov[3] = {{&d, 1}, {in + 1, tlen}, {&tag, 1}};
    cg_msg_t resp;
    uint32_t st = 12345;
    cc_enclave_result_t rc = cg_chan_call(&sd->ch, sd->call_kind, FN_NEST, iov, 3, &resp, &st, dispatch, sd);
    if (rc != CC_SUCCESS) {
        note_failure(sd, rc);
        return rc;
    }
    if (st != CC_SUCCESS) {
        free(resp.buf);
        note_failure(sd, (cc_enclave_result_t)st);
        return (cc_enclave_result_t)st;
    }
    /* on the way out: response + lower-case tag */
    out->buf = malloc(resp.len + 1);
    if (out->buf == NULL) {
        free(resp.buf);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    memcpy(out->buf, resp.buf, resp.len);
    out->buf[resp.len] = (uint8_t)(tag - 'A' + 'a');
    out->len = resp.len + 1;
    free(resp.buf);
    return CC_SUCCESS;
}

static cc_enclave_result_t call_peer_status(struct side *sd, uint32_t fn)
{
    cg_msg_t resp;
    uint32_t st = 12345;
    cc_enclave_result_t rc = cg_chan_call(&sd->ch, sd->call_kind, fn, NULL, 0, &resp, &st, dispatch, sd);
    if (rc != CC_SUCCESS) {
        note_failure(sd, rc);
        return rc;
    }
    if (resp.len != 0) /* an error response must have an empty body */
        st = CC_ERROR_EXCESS_DATA;
    free(resp.buf);
    return (cc_enclave_result_t)st;
}

static cc_enclave_result_t dispatch(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    struct side *sd = ctx;
    switch (fn) {
    case FN_ECHO:
    case FN_STOP:
        out->buf = malloc(in_len ? in_len : 1);
        if (out->buf == NULL)
            return CC_ERROR_OUT_OF_MEMORY;
        if (in_len)
            memcpy(out->buf, in, in_len);
        out->len = in_len;
        return CC_SUCCESS;
    case FN_FAIL:
        /* a body set by a failing stub must not reach the caller */
        out->buf = malloc(16);
        if (out->buf != NULL) {
            memset(out->buf, 'x', 16);
            out->len = 16;
        }
        return CC_ERROR_BAD_PARAMETERS;
    case FN_NEST:
        return do_nest(sd, in, in_len, out);
    case FN_NEST_FAIL: {
        cc_enclave_result_t st = call_peer_status(sd, FN_FAIL);
        out->buf = malloc(4);
        if (out->buf != NULL) {
            memcpy(out->buf, "body", 4);
            out->len = 4;
        }
        return st;
    }
    case FN_BIGRESP:
        out->buf = malloc(1);
        out->len = CG_MAX_MESSAGE + 1;
        return out->buf ? CC_SUCCESS : CC_ERROR_OUT_OF_MEMORY;
    case FN_NULLRESP:
        out->buf = NULL;
        out->len = 5;
        return CC_SUCCESS;
    case FN_CALL_PEER: {
        uint32_t f;
        if (in_len != sizeof(f))
            return CC_ERROR_BAD_FORMAT;
        memcpy(&f, in, sizeof(f));
        return call_peer_status(sd, f);
    }
    default:
        return CC_ERROR_ITEM_NOT_FOUND;
    }
}

/* The enclave side's loop: serve ECALLs until FN_STOP. Returns 0 after a
 * clean stop, else the transport error. */
static cc_enclave_result_t serve_loop(struct side *sd)
{
    for (;;) {
        cc_enclave_result_t rc = cg_chan_wait(&sd->ch);
        if (rc != CC_SUCCESS)
            return rc;
        uint32_t kind, fn, st;
        cg_msg_t m;
        rc = cg_chan_recv(&sd->ch, &kind, &fn, &st, &m);
        if (rc != CC_SUCCESS)
            return rc;
        if (kind != CG_MSG_ECALL) {
            free(m.buf);
            return CC_ERROR_PROTOCOL;
        }
        rc = cg_chan_serve(&sd->ch, CG_MSG_ECALL_RET, fn, &m, dispatch, sd);
        if (rc != CC_SUCCESS)
            return rc;
        if (fn == FN_STOP)
            return CC_SUCCESS;
    }
}

static void *serve_thread(void *arg)
{
    struct side *sd = arg;
    return (void *)(uintptr_t)serve_loop(sd);
}

static void side_init(struct side *sd, struct win *w, uint32_t index, uint32_t me)
{
    memset(sd, 0, sizeof(*sd));
    chan_open(&sd->ch, w, index, me);
    sd->call_kind = me == CG_TURN_HOST ? CG_MSG_ECALL : CG_MSG_OCALL;
    sd->tag = me == CG_TURN_HOST ? 'H' : 'E';
    atomic_init(&sd->nested_rc, 0);
}

struct enclave_thread {
    struct side sd;
    pthread_t th;
};

static void enclave_start(struct enclave_thread *et, struct win *w, uint32_t index)
{
    side_init(&et->sd, w, index, CG_TURN_ENCLAVE);
    assert_int_equal(pthread_create(&et->th, NULL, serve_thread, &et->sd), 0);
}

/* Stop the enclave thread with FN_STOP from host side @h and join it. */
static void enclave_stop(struct enclave_thread *et, struct side *h)
{
    cg_msg_t resp;
    uint32_t st = 1;
    assert_int_equal(cg_chan_call(&h->ch, CG_MSG_ECALL, FN_STOP, NULL, 0, &resp, &st, dispatch, h), CC_SUCCESS);
    assert_int_equal(st, CC_SUCCESS);
    assert_int_equal(resp.len, 0);
    free(resp.buf);
    void *ret;
    assert_int_equal(pthread_join(et->th, &ret), 0);
    assert_int_equal((uintptr_t)ret, CC_SUCCESS);
    assert_int_equal(atomic_load(&et->sd.nested_rc), 0);
}

/* ------------------------------------------------------------------------ */
/* echo round trips                                                         */

/* Send src[0..len) cut into segments per @layout, check the echo. */
enum layout { ONE_SEGMENT, MANY_SEGMENTS };

static void echo_check(struct side *h, const uint8_t *src, size_t len, enum layout layout)
{
    cg_iov_t iov[10];
    size_t niov = 0;
    if (layout == ONE_SEGMENT) {
        iov[niov++] = (cg_iov_t){src, len};
    } else {
        /* zero-length segments (one with a NULL base) between real ones */
        size_t cuts[] = {0, 1, 0, h->ch.cap - 1, 7, 0, SIZE_MAX, 0};
        size_t off = 0;
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
            size_t n = cuts[i] == SIZE_MAX ? len - off : cuts[i];
            if (n > len - off)
                n = len - off;
            iov[niov++] = (cg_iov_t){(i == 5 && n == 0) ? NULL : src + off, n};
            off += n;
        }
        assert_int_equal(off, len);
    }
    cg_msg_t resp = {(uint8_t *)1, 99};
    uint32_t st = 12345;
    assert_int_equal(cg_chan_call(&h->ch, CG_MSG_ECALL, FN_ECHO, iov, niov, &resp, &st, dispatch, h), CC_SUCCESS);
    assert_int_equal(st, CC_SUCCESS);
    assert_int_equal(resp.len, len);
    assert_non_null(resp.buf);
    assert_int_equal((uintptr_t)resp.buf % 16, 0);
    if (len)
        assert_true(memcmp(resp.buf, src, len) == 0);
    free(resp.buf);
    /* the turn is back with the host */
    assert_int_equal(atomic_load(&h->ch.slot->turn), CG_TURN_HOST);
}

static void round_trips(uint32_t slot_data)
{
    struct win w;
    win_open(&w, 1, slot_data);
    struct side h;
    side_init(&h, &w, 0, CG_TURN_HOST);
    struct enclave_thread et;
    enclave_start(&et, &w, 0);

    size_t cap = h.ch.cap;
    assert_int_equal(cap, w.slot_size - CG_SLOT_HDR_SIZE);
    size_t sizes[] = {0, 1, cap - 1, cap, cap + 1, 3 * cap + 5, 64 * MIB};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *src = pat_buf(sizes[i], (uint32_t)i);
        echo_check(&h, src, sizes[i], ONE_SEGMENT);
        echo_check(&h, src, sizes[i], MANY_SEGMENTS);
        free(src);
    }
    enclave_stop(&et, &h);
    win_close(&w);
}

static void test_round_trip_threads_min_slot(void **state)
{
    (void)state;
    round_trips(CG_MIN_SLOT_DATA);
}

static void test_round_trip_threads_default_slot(void **state)
{
    (void)state;
    round_trips(CG_DEFAULT_SLOT_DATA);
}

/* An empty message from a NULL iov list. */
static void test_round_trip_no_iov(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct side h;
    side_init(&h, &w, 0, CG_TURN_HOST);
    struct enclave_thread et;
    enclave_start(&et, &w, 0);
    cg_msg_t resp;
    uint32_t st = 1;
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_ECHO, NULL, 0, &resp, &st, dispatch, &h), CC_SUCCESS);
    assert_int_equal(st, CC_SUCCESS);
    assert_int_equal(resp.len, 0);
    free(resp.buf);
    /* an unknown function: the dispatch status arrives, body empty */
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, 4242, NULL, 0, &resp, &st, dispatch, &h), CC_SUCCESS);
    assert_int_equal(st, CC_ERROR_ITEM_NOT_FOUND);
    assert_int_equal(resp.len, 0);
    free(resp.buf);
    enclave_stop(&et, &h);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* two processes                                                            */

static void test_round_trip_processes(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 2, CG_DEFAULT_SLOT_DATA);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child maps the memfd on its own, like the enclave process, and
         * serves both slots (one thread each). */
        void *b = mmap(NULL, w.size, PROT_READ | PROT_WRITE, MAP_SHARED, w.fd, 0);
        if (b == MAP_FAILED)
            _exit(10);
        static struct side sd[2];
        pthread_t th[2];
        for (uint32_t i = 0; i < 2; i++) {
            memset(&sd[i], 0, sizeof(sd[i]));
            if (cg_chan_init(&sd[i].ch, b, w.size, i, CG_TURN_ENCLAVE) != 0)
                _exit(11);
            sd[i].call_kind = CG_MSG_OCALL;
            sd[i].tag = 'E';
            if (pthread_create(&th[i], NULL, serve_thread, &sd[i]) != 0)
                _exit(12);
        }
        int bad = 0;
        for (uint32_t i = 0; i < 2; i++) {
            void *ret;
            pthread_join(th[i], &ret);
            if ((uintptr_t)ret != CC_SUCCESS || atomic_load(&sd[i].nested_rc) != 0)
                bad = 1;
        }
        _exit(bad ? 13 : 0);
    }

    struct side h[2];
    for (uint32_t i = 0; i < 2; i++)
        side_init(&h[i], &w, i, CG_TURN_HOST);
    size_t cap = h[0].ch.cap;
    size_t sizes[] = {0, 1, cap - 1, cap, cap + 1, 3 * cap + 5, 64 * MIB};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *src = pat_buf(sizes[i], (uint32_t)(100 + i));
        echo_check(&h[i % 2], src, sizes[i], ONE_SEGMENT);
        echo_check(&h[(i + 1) % 2], src, sizes[i], MANY_SEGMENTS);
        free(src);
    }
    /* nested calls across the processes too */
    uint8_t req[] = {3};
    cg_iov_t iov = {req, 1};
    cg_msg_t resp;
    uint32_t st = 1;
    assert_int_equal(cg_chan_call(&h[1].ch, CG_MSG_ECALL, FN_NEST, &iov, 1, &resp, &st, dispatch, &h[1]),
                     CC_SUCCESS);
    assert_int_equal(st, CC_SUCCESS);
    assert_int_equal(resp.len, 7);
    assert_memory_equal(resp.buf, "EHE!ehe", 7);
    free(resp.buf);

    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(cg_chan_call(&h[i].ch, CG_MSG_ECALL, FN_STOP, NULL, 0, &resp, &st, dispatch, &h[i]),
                         CC_SUCCESS);
        free(resp.buf);
    }
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFEXITED(wst));
    assert_int_equal(WEXITSTATUS(wst), 0);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* nested calls and statuses                                                */

static void nest_check(struct side *h, uint8_t depth, const char *want)
{
    cg_iov_t iov = {&depth, 1};
    cg_msg_t resp;
    uint32_t st = 1;
    assert_int_equal(cg_chan_call(&h->ch, CG_MSG_ECALL, FN_NEST, &iov, 1, &resp, &st, dispatch, h), CC_SUCCESS);
    assert_int_equal(st, CC_SUCCESS);
    assert_int_equal(resp.len, strlen(want));
    assert_memory_equal(resp.buf, want, strlen(want));
    free(resp.buf);
}

static void test_nested_calls(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct side h;
    side_init(&h, &w, 0, CG_TURN_HOST);
    struct enclave_thread et;
    enclave_start(&et, &w, 0);

    nest_check(&h, 0, "!");
    /* ECALL -> OCALL back -> leaf */
    nest_check(&h, 1, "E!e");
    /* ECALL -> OCALL -> nested ECALL from the host's OCALL dispatch -> OCALL */
    nest_check(&h, 3, "EHE!ehe");
    nest_check(&h, 8, "EHEHEHEH!hehehehe");

    /* a dispatch failure arrives as the status, with an empty body */
    cg_msg_t resp;
    uint32_t st = 1;
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_FAIL, NULL, 0, &resp, &st, dispatch, &h), CC_SUCCESS);
    assert_int_equal(st, CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(resp.len, 0);
    free(resp.buf);

    /* the host's OCALL dispatch fails: the enclave sees the status (and an
     * empty body), returns it as its own */
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_NEST_FAIL, NULL, 0, &resp, &st, dispatch, &h), CC_SUCCESS);
    assert_int_equal(st, CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(resp.len, 0);
    free(resp.buf);

    /* the enclave calls back an OCALL the host does not know */
    uint32_t f = 777;
    cg_iov_t iov = {&f, sizeof(f)};
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_CALL_PEER, &iov, 1, &resp, &st, dispatch, &h), CC_SUCCESS);
    assert_int_equal(st, CC_ERROR_ITEM_NOT_FOUND);
    assert_int_equal(resp.len, 0);
    free(resp.buf);

    /* ... and one the host knows but fails */
    f = FN_FAIL;
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_CALL_PEER, &iov, 1, &resp, &st, dispatch, &h), CC_SUCCESS);
    /* enclave FN_CALL_PEER(FN_FAIL) makes the OCALL FN_FAIL on the host */
    assert_int_equal(st, CC_ERROR_BAD_PARAMETERS);
    free(resp.buf);

    /* the statuses inside were all expected ones */
    atomic_store(&et.sd.nested_rc, 0);
    atomic_store(&h.nested_rc, 0);
    enclave_stop(&et, &h);
    win_close(&w);
}

/* A host with no dispatch function cannot take an OCALL: protocol error. */
static void test_ocall_without_dispatch(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct side h;
    side_init(&h, &w, 0, CG_TURN_HOST);
    struct enclave_thread et;
    enclave_start(&et, &w, 0);

    uint8_t depth = 1;
    cg_iov_t iov = {&depth, 1};
    cg_msg_t resp;
    uint32_t st = 1;
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_NEST, &iov, 1, &resp, &st, NULL, NULL), CC_ERROR_PROTOCOL);
    assert_null(resp.buf);
    assert_int_equal(resp.len, 0);
    /* the enclave thread still waits for its OCALL's answer: release it */
    mark_dead(&h.ch);
    void *ret;
    assert_int_equal(pthread_join(et.th, &ret), 0);
    assert_int_equal((uintptr_t)ret, CC_ERROR_ENCLAVE_LOST);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* concurrency                                                              */

#define CONC_SLOTS 4
#define CONC_THREADS 4
#define CONC_CALLS 500

struct pool {
    struct side host[CONC_SLOTS];
    pthread_mutex_t lock;
    pthread_cond_t freed;
    unsigned busy;
    atomic_int errors;
    atomic_int calls;
};

struct conc_arg {
    struct pool *p;
    uint32_t tid;
};

static void *conc_host(void *arg)
{
    struct conc_arg *a = arg;
    struct pool *p = a->p;
    size_t cap = p->host[0].ch.cap;
    uint8_t *buf = malloc(3 * cap + 16);
    if (buf == NULL) {
        atomic_fetch_add(&p->errors, 1);
        return NULL;
    }
    for (uint32_t i = 0; i < CONC_CALLS; i++) {
        size_t len = 8 + ((size_t)a->tid * 7919u + (size_t)i * 104729u) % (3 * cap);
        uint32_t seed = a->tid * 100000u + i;
        memcpy(buf, &a->tid, 4);
        memcpy(buf + 4, &i, 4);
        for (size_t k = 8; k < len; k++)
            buf[k] = pat(k, seed);

        pthread_mutex_lock(&p->lock);
        while (p->busy == (1u << CONC_SLOTS) - 1)
            pthread_cond_wait(&p->freed, &p->lock);
        unsigned slot = (unsigned)__builtin_ctz(~p->busy);
        p->busy |= 1u << slot;
        pthread_mutex_unlock(&p->lock);

        struct side *h = &p->host[slot];
        cg_iov_t iov[2] = {{buf, 8}, {buf + 8, len - 8}};
        cg_msg_t resp;
        uint32_t st = 1;
        cc_enclave_result_t rc = cg_chan_call(&h->ch, CG_MSG_ECALL, FN_ECHO, iov, 2, &resp, &st, dispatch, h);
        if (rc != CC_SUCCESS || st != CC_SUCCESS || resp.len != len || memcmp(resp.buf, buf, len) != 0)
            atomic_fetch_add(&p->errors, 1);
        free(resp.buf);
        atomic_fetch_add(&p->calls, 1);

        pthread_mutex_lock(&p->lock);
        p->busy &= ~(1u << slot);
        pthread_cond_signal(&p->freed);
        pthread_mutex_unlock(&p->lock);
    }
    free(buf);
    return NULL;
}

static void test_concurrency(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, CONC_SLOTS, CG_MIN_SLOT_DATA);
    static struct pool p;
    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.freed, NULL);
    atomic_init(&p.errors, 0);
    atomic_init(&p.calls, 0);
    static struct enclave_thread et[CONC_SLOTS];
    for (uint32_t i = 0; i < CONC_SLOTS; i++) {
        side_init(&p.host[i], &w, i, CG_TURN_HOST);
        enclave_start(&et[i], &w, i);
    }
    pthread_t th[CONC_THREADS];
    struct conc_arg args[CONC_THREADS];
    for (uint32_t t = 0; t < CONC_THREADS; t++) {
        args[t] = (struct conc_arg){&p, t};
        assert_int_equal(pthread_create(&th[t], NULL, conc_host, &args[t]), 0);
    }
    for (uint32_t t = 0; t < CONC_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(atomic_load(&p.errors), 0);
    assert_int_equal(atomic_load(&p.calls), CONC_THREADS * CONC_CALLS);
    for (uint32_t i = 0; i < CONC_SLOTS; i++)
        enclave_stop(&et[i], &p.host[i]);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.freed);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* hostile peer                                                             */

struct chunk {
    uint32_t kind;
    uint64_t total, offset, len;
    size_t fill; /* bytes of data[] to fill with pat(offset + i) (<= cap) */
};

/* The status put_chunk() writes (a refusal's error). */
static uint32_t refusal_status;

static void put_chunk(struct cg_chan *ch, const struct chunk *c, uint32_t seed)
{
    struct cg_slot_hdr *s = ch->slot;
    s->kind = c->kind;
    s->fn = 42;
    s->status = refusal_status;
    s->total = c->total;
    s->offset = c->offset;
    s->len = c->len;
    for (size_t i = 0; i < c->fill && i < ch->cap; i++)
        ch->data[i] = pat(c->offset + i, seed);
}

static void *script_thread(void *arg);

/* A scripted peer for chunked transfers: each step waits for the turn to
 * come to the peer, checks the receiver acknowledged, writes the chunk and
 * hands the turn back. A step with turn != 0 stores that turn value instead
 * of the receiver's (DEAD, garbage). Stops when the slot goes DEAD. */
struct step {
    struct chunk c;
    uint32_t turn;
};

struct script {
    struct cg_chan *peer;
    uint32_t rx_turn;
    const struct step *steps;
    size_t nsteps;
    uint32_t seed;
    atomic_int acks_ok;
    atomic_int acks_bad;
    atomic_int done;
    atomic_int extra; /* turns received after the last step */
};

/* Single-chunk headers a receiver must refuse. The receiver is side @me. */
static void hostile_first_chunks(uint32_t me)
{
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan rx, peer;
    chan_open(&rx, &w, 0, me);
    chan_open(&peer, &w, 0, me == CG_TURN_HOST ? CG_TURN_ENCLAVE : CG_TURN_HOST);
    uint64_t cap = rx.cap;
    uint32_t req = me == CG_TURN_HOST ? CG_MSG_OCALL : CG_MSG_ECALL;
    const struct chunk bad[] = {
        {req, cap + 1, 0, cap + 1, 0},                   /* len > cap */
        {req, UINT64_MAX, 0, UINT64_MAX, 0},             /* len > cap, huge */
        {req, 5, 0, 10, 10},                             /* len > total */
        {req, 0, 0, 1, 1},                               /* len > total (empty message) */
        {req, 100, 1, 99, 99},                           /* offset != 0 */
        {req, 100, UINT64_MAX, 100, 100},                /* offset != 0 */
        {req, (uint64_t)CG_MAX_MESSAGE + 1, 0, cap, cap}, /* total > CG_MAX_MESSAGE */
        {req, UINT64_MAX, 0, cap, cap},                  /* total > CG_MAX_MESSAGE */
        {0, 10, 0, 10, 10},                              /* unknown kinds */
        {CG_MSG_ACK, 10, 0, 10, 10},
        {6, 10, 0, 10, 10},
        {UINT32_MAX, 10, 0, 10, 10},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put_chunk(&peer, &bad[i], 7);
        atomic_store(&rx.slot->turn, me);
        assert_int_equal(cg_chan_wait(&rx), CC_SUCCESS);
        /* a peer with nothing to say: if the receiver acknowledges the
         * chunk (it should refuse it), the slot dies instead of hanging */
        static struct script sc;
        memset(&sc, 0, sizeof(sc));
        sc.peer = &peer;
        sc.rx_turn = me;
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, script_thread, &sc), 0);
        uint32_t kind = 0xdead, fn = 0xdead, st = 0xdead;
        cg_msg_t m = {(uint8_t *)1, 1};
        cc_enclave_result_t rc = cg_chan_recv(&rx, &kind, &fn, &st, &m);
        uint32_t after = atomic_load(&rx.slot->turn);
        mark_dead(&rx);
        assert_int_equal(pthread_join(th, NULL), 0);
        free(rc == CC_SUCCESS ? m.buf : NULL);
        if (rc != CC_ERROR_PROTOCOL)
            fail_msg("bad chunk %zu accepted (rc %#x)", i, (unsigned)rc);
        atomic_store(&rx.slot->turn, after);
        assert_null(m.buf);
        assert_int_equal(m.len, 0);
        assert_int_equal(kind, 0xdead); /* outputs untouched on failure */
        /* the turn stays with the receiver: no ACK sent */
        assert_int_equal(atomic_load(&rx.slot->turn), me);
    }

    /* positive control: the same hand-written path with a valid header */
    struct chunk ok = {req, 100, 0, 100, 100};
    put_chunk(&peer, &ok, 9);
    uint32_t kind, fn, st;
    cg_msg_t m;
    assert_int_equal(cg_chan_recv(&rx, &kind, &fn, &st, &m), CC_SUCCESS);
    assert_int_equal(kind, req);
    assert_int_equal(fn, 42);
    assert_int_equal(m.len, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(m.buf[i], pat(i, 9));
    free(m.buf);
    /* a valid full-capacity chunk, reaching the guard page exactly */
    struct chunk full = {req, cap, 0, cap, cap};
    put_chunk(&peer, &full, 10);
    assert_int_equal(cg_chan_recv(&rx, &kind, &fn, &st, &m), CC_SUCCESS);
    assert_int_equal(m.len, cap);
    assert_int_equal(m.buf[cap - 1], pat(cap - 1, 10));
    free(m.buf);
    win_close(&w);
}

static void test_hostile_first_chunk_enclave_rx(void **state)
{
    (void)state;
    hostile_first_chunks(CG_TURN_ENCLAVE);
}

static void test_hostile_first_chunk_host_rx(void **state)
{
    (void)state;
    hostile_first_chunks(CG_TURN_HOST);
}

static void test_hostile_garbage_turn(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan h, e;
    chan_open(&h, &w, 0, CG_TURN_HOST);
    chan_open(&e, &w, 0, CG_TURN_ENCLAVE);
    const uint32_t garbage[] = {0, 4, 77, 0x80000001u, UINT32_MAX};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        atomic_store(&h.slot->turn, garbage[i]);
        assert_int_equal(cg_chan_wait(&h), CC_ERROR_PROTOCOL);
        assert_int_equal(cg_chan_wait(&e), CC_ERROR_PROTOCOL);
        uint8_t b = 1;
        cg_iov_t iov = {&b, 1};
        assert_int_equal(cg_chan_send(&h, CG_MSG_ECALL, 1, 0, &iov, 1), CC_ERROR_PROTOCOL);
        assert_int_equal(atomic_load(&h.slot->turn), garbage[i]);
        cg_msg_t resp;
        uint32_t st;
        assert_int_equal(cg_chan_call(&e, CG_MSG_OCALL, 1, &iov, 1, &resp, &st, dispatch, NULL), CC_ERROR_PROTOCOL);
        assert_null(resp.buf);
        assert_int_equal(atomic_load(&h.slot->turn), garbage[i]);
    }
    win_close(&w);
}

/* The scripted peer (see struct step). */
static void *script_thread(void *arg)
{
    struct script *sc = arg;
    struct cg_slot_hdr *s = sc->peer->slot;
    for (size_t i = 0; i < sc->nsteps; i++) {
        if (wait_turn(s, sc->peer->me) != sc->peer->me)
            return NULL;
        if (s->kind == CG_MSG_ACK)
            atomic_fetch_add(&sc->acks_ok, 1);
        else
            atomic_fetch_add(&sc->acks_bad, 1);
        put_chunk(sc->peer, &sc->steps[i].c, sc->seed);
        atomic_fetch_add(&sc->done, 1);
        atomic_store(&s->turn, sc->steps[i].turn ? sc->steps[i].turn : sc->rx_turn);
        cg_futex_wake(&s->turn, INT_MAX);
    }
    /* The script is over. If the other side still hands us the turn (it
     * accepted a chunk it should have refused and wants more), end the
     * slot so that it returns instead of waiting forever. */
    if (wait_turn(s, sc->peer->me) == sc->peer->me) {
        atomic_fetch_add(&sc->extra, 1);
        atomic_store(&s->turn, CG_TURN_DEAD);
        cg_futex_wake(&s->turn, INT_MAX);
    }
    return NULL;
}

/* Receiver settings scripted_recv() applies (the host's bound and growth). */
static uint64_t g_rx_max_in;
static bool g_rx_grow;

/* The receiver gets @first, then the peer sends @steps. Returns recv's rc;
 * on success the message is in @m. */
static cc_enclave_result_t scripted_recv(struct win *w, const struct chunk *first, const struct step *steps,
                                         size_t nsteps, cg_msg_t *m, int *acks)
{
    struct cg_chan rx, peer;
    chan_open(&rx, w, 0, CG_TURN_ENCLAVE);
    chan_open(&peer, w, 0, CG_TURN_HOST);
    rx.max_in = g_rx_max_in;
    rx.grow = g_rx_grow;
    static struct script sc;
    memset(&sc, 0, sizeof(sc));
    sc.peer = &peer;
    sc.rx_turn = CG_TURN_ENCLAVE;
    sc.steps = steps;
    sc.nsteps = nsteps;
    sc.seed = 3;
    atomic_init(&sc.acks_ok, 0);
    atomic_init(&sc.acks_bad, 0);
    atomic_init(&sc.done, 0);

    put_chunk(&peer, first, sc.seed);
    atomic_store(&rx.slot->turn, CG_TURN_ENCLAVE);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, script_thread, &sc), 0);
    assert_int_equal(cg_chan_wait(&rx), CC_SUCCESS);
    uint32_t kind = 0, fn = 0, st = 0;
    cc_enclave_result_t rc = cg_chan_recv(&rx, &kind, &fn, &st, m);
    /* release the script if it still waits, then reset the slot */
    uint32_t after = atomic_load(&rx.slot->turn);
    mark_dead(&rx);
    assert_int_equal(pthread_join(th, NULL), 0);
    if (rc == CC_ERROR_PROTOCOL && steps[nsteps - 1].turn == 0)
        /* refused: every step was delivered and the turn stays with rx */
        assert_int_equal(after, CG_TURN_ENCLAVE);
    if (rc == CC_SUCCESS)
        assert_int_equal(kind, first->kind);
    assert_int_equal(atomic_load(&sc.acks_bad), 0);
    if (atomic_load(&sc.extra) != 0)
        fail_msg("the receiver asked for more chunks after the last one (recv rc %#x)", (unsigned)rc);
    *acks = atomic_load(&sc.acks_ok);
    atomic_store(&rx.slot->turn, CG_TURN_HOST);
    return rc;
}

static void test_hostile_follow_up_chunks(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    uint64_t cap = (uint64_t)w.slot_size - CG_SLOT_HDR_SIZE;
    uint64_t T = 2 * cap + 10;
    const uint32_t K = CG_MSG_ECALL;
    const struct chunk first = {K, T, 0, cap, cap};
    cg_msg_t m;
    int acks;

    /* positive control: cap, cap, 10 */
    const struct step good[] = {{{K, T, cap, cap, cap}, 0}, {{K, T, 2 * cap, 10, 10}, 0}};
    assert_int_equal(scripted_recv(&w, &first, good, 2, &m, &acks), CC_SUCCESS);
    assert_int_equal(acks, 2);
    assert_int_equal(m.len, T);
    for (uint64_t i = 0; i < T; i++)
        if (m.buf[i] != pat(i, 3))
            fail_msg("byte %llu differs", (unsigned long long)i);
    free(m.buf);

    /* positive control: uneven but valid chunking (a short first chunk) */
    const struct chunk first_short = {K, T, 0, 5, 5};
    const struct step uneven[] = {{{K, T, 5, cap, cap}, 0}, {{K, T, cap + 5, cap, cap}, 0}, {{K, T, 2 * cap + 5, 5, 5}, 0}};
    assert_int_equal(scripted_recv(&w, &first_short, uneven, 3, &m, &acks), CC_SUCCESS);
    assert_int_equal(m.len, T);
    for (uint64_t i = 0; i < T; i++)
        if (m.buf[i] != pat(i, 3))
            fail_msg("byte %llu differs", (unsigned long long)i);
    free(m.buf);

    const struct {
        const char *what;
        struct step s[2];
        size_t n;
        cc_enclave_result_t want;
    } cases[] = {
        {"different total (+1)", {{{K, T + 1, cap, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"different total (-1)", {{{K, T - 1, cap, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"different total (huge)", {{{K, UINT64_MAX, cap, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"offset rewinds to 0", {{{K, T, 0, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"offset skips ahead", {{{K, T, cap + 1, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"offset one short", {{{K, T, cap - 1, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"len 0", {{{K, T, cap, 0, 0}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"len > cap", {{{K, T, cap, cap + 1, 0}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"len huge", {{{K, T, cap, UINT64_MAX, 0}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"len past total", {{{K, T, cap, cap, cap}, 0}, {{K, T, 2 * cap, 11, 11}, 0}}, 2, CC_ERROR_PROTOCOL},
        {"different kind (OCALL)", {{{CG_MSG_OCALL, T, cap, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"different kind (ACK)", {{{CG_MSG_ACK, T, cap, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"different kind (garbage)", {{{0x1234, T, cap, cap, cap}, 0}}, 1, CC_ERROR_PROTOCOL},
        {"garbage turn", {{{K, T, cap, cap, cap}, 77}}, 1, CC_ERROR_PROTOCOL},
        {"peer dies mid-transfer", {{{K, T, cap, cap, cap}, 0}, {{K, T, 2 * cap, 10, 10}, CG_TURN_DEAD}}, 2,
         CC_ERROR_ENCLAVE_LOST},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        m.buf = (uint8_t *)1;
        m.len = 1;
        cc_enclave_result_t rc = scripted_recv(&w, &first, cases[i].s, cases[i].n, &m, &acks);
        if (rc != cases[i].want)
            fail_msg("%s: rc %#x, want %#x", cases[i].what, (unsigned)rc, (unsigned)cases[i].want);
        assert_null(m.buf);
        assert_int_equal(m.len, 0);
        assert_int_equal(acks, (int)cases[i].n);
    }
    win_close(&w);
}

/* The sender of a chunked message gets something else than an ACK. */
static void test_hostile_no_ack(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan tx, peer;
    chan_open(&tx, &w, 0, CG_TURN_ENCLAVE);
    chan_open(&peer, &w, 0, CG_TURN_HOST);
    size_t len = 2 * tx.cap + 1;
    uint8_t *src = pat_buf(len, 5);
    cg_iov_t iov = {src, len};
    const uint32_t not_ack[] = {CG_MSG_ECALL, CG_MSG_ECALL_RET, CG_MSG_OCALL, CG_MSG_OCALL_RET, 0, 77};
    for (size_t i = 0; i < sizeof(not_ack) / sizeof(not_ack[0]); i++) {
        static struct script sc;
        memset(&sc, 0, sizeof(sc));
        struct step st = {{not_ack[i], 0, 0, 0, 0}, 0};
        sc.peer = &peer;
        sc.rx_turn = CG_TURN_ENCLAVE;
        sc.steps = &st;
        sc.nsteps = 1;
        atomic_store(&tx.slot->turn, CG_TURN_ENCLAVE);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, script_thread, &sc), 0);
        assert_int_equal(cg_chan_send(&tx, CG_MSG_OCALL, 1, 0, &iov, 1), CC_ERROR_PROTOCOL);
        mark_dead(&tx);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(atomic_load(&sc.done), 1);
    }
    free(src);
    win_close(&w);
}


/* A message larger than the receiver's bound (the host's: the enclave's
 * memory) is refused at its first chunk, before anything is allocated. */
static void test_bound_max_in(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    uint64_t cap = (uint64_t)w.slot_size - CG_SLOT_HDR_SIZE;
    uint64_t T = 2 * cap + 10;
    const struct chunk first = {CG_MSG_ECALL, T, 0, cap, cap};
    const struct step good[] = {{{CG_MSG_ECALL, T, cap, cap, cap}, 0}, {{CG_MSG_ECALL, T, 2 * cap, 10, 10}, 0}};
    cg_msg_t m;
    int acks = 0;
    g_rx_max_in = T - 1;
    assert_int_equal(scripted_recv(&w, &first, good, 1, &m, &acks), CC_ERROR_PROTOCOL);
    assert_null(m.buf);
    assert_int_equal(acks, 0); /* not one chunk acknowledged */
    g_rx_max_in = T;           /* exactly the bound: accepted */
    assert_int_equal(scripted_recv(&w, &first, good, 2, &m, &acks), CC_SUCCESS);
    assert_int_equal(m.len, T);
    free(m.buf);
    g_rx_max_in = 0;
    win_close(&w);
}

/* The host's growing buffer: a message several times CG_CHAN_PREALLOC
 * arrives intact, whatever the number of regrowths. */
static void test_growing_receive(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_DEFAULT_SLOT_DATA);
    uint64_t cap = (uint64_t)w.slot_size - CG_SLOT_HDR_SIZE;
    uint64_t T = 2 * CG_CHAN_PREALLOC + 3 * cap + 17;
    size_t n = (size_t)((T - cap + cap - 1) / cap);
    struct step *steps = calloc(n, sizeof *steps);
    assert_non_null(steps);
    for (size_t i = 0; i < n; i++) {
        uint64_t off = cap * (i + 1), len = T - off < cap ? T - off : cap;
        steps[i].c = (struct chunk){CG_MSG_ECALL_RET, T, off, len, (size_t)len};
    }
    const struct chunk first = {CG_MSG_ECALL_RET, T, 0, cap, cap};
    cg_msg_t m;
    int acks = 0;
    g_rx_grow = true;
    assert_int_equal(scripted_recv(&w, &first, steps, n, &m, &acks), CC_SUCCESS);
    g_rx_grow = false;
    assert_int_equal(m.len, T);
    for (uint64_t i = 0; i < T; i++)
        if (m.buf[i] != pat(i, 3))
            fail_msg("byte %llu differs", (unsigned long long)i);
    free(m.buf);
    free(steps);
    win_close(&w);
}

/* A receiver that cannot take a request answers, instead of an ACK, with
 * an empty response carrying the error: the caller gets that status, the
 * slot is back with it, nothing is lost. A "refusal" claiming success is
 * a protocol violation. */
static void test_refused_mid_message(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan tx, peer;
    chan_open(&tx, &w, 0, CG_TURN_HOST);
    chan_open(&peer, &w, 0, CG_TURN_ENCLAVE);
    size_t len = 3 * tx.cap;
    uint8_t *src = pat_buf(len, 5);
    cg_iov_t iov = {src, len};
    const struct {
        uint32_t status;
        cc_enclave_result_t want_rc;
    } cases[] = {{CC_ERROR_OUT_OF_MEMORY, CC_SUCCESS}, {CC_SUCCESS, CC_ERROR_PROTOCOL}};
    for (size_t i = 0; i < 2; i++) {
        static struct script sc;
        memset(&sc, 0, sizeof(sc));
        struct step st = {{CG_MSG_ECALL_RET, 0, 0, 0, 0}, 0};
        sc.peer = &peer;
        sc.rx_turn = CG_TURN_HOST;
        sc.steps = &st;
        sc.nsteps = 1;
        atomic_store(&tx.slot->turn, CG_TURN_HOST);
        pthread_t th;
        refusal_status = cases[i].status;
        assert_int_equal(pthread_create(&th, NULL, script_thread, &sc), 0);
        cg_msg_t resp = {NULL, 0};
        uint32_t status = 0;
        cc_enclave_result_t rc = cg_chan_call(&tx, CG_MSG_ECALL, 1, &iov, 1, &resp, &status, NULL, NULL);
        assert_int_equal(rc, cases[i].want_rc);
        if (rc == CC_SUCCESS) {
            assert_int_equal(status, cases[i].status);
            assert_null(resp.buf);
            assert_int_equal(atomic_load(&tx.slot->turn), CG_TURN_HOST);
        }
        mark_dead(&tx);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(atomic_load(&sc.done), 1);
    }
    refusal_status = 0;
    free(src);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* dead slot                                                                */

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

struct blocked {
    struct cg_chan *ch;
    int op; /* 0 wait, 1 call (small), 2 call (chunked), 3 recv mid-transfer */
    atomic_int tid;
    cc_enclave_result_t rc;
    cg_msg_t resp;
};

static void *blocked_thread(void *arg)
{
    struct blocked *b = arg;
    atomic_store(&b->tid, (int)gettid_());
    static uint8_t big[3 * 262144 + 5];
    uint8_t one = 1;
    uint32_t st = 0;
    switch (b->op) {
    case 0:
        b->rc = cg_chan_wait(b->ch);
        break;
    case 1: {
        cg_iov_t iov = {&one, 1};
        b->rc = cg_chan_call(b->ch, b->ch->me == CG_TURN_HOST ? CG_MSG_ECALL : CG_MSG_OCALL, 1, &iov, 1, &b->resp,
                             &st, dispatch, NULL);
        break;
    }
    case 2: {
        cg_iov_t iov = {big, b->ch->cap * 3 + 5 <= sizeof(big) ? b->ch->cap * 3 + 5 : sizeof(big)};
        b->rc = cg_chan_call(b->ch, CG_MSG_ECALL, 1, &iov, 1, &b->resp, &st, dispatch, NULL);
        break;
    }
    }
    return NULL;
}

/* Best effort, for coverage only (the assertions hold either way): give
 * the thread a chance to reach its futex sleep before the slot dies. */
static void let_it_sleep(struct blocked *b)
{
    int tid;
    while ((tid = atomic_load(&b->tid)) == 0)
        sched_yield();
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    for (int i = 0; i < 100000; i++) {
        FILE *f = fopen(path, "r");
        if (f == NULL)
            return;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');
        if (p != NULL && p[1] == ' ' && p[2] == 'S')
            return;
        sched_yield();
    }
}

static void dead_while_blocked(uint32_t me, int op)
{
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan ch;
    chan_open(&ch, &w, 0, me);
    uint32_t peer = me == CG_TURN_HOST ? CG_TURN_ENCLAVE : CG_TURN_HOST;
    static struct blocked b;
    memset(&b, 0, sizeof(b));
    b.ch = &ch;
    b.op = op;
    b.resp.buf = (uint8_t *)1;
    atomic_init(&b.tid, 0);
    atomic_store(&ch.slot->turn, op == 0 ? peer : me);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_thread, &b), 0);
    if (op != 0)
        /* the request (or its first chunk) went out: the turn is the peer's */
        assert_int_equal(wait_turn(ch.slot, peer), peer);
    let_it_sleep(&b);
    mark_dead(&ch);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(b.rc, CC_ERROR_ENCLAVE_LOST);
    if (op != 0) {
        assert_null(b.resp.buf);
        assert_int_equal(b.resp.len, 0);
    }
    assert_int_equal(atomic_load(&ch.slot->turn), CG_TURN_DEAD);
    win_close(&w);
}

static void test_dead_wait_host(void **state)
{
    (void)state;
    dead_while_blocked(CG_TURN_HOST, 0);
}

static void test_dead_wait_enclave(void **state)
{
    (void)state;
    dead_while_blocked(CG_TURN_ENCLAVE, 0);
}

static void test_dead_call_host(void **state)
{
    (void)state;
    dead_while_blocked(CG_TURN_HOST, 1);
}

static void test_dead_call_enclave(void **state)
{
    (void)state;
    dead_while_blocked(CG_TURN_ENCLAVE, 1);
}

static void test_dead_call_chunked(void **state)
{
    (void)state;
    dead_while_blocked(CG_TURN_HOST, 2);
}

static void test_dead_send(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan h, e;
    chan_open(&h, &w, 0, CG_TURN_HOST);
    chan_open(&e, &w, 0, CG_TURN_ENCLAVE);
    atomic_store(&h.slot->turn, CG_TURN_DEAD);
    size_t sizes[] = {0, 1, 3 * h.cap + 5};
    uint8_t *src = pat_buf(sizes[2], 1);
    for (size_t i = 0; i < 3; i++) {
        cg_iov_t iov = {src, sizes[i]};
        assert_int_equal(cg_chan_send(&h, CG_MSG_ECALL, 1, 0, &iov, 1), CC_ERROR_ENCLAVE_LOST);
        assert_int_equal(atomic_load(&h.slot->turn), CG_TURN_DEAD);
        assert_int_equal(cg_chan_send(&e, CG_MSG_OCALL, 1, 0, &iov, 1), CC_ERROR_ENCLAVE_LOST);
        assert_int_equal(atomic_load(&h.slot->turn), CG_TURN_DEAD);
        assert_int_equal(cg_chan_wait(&h), CC_ERROR_ENCLAVE_LOST);
        assert_int_equal(cg_chan_wait(&e), CC_ERROR_ENCLAVE_LOST);
        cg_msg_t resp;
        uint32_t st;
        assert_int_equal(cg_chan_call(&h, CG_MSG_ECALL, 1, &iov, 1, &resp, &st, dispatch, NULL),
                         CC_ERROR_ENCLAVE_LOST);
        assert_null(resp.buf);
        assert_int_equal(atomic_load(&h.slot->turn), CG_TURN_DEAD);
    }
    free(src);
    win_close(&w);
}

/* A whole enclave side dies while serving nested calls: every level of the
 * host's nested call stack unwinds with ENCLAVE_LOST. */
static cc_enclave_result_t dying_dispatch(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len, cg_msg_t *out)
{
    struct side *sd = ctx;
    (void)fn;
    (void)in;
    (void)in_len;
    (void)out;
    /* the host's OCALL handler: the enclave "dies" while we run */
    mark_dead(&sd->ch);
    return CC_SUCCESS;
}

static void test_dead_during_ocall(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct side h;
    side_init(&h, &w, 0, CG_TURN_HOST);
    struct enclave_thread et;
    enclave_start(&et, &w, 0);
    uint8_t depth = 1;
    cg_iov_t iov = {&depth, 1};
    cg_msg_t resp;
    uint32_t st;
    assert_int_equal(cg_chan_call(&h.ch, CG_MSG_ECALL, FN_NEST, &iov, 1, &resp, &st, dying_dispatch, &h),
                     CC_ERROR_ENCLAVE_LOST);
    assert_null(resp.buf);
    void *ret;
    assert_int_equal(pthread_join(et.th, &ret), 0);
    assert_int_equal((uintptr_t)ret, CC_ERROR_ENCLAVE_LOST);
    assert_int_equal(atomic_load(&h.ch.slot->turn), CG_TURN_DEAD);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* cg_chan_init                                                             */

static void test_init_bounds(void **state)
{
    (void)state;
    const uint64_t ss = 8192, size = CG_PAGE_SIZE + 2 * ss;
    uint8_t *base = aligned_alloc(CG_PAGE_SIZE, size);
    assert_non_null(base);
    memset(base, 0, size);
    struct cg_window_hdr *h = (struct cg_window_hdr *)base;
    struct cg_chan ch;
#define RESET()                                                                                               \
    do {                                                                                                      \
        h->nslots = 2;                                                                                        \
        h->slot_size = ss;                                                                                    \
        h->slot_offset = CG_PAGE_SIZE;                                                                        \
    } while (0)

    RESET();
    for (uint32_t i = 0; i < 2; i++) {
        memset(&ch, 0, sizeof(ch));
        assert_int_equal(cg_chan_init(&ch, base, size, i, CG_TURN_ENCLAVE), 0);
        assert_ptr_equal(ch.slot, base + CG_PAGE_SIZE + i * ss);
        assert_ptr_equal(ch.data, base + CG_PAGE_SIZE + i * ss + CG_SLOT_HDR_SIZE);
        assert_int_equal(ch.cap, ss - CG_SLOT_HDR_SIZE);
        assert_int_equal(ch.me, CG_TURN_ENCLAVE);
        assert_int_equal(ch.peer, CG_TURN_HOST);
    }
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), 0);
    assert_int_equal(ch.peer, CG_TURN_ENCLAVE);

    /* index >= nslots */
    assert_int_equal(cg_chan_init(&ch, base, size, 2, CG_TURN_HOST), -1);
    assert_int_equal(cg_chan_init(&ch, base, size, UINT32_MAX, CG_TURN_HOST), -1);
    h->nslots = 0;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    RESET();

    /* slots that do not fit the window */
    assert_int_equal(cg_chan_init(&ch, base, size - 1, 1, CG_TURN_HOST), -1);
    assert_int_equal(cg_chan_init(&ch, base, size - 1, 0, CG_TURN_HOST), 0);
    assert_int_equal(cg_chan_init(&ch, base, CG_PAGE_SIZE + ss, 1, CG_TURN_HOST), -1);
    h->nslots = 3;
    assert_int_equal(cg_chan_init(&ch, base, size, 2, CG_TURN_HOST), -1);
    h->nslots = UINT32_MAX;
    assert_int_equal(cg_chan_init(&ch, base, size, 5, CG_TURN_HOST), -1);
    RESET();
    /* switchless OCALL slots follow the ECALL slots: one ECALL slot and
     * one OCALL slot fill the same window; a third does not fit */
    h->nslots = 1;
    h->sl_ucount = 1;
    assert_int_equal(cg_chan_init(&ch, base, size, 1, CG_TURN_ENCLAVE), 0);
    assert_ptr_equal(ch.slot, base + CG_PAGE_SIZE + ss);
    assert_int_equal(cg_chan_init(&ch, base, size, 2, CG_TURN_ENCLAVE), -1);
    h->sl_ucount = 2;
    assert_int_equal(cg_chan_init(&ch, base, size, 2, CG_TURN_ENCLAVE), -1);
    h->nslots = UINT32_MAX; /* the sum must not wrap */
    h->sl_ucount = UINT32_MAX;
    assert_int_equal(cg_chan_init(&ch, base, size, 2, CG_TURN_ENCLAVE), -1);
    h->sl_ucount = 0;
    RESET();
    h->slot_size = ss + 1; /* two do not fit any more */
    assert_int_equal(cg_chan_init(&ch, base, size, 1, CG_TURN_HOST), -1);
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), 0);
    h->slot_size = size; /* larger than what is left after the offset */
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_size = size + 1;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_size = UINT64_MAX;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_size = 0; /* too small for a header and the minimum data */
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_size = CG_SLOT_HDR_SIZE;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_size = CG_SLOT_HDR_SIZE + CG_MIN_SLOT_DATA - 1;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_size = CG_SLOT_HDR_SIZE + CG_MIN_SLOT_DATA;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), 0);
    RESET();
    h->slot_offset = size; /* nothing left */
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_offset = size + 1;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_offset = UINT64_MAX;
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), -1);
    h->slot_offset = CG_PAGE_SIZE + 1; /* slot 1 would end one byte past the window */
    assert_int_equal(cg_chan_init(&ch, base, size, 1, CG_TURN_HOST), -1);
    assert_int_equal(cg_chan_init(&ch, base, size, 0, CG_TURN_HOST), 0);
#undef RESET
    free(base);
}

/* ------------------------------------------------------------------------ */
/* cg_chan_send refuses before touching the slot                            */

static void test_send_too_large(void **state)
{
    (void)state;
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct cg_chan h;
    chan_open(&h, &w, 0, CG_TURN_HOST);
    /* recognisable slot contents */
    memset((uint8_t *)h.slot + sizeof(h.slot->turn), 0xA5, CG_SLOT_HDR_SIZE - sizeof(h.slot->turn));
    memset(h.data, 0x5A, h.cap);
    uint8_t *before = malloc(w.slot_size);
    assert_non_null(before);
    memcpy(before, h.slot, w.slot_size);

    /* fake bases: the lengths must be refused before anything is copied */
    const void *fake = (const void *)(uintptr_t)0x1000;
    const cg_iov_t over[] = {{fake, CG_MAX_MESSAGE}, {fake, 1}};
    const cg_iov_t huge[] = {{fake, CG_MAX_MESSAGE + 1}};
    const cg_iov_t wrap[] = {{fake, SIZE_MAX}, {fake, 2}};
    const cg_iov_t wrap_many[] = {{fake, SIZE_MAX / 2 + 1}, {fake, SIZE_MAX / 2 + 1}, {fake, 5}};
    const cg_iov_t null_base[] = {{"ab", 2}, {NULL, 5}};
    const struct {
        const cg_iov_t *iov;
        size_t n;
    } bad[] = {{over, 2}, {huge, 1}, {wrap, 2}, {wrap_many, 3}, {null_base, 2}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cg_chan_send(&h, CG_MSG_ECALL, 1, 0, bad[i].iov, bad[i].n), CC_ERROR_BAD_PARAMETERS);
        assert_int_equal(atomic_load(&h.slot->turn), CG_TURN_HOST);
        assert_memory_equal(h.slot, before, w.slot_size);
        cg_msg_t resp = {(uint8_t *)1, 1};
        uint32_t st = 7;
        assert_int_equal(cg_chan_call(&h, CG_MSG_ECALL, 1, bad[i].iov, bad[i].n, &resp, &st, dispatch, NULL),
                         CC_ERROR_BAD_PARAMETERS);
        assert_null(resp.buf);
        assert_int_equal(resp.len, 0);
        assert_int_equal(atomic_load(&h.slot->turn), CG_TURN_HOST);
        assert_memory_equal(h.slot, before, w.slot_size);
    }
    free(before);
    win_close(&w);
}

/* ------------------------------------------------------------------------ */
/* responses that cannot be sent                                           */

/*
 * A dispatch function (a generated stub) returns CC_SUCCESS with a response
 * that cannot be sent (longer than CG_MAX_MESSAGE, or a NULL buffer with a
 * length). The peer must still get an answer - an empty response with an
 * error status - so that it does not wait forever and the slot stays in
 * step. (This was once a real bug: nothing was sent.)
 */
static void unsendable_ocall_response(uint32_t host_fn)
{
    struct win w;
    win_open(&w, 1, CG_MIN_SLOT_DATA);
    struct side h;
    side_init(&h, &w, 0, CG_TURN_HOST);
    struct enclave_thread et;
    enclave_start(&et, &w, 0);

    cg_iov_t iov = {&host_fn, sizeof(host_fn)};
    cg_msg_t resp;
    uint32_t st = 1;
    cc_enclave_result_t rc = cg_chan_call(&h.ch, CG_MSG_ECALL, FN_CALL_PEER, &iov, 1, &resp, &st, dispatch, &h);
    free(resp.buf);
    if (rc != CC_SUCCESS) {
        /* nothing went back to the enclave thread: release it, then fail */
        uint32_t turn = atomic_load(&h.ch.slot->turn);
        mark_dead(&h.ch);
        pthread_join(et.th, NULL);
        win_close(&w);
        fail_msg("cg_chan_call returned %#x with the turn at %u: the enclave was left waiting for its OCALL "
                 "response",
                 (unsigned)rc, turn);
    }
    assert_int_not_equal(st, CC_SUCCESS);
    enclave_stop(&et, &h);
    win_close(&w);
}

static void test_unsendable_response_too_large(void **state)
{
    (void)state;
    unsendable_ocall_response(FN_BIGRESP);
}

static void test_unsendable_response_null(void **state)
{
    (void)state;
    unsendable_ocall_response(FN_NULLRESP);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "unsendable") == 0) {
        const struct CMUnitTest bugs[] = {
            cmocka_unit_test(test_unsendable_response_too_large),
            cmocka_unit_test(test_unsendable_response_null),
        };
        return cmocka_run_group_tests_name("channel_unsendable", bugs, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_no_iov),
        cmocka_unit_test(test_round_trip_threads_min_slot),
        cmocka_unit_test(test_round_trip_threads_default_slot),
        cmocka_unit_test(test_round_trip_processes),
        cmocka_unit_test(test_nested_calls),
        cmocka_unit_test(test_ocall_without_dispatch),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_hostile_first_chunk_enclave_rx),
        cmocka_unit_test(test_hostile_first_chunk_host_rx),
        cmocka_unit_test(test_hostile_garbage_turn),
        cmocka_unit_test(test_hostile_follow_up_chunks),
        cmocka_unit_test(test_hostile_no_ack),
        cmocka_unit_test(test_bound_max_in),
        cmocka_unit_test(test_growing_receive),
        cmocka_unit_test(test_refused_mid_message),
        cmocka_unit_test(test_dead_wait_host),
        cmocka_unit_test(test_dead_wait_enclave),
        cmocka_unit_test(test_dead_call_host),
        cmocka_unit_test(test_dead_call_enclave),
        cmocka_unit_test(test_dead_call_chunked),
        cmocka_unit_test(test_dead_send),
        cmocka_unit_test(test_dead_during_ocall),
        cmocka_unit_test(test_init_bounds),
        cmocka_unit_test(test_send_too_large),
    };
    return cmocka_run_group_tests_name("channel", tests, NULL, NULL);
}
