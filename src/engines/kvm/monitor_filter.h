/*
 * monitor_filter.h - the kvm engine's two seccomp programs for
 * cgear-monitor (docs/monitor-seccomp.md), built once with libseccomp.
 */
#ifndef CGEAR_KVM_MONITOR_FILTER_H
#define CGEAR_KVM_MONITOR_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/* A sealed, read-only, close-on-exec memfd holding a struct cg_filter_pair
 * (src/monitor/confine.h) and the setup and run programs; or -1 with a
 * reason in @why. Built once per process and never closed; the spawn code
 * dup()s it to CG_MON_BPF_FD. @gdb: the variant for a debug enclave
 * serving a debugger (CGEAR_GDB; a few more calls, docs/monitor-seccomp.md). */
int cg_kvm_monitor_filter_fd(bool gdb, char *why, size_t why_len);

/* The same two programs as libseccomp contexts are built from, exported
 * into @fd_setup and @fd_run (tests install them in a child). Returns 0 or
 * -1 with @why. */
int cg_kvm_monitor_filter_export(int fd_setup, int fd_run, bool gdb, char *why, size_t why_len);

#endif
