/*
 * engine_check.h - shared by the end-to-end hosts: can the engine that
 * CGEAR_ENGINE names run here?
 */
#ifndef CGEAR_E2E_ENGINE_CHECK_H
#define CGEAR_E2E_ENGINE_CHECK_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enclave.h"

/* -1: run the tests. Otherwise the exit status to return: 77 (CTest's
 * skip) with the reason on stderr - or 1 under CI=true when /dev/kvm is
 * usable but the kvm engine is not, where a skip would hide a broken
 * engine. */
static inline int e2e_engine_check(void)
{
    const char *engine = getenv("CGEAR_ENGINE");
    char why[256];
    enclave_type_t type = engine && strcmp(engine, "kvm") == 0 ? KVM_ENCLAVE_TYPE : PROCESS_ENCLAVE_TYPE;
    if (engine == NULL || cgear_engine_usable(type, why, sizeof why))
        return -1;
    int kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    bool ci = getenv("CI") != NULL && strcmp(getenv("CI"), "true") == 0;
    if (kvm_fd >= 0)
        close(kvm_fd);
    if (type == KVM_ENCLAVE_TYPE && kvm_fd >= 0 && ci) {
        fprintf(stderr, "FAIL: /dev/kvm is usable but the kvm engine is not: %s\n", why);
        return 1;
    }
    fprintf(stderr, "SKIP: the %s engine cannot run here: %s\n", engine, why);
    return 77;
}

#endif
