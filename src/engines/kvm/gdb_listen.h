/*
 * gdb_listen.h - CGEAR_GDB for the kvm engine: the host binds the
 * debugger's socket and passes it to cgear-monitor on CG_MON_GDB_FD, so
 * that the monitor never opens a socket itself (docs/debugging.md).
 */
#ifndef CGEAR_KVM_GDB_LISTEN_H
#define CGEAR_KVM_GDB_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

/**
 * cg_kvm_gdb_listen() - a listening socket for the debugger.
 * @spec:    "unix:PATH" or "tcp:HOST:PORT" (HOST a loopback address:
 *           127.x.x.x, localhost, ::1 or [::1]; PORT 1-65535), optionally
 *           followed by ",wait" (no guest instruction before the debugger
 *           attaches).
 * @wait:    receives whether ",wait" was given.
 * @why:     receives the reason on failure.
 * @why_len: size of @why.
 *
 * A socket file left by an earlier run at PATH is replaced; any other
 * file there is refused.
 * Return: a close-on-exec listening descriptor; -1 for a malformed or
 * non-loopback @spec (errno EINVAL) or a socket that cannot be bound
 * (errno from the kernel).
 */
int cg_kvm_gdb_listen(const char *spec, bool *wait, char *why, size_t why_len);

#endif
