/*
 * vm_memory.c - the guest's physical memory.
 *
 * Memslot 0 at GPA 0 is private: reserved by this monitor alone (a memfd
 * nobody else holds), never mapped by the host process. It holds the shim's 16 MiB (shim, per-vCPU
 * areas, page tables), room for the ELF, and the enclave's pool with its
 * allocation bitmap. Memslot 1 is the call window, shared with the host,
 * at the first GiB boundary above private memory (guest-physical
 * addresses must stay below the CPU's MAXPHYADDR). Memslot 2, when the
 * enclave has shared memory (secgear_shared_memory.h), is that region,
 * at the next GiB boundary; the page tables put it at the host's own
 * address for it (paging.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor_abi.h"
#include "vm.h"
#include "window.h"

/* The shared-memory region the host describes in the window header: read
 * once, checked against the range no guest layout address uses, mapped
 * whole from CG_SHM_FD. */
static int map_shm(struct cg_vm *vm)
{
    const struct cg_window_hdr *h = (const struct cg_window_hdr *)vm->window;
    uint64_t va = h->shm_addr, size = h->shm_size;
    if (vm->window_size < CG_PAGE_SIZE || !cg_shm_region_ok(va, size) || size % (2 * CG_MIB) != 0) {
        cg_note("the host's shared-memory region (%#llx, %llu bytes) is outside the allowed range",
                (unsigned long long)va, (unsigned long long)size);
        return CG_MON_EXIT_KVM;
    }
    if (size == 0)
        return 0;
    struct stat st;
    if (fstat(CG_SHM_FD, &st) != 0 || (uint64_t)st.st_size < size) {
        cg_note("the shared memory descriptor is missing or smaller than %llu bytes", (unsigned long long)size);
        return CG_MON_EXIT_KVM;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, CG_SHM_FD, 0);
    close(CG_SHM_FD); /* the mapping is all the monitor keeps */
    uint64_t gpa = vm->window_gpa + cg_round_up(vm->window_size, 1ull << 30);
    struct kvm_userspace_memory_region r = {.slot = 2, .guest_phys_addr = gpa, .memory_size = size,
                                            .userspace_addr = (uint64_t)(uintptr_t)p};
    if (p == MAP_FAILED || ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) != 0) {
        cg_note("cannot map the shared memory into the VM: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    vm->shm_va = va;
    vm->shm_gpa = gpa;
    vm->shm_size = size;
    return 0;
}

int cg_mem_map(struct cg_vm *vm, size_t elf_len, int window_fd, int snap_fd)
{
    const struct cg_vm_config *cfg = &vm->cfg;
    /* Memory: shim area + ELF + pool (heap, stacks, slack) + pool bitmap. */
    vm->pool_size = cg_round_up(cfg->heap_size + (uint64_t)cfg->threads * cfg->stack_size + 16 * CG_MIB, 2 * CG_MIB);
    uint64_t elf_room = cg_round_up(elf_len + 64 * CG_G_PAGE, 2 * CG_MIB) + cg_round_up(64 * CG_MIB, 2 * CG_MIB);
    vm->bitmap_size = cg_round_up(vm->pool_size / CG_G_PAGE / 8 + 1, CG_G_PAGE);
    vm->ram_size = cg_round_up(CG_SHIM_RAM + elf_room + vm->pool_size + vm->bitmap_size, 2 * CG_MIB);
    /* A memfd rather than anonymous memory (the same shmem pages): a
     * snapshot maps it privately over itself, so that its pages become the
     * snapshot and a reset only drops the private copies (snapshot.c). */
    struct stat st;
    vm->ram = MAP_FAILED;
    if (snap_fd >= 0) {
        /* a clone: the snapshot's pages, copy-on-write */
        vm->ram_fd = snap_fd;
        if (fstat(snap_fd, &st) == 0 && (uint64_t)st.st_size == vm->ram_size)
            vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, snap_fd, 0);
    } else {
        vm->ram_fd = memfd_create("cgear-guest-ram", MFD_CLOEXEC);
        if (vm->ram_fd >= 0 && ftruncate(vm->ram_fd, (off_t)vm->ram_size) == 0)
            vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, vm->ram_fd, 0);
    }
    if (vm->ram == MAP_FAILED) {
        cg_note("cannot reserve %llu MiB of guest memory", (unsigned long long)(vm->ram_size / CG_MIB));
        return CG_MON_EXIT_KVM;
    }
    madvise(vm->ram, vm->ram_size, MADV_DONTDUMP);
    /* Transparent huge pages where the kernel can: fewer host page faults
     * and TLB misses for the 2 MiB-aligned pool and direct map. */
    madvise(vm->ram, vm->ram_size, MADV_HUGEPAGE);
    struct kvm_userspace_memory_region ram = {.slot = 0, .guest_phys_addr = 0, .memory_size = vm->ram_size,
                                              .userspace_addr = (uint64_t)(uintptr_t)vm->ram,
                                              .flags = snap_fd >= 0 ? KVM_MEM_LOG_DIRTY_PAGES : 0};
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &ram) != 0 || fstat(window_fd, &st) != 0 || st.st_size <= 0) {
        cg_note("cannot give the VM its memory: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }

    /* The window is the memfd up to the header's total_size; the control
     * page after it (window.h) is mapped apart and never given to the
     * guest. total_size is read once, here, before the guest runs. */
    uint64_t total = 0;
    if (pread(window_fd, &total, sizeof total, offsetof(struct cg_window_hdr, total_size)) != (ssize_t)sizeof total ||
        total < CG_PAGE_SIZE || total % CG_PAGE_SIZE != 0 || total > (uint64_t)st.st_size ||
        (uint64_t)st.st_size - total < CG_PAGE_SIZE) {
        cg_note("the call window's size does not match its header (host and monitor out of step)");
        return CG_MON_EXIT_KVM;
    }
    vm->ctl = mmap(NULL, CG_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, window_fd, (off_t)total);
    if (vm->ctl == MAP_FAILED) {
        cg_note("cannot map the control page: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    vm->window_size = total;
    vm->window = mmap(NULL, vm->window_size, PROT_READ | PROT_WRITE, MAP_SHARED, window_fd, 0);
    vm->window_gpa = cg_round_up(vm->ram_size, 1ull << 30);
    struct kvm_userspace_memory_region win = {.slot = 1, .guest_phys_addr = vm->window_gpa,
                                              .memory_size = vm->window_size,
                                              .userspace_addr = (uint64_t)(uintptr_t)vm->window};
    if (vm->window == MAP_FAILED || ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &win) != 0) {
        cg_note("cannot map the call window into the VM: %s", strerror(errno));
        return CG_MON_EXIT_KVM;
    }
    /* Which vCPUs to pin, read once before the guest can touch the window:
     * the host wrote it. The enclave starts one thread per slot in slot
     * order, each on the next free vCPU, so slot i runs on vCPU i. */
    if (vm->window_size >= sizeof(struct cg_window_hdr)) {
        const volatile struct cg_window_hdr *h = (const void *)vm->window;
        uint32_t nslots = h->nslots, sl_count = h->sl_count, sl_ucount = h->sl_ucount;
        uint64_t cores = h->sl_tcores, slot_off = h->slot_offset, slot_size = h->slot_size;
        /* snapshots: the slots' headers, where the enclave will look */
        if (nslots >= 1 && nslots <= CG_MAX_SLOTS && sl_count == 0 && sl_ucount == 0 &&
            slot_size >= CG_SLOT_HDR_SIZE && slot_size <= vm->window_size && slot_off <= vm->window_size &&
            (vm->window_size - slot_off) / slot_size >= nslots) {
            vm->win_slots = nslots;
            vm->win_slot_off = slot_off;
            vm->win_slot_size = slot_size;
        }
        if (cores != 0 && sl_count != 0 && sl_count < nslots && nslots <= cfg->threads) {
            vm->pin_first = nslots - sl_count;
            vm->pin_end = nslots;
            vm->pin_cores = cores;
        }
    }
    return map_shm(vm);
}
