/*
 * new.c - `cgear new NAME [DIR]`: write a ready project (EDL, host, enclave,
 * CMakeLists.txt, README) that builds against the installed cgear package.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "new_cmd.h"

#ifndef CGEAR_INSTALL_LIBDIR
#define CGEAR_INSTALL_LIBDIR "lib"
#endif
/* Used in the README when this cgear is not an installed one: where
 * `make install` puts it by default. */
#define DEFAULT_PREFIX "/usr/local"

static void new_usage(FILE *f)
{
    fprintf(f, "usage: cgear new NAME [DIR]\n\n"
               "Write a new cgear project NAME into DIR (default ./NAME): an EDL, a host\n"
               "program, an enclave, a CMakeLists.txt using find_package(cgear) and a README\n"
               "with the commands to build, run and debug it. The demo makes an ECALL with\n"
               "[in]/[out] buffers, answers an OCALL, and seals and unseals a secret.\n\n"
               "  NAME        [a-z][a-z0-9_]*, at most %d characters\n"
               "  DIR         must not exist, or be an empty folder\n"
               "  -h, --help  this text\n",
            CGT_NEW_NAME_MAX);
}

bool cgt_new_name_ok(const char *name, char *why, size_t whylen)
{
    size_t n = strlen(name);
    if (n == 0) {
        snprintf(why, whylen, "the project name is empty");
        return false;
    }
    if (n > CGT_NEW_NAME_MAX) {
        snprintf(why, whylen, "project name '%.40s...' is longer than %d characters", name, CGT_NEW_NAME_MAX);
        return false;
    }
    /* The name becomes C identifiers (NAME_t.h, NAME_enclave), CMake target
     * and file names: lower-case letters, digits and '_' are safe in all. */
    if (name[0] < 'a' || name[0] > 'z') {
        snprintf(why, whylen, "project name '%s' must start with a lower-case letter (a-z)", name);
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            snprintf(why, whylen, "project name '%s' may only hold a-z, 0-9 and '_' (found '%c')", name, c);
            return false;
        }
    }
    return true;
}

/* Substitute the placeholders of @text into @out, or only count the bytes
 * needed when @out is NULL: two passes give the exact size. */
static size_t expand_into(char *out, const char *text, size_t len, const char *name, const char *prefix)
{
    static const struct {
        const char *key;
        size_t len;
    } keys[] = {{"{{name}}", 8}, {"{{prefix}}", 10}};
    const char *vals[] = {name, prefix};
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = 0;
        while (k < 2 && !(len - i >= keys[k].len && memcmp(text + i, keys[k].key, keys[k].len) == 0))
            k++;
        if (k < 2) {
            size_t vl = strlen(vals[k]);
            if (out != NULL)
                memcpy(out + n, vals[k], vl);
            n += vl;
            i += keys[k].len;
        } else {
            if (out != NULL)
                out[n] = text[i];
            n++;
            i++;
        }
    }
    return n;
}

char *cgt_new_expand(const char *text, size_t len, const char *name, const char *prefix)
{
    size_t n = expand_into(NULL, text, len, name, prefix);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    expand_into(out, text, len, name, prefix);
    out[n] = '\0';
    return out;
}

/* What cgt_new_write() created, removed in reverse order on failure so a
 * failed run leaves DIR as it found it (64 entries: far more than the
 * handful of templates and folders). */
struct undo {
    char *paths[64];
    bool is_dir[64];
    int n;
};

static void undo_add(struct undo *u, const char *path, bool is_dir)
{
    if (u->n < 64) {
        u->paths[u->n] = strdup(path);
        u->is_dir[u->n++] = is_dir;
    }
}

static void undo_run(struct undo *u, bool remove_them)
{
    while (u->n > 0) {
        u->n--;
        if (remove_them && u->paths[u->n] != NULL)
            (void)(u->is_dir[u->n] ? rmdir(u->paths[u->n]) : unlink(u->paths[u->n]));
        free(u->paths[u->n]);
    }
}

/* 1 if @dir is an empty folder, 0 if it does not exist, -1 otherwise (why set). */
static int dir_state(const char *dir, char *why, size_t whylen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, whylen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "%s exists and is not a folder", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(why, whylen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    closedir(d);
    if (!empty) {
        snprintf(why, whylen, "%s exists and is not empty: refusing to write a project into it", dir);
        return -1;
    }
    return 1;
}

/* Create the folders of @rel (a relative path) below @dir. */
static int make_parents(const char *dir, const char *rel, struct undo *u, char *why, size_t whylen)
{
    char path[PATH_MAX];
    for (const char *s = strchr(rel, '/'); s != NULL; s = strchr(s + 1, '/')) {
        int n = snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(s - rel), rel);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            snprintf(why, whylen, "path too long below %s", dir);
            return -1;
        }
        if (mkdir(path, 0755) == 0)
            undo_add(u, path, true);
        else if (errno != EEXIST) {
            snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int cgt_new_write(const char *name, const char *dir, const char *prefix, char *why, size_t whylen)
{
    if (!cgt_new_name_ok(name, why, whylen))
        return -1;
    int state = dir_state(dir, why, whylen);
    if (state < 0)
        return -1;
    struct undo u = {.n = 0};
    if (state == 0) {
        if (mkdir(dir, 0755) != 0) {
            snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
        undo_add(&u, dir, true);
    }
    for (size_t i = 0; i < cgt_template_count; i++) {
        char *rel = cgt_new_expand(cgt_templates[i].path, strlen(cgt_templates[i].path), name, prefix);
        char *text = cgt_new_expand(cgt_templates[i].text, cgt_templates[i].len, name, prefix);
        char path[PATH_MAX];
        int ok = rel != NULL && text != NULL;
        if (!ok)
            snprintf(why, whylen, "out of memory");
        if (ok && (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))) {
            snprintf(why, whylen, "path too long below %s", dir);
            ok = 0;
        }
        if (ok && make_parents(dir, rel, &u, why, whylen) != 0)
            ok = 0;
        if (ok) {
            /* O_EXCL: never overwrite, even if something appeared meanwhile. */
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd < 0) {
                snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
                ok = 0;
            } else {
                undo_add(&u, path, false);
                if (write_all(fd, text, strlen(text)) != 0) {
                    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
                    ok = 0;
                }
                if (close(fd) != 0 && ok) {
                    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
                    ok = 0;
                }
            }
        }
        free(rel);
        free(text);
        if (!ok) {
            undo_run(&u, true);
            return -1;
        }
    }
    undo_run(&u, false);
    return 0;
}

/* The prefix this cgear is installed in (PREFIX/bin/cgear beside
 * PREFIX/LIBDIR/cmake/cgear), so the README's CMAKE_PREFIX_PATH finds this
 * very package; NULL when run from a build tree. */
static char *install_prefix(void)
{
    char exe[PATH_MAX], cfg[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0'; /* exe is now PREFIX/bin */
    slash = strrchr(exe, '/');
    if (slash == NULL || strcmp(slash, "/bin") != 0)
        return NULL;
    *slash = '\0';
    snprintf(cfg, sizeof(cfg), "%s/%s/cmake/cgear/cgearConfig.cmake", exe[0] ? exe : "", CGEAR_INSTALL_LIBDIR);
    if (access(cfg, R_OK) != 0)
        return NULL;
    return strdup(exe[0] ? exe : "/");
}

int cgear_new_main(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            new_usage(stdout);
            return 0;
        }
        new_usage(stderr);
        return 2;
    }
    if (optind >= argc || argc - optind > 2) {
        fprintf(stderr, "cgear new: %s\n", optind >= argc ? "NAME is required" : "too many arguments");
        new_usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    const char *dir = argc - optind == 2 ? argv[optind + 1] : name;
    char why[PATH_MAX + 128];
    if (!cgt_new_name_ok(name, why, sizeof(why))) {
        fprintf(stderr, "cgear new: %s\n", why);
        return 2;
    }
    char *prefix = install_prefix();
    if (cgt_new_write(name, dir, prefix != NULL ? prefix : DEFAULT_PREFIX, why, sizeof(why)) != 0) {
        fprintf(stderr, "cgear new: %s\n", why);
        free(prefix);
        return 1;
    }
    printf("created project %s in %s:\n", name, dir);
    for (size_t i = 0; i < cgt_template_count; i++) {
        char *rel = cgt_new_expand(cgt_templates[i].path, strlen(cgt_templates[i].path), name, "");
        printf("  %s\n", rel != NULL ? rel : cgt_templates[i].path);
        free(rel);
    }
    printf("build and run:\n  cd %s\n  cmake -S . -B build -DCMAKE_PREFIX_PATH=%s && cmake --build build\n"
           "  ./build/%s-host\n",
           dir, prefix != NULL ? prefix : DEFAULT_PREFIX, name);
    if (prefix == NULL)
        fprintf(stderr, "cgear new: note: this cgear is not installed; the README assumes cgear is installed "
                        "in %s (make install)\n", DEFAULT_PREFIX);
    free(prefix);
    return 0;
}
