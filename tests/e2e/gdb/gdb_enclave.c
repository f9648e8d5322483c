/* Enclave of the gdb test: gdb_add is where the debugger breaks and reads
 * the arguments; gdb_crash reads an unmapped address (a page fault the
 * debugger sees as SIGSEGV); gdb_spin runs until the debugger interrupts
 * it and tells it to stop. */
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

/* Spins until the debugger sets gdb_stop_spin (after interrupting it), or
 * for @max_rounds x 2^24 rounds; returns how it ended (1: told to stop).
 * No system call in the loop: an interrupt must find it in enclave code,
 * not in the shim answering one. */
volatile int gdb_stop_spin;

int gdb_spin(int max_rounds)
{
    for (long r = 0; r < (long)max_rounds << 24; r++)
        if (gdb_stop_spin)
            return 1;
    return 0;
}
