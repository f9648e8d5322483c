/*
 * fuzz_hypercall.c - libFuzzer harness for the KVM engine's hypercall
 * argument checks (src/monitor/kvm/hc_decode.c): any hypercall block with
 * any memory layout must give an error or a request whose pointers lie
 * inside the guest's RAM or window.
 *
 * The decoders only compute pointers, never dereference them, so the RAM
 * and the window are fake address ranges (no memory is allocated): every
 * returned range is checked against them explicitly. Each decoder is also
 * compared with a reference copy of the checks as vm.c made them before
 * they moved to hc_decode.c (same errors, same pointers, same counts).
 *
 * Input: a layout (realistic, as cg_vm_run() builds it, or arbitrary),
 * then the hypercall block; addresses can be given relative to the edges
 * of RAM and the window so that the boundaries are found quickly.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc_decode.h"

#define CHECK(c)                                                                                                   \
    do {                                                                                                           \
        if (!(c)) {                                                                                                \
            fprintf(stderr, "fuzz_hypercall.c:%d: check failed: %s\n", __LINE__, #c);                              \
            __builtin_trap();                                                                                      \
        }                                                                                                          \
    } while (0)

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define SIZE_LIMIT (1ull << 44) /* RAM and window sizes: fake ranges apart, inside the address space */
#define RAM_BASE ((uintptr_t)1 << 45)
#define WINDOW_BASE ((uintptr_t)1 << 46)
#define CPU_BUF (sizeof(((struct cg_cpu *)0)->buf))

struct rd {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct rd *r, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && r->n > 0; i++, r->n--, r->p++)
        v |= (uint64_t)*r->p << (8 * i);
    return v;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* An address: raw, or near an edge of RAM or the window. */
static uint64_t take_addr(struct rd *r, const struct cg_hc_layout *l)
{
    uint8_t sel = (uint8_t)take(r, 1);
    int64_t k = (int16_t)take(r, 2);
    switch (sel & 7) {
    case 0: return take(r, 8);
    case 1: return l->ram_size + (uint64_t)k;
    case 2: return l->window_gpa + (uint64_t)k;
    case 3: return l->window_gpa + l->window_size + (uint64_t)k;
    case 4: return (uint64_t)k;
    case 5: return CG_G_CPU_GPA + (uint64_t)k;
    case 6: return UINT64_MAX + (uint64_t)k + 1;
    default: return (take(r, 4) << 2) + (sel >> 3); /* smallish, often aligned */
    }
}

/* ---- the checks as vm.c made them before hc_decode.c ---------------- */

static void *ref_gpa_ptr(const struct cg_hc_layout *vm, uint64_t gpa, uint64_t len)
{
    uint64_t end;
    if (__builtin_add_overflow(gpa, len, &end))
        return NULL;
    if (end <= vm->ram_size)
        return vm->ram + gpa;
    if (gpa >= vm->window_gpa && end <= vm->window_gpa + vm->window_size)
        return vm->window + (gpa - vm->window_gpa);
    return NULL;
}

static int64_t ref_futex(const struct cg_hc_layout *vm, const struct cg_hcall *h, struct cg_hc_futex *f)
{
    *f = (struct cg_hc_futex){0};
    uint32_t *word = ref_gpa_ptr(vm, h->a[0], 4);
    if (word == NULL || (h->a[0] & 3))
        return -EFAULT;
    f->word = word;
    if (h->a[1] == FUTEX_WAKE) {
        f->op = FUTEX_WAKE;
        f->count = (int)(h->a[2] > 0x7fffffff ? 0x7fffffff : h->a[2]);
        return 0;
    }
    if (h->a[1] == FUTEX_REQUEUE || h->a[1] == FUTEX_CMP_REQUEUE) {
        uint32_t *word2 = ref_gpa_ptr(vm, h->a[3], 4);
        if (word2 == NULL || (h->a[3] & 3))
            return -EFAULT;
        if (h->a[0] + 4 > vm->ram_size || h->a[3] + 4 > vm->ram_size)
            return -EPERM;
        int nwake = (int)(uint32_t)h->a[2], nmove = (int)(uint32_t)(h->a[2] >> 32);
        if (nwake < 0 || nmove < 0)
            return -EINVAL;
        f->op = (int)h->a[1];
        f->word2 = word2;
        f->count = nwake;
        f->nmove = nmove;
        f->val3 = (uint32_t)h->a[4];
        return 0;
    }
    if (h->a[1] != FUTEX_WAIT)
        return -ENOSYS;
    f->op = FUTEX_WAIT;
    f->val = (uint32_t)h->a[2];
    if ((int64_t)h->a[3] >= 0) {
        f->has_timeout = true;
        f->timeout.tv_sec = (time_t)(h->a[3] / 1000000000ull);
        f->timeout.tv_nsec = (long)(h->a[3] % 1000000000ull);
    }
    return 0;
}

static int64_t ref_start_cpu(const struct cg_hcall *h, uint32_t threads)
{
    uint32_t index = (uint32_t)(h->a[0] > CG_G_MAX_CPUS ? CG_G_MAX_CPUS : h->a[0]);
    if (index == 0 || index >= threads) /* cg_vcpu_start(), vcpu.c */
        return -EINVAL;
    return index;
}

/* ---- invariants -------------------------------------------------------- */

static bool in_ram(const struct cg_hc_layout *l, const void *p, uint64_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)l->ram;
    return a >= b && a - b <= l->ram_size && len <= l->ram_size - (a - b);
}

static bool in_window(const struct cg_hc_layout *l, const void *p, uint64_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)l->window;
    return a >= b && a - b <= l->window_size && len <= l->window_size - (a - b);
}

/* A pointer for guest range [gpa, gpa + len): exactly where it must be. */
static void check_range(const struct cg_hc_layout *l, const void *p, uint64_t gpa, uint64_t len)
{
    if (in_ram(l, p, len))
        CHECK((uintptr_t)p - (uintptr_t)l->ram == gpa);
    else {
        CHECK(in_window(l, p, len));
        CHECK(gpa >= l->window_gpa && (uintptr_t)p - (uintptr_t)l->window == gpa - l->window_gpa);
    }
}

static void check_gpa(const struct cg_hc_layout *l, bool ref_ok, uint64_t gpa, uint64_t len)
{
    void *p = cg_hc_gpa_ptr(l, gpa, len);
    /* the rule, in 128-bit arithmetic: all of it in RAM or all in the window */
    unsigned __int128 end = (unsigned __int128)gpa + len;
    bool want = end <= UINT64_MAX &&
                (end <= l->ram_size ||
                 (gpa >= l->window_gpa && end <= (unsigned __int128)l->window_gpa + l->window_size));
    CHECK((p != NULL) == want); /* inside: accepted; anywhere else: refused */
    if (p != NULL)
        check_range(l, p, gpa, len);
    if (ref_ok)
        CHECK(p == ref_gpa_ptr(l, gpa, len));
}

/* FZ_HYPERCALL_TRACE=1 in the environment: print what each input decodes to. */
static int g_trace = -1;

static void check_futex(const struct cg_hc_layout *l, bool ref_ok, const struct cg_hcall *h)
{
    struct cg_hc_futex f, g;
    memset(&f, 0xa5, sizeof f);
    int64_t rc = cg_hc_decode_futex(l, h, &f);
    CHECK(rc == 0 || rc == -EFAULT || rc == -EPERM || rc == -EINVAL || rc == -ENOSYS);
    if (g_trace)
        fprintf(stderr, "futex a0 %#llx op %llu: %lld\n", (unsigned long long)h->a[0], (unsigned long long)h->a[1],
                (long long)rc);
    if (ref_ok) {
        int64_t rrc = ref_futex(l, h, &g);
        CHECK(rc == rrc);
        if (rc == 0) {
            CHECK(f.op == g.op && f.word == g.word && f.word2 == g.word2 && f.count == g.count);
            CHECK(f.nmove == g.nmove && f.val == g.val && f.val3 == g.val3 && f.has_timeout == g.has_timeout);
            if (f.has_timeout)
                CHECK(f.timeout.tv_sec == g.timeout.tv_sec && f.timeout.tv_nsec == g.timeout.tv_nsec);
        }
    }
    if (rc != 0)
        return;
    CHECK((h->a[0] & 3) == 0);
    check_range(l, f.word, h->a[0], 4);
    switch (f.op) {
    case FUTEX_WAKE:
        CHECK(f.count >= 0 && f.word2 == NULL);
        break;
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        /* both words private: never a window word */
        CHECK(in_ram(l, f.word, 4) && in_ram(l, f.word2, 4) && (h->a[3] & 3) == 0);
        CHECK(h->a[0] + 4 <= l->ram_size && h->a[3] + 4 <= l->ram_size);
        check_range(l, f.word2, h->a[3], 4);
        CHECK(f.count >= 0 && f.nmove >= 0);
        break;
    case FUTEX_WAIT:
        CHECK(f.word2 == NULL);
        if (f.has_timeout)
            CHECK(f.timeout.tv_sec >= 0 && f.timeout.tv_nsec >= 0 && f.timeout.tv_nsec < 1000000000L);
        break;
    default:
        CHECK(!"unknown futex op");
    }
}

static void check_cpu_buf(const struct cg_hc_layout *l, uint32_t index, const void *p, uint64_t len)
{
    CHECK(index < CG_G_MAX_CPUS && len <= CPU_BUF);
    uint64_t gpa = CG_G_CPU_GPA + (uint64_t)index * CG_G_CPU_SIZE + offsetof(struct cg_cpu, buf);
    CHECK(in_ram(l, p, CPU_BUF)); /* the whole buffer, never the window */
    CHECK((uintptr_t)p - (uintptr_t)l->ram == gpa);
    /* within the vCPU's own area */
    CHECK(offsetof(struct cg_cpu, buf) + CPU_BUF <= CG_G_CPU_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (g_trace < 0)
        g_trace = getenv("FZ_HYPERCALL_TRACE") != NULL;
    struct rd r = {data, size};
    uint8_t mode = (uint8_t)take(&r, 1);
    struct cg_hc_layout l = {(uint8_t *)RAM_BASE, 0, (uint8_t *)WINDOW_BASE, 0, 0};
    if ((mode & 1) == 0) {
        /* as cg_vm_run() lays it out */
        l.ram_size = round_up(16 * MIB + take(&r, 3) * 4096, 2 * MIB);
        l.window_gpa = round_up(l.ram_size, GIB);
        l.window_size = (take(&r, 2) + 1) * 4096;
    } else {
        l.ram_size = take(&r, 8) % (SIZE_LIMIT + 1);
        l.window_gpa = take(&r, 8);
        l.window_size = take(&r, 8) % (SIZE_LIMIT + 1);
    }
    /* the code as it was computes window_gpa + window_size: compare with
     * it only where that does not wrap */
    uint64_t wend;
    bool ref_ok = !__builtin_add_overflow(l.window_gpa, l.window_size, &wend);

    struct cg_hcall h = {0};
    h.nr = take(&r, 1);
    h.a[0] = take_addr(&r, &l);
    h.a[1] = mode & 2 ? take(&r, 8) : take(&r, 1) % 8; /* futex ops are small */
    h.a[2] = take(&r, 8);
    h.a[3] = take_addr(&r, &l);
    h.a[4] = take(&r, 8);
    h.a[5] = take(&r, 8);
    uint32_t index = (uint32_t)take(&r, 1);
    uint32_t threads = (uint32_t)take(&r, 1);
    bool debug = (mode & 4) != 0;

    /* gpa_ptr for both addresses, with the lengths the hypercalls use and
     * with a guest-chosen one */
    check_gpa(&l, ref_ok, h.a[0], 4);
    check_gpa(&l, ref_ok, h.a[3], 4);
    check_gpa(&l, ref_ok, h.a[0], h.a[2]);
    check_gpa(&l, ref_ok, h.a[3], h.a[4] & 0xffff);

    check_futex(&l, ref_ok, &h);

    struct cg_hc_buf b;
    int fd = -1;
    bool wr = cg_hc_decode_console(&l, index, debug, &h, &fd, &b);
    if (g_trace)
        fprintf(stderr, "console %d: fd %d len %zu\n", wr, fd, b.len);
    if (wr) {
        CHECK(debug && (fd == 1 || fd == 2) && (uint64_t)fd == h.a[0]);
        CHECK(b.len == h.a[1] && b.len <= CPU_BUF);
        check_cpu_buf(&l, index, b.ptr, b.len);
    } else {
        CHECK(b.ptr == NULL && b.len == 0);
        /* refused only for a reason: vm.c's own condition, or no vCPU area */
        CHECK(!debug || (h.a[0] != 1 && h.a[0] != 2) || h.a[1] > CPU_BUF ||
              cg_hc_cpu_buf(&l, index, h.a[1]) == NULL);
    }

    int64_t rc = cg_hc_decode_random(&l, index, &h, &b);
    if (rc == 0) {
        CHECK(b.len == (h.a[0] > CPU_BUF ? CPU_BUF : h.a[0]));
        check_cpu_buf(&l, index, b.ptr, b.len);
    } else {
        CHECK(rc == -EFAULT && b.ptr == NULL && b.len == 0);
    }
    /* in a real VM (RAM >= 16 MiB, vCPU index < 64) the buffer is always there */
    if (l.ram_size >= 16 * MIB && index < CG_G_MAX_CPUS)
        CHECK(rc == 0);

    if (g_trace)
        fprintf(stderr, "random %lld len %zu\n", (long long)rc, b.len);
    rc = cg_hc_decode_start_cpu(&h, threads);
    if (g_trace)
        fprintf(stderr, "start_cpu %llu of %u: %lld\n", (unsigned long long)h.a[0], threads, (long long)rc);
    CHECK(rc == -EINVAL || (rc >= 1 && (uint64_t)rc < threads && rc < CG_G_MAX_CPUS && (uint64_t)rc == h.a[0]));
    if (threads <= CG_G_MAX_CPUS) /* what cg_vm_run() allows */
        CHECK(rc == ref_start_cpu(&h, threads));
    return 0;
}
