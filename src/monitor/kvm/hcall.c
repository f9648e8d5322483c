/*
 * hcall.c - the hypercalls of the guest shim, served by the monitor.
 *
 * The shim fills its vCPU's struct cg_hcall block and writes the call
 * number to CG_HC_PORT (kvm_abi.h); vcpu.c sees that exit and calls
 * cg_hc_dispatch(). The block is read once; every guest-controlled
 * argument goes through hc_decode.c (fuzzed apart from KVM) before the
 * monitor acts on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hc_decode.h"
#include "monitor_abi.h"
#include "vm.h"

static const char *vector_name(uint64_t v)
{
    static const char *names[] = {"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
                                  "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
                                  "double fault (#DF)", "coprocessor overrun", "invalid TSS (#TS)",
                                  "segment not present (#NP)", "stack fault (#SS)", "general protection (#GP)",
                                  "page fault (#PF)", "reserved", "x87 error (#MF)", "alignment check (#AC)",
                                  "machine check (#MC)", "SIMD error (#XM)"};
    return v < sizeof names / sizeof names[0] ? names[v] : "exception";
}

/* Debug enclaves: the enclave's output on the host's stderr, exactly as
 * the process engine shows it (PrintInfo lines carry the enclave's name
 * from the enclave runtime itself). */
static void console(struct cg_vm *vm, const char *guest_buf, uint64_t len)
{
    char out[4096];
    memcpy(out, guest_buf, len); /* one read of guest memory */
    pthread_mutex_lock(&vm->lock);
    ssize_t w = write(2, out, len);
    (void)w;
    pthread_mutex_unlock(&vm->lock);
}

/* The arguments are checked by cg_hc_decode_futex() (hc_decode.c). */
static int64_t hc_futex(struct cg_vm *vm, struct cg_vcpu *v, const struct cg_hcall *h)
{
    struct cg_hc_layout l = cg_vm_layout(vm);
    struct cg_hc_futex f;
    int64_t err = cg_hc_decode_futex(&l, h, &f);
    if (err != 0)
        return err;
    long r;
    /* A word in the window is shared with the host process; one in guest
     * RAM only with this process's threads: private, so that its futex
     * key is its address, whatever backs the page (a snapshot turns a
     * shared page into a private copy-on-write one, snapshot.c). Requeue
     * words are in RAM (hc_decode.c). */
    int priv = cg_vm_in_ram(vm, f.word) ? FUTEX_PRIVATE_FLAG : 0;
    switch (f.op) {
    case FUTEX_WAKE:
        r = syscall(SYS_futex, f.word, FUTEX_WAKE | priv, f.count, NULL, NULL, 0);
        return r < 0 ? -errno : r;
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        r = syscall(SYS_futex, f.word, f.op | FUTEX_PRIVATE_FLAG, f.count, (unsigned long)f.nmove, f.word2, f.val3);
        return r < 0 ? -errno : r;
    default:
        /* FUTEX_WAIT. A snapshot or reset wakes the sleeper through
         * wait_word and holds it (snapshot.c); once hold is set it does
         * not sleep at all (it would miss the wake-up). */
        v->at_wait = true;
        v->last_word = f.word;
        if (!v->waited)
            __atomic_store_n(&v->waited, true, __ATOMIC_RELAXED);
        __atomic_store_n(&v->wait_word, f.word, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&vm->hold, __ATOMIC_SEQ_CST))
            r = 0;
        else
            r = syscall(SYS_futex, f.word, FUTEX_WAIT | priv, f.val, f.has_timeout ? &f.timeout : NULL, NULL, 0);
        __atomic_store_n(&v->wait_word, NULL, __ATOMIC_SEQ_CST);
        return r < 0 ? -errno : 0;
    }
}

void cg_hc_dispatch(struct cg_vcpu *v)
{
    struct cg_vm *vm = v->vm;
    struct cg_cpu *c = cg_cpu_area(vm, v->index);
    struct cg_hcall h;
    memcpy(&h, (const void *)&c->hc, sizeof h); /* one read of guest memory */
    int64_t ret = 0;
    v->at_wait = false; /* hc_futex() sets it for a FUTEX_WAIT */
    switch (h.nr) {
    case CG_HC_READY:
        break;
    case CG_HC_EXIT:
        /* No note: the status is the enclave's own, and the host reads it
         * as such (a note would make 110-121 look like the monitor's). */
        cg_debug_line("the enclave exited with status %d", (int)(h.a[0] & 0xff));
        cg_vm_stop((int)(h.a[0] & 0xff));
    case CG_HC_FAULT:
        /* the debugger sees the fault first, on this thread; it may resume
         * its own breakpoint or single step */
        if (vm->cfg.gdb && cg_gdb_fault(v, h.a[0])) {
            ret = CG_HC_FAULT_RESUME;
            break;
        }
        if (vm->cfg.debug)
            cg_vcpu_dump_fault(v);
        cg_note("the enclave crashed: %s at rip %#llx (fault address %#llx, error code %#llx, vCPU %u)",
                vector_name(h.a[0]), (unsigned long long)h.a[3], (unsigned long long)h.a[2],
                (unsigned long long)h.a[1], v->index);
        cg_vm_stop(CG_MON_EXIT_GUEST_FAULT);
    case CG_HC_FORBIDDEN:
        cg_note("the enclave made system call %llu at rip %#llx, outside the allow-list (docs/syscalls.md)",
                (unsigned long long)h.a[0], (unsigned long long)h.a[1]);
        cg_vm_stop(CG_MON_EXIT_GUEST_SYSCALL);
    case CG_HC_FUTEX:
        ret = hc_futex(vm, v, &h);
        break;
    case CG_HC_TIME: {
        struct timespec ts;
        clockid_t id = (clockid_t)h.a[0];
        if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC && id != CLOCK_BOOTTIME && id != CLOCK_MONOTONIC_RAW)
            id = CLOCK_MONOTONIC;
        clock_gettime(id, &ts);
        ret = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        break;
    }
    case CG_HC_CONSOLE: {
        struct cg_hc_layout l = cg_vm_layout(vm);
        struct cg_hc_buf b;
        int fd;
        if (cg_hc_decode_console(&l, v->index, vm->cfg.debug, &h, &fd, &b))
            console(vm, (const char *)b.ptr, b.len);
        break;
    }
    case CG_HC_START_CPU:
        ret = cg_hc_decode_start_cpu(&h, vm->ncpus);
        if (ret > 0)
            ret = cg_vcpu_start(vm, (uint32_t)ret);
        break;
    case CG_HC_CPU_EXIT:
        if (vm->cfg.gdb)
            cg_gdb_vcpu_gone(v);
        cg_vcpu_park(v); /* until a clone() needs this vCPU again */
        if (vm->cfg.gdb)
            cg_gdb_vcpu_back(v);
        ret = 0;
        break;
    case CG_HC_RANDOM: {
        /* The shim's entropy where the CPU has no RDRAND. */
        struct cg_hc_layout l = cg_vm_layout(vm);
        struct cg_hc_buf b;
        ret = cg_hc_decode_random(&l, v->index, &h, &b);
        if (ret == 0) {
            long r = syscall(SYS_getrandom, b.ptr, b.len, 0);
            ret = r < 0 ? -errno : r;
        }
        break;
    }
    case CG_HC_OOM:
        cg_debug_line("the enclave asked for %llu bytes beyond its memory budget", (unsigned long long)h.a[0]);
        break;
    default:
        ret = -ENOSYS;
    }
    c->hc.ret = ret;
}
