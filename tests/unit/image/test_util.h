/* test_util.h - helpers shared by the image tests. */
#ifndef CGEAR_TEST_IMAGE_UTIL_H
#define CGEAR_TEST_IMAGE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The whole file at @path, malloc'd (size in *@len), or NULL. */
static inline uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

#endif
