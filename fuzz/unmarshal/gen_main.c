/* Runs the EDL compiler at build time for the unmarshalling fuzzer. */
#include "codegen.h"

int main(int argc, char **argv)
{
    static char name[] = "codegen";
    if (argc > 0)
        argv[0] = name;
    return cgear_codegen_main(argc, argv);
}
