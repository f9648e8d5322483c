/*
 * sem_deep.h - what the deep-copy functions of sem.edl compute, shared by
 * the enclave side (sem_enclave.c) and the checks (test_semantics.c).
 * Include after sem_t.h or sem_u.h, which define the structs.
 */
#ifndef CGEAR_SEM_DEEP_H
#define CGEAR_SEM_DEEP_H

#include "sem_shared.h"

static inline uint64_t deep_sum_buf(const struct dbuf *b)
{
    return sem_mix(b->len * 1000003u + b->tag, b->data, b->len);
}

static inline uint64_t deep_sum_multi(const struct dmulti *m)
{
    uint64_t s = m->n;
    s = sem_mix(s, m->vals, (size_t)m->n * sizeof(int32_t));
    s = sem_mix(s, m->fixed, 8);
    return sem_mix(s, m->blob, (size_t)m->n * 2 + 1);
}

#endif
