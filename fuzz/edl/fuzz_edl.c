/*
 * fuzz_edl.c - libFuzzer harness for the EDL parser: any bytes must give a
 * syntax tree or diagnostics, never a crash, a hang or a leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_diag_t d;
    cg_diag_init(&d, false);
    cg_edl_file_t *f = cgear_edl_parse_buffer("fuzz.edl", (const char *)data, size, &d);
    if (f != NULL)
        cg_edl_file_free(f);
    cg_diag_free(&d);
    return 0;
}
