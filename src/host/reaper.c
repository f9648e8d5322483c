/*
 * reaper.c - start the enclave's monitor process and watch it die.
 *
 * Each enclave has one "reaper" thread. It spawns the monitor process
 * itself, so that the child's PR_SET_PDEATHSIG (which fires when the
 * *thread* that forked it exits) fires exactly when the host process goes
 * away or the enclave is destroyed, then waits for the child (by pidfd, or
 * by pid where the kernel or valgrind lacks pidfds). When
 * the child dies for any reason, every host thread waiting on the enclave
 * is woken with CC_ERROR_ENCLAVE_LOST: no call can hang on a dead enclave.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "futex.h"
#include "host.h"
#include "log.h"
#include "lifecycle.h"
#include "monitor_abi.h"

static const char *engine_label(const struct cg_enclave *e)
{
    return e->engine ? e->engine->name : "?";
}

/* SIGKILL the monitor process, by pidfd where possible, else by pid while
 * it is known not to be reaped (so never a recycled pid). */
static void kill_child(struct cg_enclave *e)
{
    if (e->mon.pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, e->mon.pidfd, SIGKILL, NULL, 0);
        return;
    }
    pthread_mutex_lock(&e->lock);
    if (e->mon.pid > 0 && !e->mon.reaped)
        kill(e->mon.pid, SIGKILL);
    pthread_mutex_unlock(&e->lock);
}

void cg_enclave_mark_lost(struct cg_enclave *e, cc_enclave_result_t reason, const char *what)
{
    bool was = atomic_exchange(&e->fate.lost, true);
    if (!was) {
        e->fate.reason = reason;
        pthread_mutex_lock(&e->lock);
        snprintf(e->fate.what, sizeof e->fate.what, "%s", what != NULL ? what : cc_enclave_res2_str(reason));
        pthread_mutex_unlock(&e->lock);
        if (!atomic_load(&e->fate.destroying) && what != NULL)
            cg_log_error("enclave '%s' (pid %d, %s engine) lost: %s", e->ident.manifest.name, (int)e->mon.pid,
                         engine_label(e), what);
    }
    kill_child(e);
    /* Wake the creator and every call waiting on a slot. The exchange makes
     * the host's compare-and-swap fail, so nobody goes back to sleep. */
    atomic_store(&e->win.hdr->state, CG_STATE_DEAD);
    cg_futex_wake(&e->win.hdr->state, 1 << 30);
    for (uint32_t i = 0; i < e->win.nslots + e->win.nuslots; i++) {
        atomic_store(&e->win.chans[i].slot->turn, CG_TURN_DEAD);
        cg_futex_wake(&e->win.chans[i].slot->turn, 1 << 30);
    }
    pthread_mutex_lock(&e->lock);
    pthread_cond_broadcast(&e->calls.slot_free);
    pthread_mutex_unlock(&e->lock);
}

/* Describe how the child ended, and map it to a result code: the engine's
 * reading first (engine.h), then what means the same on every engine. The
 * monitor's own statuses (110-121) count only when the monitor also wrote
 * its note (@noted): every monitor failure does, and the enclave cannot
 * write there (the process engine's enclave never has the pipe, the kvm
 * engine's only reaches it through the monitor). An enclave that calls
 * exit_group(116) therefore reads as what it is, not as "no KVM". */
static cc_enclave_result_t describe_exit(const struct cg_enclave *e, const siginfo_t *si, bool noted, char *buf,
                                         size_t len)
{
    if (e->engine != NULL && e->engine->describe_exit != NULL) {
        cc_enclave_result_t rc = e->engine->describe_exit(si, noted, buf, len);
        if (rc != CC_SUCCESS)
            return rc;
    }
    if (si->si_code == CLD_EXITED) {
        switch (noted ? si->si_status : 0) {
        case CG_MON_EXIT_USAGE:
            snprintf(buf, len, "cgear-monitor refused its arguments (host and monitor out of step)");
            return CC_ERROR_ENGINE_UNAVAILABLE;
        case CG_MON_EXIT_LIMITS:
            snprintf(buf, len, "cgear-monitor could not set the enclave's resource limits");
            return CC_ERROR_ENGINE_UNAVAILABLE;
        case CG_MON_EXIT_FILTER:
            snprintf(buf, len, "cgear-monitor could not install the seccomp allow-list");
            return CC_ERROR_ENGINE_UNAVAILABLE;
        case CG_MON_EXIT_LAUNCH:
            snprintf(buf, len, "cgear-launcher (system install) refused to start the enclave");
            return CC_ERROR_ACCESS_DENIED;
        case CG_MON_EXIT_SPAWN:
            snprintf(buf, len, "the enclave process could not be set up before starting cgear-monitor");
            return CC_ERROR_ENGINE_UNAVAILABLE;
        default:
            snprintf(buf, len, "the enclave exited with status %d", si->si_status);
            return CC_ERROR_ENCLAVE_LOST;
        }
    }
    int sig = si->si_status;
    switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGABRT:
        snprintf(buf, len, "the enclave crashed (%s)", strsignal(sig));
        return CC_ERROR_ENCLAVE_CRASHED;
    case SIGKILL:
        snprintf(buf, len, "the enclave process was killed (SIGKILL)");
        return CC_ERROR_ENCLAVE_LOST;
    default:
        snprintf(buf, len, "the enclave process ended by signal %d (%s)", sig, strsignal(sig));
        return CC_ERROR_ENCLAVE_LOST;
    }
}

/* The monitor's own account of why it stopped (one line on the note
 * pipe), made printable; empty if it said nothing. */
static void read_note(struct cg_enclave *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (e->mon.note_fd < 0 || len < 2)
        return;
    size_t got = 0;
    while (got < len - 1) {
        ssize_t n = read(e->mon.note_fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    for (size_t i = 0; i < got; i++) {
        if (buf[i] == '\n') {
            buf[i] = '\0';
            break;
        }
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
            buf[i] = '?';
    }
}

static void *reaper_main(void *arg)
{
    struct cg_enclave *e = arg;
    struct cg_monitor_plan plan = {.bpf_fd = -1, .extra_arg = NULL, .gdb_fd = -1, .wait_debugger = false};
    char why[256] = "it cannot run enclaves";
    cc_enclave_result_t rc = e->engine->prepare != NULL
                                 ? e->engine->prepare((e->flags & SECGEAR_DEBUG_FLAG) != 0, &plan, why, sizeof why)
                                 : CC_ERROR_ENGINE_UNAVAILABLE;
    e->stamps[CG_HSTAMP_PREPARED] = cg_now_ns();
    if (rc != CC_SUCCESS)
        cg_log_error("%s engine: %s", e->engine->name, why);
    else
        rc = cg_monitor_spawn(e, &plan);
    e->stamps[CG_HSTAMP_SPAWNED] = cg_now_ns();
    if (plan.gdb_fd >= 0)
        close(plan.gdb_fd); /* the monitor has its own copy */
    atomic_store(&e->mon.no_start_timeout, rc == CC_SUCCESS && plan.wait_debugger);

    pthread_mutex_lock(&e->lock);
    e->mon.spawn_rc = rc;
    e->mon.spawn_done = true;
    pthread_cond_broadcast(&e->mon.started);
    pthread_mutex_unlock(&e->lock);
    if (rc != CC_SUCCESS)
        return NULL;

    /* Wait for the end but leave the zombie (WNOWAIT): until it is reaped
     * below, its pid cannot be recycled, so kill_child() stays safe. */
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    idtype_t idtype = e->mon.pidfd >= 0 ? P_PIDFD : P_PID;
    id_t id = e->mon.pidfd >= 0 ? (id_t)e->mon.pidfd : (id_t)e->mon.pid;
    while (waitid(idtype, id, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;
    char what[200], note[300];
    read_note(e, note, sizeof note);
    cc_enclave_result_t reason = describe_exit(e, &si, note[0] != '\0', what, sizeof(what));
    /* The monitor's words are more precise than the status (where it
     * faulted, which call); the status alone when it said nothing. */
    cg_enclave_mark_lost(e, reason, note[0] != '\0' && si.si_code == CLD_EXITED ? note : what);
    pthread_mutex_lock(&e->lock);
    e->mon.reaped = true;
    pthread_mutex_unlock(&e->lock);
    while (waitid(idtype, id, &si, WEXITED) < 0 && errno == EINTR)
        ;
    return NULL;
}

cc_enclave_result_t cg_monitor_start(struct cg_enclave *e)
{
    /* Signals are for the application's threads, not for the reaper. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&e->mon.reaper, NULL, reaper_main, e);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        cg_log_error("cannot start the enclave monitor thread: %s", strerror(err));
        return CC_ERROR_OUT_OF_MEMORY;
    }
    e->mon.reaper_started = true;

    pthread_mutex_lock(&e->lock);
    while (!e->mon.spawn_done)
        pthread_cond_wait(&e->mon.started, &e->lock);
    cc_enclave_result_t rc = e->mon.spawn_rc;
    pthread_mutex_unlock(&e->lock);
    return rc;
}

void cg_monitor_stop(struct cg_enclave *e)
{
    if (!e->mon.reaper_started)
        return;
    atomic_store(&e->fate.destroying, true);
    kill_child(e);
    pthread_join(e->mon.reaper, NULL);
    e->mon.reaper_started = false;
}
