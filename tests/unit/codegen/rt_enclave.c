/*
 * Enclave half of the round-trip test: the trusted functions of edl/rt.edl,
 * compiled like rt_t.c with rt_enclave_names.h forced in (see
 * test_roundtrip.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "rt_shared.h"
#include "rt_t.h"

const void *g_seen_ptr;
int g_seen_aligned;
int g_noargs_calls;

int t_add(int a, int b)
{
    return a + b;
}

void t_noargs(void)
{
    g_noargs_calls++;
}

double t_dbl(double x, float y)
{
    return x * (double)y;
}

bool t_bool(bool b)
{
    return !b;
}

char t_char(char c)
{
    return (char)(c + 1);
}

int64_t t_i64(int64_t v)
{
    return -v;
}

unsigned long long t_ull(unsigned long long v, long l, short s, unsigned char uc)
{
    return v + (unsigned long long)l + (unsigned long long)(long long)s + uc;
}

size_t t_in(uint8_t *buf, size_t len)
{
    size_t i, sum = 0;
    if (buf == NULL) /* NULL with any length reaches the function as NULL */
        return 0;
    g_seen_ptr = buf;
    g_seen_aligned = ((uintptr_t)buf % 16) == 0;
    for (i = 0; i < len; i++) {
        sum += buf[i];
        buf[i] = 0xFF; /* must stay invisible to the caller */
    }
    return sum;
}

void t_out(int *out, size_t n)
{
    size_t i;
    /* Write only the first half: the rest must reach the caller as zeros. */
    for (i = 0; i < n / 2; i++)
        out[i] = (int)(i * 10 + 1);
}

void t_inout(int *io, int n)
{
    int i;
    for (i = 0; i < n; i++)
        io[i] *= 2;
}

size_t t_str(const char *s, char *io)
{
    size_t i, n;
    if (io == NULL)
        return 1000;
    n = strlen(io);
    if (strcmp(io, "killnul") == 0) {
        memset(io, 'X', n + 1); /* overwrite the terminator: the stub must restore it */
        return strlen(s);
    }
    for (i = 0; i < n; i++)
        if (io[i] >= 'a' && io[i] <= 'z')
            io[i] = (char)(io[i] - 'a' + 'A');
    return strlen(s);
}

void t_sc(uint8_t *p, size_t sz, unsigned int cnt)
{
    size_t i;
    for (i = 0; i < sz * cnt; i++)
        p[i] = (uint8_t)(i + 1);
}

uint64_t t_uc(void *raw)
{
    return (uint64_t)(uintptr_t)raw;
}

struct pt t_pt(struct pt p, enum color c, const struct pt *pp, rt_pair_t pair)
{
    struct pt r;
    memset(&r, 0, sizeof r);
    r.x = p.x + pp->x + (int)c;
    r.y = p.y + pp->y + pair.a + (int)pair.b;
    memcpy(r.tag, "ok!", 4);
    return r;
}

int t_ws(const wchar_t *w)
{
    return (int)wcslen(w);
}

int t_const(char *o16, const int16_t *four)
{
    memcpy(o16, "0123456789abcde", 16);
    return four[0] + four[1] + four[2] + four[3];
}

/* Bit 0: maybe was NULL, bit 1: o was NULL. */
int t_null(const char *maybe, size_t len, char *o, rt_len_t len2)
{
    (void)len;
    if (o)
        memset(o, 'o', len2);
    return (maybe == NULL ? 1 : 0) | (o == NULL ? 2 : 0);
}

/* Enclave code making OCALLs; returns 0 if everything came back right. */

int t_call_ocalls(void)
{
    int r = 0, err = 0;
    long lr = 0;
    char buf[8];
    int io[3] = {1, 2, 3};
    errno = 0;
    if (u_add(&r, 20, 22) != CC_SUCCESS || r != 42)
        err |= 1;
    if (errno != 77) /* propagate_errno */
        err |= 2;
    memset(buf, 0x55, sizeof buf);
    if (u_fill(buf, sizeof buf, "hi") != CC_SUCCESS || memcmp(buf, "hi-hi-h", 8) != 0)
        err |= 4;
    if (u_void() != CC_SUCCESS)
        err |= 8;
    if (u_inout(&lr, io, 3) != CC_SUCCESS || lr != 6 || io[0] != -1 || io[1] != -2 || io[2] != -3)
        err |= 16;
    if (u_add(NULL, 1, 2) != CC_SUCCESS) /* retval may be NULL */
        err |= 32;
    return err;
}

cc_enclave_result_t rt_enc_call_u_void(void)
{
    return u_void();
}
