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
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "enclave_keys.h"
#include "fd_util.h"
#include "host.h"
#include "log.h"
#include "platform.h"

/* The platform, loaded once per process and kept while its root secret's
 * file stays the same (folder, inode, size, modification time): reading
 * and parsing the platform's three files cost about 1 ms of every create.
 * The host process may read those files at any time anyway (they are its
 * user's); keeping them loaded adds no reader, only a lifetime. */
static pthread_mutex_t g_plat_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cg_platform *g_plat;
static char g_plat_dir[PATH_MAX];
static struct stat g_plat_root;

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The current platform (under g_plat_lock), or NULL with @why filled. */
static struct cg_platform *platform_locked(char *why, size_t why_len)
{
    char dir[PATH_MAX], root[PATH_MAX + 32];
    struct stat st;
    bool fresh = cg_platform_default_dir(dir, sizeof dir, why, why_len) == CC_SUCCESS && g_plat != NULL &&
                 strcmp(dir, g_plat_dir) == 0 &&
                 snprintf(root, sizeof root, "%s/%s", dir, CG_PLATFORM_ROOT_FILE) < (int)sizeof root &&
                 stat(root, &st) == 0 && same_file(&st, &g_plat_root);
    if (fresh)
        return g_plat;
    cg_platform_close(g_plat);
    g_plat = NULL;
    struct cg_platform *p = NULL;
    if (cg_platform_open(NULL, true, &p, NULL, why, why_len) != CC_SUCCESS)
        return NULL;
    snprintf(g_plat_dir, sizeof g_plat_dir, "%s", cg_platform_dir(p));
    if (snprintf(root, sizeof root, "%s/%s", g_plat_dir, CG_PLATFORM_ROOT_FILE) < (int)sizeof root &&
        stat(root, &g_plat_root) == 0)
        g_plat = p; /* kept for the next create */
    return p;
}

void cg_make_keys(const struct cg_enclave *e, struct cg_enclave_keys *out)
{
    struct cg_enclave_keys k;
    char why[256] = "";
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    pthread_mutex_lock(&g_plat_lock);
    struct cg_platform *p = platform_locked(why, sizeof why);
    if (p == NULL ||
        cg_platform_key_block(p, e->ident.measurement, e->ident.is_signed ? e->ident.signer : NULL, e->ident.security_version, debug, &k) !=
            CC_SUCCESS) {
        /* The enclave still runs; only sealing will say it cannot. */
        cg_log_info("enclave '%s': no platform keys (%s); sealing is unavailable", e->ident.manifest.name,
                    why[0] ? why : "key derivation failed");
        cg_platform_key_block(NULL, e->ident.measurement, e->ident.is_signed ? e->ident.signer : NULL, e->ident.security_version, debug, &k);
    }
    if (p != g_plat)
        cg_platform_close(p); /* not kept (its root file could not be identified) */
    pthread_mutex_unlock(&g_plat_lock);
    memcpy(out, &k, sizeof k);
    explicit_bzero(&k, sizeof k);
}

int cg_make_keys_fd(const struct cg_enclave *e)
{
    struct cg_enclave_keys k;
    cg_make_keys(e, &k);
    int fd = cg_sealed_memfd("cgear-keys", &k, sizeof k);
    explicit_bzero(&k, sizeof k);
    if (fd < 0)
        cg_log_error("cannot pass the key block to the enclave: %s", strerror(errno));
    return fd;
}
