/*
 * process_engine.c - run the enclave as a separate, confined process.
 *
 * cgear-monitor is started by cg_monitor_spawn() (src/host/spawn.c) with
 * the seccomp program on fd 5; it sets the resource limits, no new
 * privileges and the program, and exec's the enclave (src/monitor/main.c).
 * The enclave runtime makes itself non-dumpable as its first action.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "host.h"
#include "log.h"
#include "seccomp_filter.h"

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

static cc_enclave_result_t process_spawn(struct cg_enclave *e)
{
    char why[200];
    int bpf = cg_seccomp_fd(why, sizeof(why));
    if (bpf < 0) {
        cg_log_error("process engine: %s", why);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    return cg_monitor_spawn(e, "process", bpf);
}

const struct cg_engine cg_engine_process = {
    .name = "process",
    .type = PROCESS_ENCLAVE_TYPE,
    .strength = 1,
    .probe = process_probe,
    .spawn = process_spawn,
};
