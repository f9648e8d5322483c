/*
 * secgear_log.h - logging from inside an enclave.
 *
 * PrintInfo() writes "[cgear enclave] LEVEL: message" to the enclave console.
 * The console reaches the host's stderr only for debug enclaves
 * (SECGEAR_DEBUG_FLAG); in production enclaves the output is dropped, so
 * never rely on it to carry data.
 */
#ifndef CGEAR_SECGEAR_LOG_H
#define CGEAR_SECGEAR_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

#define PRINT_ERROR 0
#define PRINT_WARNING 1
#define PRINT_STRACE 2
#define PRINT_DEBUG 3

/**
 * cgear_log_printf() - the function behind PrintInfo().
 * @level: PRINT_ERROR .. PRINT_DEBUG; messages above the enclave's log level
 *         (environment-free: PRINT_DEBUG for debug enclaves, PRINT_WARNING
 *         otherwise) are dropped.
 * @fmt:   printf format.
 */
void cgear_log_printf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define PrintInfo(level, fmt, ...) cgear_log_printf((level), (fmt), ##__VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
