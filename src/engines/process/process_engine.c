/*
 * process_engine.c - run the enclave as a separate, confined process.
 *
 * The host starts cgear-monitor (src/host/spawn.c) with this engine's
 * seccomp program on CG_MON_BPF_FD; the monitor sets the resource limits,
 * no new privileges and the program, and exec's the enclave
 * (src/monitor/main.c). The enclave runtime makes itself non-dumpable as
 * its first action.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "engine.h"
#include "image.h"
#include "monitor_abi.h"
#include "seccomp_filter.h"

static bool process_probe(char *why, size_t why_len)
{
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        snprintf(why, why_len, "the kernel has no seccomp support (CONFIG_SECCOMP)");
        return false;
    }
    if (cg_seccomp_fd(why, why_len) < 0)
        return false;
    snprintf(why, why_len, "separate non-dumpable process under a seccomp allow-list (weaker than a VM)");
    return true;
}

static cc_enclave_result_t process_prepare(bool debug, struct cg_monitor_plan *plan, char *why, size_t why_len)
{
    /* CGEAR_GDB needs nothing here: the host keeps a debug enclave
     * ptrace-able through the window flags (docs/debugging.md). */
    (void)debug;
    plan->bpf_fd = cg_seccomp_fd(why, why_len);
    if (plan->bpf_fd < 0)
        return CC_ERROR_ENGINE_UNAVAILABLE;
    return CC_SUCCESS;
}

/* The enclave is the monitor's exec'd image here: its SIGSYS is its own
 * forbidden call, and only this engine's monitor exec's an ELF. */
static cc_enclave_result_t process_describe_exit(const siginfo_t *si, bool noted, char *buf, size_t len)
{
    if (si->si_code == CLD_EXITED && noted && si->si_status == CG_MON_EXIT_EXEC) {
        snprintf(buf, len, "cgear-monitor could not exec the enclave ELF");
        return CC_ERROR_INVALID_ENCLAVE;
    }
    if (si->si_code != CLD_EXITED && si->si_status == SIGSYS) {
        snprintf(buf, len, "killed by SIGSYS: the enclave made a system call outside the allow-list "
                           "(docs/syscalls.md)");
        return CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL;
    }
    return CC_SUCCESS;
}

const struct cg_engine cg_engine_process = {
    .name = "process",
    .type = PROCESS_ENCLAVE_TYPE,
    .image_bit = CG_IMAGE_ENGINE_PROCESS,
    .strength = 1,
    .probe = process_probe,
    .prepare = process_prepare,
    .describe_exit = process_describe_exit,
};
