/* Stand-alone `codegen` used by the tests to generate sources at build time
 * (the real entry is `cgear codegen`, in tools/cgear). */
#include "codegen.h"

int main(int argc, char **argv)
{
    static char name[] = "codegen";
    if (argc > 0)
        argv[0] = name;
    return cgear_codegen_main(argc, argv);
}
