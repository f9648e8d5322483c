/*
 * vm.c - build the enclave's VM, confine the monitor, run vCPU 0.
 *
 * Memory: one private memslot (never mapped by the host process: only this
 * monitor holds it) and the call window. The vCPUs and their run loop are
 * in vcpu.c, the hypercalls the shim makes in hcall.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "enclave_keys.h"
#include "monitor_abi.h"
#include "pvm_detect.h"
#include "vm.h"

extern const unsigned char cg_shim_image[];
extern const unsigned char cg_shim_image_end[];

#define MIB (1ull << 20)
#define SHIM_RAM (16 * MIB) /* shim, per-vCPU areas, tables: GPA [0, 16 MiB) */

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
    _exit(status);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
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
    /* no new descriptors, locked memory or message queues (not
     * RLIMIT_FSIZE: a debug enclave's console may be a log file on fd 2,
     * and nothing else can be written: the filter opens no file) */
    static const int none[] = {RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_CORE};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        struct rlimit zero = {0, 0};
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

int cg_vm_run(const struct cg_vm_config *cfg, const uint8_t *elf, size_t elf_len, int window_fd)
{
    struct cg_vm *vm = &g_vm;
    char why[256] = "";
    vm->cfg = *cfg;
    pthread_mutex_init(&vm->lock, NULL);
    if (cfg->threads == 0 || cfg->threads > CG_G_MAX_CPUS) {
        cg_note("the manifest asks for %u threads; the KVM engine runs 1 to %u", cfg->threads, CG_G_MAX_CPUS);
        return CG_MON_EXIT_LOAD;
    }
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
    /* vCPU 0 first: which KVM this is decides the page tables (PVM needs
     * every page user-accessible) and the CPUID decides CR4. */
    vm->vcpus[0].fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpus[0].fd < 0) {
        cg_note("KVM_CREATE_VCPU 0 failed: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    vm->pvm = cg_kvm_is_pvm(vm->vcpus[0].fd);
    if (cg_cpuid_prepare(vm, why, sizeof why) != 0) {
        cg_note("cannot set the guest's CPUID: %s", why);
        return CG_MON_EXIT_KVM;
    }

    /* Memory: shim area + ELF + pool (heap, stacks, slack) + pool bitmap. */
    uint64_t pool = round_up(cfg->heap_size + (uint64_t)cfg->threads * cfg->stack_size + 16 * MIB, 2 * MIB);
    uint64_t elf_room = round_up(elf_len + 64 * CG_G_PAGE, 2 * MIB) + round_up(64 * MIB, 2 * MIB);
    uint64_t bitmap = round_up(pool / CG_G_PAGE / 8 + 1, CG_G_PAGE);
    vm->ram_size = round_up(SHIM_RAM + elf_room + pool + bitmap, 2 * MIB);
    vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->ram == MAP_FAILED) {
        cg_note("cannot reserve %llu MiB of guest memory", (unsigned long long)(vm->ram_size / MIB));
        return CG_MON_EXIT_KVM;
    }
    madvise(vm->ram, vm->ram_size, MADV_DONTDUMP);
    /* Transparent huge pages where the kernel can: fewer host page faults
     * and TLB misses for the 2 MiB-aligned pool and direct map. */
    madvise(vm->ram, vm->ram_size, MADV_HUGEPAGE);
    struct kvm_userspace_memory_region ram = {.slot = 0, .guest_phys_addr = 0, .memory_size = vm->ram_size,
                                              .userspace_addr = (uint64_t)(uintptr_t)vm->ram};
    struct stat st;
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &ram) != 0 || fstat(window_fd, &st) != 0 || st.st_size <= 0) {
        cg_note("cannot give the VM its memory: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    vm->window_size = round_up((uint64_t)st.st_size, CG_G_PAGE);
    vm->window = mmap(NULL, vm->window_size, PROT_READ | PROT_WRITE, MAP_SHARED, window_fd, 0);
    vm->window_gpa = round_up(vm->ram_size, 1ull << 30);
    struct kvm_userspace_memory_region win = {.slot = 1, .guest_phys_addr = vm->window_gpa,
                                              .memory_size = vm->window_size,
                                              .userspace_addr = (uint64_t)(uintptr_t)vm->window};
    if (vm->window == MAP_FAILED || ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &win) != 0) {
        cg_note("cannot map the call window into the VM: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }

    /* The shim. */
    size_t shim_len = (size_t)(cg_shim_image_end - cg_shim_image);
    if (shim_len > CG_G_SHIM_MAX || shim_len < CG_BOOT_OFFSET + sizeof(struct cg_boot)) {
        cg_note("the embedded shim has a bad size");
        return CG_MON_EXIT_KVM;
    }
    memcpy(vm->ram + CG_G_SHIM_GPA, cg_shim_image, shim_len);
    vm->boot = (struct cg_boot *)(vm->ram + CG_G_SHIM_GPA + CG_BOOT_OFFSET);
    if (vm->boot->magic != CG_BOOT_MAGIC) {
        cg_note("the embedded shim has no boot block");
        return CG_MON_EXIT_KVM;
    }
    struct cg_boot *b = vm->boot;

    /* Page tables: direct map for the shim, the ELF, the pool, the window. */
    vm->tables_next = CG_G_TABLES_GPA;
    uint64_t pml4 = cg_pt_new(vm);
    int bad = pml4 == 0;
    bad |= cg_pt_map(vm, pml4, CG_G_DIRECT_VA, 0, SHIM_RAM, CG_PTE_W, true);
    bad |= cg_pt_map(vm, pml4, CG_G_DIRECT_VA + SHIM_RAM, SHIM_RAM, vm->ram_size - SHIM_RAM, CG_PTE_W | CG_PTE_NX,
                     true);
    vm->next_gpa = CG_G_FREE_GPA;
    if (bad || cg_load_elf(vm, pml4, elf, elf_len, why, sizeof why) != 0) {
        cg_note("cannot load the enclave: %s", why[0] ? why : "page tables do not fit");
        return CG_MON_EXIT_LOAD;
    }
    b->pool_gpa = round_up(vm->next_gpa, 2 * MIB);
    b->pool_size = pool;
    b->pool_va = CG_G_POOL_VA;
    b->bitmap_gpa = b->pool_gpa + pool;
    b->window_va = CG_G_WINDOW_VA;
    b->window_size = vm->window_size;
    b->window_gpa = vm->window_gpa;
    b->ram_size = vm->ram_size;
    b->ncpus = cfg->threads;
    b->debug = cfg->debug;
    b->pml4_gpa = pml4;
    if (b->bitmap_gpa + bitmap > vm->ram_size ||
        cg_pt_map(vm, pml4, CG_G_POOL_VA, b->pool_gpa, pool, CG_PTE_U | CG_PTE_W | CG_PTE_NX, true) != 0 ||
        cg_pt_map(vm, pml4, CG_G_WINDOW_VA, vm->window_gpa, vm->window_size, CG_PTE_U | CG_PTE_W | CG_PTE_NX,
                  false) != 0) {
        cg_note("cannot map the enclave's memory (pool %llu MiB)", (unsigned long long)(pool / MIB));
        return CG_MON_EXIT_LOAD;
    }
    /* The enclave's key block (fd 8), for the shim to hand over once. */
    ssize_t kn = read(CG_KEYS_FD, b->keys, sizeof b->keys);
    b->keys_len = kn == (ssize_t)sizeof b->keys ? (uint64_t)kn : 0;
    close(CG_KEYS_FD);
    if (cg_build_stack(vm, elf, elf_len, why, sizeof why) != 0) {
        cg_note("cannot build the enclave's stack: %s", why);
        return CG_MON_EXIT_LOAD;
    }

    b->pvm = vm->pvm;
    b->features = vm->features;
    /* vCPUs: all created now (memory and registers ready), vCPU 0 runs. */
    for (uint32_t i = 0; i < cfg->threads; i++) {
        struct cg_cpu *c = cg_cpu_area(vm, i);
        memset(c, 0, sizeof *c);
        c->self = CG_G_PERCPU_VA;
        c->kstack_top = CG_G_PERCPU_VA + CG_G_CPU_SIZE;
        c->index = i;
        c->tid = i == 0 ? 1 : 0;
        c->area_gpa = CG_G_CPU_GPA + (uint64_t)i * CG_G_CPU_SIZE;
        struct cg_vcpu *v = &vm->vcpus[i];
        v->vm = vm;
        v->index = i;
        v->pml4 = cg_pt_clone_top(vm, pml4);
        if (v->pml4 == 0 || cg_pt_map(vm, v->pml4, CG_G_PERCPU_VA, c->area_gpa, CG_G_CPU_SIZE, CG_PTE_W | CG_PTE_NX,
                                      false) != 0) {
            cg_note("no room for the page tables of vCPU %u", i);
            return CG_MON_EXIT_KVM;
        }
        if (i != 0)
            v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
        if (v->fd < 0) {
            cg_note("KVM_CREATE_VCPU %u failed: %s", i, strerror(errno));
            return CG_MON_EXIT_KVM;
        }
        v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
        if (v->run == MAP_FAILED) {
            cg_note("cannot map kvm_run of vCPU %u", i);
            return CG_MON_EXIT_KVM;
        }
        if (cg_arch_setup_vcpu(vm, v, why, sizeof why) != 0) {
            cg_note("cannot set up vCPU %u: %s", i, why);
            return CG_MON_EXIT_KVM;
        }
    }
    if (confine(vm) != 0)
        return CG_MON_EXIT_FILTER;
    cg_vcpu_run_first(vm);
}
