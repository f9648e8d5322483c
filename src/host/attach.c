/*
 * attach.c - standalone enclaves (see attach.h and docs/cli.md).
 *
 * The holder side: a process that created an enclave serves requests on a
 * Unix socket (cgear_hold_serve): describe it, stop it, or hand its call
 * window to one attached host at a time.
 *
 * The attach side: cc_enclave_create("cgear-enclave:ID", ...) connects to
 * the holder, receives the window memfd, maps it and builds an ordinary
 * struct cg_enclave around it, so ECALLs, OCALLs and nested calls take the
 * normal path (ecall.c, channel.c). It never owns the enclave process: it
 * cannot signal it, and destroying the context only detaches. A watcher
 * thread keeps the connection: when the holder reports the enclave's death
 * or simply vanishes (killed, crashed), the context is marked lost, which
 * writes DEAD into the window and wakes every waiting caller, so no call
 * hangs on an enclave that is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "host.h"
#include "log.h"

/* How long a holder may take to answer a request. */
#define CG_HOLD_ANSWER_MS 5000
/* How long a host that went away mid-call may leave a slot busy before
 * the holder gives up on the enclave's state. */
#define CG_QUIESCE_MS 3000

/* The attachment of a context made by cg_attach_create(). */
struct cg_attach {
    int sock;     /* connection to the holder; closing it detaches */
    int stop_efd; /* eventfd: tells the watcher to end */
    pthread_t watcher;
    bool watcher_started;
};

/* ---- runtime directory and ids ---- */

int cgear_rt_dir(char *buf, size_t len, bool create, char *why, size_t why_len)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n = xdg != NULL && xdg[0] == '/' ? snprintf(buf, len, "%s/cgear", xdg)
                                         : snprintf(buf, len, "/tmp/cgear-%u", (unsigned)getuid());
    if (n < 0 || (size_t)n >= len) {
        snprintf(why, why_len, "the runtime directory path is too long (XDG_RUNTIME_DIR)");
        errno = ENAMETOOLONG;
        return -1;
    }
    if (create && mkdir(buf, 0700) != 0 && errno != EEXIST) {
        int err = errno;
        snprintf(why, why_len, "cannot create the runtime directory %s: %s", buf, strerror(err));
        errno = err;
        return -1;
    }
    struct stat st;
    if (lstat(buf, &st) != 0) {
        int err = errno;
        snprintf(why, why_len, "no runtime directory %s: %s", buf, strerror(err));
        errno = err;
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, why_len, "%s is not a directory; remove it (cgear keeps its enclave records there)", buf);
        errno = ENOTDIR;
        return -1;
    }
    if (st.st_uid != getuid() || (st.st_mode & 077) != 0) {
        snprintf(why, why_len,
                 "%s is not private (owner uid %u, mode %03o): it must belong to you with mode 0700; "
                 "remove it, or set XDG_RUNTIME_DIR to a private directory",
                 buf, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
        errno = EPERM;
        return -1;
    }
    return 0;
}

bool cgear_rt_id_valid(const char *id)
{
    size_t n = 0;
    if (id == NULL)
        return false;
    for (; id[n] != '\0'; n++) {
        char c = id[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') || n >= CG_ID_MAX)
            return false;
    }
    return n > 0;
}

/* ---- messages ---- */

/* Connect to the holder of @id; only a holder of our own uid counts.
 * Returns the socket or -1 with errno set. */
static int hold_connect(const char *dir, const char *id, pid_t *peer_pid)
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

static int send_msg(int fd, const void *p, size_t len, int pass_fd)
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

static int recv_info(int fd, struct cg_hold_info *info, int *passed, int timeout_ms)
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

int cgear_hold_request(const char *dir, const char *id, uint32_t op, struct cg_hold_info *info, int *holder_pidfd)
{
    if (holder_pidfd != NULL)
        *holder_pidfd = -1;
    memset(info, 0, sizeof *info);
    pid_t pid = 0;
    int fd = hold_connect(dir, id, &pid);
    if (fd < 0)
        return -1;
    /* Taken while the connection proves the holder alive: the pid cannot
     * have been reused. */
    if (holder_pidfd != NULL && pid > 0)
        *holder_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct cg_hold_req req = {CG_HOLD_MAGIC, CG_HOLD_VERSION, op, 0};
    int r = send_msg(fd, &req, sizeof req, -1) == 0 ? recv_info(fd, info, NULL, CG_HOLD_ANSWER_MS) : -1;
    int err = errno;
    close(fd);
    if (r != 0 && holder_pidfd != NULL && *holder_pidfd >= 0) {
        close(*holder_pidfd);
        *holder_pidfd = -1;
    }
    errno = err;
    return r;
}

/* ---- the holder ---- */

struct holder {
    cc_enclave_t *ctx;
    struct cg_enclave *e;
    const struct cg_hold_config *cfg;
    int att_fd; /* the attached host's connection, or -1 */
    pid_t att_pid;
    bool stop;
    cc_enclave_result_t result;
};

static void fill_info(const struct holder *h, struct cg_hold_info *i, uint32_t op, cc_enclave_result_t status,
                      const char *message)
{
    const struct cg_enclave *e = h->e;
    memset(i, 0, sizeof *i);
    i->magic = CG_HOLD_MAGIC;
    i->version = CG_HOLD_VERSION;
    i->op = op;
    i->status = (uint32_t)status;
    i->engine_type = (uint32_t)e->engine->type;
    i->flags = e->flags & SECGEAR_DEBUG_FLAG;
    i->nslots = e->nslots;
    i->security_version = e->security_version;
    i->window_size = e->window_size;
    i->heap_size = e->manifest.heap_size;
    i->stack_size = e->manifest.stack_size;
    i->started = h->cfg->started;
    i->holder_pid = (int32_t)getpid();
    i->monitor_pid = (int32_t)e->pid;
    i->attached_pid = (int32_t)h->att_pid;
    i->is_signed = e->is_signed;
    memcpy(i->measurement, e->measurement, sizeof i->measurement);
    memcpy(i->signer, e->signer, sizeof i->signer);
    snprintf(i->name, sizeof i->name, "%s", e->manifest.name);
    snprintf(i->image, sizeof i->image, "%s", h->cfg->image ? h->cfg->image : "");
    if (message != NULL)
        snprintf(i->message, sizeof i->message, "%s", message);
}

/* Is every slot at rest: the host's turn, after a complete response (or
 * never used)? Anything else means a call was in flight. */
static bool slots_at_rest(const struct cg_enclave *e)
{
    for (uint32_t i = 0; i < e->nslots; i++) {
        const volatile struct cg_slot_hdr *s = e->chans[i].slot;
        uint32_t turn = atomic_load(&e->chans[i].slot->turn);
        uint32_t kind = s->kind;
        uint64_t total = s->total, offset = s->offset, len = s->len;
        if (turn != CG_TURN_HOST)
            return false;
        if (kind == 0)
            continue;
        if (kind != CG_MSG_ECALL_RET || offset > total || len != total - offset)
            return false;
    }
    return true;
}

/* After a host left: wait a little for calls it left in flight to come
 * back; if they do not, nobody can know the enclave's state. */
static bool wait_at_rest(const struct cg_enclave *e)
{
    for (int waited = 0; waited < CG_QUIESCE_MS; waited += 20) {
        if (atomic_load(&e->lost) || slots_at_rest(e))
            return true;
        struct timespec t = {0, 20 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return slots_at_rest(e);
}

/* The attached host sends nothing; readable means it closed (or sent
 * garbage, which is read and ignored). */
static bool peer_gone(int fd)
{
    char b;
    ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static void drop_attached(struct holder *h)
{
    if (h->att_fd < 0)
        return;
    close(h->att_fd);
    h->att_fd = -1;
    pid_t pid = h->att_pid;
    h->att_pid = 0;
    if (!wait_at_rest(h->e)) {
        cg_log_error("standalone enclave %s: host pid %d went away in the middle of a call; the enclave's state "
                     "is unknown, so it is stopped",
                     h->cfg->id, (int)pid);
        h->stop = true;
        h->result = CC_ERROR_ENCLAVE_LOST;
    } else {
        cg_log_info("standalone enclave %s: host pid %d detached", h->cfg->id, (int)pid);
    }
}

static void serve_conn(struct holder *h, int fd)
{
    struct ucred cr;
    socklen_t cl = sizeof cr;
    struct cg_hold_req req;
    struct cg_hold_info info;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || cr.uid != getuid() ||
        recv_msg(fd, &req, sizeof req, NULL, CG_HOLD_ANSWER_MS) != 0 || req.magic != CG_HOLD_MAGIC ||
        req.version != CG_HOLD_VERSION) {
        close(fd);
        return;
    }
    switch (req.op) {
    case CG_HOLD_INFO:
        fill_info(h, &info, req.op, CC_SUCCESS, NULL);
        send_msg(fd, &info, sizeof info, -1);
        break;
    case CG_HOLD_STOP:
        fill_info(h, &info, req.op, CC_SUCCESS, NULL);
        send_msg(fd, &info, sizeof info, -1);
        cg_log_info("standalone enclave %s: stop requested by pid %d", h->cfg->id, (int)cr.pid);
        h->stop = true;
        h->result = CC_SUCCESS;
        break;
    case CG_HOLD_ATTACH:
        if (h->att_fd >= 0) {
            /* The previous host may have just left: notice it first. */
            struct pollfd pf = {h->att_fd, POLLIN, 0};
            if (poll(&pf, 1, 0) == 1 && peer_gone(h->att_fd))
                drop_attached(h);
        }
        if (h->stop) {
            fill_info(h, &info, req.op, CC_ERROR_ENCLAVE_LOST, "the enclave is stopping");
            send_msg(fd, &info, sizeof info, -1);
        } else if (h->att_fd >= 0) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "enclave %s is attached by host pid %d; one host attaches at a time: wait until it "
                     "calls cc_enclave_destroy() or exits",
                     h->cfg->id, (int)h->att_pid);
            fill_info(h, &info, req.op, CC_ERROR_BUSY, msg);
            send_msg(fd, &info, sizeof info, -1);
        } else {
            fill_info(h, &info, req.op, CC_SUCCESS, NULL);
            info.attached_pid = (int32_t)cr.pid;
            if (send_msg(fd, &info, sizeof info, h->e->window_fd) == 0) {
                h->att_fd = fd;
                h->att_pid = cr.pid;
                cg_log_info("standalone enclave %s: host pid %d attached", h->cfg->id, (int)cr.pid);
                return;
            }
        }
        break;
    default:
        fill_info(h, &info, req.op, CC_ERROR_BAD_PARAMETERS, "unknown request");
        send_msg(fd, &info, sizeof info, -1);
        break;
    }
    close(fd);
}

cc_enclave_result_t cgear_hold_serve(cc_enclave_t *enclave, const struct cg_hold_config *cfg)
{
    if (enclave == NULL || cfg == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_enclave *e = enclave->private_data;
    if (e->attach != NULL) {
        cg_log_error("cgear_hold_serve: an attached context cannot be served again");
        return CC_ERROR_BAD_PARAMETERS;
    }
    struct holder h = {enclave, e, cfg, -1, 0, false, CC_SUCCESS};
    while (!h.stop) {
        if (atomic_load(&e->lost)) {
            h.result = e->lost_reason;
            break;
        }
        struct pollfd p[4];
        int n = 0, i_att = -1, i_stop = -1, i_pid = -1;
        p[n++] = (struct pollfd){cfg->listen_fd, POLLIN, 0};
        if (h.att_fd >= 0) {
            i_att = n;
            p[n++] = (struct pollfd){h.att_fd, POLLIN, 0};
        }
        if (cfg->stop_fd >= 0) {
            i_stop = n;
            p[n++] = (struct pollfd){cfg->stop_fd, POLLIN, 0};
        }
        if (e->pidfd >= 0) {
            i_pid = n;
            p[n++] = (struct pollfd){e->pidfd, POLLIN, 0};
        }
        int r = poll(p, (nfds_t)n, 200);
        if (r < 0 && errno != EINTR) {
            cg_log_error("standalone enclave %s: poll failed: %s", cfg->id, strerror(errno));
            h.result = CC_ERROR_GENERIC;
            break;
        }
        if (r <= 0)
            continue;
        if (i_pid >= 0 && p[i_pid].revents) {
            /* The monitor ended; the reaper is about to say why. */
            struct timespec t = {0, 10 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
        if (i_att >= 0 && p[i_att].revents && peer_gone(h.att_fd))
            drop_attached(&h);
        if (i_stop >= 0 && p[i_stop].revents) {
            cg_log_info("standalone enclave %s: stopped by a signal", cfg->id);
            h.stop = true;
            h.result = CC_SUCCESS;
        }
        if (!h.stop && (p[0].revents & POLLIN)) {
            int fd = accept4(cfg->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                serve_conn(&h, fd);
        }
    }
    if (h.att_fd >= 0) {
        struct cg_hold_info info;
        bool died = atomic_load(&e->lost);
        fill_info(&h, &info, CG_HOLD_DEAD, died ? e->lost_reason : CC_ERROR_ENCLAVE_LOST,
                  died ? "the enclave died (its holder's log says why)" : "the enclave was stopped");
        send_msg(h.att_fd, &info, sizeof info, -1);
        close(h.att_fd);
    }
    return h.result;
}

/* ---- the attach side ---- */

/* Wait for the holder to say the enclave died, or to vanish. */
static void *watcher_main(void *arg)
{
    struct cg_enclave *e = arg;
    for (;;) {
        struct pollfd p[2] = {{e->attach->sock, POLLIN, 0}, {e->attach->stop_efd, POLLIN, 0}};
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || p[1].revents)
            return NULL;
        struct cg_hold_info info;
        int got = recv_info(e->attach->sock, &info, NULL, 0);
        if (got == -2)
            continue; /* not a valid message: ignore it */
        char what[300];
        cc_enclave_result_t reason = CC_ERROR_ENCLAVE_LOST;
        if (got == 0 && info.op == CG_HOLD_DEAD) {
            reason = info.status == CC_SUCCESS ? CC_ERROR_ENCLAVE_LOST : (cc_enclave_result_t)info.status;
            snprintf(what, sizeof what, "%s", info.message);
        } else {
            snprintf(what, sizeof what, "its holder process ended (killed, or `cgear enclave stop`)");
        }
        cg_enclave_mark_lost(e, reason, what);
        return NULL;
    }
}

cc_enclave_result_t cg_attach_status(struct cg_enclave *e)
{
    if (atomic_load(&e->window->state) != CG_STATE_DEAD)
        return CC_SUCCESS;
    for (int waited = 0; waited < 1000 && !atomic_load(&e->lost); waited += 10) {
        struct timespec t = {0, 10 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return atomic_load(&e->lost) ? e->lost_reason : CC_ERROR_ENCLAVE_LOST;
}

bool cg_attach_is_path(const char *path)
{
    return strncmp(path, CG_ATTACH_PREFIX, sizeof(CG_ATTACH_PREFIX) - 1) == 0;
}

/* Map and check the window the holder passed. */
static cc_enclave_result_t map_window(struct cg_enclave *e, const struct cg_hold_info *info)
{
    struct stat st;
    if (info->nslots < 1 || info->nslots > CG_MAX_SLOTS || info->window_size < CG_PAGE_SIZE ||
        fstat(e->window_fd, &st) != 0 || (uint64_t)st.st_size != info->window_size)
        return CC_ERROR_PROTOCOL;
    void *w = mmap(NULL, (size_t)info->window_size, PROT_READ | PROT_WRITE, MAP_SHARED, e->window_fd, 0);
    if (w == MAP_FAILED)
        return CC_ERROR_MEMORY_MAP_FAIL;
    e->window = w;
    e->window_size = (size_t)info->window_size;
    const struct cg_window_hdr *h = w;
    if (h->magic != CG_WINDOW_MAGIC || h->version != CG_WINDOW_VERSION || h->nslots != info->nslots ||
        h->total_size != info->window_size)
        return CC_ERROR_PROTOCOL;
    e->nslots = info->nslots;
    e->chans = calloc(e->nslots, sizeof(*e->chans));
    if (e->chans == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < e->nslots; i++)
        if (cg_chan_init(&e->chans[i], w, e->window_size, i, CG_TURN_HOST) != 0)
            return CC_ERROR_PROTOCOL;
    return atomic_load(&h->state) == CG_STATE_READY ? CC_SUCCESS : CC_ERROR_ENCLAVE_LOST;
}

void cg_attach_release(struct cg_enclave *e)
{
    struct cg_attach *a = e->attach;
    if (a != NULL) {
        atomic_store(&e->destroying, true);
        if (a->watcher_started) {
            uint64_t one = 1;
            ssize_t w = write(a->stop_efd, &one, sizeof one);
            (void)w;
            pthread_join(a->watcher, NULL);
        }
        if (a->sock >= 0)
            close(a->sock); /* the holder sees the host leave */
        if (a->stop_efd >= 0)
            close(a->stop_efd);
        free(a);
    }
    if (e->window != NULL)
        munmap(e->window, e->window_size);
    if (e->window_fd >= 0)
        close(e->window_fd);
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->refusals.lock);
    pthread_cond_destroy(&e->slot_free);
    free(e->chans);
    free(e);
}

static cc_enclave_result_t attach_fail(struct cg_enclave *e, cc_enclave_result_t rc)
{
    cg_attach_release(e);
    return rc;
}

cc_enclave_result_t cg_attach_create(const char *path, enclave_type_t type, uint32_t flags, cc_enclave_t *enclave)
{
    (void)flags; /* debug or not is the running enclave's, fixed at start */
    const char *id = path + sizeof(CG_ATTACH_PREFIX) - 1;
    if (!cgear_rt_id_valid(id)) {
        cg_log_error("cc_enclave_create: '%s' does not name a standalone enclave: use " CG_ATTACH_PREFIX
                     "ID with the ID `cgear enclave start` printed",
                     path);
        return CC_ERROR_INVALID_PATH;
    }
    char dir[PATH_MAX], why[300];
    if (cgear_rt_dir(dir, sizeof dir, false, why, sizeof why) != 0) {
        if (errno == ENOENT)
            cg_log_error("no standalone enclave '%s' is running (%s); start one with `cgear enclave start`", id,
                         why);
        else
            cg_log_error("cannot attach to enclave '%s': %s", id, why);
        return CC_ERROR_INVALID_PATH;
    }
    int sock = hold_connect(dir, id, NULL);
    if (sock < 0) {
        if (errno == ENOENT)
            cg_log_error("no standalone enclave '%s' is running; `cgear enclave list` shows the running ones", id);
        else if (errno == ECONNREFUSED)
            cg_log_error("standalone enclave '%s' is gone (its holder process ended); `cgear enclave list` "
                         "removes its record",
                         id);
        else
            cg_log_error("cannot reach standalone enclave '%s': %s", id, strerror(errno));
        return CC_ERROR_INVALID_PATH;
    }

    struct cg_enclave *e = calloc(1, sizeof(*e));
    struct cg_attach *a = calloc(1, sizeof(*a));
    char *path_copy = strdup(path);
    if (e == NULL || a == NULL || path_copy == NULL) {
        close(sock);
        free(e);
        free(a);
        free(path_copy);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    e->elf_fd = e->window_fd = e->pidfd = e->note_fd = -1;
    e->reaped = true; /* not our child: never signal it */
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->refusals.lock, NULL);
    pthread_cond_init(&e->slot_free, NULL);
    a->sock = sock;
    a->stop_efd = -1;
    e->attach = a;

    struct cg_hold_req req = {CG_HOLD_MAGIC, CG_HOLD_VERSION, CG_HOLD_ATTACH, 0};
    struct cg_hold_info info;
    int r = send_msg(sock, &req, sizeof req, -1) == 0 ? recv_info(sock, &info, &e->window_fd, CG_HOLD_ANSWER_MS)
                                                      : -1;
    if (r != 0) {
        cg_log_error("the holder of standalone enclave '%s' did not answer (%s)", id,
                     r == -2 ? "timeout or malformed answer" : strerror(errno));
        free(path_copy);
        return attach_fail(e, CC_ERROR_COMMUNICATION);
    }
    if (info.status != CC_SUCCESS) {
        cg_log_error("cannot attach to standalone enclave '%s': %s", id,
                     info.message[0] ? info.message : cc_enclave_res2_str((cc_enclave_result_t)info.status));
        free(path_copy);
        return attach_fail(e, (cc_enclave_result_t)info.status);
    }
    e->engine = cg_engine_by_type((enclave_type_t)info.engine_type);
    if (e->engine == NULL || e->window_fd < 0) {
        cg_log_error("the holder of standalone enclave '%s' sent a malformed answer", id);
        free(path_copy);
        return attach_fail(e, CC_ERROR_PROTOCOL);
    }
    if (type != AUTO_ENCLAVE_TYPE && type != e->engine->type) {
        cg_log_error("standalone enclave '%s' runs on the %s engine, not %s; attach with AUTO_ENCLAVE_TYPE or "
                     "the engine it runs on",
                     id, e->engine->name, cgear_engine_name(type));
        free(path_copy);
        return attach_fail(e, CC_ERROR_INVALID_TYPE);
    }
    cc_enclave_result_t rc = map_window(e, &info);
    if (rc != CC_SUCCESS) {
        cg_log_error("cannot attach to standalone enclave '%s': its call window is %s", id,
                     rc == CC_ERROR_ENCLAVE_LOST ? "not serving (the enclave is dying)" : "unusable");
        free(path_copy);
        return attach_fail(e, rc);
    }
    e->flags = info.flags & SECGEAR_DEBUG_FLAG;
    e->manifest.magic = CG_MANIFEST_MAGIC;
    e->manifest.version = CG_MANIFEST_VERSION;
    e->manifest.threads = info.nslots;
    e->manifest.heap_size = info.heap_size;
    e->manifest.stack_size = info.stack_size;
    snprintf(e->manifest.name, sizeof e->manifest.name, "%s", info.name);
    memcpy(e->measurement, info.measurement, sizeof e->measurement);
    memcpy(e->signer, info.signer, sizeof e->signer);
    e->is_signed = info.is_signed != 0;
    e->security_version = info.security_version;
    e->pid = info.monitor_pid;

    a->stop_efd = eventfd(0, EFD_CLOEXEC);
    if (a->stop_efd < 0) {
        free(path_copy);
        return attach_fail(e, CC_ERROR_OUT_OF_MEMORY);
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&a->watcher, NULL, watcher_main, e);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        cg_log_error("cannot start the attachment's watcher thread: %s", strerror(err));
        free(path_copy);
        return attach_fail(e, CC_ERROR_OUT_OF_MEMORY);
    }
    a->watcher_started = true;
    cg_log_info("attached to standalone enclave %s ('%s', %s engine, pid %d)", id, e->manifest.name,
                e->engine->name, (int)e->pid);

    enclave->type = e->engine->type;
    enclave->path = path_copy;
    enclave->flags = e->flags;
    enclave->private_data = e;
    enclave->used_flag = true;
    return CC_SUCCESS;
}
