/*
 * process_engine.c - run the enclave as a separate, confined process.
 *
 * The reaper thread forks; the child, making only async-signal-safe calls:
 *   - dies with its parent thread (PR_SET_PDEATHSIG),
 *   - keeps only the call window (fd 3), the sealed ELF copy (fd 4) and
 *     the sealed seccomp program (fd 5), plus stderr as fds 1 and 2 for
 *     debug enclaves,
 *   - exec's cgear-monitor (embedded in this library) with an empty
 *     environment. The monitor sets the resource limits, no new privileges
 *     and the seccomp program, and exec's the enclave (src/monitor/).
 * The enclave runtime makes itself non-dumpable as its first action.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "monitor.h"
#include "seccomp_filter.h"
#include "window.h"

/* Where the child keeps the monitor executable until it exec's it
 * ("/proc/self/fd/6" below spells the same number). */
#define CG_MON_EXE_FD 6

/* Room above heap + stacks for the runtime's own mappings. */
#define CG_DATA_SLACK ((uint64_t)64 << 20)

static bool process_probe(char *why, size_t why_len)
{
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        snprintf(why, why_len, "the kernel has no seccomp support (CONFIG_SECCOMP)");
        return false;
    }
    if (cg_seccomp_fd(why, why_len) < 0 || cg_monitor_exe_fd(why, why_len) < 0)
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

struct spawn_args {
    int bpf_fd, exe_fd;
    char limit[24];
};

static _Noreturn void child(const struct cg_enclave *e, const struct spawn_args *a, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
        _exit(CG_MON_EXIT_SPAWN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Lift every descriptor above the targets first so dup2 cannot clobber. */
    int wfd = fcntl(e->window_fd, F_DUPFD, 10);
    int efd = fcntl(e->elf_fd, F_DUPFD, 10);
    int bfd = fcntl(a->bpf_fd, F_DUPFD, 10);
    int xfd = fcntl(a->exe_fd, F_DUPFD, 10);
    if (wfd < 0 || efd < 0 || bfd < 0 || xfd < 0)
        _exit(CG_MON_EXIT_SPAWN);
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    if (debug) {
        if (dup2(STDERR_FILENO, 1) < 0)
            _exit(CG_MON_EXIT_SPAWN);
    } else {
        close(1);
        close(2);
    }
    close(0);
    /* dup2 leaves the targets open across exec, as the monitor needs;
     * the monitor's own executable must not survive its exec. */
    if (place_fd(wfd, CG_WINDOW_FD) != 0 || dup2(efd, CG_ELF_FD) < 0 || dup2(bfd, CG_MON_BPF_FD) < 0 ||
        dup2(xfd, CG_MON_EXE_FD) < 0 || fcntl(CG_MON_EXE_FD, F_SETFD, FD_CLOEXEC) != 0)
        _exit(CG_MON_EXIT_SPAWN);
    if (syscall(SYS_close_range, CG_MON_EXE_FD + 1, ~0U, 0) != 0) {
        /* No close_range (Linux < 5.9, valgrind): close them one by one. */
        struct rlimit nof;
        if (errno != ENOSYS || getrlimit(RLIMIT_NOFILE, &nof) != 0)
            _exit(CG_MON_EXIT_SPAWN);
        for (rlim_t fd = CG_MON_EXE_FD + 1; fd < nof.rlim_cur && fd < (1u << 20); fd++)
            close((int)fd);
    }

    char *const argv[] = {(char *)"cgear-monitor", (char *)"process", (char *)a->limit,
                          debug ? (char *)"1" : (char *)"0", NULL};
    char *const envp[] = {NULL};
    syscall(SYS_execveat, CG_MON_EXE_FD, "", argv, envp, AT_EMPTY_PATH);
    /* valgrind emulates execveat by path and cannot reopen a memfd that
     * way; the /proc path to the same descriptor works there. */
    execve("/proc/self/fd/6", argv, envp);
    _exit(CG_MON_EXIT_SPAWN);
}

static cc_enclave_result_t process_spawn(struct cg_enclave *e)
{
    char why[200];
    struct spawn_args a;
    a.bpf_fd = cg_seccomp_fd(why, sizeof(why));
    a.exe_fd = a.bpf_fd < 0 ? -1 : cg_monitor_exe_fd(why, sizeof(why));
    if (a.exe_fd < 0) {
        cg_log_error("process engine: %s", why);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    uint64_t data = e->manifest.heap_size + (uint64_t)e->manifest.threads * e->manifest.stack_size + CG_DATA_SLACK;
    snprintf(a.limit, sizeof(a.limit), "%" PRIu64, data);

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        cg_log_error("process engine: fork failed: %s", strerror(errno));
        return CC_ERROR_OUT_OF_MEMORY;
    }
    if (pid == 0)
        child(e, &a, parent);
    /* The child stays a zombie until we wait, so its pid cannot be reused
     * before pidfd_open. Without pidfds (old kernels, valgrind) the reaper
     * falls back to waitid on the pid, which it alone reaps. */
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0 && errno != ENOSYS) {
        cg_log_error("process engine: pidfd_open failed: %s", strerror(errno));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
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
