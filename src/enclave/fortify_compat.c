/*
 * fortify_compat.c - the three glibc _FORTIFY_SOURCE helpers that Debian's
 * libbearssl.a calls.
 *
 * Debian builds BearSSL against glibc with -D_FORTIFY_SOURCE=2, so its
 * objects call __memcpy_chk() and friends where the compiler knew the size
 * of the destination. musl does not provide them, and the enclave is a
 * static musl binary, so without these the link fails. They do what
 * glibc's do: the operation, after checking that it stays inside the
 * destination object (@dstlen, which is (size_t)-1 when unknown); an
 * overflow aborts the enclave instead of corrupting its memory.
 */
#include <stdlib.h>
#include <string.h>

void *__memcpy_chk(void *dst, const void *src, size_t len, size_t dstlen);
void *__memmove_chk(void *dst, const void *src, size_t len, size_t dstlen);
void *__memset_chk(void *dst, int c, size_t len, size_t dstlen);

void *__memcpy_chk(void *dst, const void *src, size_t len, size_t dstlen)
{
    if (len > dstlen)
        abort();
    return memcpy(dst, src, len);
}

void *__memmove_chk(void *dst, const void *src, size_t len, size_t dstlen)
{
    if (len > dstlen)
        abort();
    return memmove(dst, src, len);
}

void *__memset_chk(void *dst, int c, size_t len, size_t dstlen)
{
    if (len > dstlen)
        abort();
    return memset(dst, c, len);
}
