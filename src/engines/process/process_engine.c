/*
 * process_engine.c - run the enclave as a separate, confined process.
 *
 * The child of the reaper thread, before exec'ing the enclave ELF:
 *   - dies with its parent thread (PR_SET_PDEATHSIG),
 *   - keeps only the call window (fd 3) and the sealed ELF copy (fd 4,
 *     close-on-exec), plus stderr as fds 1 and 2 for debug enclaves,
 *   - gets an empty environment, no core dumps, a data limit from the
 *     manifest, no new privileges, and the seccomp program.
 * The enclave runtime makes itself non-dumpable as its first action.
 * Only async-signal-safe calls run in the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "seccomp_filter.h"
#include "window.h"

/* Room above heap + stacks for the runtime's own mappings. */
#define CG_DATA_SLACK ((uint64_t)64 << 20)

static bool process_probe(char *why, size_t why_len)
{
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        snprintf(why, why_len, "the kernel has no seccomp support (CONFIG_SECCOMP)");
        return false;
    }
    int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pfd < 0) {
        snprintf(why, why_len, "pidfd_open() is not available (Linux 5.3 or later is needed): %s", strerror(errno));
        return false;
    }
    close(pfd);
    if (cg_seccomp_program(why, why_len) == NULL)
        return false;
    snprintf(why, why_len, "separate non-dumpable process under a seccomp allow-list (weaker than a VM)");
    return true;
}

/* Move @fd to @target in the child, even if it is already there. */
static int place_fd(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

static _Noreturn void child(const struct cg_enclave *e, const struct sock_fprog *prog, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
        _exit(120);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Lift both descriptors above the targets first so dup2 cannot clobber. */
    int wfd = fcntl(e->window_fd, F_DUPFD, 10);
    int efd = fcntl(e->elf_fd, F_DUPFD_CLOEXEC, 10);
    if (wfd < 0 || efd < 0)
        _exit(121);
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    if (debug) {
        if (dup2(STDERR_FILENO, 1) < 0)
            _exit(122);
    } else {
        close(1);
        close(2);
    }
    close(0);
    if (place_fd(wfd, CG_WINDOW_FD) != 0 || dup2(efd, CG_ELF_FD) < 0 ||
        fcntl(CG_ELF_FD, F_SETFD, FD_CLOEXEC) != 0)
        _exit(123);
    if (syscall(SYS_close_range, CG_ELF_FD + 1, ~0U, 0) != 0)
        _exit(124);

    struct rlimit core = {0, 0};
    uint64_t data = e->manifest.heap_size + (uint64_t)e->manifest.threads * e->manifest.stack_size + CG_DATA_SLACK;
    struct rlimit dl = {data, data};
    if (setrlimit(RLIMIT_CORE, &core) != 0 || setrlimit(RLIMIT_DATA, &dl) != 0)
        _exit(125);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0)
        _exit(126);

    char *const argv[] = {(char *)"cgear-enclave", NULL};
    char *const envp[] = {NULL};
    syscall(SYS_execveat, CG_ELF_FD, "", argv, envp, AT_EMPTY_PATH);
    _exit(127);
}

static cc_enclave_result_t process_spawn(struct cg_enclave *e)
{
    char why[200];
    const struct sock_fprog *prog = cg_seccomp_program(why, sizeof(why));
    if (prog == NULL) {
        cg_log_error("process engine: %s", why);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        cg_log_error("process engine: fork failed: %s", strerror(errno));
        return CC_ERROR_OUT_OF_MEMORY;
    }
    if (pid == 0)
        child(e, prog, parent);
    /* The child stays a zombie until we wait, so its pid cannot be reused
     * before pidfd_open. */
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0) {
        cg_log_error("process engine: pidfd_open failed: %s", strerror(errno));
        kill(pid, SIGKILL);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    e->pid = pid;
    e->pidfd = pfd;
    return CC_SUCCESS;
}

const struct cg_engine cg_engine_process = {
    .name = "process",
    .type = PROCESS_ENCLAVE_TYPE,
    .strength = 1,
    .probe = process_probe,
    .spawn = process_spawn,
};
