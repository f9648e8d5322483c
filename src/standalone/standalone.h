/*
 * standalone.h - the runtime directory and the client side of the
 * standalone-enclave protocol (src/abi/hold_abi.h).
 *
 * An internal static library (cgear_standalone) linked into both
 * libcgear_urts (the holder and the attaching host) and the cgear tool
 * (`cgear enclave list/status/stop`), so that the runtime exports none of
 * it. Messages are single datagrams on SOCK_SEQPACKET sockets.
 */
#ifndef CGEAR_STANDALONE_H
#define CGEAR_STANDALONE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hold_abi.h"

/**
 * cg_rt_dir() - the per-user runtime directory for standalone enclaves.
 * @buf:     receives the path.
 * @len:     size of @buf.
 * @create:  create it (mode 0700) if missing.
 * @why:     receives a one-line reason on failure.
 * @why_len: size of @why.
 *
 * The directory must be a real directory owned by the user with no group or
 * other permissions; anything else is refused (never used, never fixed).
 * Return: 0; -1 with @why set (a missing directory without @create sets
 * errno to ENOENT).
 */
int cg_rt_dir(char *buf, size_t len, bool create, char *why, size_t why_len);

/**
 * cg_rt_id_valid() - is @id a well-formed standalone enclave id?
 * @id: the string to check (may be NULL).
 * Return: true for 1..CG_ID_MAX characters from [a-z0-9_-].
 */
bool cg_rt_id_valid(const char *id);

/**
 * cg_hold_connect() - connect to the holder of @id in @dir.
 * @peer_pid: if not NULL, receives the holder's pid (SO_PEERCRED).
 * Return: the connected socket (close-on-exec); -1 with errno set
 * (ENAMETOOLONG, ENOENT/ECONNREFUSED: no holder, EPERM: the socket belongs
 * to another uid).
 */
int cg_hold_connect(const char *dir, const char *id, pid_t *peer_pid);

/**
 * cg_hold_send() - send one datagram of @len bytes, passing @pass_fd along
 * (SCM_RIGHTS) unless it is -1.
 * Return: 0; -1 (errno set; a closed peer does not raise SIGPIPE).
 */
int cg_hold_send(int fd, const void *p, size_t len, int pass_fd);

/**
 * cg_hold_recv_info() - receive one struct cg_hold_info within
 * @timeout_ms (-1: no limit) and check its magic and version.
 * @passed: if not NULL, receives the descriptor passed with it or -1
 *          (others are closed).
 * Return: 0 (strings NUL-terminated); -1 end of file or error (errno);
 * -2 timeout, or a malformed or foreign message.
 */
int cg_hold_recv_info(int fd, struct cg_hold_info *info, int *passed, int timeout_ms);

/**
 * cg_hold_recv_req() - receive one struct cg_hold_req within @timeout_ms
 * and check its magic and version.
 * Return: 0; -1 end of file or error; -2 timeout or malformed.
 */
int cg_hold_recv_req(int fd, struct cg_hold_req *req, int timeout_ms);

/**
 * cg_hold_request() - send one request to the holder of enclave @id.
 * @dir:          the runtime directory (cg_rt_dir()).
 * @id:           the enclave id.
 * @op:           CG_HOLD_INFO or CG_HOLD_STOP.
 * @info:         receives the answer.
 * @holder_pidfd: if not NULL, receives a pidfd of the holder (or -1),
 *                taken while the connection proves it alive; for
 *                CG_HOLD_STOP it becomes readable when the holder exited.
 *
 * Return: 0 answered (check @info->status); -1 no holder listens there
 * (errno ENOENT: no socket; ECONNREFUSED: the holder is gone, the record is
 * stale); -2 the holder did not answer within CG_HOLD_ANSWER_MS or
 * answered garbage.
 */
int cg_hold_request(const char *dir, const char *id, uint32_t op, struct cg_hold_info *info, int *holder_pidfd);

#endif
