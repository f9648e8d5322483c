/*
 * kvm_engine.c - the kvm engine: each enclave in its own KVM micro-VM run
 * by cgear-monitor (src/monitor/kvm/, guest shim in src/shim/).
 *
 * The probe checks that /dev/kvm can create a VM and a vCPU, and names
 * the KVM it found: PVM (paravirtual), Intel VMX or AMD SVM. One shim and
 * one monitor serve all three (docs/engines.md says what differs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "gdb_listen.h"
#include "image.h"
#include "monitor_abi.h"
#include "monitor_filter.h"
#include "pvm_detect.h"

/* A successful probe is kept for the process: it creates and destroys a
 * VM, about 0.5 ms of every create (more on PVM, whose VM teardown is
 * slow). A failed one is repeated (the user may fix /dev/kvm meanwhile). */
static _Atomic int g_probed_kind = -1;

static bool kvm_probe(char *why, size_t why_len)
{
    int known = atomic_load(&g_probed_kind);
    if (known >= 0) {
        snprintf(why, why_len, "KVM micro-VM per enclave (%s), memory held only by cgear-monitor",
                 cg_kvm_kind_name((enum cg_kvm_kind)known));
        return true;
    }
    enum cg_kvm_kind kind;
    int rc = cg_kvm_detect(&kind);
    if (rc == -1) {
        if (errno == ENOENT)
            snprintf(why, why_len, "/dev/kvm not found: KVM is not enabled on this machine");
        else
            snprintf(why, why_len, "cannot open /dev/kvm: %s (add the user to the kvm group)", strerror(errno));
        return false;
    }
    if (rc != 0) {
        snprintf(why, why_len, "/dev/kvm cannot create a VM and a vCPU: %s", strerror(errno));
        return false;
    }
    if (cg_kvm_monitor_filter_fd(false, why, why_len) < 0)
        return false;
    snprintf(why, why_len, "KVM micro-VM per enclave (%s), memory held only by cgear-monitor",
             cg_kvm_kind_name(kind));
    atomic_store(&g_probed_kind, (int)kind);
    return true;
}

static cc_enclave_result_t kvm_prepare(bool debug, struct cg_monitor_plan *plan, char *why, size_t why_len)
{
    char inner[200];
    /* CGEAR_GDB (docs/debugging.md): the host binds the socket, so that
     * the monitor never opens one. Debug enclaves only: the host refused
     * any other before it got here (check_gdb(), src/host/enclave.c), and
     * the monitor checks the debug flag again. */
    const char *gdb = getenv("CGEAR_GDB");
    if (gdb != NULL && gdb[0] != '\0' && debug) {
        plan->gdb_fd = cg_kvm_gdb_listen(gdb, &plan->wait_debugger, why, why_len);
        if (plan->gdb_fd < 0)
            return errno == EINVAL ? CC_ERROR_BAD_PARAMETERS : CC_ERROR_GENERIC;
        plan->extra_arg = plan->wait_debugger ? "gdb-wait" : "gdb";
    }
    plan->bpf_fd = cg_kvm_monitor_filter_fd(plan->gdb_fd >= 0, inner, sizeof inner);
    if (plan->bpf_fd < 0) {
        snprintf(why, why_len, "cannot confine cgear-monitor: %s", inner);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    /* Tests: a debug enclave's monitor proves its seccomp filter holds
     * (docs/monitor-seccomp.md). Only the host can ask for it. */
    const char *selftest = getenv("CGEAR_MONITOR_SELFTEST");
    if (debug && plan->gdb_fd < 0 && selftest != NULL && strcmp(selftest, "seccomp") == 0)
        plan->extra_arg = "seccomp-selftest";
    return CC_SUCCESS;
}

/* The monitor runs the guest: its statuses 114-117 are about the VM, and
 * the enclave's system calls never reach the kernel, so a SIGSYS is the
 * monitor stopped by its own filter. */
static cc_enclave_result_t kvm_describe_exit(const siginfo_t *si, bool noted, char *buf, size_t len)
{
    if (si->si_code != CLD_EXITED) {
        if (si->si_status != SIGSYS)
            return CC_SUCCESS;
        snprintf(buf, len, "killed by SIGSYS: cgear-monitor made a system call outside its own allow-list "
                           "(docs/monitor-seccomp.md); please report this");
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    switch (noted ? si->si_status : 0) {
    case CG_MON_EXIT_GUEST_FAULT:
        snprintf(buf, len, "the enclave crashed inside its VM");
        return CC_ERROR_ENCLAVE_CRASHED;
    case CG_MON_EXIT_GUEST_SYSCALL:
        snprintf(buf, len, "the enclave made a system call outside the allow-list (docs/syscalls.md)");
        return CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL;
    case CG_MON_EXIT_KVM:
        snprintf(buf, len, "cgear-monitor could not build or run the VM");
        return CC_ERROR_ENGINE_UNAVAILABLE;
    case CG_MON_EXIT_LOAD:
        snprintf(buf, len, "cgear-monitor could not load the enclave into its VM");
        return CC_ERROR_INVALID_ENCLAVE;
    case CG_MON_EXIT_DEBUGGER:
        snprintf(buf, len, "the debugger killed the enclave");
        return CC_ERROR_ENCLAVE_CRASHED;
    default:
        return CC_SUCCESS;
    }
}

const struct cg_engine cg_engine_kvm = {
    .name = "kvm",
    .type = KVM_ENCLAVE_TYPE,
    .image_bit = CG_IMAGE_ENGINE_KVM,
    .strength = 2,
    .probe = kvm_probe,
    .prepare = kvm_prepare,
    .describe_exit = kvm_describe_exit,
};
