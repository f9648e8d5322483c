/*
 * profile.c - where the time of cc_enclave_create() went: the host's own
 * points (host.h, enum cg_host_stamp) and those the monitor and the
 * enclave runtime wrote into the call window's header (window.h, enum
 * cg_boot_stamp), as durations (cgear_enclave_create_profile()).
 *
 * Always on: one clock read per point, a dozen per create. The points
 * from the window come from the enclave's side and are only reported:
 * a duration whose end is missing or earlier than its start reads 0.
 */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "host.h"
#include "window.h"

uint64_t cg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* @b - @a, or 0 when either is missing or they are out of order. */
static uint64_t span(uint64_t a, uint64_t b)
{
    return a != 0 && b != 0 && b >= a ? b - a : 0;
}

cc_enclave_result_t cgear_enclave_create_profile(const cc_enclave_t *enclave, cgear_create_profile_t *out)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    if (out == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    const struct cg_enclave *e = enclave->private_data;
    memset(out, 0, sizeof *out);
    if (e->attach != NULL)
        return CC_ERROR_NOT_SUPPORTED; /* created by another process */
    const uint64_t *h = e->stamps;
    uint64_t w[CG_STAMP_COUNT];
    for (int i = 0; i < CG_STAMP_COUNT; i++)
        w[i] = e->win.hdr != NULL ? e->win.hdr->boot_ns[i] : 0; /* one read each */
    bool kvm = w[CG_STAMP_MON_MAIN] != 0;
    out->image_ns = span(h[CG_HSTAMP_START], h[CG_HSTAMP_IMAGE]);
    out->engine_ns = span(h[CG_HSTAMP_IMAGE], h[CG_HSTAMP_ENGINE]);
    out->window_ns = span(h[CG_HSTAMP_ENGINE], h[CG_HSTAMP_WINDOW]);
    out->keys_ns = span(h[CG_HSTAMP_WINDOW], h[CG_HSTAMP_KEYS]);
    out->prepare_ns = span(h[CG_HSTAMP_KEYS], h[CG_HSTAMP_PREPARED]);
    out->spawn_ns = span(h[CG_HSTAMP_PREPARED], kvm ? w[CG_STAMP_MON_MAIN] : w[CG_STAMP_ENCLAVE_MAIN]);
    if (kvm) {
        out->vm_ns = span(w[CG_STAMP_MON_MAIN], w[CG_STAMP_VM]);
        out->memory_ns = span(w[CG_STAMP_VM], w[CG_STAMP_MEMORY]);
        out->load_ns = span(w[CG_STAMP_MEMORY], w[CG_STAMP_LOAD]);
        out->vcpus_ns = span(w[CG_STAMP_LOAD], w[CG_STAMP_VCPUS]);
        out->boot_ns = span(w[CG_STAMP_VCPUS], w[CG_STAMP_ENCLAVE_MAIN]);
    }
    out->runtime_ns = span(w[CG_STAMP_ENCLAVE_MAIN], w[CG_STAMP_READY]);
    out->ready_seen_ns = span(w[CG_STAMP_READY], h[CG_HSTAMP_READY]);
    out->total_ns = span(h[CG_HSTAMP_START], h[CG_HSTAMP_READY]);
    return CC_SUCCESS;
}
