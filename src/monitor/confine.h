/*
 * confine.h - the monitor confines itself with seccomp programs the host
 * built (libseccomp, host side) and passed on CG_MON_BPF_FD.
 *
 * The process engine's descriptor holds one program (the enclave's
 * allow-list, src/abi/syscall_policy.h). The kvm engine's holds two, after
 * a struct cg_filter_pair header (monitor_abi.h): the setup program, installed first thing,
 * and the tighter run program, installed once the VM is built and before
 * the guest runs (docs/monitor-seccomp.md lists both).
 */
#ifndef CGEAR_MONITOR_CONFINE_H
#define CGEAR_MONITOR_CONFINE_H

#include <stddef.h>
#include <stdint.h>

#include "monitor_abi.h" /* struct cg_filter_pair */

/* Kernel ABI for seccomp(2) (musl ships no linux/ headers). */
struct cg_sock_filter {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};

_Static_assert(sizeof(struct cg_sock_filter) == CG_BPF_INSN_SIZE, "one classic-BPF instruction");

struct cg_bpf {
    struct cg_sock_filter *insns;
    unsigned short len;
};

/* Read the kvm engine's two programs from @fd into malloc'd memory.
 * Returns 0, or -1 if the descriptor does not hold a valid pair. */
int cg_confine_load_pair(int fd, struct cg_bpf *setup, struct cg_bpf *run);

/* no_new_privs, then install @prog for every thread of the process
 * (SECCOMP_FILTER_FLAG_TSYNC). Returns 0 or -1 (errno set). */
int cg_confine_install(const struct cg_bpf *prog);

#endif
