/*
 * holder.c - cgear_enclave_hold(): the process that created an enclave
 * serves requests on a Unix socket (src/abi/hold_abi.h): describe it, stop
 * it, or hand its call window to one attached host at a time. The
 * attaching side is attach.c; `cgear enclave start` is the usual holder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "host.h"
#include "log.h"
#include "standalone.h"

/* How long a host that went away mid-call may leave a slot busy before
 * the holder gives up on the enclave's state. */
#define CG_QUIESCE_MS 3000

struct holder {
    cc_enclave_t *ctx;
    struct cg_enclave *e;
    const cgear_hold_config_t *cfg;
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
    i->nslots = e->win.nslots;
    i->security_version = e->ident.security_version;
    i->window_size = e->win.size;
    i->heap_size = e->ident.manifest.heap_size;
    i->stack_size = e->ident.manifest.stack_size;
    i->started = h->cfg->started;
    i->holder_pid = (int32_t)getpid();
    i->monitor_pid = (int32_t)e->mon.pid;
    i->attached_pid = (int32_t)h->att_pid;
    i->is_signed = e->ident.is_signed;
    memcpy(i->measurement, e->ident.measurement, sizeof i->measurement);
    memcpy(i->signer, e->ident.signer, sizeof i->signer);
    snprintf(i->name, sizeof i->name, "%s", e->ident.manifest.name);
    snprintf(i->image, sizeof i->image, "%s", h->cfg->image ? h->cfg->image : "");
    if (message != NULL)
        snprintf(i->message, sizeof i->message, "%s", message);
}

/* Is every slot at rest? Anything else means a call was in flight. */
static bool slots_at_rest(const struct cg_enclave *e)
{
    for (uint32_t i = 0; i < e->win.nslots; i++)
        if (!cg_chan_at_rest(&e->win.chans[i]))
            return false;
    return true;
}

/* After a host left: wait a little for calls it left in flight to come
 * back; if they do not, nobody can know the enclave's state. */
static bool wait_at_rest(const struct cg_enclave *e)
{
    for (int waited = 0; waited < CG_QUIESCE_MS; waited += 20) {
        if (atomic_load(&e->fate.lost) || slots_at_rest(e))
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
        cg_hold_recv_req(fd, &req, CG_HOLD_ANSWER_MS) != 0) {
        close(fd);
        return;
    }
    switch (req.op) {
    case CG_HOLD_INFO:
        fill_info(h, &info, req.op, CC_SUCCESS, NULL);
        cg_hold_send(fd, &info, sizeof info, -1);
        break;
    case CG_HOLD_STOP:
        fill_info(h, &info, req.op, CC_SUCCESS, NULL);
        cg_hold_send(fd, &info, sizeof info, -1);
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
            cg_hold_send(fd, &info, sizeof info, -1);
        } else if (h->att_fd >= 0) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "enclave %s is attached by host pid %d; one host attaches at a time: wait until it "
                     "calls cc_enclave_destroy() or exits",
                     h->cfg->id, (int)h->att_pid);
            fill_info(h, &info, req.op, CC_ERROR_BUSY, msg);
            cg_hold_send(fd, &info, sizeof info, -1);
        } else {
            fill_info(h, &info, req.op, CC_SUCCESS, NULL);
            info.attached_pid = (int32_t)cr.pid;
            if (cg_hold_send(fd, &info, sizeof info, h->e->win.fd) == 0) {
                h->att_fd = fd;
                h->att_pid = cr.pid;
                cg_log_info("standalone enclave %s: host pid %d attached", h->cfg->id, (int)cr.pid);
                return;
            }
        }
        break;
    default:
        fill_info(h, &info, req.op, CC_ERROR_BAD_PARAMETERS, "unknown request");
        cg_hold_send(fd, &info, sizeof info, -1);
        break;
    }
    close(fd);
}

cc_enclave_result_t cgear_enclave_hold(cc_enclave_t *enclave, const cgear_hold_config_t *cfg)
{
    if (enclave == NULL || cfg == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_enclave *e = enclave->private_data;
    if (e->attach != NULL) {
        cg_log_error("cgear_enclave_hold: an attached context cannot be served again");
        return CC_ERROR_BAD_PARAMETERS;
    }
    struct holder h = {enclave, e, cfg, -1, 0, false, CC_SUCCESS};
    while (!h.stop) {
        if (atomic_load(&e->fate.lost)) {
            h.result = e->fate.reason;
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
        if (e->mon.pidfd >= 0) {
            i_pid = n;
            p[n++] = (struct pollfd){e->mon.pidfd, POLLIN, 0};
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
        bool died = atomic_load(&e->fate.lost);
        fill_info(&h, &info, CG_HOLD_DEAD, died ? e->fate.reason : CC_ERROR_ENCLAVE_LOST,
                  died ? "the enclave died (its holder's log says why)" : "the enclave was stopped");
        cg_hold_send(h.att_fd, &info, sizeof info, -1);
        close(h.att_fd);
    }
    return h.result;
}
