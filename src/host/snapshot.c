/*
 * snapshot.c - cgear_enclave_snapshot() and cgear_enclave_reset()
 * (docs/snapshots.md): the host's half. The kvm monitor does the work
 * (src/monitor/kvm/snapshot.c); the host takes every call slot so that no
 * call is inside, asks through the window's control page, and waits for
 * the answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "enclave_keys.h"
#include "engine.h"
#include "futex.h"
#include "host.h"
#include "launcher_client.h"
#include "lifecycle.h"
#include "log.h"
#include "standalone.h"
#include "window.h"

/* How long the monitor may take to answer before the enclave is given up. */
#define CG_CTL_TIMEOUT_S 10

cc_enclave_result_t cg_snap_supported(const struct cg_enclave *e, const char *what)
{
    const char *name = e->ident.manifest.name;
    if (e->attach != NULL) {
        cg_log_error("%s: enclave '%s' is attached (another process holds it); only its holder can snapshot it",
                     what, name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (e->engine->type != KVM_ENCLAVE_TYPE) {
        /* A process has kernel state (descriptors, mappings, its threads in
         * the kernel) that cannot be put back from user space safely. */
        cg_log_error("%s: enclave '%s' runs on the %s engine; snapshots and resets need the kvm engine", what, name,
                     e->engine->name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (e->sl != NULL) {
        cg_log_error("%s: enclave '%s' has switchless workers, which never sleep; create it without "
                     "ENCLAVE_FEATURE_SWITCHLESS to snapshot it",
                     what, name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (cg_launcher() != NULL) {
        /* the launcher makes the key blocks; the host cannot give a reset
         * its fresh one */
        cg_log_error("%s: enclave '%s' runs through cgear-launcher (system install), which does not support "
                     "snapshots yet",
                     what, name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    return CC_SUCCESS;
}

/* Sends @req to the monitor and waits for its answer. The caller holds
 * every slot. */
static cc_enclave_result_t ask(struct cg_enclave *e, uint32_t req)
{
    struct cg_ctl_page *c = e->win.ctl;
    atomic_store_explicit(&c->ctl, req, memory_order_release);
    cg_futex_wake(&c->ctl, 1);
    struct timespec start, now, tick = {0, 50 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        uint32_t s = atomic_load_explicit(&c->ctl, memory_order_acquire);
        if (s == CG_CTL_DONE)
            break;
        if (atomic_load(&e->fate.lost))
            return CC_ERROR_ENCLAVE_LOST;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > CG_CTL_TIMEOUT_S) {
            cg_enclave_mark_lost(e, CC_ERROR_TIMEOUT, "its monitor did not answer a snapshot or reset request");
            return CC_ERROR_TIMEOUT;
        }
        cg_futex_wait(&c->ctl, s, &tick);
    }
    cc_enclave_result_t rc = (cc_enclave_result_t)c->status;
    atomic_store_explicit(&c->ctl, CG_CTL_IDLE, memory_order_release);
    return rc;
}

static struct cg_enclave *enclave_of(cc_enclave_t *enclave, const char *what)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL) {
        cg_log_error("%s: the context holds no enclave (never created or already destroyed)", what);
        return NULL;
    }
    return enclave->private_data;
}

/* The monitor's refusal, in words. */
static void explain(const struct cg_enclave *e, const char *what, cc_enclave_result_t rc)
{
    const char *name = e->ident.manifest.name;
    switch (rc) {
    case CC_ERROR_BUSY:
        cg_log_error("%s: enclave '%s' is not idle: a thread of its own still runs (every thread must have ended or "
                     "sleep); nothing was changed",
                     what, name);
        break;
    case CC_ERROR_NOT_SUPPORTED:
        cg_log_error("%s: enclave '%s' cannot be snapshotted: it runs under a debugger (CGEAR_GDB), or its runtime "
                     "has no reset area (rebuild it with this cgear)",
                     what, name);
        break;
    case CC_ERROR_BAD_STATE:
        cg_log_error("%s: enclave '%s' %s", what, name,
                     strcmp(what, "cgear_enclave_snapshot") == 0
                         ? "has a snapshot already (one per enclave; create a new enclave for another)"
                         : "has no snapshot: call cgear_enclave_snapshot() first");
        break;
    case CC_ERROR_ENCLAVE_LOST:
    case CC_ERROR_TIMEOUT:
        break; /* the reaper said why */
    default:
        cg_log_error("%s: enclave '%s': %s", what, name, cc_enclave_res2_str(rc));
    }
}

static cc_enclave_result_t request(cc_enclave_t *enclave, uint32_t req, const char *what)
{
    struct cg_enclave *e = enclave_of(enclave, what);
    if (e == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    cc_enclave_result_t rc = cg_snap_supported(e, what);
    if (rc != CC_SUCCESS)
        return rc;
    if (atomic_load(&e->fate.lost))
        return CC_ERROR_ENCLAVE_LOST;
    rc = cg_calls_quiesce(e);
    if (rc == CC_ERROR_BAD_STATE)
        cg_log_error("%s: called from inside an OCALL of enclave '%s'; call it once its ECALL returned", what,
                     e->ident.manifest.name);
    if (rc != CC_SUCCESS)
        return rc;
    if (req == CG_CTL_RESET) {
        /* the next run's identity: a new instance and report key */
        struct cg_enclave_keys k;
        cg_make_keys(e, &k);
        memcpy(e->win.ctl->keys, &k, sizeof k);
        explicit_bzero(&k, sizeof k);
    }
    rc = ask(e, req);
    explicit_bzero(e->win.ctl->keys, sizeof e->win.ctl->keys);
    cg_calls_resume(e);
    if (rc != CC_SUCCESS)
        explain(e, what, rc);
    return rc;
}

cc_enclave_result_t cgear_enclave_snapshot(cc_enclave_t *enclave)
{
    cc_enclave_result_t rc = request(enclave, CG_CTL_SNAPSHOT, "cgear_enclave_snapshot");
    if (rc == CC_SUCCESS)
        ((struct cg_enclave *)enclave->private_data)->mon.snapshot = true;
    return rc;
}

cc_enclave_result_t cg_snap_send_clone(struct cg_enclave *p, int sock)
{
    const char *what = "cgear_enclave_create_from_snapshot";
    if (p->mon.ctl_sock < 0)
        return CC_ERROR_NOT_SUPPORTED;
    /* one request on the control page at a time: take the slots as the
     * other requests do (the calls inside finish first) */
    cc_enclave_result_t rc = cg_calls_quiesce(p);
    if (rc == CC_ERROR_BAD_STATE)
        cg_log_error("%s: called from inside an OCALL of enclave '%s'", what, p->ident.manifest.name);
    if (rc != CC_SUCCESS)
        return rc;
    /* one byte, carrying the socket (the holder's message helper) */
    if (cg_hold_send(p->mon.ctl_sock, "", 1, sock) != 0) {
        cg_log_error("%s: cannot reach the monitor of enclave '%s': %s", what, p->ident.manifest.name,
                     strerror(errno));
        rc = CC_ERROR_ENCLAVE_LOST;
    } else {
        rc = ask(p, CG_CTL_CLONE);
    }
    cg_calls_resume(p);
    if (rc != CC_SUCCESS)
        explain(p, what, rc);
    return rc;
}

cc_enclave_result_t cgear_enclave_reset(cc_enclave_t *enclave)
{
    return request(enclave, CG_CTL_RESET, "cgear_enclave_reset");
}
