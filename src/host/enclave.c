/*
 * enclave.c - cc_enclave_create() and cc_enclave_destroy().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "futex.h"
#include "engine.h"
#include "host.h"
#include "lifecycle.h"
#include "launcher_client.h"
#include "report.h"
#include "shm.h"
#include "image.h"
#include "log.h"
#include "fd_util.h"
#include "switchless.h"

/* Enclave files larger than this are refused before reading them. */
#define CG_MAX_ENCLAVE_FILE ((size_t)1 << 30)
/* How long an enclave may take to start serving. */
#define CG_START_TIMEOUT_S 20

/* Decide, from the verified image and the creation flags, whether it may
 * run, and keep what the host needs from it. */
static cc_enclave_result_t accept_image(struct cg_enclave *e, const char *path, const struct cg_image *img)
{
    bool debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    char why[256];
    if (img->is_signed) {
        cc_enclave_result_t rc = cg_image_verify(img, why, sizeof(why));
        if (rc != CC_SUCCESS) {
            cg_log_error("%s: signature check failed: %s", path, why);
            return rc;
        }
    } else if (!debug) {
        /* Anyone can build an unsigned image; it has no identity a sealing
         * key or a verifier could trust, so it only ever runs as debug. */
        cg_log_error("%s is not signed (%s): unsigned enclaves run only with SECGEAR_DEBUG_FLAG; sign it with "
                     "`cgear sign`",
                     path, img->is_image ? "image without a signature block" : "plain enclave ELF");
        return CC_ERROR_SIGNATURE_INVALID;
    }
    if (img->manifest.debug == CG_IMAGE_DEBUG_DISABLED && debug) {
        cg_log_error("enclave '%s' is signed with debug disabled; create it without SECGEAR_DEBUG_FLAG",
                     img->manifest.name);
        return CC_ERROR_NDEBUG_ENCLAVE;
    }
    cg_manifest_to_cg(&img->manifest, &e->ident.manifest);
    memcpy(e->ident.measurement, img->measurement, sizeof(e->ident.measurement));
    memcpy(e->ident.signer, img->signer, sizeof(e->ident.signer));
    e->ident.is_signed = img->is_signed;
    e->ident.security_version = img->manifest.security_version;
    e->ident.allowed_engines = img->manifest.engines;
    e->ident.shm_size = img->manifest.shm_size;
    e->ident.shm_blocks = img->manifest.shm_blocks;
    return CC_SUCCESS;
}

/* Read the enclave image, verify it completely, and keep a sealed private
 * copy of its ELF: what runs is byte for byte what was verified, even if
 * the file changes meanwhile. */
static cc_enclave_result_t load_file(struct cg_enclave *e, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cg_log_error("cannot open enclave file %s: %s", path, strerror(errno));
        return CC_ERROR_INVALID_PATH;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cg_log_error("enclave file %s is not a regular file", path);
        close(fd);
        return CC_ERROR_INVALID_PATH;
    }
    if ((uint64_t)st.st_size > CG_MAX_ENCLAVE_FILE) {
        cg_log_error("enclave file %s is too large (%lld bytes)", path, (long long)st.st_size);
        close(fd);
        return CC_ERROR_INVALID_ENCLAVE;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (len && buf == MAP_FAILED) {
        cg_log_error("cannot read enclave file %s: %s", path, strerror(errno));
        return CC_ERROR_INVALID_PATH;
    }
    /* Copy first, then check the copy: the file can change under us. */
    cc_enclave_result_t rc = CC_ERROR_OUT_OF_MEMORY;
    int mfd = cg_sealed_memfd("cgear-enclave-image", buf, len);
    if (len)
        munmap(buf, len);
    buf = NULL;
    if (mfd < 0) {
        cg_log_error("cannot copy enclave file %s: %s", path, strerror(errno));
        return CC_ERROR_OUT_OF_MEMORY;
    }
    buf = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, mfd, 0) : NULL;
    if (len && buf == MAP_FAILED) {
        buf = NULL;
        goto out;
    }
    char why[256];
    struct cg_image img;
    rc = cg_image_parse(buf ? buf : (const uint8_t *)"", len, &img, why, sizeof(why));
    if (rc != CC_SUCCESS) {
        cg_log_error("%s is not a valid cgear enclave: %s", path, why);
        goto out;
    }
    rc = accept_image(e, path, &img);
    if (rc != CC_SUCCESS)
        goto out;
    /* System install: the launcher gets the whole image and checks it
     * again itself (src/launcher). */
    if (cg_launcher() != NULL && (e->mon.image_fd = fcntl(mfd, F_DUPFD_CLOEXEC, 3)) < 0) {
        cg_log_error("cannot keep the enclave image of %s: %s", path, strerror(errno));
        rc = CC_ERROR_OUT_OF_MEMORY;
        goto out;
    }
    if (img.is_image) {
        /* The engine execs the ELF alone; it is copied out of the sealed,
         * verified image, so it is the verified bytes. */
        int efd = cg_sealed_memfd("cgear-enclave-elf", img.elf, img.elf_len);
        if (efd < 0) {
            cg_log_error("cannot copy the enclave ELF of %s: %s", path, strerror(errno));
            rc = CC_ERROR_OUT_OF_MEMORY;
            goto out;
        }
        close(mfd);
        mfd = efd;
    }
    e->mon.elf_fd = mfd;
    e->mon.elf_size = img.elf_len;
    mfd = -1;
out:
    if (buf != NULL)
        munmap(buf, (size_t)st.st_size);
    if (mfd >= 0)
        close(mfd);
    return rc;
}

/* Room above the enclave's memory in the bound on its messages (a small
 * enclave's headers and fixed-size fields). */
#define CG_MSG_BOUND_SLACK ((uint64_t)1 << 20)

/* CGEAR_GDB (docs/debugging.md): only a debug enclave may be debugged. A
 * production enclave is refused rather than started without the debugger
 * asked for, so that nobody mistakes one for the other. The engine does
 * the rest: the kvm engine serves gdb (src/engines/kvm), the process
 * engine's enclave stays ptrace-able for its user (gdb_wanted()). */
static cc_enclave_result_t check_gdb(const struct cg_enclave *e)
{
    const char *v = getenv("CGEAR_GDB");
    if (v == NULL || *v == '\0')
        return CC_SUCCESS;
    const char *name = e->ident.manifest.name;
    if (!(e->flags & SECGEAR_DEBUG_FLAG)) {
        cg_log_error("CGEAR_GDB=%s refused: enclave '%s' is not a debug enclave (production enclaves are never "
                     "debuggable); unset CGEAR_GDB, or create it with SECGEAR_DEBUG_FLAG to debug it", v, name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (cg_launcher() != NULL) {
        /* The launcher's execute-only ELF makes the process non-dumpable
         * from exec on, and it passes no debugger socket. */
        cg_log_error("CGEAR_GDB=%s refused: enclave '%s' runs through cgear-launcher (system install), whose "
                     "enclaves are never debuggable", v, name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    if (e->engine->type == PROCESS_ENCLAVE_TYPE && strcmp(v, "attach") != 0 && strncmp(v, "unix:", 5) != 0 &&
        strncmp(v, "tcp:", 4) != 0) {
        cg_log_error("CGEAR_GDB=%s not understood: use attach, unix:PATH or tcp:127.0.0.1:PORT (docs/debugging.md)",
                     v);
        return CC_ERROR_BAD_PARAMETERS;
    }
    return CC_SUCCESS;
}

/* The process engine has no gdb server: "unix:" and "tcp:" get the same
 * answer as "attach" (the pid to attach to), so one setting serves
 * whichever engine runs. check_gdb() has refused everything else. */
static bool gdb_wanted(const struct cg_enclave *e)
{
    const char *v = getenv("CGEAR_GDB");
    return v != NULL && *v != '\0' && e->engine->type == PROCESS_ENCLAVE_TYPE && (e->flags & SECGEAR_DEBUG_FLAG);
}

/* The call window: one ECALL slot per enclave thread, then @nuslots
 * switchless OCALL slots (0 without them). */
static cc_enclave_result_t make_window(struct cg_enclave *e, uint32_t nuslots)
{
    uint32_t nslots = e->ident.manifest.threads;
    uint32_t data = CG_DEFAULT_SLOT_DATA;
    size_t total = (size_t)cg_window_size(nslots + nuslots, data);
    uint64_t slot_size = (total - CG_PAGE_SIZE) / (nslots + nuslots);
    /* the control page after the slots (window.h): the enclave maps only
     * total bytes */
    size_t size = total + CG_PAGE_SIZE;

    int fd = memfd_create("cgear-window", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        cg_log_error("cannot create the call window: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED) {
        cg_log_error("cannot map the call window: %s", strerror(errno));
        close(fd);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    struct cg_window_hdr *h = w;
    h->magic = CG_WINDOW_MAGIC;
    h->version = CG_WINDOW_VERSION;
    h->nslots = nslots;
    h->flags = (e->flags & SECGEAR_DEBUG_FLAG) ? CG_WINDOW_F_DEBUG : 0;
    if (gdb_wanted(e))
        h->flags |= CG_WINDOW_F_GDB;
    h->slot_size = slot_size;
    h->slot_offset = CG_PAGE_SIZE;
    h->total_size = total;
    h->sl_ucount = nuslots;
    atomic_store(&h->state, CG_STATE_BOOT);

    e->win.fd = fd;
    e->win.hdr = h;
    e->win.size = size;
    e->win.ctl = (struct cg_ctl_page *)((uint8_t *)w + total);
    e->win.nslots = nslots;
    e->win.nuslots = nuslots;
    e->win.chans = calloc(nslots + nuslots, sizeof(*e->win.chans));
    if (e->win.chans == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    /* No message from the enclave may be larger than all the memory it has
     * (its image, heap and stacks): an honest one cannot build it. */
    const struct cg_manifest *m = &e->ident.manifest;
    uint64_t bound = CG_MSG_BOUND_SLACK + (uint64_t)e->mon.elf_size + m->heap_size + (uint64_t)m->threads * m->stack_size;
    for (uint32_t i = 0; i < nslots + nuslots; i++) {
        if (cg_chan_init(&e->win.chans[i], w, size, i, CG_TURN_HOST) != 0)
            return CC_ERROR_GENERIC;
        e->win.chans[i].max_in = bound;
        /* ECALL slots start with the host's move, switchless OCALL slots
         * with the enclave's (it is the caller there). */
        atomic_store(&e->win.chans[i].slot->turn, i < nslots ? CG_TURN_HOST : CG_TURN_ENCLAVE);
    }
    return CC_SUCCESS;
}

/* Wait until the enclave serves, refuses the window, dies or times out. */
static cc_enclave_result_t wait_ready(struct cg_enclave *e)
{
    struct timespec start, now, tick = {0, 50 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        uint32_t s = atomic_load(&e->win.hdr->state);
        if (s == CG_STATE_READY)
            return CC_SUCCESS;
        if (s == CG_STATE_FAILED) {
            cc_enclave_result_t why = (cc_enclave_result_t)e->win.hdr->enclave_status;
            cg_enclave_mark_lost(e, CC_ERROR_INVALID_METADATA, NULL);
            cg_log_error("enclave '%s' refused to start: %s", e->ident.manifest.name, cc_enclave_res2_str(why));
            return CC_ERROR_INVALID_ENCLAVE;
        }
        if (s == CG_STATE_DEAD || atomic_load(&e->fate.lost))
            return CC_ERROR_ENCLAVE_LOST;
        clock_gettime(CLOCK_MONOTONIC, &now);
        /* a debugger holding the enclave at its first instruction takes its time */
        if (now.tv_sec - start.tv_sec > CG_START_TIMEOUT_S && !atomic_load(&e->mon.no_start_timeout)) {
            cg_enclave_mark_lost(e, CC_ERROR_TIMEOUT, "it did not start serving within the start timeout");
            return CC_ERROR_TIMEOUT;
        }
        cg_futex_wait(&e->win.hdr->state, s, &tick);
    }
}

void cg_enclave_sync_init(struct cg_enclave *e)
{
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->refusals.lock, NULL);
    pthread_cond_init(&e->calls.slot_free, NULL);
    pthread_cond_init(&e->calls.idle, NULL);
    pthread_cond_init(&e->mon.started, NULL);
}

void cg_enclave_sync_fini(struct cg_enclave *e)
{
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->refusals.lock);
    pthread_cond_destroy(&e->calls.slot_free);
    pthread_cond_destroy(&e->calls.idle);
    pthread_cond_destroy(&e->mon.started);
}

static void free_enclave(struct cg_enclave *e)
{
    cg_monitor_stop(e);
    cg_sl_fini(e); /* switchless calls and async tasks unwind first */
    /* Calls still inside (another thread's ECALL at the moment of destroy)
     * have been woken with ENCLAVE_LOST by the stop; wait for them to
     * unwind before the memory they use goes away. */
    if (e->mon.reaper_started || e->win.chans != NULL) {
        pthread_mutex_lock(&e->lock);
        while (e->calls.callers > 0)
            pthread_cond_wait(&e->calls.idle, &e->lock);
        pthread_mutex_unlock(&e->lock);
    }
    cg_shm_fini(e); /* no call is inside and the enclave has stopped */
    if (e->win.hdr != NULL)
        munmap(e->win.hdr, e->win.size);
    if (e->win.fd >= 0)
        close(e->win.fd);
    if (e->mon.elf_fd >= 0)
        close(e->mon.elf_fd);
    if (e->mon.image_fd >= 0)
        close(e->mon.image_fd);
    if (e->mon.pidfd >= 0)
        close(e->mon.pidfd);
    if (e->mon.note_fd >= 0)
        close(e->mon.note_fd);
    if (e->mon.ctl_sock >= 0)
        close(e->mon.ctl_sock);
    if (e->mon.peer_fd >= 0)
        close(e->mon.peer_fd);
    cg_enclave_sync_fini(e);
    free(e->win.chans);
    free(e);
}

static cc_enclave_result_t check_features(const enclave_features_t *features, uint32_t count)
{
    if (count > 0 && features == NULL) {
        cg_log_error("cc_enclave_create: features_count is %u but features is NULL", count);
        return CC_ERROR_BAD_PARAMETERS;
    }
    for (uint32_t i = 0; i < count; i++) {
        switch (features[i].setting_type) {
        case ENCLAVE_FEATURE_SWITCHLESS: {
            /* Set up after the window exists (switchless.c, cg_sl_setup). */
            cc_enclave_result_t rc = cg_sl_check_feature(features, i);
            if (rc != CC_SUCCESS)
                return rc;
            break;
        }
        case CGEAR_FEATURE_RESOURCES:
            if (features[i].feature_desc == NULL) {
                cg_log_error("cc_enclave_create: CGEAR_FEATURE_RESOURCES needs a cgear_resources_t");
                return CC_ERROR_BAD_PARAMETERS;
            }
            break;
        default:
            cg_log_error("cc_enclave_create: feature 0x%x is not supported", features[i].setting_type);
            return CC_ERROR_NOT_SUPPORTED;
        }
    }
    return CC_SUCCESS;
}

/* CGEAR_FEATURE_RESOURCES: run with fewer threads or less heap than the
 * signed manifest grants (the manifest is the ceiling the signer approved). */
static cc_enclave_result_t apply_resources(struct cg_enclave *e, const enclave_features_t *features, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (features[i].setting_type != CGEAR_FEATURE_RESOURCES)
            continue;
        const cgear_resources_t *r = features[i].feature_desc;
        if (r->reserved != 0) {
            cg_log_error("cc_enclave_create: cgear_resources_t.reserved must be 0");
            return CC_ERROR_BAD_PARAMETERS;
        }
        if (r->threads > e->ident.manifest.threads || (r->heap_size != 0 && r->heap_size < ((uint64_t)1 << 20)) ||
            r->heap_size > e->ident.manifest.heap_size) {
            cg_log_error("enclave '%s' may use at most %u threads and %llu MiB of heap (its signed manifest), and "
                         "at least 1 MiB; asked for %u threads and %llu MiB",
                         e->ident.manifest.name, e->ident.manifest.threads, (unsigned long long)(e->ident.manifest.heap_size >> 20),
                         r->threads, (unsigned long long)(r->heap_size >> 20));
            return CC_ERROR_BAD_PARAMETERS;
        }
        if (r->threads != 0)
            e->ident.manifest.threads = r->threads;
        if (r->heap_size != 0)
            e->ident.manifest.heap_size = r->heap_size;
    }
    return CC_SUCCESS;
}

/* How to attach: the unstripped ELF cgear_add_enclave() keeps beside the
 * image as IMAGE.elf gives gdb the symbols. Printed whatever CGEAR_LOG
 * says: the user asked for it. */
static void log_gdb_hint(const struct cg_enclave *e, const char *path)
{
    char elf[4096];
    int n = snprintf(elf, sizeof elf, "%s.elf", path);
    bool found = n > 0 && (size_t)n < sizeof elf && access(elf, R_OK) == 0;
    fprintf(stderr, "cgear: debug enclave '%s' (pid %d) is attachable: gdb -p %d %s%s\n", e->ident.manifest.name,
            (int)e->mon.pid, (int)e->mon.pid, found ? elf : "ENCLAVE.elf",
            found ? "" : " (the unstripped ELF cgear_add_enclave() keeps beside the image)");
}

/* A zeroed enclave with no descriptors yet, its locks ready, its start
 * stamped. NULL when out of memory. */
static struct cg_enclave *new_enclave(uint32_t flags)
{
    struct cg_enclave *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->stamps[CG_HSTAMP_START] = cg_now_ns();
    e->flags = flags;
    e->mon.elf_fd = e->mon.image_fd = e->win.fd = e->mon.pidfd = e->mon.note_fd = e->mon.keys_fd = -1;
    e->mon.ctl_sock = e->mon.peer_fd = -1;
    e->mon.pid = -1;
    cg_enclave_sync_init(e);
    return e;
}

/* @e is running: hand it to the caller's context @enclave. */
static void hand_over(cc_enclave_t *enclave, struct cg_enclave *e, char *path_copy)
{
    enclave->type = e->engine->type;
    enclave->path = path_copy;
    enclave->flags = e->flags;
    enclave->private_data = e;
    enclave->used_flag = true;
}

cc_enclave_result_t cc_enclave_create(const char *path, enclave_type_t type, uint32_t version, uint32_t flags,
                                      const enclave_features_t *features, const uint32_t features_count,
                                      cc_enclave_t *enclave)
{
    if (enclave == NULL || path == NULL) {
        cg_log_error("cc_enclave_create: %s is NULL", enclave == NULL ? "the enclave context" : "the path");
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (enclave->used_flag || enclave->private_data != NULL) {
        cg_log_error("cc_enclave_create: the context is in use; destroy it or pass a zeroed one");
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (version != 0) {
        cg_log_error("cc_enclave_create: version must be 0, got %u", version);
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (flags & SECGEAR_RESERVED_FLAG) {
        cg_log_error("cc_enclave_create: unknown flags 0x%x", flags & SECGEAR_RESERVED_FLAG);
        return CC_ERROR_BAD_PARAMETERS;
    }
    cc_enclave_result_t rc = check_features(features, features_count);
    if (rc != CC_SUCCESS)
        return rc;
    /* "cgear-enclave:ID": attach to a standalone enclave (attach.c). */
    if (cg_attach_is_path(path))
        return cg_attach_create(path, type, flags, enclave);

    struct cg_enclave *e = new_enclave(flags);
    char *path_copy = strdup(path);
    if (e == NULL || path_copy == NULL) {
        if (e != NULL)
            free_enclave(e);
        free(path_copy);
        return CC_ERROR_OUT_OF_MEMORY;
    }

    rc = load_file(e, path);
    e->stamps[CG_HSTAMP_IMAGE] = cg_now_ns();
    if (rc == CC_SUCCESS)
        rc = apply_resources(e, features, features_count);
    /* Chosen once, knowing which engines the verified manifest allows. */
    if (rc == CC_SUCCESS)
        rc = cg_engine_select(type, e->ident.allowed_engines, e->ident.manifest.name, false, &e->engine);
    e->stamps[CG_HSTAMP_ENGINE] = cg_now_ns();
    if (rc == CC_SUCCESS && (e->ident.manifest.flags & CG_MANIFEST_F_DEBUG_ONLY) && !(flags & SECGEAR_DEBUG_FLAG)) {
        cg_log_error("enclave '%s' is marked debug-only; create it with SECGEAR_DEBUG_FLAG", e->ident.manifest.name);
        rc = CC_ERROR_NDEBUG_ENCLAVE;
    }
    if (rc == CC_SUCCESS)
        rc = check_gdb(e);
    if (rc == CC_SUCCESS)
        rc = make_window(e, cg_sl_uslots(features, features_count));
    if (rc == CC_SUCCESS)
        rc = cg_shm_setup(e, e->ident.shm_size, e->ident.shm_blocks);
    if (rc == CC_SUCCESS)
        rc = cg_sl_setup(e, features, features_count);
    e->stamps[CG_HSTAMP_WINDOW] = cg_now_ns();
    /* On a system install the launcher makes the key block; the host never
     * sees it. */
    if (rc == CC_SUCCESS && cg_launcher() == NULL && (e->mon.keys_fd = cg_make_keys_fd(e)) < 0)
        rc = CC_ERROR_OUT_OF_MEMORY;
    e->stamps[CG_HSTAMP_KEYS] = cg_now_ns();
    if (rc == CC_SUCCESS)
        rc = cg_monitor_start(e);
    /* The monitor holds its own copy now: the host keeps none. */
    if (e->mon.keys_fd >= 0) {
        close(e->mon.keys_fd);
        e->mon.keys_fd = -1;
    }
    if (rc == CC_SUCCESS)
        rc = wait_ready(e);
    if (rc == CC_SUCCESS)
        rc = cg_sl_started(e); /* pins the switchless workers where the host does it */
    e->stamps[CG_HSTAMP_READY] = cg_now_ns();
    if (rc != CC_SUCCESS) {
        free_enclave(e);
        free(path_copy);
        return rc;
    }
    cg_report_register(e, true);
    cg_log_info("enclave '%s' runs on the %s engine (pid %d%s)", e->ident.manifest.name, e->engine->name, (int)e->mon.pid,
                e->ident.is_signed ? "" : ", UNSIGNED: debug only");
    if (e->win.hdr->flags & CG_WINDOW_F_GDB)
        log_gdb_hint(e, path);
    hand_over(enclave, e, path_copy);
    return CC_SUCCESS;
}

cc_enclave_result_t cc_enclave_destroy(cc_enclave_t *enclave)
{
    if (enclave == NULL) {
        cg_log_error("cc_enclave_destroy: the enclave context is NULL");
        return CC_ERROR_BAD_PARAMETERS;
    }
    if (!enclave->used_flag || enclave->private_data == NULL) {
        cg_log_error("cc_enclave_destroy: the context holds no enclave (never created or already destroyed)");
        return CC_ERROR_INVALID_ENCLAVE_ID;
    }
    struct cg_enclave *e = enclave->private_data;
    if (e->attach != NULL) {
        cg_attach_release(e); /* detach: the enclave keeps running */
    } else {
        cg_report_register(e, false);
        free_enclave(e);
    }
    free(enclave->path);
    enclave->path = NULL;
    enclave->private_data = NULL;
    enclave->used_flag = false;
    return CC_SUCCESS;
}

enclave_type_t cgear_enclave_engine(const cc_enclave_t *enclave)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return ENCLAVE_TYPE_MAX;
    return ((const struct cg_enclave *)enclave->private_data)->engine->type;
}

int cgear_enclave_pid(const cc_enclave_t *enclave)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return -1;
    return ((const struct cg_enclave *)enclave->private_data)->mon.pid;
}

cc_enclave_result_t cgear_enclave_status(const cc_enclave_t *enclave)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    struct cg_enclave *e = enclave->private_data;
    if (e->attach != NULL && !atomic_load(&e->fate.lost))
        return cg_attach_status(e); /* the holder tells why it died */
    return atomic_load(&e->fate.lost) ? e->fate.reason : CC_SUCCESS;
}

cc_enclave_result_t cgear_enclave_lost_reason(const cc_enclave_t *enclave, char *buf, size_t len)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    if (buf == NULL || len == 0)
        return CC_ERROR_BAD_PARAMETERS;
    struct cg_enclave *e = enclave->private_data;
    buf[0] = '\0';
    if (!atomic_load(&e->fate.lost))
        return CC_SUCCESS;
    pthread_mutex_lock(&e->lock);
    size_t n = strlen(e->fate.what);
    if (n >= len) {
        pthread_mutex_unlock(&e->lock);
        return CC_ERROR_SHORT_BUFFER;
    }
    memcpy(buf, e->fate.what, n + 1);
    pthread_mutex_unlock(&e->lock);
    return CC_SUCCESS;
}

/* The measurement and signer are fixed at creation; reading them needs no lock. */
static const struct cg_enclave *live(const cc_enclave_t *enclave)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return NULL;
    return enclave->private_data;
}

cc_enclave_result_t cgear_enclave_measurement(const cc_enclave_t *enclave, uint8_t *buf, size_t len)
{
    const struct cg_enclave *e = live(enclave);
    if (e == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    if (buf == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (len < CGEAR_MEASUREMENT_SIZE)
        return CC_ERROR_SHORT_BUFFER;
    memcpy(buf, e->ident.measurement, CGEAR_MEASUREMENT_SIZE);
    return CC_SUCCESS;
}

cc_enclave_result_t cgear_enclave_signer(const cc_enclave_t *enclave, uint8_t *buf, size_t len)
{
    const struct cg_enclave *e = live(enclave);
    if (e == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    if (buf == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    if (len < CGEAR_SIGNER_SIZE)
        return CC_ERROR_SHORT_BUFFER;
    memset(buf, 0, CGEAR_SIGNER_SIZE);
    if (!e->ident.is_signed)
        return CC_ERROR_ITEM_NOT_FOUND;
    memcpy(buf, e->ident.signer, CGEAR_SIGNER_SIZE);
    return CC_SUCCESS;
}

cc_enclave_result_t cgear_enclave_security_version(const cc_enclave_t *enclave, uint32_t *svn)
{
    const struct cg_enclave *e = live(enclave);
    if (e == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    if (svn == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    *svn = e->ident.security_version;
    return CC_SUCCESS;
}

cc_enclave_result_t cgear_enclave_info(const cc_enclave_t *enclave, cgear_enclave_info_t *info)
{
    const struct cg_enclave *e = live(enclave);
    if (e == NULL)
        return CC_ERROR_INVALID_ENCLAVE_ID;
    if (info == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    memset(info, 0, sizeof *info);
    info->engine = e->engine->type;
    info->pid = (int)e->mon.pid;
    info->debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0;
    info->is_signed = e->ident.is_signed;
    info->attached = e->attach != NULL;
    info->threads = e->win.nslots;
    info->security_version = e->ident.security_version;
    info->heap_size = e->ident.manifest.heap_size;
    info->stack_size = e->ident.manifest.stack_size;
    memcpy(info->measurement, e->ident.measurement, sizeof info->measurement);
    if (e->ident.is_signed)
        memcpy(info->signer, e->ident.signer, sizeof info->signer);
    snprintf(info->name, sizeof info->name, "%s", e->ident.manifest.name);
    return CC_SUCCESS;
}

cc_enclave_result_t cgear_enclave_create_from_snapshot(cc_enclave_t *parent, cc_enclave_t *enclave)
{
    const char *what = "cgear_enclave_create_from_snapshot";
    if (parent == NULL || !parent->used_flag || parent->private_data == NULL) {
        cg_log_error("%s: the parent context holds no enclave", what);
        return CC_ERROR_INVALID_ENCLAVE_ID;
    }
    if (enclave == NULL || enclave->used_flag || enclave->private_data != NULL) {
        cg_log_error("%s: %s", what, enclave == NULL ? "the new context is NULL"
                                                     : "the new context is in use; pass a zeroed one");
        return CC_ERROR_BAD_PARAMETERS;
    }
    struct cg_enclave *p = parent->private_data;
    const char *name = p->ident.manifest.name;
    cc_enclave_result_t rc = cg_snap_supported(p, what);
    if (rc != CC_SUCCESS)
        return rc;
    if (!p->mon.snapshot) {
        cg_log_error("%s: enclave '%s' has no snapshot: call cgear_enclave_snapshot() first", what, name);
        return CC_ERROR_BAD_STATE;
    }
    if (atomic_load(&p->fate.lost))
        return CC_ERROR_ENCLAVE_LOST;
    struct cg_enclave *e = new_enclave(p->flags);
    char *path_copy = strdup(parent->path != NULL ? parent->path : "");
    if (e == NULL || path_copy == NULL) {
        if (e != NULL)
            free_enclave(e);
        free(path_copy);
        return CC_ERROR_OUT_OF_MEMORY;
    }
    /* the same verified image and identity, its own window and keys */
    e->ident = p->ident;
    /* no shared memory: the parent's region is at an address this process
     * has given to the parent (docs/snapshots.md) */
    e->ident.shm_size = 0;
    e->ident.shm_blocks = 0;
    e->engine = p->engine;
    e->mon.elf_size = p->mon.elf_size;
    if ((e->mon.elf_fd = fcntl(p->mon.elf_fd, F_DUPFD_CLOEXEC, 3)) < 0)
        rc = CC_ERROR_OUT_OF_MEMORY;
    e->stamps[CG_HSTAMP_IMAGE] = e->stamps[CG_HSTAMP_ENGINE] = cg_now_ns();
    if (rc == CC_SUCCESS)
        rc = make_window(e, 0);
    e->stamps[CG_HSTAMP_WINDOW] = cg_now_ns();
    if (rc == CC_SUCCESS && (e->mon.keys_fd = cg_make_keys_fd(e)) < 0)
        rc = CC_ERROR_OUT_OF_MEMORY;
    e->stamps[CG_HSTAMP_KEYS] = cg_now_ns();
    int sv[2] = {-1, -1};
    if (rc == CC_SUCCESS && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        cg_log_error("%s: socketpair failed: %s", what, strerror(errno));
        rc = CC_ERROR_OUT_OF_MEMORY;
    }
    e->mon.peer_fd = sv[1];
    if (rc == CC_SUCCESS)
        rc = cg_monitor_start(e); /* the new monitor waits for the snapshot */
    if (e->mon.keys_fd >= 0) {
        close(e->mon.keys_fd);
        e->mon.keys_fd = -1;
    }
    if (e->mon.peer_fd >= 0) {
        close(e->mon.peer_fd);
        e->mon.peer_fd = -1;
    }
    if (rc == CC_SUCCESS)
        rc = cg_snap_send_clone(p, sv[0]);
    if (sv[0] >= 0)
        close(sv[0]); /* a monitor that got nothing reads the end and stops */
    if (rc == CC_SUCCESS)
        rc = wait_ready(e);
    e->stamps[CG_HSTAMP_READY] = cg_now_ns();
    if (rc != CC_SUCCESS) {
        free_enclave(e);
        free(path_copy);
        return rc;
    }
    e->mon.snapshot = true; /* it starts with the snapshot: it can be reset to it */
    cg_report_register(e, true);
    cg_log_info("enclave '%s' started from a snapshot on the %s engine (pid %d)", name, e->engine->name,
                (int)e->mon.pid);
    hand_over(enclave, e, path_copy);
    return CC_SUCCESS;
}
