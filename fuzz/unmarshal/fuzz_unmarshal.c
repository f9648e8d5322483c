/*
 * fuzz_unmarshal.c - libFuzzer harness for the enclave-side stubs generated
 * from fz.edl: the request of an ECALL comes from the host, which may send
 * anything. Input: byte 0 picks the ECALL (modulo the table size), the rest
 * is the request, delivered as the runtime does (a private buffer of
 * exactly that length, 16-byte aligned). A stub must refuse or accept it
 * without touching memory outside the request and its own response, and
 * must not leak; the user functions below touch every byte they are given,
 * so a length the stub got wrong shows up as an ASan report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cgear_edge_enclave.h"
#include "fz_t.h"

static volatile uint64_t g_sink;

static void touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    size_t i;
    uint64_t s = 0;
    for (i = 0; p && i < n; i++)
        s += b[i];
    g_sink += s;
}

static void fill(void *p, size_t n)
{
    if (p)
        memset(p, 0x5c, n);
}

int f_scalars(long long a, bool b, long double c, struct fz_pt p, wchar_t w, int8_t i8)
{
    g_sink += (uint64_t)a + b + (uint64_t)(c > 0) + p.q + (uint64_t)w + (uint64_t)i8;
    return b ? 1 : 0;
}

size_t f_in(const uint8_t *buf, size_t len)
{
    touch(buf, len);
    return len;
}

void f_out(int32_t *o, uint32_t n)
{
    fill(o, (size_t)n * sizeof *o);
}

void f_inout(uint8_t *p, size_t sz, uint16_t cnt)
{
    if (p) {
        touch(p, sz * cnt);
        fill(p, sz * cnt);
    }
}

size_t f_str(const char *s, char *io)
{
    size_t n = s ? strlen(s) : 0;
    if (io)
        memset(io, 'x', strlen(io) + 1); /* overwrites the terminator too */
    return n;
}

size_t f_wstr(const wchar_t *s, wchar_t *io)
{
    size_t n = s ? wcslen(s) : 0;
    if (io) {
        size_t m = wcslen(io), i;
        for (i = 0; i <= m; i++)
            io[i] = L'y';
    }
    return n;
}

int f_arrays(int a[3][2], uint8_t b[5], struct fz_pt c[2], int u[4])
{
    touch(a, a ? sizeof(int[3][2]) : 0);
    fill(b, b ? 5 : 0);
    if (c) {
        touch(c, 2 * sizeof *c);
        c[1].q++;
    }
    g_sink += (uintptr_t)u;
    return 0;
}

size_t f_expr(uint8_t *p, size_t n, int *q, uint32_t r, uint32_t c, uint8_t *s)
{
    touch(p, p ? n * 2 + 1 : 0);
    fill(q, q ? ((size_t)r * c - 1) * sizeof *q : 0);
    touch(s, s ? (n / 3) * (n % 5) : 0);
    return n;
}

int f_typedefs(fz_blob_ptr p, fz_blob_ptr q, uint8_t k, fz_cstr s, size_t l, fz_arr_t a, fz_arr_t raw)
{
    touch(p, p ? sizeof *p : 0);
    fill(q, q ? (size_t)k * sizeof *q : 0);
    touch(s, s ? l : 0);
    if (a) {
        touch(a, sizeof(fz_arr_t));
        a[6]++;
    }
    g_sink += (uintptr_t)raw;
    return 0;
}

struct fz_pt f_ret_struct(struct fz_pt p, void *u)
{
    g_sink += (uintptr_t)u;
    p.c++;
    return p;
}

void f_none(void)
{
}

int f_private(int x)
{
    return x;
}

/* Every deep-copied member buffer, with the lengths the struct gives. */
static void touch_deep(struct fz_deep *d, int write)
{
    touch(d->v, (size_t)d->n * sizeof *d->v);
    touch(d->c, 4);
    touch(d->b, (size_t)d->k * 2);
    if (write) {
        fill(d->v, (size_t)d->n * sizeof *d->v);
        fill(d->c, 4);
        fill(d->b, (size_t)d->k * 2);
    }
}

int f_deep(struct fz_deep *a, struct fz_deep *b, uint8_t m, struct fz_deep *o, struct fz_deep v)
{
    size_t i;
    if (a)
        touch_deep(a, 0);
    for (i = 0; b && i < m; i++)
        touch_deep(&b[i], 1);
    if (o)
        touch_deep(o, 1);
    touch_deep(&v, 0);
    return 0;
}

/* Message buffers as the enclave runtime provides them, but with a small
 * heap: a request may legitimately ask for a 1 GiB [out] buffer, which
 * would only make the fuzzer slow and hit its RSS limit. Running out of
 * memory is one of the outcomes a stub must handle anyway. */
void *cg_msg_alloc(size_t len)
{
    if (len > ((size_t)16 << 20))
        return NULL;
    return calloc(1, len ? len : 1);
}

void cg_msg_free(void *buf)
{
    free(buf);
}

/* No host here: an OCALL fails as it would with no ECALL in progress. */
/* No shared-memory region here: a zero-copy request is refused. */
void *cg_enclave_shm_span(uint64_t addr, size_t len)
{
    (void)addr;
    (void)len;
    return NULL;
}

cc_enclave_result_t cg_enclave_ocall(uint32_t fn, const cg_iov_t *req, size_t nreq, cg_msg_t *resp)
{
    (void)fn;
    (void)req;
    (void)nreq;
    resp->buf = NULL;
    resp->len = 0;
    return CC_ERROR_OCALL_NOT_ALLOWED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *buf = NULL;
    cg_msg_t out = {NULL, 0};
    uint32_t fn;
    cc_enclave_result_t r;
    if (size < 1 || cg_ecall_table.count == 0)
        return 0;
    fn = data[0] % cg_ecall_table.count;
    data++;
    size--;
    if (posix_memalign(&buf, 16, size ? size : 1) != 0)
        return 0;
    if (size)
        memcpy(buf, data, size);
    r = cg_ecall_table.stubs[fn](buf, size, &out);
    /* Only these three outcomes exist for a stub. */
    if (r != CC_SUCCESS && r != CC_ERROR_BAD_PARAMETERS && r != CC_ERROR_OUT_OF_MEMORY)
        abort();
    if (r == CC_SUCCESS && out.len != 0 && out.buf == NULL)
        abort();
    cg_msg_free(out.buf);
    free(buf);
    return 0;
}
