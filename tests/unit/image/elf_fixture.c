/* A tiny static enclave-like executable, the input of test_elf.c. */
#include "cgear_manifest.h"

#ifdef CG_FIXTURE_WITH_MANIFEST
CGEAR_MANIFEST("t", 2u, 1048576ull * 64, 262144ull, 0u);
#endif

int main(void)
{
    return 0;
}
