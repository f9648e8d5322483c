/*
 * hc_decode.h - the guest-controlled argument checks of the KVM engine's
 * hypercalls (hcall.c), apart from KVM and system calls so that they can be
 * fuzzed (fuzz/hypercall).
 *
 * Each decoder takes the VM's memory layout and a copy of the hypercall
 * block the shim filled in (struct cg_hcall, read once from guest memory)
 * and returns either -errno, exactly what the hypercall returns to the
 * guest for those arguments, or a request whose host pointers lie inside
 * the guest's memory and whose counts are clamped. The shim is trusted no
 * more than the enclave: every field may hold anything.
 */
#ifndef CGEAR_HC_DECODE_H
#define CGEAR_HC_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kvm_abi.h"

/* Guest-physical memory: private RAM at [0, ram_size) and the call window
 * at [window_gpa, window_gpa + window_size). */
struct cg_hc_layout {
    uint8_t *ram;
    uint64_t ram_size;
    uint8_t *window;
    uint64_t window_gpa;
    uint64_t window_size;
};

/* The guest-physical range [gpa, gpa + len) as a host pointer, if it lies
 * entirely inside RAM or entirely inside the window; otherwise NULL. */
void *cg_hc_gpa_ptr(const struct cg_hc_layout *l, uint64_t gpa, uint64_t len);

/* CG_HC_FUTEX, checked. */
struct cg_hc_futex {
    int op;              /* FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE or FUTEX_CMP_REQUEUE */
    uint32_t *word;      /* a0: 4-byte aligned, in RAM or the window */
    uint32_t *word2;     /* REQUEUE/CMP_REQUEUE: a3 (both words in RAM); else NULL */
    int count;           /* WAKE: threads to wake (<= INT_MAX); REQUEUE: to wake (>= 0) */
    int nmove;           /* REQUEUE: threads to move (>= 0) */
    uint32_t val;        /* WAIT: the expected value */
    uint32_t val3;       /* CMP_REQUEUE: the expected value */
    bool has_timeout;    /* WAIT: a3 >= 0 as int64: sleep at most @timeout */
    struct timespec timeout;
};

/* Returns 0 and fills @f, or -EFAULT (a word outside guest memory or
 * misaligned), -EPERM (a requeue touching the window), -EINVAL (a negative
 * requeue count) or -ENOSYS (another operation). */
int64_t cg_hc_decode_futex(const struct cg_hc_layout *l, const struct cg_hcall *h, struct cg_hc_futex *f);

/* A range of a vCPU's bounce buffer (struct cg_cpu.buf, in RAM). */
struct cg_hc_buf {
    void *ptr;
    size_t len; /* <= sizeof(struct cg_cpu.buf) */
};

/* The first @len bytes of vCPU @index's bounce buffer, or NULL if the
 * vCPU area is not in RAM (@index >= CG_G_MAX_CPUS or RAM too small) or
 * @len is larger than the buffer. */
void *cg_hc_cpu_buf(const struct cg_hc_layout *l, uint32_t index, uint64_t len);

/* CG_HC_CONSOLE of vCPU @index: true if the output is to be written to
 * file descriptor *@fd (1 or 2), only in a debug enclave; false if the
 * hypercall is to be ignored. */
bool cg_hc_decode_console(const struct cg_hc_layout *l, uint32_t index, bool debug, const struct cg_hcall *h,
                          int *fd, struct cg_hc_buf *out);

/* CG_HC_RANDOM of vCPU @index: 0 and the range of its bounce buffer to
 * fill (a0 clamped to the buffer's size), or -EFAULT. */
int64_t cg_hc_decode_random(const struct cg_hc_layout *l, uint32_t index, const struct cg_hcall *h,
                            struct cg_hc_buf *out);

/* CG_HC_START_CPU: the vCPU to start, 1 <= index < min(threads,
 * CG_G_MAX_CPUS), or -EINVAL. */
int64_t cg_hc_decode_start_cpu(const struct cg_hcall *h, uint32_t threads);

#endif
