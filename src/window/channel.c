/*
 * channel.c - chunked message transfer over one call-window slot.
 * Shared by the host runtime (glibc) and the enclave runtime (musl).
 */
#include "channel.h"

/* One load of a field the peer can change concurrently. */
#define CG_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

#include <stdlib.h>
#include <string.h>

#include "futex.h"

/* CG_SPIN (channel.h): spin this many times before sleeping by default: a
 * round trip is a few microseconds when both sides run on their own cores,
 * far less than a futex sleep. Switchless channels set their own limit. */

int cg_chan_init(struct cg_chan *ch, void *base, uint64_t window_size, uint32_t index, uint32_t me)
{
    const struct cg_window_hdr *h = base;
    uint64_t nslots = (uint64_t)h->nslots + h->sl_ucount, slot_size = h->slot_size, slot_off = h->slot_offset;

    if (index >= nslots || slot_size < CG_SLOT_HDR_SIZE + CG_MIN_SLOT_DATA || slot_size > window_size ||
        slot_off > window_size || (window_size - slot_off) / slot_size <= index)
        return -1;
    ch->slot = (struct cg_slot_hdr *)((uint8_t *)base + slot_off + (uint64_t)index * slot_size);
    ch->data = (uint8_t *)ch->slot + CG_SLOT_HDR_SIZE;
    ch->cap = (size_t)(slot_size - CG_SLOT_HDR_SIZE);
    ch->me = me;
    ch->peer = me == CG_TURN_HOST ? CG_TURN_ENCLAVE : CG_TURN_HOST;
    ch->spin = CG_SPIN;
    ch->max_in = 0;
    ch->grow = me == CG_TURN_HOST;
    ch->refused = false;
    ch->refused_status = 0;
    return 0;
}

cc_enclave_result_t cg_chan_wait(struct cg_chan *ch)
{
    uint32_t limit = ch->spin;
    for (uint32_t spin = 0;; spin++) {
        uint32_t v = atomic_load_explicit(&ch->slot->turn, memory_order_acquire);
        if (v == ch->me)
            return CC_SUCCESS;
        if (v == CG_TURN_DEAD)
            return CC_ERROR_ENCLAVE_LOST;
        if (v != ch->peer)
            return CC_ERROR_PROTOCOL;
        if (limit == CG_SPIN_FOREVER || spin < limit) {
            cg_cpu_relax();
            continue;
        }
        /* Announce the sleep, then look again: the peer writes the turn
         * and then reads sleepers, we write sleepers and then read the
         * turn (all sequentially consistent), so one of us sees the other
         * and no wake-up is lost. The kernel re-checks the turn too. */
        /* The sleep is bounded: should the peer ever move this waiter off
         * the turn word (a futex requeue; both engines refuse it), it still
         * looks again within a second and sees a dead slot. */
        static const struct timespec recheck = {CG_FUTEX_RECHECK_S, 0};
        atomic_fetch_add_explicit(&ch->slot->sleepers, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&ch->slot->turn, memory_order_seq_cst) == v)
            cg_futex_wait(&ch->slot->turn, v, &recheck);
        atomic_fetch_sub_explicit(&ch->slot->sleepers, 1, memory_order_seq_cst);
    }
}

/* Hand the turn to the peer. A compare-and-swap, so that a slot the host
 * marked dead stays dead. */
static cc_enclave_result_t pass_turn(struct cg_chan *ch)
{
    uint32_t expected = ch->me;
    if (!atomic_compare_exchange_strong_explicit(&ch->slot->turn, &expected, ch->peer, memory_order_seq_cst,
                                                 memory_order_seq_cst))
        return expected == CG_TURN_DEAD ? CC_ERROR_ENCLAVE_LOST : CC_ERROR_PROTOCOL;
    /* Only a sleeping peer needs the system call (in a VM it is a VM exit;
     * a spinning peer sees the turn by itself). */
    if (atomic_load_explicit(&ch->slot->sleepers, memory_order_seq_cst) != 0)
        cg_futex_wake(&ch->slot->turn, 1);
    return CC_SUCCESS;
}

/* Copy bytes [off, off+len) of the concatenation of @iov into @dst. */
static void gather(uint8_t *dst, const cg_iov_t *iov, size_t niov, size_t off, size_t len)
{
    for (size_t i = 0; i < niov && len > 0; i++) {
        if (off >= iov[i].len) {
            off -= iov[i].len;
            continue;
        }
        size_t n = iov[i].len - off;
        if (n > len)
            n = len;
        memcpy(dst, (const uint8_t *)iov[i].base + off, n);
        dst += n;
        len -= n;
        off = 0;
    }
}

cc_enclave_result_t cg_chan_send(struct cg_chan *ch, uint32_t kind, uint32_t fn, uint32_t status,
                                 const cg_iov_t *iov, size_t niov)
{
    size_t total = 0;
    for (size_t i = 0; i < niov; i++) {
        if (iov[i].len > 0 && iov[i].base == NULL)
            return CC_ERROR_BAD_PARAMETERS;
        if (!cg_size_add(total, iov[i].len, &total))
            return CC_ERROR_BAD_PARAMETERS;
    }
    if (total > CG_MAX_MESSAGE)
        return CC_ERROR_BAD_PARAMETERS;

    ch->refused = false;
    size_t off = 0;
    for (;;) {
        size_t len = total - off < ch->cap ? total - off : ch->cap;
        struct cg_slot_hdr *s = ch->slot;
        s->kind = kind;
        s->fn = fn;
        s->status = status;
        s->total = total;
        s->offset = off;
        s->len = len;
        gather(ch->data, iov, niov, off, len);
        cc_enclave_result_t rc = pass_turn(ch);
        if (rc != CC_SUCCESS)
            return rc;
        off += len;
        if (off >= total)
            return CC_SUCCESS;
        rc = cg_chan_wait(ch);
        if (rc != CC_SUCCESS)
            return rc;
        uint32_t k = CG_READ_ONCE(s->kind);
        if (k == CG_MSG_ACK)
            continue;
        /* A request the receiver cannot take: it answers at once with an
         * empty response carrying the error, instead of acknowledging. */
        uint32_t st = CG_READ_ONCE(s->status);
        if ((kind == CG_MSG_ECALL || kind == CG_MSG_OCALL) && k == kind + 1 && CG_READ_ONCE(s->total) == 0 &&
            st != CC_SUCCESS) {
            ch->refused = true;
            ch->refused_status = st;
            return CC_SUCCESS;
        }
        return CC_ERROR_PROTOCOL;
    }
}

cc_enclave_result_t cg_chan_recv(struct cg_chan *ch, uint32_t *kind, uint32_t *fn, uint32_t *status, cg_msg_t *msg)
{
    struct cg_slot_hdr *s = ch->slot;
    /* Read every header field exactly once: the peer may change them. */
    uint32_t k = CG_READ_ONCE(s->kind), f = CG_READ_ONCE(s->fn), st = CG_READ_ONCE(s->status);
    uint64_t total = CG_READ_ONCE(s->total), off = CG_READ_ONCE(s->offset), len = CG_READ_ONCE(s->len);

    msg->buf = NULL;
    msg->len = 0;
    uint64_t limit = ch->max_in != 0 && ch->max_in < CG_MAX_MESSAGE ? ch->max_in : CG_MAX_MESSAGE;
    if (k < CG_MSG_ECALL || k > CG_MSG_OCALL_RET || total > limit || off != 0 || len > ch->cap || len > total)
        return CC_ERROR_PROTOCOL;

    /* The host never commits more than what has arrived (times two, while
     * growing): a peer that declares a big message and stalls costs it
     * little. */
    size_t cap = (size_t)total;
    if (ch->grow && cap > CG_CHAN_PREALLOC)
        cap = CG_CHAN_PREALLOC;
    uint8_t *buf = cg_msg_alloc_raw(cap); /* every byte is written below before use */
    if (buf == NULL) {
        *kind = k;
        return CC_ERROR_OUT_OF_MEMORY;
    }
    memcpy(buf, ch->data, (size_t)len);
    uint64_t got = len;
    while (got < total) {
        s->kind = CG_MSG_ACK;
        cc_enclave_result_t rc = pass_turn(ch);
        if (rc == CC_SUCCESS)
            rc = cg_chan_wait(ch);
        if (rc != CC_SUCCESS) {
            cg_msg_free(buf);
            return rc;
        }
        uint32_t k2 = CG_READ_ONCE(s->kind);
        uint64_t total2 = CG_READ_ONCE(s->total), off2 = CG_READ_ONCE(s->offset), len2 = CG_READ_ONCE(s->len);
        if (k2 != k || total2 != total || off2 != got || len2 == 0 || len2 > ch->cap || len2 > total - got) {
            cg_msg_free(buf);
            return CC_ERROR_PROTOCOL;
        }
        if (got + len2 > cap) {
            size_t ncap = cap * 2 < total ? cap * 2 : (size_t)total;
            uint8_t *nbuf = cg_msg_alloc_raw(ncap);
            if (nbuf == NULL) {
                cg_msg_free(buf);
                return CC_ERROR_PROTOCOL; /* mid-message: the slot cannot be recovered */
            }
            memcpy(nbuf, buf, (size_t)got);
            cg_msg_free(buf);
            buf = nbuf;
            cap = ncap;
        }
        memcpy(buf + got, ch->data, (size_t)len2);
        got += len2;
    }
    *kind = k;
    *fn = f;
    *status = st;
    msg->buf = buf;
    msg->len = (size_t)total;
    return CC_SUCCESS;
}

cc_enclave_result_t cg_chan_serve(struct cg_chan *ch, uint32_t ret_kind, uint32_t fn, cg_msg_t *in,
                                  cg_dispatch_fn dispatch, void *ctx)
{
    cg_msg_t out = {NULL, 0};
    cc_enclave_result_t st = dispatch(ctx, fn, in->buf, in->len, &out);
    cg_msg_free(in->buf);
    in->buf = NULL;
    if (st != CC_SUCCESS) {
        cg_msg_free(out.buf);
        out.buf = NULL;
        out.len = 0;
    }
    cg_iov_t iov = {out.buf, out.len};
    cc_enclave_result_t rc = cg_chan_send(ch, ret_kind, fn, (uint32_t)st, &iov, 1);
    cg_msg_free(out.buf);
    if (rc == CC_ERROR_BAD_PARAMETERS) {
        /* The response itself cannot travel (too large, or a length with no
         * buffer). The peer is still waiting for one: answer with the error
         * and no data rather than leave it hanging. */
        rc = cg_chan_send(ch, ret_kind, fn, (uint32_t)CC_ERROR_BAD_PARAMETERS, NULL, 0);
    }
    return rc;
}

cc_enclave_result_t cg_chan_call(struct cg_chan *ch, uint32_t req_kind, uint32_t fn, const cg_iov_t *iov,
                                 size_t niov, cg_msg_t *resp, uint32_t *status, cg_dispatch_fn dispatch, void *ctx)
{
    uint32_t ret_kind = req_kind + 1; /* ECALL -> ECALL_RET, OCALL -> OCALL_RET */
    uint32_t peer_req = req_kind == CG_MSG_ECALL ? CG_MSG_OCALL : CG_MSG_ECALL;

    resp->buf = NULL;
    resp->len = 0;
    cc_enclave_result_t rc = cg_chan_send(ch, req_kind, fn, 0, iov, niov);
    if (rc == CC_SUCCESS && ch->refused) {
        *status = ch->refused_status;
        return CC_SUCCESS;
    }
    while (rc == CC_SUCCESS) {
        rc = cg_chan_wait(ch);
        if (rc != CC_SUCCESS)
            break;
        uint32_t kind = 0, rfn = 0, st;
        cg_msg_t msg;
        rc = cg_chan_recv(ch, &kind, &rfn, &st, &msg);
        if (rc == CC_ERROR_OUT_OF_MEMORY && kind == peer_req) {
            /* A nested request we cannot hold: refuse it, keep waiting. */
            rc = cg_chan_send(ch, peer_req + 1, 0, (uint32_t)CC_ERROR_OUT_OF_MEMORY, NULL, 0);
            continue;
        }
        if (rc != CC_SUCCESS)
            break;
        if (kind == ret_kind) {
            *resp = msg;
            *status = st;
            return CC_SUCCESS;
        }
        if (kind != peer_req || dispatch == NULL) {
            cg_msg_free(msg.buf);
            return CC_ERROR_PROTOCOL;
        }
        rc = cg_chan_serve(ch, peer_req + 1, rfn, &msg, dispatch, ctx);
    }
    return rc;
}

bool cg_chan_at_rest(const struct cg_chan *ch)
{
    const volatile struct cg_slot_hdr *s = ch->slot;
    uint32_t turn = atomic_load(&ch->slot->turn);
    uint32_t kind = s->kind;
    uint64_t total = s->total, offset = s->offset, len = s->len;
    if (turn != CG_TURN_HOST)
        return false;
    if (kind == 0)
        return true;
    return kind == CG_MSG_ECALL_RET && offset <= total && len == total - offset;
}
