/*
 * shm.c - shared memory between the host and one enclave
 * (secgear_shared_memory.h, docs/shared-memory.md).
 *
 * The region is one sealed memfd reserved at creation, as large as the
 * manifest allows, mapped here at an address inside [CG_SHM_VA_MIN,
 * CG_SHM_VA_MAX) and at the same address in the enclave (process engine:
 * the enclave maps CG_SHM_FD itself; kvm: the monitor makes it a memslot
 * and maps it there). Pages cost nothing until touched, so reserving the
 * whole limit up front keeps the enclave's view fixed for its lifetime: no
 * mapping ever changes while the enclave runs.
 *
 * Blocks are handed out first-fit from a table sorted by offset, bounded
 * by the manifest's block count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"
#include "host.h"
#include "cgear_edge_host.h"
#include "secgear_shared_memory.h"
#include "shm.h"
#include "window.h"

/* Block granularity: a cache line, so blocks never share one. */
#define SHM_ALIGN 64u

struct shm_block {
    size_t off, len;
    bool registered;
};

struct cg_shm {
    int fd;
    uint8_t *base;
    size_t size;     /* what blocks may use: the manifest's shared_memory_size */
    size_t map_len;  /* the region: size rounded up to 2 MiB (the kvm guest maps it in large pages) */
    uint32_t max_blocks;
    pthread_mutex_t lock; /* n, blocks, used */
    uint32_t n;
    struct shm_block *blocks; /* sorted by off */
    size_t used;
    struct cg_shm *next; /* g_regions */
};

/* Every live region of this process, so that a pointer of another
 * enclave's region is told apart from a pointer that is no block at all. */
static pthread_mutex_t g_regions_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cg_shm *g_regions;

static bool in_region(const struct cg_shm *s, uintptr_t p)
{
    return p >= (uintptr_t)s->base && p - (uintptr_t)s->base < s->map_len;
}

/* Try candidate addresses until the kernel gives us one as asked. A hint
 * without MAP_FIXED never replaces a mapping (and valgrind honours it). */
static void *map_region(int fd, size_t size)
{
    const uint64_t step = (size + (1ull << 30) - 1) & ~((1ull << 30) - 1);
    for (uint64_t a = CG_SHM_VA_MIN; a <= CG_SHM_VA_MAX - size; a += step) {
        void *want = (void *)(uintptr_t)a;
        void *p = mmap(want, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
        if (p == want)
            return p;
        if (p != MAP_FAILED)
            munmap(p, size);
        else if (errno == ENOMEM || errno == ENFILE)
            break;
    }
    return NULL;
}

cc_enclave_result_t cg_shm_setup(struct cg_enclave *e, uint64_t size, uint32_t max_blocks)
{
    if (size == 0)
        return CC_SUCCESS;
    struct cg_shm *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->blocks = calloc(max_blocks, sizeof(*s->blocks))) == NULL) {
        free(s);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    const uint64_t map_len = (size + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
    s->fd = memfd_create("cgear-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    /* Sealed against shrinking: neither side can be made to fault by a
     * truncation of the other. */
    if (s->fd < 0 || ftruncate(s->fd, (off_t)map_len) != 0 ||
        fcntl(s->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        cg_log_error("enclave '%s': cannot create its %llu-byte shared memory: %s", e->ident.manifest.name,
                     (unsigned long long)size, strerror(errno));
        goto fail;
    }
    s->base = map_region(s->fd, (size_t)map_len);
    if (s->base == NULL) {
        cg_log_error("enclave '%s': no free address range for its %llu-byte shared memory; lower the manifest's "
                     "shared_memory_size or create fewer enclaves at once",
                     e->ident.manifest.name, (unsigned long long)size);
        goto fail;
    }
    s->size = (size_t)size;
    s->map_len = (size_t)map_len;
    s->max_blocks = max_blocks;
    pthread_mutex_init(&s->lock, NULL);
    e->win.hdr->shm_addr = (uint64_t)(uintptr_t)s->base;
    e->win.hdr->shm_size = map_len;
    if (e->engine->type == PROCESS_ENCLAVE_TYPE)
        e->win.hdr->flags |= CG_WINDOW_F_SHM_MAP;
    pthread_mutex_lock(&g_regions_lock);
    s->next = g_regions;
    g_regions = s;
    pthread_mutex_unlock(&g_regions_lock);
    e->shm = s;
    return CC_SUCCESS;
fail:
    if (s->fd >= 0)
        close(s->fd);
    free(s->blocks);
    free(s);
    return CC_ERROR_OUT_OF_MEMORY;
}

int cg_shm_fd(const struct cg_enclave *e)
{
    return e->shm != NULL ? e->shm->fd : -1;
}

void cg_shm_fini(struct cg_enclave *e)
{
    struct cg_shm *s = e->shm;
    if (s == NULL)
        return;
    pthread_mutex_lock(&g_regions_lock);
    for (struct cg_shm **pp = &g_regions; *pp != NULL; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    pthread_mutex_unlock(&g_regions_lock);
    munmap(s->base, s->map_len);
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    free(s->blocks);
    free(s);
    e->shm = NULL;
}

/* The live, locally created enclave behind @enclave, or NULL. */
static struct cg_enclave *live(cc_enclave_t *enclave)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return NULL;
    return enclave->private_data;
}

void *cc_malloc_shared_memory(cc_enclave_t *enclave, size_t size)
{
    struct cg_enclave *e = live(enclave);
    if (e == NULL || size == 0) {
        cg_log_error("cc_malloc_shared_memory: %s", e == NULL ? "not a live enclave (NULL, never created or destroyed)"
                                                               : "size is 0");
        return NULL;
    }
    struct cg_shm *s = e->shm;
    if (s == NULL) {
        cg_log_error("cc_malloc_shared_memory: enclave '%s' has no shared memory (%s)", e->ident.manifest.name,
                     e->attach != NULL ? "attached enclaves have none" : "its manifest sets shared_memory_size = 0");
        return NULL;
    }
    if (size > s->size) {
        cg_log_error("cc_malloc_shared_memory: %zu bytes is more than enclave '%s' has (%zu); raise the manifest's "
                     "shared_memory_size",
                     size, e->ident.manifest.name, s->size);
        return NULL;
    }
    size_t len = (size + SHM_ALIGN - 1) & ~(size_t)(SHM_ALIGN - 1);
    pthread_mutex_lock(&s->lock);
    if (s->n == s->max_blocks) {
        pthread_mutex_unlock(&s->lock);
        cg_log_error("cc_malloc_shared_memory: enclave '%s' already has %u shared-memory blocks, the manifest's "
                     "limit; free one or raise shared_memory_blocks",
                     e->ident.manifest.name, s->max_blocks);
        return NULL;
    }
    /* First fit: the gap before block i (or after the last one). */
    size_t at = 0;
    uint32_t i = 0;
    for (; i < s->n; i++) {
        if (s->blocks[i].off - at >= len)
            break;
        at = s->blocks[i].off + s->blocks[i].len;
    }
    if (s->size - at < len) {
        size_t used = s->used;
        pthread_mutex_unlock(&s->lock);
        cg_log_error("cc_malloc_shared_memory: no room for %zu bytes in enclave '%s' (%zu of %zu bytes in use); "
                     "free blocks or raise the manifest's shared_memory_size",
                     size, e->ident.manifest.name, used, s->size);
        return NULL;
    }
    memmove(&s->blocks[i + 1], &s->blocks[i], (s->n - i) * sizeof(*s->blocks));
    s->blocks[i] = (struct shm_block){at, len, false};
    s->n++;
    s->used += len;
    pthread_mutex_unlock(&s->lock);
    memset(s->base + at, 0, len); /* a reused block shows nothing of its past */
    return s->base + at;
}

/* Look @ptr up as the start of one of @enclave's blocks, under s->lock on
 * success (*idx set). Every failure is the API's error code. */
static cc_enclave_result_t find_block(cc_enclave_t *enclave, const void *ptr, const char *fn, struct cg_shm **out,
                                      uint32_t *idx)
{
    if (enclave == NULL || ptr == NULL) {
        cg_log_error("%s: %s is NULL", fn, enclave == NULL ? "the enclave" : "the pointer");
        return CC_ERROR_BAD_PARAMETERS;
    }
    struct cg_enclave *e = live(enclave);
    if (e == NULL) {
        cg_log_error("%s: not a live enclave (never created, or destroyed: its shared memory is gone)", fn);
        return CC_ERROR_INVALID_HANDLE;
    }
    struct cg_shm *s = e->shm;
    uintptr_t p = (uintptr_t)ptr;
    if (s == NULL || !in_region(s, p)) {
        bool other = false;
        pthread_mutex_lock(&g_regions_lock);
        for (struct cg_shm *r = g_regions; r != NULL && !other; r = r->next)
            other = in_region(r, p);
        pthread_mutex_unlock(&g_regions_lock);
        if (other) {
            cg_log_error("%s: %p is shared memory of another enclave", fn, ptr);
            return CC_ERROR_INVALID_HANDLE;
        }
        cg_log_error("%s: %p was not returned by cc_malloc_shared_memory() for enclave '%s'", fn, ptr,
                     e->ident.manifest.name);
        return CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID;
    }
    size_t off = p - (uintptr_t)s->base;
    pthread_mutex_lock(&s->lock);
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->blocks[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->n || s->blocks[lo].off != off) {
        pthread_mutex_unlock(&s->lock);
        cg_log_error("%s: %p is not the start of an allocated shared-memory block of enclave '%s' (freed already, or "
                     "inside a block)",
                     fn, ptr, e->ident.manifest.name);
        return CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID;
    }
    *out = s;
    *idx = lo;
    return CC_SUCCESS;
}

cc_enclave_result_t cc_free_shared_memory(cc_enclave_t *enclave, void *ptr)
{
    struct cg_shm *s;
    uint32_t i;
    cc_enclave_result_t rc = find_block(enclave, ptr, "cc_free_shared_memory", &s, &i);
    if (rc != CC_SUCCESS)
        return rc;
    s->used -= s->blocks[i].len;
    memmove(&s->blocks[i], &s->blocks[i + 1], (s->n - i - 1) * sizeof(*s->blocks));
    s->n--;
    pthread_mutex_unlock(&s->lock);
    return CC_SUCCESS;
}

cc_enclave_result_t cc_register_shared_memory(cc_enclave_t *enclave, void *ptr)
{
    struct cg_shm *s;
    uint32_t i;
    cc_enclave_result_t rc = find_block(enclave, ptr, "cc_register_shared_memory", &s, &i);
    if (rc != CC_SUCCESS)
        return rc;
    struct cg_enclave *e = enclave->private_data;
    if (e->sl == NULL)
        rc = CC_ERROR_SWITCHLESS_DISABLED;
    else if (atomic_load(&e->fate.lost))
        rc = CC_ERROR_ENCLAVE_LOST;
    else if (s->blocks[i].registered)
        rc = CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER;
    else
        s->blocks[i].registered = true;
    pthread_mutex_unlock(&s->lock);
    if (rc == CC_ERROR_SWITCHLESS_DISABLED)
        cg_log_error("cc_register_shared_memory: enclave '%s' was created without ENCLAVE_FEATURE_SWITCHLESS",
                     e->ident.manifest.name);
    return rc;
}

cc_enclave_result_t cc_unregister_shared_memory(cc_enclave_t *enclave, void *ptr)
{
    struct cg_shm *s;
    uint32_t i;
    cc_enclave_result_t rc = find_block(enclave, ptr, "cc_unregister_shared_memory", &s, &i);
    if (rc != CC_SUCCESS)
        return rc;
    if (!s->blocks[i].registered)
        rc = CC_ERROR_SHARED_MEMORY_NOT_REGISTERED;
    s->blocks[i].registered = false;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int cg_host_shm_zc(cc_enclave_t *enclave, const void *buf, size_t len)
{
    struct cg_enclave *e = live(enclave);
    struct cg_shm *s = e != NULL ? e->shm : NULL;
    uintptr_t p = (uintptr_t)buf;
    if (s == NULL || len == 0 || !in_region(s, p) || len > s->map_len - (p - (uintptr_t)s->base))
        return 0;
    size_t off = p - (uintptr_t)s->base;
    int zc = 0;
    pthread_mutex_lock(&s->lock);
    /* The last block starting at or before off. */
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->blocks[mid].off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0) {
        const struct shm_block *b = &s->blocks[lo - 1];
        zc = b->registered && off - b->off < b->len && len <= b->len - (off - b->off);
    }
    pthread_mutex_unlock(&s->lock);
    return zc;
}
