/*
 * log.h - one-line diagnostics of the host runtime, on stderr.
 * CGEAR_LOG=quiet silences informational lines (errors always print).
 */
#ifndef CGEAR_HOST_LOG_H
#define CGEAR_HOST_LOG_H

void cg_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cg_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
