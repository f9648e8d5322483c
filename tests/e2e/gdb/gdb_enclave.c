/* Enclave of the gdb test: gdb_add is where the debugger breaks and reads
 * the arguments; gdb_crash reads an unmapped address (a page fault the
 * debugger sees as SIGSEGV); gdb_spin runs until the debugger interrupts
 * it and tells it to stop. */
#include <stdint.h>
#include <time.h>

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
 * about @max_seconds have passed; returns how it ended (1: told to stop). */
volatile int gdb_stop_spin;

int gdb_spin(int max_seconds)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        for (volatile int i = 0; i < 100000; i++)
            if (gdb_stop_spin)
                return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= max_seconds)
            return 0;
    }
}
