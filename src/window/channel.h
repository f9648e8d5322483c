/*
 * channel.h - one slot of the call window seen as a message channel.
 *
 * The same code runs on both sides (host runtime and enclave runtime). A
 * message of any length up to CG_MAX_MESSAGE crosses in chunks of at most
 * the slot's data capacity; the receiver acknowledges each chunk but the
 * last, and always receives into its own private buffer, so the sender can
 * never change bytes the receiver has already validated.
 */
#ifndef CGEAR_CHANNEL_H
#define CGEAR_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgear_edge.h"
#include "window.h"

struct cg_chan {
    struct cg_slot_hdr *slot;
    uint8_t *data;  /* slot data area */
    size_t cap;     /* bytes in data */
    uint32_t me;    /* CG_TURN_HOST or CG_TURN_ENCLAVE */
    uint32_t peer;
    uint32_t spin;  /* polls of the turn before sleeping; CG_SPIN_FOREVER: never sleep */
    /* Largest message this side accepts from the peer; 0: CG_MAX_MESSAGE.
     * The host sets it from the enclave's memory (cg_enclave_msg_bound()):
     * an honest enclave cannot send more than it holds, and the host must
     * not commit memory on an enclave's word beyond that. */
    uint64_t max_in;
    /* Receive big messages into a buffer that grows with the bytes that
     * actually arrived (the host), instead of allocating the declared total
     * up front (the enclave: its own memory, its own budget). */
    bool grow;
    /* Set by cg_chan_send() when the peer refused the message mid-way
     * (answered with an empty response carrying an error instead of an
     * acknowledgement, e.g. it could not allocate it): the status it gave. */
    bool refused;
    uint32_t refused_status;
};

/* The host's growing receive buffer starts at this size (or the message's). */
#define CG_CHAN_PREALLOC ((size_t)4 << 20)

/* Default spin limit of a channel (cg_chan_init). */
#define CG_SPIN 2000u

/* A function that serves a request received while waiting for a response
 * (OCALLs on the host, nested ECALLs in the enclave). */
typedef cc_enclave_result_t (*cg_dispatch_fn)(void *ctx, uint32_t fn, const uint8_t *in, size_t in_len,
                                              cg_msg_t *out);

/* Point @ch at slot @index of the mapped window @base (ECALL slots first,
 * then the switchless OCALL slots). Returns 0, or -1 if the window header
 * does not describe a valid slot @index inside @window_size bytes. */
/* cg_msg_alloc() (cgear_edge.h) without the zero fill, for a buffer the
 * caller writes completely before anyone reads it (a received message).
 * Each runtime provides it beside cg_msg_alloc(). */
void *cg_msg_alloc_raw(size_t len);

int cg_chan_init(struct cg_chan *ch, void *base, uint64_t window_size, uint32_t index, uint32_t me);

/* Wait until it is this side's turn. Returns CC_SUCCESS, CC_ERROR_ENCLAVE_LOST
 * (the slot was marked dead) or CC_ERROR_PROTOCOL (garbage turn value). */
cc_enclave_result_t cg_chan_wait(struct cg_chan *ch);

/* Send a message (must be this side's turn). Leaves the turn with the peer.
 * On return the peer has consumed every chunk but the last - or, for an
 * ECALL or OCALL request, refused it part-way: then ch->refused is set,
 * ch->refused_status says why and the turn is back with this side. */
cc_enclave_result_t cg_chan_send(struct cg_chan *ch, uint32_t kind, uint32_t fn, uint32_t status,
                                 const cg_iov_t *iov, size_t niov);

/* Receive a message (must be this side's turn, after cg_chan_wait()). The
 * body is copied into a malloc'd buffer returned in @msg (free it). On
 * success the turn stays with this side. On a protocol violation (including
 * a message larger than ch->max_in) returns CC_ERROR_PROTOCOL and frees
 * everything. CC_ERROR_OUT_OF_MEMORY: this side could not hold the message;
 * the turn is with this side and *kind says what it was, so the caller can
 * refuse it with an empty response (cg_chan_send() with no data). */
cc_enclave_result_t cg_chan_recv(struct cg_chan *ch, uint32_t *kind, uint32_t *fn, uint32_t *status, cg_msg_t *msg);

/*
 * Make a call: send request @req_kind/@fn, then serve nested requests of
 * the peer with @dispatch until the matching response arrives. Returns the
 * transport result (CC_SUCCESS if a response arrived); the status the
 * callee reported is in @status and the response body in @resp (free it).
 * CC_ERROR_BAD_PARAMETERS means nothing was sent (message too large).
 */
cc_enclave_result_t cg_chan_call(struct cg_chan *ch, uint32_t req_kind, uint32_t fn, const cg_iov_t *iov,
                                 size_t niov, cg_msg_t *resp, uint32_t *status, cg_dispatch_fn dispatch, void *ctx);

/* Is the slot at rest: the host's turn, after a complete response (or
 * never used)? False means a call is in flight (or the peer left garbage).
 * Reads the shared header once per field; for a host-side channel. */
bool cg_chan_at_rest(const struct cg_chan *ch);

/* Serve one received request with @dispatch and send the response of kind
 * @ret_kind. Frees @in. */
cc_enclave_result_t cg_chan_serve(struct cg_chan *ch, uint32_t ret_kind, uint32_t fn, cg_msg_t *in,
                                  cg_dispatch_fn dispatch, void *ctx);

#endif
