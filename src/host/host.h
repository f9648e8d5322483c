/*
 * host.h - internal state of the host runtime (urts).
 */
#ifndef CGEAR_HOST_H
#define CGEAR_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgear_manifest.h"
#include "channel.h"
#include "log.h"
#include "enclave.h"
#include "engine.h"
#include "lifecycle.h"

/* One live enclave, behind cc_enclave_t.private_data. */
struct cg_enclave {
    const struct cg_engine *engine;
    struct cg_manifest manifest;
    uint32_t flags; /* SECGEAR_DEBUG_FLAG ... */
    int elf_fd;     /* sealed memfd holding the verified enclave ELF */
    int image_fd;   /* system install: sealed memfd of the whole image, for the launcher; else -1 */
    size_t elf_size;

    /* identity, from the verified image (src/image) */
    uint8_t measurement[48];
    uint8_t signer[48]; /* zero for an unsigned (debug-only) image */
    bool is_signed;
    uint32_t security_version;
    uint32_t allowed_engines; /* CG_IMAGE_ENGINE_* */

    /* the call window */
    int window_fd;
    struct cg_window_hdr *window;
    size_t window_size;
    uint32_t nslots;
    struct cg_chan *chans;

    /* slot allocation among host threads */
    pthread_mutex_t lock;
    pthread_cond_t slot_free;
    uint64_t busy; /* bit i: slot i in use */
    uint32_t callers; /* threads waiting for or holding a slot (ecall.c) */

    /* the monitor process (the enclave process for the process engine) */
    pid_t pid;
    int pidfd;     /* -1 where the kernel has no pidfds: then pid is used */
    int note_fd;   /* read end of the monitor's note pipe, or -1 */
    int keys_fd;   /* sealed memfd with the enclave's key block (keys.c), or -1 */
    bool reaped;   /* under lock: the pid is gone and must not be signalled */
    pthread_t reaper;
    bool reaper_started;
    cc_enclave_result_t spawn_rc; /* set by the reaper once spawn finished */
    bool spawn_done;

    atomic_bool lost;
    atomic_bool destroying;
    cc_enclave_result_t lost_reason;
    char lost_what[320]; /* why, in words (under lock): cgear_enclave_lost_reason() */
    struct cg_log_limit refusals; /* log lines about requests this enclave made and we refused */

    /* Standalone enclaves (attach.c): non-NULL when this context is
     * attached to an enclave another process holds; it then owns no
     * process, only a mapping of the window. */
    struct cg_attach *attach;

    /* Switchless calls (switchless.c); NULL without ENCLAVE_FEATURE_SWITCHLESS. */
    struct cg_sl *sl;
};

/* Add (@add) or remove @e from the enclaves cc_get_ra_report() can name
 * (report.c). */
void cg_report_register(struct cg_enclave *e, bool add);

/* report.c: a signed attestation report on @e binding @nonce, @user_data
 * and @pubkey (each may be NULL with length 0), in a malloc'd *@out.
 * CC_ERROR_RA_GET_REPORT_INPUT for lengths over the limits,
 * CC_ERROR_NOT_SUPPORTED for an attached standalone enclave, the
 * platform's error, or CC_ERROR_ENCLAVE_LOST. Logs why. */
cc_enclave_result_t cg_report_make(struct cg_enclave *e, const uint8_t *nonce, uint32_t nonce_len,
                                   const uint8_t *user_data, uint32_t user_data_len, const uint8_t *pubkey,
                                   uint32_t pubkey_len, uint8_t **out, size_t *out_len);

/* launcher.c: the system install's cgear-launcher (src/abi/launcher_abi.h),
 * or NULL when this process uses the per-user development platform. */
const char *cg_launcher(void);

/* launcher.c: a report on @e signed by the system platform, for the
 * request @req (struct cg_sys_report_req and its bytes); malloc'd *@out.
 * Errors: CC_ERROR_ACCESS_DENIED (the launcher refused; logged why),
 * CC_ERROR_BAD_FORMAT, CC_ERROR_OUT_OF_MEMORY. */
cc_enclave_result_t cg_launcher_report(const struct cg_enclave *e, const uint8_t *req, size_t req_len,
                                       uint8_t **out, size_t *out_len);

/* launcher.c: can the launcher open the system platform? Logs why not. */
cc_enclave_result_t cg_launcher_check(void);

/* report.c: a report for the request @req (struct cg_sys_report_req and its
 * bytes, src/abi/sys_ocall.h); @from_enclave: it came from the enclave and
 * must carry a valid MAC. Errors as cg_report_make(), plus
 * CC_ERROR_ACCESS_DENIED for a request the enclave did not authenticate. */
cc_enclave_result_t cg_report_make_req(struct cg_enclave *e, const uint8_t *req, size_t len, bool from_enclave,
                                       uint8_t **out, size_t *out_len);

/* sys_ocall.c: an OCALL of the enclave runtime itself (src/abi/sys_ocall.h)
 * on behalf of enclave @e: request @in (private copy), response into @out. */
cc_enclave_result_t cg_host_sys_ocall(struct cg_enclave *e, uint32_t fn, const uint8_t *in, size_t in_len,
                                      cg_msg_t *out);

/* The enclave's key block in a sealed memfd, positioned at 0 (keys.c);
 * -1 on failure (logged). */
int cg_make_keys_fd(const struct cg_enclave *e);

#endif
