/*
 * gdb_listen.c - parse CGEAR_GDB and bind its socket (gdb_listen.h).
 */
#define _GNU_SOURCE
#include "gdb_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int refuse(char *why, size_t why_len, const char *spec, const char *what)
{
    snprintf(why, why_len, "CGEAR_GDB=%s: %s (expected unix:PATH or tcp:127.0.0.1:PORT, optionally ,wait)", spec,
             what);
    errno = EINVAL;
    return -1;
}

static int bind_listen(int fd, const struct sockaddr *sa, socklen_t len, const char *spec, char *why, size_t why_len)
{
    if (bind(fd, sa, len) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        snprintf(why, why_len, "CGEAR_GDB=%s: cannot listen: %s", spec, strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int listen_unix(const char *path, const char *spec, char *why, size_t why_len)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    if (path[0] == '\0' || strlen(path) >= sizeof un.sun_path)
        return refuse(why, why_len, spec, "the socket path is empty or too long");
    memcpy(un.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return refuse(why, why_len, spec, "a file that is not a socket is in the way");
        unlink(path); /* left by an earlier enclave: debugging sessions are rerun often */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, why_len, "CGEAR_GDB=%s: socket: %s", spec, strerror(errno));
        return -1;
    }
    return bind_listen(fd, (struct sockaddr *)&un, sizeof un, spec, why, why_len);
}

static int listen_tcp(char *hostport, const char *spec, char *why, size_t why_len)
{
    char *colon = strrchr(hostport, ':');
    if (colon == NULL)
        return refuse(why, why_len, spec, "no port");
    *colon = '\0';
    char *host = hostport, *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port == 0 || port > 65535)
        return refuse(why, why_len, spec, "the port must be 1 to 65535");
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        host++;
    }
    /* Loopback only: the stub gives whoever connects the enclave's memory. */
    struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    bool v6 = false;
    if (strcmp(host, "localhost") == 0) {
        in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, host, &in4.sin_addr) == 1) {
        if ((ntohl(in4.sin_addr.s_addr) >> 24) != 127)
            return refuse(why, why_len, spec, "only a loopback address (127.0.0.0/8, ::1) may serve a debugger");
    } else if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr))
            return refuse(why, why_len, spec, "only a loopback address (127.0.0.0/8, ::1) may serve a debugger");
        v6 = true;
    } else {
        return refuse(why, why_len, spec, "the host must be a loopback address");
    }
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, why_len, "CGEAR_GDB=%s: socket: %s", spec, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return v6 ? bind_listen(fd, (struct sockaddr *)&in6, sizeof in6, spec, why, why_len)
              : bind_listen(fd, (struct sockaddr *)&in4, sizeof in4, spec, why, why_len);
}

int cg_kvm_gdb_listen(const char *spec, bool *wait, char *why, size_t why_len)
{
    char buf[256];
    *wait = false;
    if (strlen(spec) >= sizeof buf)
        return refuse(why, why_len, "...", "too long");
    strcpy(buf, spec);
    size_t n = strlen(buf);
    if (n > 5 && strcmp(buf + n - 5, ",wait") == 0) {
        *wait = true;
        buf[n - 5] = '\0';
    }
    if (strncmp(buf, "unix:", 5) == 0)
        return listen_unix(buf + 5, spec, why, why_len);
    if (strncmp(buf, "tcp:", 4) == 0)
        return listen_tcp(buf + 4, spec, why, why_len);
    return refuse(why, why_len, spec, "unknown kind");
}
