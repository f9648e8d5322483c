/*
 * launcher.c - the host runtime's side of a system install: find
 * cgear-launcher, and ask it for reports (src/abi/launcher_abi.h).
 *
 * A system install is a set-user-ID-root launcher at CGEAR_LAUNCHER_PATH
 * together with the system platform folder: then the host runtime never
 * reads a platform secret, it only passes the enclave image along.
 * CGEAR_LAUNCHER=PATH names another launcher (tests), CGEAR_LAUNCHER=none
 * forces the per-user development platform. The host is untrusted either
 * way: the variable decides only which keys this process can get, never
 * what the launcher accepts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attest.h"
#include "fd_util.h"
#include "engine.h"
#include "host.h"
#include "launcher_client.h"
#include "launcher_abi.h"
#include "log.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static char g_path[4096];
static bool g_system;

static void find(void)
{
    const char *env = getenv("CGEAR_LAUNCHER");
    if (env != NULL && env[0] != '\0') {
        if (strcmp(env, "none") != 0 && snprintf(g_path, sizeof g_path, "%s", env) < (int)sizeof g_path)
            g_system = true;
        return;
    }
    struct stat l, d;
    if (stat(CGEAR_LAUNCHER_PATH, &l) == 0 && S_ISREG(l.st_mode) && l.st_uid == 0 && (l.st_mode & S_ISUID) &&
        stat(CG_SYSTEM_PLATFORM_DIR, &d) == 0 && S_ISDIR(d.st_mode)) {
        snprintf(g_path, sizeof g_path, "%s", CGEAR_LAUNCHER_PATH);
        g_system = true;
    }
}

const char *cg_launcher(void)
{
    pthread_once(&g_once, find);
    return g_system ? g_path : NULL;
}

/* Run the launcher with @args, the image @image_fd (or -1) on descriptor 9,
 * @in on stdin; collect stdout (up to @max bytes) and its error line. */
static cc_enclave_result_t run(char *const args[], int image_fd, const uint8_t *in, size_t in_len, size_t max,
                               uint8_t **out, size_t *out_len, char *err, size_t err_len)
{
    const char *path = cg_launcher();
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
    *out = NULL;
    *out_len = 0;
    err[0] = '\0';
    if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
        snprintf(err, err_len, "pipe failed: %s", strerror(errno));
        goto fail_pipes;
    }
    /* The request is small (well under a pipe's buffer): written up front. */
    if (in_len > 0 && cg_write_all(pin[1], in, in_len) != 0) {
        snprintf(err, err_len, "cannot pass the request: %s", strerror(errno));
        goto fail_pipes;
    }
    close(pin[1]);
    pin[1] = -1;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_len, "fork failed: %s", strerror(errno));
        goto fail_pipes;
    }
    if (pid == 0) {
        int img = image_fd >= 0 ? fcntl(image_fd, F_DUPFD, 10) : -1;
        if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0 ||
            (img >= 0 && dup2(img, CG_LAUNCHER_IMAGE_FD) < 0))
            _exit(127);
        syscall(SYS_close_range, 3, CG_LAUNCHER_IMAGE_FD - 1, 0);
        syscall(SYS_close_range, CG_LAUNCHER_IMAGE_FD + 1, ~0U, 0);
        char *const envp[] = {NULL};
        execve(path, args, envp);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    pin[0] = pout[1] = perr[1] = -1;

    size_t cap = 4096, n = 0, en = 0;
    uint8_t *buf = malloc(cap);
    bool too_big = false;
    struct pollfd pf[2] = {{pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}};
    while (buf != NULL && (pf[0].fd >= 0 || pf[1].fd >= 0)) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].fd >= 0 && pf[0].revents) {
            if (n == cap && cap < max + 1) {
                size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
                uint8_t *nb = realloc(buf, nc);
                if (nb == NULL)
                    break;
                buf = nb;
                cap = nc;
            }
            ssize_t r = n < cap ? read(pout[0], buf + n, cap - n) : 0;
            if (r > 0)
                n += (size_t)r;
            else if (r == 0 || errno != EINTR)
                pf[0].fd = -1;
            too_big = n > max;
        }
        if (pf[1].fd >= 0 && pf[1].revents) {
            char tmp[256];
            ssize_t r = read(perr[0], tmp, sizeof tmp);
            if (r > 0 && en + 1 < err_len) {
                size_t k = (size_t)r < err_len - 1 - en ? (size_t)r : err_len - 1 - en;
                memcpy(err + en, tmp, k);
                en += k;
                err[en] = '\0';
            } else if (r == 0 || (r < 0 && errno != EINTR)) {
                pf[1].fd = -1;
            }
        }
    }
    close(pout[0]);
    close(perr[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    while (en > 0 && (err[en - 1] == '\n' || err[en - 1] == '\r'))
        err[--en] = '\0';
    if (buf == NULL || too_big || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        free(buf);
        if (err[0] == '\0')
            snprintf(err, err_len, "%.200s %s", path,
                     WIFEXITED(st) && WEXITSTATUS(st) == 127 ? "could not be run" : "failed");
        return too_big ? CC_ERROR_BAD_FORMAT : CC_ERROR_ACCESS_DENIED;
    }
    *out = buf;
    *out_len = n;
    return CC_SUCCESS;

fail_pipes:
    for (int i = 0; i < 2; i++) {
        if (pin[i] >= 0)
            close(pin[i]);
        if (pout[i] >= 0)
            close(pout[i]);
        if (perr[i] >= 0)
            close(perr[i]);
    }
    return CC_ERROR_OUT_OF_MEMORY;
}

cc_enclave_result_t cg_launcher_report(const struct cg_enclave *e, const uint8_t *req, size_t req_len,
                                       uint8_t **out, size_t *out_len)
{
    char *args[] = {(char *)"cgear-launcher", (char *)"report", (char *)e->engine->name,
                    (char *)((e->flags & SECGEAR_DEBUG_FLAG) ? "1" : "0"), NULL};
    char err[512];
    cc_enclave_result_t rc = run(args, e->mon.image_fd, req, req_len, CG_REPORT_MAX, out, out_len, err, sizeof err);
    if (rc != CC_SUCCESS)
        cg_log_error("cannot attest enclave '%s' on the system platform: %s", e->ident.manifest.name, err);
    return rc;
}

cc_enclave_result_t cg_launcher_check(void)
{
    char *args[] = {(char *)"cgear-launcher", (char *)"check", NULL};
    char err[512];
    uint8_t *out = NULL;
    size_t len = 0;
    cc_enclave_result_t rc = run(args, -1, NULL, 0, 0, &out, &len, err, sizeof err);
    free(out);
    if (rc != CC_SUCCESS)
        cg_log_error("the system platform is not usable: %s", err);
    return rc;
}
