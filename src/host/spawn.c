/*
 * spawn.c - start cgear-monitor for an enclave (every engine).
 *
 * The reaper thread vfork()s (issue 16: a fork copies the host's page
 * tables, which grows with the application's memory - 0.3 ms of a create
 * for the bench, tens of ms for a big host - while a vfork child borrows
 * the parent's memory until its exec). The child, making only
 * async-signal-safe calls on its own stack frames and writing no memory
 * the parent uses:
 *   - keeps every signal blocked until its exec (a handler must never run
 *     in the parent's memory); the exec sets handled signals back to their
 *     defaults and the monitor unblocks them,
 *   - dies with its parent thread (PR_SET_PDEATHSIG),
 *   - keeps only the call window (fd 3), the sealed ELF copy (fd 4), the
 *     engine's seccomp program(s) if any (fd 5, struct cg_monitor_plan),
 *     the write end of the note pipe (fd 7), the enclave's
 *     key block (fd 8, src/abi/enclave_keys.h), the debugger's listening
 *     socket (fd 10, a debug kvm enclave with CGEAR_GDB), the shared-memory
 *     memfd (fd 12, when the manifest allows shared memory), plus stderr
 *     as fds 1 and 2 for debug enclaves,
 *   - exec's cgear-monitor (embedded in this library) with an empty
 *     environment and the manifest's numbers on its command line
 *     (src/abi/monitor_abi.h); on a system install it exec's
 *     cgear-launcher instead, with the image on fd 9 and no key block:
 *     the launcher verifies, derives the keys and exec's its own monitor
 *     (src/abi/launcher_abi.h).
 * The parent keeps the read end of the note pipe: the monitor writes one
 * line there when it stops an enclave (a guest fault, a forbidden call),
 * which the reaper puts in its log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "launcher_client.h"
#include "lifecycle.h"
#include "log.h"
#include "monitor_abi.h"
#include "enclave_keys.h"
#include "launcher_abi.h"
#include "shm.h"
#include "window.h"


/* Move @fd to @target in the child, even if it is already there. */
static int place_fd(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

struct spawn_args {
    int extra_fd, exe_fd, note_fd, gdb_fd, shm_fd;
    int ctl_fd, peer_fd; /* kvm: the monitor's end of its control socket; a clone's peer socket (or -1) */
    const char *launcher; /* system install: exec this instead (launcher.h) */
    char *argv[10];
    char num[4][24];
};

/* The child could not start the monitor: say so on the note pipe (the
 * host trusts a monitor status only with a note, reaper.c) and stop. */
static _Noreturn void child_fail(int note_fd, const char *what)
{
    ssize_t w = write(note_fd, what, strlen(what));
    (void)w;
    _exit(CG_MON_EXIT_SPAWN);
}

static _Noreturn void child(const struct cg_enclave *e, const struct spawn_args *a, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
        child_fail(a->note_fd, "the enclave process lost its parent before it started\n");
    /* vfork: an application's handler must not run in the borrowed memory,
     * so every signal stays blocked (cg_monitor_start) through the exec,
     * which sets every handled signal back to its default; the monitor
     * unblocks them first thing (src/monitor/main.c). Ignored signals stay
     * ignored, as before. (Before issue 16 the child reset each handler
     * itself, 64 sigaction calls: 60 us of every create here.) */

    /* Lift every descriptor above the targets first so dup2 cannot clobber. */
    const int above = CG_MON_PEER_FD + 1;
    int wfd = fcntl(e->win.fd, F_DUPFD, above);
    int efd = fcntl(e->mon.elf_fd, F_DUPFD, above);
    int bfd = a->extra_fd >= 0 ? fcntl(a->extra_fd, F_DUPFD, above) : -1;
    int xfd = fcntl(a->exe_fd, F_DUPFD, above);
    int nfd = fcntl(a->note_fd, F_DUPFD, above);
    int kfd = e->mon.keys_fd >= 0 ? fcntl(e->mon.keys_fd, F_DUPFD, above) : -1;
    int ifd = a->launcher != NULL ? fcntl(e->mon.image_fd, F_DUPFD, above) : -1;
    int gfd = a->gdb_fd >= 0 ? fcntl(a->gdb_fd, F_DUPFD, above) : -1;
    int sfd = a->shm_fd >= 0 ? fcntl(a->shm_fd, F_DUPFD, above) : -1;
    int cfd = a->ctl_fd >= 0 ? fcntl(a->ctl_fd, F_DUPFD, above) : -1;
    int pfd = a->peer_fd >= 0 ? fcntl(a->peer_fd, F_DUPFD, above) : -1;
    if ((a->ctl_fd >= 0 && cfd < 0) || (a->peer_fd >= 0 && pfd < 0))
        child_fail(a->note_fd, "the enclave process could not duplicate its sockets\n");
    if ((a->shm_fd >= 0 && sfd < 0) || wfd < 0 || efd < 0 || (a->extra_fd >= 0 && bfd < 0) || xfd < 0 || nfd < 0 || (e->mon.keys_fd >= 0 && kfd < 0) ||
        (a->launcher != NULL && ifd < 0) || (a->gdb_fd >= 0 && gfd < 0))
        child_fail(a->note_fd, "the enclave process could not duplicate its descriptors\n");
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    if (debug) {
        if (dup2(STDERR_FILENO, 1) < 0)
            child_fail(nfd, "the enclave process could not set up its console\n");
    } else {
        close(1);
        close(2);
    }
    close(0);
    /* dup2 leaves the targets open across exec, as the monitor needs;
     * the monitor's own executable must not survive its exec. */
    if (place_fd(wfd, CG_WINDOW_FD) != 0 || dup2(efd, CG_ELF_FD) < 0 ||
        (bfd >= 0 && dup2(bfd, CG_MON_BPF_FD) < 0) || dup2(xfd, CG_MON_EXE_FD) < 0 ||
        dup2(nfd, CG_MON_NOTE_FD) < 0 || (kfd >= 0 && dup2(kfd, CG_KEYS_FD) < 0) ||
        fcntl(CG_MON_EXE_FD, F_SETFD, FD_CLOEXEC) != 0)
        child_fail(nfd, "the enclave process could not place its descriptors\n");
    if (bfd < 0)
        close(CG_MON_BPF_FD);
    if (kfd < 0)
        close(CG_KEYS_FD);
    int keep = CG_KEYS_FD;
    if (ifd >= 0) {
        if (dup2(ifd, CG_LAUNCHER_IMAGE_FD) < 0)
            child_fail(CG_MON_NOTE_FD, "the enclave process could not place the image descriptor\n");
        keep = CG_LAUNCHER_IMAGE_FD;
    }
    if (gfd >= 0) {
        if (ifd < 0)
            close(CG_LAUNCHER_IMAGE_FD); /* a host descriptor may sit below the gdb one */
        if (dup2(gfd, CG_MON_GDB_FD) < 0)
            child_fail(CG_MON_NOTE_FD, "the enclave process could not place the debugger's socket\n");
        keep = CG_MON_GDB_FD;
    }
    if (sfd >= 0) {
        /* Host descriptors may sit in the numbers below it that nothing took. */
        for (int fd = keep + 1; fd < CG_SHM_FD; fd++)
            close(fd);
        if (dup2(sfd, CG_SHM_FD) < 0)
            child_fail(CG_MON_NOTE_FD, "the enclave process could not place the shared memory\n");
        keep = CG_SHM_FD;
    }
    /* kvm: the control socket and a clone's peer socket (monitor_abi.h) */
    const int sock_fd[2] = {cfd, pfd}, sock_at[2] = {CG_MON_CTL_FD, CG_MON_PEER_FD};
    for (int k = 0; k < 2; k++) {
        if (sock_fd[k] < 0)
            continue;
        for (int fd = keep + 1; fd < sock_at[k]; fd++)
            close(fd);
        if (dup2(sock_fd[k], sock_at[k]) < 0)
            child_fail(CG_MON_NOTE_FD, "the enclave process could not place its sockets\n");
        keep = sock_at[k];
    }
    if (syscall(SYS_close_range, keep + 1, ~0U, 0) != 0) {
        /* No close_range (Linux < 5.9, valgrind): close them one by one. */
        struct rlimit nof;
        if (errno != ENOSYS || getrlimit(RLIMIT_NOFILE, &nof) != 0)
            child_fail(CG_MON_NOTE_FD, "the enclave process could not close the host's descriptors\n");
        for (rlim_t fd = (rlim_t)keep + 1; fd < nof.rlim_cur && fd < (1u << 20); fd++)
            close((int)fd);
    }

    char *const envp[] = {NULL};
    if (a->launcher != NULL) {
        /* argv[0] = "cgear-launcher", argv[1] = "launch", then the
         * monitor's arguments; the launcher exec's the monitor itself. */
        execve(a->launcher, (char *const *)a->argv, envp);
        child_fail(CG_MON_NOTE_FD, "cannot exec cgear-launcher (system install)\n");
    }
    syscall(SYS_execveat, CG_MON_EXE_FD, "", a->argv, envp, AT_EMPTY_PATH);
    /* valgrind emulates execveat by path and cannot reopen a memfd that
     * way; the /proc path to the same descriptor works there. */
    execve("/proc/self/fd/6", a->argv, envp);
    child_fail(CG_MON_NOTE_FD, "cannot exec cgear-monitor\n");
}

cc_enclave_result_t cg_monitor_spawn(struct cg_enclave *e, const struct cg_monitor_plan *plan)
{
    char why[200];
    const char *engine = e->engine->name;
    struct spawn_args a;
    memset(&a, 0, sizeof a);
    a.extra_fd = plan->bpf_fd;
    a.gdb_fd = plan->gdb_fd;
    a.ctl_fd = a.peer_fd = -1;
    a.shm_fd = cg_shm_fd(e);
    a.exe_fd = cg_monitor_exe_fd(why, sizeof(why));
    if (a.exe_fd < 0) {
        cg_log_error("%s engine: %s", engine, why);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    const struct cg_manifest *m = &e->ident.manifest;
    uint64_t data = m->heap_size + (uint64_t)m->threads * m->stack_size + CG_MON_DATA_SLACK;
    snprintf(a.num[0], sizeof a.num[0], "%" PRIu64, data);
    snprintf(a.num[1], sizeof a.num[1], "%" PRIu64, (uint64_t)m->threads);
    snprintf(a.num[2], sizeof a.num[2], "%" PRIu64, (uint64_t)m->heap_size);
    snprintf(a.num[3], sizeof a.num[3], "%" PRIu64, (uint64_t)m->stack_size);
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    char *argv[] = {(char *)"cgear-monitor", (char *)engine, a.num[0], debug ? (char *)"1" : (char *)"0",
                    a.num[1], a.num[2], a.num[3], (char *)(m->name[0] ? m->name : "enclave"), NULL, NULL};
    argv[8] = (char *)plan->extra_arg; /* the engine's own, if any (engine.h) */
    a.launcher = cg_launcher();
    /* kvm, not through the launcher: a control socket (snapshots), and for
     * a new enclave from a snapshot its peer socket (docs/snapshots.md) */
    int ctl[2] = {-1, -1};
    if (e->engine->type == KVM_ENCLAVE_TYPE && a.launcher == NULL) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0) {
            cg_log_error("%s engine: socketpair failed: %s", engine, strerror(errno));
            return CC_ERROR_OUT_OF_MEMORY;
        }
        a.ctl_fd = ctl[1];
        if (e->mon.peer_fd >= 0) {
            if (plan->extra_arg != NULL) {
                close(ctl[0]);
                close(ctl[1]);
                cg_log_error("%s engine: an enclave from a snapshot cannot be debugged", engine);
                return CC_ERROR_NOT_SUPPORTED;
            }
            a.peer_fd = e->mon.peer_fd;
            argv[8] = (char *)"clone";
        }
    }
    if (a.launcher != NULL && plan->gdb_fd >= 0) {
        /* the launcher passes no extra argument or descriptor on */
        cg_log_error("%s engine: CGEAR_GDB is not available with a system install (cgear-launcher); "
                     "use the per-user platform", engine);
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (a.launcher != NULL) {
        a.argv[0] = (char *)"cgear-launcher";
        a.argv[1] = (char *)"launch";
        memcpy(a.argv + 2, argv + 1, 7 * sizeof argv[0]); /* the launcher takes no extra argument */
    } else {
        memcpy(a.argv, argv, sizeof argv);
    }

    int note[2];
    if (pipe2(note, O_CLOEXEC) != 0) {
        cg_log_error("%s engine: pipe failed: %s", engine, strerror(errno));
        if (ctl[0] >= 0) {
            close(ctl[0]);
            close(ctl[1]);
        }
        return CC_ERROR_OUT_OF_MEMORY;
    }
    a.note_fd = note[1];
    pid_t parent = getpid();
    /* The reaper runs with every signal blocked (cg_monitor_start), so the
     * child starts with them blocked too, until it has reset the handlers. */
    pid_t pid = vfork();
    if (pid == 0)
        child(e, &a, parent);
    if (ctl[1] >= 0)
        close(ctl[1]); /* the monitor's end */
    if (pid < 0) {
        cg_log_error("%s engine: vfork failed: %s", engine, strerror(errno));
        close(note[0]);
        close(note[1]);
        if (ctl[0] >= 0)
            close(ctl[0]);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    close(note[1]);
    e->mon.ctl_sock = ctl[0];
    /* The child stays a zombie until we wait, so its pid cannot be reused
     * before pidfd_open. Without pidfds (old kernels, valgrind) the reaper
     * falls back to waitid on the pid, which it alone reaps. */
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0 && errno != ENOSYS) {
        cg_log_error("%s engine: pidfd_open failed: %s", engine, strerror(errno));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(note[0]);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    e->mon.pid = pid;
    e->mon.pidfd = pfd;
    e->mon.note_fd = note[0];
    return CC_SUCCESS;
}
