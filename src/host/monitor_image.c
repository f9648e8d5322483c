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
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "fd_util.h"
#include "host.h"

extern const unsigned char cg_monitor_image[];
extern const unsigned char cg_monitor_image_end[];

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_fd = -1;
static char g_why[160];

static void make(void)
{
    size_t len = (size_t)(cg_monitor_image_end - cg_monitor_image);
    g_fd = cg_sealed_memfd("cgear-monitor", cg_monitor_image, len);
    if (g_fd < 0)
        snprintf(g_why, sizeof(g_why), "cannot put cgear-monitor into a sealed memfd: %s", strerror(errno));
}

int cg_monitor_exe_fd(char *why, size_t why_len)
{
    pthread_once(&g_once, make);
    if (g_fd < 0)
        snprintf(why, why_len, "%s", g_why);
    return g_fd;
}
