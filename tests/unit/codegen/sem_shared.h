/* State shared by the two halves of the semantic test (test_semantics.c and
 * sem_enclave.c): what the enclave functions saw. */
#ifndef SEM_SHARED_H
#define SEM_SHARED_H
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "status.h"

typedef struct sem_seen {
    long long a;
    unsigned b;
    unsigned long c;
    size_t d;
    int8_t e;
    int16_t f;
    int32_t g;
    int64_t h;
    uint8_t i;
    uint16_t j;
    uint32_t k;
    uint64_t l;
    short m;
    unsigned short n;
    signed char o;
    unsigned char p;
    long q;
    unsigned long long r;
    int cst;
    long li;
    unsigned long long ulli;
    float fa;
    double fb;
    long double fc;
    const void *ptrs[4];  /* pointers the last function received */
    size_t lens[4];       /* lengths it computed */
    int out_was_zero;     /* every [out] byte was 0 on entry */
    void *user_check;     /* a [user_check] value as received */
    cc_enclave_result_t ocall_res[8];
    int ocall_val[8];
    const void *deep_ptr[4];       /* deep-copied member pointers as received */
    cc_enclave_result_t deep_res[2]; /* deep-copy OCALLs made by e_deep_ocalls */
    uint64_t deep[8];              /* what they brought back */
} sem_seen_t;

/* Checksum of bytes, the same on both sides of the deep-copy tests. */
static inline uint64_t sem_mix(uint64_t s, const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; p != NULL && i < n; i++)
        s = s * 31 + b[i];
    return s;
}

extern sem_seen_t g_sem;

/* Make the enclave's OCALLs; defined in sem_enclave.c. */
cc_enclave_result_t sem_enc_call(int which, int *val);
#endif
