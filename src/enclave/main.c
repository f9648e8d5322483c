/*
 * main.c - entry of every enclave: maps the call window, starts one thread
 * per slot and serves ECALLs. User code never defines main().
 */
#define _GNU_SOURCE /* gettid() */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "futex.h"
#include "monitor_abi.h"
#include "keys.h"
#include "trts.h"
#include "window.h"

uint8_t *cg_trts_window_base;
size_t cg_trts_window_size;
uint8_t *cg_trts_shm_base;
size_t cg_trts_shm_size;
bool cg_trts_debug;

static struct cg_chan g_chans[CG_MAX_SLOTS];
static struct cg_chan g_uchans[CG_MAX_USLOTS];
/* Worker threads that have written their thread id (see main()). */
static atomic_uint g_started;

static void *worker(void *arg)
{
    struct cg_chan *ch = arg;
    atomic_store_explicit(&ch->slot->tid, (uint32_t)gettid(), memory_order_relaxed);
    atomic_fetch_add_explicit(&g_started, 1, memory_order_release);
    cg_trts_serve(ch);
    return NULL;
}

/* Refuse the window: tell the host why (if the header is mapped) and stop. */
static _Noreturn void fail(struct cg_window_hdr *h, cc_enclave_result_t why)
{
    if (h != NULL) {
        h->enclave_status = (uint32_t)why;
        atomic_store_explicit(&h->state, CG_STATE_FAILED, memory_order_release);
        cg_futex_wake(&h->state, 1);
    }
    _exit(2);
}

/* CLOCK_MONOTONIC in ns for the start-up profile (window.h, boot_ns). */
static uint64_t stamp(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(void)
{
    uint64_t t_main = stamp();
    /* Read the layout from a first, small mapping, each field once. */
    struct cg_window_hdr *h = mmap(NULL, CG_PAGE_SIZE, PROT_READ, MAP_SHARED, CG_WINDOW_FD, 0);
    uint32_t flags = h == MAP_FAILED ? 0 : h->flags;
    /* Nobody of the same user may ptrace us or read our memory, from before
     * any secret exists: unless the host asked to debug a debug enclave
     * (docs/debugging.md); cg_trts_load_keys() then still insists on a
     * debug key block. Exec left the process dumpable, so not calling
     * prctl() is what keeps it attachable. */
    bool gdb = (flags & (CG_WINDOW_F_DEBUG | CG_WINDOW_F_GDB)) == (CG_WINDOW_F_DEBUG | CG_WINDOW_F_GDB);
    if (!gdb)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (h == MAP_FAILED)
        _exit(3);

    const struct cg_manifest *m = &cgear_manifest;
    if (m->magic != CG_MANIFEST_MAGIC || m->threads == 0 || m->threads > CG_MANIFEST_MAX_THREADS)
        fail(NULL, CC_ERROR_INVALID_METADATA);

    uint32_t magic = h->magic, version = h->version, nslots = h->nslots;
    uint64_t slot_size = h->slot_size, slot_off = h->slot_offset, total = h->total_size;
    /* Switchless workers: the last sl_count slots poll sl_spin times (or
     * always) before sleeping. Only a waiting policy: any value is safe. */
    uint32_t sl_count = h->sl_count, sl_spin = h->sl_spin;
    /* The host pins switchless workers by their thread ids (tworkers_cores). */
    bool host_pins = h->sl_tcores != 0;
    /* Switchless OCALL slots, after the ECALL slots (sl_ocall.c). */
    uint32_t sl_ucount = h->sl_ucount, sl_uretries = h->sl_uretries, sl_uspin = h->sl_uspin;
    uint64_t shm_addr = h->shm_addr, shm_size = h->shm_size;
    munmap(h, CG_PAGE_SIZE);

    bool ok = magic == CG_WINDOW_MAGIC && version == CG_WINDOW_VERSION && nslots >= 1 && nslots <= m->threads &&
              slot_off == CG_PAGE_SIZE && slot_size % CG_PAGE_SIZE == 0 &&
              slot_size >= CG_SLOT_HDR_SIZE + CG_MIN_SLOT_DATA && slot_size <= CG_SLOT_HDR_SIZE + CG_MAX_SLOT_DATA &&
              sl_ucount <= CG_MAX_USLOTS && total == CG_PAGE_SIZE + slot_size * (nslots + sl_ucount) &&
              sl_count < nslots && cg_shm_region_ok(shm_addr, shm_size);
    h = mmap(NULL, ok ? total : CG_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, CG_WINDOW_FD, 0);
    if (h == MAP_FAILED)
        _exit(3);
    if (!ok)
        fail(h, CC_ERROR_INVALID_METADATA);

    /* Shared memory at the host's address. The process engine maps it
     * here; MAP_FIXED_NOREPLACE fails rather than cover private memory, so
     * no host-chosen address can alias it (kvm: the monitor checked the
     * same range against the guest layout and mapped it). */
    if (shm_size != 0 && (flags & CG_WINDOW_F_SHM_MAP)) {
        void *want = (void *)(uintptr_t)shm_addr;
        void *p = mmap(want, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, CG_SHM_FD, 0);
        if (p != want)
            fail(h, CC_ERROR_INVALID_METADATA);
    }
    cg_trts_shm_base = (uint8_t *)(uintptr_t)shm_addr;
    cg_trts_shm_size = shm_size;
    h->boot_ns[CG_STAMP_ENCLAVE_MAIN] = t_main;
    cg_trts_window_base = (uint8_t *)h;
    cg_trts_window_size = total;
    cg_trts_debug = (flags & CG_WINDOW_F_DEBUG) != 0;
    cg_trts_load_keys(gdb); /* the key block on CG_KEYS_FD, before any other thread exists */

    for (uint32_t i = 0; i < nslots; i++)
        if (cg_chan_init(&g_chans[i], h, total, i, CG_TURN_ENCLAVE) != 0)
            fail(h, CC_ERROR_INVALID_METADATA);
    for (uint32_t i = nslots - sl_count; i < nslots; i++)
        g_chans[i].spin = sl_spin;
    for (uint32_t i = 0; i < sl_ucount; i++) {
        if (cg_chan_init(&g_uchans[i], h, total, nslots + i, CG_TURN_ENCLAVE) != 0)
            fail(h, CC_ERROR_INVALID_METADATA);
        g_uchans[i].spin = sl_uspin;
    }
    cg_trts_sl_ocall_init(g_uchans, sl_ucount, sl_uretries);
    atomic_store_explicit(&g_chans[0].slot->tid, (uint32_t)gettid(), memory_order_relaxed);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, m->stack_size ? m->stack_size : 256 * 1024);
    for (uint32_t i = 1; i < nslots; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, worker, &g_chans[i]) != 0)
            fail(h, CC_ERROR_OUT_OF_MEMORY);
    }
    pthread_attr_destroy(&attr);
    /* When the host pins switchless workers (the process engine's host does
     * it by thread id), every thread has written its id before the host
     * hears READY. Otherwise READY need not wait for the threads: each
     * serves its slot once it runs, and on kvm every sched_yield() here is
     * a trap into the shim. */
    while (host_pins && atomic_load_explicit(&g_started, memory_order_acquire) < nslots - 1)
        sched_yield();

    h->boot_ns[CG_STAMP_READY] = stamp();
    atomic_store_explicit(&h->state, CG_STATE_READY, memory_order_release);
    cg_futex_wake(&h->state, 1);

    cg_trts_serve(&g_chans[0]);
    _exit(4);
}
