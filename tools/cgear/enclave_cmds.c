/*
 * enclave_cmds.c - `cgear enclave start|list|console|stop`.
 *
 * `start` forks a detached holder process (double fork, setsid) that
 * creates the enclave with cc_enclave_create(), publishes it in the
 * per-user runtime directory (socket, record, log) and serves attach, info
 * and stop requests with cgear_enclave_hold() (src/host/attach.c). The
 * enclave's monitor process is the holder's child and dies with it. The
 * other commands talk to holders through their sockets; a record whose
 * socket no longer answers belongs to a dead enclave and `list` removes it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgear_manifest.h"
#include "enclave.h"
#include "enclave_cmds.h"
#include "image_cmds.h"
#include "standalone.h"
#include "text.h"

#define ID_BYTES 6 /* 12 hex digits */

/* What the holder tells `start` once the enclave runs (or failed to). */
struct start_status {
    uint32_t rc; /* cc_enclave_result_t */
    uint32_t engine;
    int32_t monitor_pid;
    uint32_t debug;
    char name[64];
};

/* A record file, parsed. */
struct record {
    char id[CG_ID_MAX + 1];
    char engine[16];
    char image[1024];
    char name[64];
    char measurement[97];
    char state[16];
    char reason[256];
    unsigned threads;
    unsigned long long memory;
    long long started;
    int debug;
    int holder_pid;
};

static const char *engine_of(uint32_t type)
{
    return cgear_engine_name((enclave_type_t)type);
}

static void path_of(char *buf, size_t len, const char *dir, const char *id, const char *ext)
{
    int n = snprintf(buf, len, "%s/%s.%s", dir, id, ext);
    if (n < 0 || (size_t)n >= len)
        buf[0] = '\0'; /* cannot happen: dir < PATH_MAX - 64, id <= 32 */
}

static void remove_files(const char *dir, const char *id)
{
    char p[PATH_MAX];
    static const char *const exts[] = {"sock", "rec", "log"};
    for (size_t i = 0; i < 3; i++) {
        path_of(p, sizeof p, dir, id, exts[i]);
        unlink(p);
    }
}

static int runtime_dir(char *dir, size_t len, bool create, const char *cmd)
{
    char why[512];
    if (cg_rt_dir(dir, len, create, why, sizeof why) == 0)
        return 0;
    if (!create && errno == ENOENT)
        return -2;
    fprintf(stderr, "cgear enclave %s: %s\n", cmd, why);
    return -1;
}

/* Copy the log file at @path to stderr, indented. */
static void show_log(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL)
        fprintf(stderr, "  %s%s", line, strchr(line, '\n') ? "" : "\n");
    fclose(f);
}

/* ---- records ---- */

static int write_record(const char *dir, const char *id, const char *body)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    path_of(path, sizeof path, dir, id, "rec");
    snprintf(tmp, sizeof tmp, "%s/.%s.rec.tmp", dir, id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t len = strlen(body);
    bool ok = write(fd, body, len) == (ssize_t)len;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int read_record(const char *dir, const char *id, struct record *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    char path[PATH_MAX];
    path_of(path, sizeof path, dir, id, "rec");
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char line[1400];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *v = strchr(line, '=');
        if (v == NULL)
            continue;
        *v++ = '\0';
        if (strcmp(line, "engine") == 0)
            snprintf(r->engine, sizeof r->engine, "%s", v);
        else if (strcmp(line, "image") == 0)
            snprintf(r->image, sizeof r->image, "%s", v);
        else if (strcmp(line, "name") == 0)
            snprintf(r->name, sizeof r->name, "%s", v);
        else if (strcmp(line, "measurement") == 0)
            snprintf(r->measurement, sizeof r->measurement, "%s", v);
        else if (strcmp(line, "state") == 0)
            snprintf(r->state, sizeof r->state, "%s", v);
        else if (strcmp(line, "reason") == 0)
            snprintf(r->reason, sizeof r->reason, "%s", v);
        else if (strcmp(line, "threads") == 0)
            r->threads = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(line, "memory") == 0)
            r->memory = strtoull(v, NULL, 10);
        else if (strcmp(line, "started") == 0)
            r->started = strtoll(v, NULL, 10);
        else if (strcmp(line, "debug") == 0)
            r->debug = atoi(v);
        else if (strcmp(line, "holder_pid") == 0)
            r->holder_pid = atoi(v);
    }
    fclose(f);
    return 0;
}

static void record_from_info(struct record *r, const char *id, const struct cg_hold_info *i)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->engine, sizeof r->engine, "%s", engine_of(i->engine_type));
    snprintf(r->image, sizeof r->image, "%s", i->image);
    snprintf(r->name, sizeof r->name, "%s", i->name);
    cg_hex(i->measurement, sizeof i->measurement, r->measurement);
    snprintf(r->state, sizeof r->state, "%s", i->attached_pid ? "attached" : "running");
    r->threads = i->nslots;
    r->memory = i->heap_size;
    r->started = i->started;
    r->debug = (i->flags & SECGEAR_DEBUG_FLAG) != 0;
    r->holder_pid = i->holder_pid;
}

/* ---- start ---- */

static int report(int fd, const struct start_status *st)
{
    return write(fd, st, sizeof *st) == (ssize_t)sizeof *st ? 0 : -1;
}

/* The holder: runs detached until the enclave is stopped or dies. Its
 * stderr is the enclave's log, which a debug enclave's console shares. */
static int holder_main(const char *dir, const char *id, const char *image, enclave_type_t type, uint32_t flags,
                       const cgear_resources_t *res, int status_fd)
{
    struct start_status st;
    memset(&st, 0, sizeof st);
    st.rc = CC_ERROR_GENERIC;
    char log[PATH_MAX], sock[PATH_MAX];
    path_of(log, sizeof log, dir, id, "log");
    path_of(sock, sizeof sock, dir, id, "sock");
    umask(077);
    int logfd = open(log, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (logfd < 0 || nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0 || dup2(logfd, 2) < 0) {
        report(status_fd, &st);
        return 1;
    }
    close(logfd);
    close(nullfd);
    /* Keep nothing the caller's shell or test harness left open (a pipe
     * someone waits on must not stay open for the enclave's lifetime). */
    if (status_fd != 3) {
        if (dup2(status_fd, 3) < 0)
            return 1;
        status_fd = 3;
    }
    fcntl(status_fd, F_SETFD, FD_CLOEXEC);
    if (syscall(SYS_close_range, 4u, ~0u, 0) != 0)
        for (int fd = 4; fd < 1024; fd++)
            close(fd);
    if (chdir("/") != 0)
        return 1;
    /* Signals arrive as a signalfd the holder polls: a plain `kill` stops
     * the enclave cleanly. The enclave's threads start with them blocked. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &stop_set, SFD_CLOEXEC);

    fprintf(stderr, "cgear: holder of enclave %s (pid %d) starting %s\n", id, (int)getpid(), image);
    cc_enclave_t ctx = {0};
    enclave_features_t feat = {CGEAR_FEATURE_RESOURCES, (void *)res};
    cc_enclave_result_t rc = cc_enclave_create(image, type, 0, flags, res ? &feat : NULL, res ? 1 : 0, &ctx);
    if (rc != CC_SUCCESS) {
        st.rc = (uint32_t)rc;
        report(status_fd, &st);
        return 1;
    }
    int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t sl = strlen(sock);
    if (sl < sizeof a.sun_path)
        memcpy(a.sun_path, sock, sl + 1);
    if (lfd < 0 || sl >= sizeof a.sun_path || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(lfd, 16) != 0) {
        fprintf(stderr, "cgear: error: cannot listen on %s: %s\n", sock, strerror(errno));
        cc_enclave_destroy(&ctx);
        report(status_fd, &st);
        return 1;
    }
    uint8_t meas[CGEAR_MEASUREMENT_SIZE];
    char mhex[2 * CGEAR_MEASUREMENT_SIZE + 1];
    cgear_enclave_measurement(&ctx, meas, sizeof meas);
    cg_hex(meas, sizeof meas, mhex);
    cgear_enclave_info_t ei;
    cgear_enclave_info(&ctx, &ei);
    cgear_hold_config_t cfg = {id, image, (int64_t)time(NULL), lfd, sfd};
    /* The record carries what `list` shows of an enclave whose holder is
     * gone; for live ones the holder's own answer is used. */
    char body[PATH_MAX + 1024];
    int bn = snprintf(body, sizeof body,
             "id=%s\nholder_pid=%d\nengine=%s\nname=%s\nimage=%s\nmeasurement=%s\nthreads=%u\nmemory=%llu\n"
             "debug=%d\nstarted=%lld\n",
             id, (int)getpid(), cgear_engine_name(ctx.type), ei.name, image, mhex, ei.threads,
             (unsigned long long)ei.heap_size, (ctx.flags & SECGEAR_DEBUG_FLAG) ? 1 : 0,
             (long long)cfg.started);
    if (bn < 0 || (size_t)bn >= sizeof body - 300 || write_record(dir, id, body) != 0) {
        fprintf(stderr, "cgear: error: cannot write the record of enclave %s in %s: %s\n", id, dir,
                strerror(errno));
        unlink(sock);
        cc_enclave_destroy(&ctx);
        report(status_fd, &st);
        return 1;
    }
    st.rc = CC_SUCCESS;
    st.engine = (uint32_t)ctx.type;
    st.monitor_pid = cgear_enclave_pid(&ctx);
    st.debug = (ctx.flags & SECGEAR_DEBUG_FLAG) != 0;
    report(status_fd, &st);
    close(status_fd);

    rc = cgear_enclave_hold(&ctx, &cfg);
    unlink(sock);
    cc_enclave_result_t why = cgear_enclave_status(&ctx);
    cc_enclave_destroy(&ctx);
    close(lfd);
    if (sfd >= 0)
        close(sfd);
    if (rc == CC_SUCCESS) {
        fprintf(stderr, "cgear: enclave %s stopped\n", id);
        char rec[PATH_MAX];
        path_of(rec, sizeof rec, dir, id, "rec");
        unlink(rec);
        unlink(log);
    } else {
        /* Keep the record and the log: `list` reports the death once. */
        fprintf(stderr, "cgear: enclave %s ended: %s\n", id, cc_enclave_res2_str(why != CC_SUCCESS ? why : rc));
        size_t n = strlen(body);
        int m = snprintf(body + n, sizeof body - n, "state=dead\nreason=%s\n",
                         cc_enclave_res2_str(why != CC_SUCCESS ? why : rc));
        if (m > 0 && (size_t)m < sizeof body - n)
            write_record(dir, id, body);
    }
    return 0;
}

static int start_usage(FILE *out)
{
    fprintf(out, "usage: cgear enclave start IMAGE [--engine kvm|process|auto] [--cpus N] [--mem MB] [--debug]\n"
                 "                           [--gdb unix:PATH|tcp:127.0.0.1:PORT[,wait]]\n\n"
                 "Starts the enclave in a detached holder process and prints its id; it keeps running\n"
                 "after this command returns. A host program attaches with\n"
                 "cc_enclave_create(\"cgear-enclave:ID\", ...). --cpus sets the enclave threads (at most\n"
                 "the manifest's), --mem its heap in MiB (at most the manifest's); --debug creates it\n"
                 "with SECGEAR_DEBUG_FLAG so that `cgear enclave console ID` shows its output.\n"
                 "--gdb (with --debug, kvm engine) serves gdb on that socket (CGEAR_GDB, docs/debugging.md);\n"
                 "with ,wait the enclave runs nothing until gdb attaches, and this command waits too.\n");
    return out == stdout ? 0 : 2;
}

static bool parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static int cmd_start(int argc, char **argv)
{
    const char *image = NULL;
    enclave_type_t type = AUTO_ENCLAVE_TYPE;
    unsigned long long cpus = 0, mem = 0;
    bool debug = false;
    const char *gdb = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return start_usage(stdout);
        if (strcmp(a, "--debug") == 0) {
            debug = true;
        } else if (strcmp(a, "--gdb") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cgear enclave start: --gdb needs a value (try --help)\n");
                return 2;
            }
            gdb = argv[++i];
        } else if (strcmp(a, "--engine") == 0 || strcmp(a, "--cpus") == 0 || strcmp(a, "--mem") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cgear enclave start: %s needs a value (try --help)\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--engine") == 0) {
                if (strcmp(v, "kvm") == 0)
                    type = KVM_ENCLAVE_TYPE;
                else if (strcmp(v, "process") == 0)
                    type = PROCESS_ENCLAVE_TYPE;
                else if (strcmp(v, "auto") == 0)
                    type = AUTO_ENCLAVE_TYPE;
                else {
                    fprintf(stderr, "cgear enclave start: unknown engine '%s' (kvm, process or auto)\n", v);
                    return 2;
                }
            } else if (strcmp(a, "--cpus") == 0 && !parse_num(v, CG_MANIFEST_MAX_THREADS, &cpus)) {
                fprintf(stderr, "cgear enclave start: --cpus wants a number from 1 to %u, not '%s'\n",
                        CG_MANIFEST_MAX_THREADS, v);
                return 2;
            } else if (strcmp(a, "--mem") == 0 && !parse_num(v, 1ull << 30, &mem)) {
                fprintf(stderr, "cgear enclave start: --mem wants a size in MiB (1 or more), not '%s'\n", v);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "cgear enclave start: unknown option '%s' (try --help)\n", a);
            return 2;
        } else if (image == NULL) {
            image = a;
        } else {
            fprintf(stderr, "cgear enclave start: one image only (try --help)\n");
            return 2;
        }
    }
    if (image == NULL) {
        fprintf(stderr, "cgear enclave start: the enclave image is required (try --help)\n");
        return 2;
    }
    if (gdb != NULL && !debug) {
        fprintf(stderr, "cgear enclave start: --gdb needs --debug: a debugger may only attach to a debug enclave\n");
        return 2;
    }
    char abs[PATH_MAX];
    if (realpath(image, abs) == NULL) {
        fprintf(stderr, "cgear enclave start: cannot find %s: %s\n", image, strerror(errno));
        return 1;
    }
    if (strlen(abs) >= sizeof(((struct cg_hold_info *)0)->image)) {
        fprintf(stderr, "cgear enclave start: the image path %s is too long (1023 bytes at most)\n", abs);
        return 1;
    }
    char dir[PATH_MAX];
    if (runtime_dir(dir, sizeof dir, true, "start") != 0)
        return 1;

    char id[2 * ID_BYTES + 1], rec[PATH_MAX];
    for (int tries = 0;; tries++) {
        uint8_t rnd[ID_BYTES];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
            fprintf(stderr, "cgear enclave start: getrandom failed: %s\n", strerror(errno));
            return 1;
        }
        cg_hex(rnd, sizeof rnd, id);
        path_of(rec, sizeof rec, dir, id, "log");
        if (access(rec, F_OK) != 0 || tries > 10)
            break;
    }
    if (strlen(dir) + 2 + strlen(id) + 5 > sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, "cgear enclave start: the runtime directory %s is too long a path for a socket; set "
                        "XDG_RUNTIME_DIR to a shorter one\n",
                dir);
        return 1;
    }
    cgear_resources_t res = {(uint32_t)cpus, 0, mem << 20};
    uint32_t flags = debug ? SECGEAR_DEBUG_FLAG : 0;

    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        fprintf(stderr, "cgear enclave start: pipe failed: %s\n", strerror(errno));
        return 1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t c = fork();
    if (c < 0) {
        fprintf(stderr, "cgear enclave start: fork failed: %s\n", strerror(errno));
        return 1;
    }
    if (c == 0) {
        /* Detach: a new session, then a grandchild that init adopts. */
        close(p[0]);
        if (setsid() < 0)
            _exit(1);
        pid_t g = fork();
        if (g != 0)
            _exit(g < 0 ? 1 : 0);
        /* the runtime reads CGEAR_GDB in cc_enclave_create (kvm engine) */
        if (gdb != NULL && setenv("CGEAR_GDB", gdb, 1) != 0)
            _exit(1);
        exit(holder_main(dir, id, abs, type, flags, (cpus || mem) ? &res : NULL, p[1]));
    }
    close(p[1]);
    int ws;
    while (waitpid(c, &ws, 0) < 0 && errno == EINTR)
        ;
    struct start_status st;
    ssize_t n;
    while ((n = read(p[0], &st, sizeof st)) < 0 && errno == EINTR)
        ;
    close(p[0]);
    char log[PATH_MAX];
    path_of(log, sizeof log, dir, id, "log");
    if (n != (ssize_t)sizeof st || st.rc != CC_SUCCESS) {
        if (n != (ssize_t)sizeof st)
            fprintf(stderr, "cgear enclave start: the holder process of %s ended while starting it\n", image);
        else
            fprintf(stderr, "cgear enclave start: cannot start %s: %s\n", image,
                    cc_enclave_res2_str((cc_enclave_result_t)st.rc));
        show_log(log);
        remove_files(dir, id);
        return 1;
    }
    printf("%s\n", id);
    fprintf(stderr, "cgear: enclave %s runs on the %s engine (pid %d%s); attach with cgear-enclave:%s\n", id,
            engine_of(st.engine), (int)st.monitor_pid, st.debug ? ", debug" : "", id);
    return 0;
}

/* ---- list ---- */

static void fmt_uptime(long long started, char *buf, size_t len)
{
    long long s = (long long)time(NULL) - started;
    if (started <= 0 || s < 0)
        snprintf(buf, len, "-");
    else if (s < 60)
        snprintf(buf, len, "%llds", s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_list(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: cgear enclave list [--json]\n\n"
                   "Lists the standalone enclaves of this user: id, engine, state (running, attached,\n"
                   "dead, unresponsive), threads, memory, uptime, measurement and image. The records of\n"
                   "dead enclaves (their holder process is gone) are shown once and removed.\n");
            return 0;
        } else {
            fprintf(stderr, "cgear enclave list: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    char dir[PATH_MAX];
    int d = runtime_dir(dir, sizeof dir, false, "list");
    if (d == -1)
        return 1;
    char **ids = NULL;
    size_t count = 0;
    DIR *dh = d == 0 ? opendir(dir) : NULL;
    if (dh != NULL) {
        struct dirent *de;
        while ((de = readdir(dh)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l <= 4 || strcmp(de->d_name + l - 4, ".rec") != 0)
                continue;
            char *id = strndup(de->d_name, l - 4);
            char **grown = id ? realloc(ids, (count + 1) * sizeof *ids) : NULL;
            if (grown == NULL) {
                free(id);
                break;
            }
            ids = grown;
            if (cg_rt_id_valid(id))
                ids[count++] = id;
            else
                free(id);
        }
        closedir(dh);
    }
    if (count > 1)
        qsort(ids, count, sizeof *ids, cmp_str);
    if (json)
        printf("[");
    else
        printf("%-14s %-8s %-12s %-7s %-8s %-8s %-19s %s\n", "ID", "ENGINE", "STATE", "THREADS", "MEMORY", "UPTIME",
               "MEASUREMENT", "IMAGE");
    for (size_t k = 0; k < count; k++) {
        const char *id = ids[k];
        struct record r;
        struct cg_hold_info info;
        int q = cg_hold_request(dir, id, CG_HOLD_INFO, &info, NULL);
        int err = errno;
        bool removed = false;
        if (q == 0) {
            record_from_info(&r, id, &info);
        } else if (read_record(dir, id, &r) != 0) {
            continue; /* removed meanwhile */
        } else if (q == -1 && (err == ENOENT || err == ECONNREFUSED || err == ECONNRESET)) {
            snprintf(r.state, sizeof r.state, "dead");
            remove_files(dir, id);
            removed = true;
            fprintf(stderr, "cgear enclave list: enclave %s is dead (%s); removed its record\n", id,
                    r.reason[0] ? r.reason : "its holder process is gone");
        } else {
            snprintf(r.state, sizeof r.state, "unresponsive");
        }
        char up[32];
        fmt_uptime(removed ? 0 : r.started, up, sizeof up);
        if (json) {
            printf("%s{\"id\":", k ? "," : "");
            cgt_json_str(stdout, id);
            printf(",\"engine\":");
            cgt_json_str(stdout, r.engine);
            printf(",\"state\":");
            cgt_json_str(stdout, r.state);
            printf(",\"name\":");
            cgt_json_str(stdout, r.name);
            printf(",\"image\":");
            cgt_json_str(stdout, r.image);
            printf(",\"measurement\":");
            cgt_json_str(stdout, r.measurement);
            printf(",\"threads\":%u,\"memory\":%llu,\"debug\":%s,\"started\":%lld,\"uptime_s\":%lld",
                   r.threads, r.memory, r.debug ? "true" : "false", r.started,
                   removed || r.started <= 0 ? 0 : (long long)time(NULL) - r.started);
            if (q == 0)
                printf(",\"holder_pid\":%d,\"enclave_pid\":%d,\"attached_pid\":%d", info.holder_pid,
                       info.monitor_pid, info.attached_pid);
            if (removed) {
                printf(",\"reason\":");
                cgt_json_str(stdout, r.reason[0] ? r.reason : "its holder process is gone");
                printf(",\"removed\":true");
            }
            printf("}");
        } else {
            char mem[32], meas[20], threads[12];
            if (r.memory)
                snprintf(mem, sizeof mem, "%lluMiB", r.memory >> 20);
            else
                snprintf(mem, sizeof mem, "-");
            if (r.threads)
                snprintf(threads, sizeof threads, "%u", r.threads);
            else
                snprintf(threads, sizeof threads, "-");
            snprintf(meas, sizeof meas, "%.16s%s", r.measurement[0] ? r.measurement : "-",
                     strlen(r.measurement) > 16 ? "..." : "");
            printf("%-14s %-8s %-12s %-7s %-8s %-8s %-19s %s\n", id, r.engine[0] ? r.engine : "-", r.state,
                   threads, mem, up, meas, r.image);
        }
        free(ids[k]);
    }
    if (json)
        printf("]\n");
    free(ids);
    return 0;
}

/* ---- stop and console ---- */

/* Explain why @id cannot be reached; clean a stale record. Returns 1. */
static int not_running(const char *cmd, const char *dir, const char *id, int q, int err)
{
    char rec[PATH_MAX];
    path_of(rec, sizeof rec, dir, id, "rec");
    bool has_record = access(rec, F_OK) == 0;
    if (q == -2) {
        fprintf(stderr, "cgear enclave %s: the holder of enclave %s does not answer (stopped or overloaded?)\n",
                cmd, id);
    } else if (has_record && (err == ENOENT || err == ECONNREFUSED || err == ECONNRESET)) {
        fprintf(stderr, "cgear enclave %s: enclave %s is not running (its holder process is gone); "
                        "removed its record\n",
                cmd, id);
        remove_files(dir, id);
    } else if (err == ENOENT) {
        fprintf(stderr, "cgear enclave %s: no enclave with id '%s'; `cgear enclave list` shows the running ones\n",
                cmd, id);
    } else {
        fprintf(stderr, "cgear enclave %s: cannot reach enclave %s: %s\n", cmd, id, strerror(err));
    }
    return 1;
}

static int get_id(int argc, char **argv, const char *cmd, const char *extra, bool *flag, const char **id)
{
    *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 3;
        if (extra != NULL && strcmp(argv[i], extra) == 0) {
            *flag = true;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "cgear enclave %s: unknown option '%s' (try --help)\n", cmd, argv[i]);
            return 2;
        } else if (*id == NULL) {
            *id = argv[i];
        } else {
            fprintf(stderr, "cgear enclave %s: one enclave id only\n", cmd);
            return 2;
        }
    }
    if (*id == NULL) {
        fprintf(stderr, "cgear enclave %s: the enclave id is required (`cgear enclave list` shows them)\n", cmd);
        return 2;
    }
    if (!cg_rt_id_valid(*id)) {
        fprintf(stderr, "cgear enclave %s: '%s' is not an enclave id (up to %u characters from a-z, 0-9, - and _, "
                        "as printed by `cgear enclave start`)\n",
                cmd, *id, CG_ID_MAX);
        return 2;
    }
    return 0;
}

/* Wait until the process behind @pidfd has ended (@pid if no pidfd). */
static bool wait_gone(int pidfd, pid_t pid, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        if (pidfd >= 0) {
            struct pollfd pf = {pidfd, POLLIN, 0};
            if (poll(&pf, 1, 100) == 1)
                return true;
        } else {
            if (kill(pid, 0) != 0 && errno == ESRCH)
                return true;
            usleep(100 * 1000);
        }
    }
    return false;
}

static int cmd_stop(int argc, char **argv)
{
    const char *id;
    int u = get_id(argc, argv, "stop", NULL, NULL, &id);
    if (u == 3) {
        printf("usage: cgear enclave stop ID\n\nStops a standalone enclave: its holder destroys it and exits. "
               "A host still\nattached sees its calls fail with CC_ERROR_ENCLAVE_LOST.\n");
        return 0;
    }
    if (u != 0)
        return u;
    char dir[PATH_MAX];
    int d = runtime_dir(dir, sizeof dir, false, "stop");
    if (d == -1)
        return 1;
    struct cg_hold_info info;
    int pidfd = -1;
    int q = d == 0 ? cg_hold_request(dir, id, CG_HOLD_STOP, &info, &pidfd) : -1;
    if (d != 0)
        errno = ENOENT;
    if (q != 0)
        return not_running("stop", dir, id, q, errno);
    if (info.attached_pid)
        fprintf(stderr, "cgear enclave stop: host pid %d was attached to %s; its calls now fail\n",
                info.attached_pid, id);
    bool gone = wait_gone(pidfd, info.holder_pid, 30000);
    if (pidfd >= 0)
        close(pidfd);
    if (!gone) {
        fprintf(stderr, "cgear enclave stop: enclave %s did not stop within 30 s (holder pid %d)\n", id,
                info.holder_pid);
        return 1;
    }
    printf("stopped %s\n", id);
    return 0;
}

static int cmd_console(int argc, char **argv)
{
    const char *id;
    bool no_follow = false;
    int u = get_id(argc, argv, "console", "--no-follow", &no_follow, &id);
    if (u == 3) {
        printf("usage: cgear enclave console ID [--no-follow]\n\n"
               "Streams the console (stdout and stderr) of a debug enclave, started with\n"
               "`cgear enclave start --debug`, from its start, until the enclave stops. With\n"
               "--no-follow, prints what it wrote so far and returns.\n");
        return 0;
    }
    if (u != 0)
        return u;
    char dir[PATH_MAX];
    int d = runtime_dir(dir, sizeof dir, false, "console");
    if (d == -1)
        return 1;
    struct cg_hold_info info;
    int pidfd = -1;
    int q = d == 0 ? cg_hold_request(dir, id, CG_HOLD_INFO, &info, &pidfd) : -1;
    if (d != 0)
        errno = ENOENT;
    if (q != 0)
        return not_running("console", dir, id, q, errno);
    if (!(info.flags & SECGEAR_DEBUG_FLAG)) {
        fprintf(stderr, "cgear enclave console: enclave %s is not a debug enclave, so it has no console (its "
                        "output is discarded); start it with `cgear enclave start --debug` to get one\n",
                id);
        if (pidfd >= 0)
            close(pidfd);
        return 1;
    }
    char log[PATH_MAX];
    path_of(log, sizeof log, dir, id, "log");
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "cgear enclave console: cannot open %s: %s\n", log, strerror(errno));
        if (pidfd >= 0)
            close(pidfd);
        return 1;
    }
    char buf[4096];
    bool last = no_follow;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
                break;
            continue;
        }
        fflush(stdout);
        if (last || n < 0)
            break;
        /* At the end of what was written: wait for more, or for the end. */
        if (wait_gone(pidfd, info.holder_pid, 0))
            last = true; /* one more read drains the final lines */
    }
    close(fd);
    if (pidfd >= 0)
        close(pidfd);
    return 0;
}

static int usage(FILE *out)
{
    fprintf(out, "usage: cgear enclave <command> [options]\n\n"
                 "Standalone enclaves keep running after the command that started them returns;\n"
                 "host programs attach with cc_enclave_create(\"cgear-enclave:ID\", ...).\n\n"
                 "commands:\n"
                 "  start IMAGE [--engine kvm|process|auto] [--cpus N] [--mem MB] [--debug]\n"
                 "                  start an enclave, print its id\n"
                 "  list [--json]   the running enclaves (removes records of dead ones)\n"
                 "  console ID      stream the console of a debug enclave\n"
                 "  stop ID         stop an enclave\n\n"
                 "Run `cgear enclave <command> --help` for details.\n");
    return out == stdout ? 0 : 2;
}

int cgear_enclave_main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *c = argv[1];
    if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0)
        return usage(stdout);
    if (strcmp(c, "start") == 0)
        return cmd_start(argc - 1, argv + 1);
    if (strcmp(c, "list") == 0 || strcmp(c, "ls") == 0)
        return cmd_list(argc - 1, argv + 1);
    if (strcmp(c, "console") == 0)
        return cmd_console(argc - 1, argv + 1);
    if (strcmp(c, "stop") == 0)
        return cmd_stop(argc - 1, argv + 1);
    fprintf(stderr, "cgear enclave: unknown command '%s'\n", c);
    usage(stderr);
    return 2;
}
