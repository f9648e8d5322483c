/* Types used by the codegen test EDLs (included through `include`). */
#ifndef CGEAR_TEST_RT_TYPES_H
#define CGEAR_TEST_RT_TYPES_H
#include <stdint.h>

typedef struct rt_pair {
    int32_t a;
    double b;
} rt_pair_t;

typedef uint32_t rt_len_t;

#endif
