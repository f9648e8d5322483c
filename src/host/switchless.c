/*
 * switchless.c - switchless ECALLs on the host: worker slots, the host's
 * bounded polling, and the asynchronous task pool behind f_async() and
 * cc_sl_get_async_result(). Design: docs/architecture.md, "Switchless
 * calls".
 */
#include "switchless.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu_mask.h"
#include "engine.h"
#include "futex.h"
#include "host.h"
#include "log.h"
#include "sl_ocall.h"
#include "sl_pool.h"

/* secGear's limits and defaults (its GP backend, gp_uswitchless.c, and its
 * documented SGX defaults for the retry counts). */
#define SL_MAX_UWORKERS CG_MAX_USLOTS /* secGear: 512; cgear's enclave keeps a 64-bit mask */
#define SL_MAX_TWORKERS 512u
#define SL_DEFAULT_UWORKERS 8u
#define SL_MAX_PARAMS 16u
#define SL_MAX_POOL_QWORDS 8u
#define SL_DEFAULT_TWORKERS 8u
#define SL_DEFAULT_RETRIES 20000u
/* The host never polls longer than this before it sleeps on the futex. */
#define SL_MAX_HOST_SPIN 10000000u

struct cg_sl {
    cc_sl_config_t cfg;     /* with defaults applied */
    uint32_t first, count;  /* worker slots: first .. first + count - 1 */
    uint64_t ord_mask;      /* slots of ordinary ECALLs */
    _Atomic uint64_t busy;  /* bit i: worker slot first + i is taken */
    atomic_uint inflight;   /* switchless calls holding or seeking a worker */
    atomic_bool stopping;   /* destroy: no new switchless calls */
    _Atomic uint64_t n_sl, n_fallback, n_submit, n_rollback;
    _Atomic uint64_t n_ofallback; /* switchless OCALLs that came as ordinary ones */
    struct cg_sl_uw *uw;          /* switchless OCALL workers; NULL: none */

    /* asynchronous tasks: run by @ndrivers host threads */
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct cg_sl_pool pool;
    bool stop;
    pthread_t *drivers;
    uint32_t ndrivers;
};

cc_enclave_result_t cg_sl_check_feature(const enclave_features_t *features, uint32_t i)
{
    /* secGear answers a second switchless feature with
     * CC_ERROR_SWITCHLESS_REINIT (its GP backend, init_uswitchless). */
    for (uint32_t j = 0; j < i; j++)
        if (features[j].setting_type == ENCLAVE_FEATURE_SWITCHLESS) {
            cg_log_error("cc_enclave_create: ENCLAVE_FEATURE_SWITCHLESS is given twice (entries %u and %u); give "
                         "one cc_sl_config_t",
                         j, i);
            return CC_ERROR_SWITCHLESS_REINIT;
        }
    const cc_sl_config_t *c = features[i].feature_desc;
    if (c == NULL) {
        cg_log_error("cc_enclave_create: ENCLAVE_FEATURE_SWITCHLESS needs a cc_sl_config_t");
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (c->num_uworkers > SL_MAX_UWORKERS || c->num_tworkers > SL_MAX_TWORKERS || c->num_max_params > SL_MAX_PARAMS ||
        c->sl_call_pool_size_qwords > SL_MAX_POOL_QWORDS || c->workers_policy >= WORKERS_POLICY_MAX) {
        cg_log_error("cc_enclave_create: bad cc_sl_config_t: num_uworkers %u (max %u), num_tworkers %u (max %u), "
                     "num_max_params %u (max %u), sl_call_pool_size_qwords %u (max %u), workers_policy %u",
                     c->num_uworkers, SL_MAX_UWORKERS, c->num_tworkers, SL_MAX_TWORKERS, c->num_max_params,
                     SL_MAX_PARAMS, c->sl_call_pool_size_qwords, SL_MAX_POOL_QWORDS, c->workers_policy);
        return CC_ERROR_BAD_PARAMETERS;
    }
    uint64_t allowed = cg_cpu_allowed();
    char why[700];
    if ((c->tworkers_cores != 0 &&
         !cg_cpu_mask_check(c->tworkers_cores, allowed, "cc_sl_config_t.tworkers_cores", why, sizeof why)) ||
        (c->uworkers_cores != 0 &&
         !cg_cpu_mask_check(c->uworkers_cores, allowed, "cc_sl_config_t.uworkers_cores", why, sizeof why))) {
        cg_log_error("cc_enclave_create: %s", why);
        return CC_ERROR_BAD_PARAMETERS;
    }
    return CC_SUCCESS;
}

uint32_t cg_sl_uslots(const enclave_features_t *features, uint32_t count)
{
    const cc_sl_config_t *c = NULL;
    for (uint32_t i = 0; i < count && c == NULL; i++)
        if (features[i].setting_type == ENCLAVE_FEATURE_SWITCHLESS)
            c = features[i].feature_desc;
    if (c == NULL)
        return 0;
    return c->num_uworkers == 0 ? SL_DEFAULT_UWORKERS : c->num_uworkers;
}

static void *driver(void *arg)
{
    struct cg_sl *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        struct cg_sl_task *t = NULL;
        while (!s->stop && (t = cg_sl_pool_next(&s->pool)) == NULL)
            pthread_cond_wait(&s->work, &s->lock);
        if (s->stop) {
            if (t != NULL) /* popped as stop arrived: never ran */
                cg_sl_pool_done(&s->pool, t, CC_ERROR_ENCLAVE_LOST);
            break;
        }
        pthread_mutex_unlock(&s->lock);
        /* The generated code makes the call (the switchless sync proxy). */
        cc_enclave_result_t rc = t->run(t->ctx);
        pthread_mutex_lock(&s->lock);
        cg_sl_pool_done(&s->pool, t, rc);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void free_sl(struct cg_enclave *e, struct cg_sl *s)
{
    cg_sl_uw_stop(e, s->uw);
    cg_sl_pool_fini(&s->pool);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->work);
    free(s->drivers);
    free(s);
}

cc_enclave_result_t cg_sl_setup(struct cg_enclave *e, const enclave_features_t *features, uint32_t count)
{
    const cc_sl_config_t *c = NULL;
    for (uint32_t i = 0; i < count && c == NULL; i++)
        if (features[i].setting_type == ENCLAVE_FEATURE_SWITCHLESS)
            c = features[i].feature_desc;
    if (c == NULL)
        return CC_SUCCESS;

    cc_sl_config_t cfg = *c;
    uint32_t n = e->win.nslots;
    if (n < 2) {
        cg_log_error("enclave '%s' has %u thread (its manifest): switchless calls need at least 2, one of them "
                     "for ordinary ECALLs",
                     e->ident.manifest.name, n);
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (cfg.num_tworkers == 0)
        cfg.num_tworkers = SL_DEFAULT_TWORKERS < n - 1 ? SL_DEFAULT_TWORKERS : n - 1;
    if (cfg.num_tworkers > n - 1) {
        cg_log_error("enclave '%s' has %u threads (its manifest): num_tworkers may be at most %u (one thread stays "
                     "for ordinary ECALLs), not %u",
                     e->ident.manifest.name, n, n - 1, cfg.num_tworkers);
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (cfg.sl_call_pool_size_qwords == 0)
        cfg.sl_call_pool_size_qwords = 1;
    if (cfg.retries_before_fallback == 0)
        cfg.retries_before_fallback = SL_DEFAULT_RETRIES;
    if (cfg.retries_before_sleep == 0)
        cfg.retries_before_sleep = SL_DEFAULT_RETRIES;

    struct cg_sl *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    s->cfg = cfg;
    s->count = cfg.num_tworkers;
    s->first = n - s->count;
    s->ord_mask = ((uint64_t)1 << s->first) - 1; /* first <= 63 */
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->work, NULL);
    s->drivers = calloc(s->count, sizeof(*s->drivers));
    if (s->drivers == NULL || cg_sl_pool_init(&s->pool, cfg.sl_call_pool_size_qwords * 64u) != 0) {
        free_sl(e, s);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    for (; s->ndrivers < s->count; s->ndrivers++)
        if (pthread_create(&s->drivers[s->ndrivers], NULL, driver, s) != 0)
            break;
    if (s->ndrivers == 0) {
        free_sl(e, s);
        return CC_ERROR_OUT_OF_MEMORY;
    }

    /* The enclave reads these once at start (src/enclave/main.c). */
    e->win.hdr->sl_count = s->count;
    e->win.hdr->sl_spin = cfg.workers_policy == WORKERS_POLICY_BUSY ? CG_SPIN_FOREVER : cfg.retries_before_sleep;
    /* The host side of a switchless call polls longer than an ordinary
     * one, but never without bound. */
    uint32_t host_spin = cfg.retries_before_sleep < CG_SPIN ? CG_SPIN : cfg.retries_before_sleep;
    if (host_spin > SL_MAX_HOST_SPIN)
        host_spin = SL_MAX_HOST_SPIN;
    for (uint32_t i = s->first; i < n; i++)
        e->win.chans[i].spin = host_spin;
    e->win.hdr->sl_tcores = cfg.tworkers_cores;

    /* Switchless OCALLs: the enclave looks for a free slot as long as a
     * host caller looks for a worker, and polls for the answer as long
     * as a host caller does; the host workers wait as the policy says. */
    e->win.hdr->sl_uretries = cfg.retries_before_fallback;
    e->win.hdr->sl_uspin = host_spin;
    cc_enclave_result_t rc = cg_sl_uw_start(
        e, cfg.workers_policy == WORKERS_POLICY_BUSY ? CG_SPIN_FOREVER : cfg.retries_before_sleep,
        cfg.uworkers_cores, &s->uw);
    if (rc != CC_SUCCESS) {
        e->sl = s; /* so that the driver threads stop the usual way */
        cg_sl_fini(e);
        return rc;
    }
    e->sl = s;
    return CC_SUCCESS;
}

void cg_sl_fini(struct cg_enclave *e)
{
    struct cg_sl *s = e->sl;
    if (s == NULL)
        return;
    /* New switchless calls take the ordinary path (which sees the enclave
     * lost); calls holding a worker return promptly since every slot is
     * dead. Increment-then-check on the caller's side and set-then-check
     * here (both sequentially consistent): one of the two sees the other. */
    atomic_store(&s->stopping, true);
    while (atomic_load(&s->inflight) != 0) {
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->lock);
    for (uint32_t i = 0; i < s->ndrivers; i++)
        pthread_join(s->drivers[i], NULL);
    e->sl = NULL;
    free_sl(e, s); /* frees the contexts of tasks never collected */
}

cc_enclave_result_t cg_sl_started(struct cg_enclave *e)
{
    struct cg_sl *s = e->sl;
    if (s == NULL || s->cfg.tworkers_cores == 0 || e->engine->type != PROCESS_ENCLAVE_TYPE)
        return CC_SUCCESS;
    for (uint32_t i = s->first; i < s->first + s->count; i++) {
        /* Written by the enclave: use it only if it names one of the
         * enclave process's own threads. */
        uint32_t tid = atomic_load(&e->win.chans[i].slot->tid);
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task/%u", (int)e->mon.pid, tid);
        int rc = tid == 0 || tid > INT32_MAX || access(path, F_OK) != 0 ? -ESRCH : cg_cpu_pin((pid_t)tid, s->cfg.tworkers_cores);
        if (rc != 0) {
            char list[256];
            cg_cpu_list(s->cfg.tworkers_cores, list, sizeof list);
            cg_log_error("enclave '%s': cannot pin switchless worker %u (thread %u) to CPU %s (tworkers_cores): %s",
                         e->ident.manifest.name, i - s->first, tid, list, strerror(-rc));
            return CC_ERROR_BAD_PARAMETERS;
        }
    }
    return CC_SUCCESS;
}

void cg_sl_note_ocall(struct cg_enclave *e, const cg_stub_table_t *t, uint32_t fn)
{
    struct cg_sl *s = e->sl;
    if (s == NULL || t == NULL)
        return;
    cg_sl_uw_set_table(s->uw, t);
    if (fn != UINT32_MAX && fn < t->count && t->switchless != NULL && t->switchless[fn])
        atomic_fetch_add_explicit(&s->n_ofallback, 1, memory_order_relaxed);
}

uint64_t cg_sl_ordinary_mask(const struct cg_enclave *e)
{
    if (e->sl != NULL)
        return e->sl->ord_mask;
    return e->win.nslots >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << e->win.nslots) - 1);
}

bool cg_sl_take_worker(struct cg_enclave *e, uint32_t *index)
{
    struct cg_sl *s = e->sl;
    atomic_fetch_add(&s->inflight, 1);
    if (atomic_load(&s->stopping) || atomic_load(&e->fate.lost)) {
        atomic_fetch_sub(&s->inflight, 1);
        return false;
    }
    uint64_t all = s->count >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << s->count) - 1);
    for (uint32_t r = 0; r < s->cfg.retries_before_fallback; r++) {
        uint64_t b = atomic_load_explicit(&s->busy, memory_order_relaxed);
        uint64_t avail = ~b & all;
        if (avail == 0) {
            cg_cpu_relax();
            continue;
        }
        uint64_t bit = avail & (~avail + 1);
        if (atomic_compare_exchange_weak_explicit(&s->busy, &b, b | bit, memory_order_acquire,
                                                  memory_order_relaxed)) {
            *index = s->first + (uint32_t)__builtin_ctzll(bit);
            atomic_fetch_add_explicit(&s->n_sl, 1, memory_order_relaxed);
            return true;
        }
    }
    atomic_fetch_sub(&s->inflight, 1);
    atomic_fetch_add_explicit(&s->n_fallback, 1, memory_order_relaxed);
    return false;
}

void cg_sl_give_worker(struct cg_enclave *e, uint32_t index)
{
    struct cg_sl *s = e->sl;
    atomic_fetch_and_explicit(&s->busy, ~((uint64_t)1 << (index - s->first)), memory_order_release);
    atomic_fetch_sub(&s->inflight, 1);
}

/* The live enclave behind @enclave, or NULL with the error in *@rc. */
static struct cg_enclave *live_sl(const cc_enclave_t *enclave, cc_enclave_result_t *rc)
{
    if (enclave == NULL) {
        *rc = CC_ERROR_BAD_PARAMETERS;
        return NULL;
    }
    if (!enclave->used_flag || enclave->private_data == NULL) {
        *rc = CC_ERROR_INVALID_ENCLAVE_ID;
        return NULL;
    }
    struct cg_enclave *e = enclave->private_data;
    if (e->sl == NULL) {
        *rc = CC_ERROR_SWITCHLESS_DISABLED;
        return NULL;
    }
    return e;
}

cc_enclave_result_t cg_host_sl_async(cc_enclave_t *enclave, cg_async_run_t run, cg_async_take_t take, void *ctx,
                                     int *task_id)
{
    cc_enclave_result_t rc;
    if (run == NULL || ctx == NULL || task_id == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_enclave *e = live_sl(enclave, &rc);
    if (e == NULL)
        return rc;
    if (atomic_load(&e->fate.lost))
        return CC_ERROR_ENCLAVE_LOST;
    struct cg_sl *s = e->sl;
    pthread_mutex_lock(&s->lock);
    rc = cg_sl_pool_submit(&s->pool, run, take, ctx, task_id);
    if (rc == CC_SUCCESS)
        pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->lock);
    if (rc == CC_SUCCESS) {
        atomic_fetch_add_explicit(&s->n_submit, 1, memory_order_relaxed);
    } else if (rc == CC_ERROR_SWITCHLESS_TASK_POOL_FULL && s->cfg.rollback_to_common) {
        atomic_fetch_add_explicit(&s->n_rollback, 1, memory_order_relaxed);
        rc = CC_ERROR_SWITCHLESS_ROLLBACK2COMMON;
    }
    return rc;
}

cc_enclave_result_t cc_sl_get_async_result(cc_enclave_t *enclave, int task_id, void *retval)
{
    cc_enclave_result_t rc;
    struct cg_enclave *e = live_sl(enclave, &rc);
    if (e == NULL)
        return rc;
    pthread_mutex_lock(&e->sl->lock);
    rc = cg_sl_pool_collect(&e->sl->pool, task_id, retval);
    pthread_mutex_unlock(&e->sl->lock);
    return rc;
}

cc_enclave_result_t cgear_sl_stats(const cc_enclave_t *enclave, cgear_sl_stats_t *stats)
{
    cc_enclave_result_t rc;
    if (stats == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_enclave *e = live_sl(enclave, &rc);
    if (e == NULL)
        return rc;
    stats->sl_calls = atomic_load(&e->sl->n_sl);
    stats->fallbacks = atomic_load(&e->sl->n_fallback);
    stats->async_submits = atomic_load(&e->sl->n_submit);
    stats->rollbacks = atomic_load(&e->sl->n_rollback);
    stats->ocall_sl_calls = cg_sl_uw_served(e->sl->uw);
    stats->ocall_fallbacks = atomic_load(&e->sl->n_ofallback);
    return CC_SUCCESS;
}
