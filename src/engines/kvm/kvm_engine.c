/*
 * kvm_engine.c - the kvm engine: each enclave in its own KVM micro-VM run
 * by cgear-monitor (src/monitor/kvm/, guest shim in src/shim/).
 *
 * The probe checks that /dev/kvm can create a VM and a vCPU, and names
 * the KVM it found: PVM (paravirtual), Intel VMX or AMD SVM. One shim and
 * one monitor serve all three (docs/engines.md says what differs).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host.h"
#include "log.h"
#include "monitor_filter.h"
#include "pvm_detect.h"

static bool kvm_probe(char *why, size_t why_len)
{
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
    if (cg_kvm_monitor_filter_fd(why, why_len) < 0)
        return false;
    snprintf(why, why_len, "KVM micro-VM per enclave (%s), memory held only by cgear-monitor",
             cg_kvm_kind_name(kind));
    return true;
}

static cc_enclave_result_t kvm_spawn(struct cg_enclave *e)
{
    char why[200];
    int bpf = cg_kvm_monitor_filter_fd(why, sizeof why);
    if (bpf < 0) {
        cg_log_error("kvm engine: cannot confine cgear-monitor: %s", why);
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    return cg_monitor_spawn(e, "kvm", bpf);
}

const struct cg_engine cg_engine_kvm = {
    .name = "kvm",
    .type = KVM_ENCLAVE_TYPE,
    .strength = 2,
    .probe = kvm_probe,
    .spawn = kvm_spawn,
};
