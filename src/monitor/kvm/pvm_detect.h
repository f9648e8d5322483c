/*
 * pvm_detect.h - is this KVM the PVM variant? Shared by the kvm engine's
 * probe (host runtime) and cgear-monitor: the answer decides the engine's
 * availability and the shim's event setup, so both must ask the same way.
 */
#ifndef CGEAR_PVM_DETECT_H
#define CGEAR_PVM_DETECT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#define CG_MSR_PVM_SIGNATURE 0x4b564d11u
#define CG_PVM_SIGNATURE 0x4d5650u /* "PVM" */

/* True if @vcpu_fd (any vCPU of a fresh VM) reads the PVM signature MSR. */
static inline bool cg_kvm_is_pvm(int vcpu_fd)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[1];
    } m;
    memset(&m, 0, sizeof m);
    m.h.nmsrs = 1;
    m.e[0].index = CG_MSR_PVM_SIGNATURE;
    return ioctl(vcpu_fd, KVM_GET_MSRS, &m) == 1 && m.e[0].data == CG_PVM_SIGNATURE;
}

#endif
