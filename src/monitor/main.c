/*
 * main.c - cgear-monitor: the per-enclave process started by the host.
 *
 * For the process engine it confines itself (resource limits, no new
 * privileges, the seccomp allow-list from the host) and then becomes the
 * enclave with execveat(): the monitor and the enclave are one process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor_abi.h"
#ifdef CGEAR_MONITOR_KVM
#include <sys/mman.h>
#include "vm.h"
#endif
#include "confine.h"
#include "window.h"

#define CG_AT_EMPTY_PATH 0x1000

/* Stop before the enclave runs: one line on the note pipe first, so the
 * host trusts the status (monitor.h). */
static _Noreturn void fail(int status, const char *what)
{
    size_t n = strlen(what);
    ssize_t w = write(CG_MON_NOTE_FD, what, n);
    w = write(CG_MON_NOTE_FD, "\n", 1);
    (void)w;
    _exit(status);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

static _Noreturn void run_process(uint64_t data_limit)
{
    struct rlimit core = {0, 0};
    struct rlimit data = {data_limit, data_limit};
    if (setrlimit(RLIMIT_CORE, &core) != 0 || setrlimit(RLIMIT_DATA, &data) != 0)
        fail(CG_MON_EXIT_LIMITS, "cgear-monitor could not set the enclave's resource limits");

    struct stat st;
    if (fstat(CG_MON_BPF_FD, &st) != 0 || st.st_size <= 0 || st.st_size % sizeof(struct cg_sock_filter) != 0 ||
        st.st_size / sizeof(struct cg_sock_filter) > 0xffff)
        fail(CG_MON_EXIT_FILTER, "cgear-monitor got no valid seccomp program from the host");
    struct cg_sock_filter *f = malloc((size_t)st.st_size);
    if (f == NULL || pread(CG_MON_BPF_FD, f, (size_t)st.st_size, 0) != st.st_size)
        fail(CG_MON_EXIT_FILTER, "cgear-monitor could not read the seccomp program");
    close(CG_MON_BPF_FD);
    /* The enclave must not inherit its own ELF (no descriptor to exec) nor
     * the note pipe (it must not speak for the monitor). */
    if (fcntl(CG_ELF_FD, F_SETFD, FD_CLOEXEC) != 0)
        fail(CG_MON_EXIT_EXEC, "cgear-monitor has no enclave ELF descriptor");
    fcntl(CG_MON_NOTE_FD, F_SETFD, FD_CLOEXEC);
    struct cg_bpf prog = {f, (unsigned short)(st.st_size / sizeof(*f))};
    if (cg_confine_install(&prog) != 0)
        fail(CG_MON_EXIT_FILTER, "cgear-monitor could not install the seccomp allow-list");

    /* From here on only the allow-list applies, plus this one execveat. */
    char *const argv[] = {(char *)"cgear-enclave", NULL};
    char *const envp[] = {NULL};
    syscall(SYS_execveat, CG_ELF_FD, "", argv, envp, CG_AT_EMPTY_PATH);
    fail(CG_MON_EXIT_EXEC, "cgear-monitor could not exec the enclave ELF");
}

#ifdef CGEAR_MONITOR_KVM
/* The KVM engine: this process holds the enclave's memory and runs it. */
static _Noreturn void run_kvm(int argc, char **argv)
{
    struct timespec t_main;
    clock_gettime(CLOCK_MONOTONIC, &t_main);
    /* Confined from the start: the setup program allows building the VM
     * and nothing that reaches other processes, the network or exec. */
    struct cg_bpf setup = {0}, run = {0};
    if (cg_confine_load_pair(CG_MON_BPF_FD, &setup, &run) != 0)
        fail(CG_MON_EXIT_FILTER, "cgear-monitor got no valid seccomp programs from the host");
    if (cg_confine_install(&setup) != 0)
        fail(CG_MON_EXIT_FILTER, "cgear-monitor could not install its setup seccomp filter");
    free(setup.insns);
    struct cg_vm_config cfg = {0};
    uint64_t threads = 0, debug = 0;
    if (parse_u64(argv[3], &debug) != 0 || parse_u64(argv[4], &threads) != 0 ||
        parse_u64(argv[5], &cfg.heap_size) != 0 || parse_u64(argv[6], &cfg.stack_size) != 0 || threads > 1024)
        fail(CG_MON_EXIT_USAGE, "cgear-monitor refused its arguments (host and monitor out of step)");
    cfg.threads = (uint32_t)threads;
    cfg.debug = debug != 0;
    cfg.run_filter = &run;
    cfg.t_main = (uint64_t)t_main.tv_sec * 1000000000ull + (uint64_t)t_main.tv_nsec;
    /* only for debug enclaves, on the host's request (tests) */
    cfg.seccomp_selftest = argc == 9 && cfg.debug && strcmp(argv[8], "seccomp-selftest") == 0;
    /* the debugger, on the socket the host passed: debug enclaves only
     * (the host refuses the others first; this is the second check) */
    cfg.gdb_wait = argc == 9 && strcmp(argv[8], "gdb-wait") == 0;
    cfg.gdb = cfg.gdb_wait || (argc == 9 && strcmp(argv[8], "gdb") == 0);
    /* a new enclave from another's snapshot, sent on CG_MON_PEER_FD (clone.c) */
    cfg.clone = argc == 9 && strcmp(argv[8], "clone") == 0;
    if (cfg.gdb && !cfg.debug)
        fail(CG_MON_EXIT_USAGE, "cgear-monitor refuses a debugger for a production enclave");
    /* the name, for log prefixes only: printable characters */
    size_t k = 0;
    for (const char *p = argv[7]; *p && k < sizeof cfg.name - 1; p++)
        cfg.name[k++] = (*p >= 0x21 && *p <= 0x7e) ? *p : '_';
    cfg.name[k] = '\0';
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
    struct stat st;
    if (fstat(CG_ELF_FD, &st) != 0 || st.st_size <= 0)
        fail(CG_MON_EXIT_LOAD, "cgear-monitor has no enclave ELF");
    const uint8_t *elf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, CG_ELF_FD, 0);
    if (elf == MAP_FAILED)
        fail(CG_MON_EXIT_LOAD, "cgear-monitor cannot map the enclave ELF");
    _exit(cg_vm_run(&cfg, elf, (size_t)st.st_size, CG_WINDOW_FD));
}
#endif

int main(int argc, char **argv)
{
    /* Before anything else: not ptrace-able, no /proc/PID/mem for peers. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* The host's spawn child (or cgear-launcher) exec'd us with every
     * signal blocked (src/host/spawn.c): take none of that mask along,
     * into the vCPU threads or the process engine's enclave. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    uint64_t data_limit = 0;
    if ((argc != 8 && argc != 9) || parse_u64(argv[2], &data_limit) != 0)
        fail(CG_MON_EXIT_USAGE, "cgear-monitor refused its arguments (host and monitor out of step)");
    if (strcmp(argv[1], "process") == 0)
        run_process(data_limit);
#ifdef CGEAR_MONITOR_KVM
    if (strcmp(argv[1], "kvm") == 0)
        run_kvm(argc, argv);
#endif
    fail(CG_MON_EXIT_USAGE, "cgear-monitor was asked for an engine it does not have");
}
