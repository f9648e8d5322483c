/*
 * seccomp_filter.h - the process engine's seccomp program, built once from
 * src/abi/syscall_policy.h with libseccomp.
 */
#ifndef CGEAR_SECCOMP_FILTER_H
#define CGEAR_SECCOMP_FILTER_H

#include <stddef.h>

/* A sealed, read-only memfd holding the compiled BPF program (an array of
 * struct sock_filter), or -1 (with a reason in @why) if libseccomp cannot
 * build it. Built once per process and never closed; it is close-on-exec,
 * the spawn code dup()s it to CG_MON_BPF_FD for cgear-monitor. */
int cg_seccomp_fd(char *why, size_t why_len);

#endif
