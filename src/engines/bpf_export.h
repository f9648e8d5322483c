/*
 * bpf_export.h - a libseccomp filter as the classic-BPF bytes a monitor
 * installs (CG_MON_BPF_FD, src/abi/monitor_abi.h). Shared by the process
 * engine (the enclave's allow-list) and the kvm engine (the monitor's own
 * setup and run programs), which both hand the bytes over in a sealed
 * memfd (cg_sealed_memfd(), src/common/fd_util.h).
 */
#ifndef CGEAR_ENGINES_BPF_EXPORT_H
#define CGEAR_ENGINES_BPF_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

/**
 * cg_bpf_export() - the program of @ctx as bytes.
 * @ctx:     a complete libseccomp filter (not loaded here).
 * @prog:    receives a malloc'd copy of the program (free it).
 * @len:     receives its length in bytes: a non-zero multiple of
 *           CG_BPF_INSN_SIZE, at most 0xffff instructions (what the
 *           kernel and struct cg_filter_pair can carry).
 * @why:     receives the reason on failure.
 * @why_len: size of @why.
 * Return: 0; -1 (libseccomp could not export it, no memory, or a size the
 * monitor could not take).
 */
int cg_bpf_export(scmp_filter_ctx ctx, uint8_t **prog, size_t *len, char *why, size_t why_len);

#endif
