/*
 * fd_util.h - writing whole buffers to descriptors, and the sealed memfds
 * that carry the monitor, the enclave image and ELF, and the key block
 * between cgear's processes. Host side (glibc): built into cgear_platform,
 * which the host runtime, cgear-launcher and the tool all link.
 */
#ifndef CGEAR_FD_UTIL_H
#define CGEAR_FD_UTIL_H

#include <stddef.h>

/* Write all @len bytes of @p to @fd, retrying short writes and EINTR.
 * Returns 0, or -1 with errno set. */
int cg_write_all(int fd, const void *p, size_t len);

/* Fill the memfd @fd (made with MFD_ALLOW_SEALING, empty) with @len bytes
 * of @p, rewind it, and seal it against any change (shrink, grow, write,
 * further seals). Returns 0, or -1 with errno set; @fd stays open. */
int cg_memfd_fill_seal(int fd, const void *p, size_t len);

/* A new close-on-exec memfd named @name holding @len bytes of @p, sealed
 * and positioned at its start, or -1 with errno set. */
int cg_sealed_memfd(const char *name, const void *p, size_t len);

#endif
