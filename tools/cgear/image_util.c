/*
 * image_util.c - file and output helpers shared by the image subcommands.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_cmds.h"

uint8_t *cgt_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "cgear: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "cgear: %s is not a regular file\n", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > CG_IMAGE_ELF_MAX + 65536) {
        fprintf(stderr, "cgear: %s is too large (%lld bytes)\n", path, (long long)st.st_size);
        close(fd);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL) {
        fprintf(stderr, "cgear: out of memory reading %s\n", path);
        close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "cgear: cannot read %s: %s\n", path, r < 0 ? strerror(errno) : "file shrank");
            free(buf);
            buf = NULL;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

int cgt_write_file(const char *path, const uint8_t *p, size_t len, unsigned mode)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    size_t tl = strlen(path) + 32;
    char *tmp = malloc(tl);
    if (tmp == NULL) {
        free(copy);
        return -1;
    }
    snprintf(tmp, tl, "%s/.cgear-XXXXXX", dirname(copy));
    free(copy);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "cgear: cannot create a file next to %s: %s\n", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = 0;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        done += (size_t)w;
    }
    if (rc == 0 && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
        rc = -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "cgear: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

void cgt_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void cgt_print_manifest(FILE *f, const struct cg_image_manifest *m)
{
    char engines[32];
    cg_image_engines_str(m->engines, engines, sizeof(engines));
    fprintf(f, "manifest:\n");
    fprintf(f, "  name:             %s\n", m->name);
    fprintf(f, "  version:          %u\n", m->version);
    fprintf(f, "  security_version: %u\n", m->security_version);
    fprintf(f, "  threads:          %u\n", m->threads);
    fprintf(f, "  heap_size:        %llu\n", (unsigned long long)m->heap_size);
    fprintf(f, "  stack_size:       %llu\n", (unsigned long long)m->stack_size);
    fprintf(f, "  shared_memory:    %llu bytes in at most %u blocks\n", (unsigned long long)m->shm_size, m->shm_blocks);
    fprintf(f, "  debug:            %s\n", cg_image_debug_name(m->debug));
    fprintf(f, "  engines:          %s\n", engines);
}

void cgt_json_manifest(FILE *f, const struct cg_image_manifest *m)
{
    fprintf(f, "{\"name\": ");
    cgt_json_str(f, m->name);
    fprintf(f, ", \"version\": %u, \"security_version\": %u, \"threads\": %u, \"heap_size\": %llu, "
               "\"stack_size\": %llu, \"debug\": \"%s\", \"engines\": [",
            m->version, m->security_version, m->threads, (unsigned long long)m->heap_size,
            (unsigned long long)m->stack_size, cg_image_debug_name(m->debug));
    const char *sep = "";
    if (m->engines & CG_IMAGE_ENGINE_PROCESS) {
        fprintf(f, "\"process\"");
        sep = ", ";
    }
    if (m->engines & CG_IMAGE_ENGINE_KVM)
        fprintf(f, "%s\"kvm\"", sep);
    fprintf(f, "]}");
}

bool cgt_hex_equal(const uint8_t *a, size_t n, const char *hex)
{
    if (strlen(hex) != 2 * n)
        return false;
    char mine[2 * CG_IMAGE_HASH_LEN + 1];
    if (n > CG_IMAGE_HASH_LEN)
        return false;
    cg_hex(a, n, mine);
    for (size_t i = 0; i < 2 * n; i++)
        if (tolower((unsigned char)hex[i]) != mine[i])
            return false;
    return true;
}
