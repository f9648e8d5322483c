/*
 * kvm_engine.c - the kvm engine's entry in the registry.
 *
 * The micro-VM monitor is not part of this build yet: the probe reports
 * whether /dev/kvm is usable and says plainly that the engine itself is
 * missing, so AUTO falls back to the process engine and CGEAR_ENGINE=kvm
 * fails with that reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

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
    close(fd);
    snprintf(why, why_len, "/dev/kvm is usable, but this cgear build does not include the kvm engine yet");
    return false;
}

static cc_enclave_result_t kvm_spawn(struct cg_enclave *e)
{
    (void)e;
    return CC_ERROR_ENGINE_UNAVAILABLE;
}

const struct cg_engine cg_engine_kvm = {
    .name = "kvm",
    .type = KVM_ENCLAVE_TYPE,
    .strength = 2,
    .probe = kvm_probe,
    .spawn = kvm_spawn,
};
