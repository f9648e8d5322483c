/*
 * attach.c - attaching to a standalone enclave another process holds
 * (holder.c; protocol in src/abi/hold_abi.h; docs/cli.md).
 *
 * cc_enclave_create("cgear-enclave:ID", ...) connects to
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
#include "engine.h"
#include "host.h"
#include "lifecycle.h"
#include "log.h"
#include "standalone.h"

/* The attachment of a context made by cg_attach_create(). */
struct cg_attach {
    int sock;     /* connection to the holder; closing it detaches */
    int stop_efd; /* eventfd: tells the watcher to end */
    pthread_t watcher;
    bool watcher_started;
};

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
        int got = cg_hold_recv_info(e->attach->sock, &info, NULL, 0);
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
    if (atomic_load(&e->win.hdr->state) != CG_STATE_DEAD)
        return CC_SUCCESS;
    for (int waited = 0; waited < 1000 && !atomic_load(&e->fate.lost); waited += 10) {
        struct timespec t = {0, 10 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return atomic_load(&e->fate.lost) ? e->fate.reason : CC_ERROR_ENCLAVE_LOST;
}

bool cg_attach_is_path(const char *path)
{
    return strncmp(path, CGEAR_ATTACH_PREFIX, sizeof(CGEAR_ATTACH_PREFIX) - 1) == 0;
}

/* Map and check the window the holder passed. */
static cc_enclave_result_t map_window(struct cg_enclave *e, const struct cg_hold_info *info)
{
    struct stat st;
    if (info->nslots < 1 || info->nslots > CG_MAX_SLOTS || info->window_size < CG_PAGE_SIZE ||
        fstat(e->win.fd, &st) != 0 || (uint64_t)st.st_size != info->window_size)
        return CC_ERROR_PROTOCOL;
    void *w = mmap(NULL, (size_t)info->window_size, PROT_READ | PROT_WRITE, MAP_SHARED, e->win.fd, 0);
    if (w == MAP_FAILED)
        return CC_ERROR_MEMORY_MAP_FAIL;
    e->win.hdr = w;
    e->win.size = (size_t)info->window_size;
    const struct cg_window_hdr *h = w;
    if (h->magic != CG_WINDOW_MAGIC || h->version != CG_WINDOW_VERSION || h->nslots != info->nslots ||
        h->total_size + CG_PAGE_SIZE != info->window_size) /* the slots, then the control page (window.h) */
        return CC_ERROR_PROTOCOL;
    e->win.nslots = info->nslots;
    e->win.chans = calloc(e->win.nslots, sizeof(*e->win.chans));
    if (e->win.chans == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < e->win.nslots; i++)
        if (cg_chan_init(&e->win.chans[i], w, e->win.size, i, CG_TURN_HOST) != 0)
            return CC_ERROR_PROTOCOL;
    return atomic_load(&h->state) == CG_STATE_READY ? CC_SUCCESS : CC_ERROR_ENCLAVE_LOST;
}

void cg_attach_release(struct cg_enclave *e)
{
    struct cg_attach *a = e->attach;
    if (a != NULL) {
        atomic_store(&e->fate.destroying, true);
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
    if (e->win.hdr != NULL)
        munmap(e->win.hdr, e->win.size);
    if (e->win.fd >= 0)
        close(e->win.fd);
    cg_enclave_sync_fini(e);
    free(e->win.chans);
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
    const char *id = path + sizeof(CGEAR_ATTACH_PREFIX) - 1;
    if (!cg_rt_id_valid(id)) {
        cg_log_error("cc_enclave_create: '%s' does not name a standalone enclave: use " CGEAR_ATTACH_PREFIX
                     "ID with the ID `cgear enclave start` printed",
                     path);
        return CC_ERROR_INVALID_PATH;
    }
    char dir[PATH_MAX], why[300];
    if (cg_rt_dir(dir, sizeof dir, false, why, sizeof why) != 0) {
        if (errno == ENOENT)
            cg_log_error("no standalone enclave '%s' is running (%s); start one with `cgear enclave start`", id,
                         why);
        else
            cg_log_error("cannot attach to enclave '%s': %s", id, why);
        return CC_ERROR_INVALID_PATH;
    }
    int sock = cg_hold_connect(dir, id, NULL);
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
    e->mon.elf_fd = e->win.fd = e->mon.pidfd = e->mon.note_fd = e->mon.ctl_sock = e->mon.peer_fd = -1;
    e->mon.reaped = true; /* not our child: never signal it */
    cg_enclave_sync_init(e);
    a->sock = sock;
    a->stop_efd = -1;
    e->attach = a;

    struct cg_hold_req req = {CG_HOLD_MAGIC, CG_HOLD_VERSION, CG_HOLD_ATTACH, 0};
    struct cg_hold_info info;
    int r = cg_hold_send(sock, &req, sizeof req, -1) == 0 ? cg_hold_recv_info(sock, &info, &e->win.fd, CG_HOLD_ANSWER_MS)
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
    if (e->engine == NULL || e->win.fd < 0) {
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
    e->ident.manifest.magic = CG_MANIFEST_MAGIC;
    e->ident.manifest.version = CG_MANIFEST_VERSION;
    e->ident.manifest.threads = info.nslots;
    e->ident.manifest.heap_size = info.heap_size;
    e->ident.manifest.stack_size = info.stack_size;
    snprintf(e->ident.manifest.name, sizeof e->ident.manifest.name, "%s", info.name);
    memcpy(e->ident.measurement, info.measurement, sizeof e->ident.measurement);
    memcpy(e->ident.signer, info.signer, sizeof e->ident.signer);
    e->ident.is_signed = info.is_signed != 0;
    e->ident.security_version = info.security_version;
    e->mon.pid = info.monitor_pid;

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
    cg_log_info("attached to standalone enclave %s ('%s', %s engine, pid %d)", id, e->ident.manifest.name,
                e->engine->name, (int)e->mon.pid);

    enclave->type = e->engine->type;
    enclave->path = path_copy;
    enclave->flags = e->flags;
    enclave->private_data = e;
    enclave->used_flag = true;
    return CC_SUCCESS;
}
