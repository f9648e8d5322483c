/*
 * seccomp_filter.h - the process engine's seccomp program, built once from
 * src/abi/syscall_policy.h with libseccomp.
 */
#ifndef CGEAR_SECCOMP_FILTER_H
#define CGEAR_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stddef.h>

/* The descriptor the launcher exec's the enclave ELF from. */
#define CG_ELF_FD 4

/* The compiled filter, or NULL (with a reason in @why) if libseccomp
 * cannot build it. Built once per process; never freed. Safe to use in a
 * forked child (it is only read). */
const struct sock_fprog *cg_seccomp_program(char *why, size_t why_len);

#endif
