/*
 * confine.c - load and install the seccomp programs of confine.h.
 */
#define _GNU_SOURCE
#include "confine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CG_SECCOMP_SET_MODE_FILTER 1
#define CG_SECCOMP_FILTER_FLAG_TSYNC 1

struct cg_sock_fprog {
    unsigned short len;
    struct cg_sock_filter *filter;
};

static int read_prog(int fd, off_t off, uint16_t n, struct cg_bpf *out)
{
    if (n == 0)
        return -1;
    size_t bytes = (size_t)n * sizeof(struct cg_sock_filter);
    out->insns = malloc(bytes);
    if (out->insns == NULL || pread(fd, out->insns, bytes, off) != (ssize_t)bytes)
        return -1;
    out->len = n;
    return 0;
}

int cg_confine_load_pair(int fd, struct cg_bpf *setup, struct cg_bpf *run)
{
    struct stat st;
    struct cg_filter_pair h;
    if (fstat(fd, &st) != 0 || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || h.magic != CG_FILTER_PAIR_MAGIC ||
        (uint64_t)st.st_size != sizeof h + ((uint64_t)h.n_setup + h.n_run) * sizeof(struct cg_sock_filter))
        return -1;
    if (read_prog(fd, (off_t)sizeof h, h.n_setup, setup) != 0 ||
        read_prog(fd, (off_t)(sizeof h + (size_t)h.n_setup * sizeof(struct cg_sock_filter)), h.n_run, run) != 0)
        return -1;
    return 0;
}

int cg_confine_install(const struct cg_bpf *prog)
{
    struct cg_sock_fprog fp = {prog->len, prog->insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    /* TSYNC: vCPU threads started later inherit the filter anyway; any
     * thread already running gets it too. */
    long r = syscall(SYS_seccomp, CG_SECCOMP_SET_MODE_FILTER, CG_SECCOMP_FILTER_FLAG_TSYNC, &fp);
    return r == 0 ? 0 : -1;
}
