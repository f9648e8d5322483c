/*
 * log.h - one-line diagnostics of the host runtime, on stderr.
 * Quiet by default: a library prints nothing on success. Errors always
 * print; informational lines (which engine an enclave runs on, attaches,
 * detaches) only with CGEAR_LOG=info or CGEAR_LOG=debug.
 */
#ifndef CGEAR_HOST_LOG_H
#define CGEAR_HOST_LOG_H

#include <pthread.h>
#include <stdint.h>

/* Write "cgear: error: " and the printf-formatted line to stderr (one
 * write, so lines of concurrent threads do not interleave). Always. */
void cg_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write "cgear: " and the line to stderr, only with CGEAR_LOG=info|debug. */
void cg_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Rate limit for lines an enclave can cause at will (a refused request):
 * a hostile enclave must not flood the host's log. At most
 * CG_LOG_BURST lines per CG_LOG_PERIOD_S seconds per limit; the first line
 * after a suppressed run says how many were dropped. Zero-initialise with
 * CG_LOG_LIMIT_INIT. */
#define CG_LOG_BURST 10u
#define CG_LOG_PERIOD_S 10u
struct cg_log_limit {
    pthread_mutex_t lock;
    int64_t period_start; /* CLOCK_MONOTONIC seconds */
    uint32_t count;       /* lines written in this period */
    uint64_t dropped;     /* lines suppressed since the last one written */
};
#define CG_LOG_LIMIT_INIT {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0}

/* cg_log_error(), unless @l's budget for this period is spent. */
void cg_log_error_limited(struct cg_log_limit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
