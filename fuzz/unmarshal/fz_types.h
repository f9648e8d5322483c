/* Typedefs of fz.edl that the EDL cannot see through ([isptr], [isary]). */
#ifndef CGEAR_FUZZ_FZ_TYPES_H
#define CGEAR_FUZZ_FZ_TYPES_H
#include <stdint.h>

typedef struct fz_blob {
    uint32_t w[3];
} fz_blob_t;
typedef fz_blob_t *fz_blob_ptr;
typedef const char *fz_cstr;
typedef int16_t fz_arr_t[7];

#endif
