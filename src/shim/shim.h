/*
 * shim.h - the guest shim: the only supervisor code in a cgear KVM enclave.
 *
 * It implements the system-call allow-list of src/abi/syscall_policy.h for
 * the unmodified enclave ELF, manages the enclave's memory inside its
 * budget, and turns everything it cannot do itself (futex sleeps, time, the
 * debug console, starting vCPUs, ending the enclave) into hypercalls to
 * cgear-monitor. Freestanding C: no libc, no floating point, no red zone.
 */
#ifndef CGEAR_SHIM_H
#define CGEAR_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "kvm_abi.h"

extern struct cg_boot cg_boot;

/* The current vCPU's area: mapped at the same address in every vCPU's
 * own page tables. */
static inline struct cg_cpu *cg_this_cpu(void)
{
    return (struct cg_cpu *)(uintptr_t)CG_G_PERCPU_VA;
}

/* Guest-physical address to the shim's direct-map pointer. */
static inline void *cg_phys(uint64_t gpa)
{
    return (void *)(uintptr_t)(CG_G_DIRECT_VA + gpa);
}

/* hypercall.c */
int64_t cg_hcall(struct cg_cpu *c, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
_Noreturn void cg_die_fault(uint64_t vector, uint64_t err, uint64_t cr2, uint64_t rip, uint64_t rsp);
void cg_fault(uint64_t vector, uint64_t err, uint64_t cr2, uint64_t rip, uint64_t rsp);
_Noreturn void cg_die_forbidden(uint64_t nr, uint64_t rip);

/* mm.c: the enclave's memory (pool of user pages at CG_G_POOL_VA) */
void cg_mm_init(void);
int64_t cg_mm_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off);
int64_t cg_mm_munmap(uint64_t addr, uint64_t len);
int64_t cg_mm_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags);
/* User VA range -> guest-physical address, or 0 if [va, va+len) is not
 * entirely inside one user range: the pool, the window or an ELF segment
 * (a writable one if @write). */
uint64_t cg_mm_user_gpa(uint64_t va, uint64_t len, int write);
/* Copy from/to user memory with the same checks; 0 or -EFAULT. */
int64_t cg_copy_from_user(void *dst, uint64_t va, uint64_t len);
int64_t cg_copy_to_user(uint64_t va, const void *src, uint64_t len);

/* syscall.c */
void cg_syscall(struct cg_cpu *c, struct cg_uregs *r);
/* entry.S: enters user mode with @r's registers, by IRETQ, on the current
 * stack (the next entry starts again at the top of the kernel stack). */
_Noreturn void cg_enter_user(const struct cg_uregs *r);

/* small helpers (lib.c) */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
