/*
 * kvm_engine.c - the kvm engine: each enclave in its own KVM micro-VM run
 * by cgear-monitor (src/monitor/kvm/, guest shim in src/shim/).
 *
 * The probe checks that /dev/kvm can create a VM and a vCPU, and names
 * the KVM it found: PVM (paravirtual), Intel VMX or AMD SVM. One shim and
 * one monitor serve all three (docs/engines.md says what differs).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "pvm_detect.h"

static bool kvm_probe(char *why, size_t why_len)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            snprintf(why, why_len, "/dev/kvm not found: KVM is not enabled on this machine");
        else
            snprintf(why, why_len, "cannot open /dev/kvm: %s (add the user to the kvm group)", strerror(errno));
        return false;
    }
    int vm = ioctl(fd, KVM_CREATE_VM, 0);
    int vcpu = vm >= 0 ? ioctl(vm, KVM_CREATE_VCPU, 0) : -1;
    int err = errno;
    enum cg_kvm_kind kind = vcpu >= 0 ? cg_kvm_kind(vcpu) : CG_KVM_VMX;
    if (vcpu >= 0)
        close(vcpu);
    if (vm >= 0)
        close(vm);
    close(fd);
    if (vcpu < 0) {
        snprintf(why, why_len, "/dev/kvm cannot create a VM and a vCPU: %s", strerror(err));
        return false;
    }
    snprintf(why, why_len, "KVM micro-VM per enclave (%s), memory held only by cgear-monitor",
             cg_kvm_kind_name(kind));
    return true;
}

static cc_enclave_result_t kvm_spawn(struct cg_enclave *e)
{
    return cg_monitor_spawn(e, "kvm", -1);
}

const struct cg_engine cg_engine_kvm = {
    .name = "kvm",
    .type = KVM_ENCLAVE_TYPE,
    .strength = 2,
    .probe = kvm_probe,
    .spawn = kvm_spawn,
};
