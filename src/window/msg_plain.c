/*
 * msg_plain.c - message buffers for the host side: glibc's allocator keeps
 * freed blocks of these sizes in its own caches, so nothing more is needed.
 */
#include <stdlib.h>

#include "cgear_edge.h"
#include "channel.h"

#if defined(__GNUC__)
#define CG_EXPORT __attribute__((visibility("default")))
#else
#define CG_EXPORT
#endif

CG_EXPORT void *cg_msg_alloc(size_t len)
{
    if (len > CG_MAX_MESSAGE)
        return NULL;
    return calloc(1, len ? len : 1);
}

CG_EXPORT void cg_msg_free(void *buf)
{
    free(buf);
}

void *cg_msg_alloc_raw(size_t len)
{
    if (len > CG_MAX_MESSAGE)
        return NULL;
    return malloc(len ? len : 1);
}
