/*
 * monitor_image.c - the cgear-monitor executable, carried inside the host
 * runtime (monitor_blob.S) and exposed as a sealed memfd to exec from.
 *
 * Carrying the monitor in the library means no install path to find, no
 * build-tree vs installed difference, and no way to swap the binary the
 * library runs: the memfd is sealed before it is ever exec'd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host.h"

extern const unsigned char cg_monitor_image[];
extern const unsigned char cg_monitor_image_end[];

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_fd = -1;
static char g_why[160];

static void make(void)
{
    size_t len = (size_t)(cg_monitor_image_end - cg_monitor_image);
    int fd = memfd_create("cgear-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        snprintf(g_why, sizeof(g_why), "memfd_create for cgear-monitor failed: %s", strerror(errno));
        return;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, cg_monitor_image + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(g_why, sizeof(g_why), "cannot write cgear-monitor to its memfd: %s", strerror(errno));
            close(fd);
            return;
        }
        off += (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
        snprintf(g_why, sizeof(g_why), "cannot seal the cgear-monitor memfd: %s", strerror(errno));
        close(fd);
        return;
    }
    g_fd = fd;
}

int cg_monitor_exe_fd(char *why, size_t why_len)
{
    pthread_once(&g_once, make);
    if (g_fd < 0)
        snprintf(why, why_len, "%s", g_why);
    return g_fd;
}
