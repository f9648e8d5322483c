/*
 * lib.c - the few memory routines the compiler may call in freestanding
 * code. memset and memcpy are one `rep stosb` / `rep movsb` each (fast on
 * every CPU with ERMS, and never slower than a byte loop): munmap() zeroes
 * every page it frees (mm.c), megabytes for a large message buffer, which
 * a byte loop did at about 1 byte per cycle. The others are plain loops.
 */
#include "shim.h"

void *memset(void *d, int c, size_t n)
{
    void *p = d;
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *p = d;
    __asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q) {
        while (n--)
            *p++ = *q++;
    } else {
        p += n;
        q += n;
        while (n--)
            *--p = *--q;
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}
