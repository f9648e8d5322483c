/*
 * hc_decode.c - the guest-controlled argument checks of the KVM engine's
 * hypercalls (see hc_decode.h). Pure: no KVM, no system calls.
 */
#include "hc_decode.h"

#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>

void *cg_hc_gpa_ptr(const struct cg_hc_layout *l, uint64_t gpa, uint64_t len)
{
    uint64_t end;
    if (__builtin_add_overflow(gpa, len, &end))
        return NULL;
    if (end <= l->ram_size)
        return l->ram + gpa;
    /* Subtractions, not window_gpa + window_size: no overflow whatever the
     * layout. */
    if (gpa >= l->window_gpa && gpa - l->window_gpa <= l->window_size &&
        len <= l->window_size - (gpa - l->window_gpa))
        return l->window + (gpa - l->window_gpa);
    return NULL;
}

int64_t cg_hc_decode_futex(const struct cg_hc_layout *l, const struct cg_hcall *h, struct cg_hc_futex *f)
{
    *f = (struct cg_hc_futex){0};
    f->word = cg_hc_gpa_ptr(l, h->a[0], 4);
    if (f->word == NULL || (h->a[0] & 3))
        return -EFAULT;
    if (h->a[1] == FUTEX_WAKE) {
        f->op = FUTEX_WAKE;
        f->count = (int)(h->a[2] > 0x7fffffff ? 0x7fffffff : h->a[2]);
        return 0;
    }
    if (h->a[1] == FUTEX_REQUEUE || h->a[1] == FUTEX_CMP_REQUEUE) {
        /* Private memory only: a host thread asleep on a window word must
         * never be moved to a word the host cannot wake. */
        f->word2 = cg_hc_gpa_ptr(l, h->a[3], 4);
        if (f->word2 == NULL || (h->a[3] & 3))
            return -EFAULT;
        /* both words were checked by cg_hc_gpa_ptr: no overflow */
        if (h->a[0] + 4 > l->ram_size || h->a[3] + 4 > l->ram_size)
            return -EPERM;
        int nwake = (int)(uint32_t)h->a[2], nmove = (int)(uint32_t)(h->a[2] >> 32);
        if (nwake < 0 || nmove < 0)
            return -EINVAL;
        f->op = (int)h->a[1];
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

void *cg_hc_cpu_buf(const struct cg_hc_layout *l, uint32_t index, uint64_t len)
{
    if (index >= CG_G_MAX_CPUS || len > sizeof(((struct cg_cpu *)0)->buf))
        return NULL;
    uint64_t gpa = CG_G_CPU_GPA + (uint64_t)index * CG_G_CPU_SIZE + offsetof(struct cg_cpu, buf);
    uint64_t end = gpa + sizeof(((struct cg_cpu *)0)->buf); /* small constants: no overflow */
    if (end > l->ram_size)
        return NULL; /* the vCPU areas are in RAM, never in the window */
    return l->ram + gpa;
}

bool cg_hc_decode_console(const struct cg_hc_layout *l, uint32_t index, bool debug, const struct cg_hcall *h,
                          int *fd, struct cg_hc_buf *out)
{
    out->ptr = NULL;
    out->len = 0;
    if (!debug || (h->a[0] != 1 && h->a[0] != 2) || h->a[1] > sizeof(((struct cg_cpu *)0)->buf))
        return false;
    out->ptr = cg_hc_cpu_buf(l, index, h->a[1]);
    if (out->ptr == NULL)
        return false;
    out->len = (size_t)h->a[1];
    *fd = (int)h->a[0];
    return true;
}

int64_t cg_hc_decode_random(const struct cg_hc_layout *l, uint32_t index, const struct cg_hcall *h,
                            struct cg_hc_buf *out)
{
    size_t cap = sizeof(((struct cg_cpu *)0)->buf);
    size_t n = h->a[0] > cap ? cap : (size_t)h->a[0];
    out->ptr = cg_hc_cpu_buf(l, index, n);
    out->len = out->ptr != NULL ? n : 0;
    return out->ptr != NULL ? 0 : -EFAULT;
}

int64_t cg_hc_decode_start_cpu(const struct cg_hcall *h, uint32_t threads)
{
    uint64_t i = h->a[0] > CG_G_MAX_CPUS ? CG_G_MAX_CPUS : h->a[0];
    if (i == 0 || i >= threads || i >= CG_G_MAX_CPUS)
        return -EINVAL;
    return (int64_t)i;
}
