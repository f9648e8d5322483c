/*
 * hold_msg.c - datagrams of the standalone-enclave protocol
 * (src/abi/hold_abi.h) and the one-shot client request (standalone.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "standalone.h"

/* Connect to the holder of @id; only a holder of our own uid counts.
 * Returns the socket or -1 with errno set. */
int cg_hold_connect(const char *dir, const char *id, pid_t *peer_pid)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    int n = snprintf(a.sun_path, sizeof a.sun_path, "%s/%s.sock", dir, id);
    if (n < 0 || (size_t)n >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || cr.uid != getuid()) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    if (peer_pid != NULL)
        *peer_pid = cr.pid;
    return fd;
}

int cg_hold_send(int fd, const void *p, size_t len, int pass_fd)
{
    struct iovec iov = {(void *)p, len};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    memset(&c, 0, sizeof c);
    if (pass_fd >= 0) {
        m.msg_control = c.buf;
        m.msg_controllen = sizeof c.buf;
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &pass_fd, sizeof(int));
    }
    ssize_t w;
    while ((w = sendmsg(fd, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return w == (ssize_t)len ? 0 : -1;
}

/* Receive one message of exactly @len bytes within @timeout_ms (-1: no
 * limit), and the descriptor passed with it into @passed (or close it).
 * Returns 0; -1 end of file or error (errno); -2 timeout or malformed. */
static int recv_msg(int fd, void *p, size_t len, int *passed, int timeout_ms)
{
    if (passed != NULL)
        *passed = -1;
    struct pollfd pf = {fd, POLLIN, 0};
    int r;
    while ((r = poll(&pf, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return -1;
    if (r == 0)
        return -2;
    struct iovec iov = {p, len};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } c;
    m.msg_control = c.buf;
    m.msg_controllen = sizeof c.buf;
    ssize_t n;
    while ((n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    int got = -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int x;
            memcpy(&x, CMSG_DATA(h) + i * sizeof(int), sizeof x);
            if (got < 0 && passed != NULL)
                got = x;
            else
                close(x);
        }
    }
    if (n == 0) {
        errno = ECONNRESET;
        n = -1;
    }
    if (n < 0 || (size_t)n != len || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        int err = errno;
        if (got >= 0)
            close(got);
        errno = err;
        return n < 0 ? -1 : -2;
    }
    if (passed != NULL)
        *passed = got;
    return 0;
}

int cg_hold_recv_info(int fd, struct cg_hold_info *info, int *passed, int timeout_ms)
{
    int r = recv_msg(fd, info, sizeof *info, passed, timeout_ms);
    if (r != 0)
        return r;
    if (info->magic != CG_HOLD_MAGIC || info->version != CG_HOLD_VERSION) {
        if (passed != NULL && *passed >= 0) {
            close(*passed);
            *passed = -1;
        }
        return -2;
    }
    info->name[sizeof info->name - 1] = '\0';
    info->image[sizeof info->image - 1] = '\0';
    info->message[sizeof info->message - 1] = '\0';
    return 0;
}

int cg_hold_recv_req(int fd, struct cg_hold_req *req, int timeout_ms)
{
    int r = recv_msg(fd, req, sizeof *req, NULL, timeout_ms);
    if (r != 0)
        return r;
    return req->magic == CG_HOLD_MAGIC && req->version == CG_HOLD_VERSION ? 0 : -2;
}

int cg_hold_request(const char *dir, const char *id, uint32_t op, struct cg_hold_info *info, int *holder_pidfd)
{
    if (holder_pidfd != NULL)
        *holder_pidfd = -1;
    memset(info, 0, sizeof *info);
    pid_t pid = 0;
    int fd = cg_hold_connect(dir, id, &pid);
    if (fd < 0)
        return -1;
    /* Taken while the connection proves the holder alive: the pid cannot
     * have been reused. */
    if (holder_pidfd != NULL && pid > 0)
        *holder_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct cg_hold_req req = {CG_HOLD_MAGIC, CG_HOLD_VERSION, op, 0};
    int r = cg_hold_send(fd, &req, sizeof req, -1) == 0 ? cg_hold_recv_info(fd, info, NULL, CG_HOLD_ANSWER_MS) : -1;
    int err = errno;
    close(fd);
    if (r != 0 && holder_pidfd != NULL && *holder_pidfd >= 0) {
        close(*holder_pidfd);
        *holder_pidfd = -1;
    }
    errno = err;
    return r;
}
