/*
 * clone.c - a new enclave from another enclave's snapshot, with
 * copy-on-write memory (docs/snapshots.md, "A new enclave from a
 * snapshot").
 *
 * The host starts a new monitor with "clone" and one end of a socket pair
 * on CG_MON_PEER_FD, and passes the other end to the monitor holding the
 * snapshot (CG_MON_CTL_FD, then CG_CTL_CLONE). That monitor sends what
 * the snapshot is made of through it: guest RAM's memfd (its pages are
 * the snapshot, never written since) and each vCPU as recorded. The host
 * holds neither the memfd nor the message: the snapshot goes from monitor
 * to monitor.
 *
 * The new monitor maps the memfd privately (copy-on-write: the two
 * enclaves share the snapshot's pages until either writes), makes its
 * vCPUs with the recorded state, writes its own key block into the
 * enclave's reset area (a new instance and report key; the random
 * generators reseed, as after a reset), and starts where the snapshot
 * stood. It keeps the snapshot: it can be reset to it too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "futex.h"
#include "monitor_abi.h"
#include "reset_abi.h"
#include "status.h"
#include "vm.h"
#include "window.h"

#define CG_CLONE_MAGIC 0x656e6f6c43726567ull /* "gerClone" */
#define CG_NO_WORD UINT64_MAX

/* The message: a header, then one record per vCPU the snapshot made. */
struct cg_clone_hdr {
    uint64_t magic;
    uint64_t ram_size, window_size;
    uint64_t pml4, tables_next, reset_gpa, resets;
    uint32_t ncpu;
    uint32_t reserved;
};

struct cg_clone_cpu {
    uint32_t index, state;
    uint64_t pml4;
    uint64_t word_off;    /* ACTIVE: its wait word's offset in the window or RAM; CG_NO_WORD */
    uint32_t word_in_ram; /* the offset is in RAM (else in the window) */
    uint32_t asleep;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    uint32_t nmsr, pad2;
    struct kvm_msr_entry msr[CG_SNAP_MSRS];
};

#define CG_CLONE_MAX (sizeof(struct cg_clone_hdr) + CG_G_MAX_CPUS * sizeof(struct cg_clone_cpu))

/* What cg_clone_receive() got, for cg_clone_build(). */
struct cg_clone_in {
    struct cg_clone_hdr h;
    struct cg_clone_cpu cpu[CG_G_MAX_CPUS];
};

uint32_t cg_clone_send(struct cg_vm *vm)
{
    /* the socket the host passed just before its request */
    char ctl[CMSG_SPACE(sizeof(int))];
    char byte;
    struct iovec iov = {&byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t n = recvmsg(CG_MON_CTL_FD, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    struct cmsghdr *c = n == 1 ? CMSG_FIRSTHDR(&m) : NULL;
    if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
        return CC_ERROR_BAD_PARAMETERS;
    int peer;
    memcpy(&peer, CMSG_DATA(c), sizeof peer);
    uint32_t rc = cg_snap_refusal(vm);
    if (rc == CC_SUCCESS && !vm->snap.taken)
        rc = CC_ERROR_BAD_STATE;
    uint8_t *buf = rc == CC_SUCCESS ? calloc(1, CG_CLONE_MAX) : NULL;
    if (rc == CC_SUCCESS && buf == NULL)
        rc = CC_ERROR_OUT_OF_MEMORY;
    if (rc != CC_SUCCESS) {
        close(peer); /* the new monitor reads the end of its socket and says so */
        return rc;
    }
    /* The snapshot's record: it never changes after the snapshot (RAM's
     * memfd is mapped privately since, the records are the monitor's). */
    struct cg_clone_hdr *h = (struct cg_clone_hdr *)buf;
    struct cg_clone_cpu *rec = (struct cg_clone_cpu *)(buf + sizeof *h);
    *h = (struct cg_clone_hdr){CG_CLONE_MAGIC, vm->ram_size, vm->window_size, vm->pml4, vm->snap.tables_next,
                               vm->reset_gpa, vm->snap.resets, 0, 0};
    for (uint32_t i = 0; i < vm->ncpus; i++) {
        const struct cg_snap_cpu *s = &vm->snap.cpu[i];
        if (s->state == CG_SNAP_UNMADE)
            continue;
        struct cg_clone_cpu *r = &rec[h->ncpu++];
        r->index = i;
        r->state = (uint32_t)s->state;
        r->pml4 = vm->vcpus[i].pml4;
        r->asleep = s->asleep;
        r->regs = s->regs;
        r->sregs = s->sregs;
        r->fpu = s->fpu;
        r->nmsr = s->nmsr;
        memcpy(r->msr, s->msr, sizeof r->msr);
        const uint8_t *w = s->word;
        r->word_off = CG_NO_WORD;
        if (w != NULL && w >= vm->window && w < vm->window + vm->window_size)
            r->word_off = (uint64_t)(w - vm->window);
        else if (w != NULL && cg_vm_in_ram(vm, w)) {
            r->word_off = (uint64_t)(w - vm->ram);
            r->word_in_ram = 1;
        }
    }
    size_t len = sizeof *h + h->ncpu * sizeof *rec;
    struct iovec out = {buf, len};
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct msghdr sm = {.msg_iov = &out, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *sc = CMSG_FIRSTHDR(&sm);
    sc->cmsg_level = SOL_SOCKET;
    sc->cmsg_type = SCM_RIGHTS;
    sc->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(sc), &vm->ram_fd, sizeof(int));
    n = sendmsg(peer, &sm, MSG_NOSIGNAL);
    free(buf);
    close(peer);
    return n == (ssize_t)len ? CC_SUCCESS : CC_ERROR_GENERIC;
}

int cg_clone_receive(struct cg_vm *vm)
{
    struct cg_clone_in *in = calloc(1, sizeof *in);
    if (in == NULL) {
        cg_note("cgear-monitor: out of memory for the snapshot");
        return -1;
    }
    char ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov[2] = {{&in->h, sizeof in->h}, {in->cpu, sizeof in->cpu}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t n;
    do
        n = recvmsg(CG_MON_PEER_FD, &m, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    close(CG_MON_PEER_FD);
    struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
    int fd = -1;
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    /* The other monitor is as trusted as this one, but the message still
     * has to be whole and to fit this enclave's layout. */
    if (fd < 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof in->h ||
        in->h.magic != CG_CLONE_MAGIC || in->h.ncpu == 0 || in->h.ncpu > CG_G_MAX_CPUS ||
        (size_t)n != sizeof in->h + in->h.ncpu * sizeof in->cpu[0]) {
        cg_note("the snapshot to start from did not arrive (the enclave it belongs to has none, or ended)");
        if (fd >= 0)
            close(fd);
        free(in);
        return -1;
    }
    vm->clone_in = in;
    return fd;
}

int cg_clone_build(struct cg_vm *vm)
{
    struct cg_clone_in *in = vm->clone_in;
    const struct cg_clone_hdr *h = &in->h;
    if (h->ram_size != vm->ram_size || h->window_size != vm->window_size || vm->win_slots == 0 ||
        h->reset_gpa == 0 || h->reset_gpa > vm->ram_size - sizeof(struct cg_reset_area) ||
        h->tables_next > vm->ram_size) {
        cg_note("the snapshot does not fit this enclave's memory or call window (another image or manifest?)");
        return CG_MON_EXIT_LOAD;
    }
    vm->boot = (struct cg_boot *)(vm->ram + CG_G_SHIM_GPA + CG_BOOT_OFFSET);
    vm->pml4 = h->pml4;
    vm->tables_next = h->tables_next;
    vm->reset_gpa = h->reset_gpa;
    struct cg_snap *sn = &vm->snap;
    uint64_t pages = vm->ram_size / CG_G_PAGE;
    sn->cpu = calloc(CG_G_MAX_CPUS, sizeof *sn->cpu);
    sn->dirty_bits = calloc((pages + 63) / 64, sizeof *sn->dirty_bits);
    sn->base = mmap(NULL, vm->ram_size, PROT_READ, MAP_SHARED | MAP_NORESERVE, vm->ram_fd, 0);
    if (sn->cpu == NULL || sn->dirty_bits == NULL || sn->base == MAP_FAILED) {
        cg_note("cgear-monitor: out of memory for the snapshot");
        return CG_MON_EXIT_KVM;
    }
    char why[256] = "";
    for (uint32_t k = 0; k < h->ncpu; k++) {
        const struct cg_clone_cpu *r = &in->cpu[k];
        uint32_t i = r->index;
        if (i >= vm->ncpus || vm->vcpus[i].made || (r->state != CG_SNAP_ACTIVE && r->state != CG_SNAP_PARKED) ||
            (r->word_off != CG_NO_WORD &&
             r->word_off > (r->word_in_ram ? vm->ram_size : vm->window_size) - sizeof(uint32_t))) {
            cg_note("the snapshot's vCPU %u does not fit this enclave", i);
            return CG_MON_EXIT_LOAD;
        }
        struct cg_snap_cpu *s = &sn->cpu[i];
        s->state = (int)r->state;
        s->asleep = r->asleep != 0;
        s->regs = r->regs;
        s->sregs = r->sregs;
        s->fpu = r->fpu;
        s->nmsr = r->nmsr <= CG_SNAP_MSRS ? r->nmsr : CG_SNAP_MSRS;
        memcpy(s->msr, r->msr, sizeof s->msr);
        if (r->word_off != CG_NO_WORD)
            s->word = (r->word_in_ram ? vm->ram : vm->window) + r->word_off;
        struct cg_vcpu *v = &vm->vcpus[i];
        v->pml4 = r->pml4; /* its tables are in the snapshot */
        /* made as any vCPU, then set to the snapshot's state */
        if (cg_vcpu_make(vm, i, why, sizeof why) != 0 || cg_snap_set_msrs(v, s) != 0 ||
            cg_snap_load_cpu(v, s, true) != 0) {
            cg_note("cannot make vCPU %u from the snapshot: %s", i, why[0] ? why : strerror(errno));
            return CG_MON_EXIT_KVM;
        }
        /* the answer the restored guest reads: a parked vCPU's CPU_EXIT
         * returns when a clone() hands it a thread; a wait recorded asleep
         * returns woken */
        if (s->state == CG_SNAP_PARKED || s->asleep)
            cg_cpu_area(vm, i)->hc.ret = 0;
    }
    if (!vm->vcpus[0].made || sn->cpu[0].state != CG_SNAP_ACTIVE) {
        cg_note("the snapshot has no first thread to start from");
        return CG_MON_EXIT_LOAD;
    }
    cg_snap_put_sleepers(vm); /* the window is this enclave's own, fresh */
    /* This enclave's own key block (a new instance and report key) and a
     * reset count that differs from every count in the snapshot, so that
     * each thread reseeds its random generator before its next output. */
    struct cg_reset_area *a = (struct cg_reset_area *)(vm->ram + vm->reset_gpa);
    struct cg_enclave_keys keys;
    ssize_t kn = read(CG_KEYS_FD, &keys, sizeof keys);
    close(CG_KEYS_FD);
    if (kn != (ssize_t)sizeof keys || keys.magic != CG_KEYS_MAGIC || keys.version != CG_KEYS_VERSION) {
        cg_note("the host passed no key block for the enclave started from a snapshot");
        return CG_MON_EXIT_LOAD;
    }
    memcpy(&a->keys, &keys, sizeof keys);
    explicit_bzero(&keys, sizeof keys);
    sn->resets = h->resets + 1;
    a->resets = sn->resets;
    sn->tables_next = h->tables_next;
    sn->taken = true;
    free(in);
    vm->clone_in = NULL;
    return 0;
}

void cg_clone_start(struct cg_vm *vm)
{
    for (uint32_t i = 1; i < vm->ncpus; i++)
        if (vm->vcpus[i].made && vm->snap.cpu[i].state == CG_SNAP_ACTIVE && cg_vcpu_resume(vm, i) != 0) {
            cg_note("cannot start the thread of vCPU %u", i);
            cg_vm_stop(CG_MON_EXIT_KVM);
        }
    /* Serving as the snapshot did: the enclave's runtime said READY long
     * ago, in the other enclave. */
    struct cg_window_hdr *w = (struct cg_window_hdr *)vm->window;
    atomic_store_explicit(&w->state, CG_STATE_READY, memory_order_release);
    cg_futex_wake(&w->state, 0x7fffffff);
}
