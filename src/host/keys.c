/*
 * keys.c - the key block an enclave receives at start (src/abi/enclave_keys.h):
 * its identity from the verified image and its sealing keys, derived from
 * the platform's root secret for exactly that identity.
 *
 * Only for the development platform (a per-user folder the application's
 * user can read anyway). On a system install the privileged launcher
 * (src/launcher) makes the block and the host never sees it. The block
 * travels to the enclave in a sealed memfd that only the monitor and the
 * enclave hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "enclave_keys.h"
#include "fd_util.h"
#include "host.h"
#include "log.h"
#include "platform.h"

int cg_make_keys_fd(const struct cg_enclave *e)
{
    struct cg_enclave_keys k;
    char why[256] = "";
    struct cg_platform *p = NULL;
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    if (cg_platform_open(NULL, true, &p, NULL, why, sizeof why) != CC_SUCCESS ||
        cg_platform_key_block(p, e->ident.measurement, e->ident.is_signed ? e->ident.signer : NULL, e->ident.security_version, debug, &k) !=
            CC_SUCCESS) {
        /* The enclave still runs; only sealing will say it cannot. */
        cg_log_info("enclave '%s': no platform keys (%s); sealing is unavailable", e->ident.manifest.name,
                    why[0] ? why : "key derivation failed");
        cg_platform_key_block(NULL, e->ident.measurement, e->ident.is_signed ? e->ident.signer : NULL, e->ident.security_version, debug, &k);
    }
    cg_platform_close(p);
    int fd = cg_sealed_memfd("cgear-keys", &k, sizeof k);
    explicit_bzero(&k, sizeof k);
    if (fd < 0)
        cg_log_error("cannot pass the key block to the enclave: %s", strerror(errno));
    return fd;
}
