/*
 * log.c - PrintInfo() for enclave code: the debug console.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "secgear_log.h"
#include "trts.h"

static const char *const level_names[] = {"ERROR", "WARNING", "STRACE", "DEBUG"};

void cgear_log_printf(int level, const char *fmt, ...)
{
    /* Production enclaves have no console at all; do not format secrets. */
    if (!cg_trts_debug || level < PRINT_ERROR || level > PRINT_DEBUG)
        return;
    char line[1024];
    int n = snprintf(line, sizeof(line), "[%s] %s: ", cgear_manifest.name, level_names[level]);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    size_t len = (size_t)n + (size_t)m;
    if (len >= sizeof(line))
        len = sizeof(line) - 1;
    if (len > 0 && line[len - 1] != '\n' && len < sizeof(line) - 1)
        line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
