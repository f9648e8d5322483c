/*
 * log.c - host runtime diagnostics. One line per event, prefixed "cgear: ",
 * written with a single write() so lines from threads do not interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void vlog(const char *kind, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "cgear: %s", kind);
    if (n < 0)
        return;
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    if (m < 0)
        return;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void cg_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", fmt, ap);
    va_end(ap);
}

/* The level CGEAR_LOG asks for: a library says nothing on success unless
 * asked ("info" or "debug"); "quiet" and unset are the default. */
static bool info_wanted(void)
{
    const char *mode = getenv("CGEAR_LOG");
    return mode != NULL && (strcmp(mode, "info") == 0 || strcmp(mode, "debug") == 0);
}

void cg_log_info(const char *fmt, ...)
{
    if (!info_wanted())
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

void cg_log_error_limited(struct cg_log_limit *l, const char *fmt, ...)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&l->lock);
    if (now.tv_sec - l->period_start >= (int64_t)CG_LOG_PERIOD_S) {
        l->period_start = now.tv_sec;
        l->count = 0;
    }
    bool write_it = l->count < CG_LOG_BURST;
    uint64_t dropped = 0;
    if (write_it) {
        l->count++;
        dropped = l->dropped;
        l->dropped = 0;
    } else {
        l->dropped++;
    }
    pthread_mutex_unlock(&l->lock);
    if (!write_it)
        return;
    if (dropped > 0)
        cg_log_error("(%llu similar lines suppressed: at most %u per %u s)", (unsigned long long)dropped,
                     CG_LOG_BURST, CG_LOG_PERIOD_S);
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", fmt, ap);
    va_end(ap);
}
