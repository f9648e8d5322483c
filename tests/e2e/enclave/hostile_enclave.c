/*
 * hostile_enclave.c - an enclave that attacks its host (tests/e2e/hostile.edl).
 *
 * Each ECALL is one attack a malicious enclave could make with nothing but
 * its own code: system calls outside the allow-list or with forbidden
 * arguments, futex tricks on the call window, forged or stalled messages,
 * garbage in the window, never answering. The host side
 * (tests/e2e/host/hostile_host.c) says what each must lead to.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgear_edge_enclave.h"
#include "hostile_t.h"
#include "window.h"

/* The enclave runtime's mapping of the call window (src/enclave/trts.h). */
extern uint8_t *cg_trts_window_base;

#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_PRIVATE_FLAG 128
#define CLONE_PIDFD 0x1000
#define CLONE_NEWUSER 0x10000000
#define SIGCHLD 17
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#define MUSL_THREAD_FLAGS 0x7d0f00 /* what pthread_create() passes */

int hx_add(int a, int b)
{
    return a + b;
}

/* The slot of the ECALL this thread serves: the tests make one call at a
 * time, so it is the one slot whose turn is the enclave's. */
static struct cg_slot_hdr *my_slot(void)
{
    const struct cg_window_hdr *h = (const struct cg_window_hdr *)cg_trts_window_base;
    for (uint32_t i = 0; i < h->nslots; i++) {
        struct cg_slot_hdr *s = (struct cg_slot_hdr *)(cg_trts_window_base + h->slot_offset + i * h->slot_size);
        if (atomic_load(&s->turn) == CG_TURN_ENCLAVE)
            return s;
    }
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static _Noreturn void stall(void)
{
    for (;;)
        sleep_ms(1000);
}

/* Move the host's thread, asleep on this slot's turn word, to a word of
 * ours that nobody will wake; then (maybe) exit. */
int hx_futex_requeue(int private_flag, int then_exit)
{
    struct cg_slot_hdr *s = my_slot();
    if (s == NULL)
        return -1000;
    sleep_ms(200); /* long enough for the host to stop spinning and sleep */
    static uint32_t ours;
    long r = syscall(SYS_futex, &s->turn, FUTEX_CMP_REQUEUE | (private_flag ? FUTEX_PRIVATE_FLAG : 0), 0, INT_MAX,
                     &ours, CG_TURN_ENCLAVE);
    int ret = r < 0 ? -errno : (int)r;
    if (then_exit)
        syscall(SYS_exit_group, 0);
    return ret;
}

int hx_mmap(int which)
{
    long r = 0;
    size_t big = (size_t)2 << 30;
    switch (which) {
    case 0: /* shared anonymous memory is not counted by RLIMIT_DATA */
        r = syscall(SYS_mmap, NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        break;
    case 1: /* nor is a grows-down stack mapping */
        r = syscall(SYS_mmap, NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
        break;
    case 2: /* ordinary memory beyond the budget: ENOMEM, nothing worse */
        r = syscall(SYS_mmap, NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        break;
    case 3: /* executable memory */
        r = syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        break;
    case 4: { /* make a heap page executable */
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return -2000;
        r = syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC);
        break;
    }
    case 5: /* a file mapping of a descriptor that is not the window */
        r = syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE, 0, 0);
        break;
    case 6: /* writing to a descriptor that is not the console */
        r = syscall(SYS_write, 0, "x", 1);
        break;
    case 7: /* hugetlb pages come from a system pool */
        r = syscall(SYS_mmap, NULL, (size_t)2 << 20, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
        break;
    default:
        return -3000;
    }
    return r == -1 ? -errno : 0;
}

int hx_clone(int which)
{
    static uint8_t stack[16384] __attribute__((aligned(16)));
    unsigned long flags = which == 0   ? MUSL_THREAD_FLAGS | CLONE_PIDFD
                          : which == 1 ? MUSL_THREAD_FLAGS | CLONE_NEWUSER
                                       : SIGCHLD;
    int pidfd = -1;
    long r = syscall(SYS_clone, flags, stack + sizeof stack, &pidfd, NULL, NULL);
    if (r == 0)
        syscall(SYS_exit, 0); /* not reached unless the clone was let through */
    return r < 0 ? -errno : (int)r;
}

void hx_exit(int status)
{
    syscall(SYS_exit_group, status);
}

/* Ask the host runtime for a service it does not have, @n times. */
int hx_unknown_service(int n)
{
    int refused = 0;
    for (int i = 0; i < n; i++) {
        cg_msg_t resp = {NULL, 0};
        if (cg_enclave_ocall(0xffff0099u, NULL, 0, &resp) == CC_ERROR_OCALL_NOT_ALLOWED)
            refused++;
        free(resp.buf);
    }
    return refused;
}

/* Write a message of @kind declaring @declared bytes straight into the
 * slot, send @chunks full chunks of it and then never send the rest. */
int hx_forge_message(uint32_t kind, uint64_t declared, int chunks)
{
    struct cg_slot_hdr *s = my_slot();
    if (s == NULL)
        return -1000;
    const struct cg_window_hdr *h = (const struct cg_window_hdr *)cg_trts_window_base;
    uint64_t cap = h->slot_size - CG_SLOT_HDR_SIZE;
    uint8_t *data = (uint8_t *)s + CG_SLOT_HDR_SIZE;
    for (int c = 0; c < chunks; c++) {
        if (c > 0) {
            while (atomic_load(&s->turn) != CG_TURN_ENCLAVE) /* the host's ACK */
                sleep_ms(1);
        }
        memset(data, 0xa5, cap);
        s->kind = kind;
        s->fn = 0;
        s->status = 0;
        s->total = declared;
        s->offset = (uint64_t)c * cap;
        s->len = cap;
        atomic_store(&s->turn, CG_TURN_HOST);
        syscall(SYS_futex, &s->turn, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
    stall();
}

/* A turn value that means nothing, while the host waits on it. */
int hx_garbage_turn(void)
{
    struct cg_slot_hdr *s = my_slot();
    if (s == NULL)
        return -1000;
    atomic_store(&s->turn, 0x5a5a5a5au);
    syscall(SYS_futex, &s->turn, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    stall();
}

int hx_hang(void)
{
    stall();
}

static void *sleeper(void *arg)
{
    (void)arg;
    sleep_ms(20);
    return NULL;
}

/* Start @n threads at once (more than the manifest's), count the ones
 * that started. */
int hx_threads(int n)
{
    pthread_t t[256];
    int ok = 0;
    if (n > 256)
        n = 256;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&t[ok], NULL, sleeper, NULL) == 0)
            ok++;
    }
    for (int i = 0; i < ok; i++)
        pthread_join(t[i], NULL);
    return ok;
}

/* A raw hypercall from enclave code: port I/O to the monitor's port. */
int hx_port_io(void)
{
    __asm__ volatile("outb %%al, $0xcc" ::"a"(5));
    return 0;
}

int hx_take(uint8_t *buf, size_t len)
{
    return buf != NULL && len > 0 ? (int)(buf[0] + buf[len - 1]) : -1;
}

/* An honest, big OCALL: @len bytes of our own memory to the host. */
int hx_ocall_big(size_t len)
{
    uint8_t *p = malloc(len);
    if (p == NULL)
        return -1;
    memset(p, 7, len);
    int r = -1;
    if (ocall_take(&r, p, len) != CC_SUCCESS)
        r = -2;
    free(p);
    return r;
}

/* Hostile pointers and lengths in system calls: each must fail with the
 * same errno Linux gives (EFAULT/EINVAL), on every engine, and nothing
 * else. Returns a bit mask of the probes that did something else. */
int hx_bad_pointers(void)
{
    static const uintptr_t bad[] = {
        0,                        /* NULL */
        1,                        /* misaligned, unmapped */
        0x0000800000000000ull,    /* first non-canonical address */
        0xffff800000000000ull,    /* kernel half */
        0xfffffffffffff000ull,    /* ranges that wrap */
        0x600000000000ull + 0x200000ull, /* the kvm shim's direct map */
    };
    int mask = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *p = (void *)bad[i];
        errno = 0;
        if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p) != -1 || errno != EFAULT)
            mask |= 1;
        if (syscall(SYS_getrandom, p, (size_t)1 << 40, 0) != -1 || errno != EFAULT)
            mask |= 2;
        if (syscall(SYS_futex, p, FUTEX_WAKE, 1, NULL, NULL, 0) != -1 || (errno != EFAULT && errno != EINVAL))
            mask |= 4;
        if (syscall(SYS_nanosleep, p, NULL) != -1 || errno != EFAULT)
            mask |= 8;
        if (syscall(SYS_sched_getaffinity, 0, 128, p) != -1 || errno != EFAULT)
            mask |= 16;
        struct timespec ts = {0, 1};
        if (syscall(SYS_nanosleep, &ts, p) != 0) /* rem is written only when interrupted */
            mask |= 32;
    }
    return mask;
}

#define DIRECT_VA 0x600000000000ull /* the kvm shim's map of guest memory */

/* Overwrite the shim's code with int3 and make a system call. On PVM the
 * page is writable by the enclave (docs/kvm-pvm.md): the guest kernel
 * dies, only this VM. On VMX/SVM the write itself faults; on the process
 * engine nothing is mapped there. */
int hx_overwrite_shim(void)
{
    volatile uint8_t *shim = (volatile uint8_t *)(uintptr_t)(DIRECT_VA + 0x200000ull);
    for (size_t i = 0; i < 64 * 1024; i++)
        shim[i] = 0xcc;
    return (int)syscall(SYS_getpid);
}

/* Point a free entry of the shim's direct-map page table at guest-physical
 * 256 GiB, far outside the VM's memory, and touch it. Only PVM lets the
 * enclave write its page tables; the access must then stop at KVM (no
 * memory slot there), never reach the host. The page directory is a page
 * of our own, found in the direct map by its contents (2 MiB pages work
 * everywhere; 1 GiB pages need a CPUID bit the guest may not have). */
static uint8_t g_pd[4096] __attribute__((aligned(4096)));

int hx_map_outside(void)
{
    volatile uint64_t *pml4 = (volatile uint64_t *)(uintptr_t)(DIRECT_VA + 0xC00000ull);
    uint64_t e = pml4[(DIRECT_VA >> 39) & 511];
    volatile uint64_t *pdpt = (volatile uint64_t *)(uintptr_t)(DIRECT_VA + (e & 0x000ffffffffff000ull));
    /* mark our page, then find its guest-physical address */
    for (size_t i = 0; i < sizeof g_pd; i++)
        g_pd[i] = (uint8_t)(i * 131 + 7);
    uint64_t gpa = 0;
    for (uint64_t a = 16ull << 20; a < (4ull << 30) && gpa == 0; a += 4096) {
        if (memcmp((const void *)(uintptr_t)(DIRECT_VA + a), g_pd, 64) == 0 &&
            memcmp((const void *)(uintptr_t)(DIRECT_VA + a), g_pd, sizeof g_pd) == 0)
            gpa = a;
    }
    if (gpa == 0)
        return -1;
    memset(g_pd, 0, sizeof g_pd);
    ((volatile uint64_t *)g_pd)[0] = (256ull << 30) | 0x87; /* 2 MiB page: present, writable, user */
    pdpt[500] = gpa | 0x07;                                 /* our page directory */
    return (int)*(volatile uint64_t *)(uintptr_t)(DIRECT_VA + 500ull * (1ull << 30));
}
