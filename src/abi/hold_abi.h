/*
 * hold_abi.h - the standalone-enclave protocol between a holder process
 * (cgear_enclave_hold(), the one that created the enclave) and the
 * processes that ask it something: `cgear enclave list/status/stop`, and a
 * host attaching with cc_enclave_create("cgear-enclave:ID") (docs/cli.md,
 * "Standalone enclaves").
 *
 * Where things live: a per-user runtime directory, $XDG_RUNTIME_DIR/cgear
 * (if XDG_RUNTIME_DIR is set to an absolute path), else /tmp/cgear-$UID,
 * mode 0700 and owned by the user. For an enclave ID it holds
 *   ID.sock  the holder's Unix socket (SOCK_SEQPACKET),
 *   ID.rec   the record: `key=value` lines written at start,
 *   ID.log   the holder's stderr, which a debug enclave's console shares.
 *
 * Every request is one struct cg_hold_req datagram; every answer one
 * struct cg_hold_info. Only peers of the same uid are served
 * (SO_PEERCRED). CG_HOLD_ATTACH answers carry the call window's memfd
 * (SCM_RIGHTS) and keep the connection: it is the attachment, and it ends
 * when either side closes it. The holder sends CG_HOLD_DEAD on that
 * connection when the enclave dies, then exits.
 */
#ifndef CGEAR_HOLD_ABI_H
#define CGEAR_HOLD_ABI_H

#include <stdint.h>

/* An id: 1..CG_ID_MAX characters from [a-z0-9_-]. */
#define CG_ID_MAX 32u

#define CG_HOLD_MAGIC 0x54484743u /* "CGHT" */
#define CG_HOLD_VERSION 1u

/* How long a holder may take to answer a request. */
#define CG_HOLD_ANSWER_MS 5000

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

#endif
