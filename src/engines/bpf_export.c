/*
 * bpf_export.c - libseccomp filters as classic-BPF bytes (bpf_export.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf_export.h"
#include "monitor_abi.h"

int cg_bpf_export(scmp_filter_ctx ctx, uint8_t **prog, size_t *len, char *why, size_t why_len)
{
    *prog = NULL;
    *len = 0;
    /* libseccomp exports only to a descriptor: a private memfd. */
    int fd = memfd_create("cgear-bpf-export", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "memfd_create failed: %s", strerror(errno));
        return -1;
    }
    int rc = -1;
    off_t size = -1;
    if (seccomp_export_bpf(ctx, fd) != 0) {
        snprintf(why, why_len, "libseccomp could not export the seccomp program");
        goto out;
    }
    size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % CG_BPF_INSN_SIZE != 0 || size / CG_BPF_INSN_SIZE > 0xffff) {
        snprintf(why, why_len, "the exported seccomp program has a bad size (%lld bytes)", (long long)size);
        goto out;
    }
    uint8_t *p = malloc((size_t)size);
    if (p == NULL || pread(fd, p, (size_t)size, 0) != size) {
        snprintf(why, why_len, "cannot read back the seccomp program");
        free(p);
        goto out;
    }
    *prog = p;
    *len = (size_t)size;
    rc = 0;
out:
    close(fd);
    return rc;
}
