/*
 * vm.c - cgear-monitor's KVM engine from start to end: build the
 * enclave's VM in steps (listed in vm.h), confine the monitor, run vCPU 0.
 * Also the monitor's output (the note pipe, debug lines) and its stop.
 *
 * g_vm, the one VM of this process, is defined here only: the other files
 * are handed it (or a vCPU of it) by the step that calls them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor_abi.h"
#include "pvm_detect.h"
#include "vm.h"
#include "window.h"

static struct cg_vm g_vm;

/* One line of monitor output: to the note pipe (@note) and, for debug
 * enclaves, to the host's stderr. */
static void out_line(bool note, const char *fmt, va_list ap)
{
    char line[512];
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = 0;
    if (note)
        w = write(CG_MON_NOTE_FD, line, (size_t)n);
    if (g_vm.cfg.debug) {
        w = write(2, "cgear-monitor: ", 15);
        w = write(2, line, (size_t)n);
    }
    (void)w;
}

void cg_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out_line(true, fmt, ap);
    va_end(ap);
}

/* Debug enclaves: a line on the host's stderr, not on the note pipe (the
 * note is only for why the monitor stopped the enclave). */
void cg_debug_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out_line(false, fmt, ap);
    va_end(ap);
}

/* _exit: no atexit handlers or stdio to flush in the monitor, and the other
 * vCPU threads must not run on. */
_Noreturn void cg_vm_stop(int status)
{
    if (g_vm.cfg.gdb)
        cg_gdb_exiting(status);
    _exit(status);
}

/* /dev/kvm, the VM and vCPU 0. vCPU 0 comes first: which KVM this is
 * decides the page tables (PVM needs every page user-accessible) and the
 * CPUID decides CR4. Returns 0 or CG_MON_EXIT_KVM, after a note. */
static int create_vm(struct cg_vm *vm)
{
    char why[256] = "";
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        cg_note("cannot open /dev/kvm: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    int rs = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->vm_fd < 0 || rs <= 0) {
        cg_note("KVM_CREATE_VM failed: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    vm->run_size = (size_t)rs;
    if (cg_vcpu_open(vm, 0, why, sizeof why) != 0) {
        cg_note("%s", why);
        return CG_MON_EXIT_KVM;
    }
    vm->pvm = cg_kvm_is_pvm(vm->vcpus[0].fd);
    if (cg_cpuid_prepare(vm, why, sizeof why) != 0) {
        cg_note("cannot set the guest's CPUID: %s", why);
        return CG_MON_EXIT_KVM;
    }
    return 0;
}

/* The VM is built: give up everything running it does not need, then
 * install the run program (docs/monitor-seccomp.md). From here on the
 * monitor holds only the VM, its vCPUs, the window and the note pipe. */
static int confine(struct cg_vm *vm)
{
    close(vm->kvm_fd); /* /dev/kvm itself: only the VM and vCPU descriptors stay */
    vm->kvm_fd = -1;
    close(CG_ELF_FD);  /* loaded into guest memory already */
    close(CG_MON_BPF_FD);
    /* No locked memory or message queues (not RLIMIT_FSIZE: a debug
     * enclave's console may be a log file on fd 2, and nothing else can be
     * written: the filter opens no file). Descriptors: only room for the
     * vCPUs the enclave's own threads may still need (KVM_CREATE_VCPU;
     * a new descriptor takes the lowest free number) and, with gdb, the
     * debugger's connection (gdb_cpu.c). */
    int hi = vm->cfg.gdb ? CG_MON_GDB_CONN_FD : 2;
    uint32_t unmade = 0;
    hi = vm->vm_fd > hi ? vm->vm_fd : hi;
    for (uint32_t i = 0; i < vm->ncpus; i++) {
        if (!vm->vcpus[i].made)
            unmade++;
        else if (vm->vcpus[i].fd > hi)
            hi = vm->vcpus[i].fd;
    }
    static const int none[] = {RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_CORE};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        /* descriptors: + 1 for the socket of a clone request (clone.c) */
        rlim_t n = none[i] == RLIMIT_NOFILE ? (rlim_t)hi + 2 + unmade : 0;
        struct rlimit zero = {n, n};
        if (setrlimit(none[i], &zero) != 0) {
            cg_note("cgear-monitor could not drop its resource limits: %s", strerror(errno));
            return -1;
        }
    }
    if (vm->cfg.run_filter == NULL)
        return 0;
    if (cg_confine_install(vm->cfg.run_filter) != 0) {
        cg_note("cgear-monitor could not install its run-time seccomp filter: %s", strerror(errno));
        return -1;
    }
    if (vm->cfg.seccomp_selftest) {
        /* Proof that the filter holds: a call outside it ends the monitor
         * with SIGSYS, which the host reports. */
        syscall(SYS_openat, -100 /* AT_FDCWD */, "/", O_RDONLY);
        cg_note("cgear-monitor's seccomp self-test: openat was not stopped");
        return -1;
    }
    return 0;
}

/* The start-up profile: the time at point @which (enum cg_boot_stamp),
 * kept and, once the window is mapped, copied to its header with the
 * points before it. One clock read per point. */
static void stamp(struct cg_vm *vm, int which)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    vm->stamps[which] = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    if (vm->window != NULL && vm->window_size >= CG_PAGE_SIZE) {
        struct cg_window_hdr *h = (struct cg_window_hdr *)vm->window;
        for (int i = 0; i <= which; i++)
            h->boot_ns[i] = vm->stamps[i];
    }
}

int cg_vm_run(const struct cg_vm_config *cfg, const uint8_t *elf, size_t elf_len, int window_fd)
{
    struct cg_vm *vm = &g_vm;
    vm->cfg = *cfg;
    pthread_mutex_init(&vm->lock, NULL);
    pthread_cond_init(&vm->parked_cv, NULL);
    /* Every vCPU the guest layout has room for: the call slots' threads
     * and the enclave's own (cg_vcpu_start makes them as they come). */
    vm->ncpus = CG_G_MAX_CPUS;
    if (cfg->threads == 0 || cfg->threads > CG_G_MAX_CPUS) {
        cg_note("the manifest asks for %u threads; the KVM engine runs 1 to %u", cfg->threads, CG_G_MAX_CPUS);
        return CG_MON_EXIT_LOAD;
    }
    /* Each step needs the ones before it; the first failure ends the run
     * with that step's status (its note already sent). */
    int rc;
    vm->stamps[CG_STAMP_MON_MAIN] = cfg->t_main;
    if ((rc = create_vm(vm)) != 0)                          /* /dev/kvm, the VM, vCPU 0, the CPUID */
        return rc;
    stamp(vm, CG_STAMP_VM);
    int snap_fd = -1;
    if (vm->cfg.clone && (snap_fd = cg_clone_receive(vm)) < 0) /* another enclave's snapshot */
        return CG_MON_EXIT_LOAD;
    if ((rc = cg_mem_map(vm, elf_len, window_fd, snap_fd)) != 0) /* private memory and the call window */
        return rc;
    stamp(vm, CG_STAMP_MEMORY);
    if (vm->cfg.clone) {
        if ((rc = cg_clone_build(vm)) != 0)                /* the snapshot's boot block, keys and vCPUs */
            return rc;
    } else if ((rc = cg_shim_place(vm)) != 0 ||            /* the shim image and its boot block */
               (rc = cg_pt_build(vm, elf, elf_len)) != 0 || /* shared page tables, the ELF, the pool */
               (rc = cg_shim_boot_fill(vm, elf, elf_len)) != 0) { /* boot parameters, keys, initial stack */
        return rc;
    }
    stamp(vm, CG_STAMP_LOAD);
    if (!vm->cfg.clone && (rc = cg_vcpus_create(vm)) != 0) /* every vCPU ready, none running */
        return rc;
    /* Last before the guest's first instruction: nothing later opens a
     * file or needs an ioctl other than KVM_RUN. */
    if (vm->cfg.gdb && cg_gdb_signals() != 0)
        return CG_MON_EXIT_FILTER;
    if (cg_snap_start(vm) != 0)                            /* the host's snapshot requests */
        return CG_MON_EXIT_KVM;
    if (confine(vm) != 0)
        return CG_MON_EXIT_FILTER;
    if (vm->cfg.gdb && cg_gdb_start(vm) != 0)
        return CG_MON_EXIT_FILTER;
    stamp(vm, CG_STAMP_VCPUS);
    if (vm->cfg.clone)
        cg_clone_start(vm);
    cg_vcpu_run_first(vm);
}
