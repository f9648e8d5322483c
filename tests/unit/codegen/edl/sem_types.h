/* Typedefs used by sem.edl through `include`: the EDL cannot see that they
 * are pointers or arrays, hence [isptr] and [isary]. */
#ifndef CGEAR_TEST_SEM_TYPES_H
#define CGEAR_TEST_SEM_TYPES_H
#include <stdint.h>

typedef struct sem_blob {
    uint8_t b[3];
} sem_blob_t;
typedef sem_blob_t *sem_blob_ptr;
typedef const char *sem_cstr;
typedef int32_t sem_arr_t[5];

#endif
