/*
 * keys.c - the key block an enclave receives at start (src/abi/enclave_keys.h):
 * its identity from the verified image and its sealing keys, derived from
 * the platform's root secret for exactly that identity.
 *
 * Where the root secret is read: here, in the host runtime, for the
 * development platform (a per-user folder the application's user can read
 * anyway). A system-wide install must move this derivation into a
 * privileged cgear-monitor that verifies the image itself; see
 * docs/sealing.md. The block travels to the enclave in a sealed memfd that
 * only the monitor and the enclave hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "enclave_keys.h"
#include "host.h"
#include "log.h"
#include "platform.h"

int cg_make_keys_fd(const struct cg_enclave *e)
{
    struct cg_enclave_keys k;
    memset(&k, 0, sizeof k);
    k.magic = CG_KEYS_MAGIC;
    k.version = CG_KEYS_VERSION;
    k.flags = (e->flags & SECGEAR_DEBUG_FLAG) ? CG_KEYS_F_DEBUG : 0;
    memcpy(k.measurement, e->measurement, sizeof k.measurement);
    if (e->is_signed) {
        memcpy(k.signer, e->signer, sizeof k.signer);
        k.flags |= CG_KEYS_F_SIGNED;
    }
    k.security_version = e->security_version;

    /* Debug enclaves get other keys: what they seal, production cannot
     * open, and the other way round. */
    uint8_t dbg = (e->flags & SECGEAR_DEBUG_FLAG) ? CG_SEAL_KEY_DEBUG : 0;
    char why[256] = "";
    struct cg_platform *p = NULL;
    if (cg_platform_open(NULL, true, &p, NULL, why, sizeof why) == CC_SUCCESS &&
        cg_platform_seal_key(p, CG_SEAL_POLICY_MEASUREMENT | dbg, k.measurement, k.seal_measurement) == CC_SUCCESS &&
        (!e->is_signed ||
         cg_platform_seal_key(p, CG_SEAL_POLICY_SIGNER | dbg, k.signer, k.seal_signer) == CC_SUCCESS)) {
        k.flags |= CG_KEYS_F_PLATFORM;
    } else {
        /* The enclave still runs; only sealing will say it cannot. */
        cg_log_info("enclave '%s': no platform keys (%s); sealing is unavailable", e->manifest.name,
                    why[0] ? why : "key derivation failed");
        memset(k.seal_measurement, 0, sizeof k.seal_measurement);
        memset(k.seal_signer, 0, sizeof k.seal_signer);
    }
    cg_platform_close(p);

    int fd = memfd_create("cgear-keys", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    int ok = fd >= 0 && write(fd, &k, sizeof k) == (ssize_t)sizeof k && lseek(fd, 0, SEEK_SET) == 0 &&
             fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    explicit_bzero(&k, sizeof k);
    if (!ok) {
        cg_log_error("cannot pass the key block to the enclave: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}
