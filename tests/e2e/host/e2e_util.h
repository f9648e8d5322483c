/*
 * e2e_util.h - what every end-to-end host program (tests/e2e/host) needs:
 * the enclave image from the command line, the engine under test
 * (CGEAR_ENGINE) and whether it can run here, an enclave created on it,
 * and the host-side measurements the suites check (descriptors, children,
 * memory, the runtime's log on stderr).
 *
 * Each host program is a single translation unit that defines _GNU_SOURCE
 * before its first include: everything here is static, and a helper a
 * program does not use costs nothing.
 */
#ifndef CGEAR_E2E_UTIL_H
#define CGEAR_E2E_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "enclave.h"
#include "pvm_detect.h" /* src/abi */

/* The enclave image under test: argv[1], set by e2e_begin(). */
static const char *e2e_image;

/* Is the engine under test (CGEAR_ENGINE) the kvm engine? */
static inline bool e2e_engine_is_kvm(void)
{
    const char *engine = getenv("CGEAR_ENGINE");
    return engine != NULL && strcmp(engine, "kvm") == 0;
}

/* Is /dev/kvm here the PVM variant? Its guest pages all carry U, so some
 * expectations differ there (docs/kvm-pvm.md). False without /dev/kvm. */
static inline bool e2e_kvm_is_pvm(void)
{
    enum cg_kvm_kind kind;
    return cg_kvm_detect(&kind) == 0 && kind == CG_KVM_PVM;
}

/* -1: run the tests. Otherwise the exit status to return: 77 (CTest's
 * skip) with the reason on stderr - or 1 under CI=true when /dev/kvm is
 * usable but the kvm engine is not, where a skip would hide a broken
 * engine. */
static inline int e2e_engine_check(void)
{
    const char *engine = getenv("CGEAR_ENGINE");
    char why[256];
    enclave_type_t type = e2e_engine_is_kvm() ? KVM_ENCLAVE_TYPE : PROCESS_ENCLAVE_TYPE;
    if (engine == NULL || cgear_engine_usable(type, why, sizeof why))
        return -1;
    int kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    bool ci = getenv("CI") != NULL && strcmp(getenv("CI"), "true") == 0;
    if (kvm_fd >= 0)
        close(kvm_fd);
    if (type == KVM_ENCLAVE_TYPE && kvm_fd >= 0 && ci) {
        fprintf(stderr, "FAIL: /dev/kvm is usable but the kvm engine is not: %s\n", why);
        return 1;
    }
    fprintf(stderr, "SKIP: the %s engine cannot run here: %s\n", engine, why);
    return 77;
}

/* The start of every host's main(): takes the image from argv[1] (usage
 * "PROGRAM @usage" and status 2 when it is missing, or when @max_argc is
 * not 0 and there are more than @max_argc arguments), then asks
 * e2e_engine_check(). Returns -1 to run the tests, or the exit status. */
static inline int e2e_begin(int argc, char **argv, int max_argc, const char *usage)
{
    if (argc < 2 || (max_argc > 0 && argc > max_argc)) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    e2e_image = argv[1];
    return e2e_engine_check();
}

/* Create an enclave from e2e_image in @ctx (zeroed first) with @flags and
 * @count @features. AUTO_ENCLAVE_TYPE: the runtime takes the engine under
 * test from CGEAR_ENGINE, and fails rather than fall back to another.
 * Anything but CC_SUCCESS fails the test. */
static inline void e2e_create_with(cc_enclave_t *ctx, uint32_t flags, const enclave_features_t *features,
                                   uint32_t count)
{
    memset(ctx, 0, sizeof *ctx);
    assert_int_equal(cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, flags, features, count, ctx), CC_SUCCESS);
}

/* e2e_create_with() without features. */
static inline void e2e_create(cc_enclave_t *ctx, uint32_t flags)
{
    e2e_create_with(ctx, flags, NULL, 0);
}

/* Monotonic time in milliseconds: for deadlines, never for pass/fail
 * thresholds of speed. */
static inline long e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Sleep @ms milliseconds: time for a call to get inside the enclave, or
 * for an attack to land, never a condition of correctness. */
static inline void e2e_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The entries of /proc/self/fd (the descriptors open in this process, plus
 * the directory's own and "." and ".."), or -1: compare two counts. */
static inline int e2e_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* A field of /proc/self/status in KiB ("VmRSS": resident memory,
 * "VmData": committed data, touched or not), or -1. */
static inline long e2e_status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t n = strlen(field);
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%ld", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib;
}

/* No child process is left, not even a zombie: every enclave process or
 * monitor was reaped. */
static inline bool e2e_no_children(void)
{
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* stderr (where the host runtime logs) sent to a scratch file between
 * e2e_stderr_begin() and e2e_stderr_end(). */
struct e2e_captured {
    int fd, saved;
};

/* Start sending stderr to a scratch file; returns what e2e_stderr_end()
 * needs. */
static inline struct e2e_captured e2e_stderr_begin(void)
{
    char path[] = "/tmp/cgear-e2e-log-XXXXXX";
    struct e2e_captured c = {mkstemp(path), -1};
    assert_true(c.fd >= 0);
    unlink(path);
    fflush(stderr);
    c.saved = dup(2);
    assert_true(c.saved >= 0);
    assert_true(dup2(c.fd, 2) == 2);
    return c;
}

/* Restore stderr; the captured text, NUL-terminated, in @buf (@len bytes).
 * Returns its length (0: nothing was written). */
static inline size_t e2e_stderr_take(struct e2e_captured c, char *buf, size_t len)
{
    dup2(c.saved, 2);
    close(c.saved);
    ssize_t n = pread(c.fd, buf, len - 1, 0);
    close(c.fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    return (size_t)n;
}

/* e2e_stderr_take(), where nothing captured fails the test. */
static inline void e2e_stderr_end(struct e2e_captured c, char *buf, size_t len)
{
    assert_true(e2e_stderr_take(c, buf, len) > 0);
}

#endif
