/*
 * pvm_detect.h - which KVM is this: the PVM variant, or Intel VMX / AMD SVM?
 * Shared by the kvm engine's probe (host runtime), `cgear doctor` and
 * cgear-monitor: the answer decides the shim's event setup and whether the
 * shim's pages can be supervisor-only, so every caller asks the same way.
 */
#ifndef CGEAR_PVM_DETECT_H
#define CGEAR_PVM_DETECT_H

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

enum cg_kvm_kind { CG_KVM_PVM, CG_KVM_VMX, CG_KVM_SVM };

/* Hardware KVM: the vendor module that is loaded names it (kvm_intel or
 * kvm_amd); without sysfs, the CPU vendor decides (Hygon runs kvm_amd). */
static inline enum cg_kvm_kind cg_kvm_hw_kind(void)
{
    if (access("/sys/module/kvm_amd", F_OK) == 0)
        return CG_KVM_SVM;
    if (access("/sys/module/kvm_intel", F_OK) == 0)
        return CG_KVM_VMX;
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d) && (b == 0x68747541u /* "Auth" */ || b == 0x6f677948u /* "Hygo" */))
        return CG_KVM_SVM;
    return CG_KVM_VMX;
}

/* The kind of the KVM behind @vcpu_fd. */
static inline enum cg_kvm_kind cg_kvm_kind(int vcpu_fd)
{
    return cg_kvm_is_pvm(vcpu_fd) ? CG_KVM_PVM : cg_kvm_hw_kind();
}

/* Which KVM /dev/kvm offers, asked of a throw-away VM with one vCPU.
 * Return: 0 with *@kind set; -1 if /dev/kvm cannot be opened, -2 if it
 * cannot create a VM and a vCPU (errno tells why, in both cases). */
static inline int cg_kvm_detect(enum cg_kvm_kind *kind)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int vm = ioctl(fd, KVM_CREATE_VM, 0);
    int vcpu = vm >= 0 ? ioctl(vm, KVM_CREATE_VCPU, 0) : -1;
    int err = errno;
    if (vcpu >= 0) {
        *kind = cg_kvm_kind(vcpu);
        close(vcpu);
    }
    if (vm >= 0)
        close(vm);
    close(fd);
    errno = err;
    return vcpu >= 0 ? 0 : -2;
}

/* "PVM paravirtual KVM", "Intel VMX", "AMD SVM": for logs and doctor. */
static inline const char *cg_kvm_kind_name(enum cg_kvm_kind k)
{
    return k == CG_KVM_PVM ? "PVM paravirtual KVM" : k == CG_KVM_SVM ? "AMD SVM" : "Intel VMX";
}

/* "pvm", "vmx", "svm": machine-readable (cgear doctor --kvm-kind). */
static inline const char *cg_kvm_kind_id(enum cg_kvm_kind k)
{
    return k == CG_KVM_PVM ? "pvm" : k == CG_KVM_SVM ? "svm" : "vmx";
}

#endif
