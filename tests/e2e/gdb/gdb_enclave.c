/* Enclave of the gdb test: gdb_add is where the debugger breaks and reads
 * the arguments; gdb_crash reads an unmapped address (a page fault the
 * debugger sees as SIGSEGV). */
#include <stdint.h>

#include "gdb_t.h"

__attribute__((noinline)) int gdb_add(int a, int b)
{
    volatile int sum = a; /* volatile: a line to step over at any -O */
    sum += b;
    return sum;
}

int gdb_crash(int how)
{
    volatile int *p = (volatile int *)(uintptr_t)(0x10 * how);
    return *p;
}
