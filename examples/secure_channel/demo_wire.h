/*
 * demo_wire.h - the example's own framing on its TCP connection, shared
 * by server and client: each message is a 4-byte big-endian length, then
 * a type byte and that many bytes minus one of payload.
 *   DEMO_CHANNEL  a secure-channel message (handshake), passed to the
 *                 channel's callback on the other side
 *   DEMO_DATA     8-byte big-endian session id, then a channel record
 * The secure channel rides inside; the application chooses its framing.
 */
#ifndef DEMO_WIRE_H
#define DEMO_WIRE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DEMO_CHANNEL = 1, DEMO_DATA = 2 };
#define DEMO_MAX_MSG (1u << 20)

/* Write all @len bytes; 0, or -1. */
static inline int demo_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read exactly @len bytes; 0, or -1 (error or end of stream). */
static inline int demo_read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Send one message of @type with @len bytes of payload. 0, or -1. */
static inline int demo_send(int fd, uint8_t type, const void *payload, size_t len)
{
    uint8_t hdr[5];
    uint32_t total = (uint32_t)len + 1;
    if (len >= DEMO_MAX_MSG)
        return -1;
    hdr[0] = (uint8_t)(total >> 24);
    hdr[1] = (uint8_t)(total >> 16);
    hdr[2] = (uint8_t)(total >> 8);
    hdr[3] = (uint8_t)total;
    hdr[4] = type;
    return demo_write_all(fd, hdr, sizeof hdr) == 0 && demo_write_all(fd, payload, len) == 0 ? 0 : -1;
}

/* Receive one message: its type in *@type and a malloc()ed payload (the
 * caller frees it) of *@len bytes. 0, or -1 (end of stream, error, too big). */
static inline int demo_recv(int fd, uint8_t *type, uint8_t **payload, size_t *len)
{
    uint8_t hdr[5];
    if (demo_read_all(fd, hdr, sizeof hdr) != 0)
        return -1;
    uint32_t total = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (total < 1 || total > DEMO_MAX_MSG)
        return -1;
    *type = hdr[4];
    *len = total - 1;
    *payload = malloc(*len ? *len : 1);
    if (*payload == NULL || demo_read_all(fd, *payload, *len) != 0) {
        free(*payload);
        return -1;
    }
    return 0;
}

static inline void demo_put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline uint64_t demo_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

#endif
