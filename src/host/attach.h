/*
 * attach.h - standalone enclaves: the holder process that keeps an enclave
 * running after `cgear enclave start` returns, and the protocol a host
 * process uses to attach to it (see docs/cli.md, "Standalone enclaves").
 *
 * Internal to cgear: shared by libcgear_urts (src/host/attach.c) and the
 * cgear tool (tools/cgear/enclave_cmds.c). The three cgear_hold_* / cgear_rt_*
 * functions are exported from libcgear_urts for the tool only; they are
 * declared in no installed header and are not a stable API.
 *
 * Where things live: a per-user runtime directory, $XDG_RUNTIME_DIR/cgear
 * (if XDG_RUNTIME_DIR is set to an absolute path), else /tmp/cgear-$UID,
 * mode 0700 and owned by the user. For an enclave ID it holds
 *   ID.sock  the holder's Unix socket (SOCK_SEQPACKET),
 *   ID.rec   the record: `key=value` lines written at start,
 *   ID.log   the holder's stderr, which a debug enclave's console shares.
 *
 * Protocol: every request is one struct cg_hold_req datagram; every answer
 * one struct cg_hold_info. CG_HOLD_ATTACH answers carry the call window's
 * memfd (SCM_RIGHTS) and keep the connection: it is the attachment, and it
 * ends when either side closes it. The holder sends CG_HOLD_DEAD on that
 * connection when the enclave dies, then exits.
 */
#ifndef CGEAR_HOST_ATTACH_H
#define CGEAR_HOST_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "enclave.h"

/* cc_enclave_create() attaches when the path is "cgear-enclave:ID". */
#define CG_ATTACH_PREFIX CGEAR_ATTACH_PREFIX
/* An id: 1..CG_ID_MAX characters from [a-z0-9_-]. */
#define CG_ID_MAX 32u

#define CG_HOLD_MAGIC 0x54484743u /* "CGHT" */
#define CG_HOLD_VERSION 1u

enum cg_hold_op {
    CG_HOLD_INFO = 1,   /* describe the enclave; connection closed after */
    CG_HOLD_ATTACH = 2, /* attach: info + window fd; connection kept */
    CG_HOLD_STOP = 3,   /* destroy the enclave and exit */
    CG_HOLD_DEAD = 4    /* holder -> attached host: the enclave died */
};

struct cg_hold_req {
    uint32_t magic;
    uint32_t version;
    uint32_t op;
    uint32_t reserved;
};

struct cg_hold_info {
    uint32_t magic;
    uint32_t version;
    uint32_t op;
    uint32_t status;      /* cc_enclave_result_t of the request */
    uint32_t engine_type; /* enclave_type_t */
    uint32_t flags;       /* SECGEAR_DEBUG_FLAG if debug */
    uint32_t nslots;      /* call-window slots = enclave threads */
    uint32_t security_version;
    uint64_t window_size;
    uint64_t heap_size;
    uint64_t stack_size;
    int64_t started; /* unix time the enclave started */
    int32_t holder_pid;
    int32_t monitor_pid;
    int32_t attached_pid; /* 0 if no host is attached */
    uint32_t is_signed;
    uint8_t measurement[48];
    uint8_t signer[48];
    char name[64];     /* manifest name */
    char image[1024];  /* absolute image path */
    char message[256]; /* why, when status is not CC_SUCCESS */
};

/* What the holder knows beyond the enclave context itself. */
struct cg_hold_config {
    const char *id;
    const char *image; /* absolute path */
    int64_t started;
    int listen_fd; /* bound, listening SOCK_SEQPACKET socket */
    int stop_fd;   /* readable = stop (e.g. a signalfd for SIGTERM), or -1 */
};

/**
 * cgear_rt_dir() - the per-user runtime directory for standalone enclaves.
 * @buf:     receives the path.
 * @len:     size of @buf.
 * @create:  create it (mode 0700) if missing.
 * @why:     receives a one-line reason on failure.
 * @why_len: size of @why.
 *
 * The directory must be a real directory owned by the user with no group or
 * other permissions; anything else is refused (never used, never fixed).
 * Return: 0; -1 with @why set (a missing directory without @create sets
 * errno to ENOENT).
 */
CC_API_SPEC int cgear_rt_dir(char *buf, size_t len, bool create, char *why, size_t why_len);

/**
 * cgear_rt_id_valid() - is @id a well-formed standalone enclave id?
 * @id: the string to check.
 * Return: true for 1..CG_ID_MAX characters from [a-z0-9_-].
 */
CC_API_SPEC bool cgear_rt_id_valid(const char *id);

/**
 * cgear_hold_request() - send one request to the holder of enclave @id.
 * @dir:  the runtime directory (cgear_rt_dir()).
 * @id:   the enclave id.
 * @op:   CG_HOLD_INFO or CG_HOLD_STOP.
 * @info: receives the answer.
 * @conn: if not NULL, receives the still-open connection (close it; for
 *        CG_HOLD_STOP it reaches end-of-file when the holder has exited);
 *        if NULL the connection is closed.
 *
 * Return: 0 answered (check @info->status); -1 no holder listens there
 * (errno ENOENT: no socket; ECONNREFUSED: the holder is gone, the record is
 * stale); -2 the holder did not answer within 5 s or answered garbage.
 */
CC_API_SPEC int cgear_hold_request(const char *dir, const char *id, uint32_t op, struct cg_hold_info *info,
                                   int *conn);

/**
 * cgear_hold_serve() - be the holder of a created enclave until it is
 * stopped (CG_HOLD_STOP, @cfg->stop_fd) or dies.
 * @enclave: a context filled by cc_enclave_create() in this process.
 * @cfg:     the id, image, start time and sockets.
 *
 * Serves CG_HOLD_INFO, CG_HOLD_STOP and CG_HOLD_ATTACH (one attached host at
 * a time; others get CC_ERROR_BUSY). When an attached host goes away with a
 * call still in flight, the enclave's state is unknown and it is stopped.
 * Does not destroy @enclave; the caller does.
 * Return: CC_SUCCESS when stopped on request, else why the enclave died.
 */
CC_API_SPEC cc_enclave_result_t cgear_hold_serve(cc_enclave_t *enclave, const struct cg_hold_config *cfg);

/* Inside libcgear_urts (attach.c): the attach half of cc_enclave_create()
 * and of cc_enclave_destroy(). */
struct cg_enclave;
bool cg_attach_is_path(const char *path);
cc_enclave_result_t cg_attach_create(const char *path, enclave_type_t type, uint32_t flags, cc_enclave_t *enclave);
void cg_attach_release(struct cg_enclave *e);
/* cgear_enclave_status() of an attached context not yet marked lost: if
 * the window says the enclave died, wait briefly for the holder's reason. */
cc_enclave_result_t cg_attach_status(struct cg_enclave *e);

#endif
