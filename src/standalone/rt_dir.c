/*
 * rt_dir.c - the per-user runtime directory of standalone enclaves and the
 * ids that name them (standalone.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "standalone.h"

int cg_rt_dir(char *buf, size_t len, bool create, char *why, size_t why_len)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n = xdg != NULL && xdg[0] == '/' ? snprintf(buf, len, "%s/cgear", xdg)
                                         : snprintf(buf, len, "/tmp/cgear-%u", (unsigned)getuid());
    if (n < 0 || (size_t)n >= len) {
        snprintf(why, why_len, "the runtime directory path is too long (XDG_RUNTIME_DIR)");
        errno = ENAMETOOLONG;
        return -1;
    }
    if (create && mkdir(buf, 0700) != 0 && errno != EEXIST) {
        int err = errno;
        snprintf(why, why_len, "cannot create the runtime directory %s: %s", buf, strerror(err));
        errno = err;
        return -1;
    }
    struct stat st;
    if (lstat(buf, &st) != 0) {
        int err = errno;
        snprintf(why, why_len, "no runtime directory %s: %s", buf, strerror(err));
        errno = err;
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, why_len, "%s is not a directory; remove it (cgear keeps its enclave records there)", buf);
        errno = ENOTDIR;
        return -1;
    }
    if (st.st_uid != getuid() || (st.st_mode & 077) != 0) {
        snprintf(why, why_len,
                 "%s is not private (owner uid %u, mode %03o): it must belong to you with mode 0700; "
                 "remove it, or set XDG_RUNTIME_DIR to a private directory",
                 buf, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
        errno = EPERM;
        return -1;
    }
    return 0;
}

bool cg_rt_id_valid(const char *id)
{
    size_t n = 0;
    if (id == NULL)
        return false;
    for (; id[n] != '\0'; n++) {
        char c = id[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') || n >= CG_ID_MAX)
            return false;
    }
    return n > 0;
}
