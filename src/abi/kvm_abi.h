/*
 * kvm_abi.h - the contract between cgear-monitor (KVM engine) and the guest
 * shim: guest memory map, per-vCPU area, hypercall numbers.
 *
 * Guest physical memory is one private memslot (shim, page tables, per-vCPU
 * areas, then the enclave's own memory) plus the call window in a second
 * memslot (placed at the first GiB boundary above private memory: guest
 * physical addresses must stay below the CPU's MAXPHYADDR). Guest virtual
 * memory:
 *
 *   0x0000000000400000+  the enclave ELF at its link addresses (user)
 *   CG_G_POOL_VA         heap, stacks and mmap()s of the enclave (user, NX)
 *   CG_G_WINDOW_VA       the call window (user, NX), same size as on the host
 *   CG_G_DIRECT_VA       all of guest-physical memory (supervisor only), the
 *                        shim's view; the shim runs from here
 *
 * Hypercalls: the shim fills its vCPU's struct cg_hcall block and executes
 * `out %al, $CG_HC_PORT` with %al = the call number. The monitor reads the
 * block straight from guest memory (no register transfer), handles the call
 * and writes hc.ret. The shim never trusts the enclave; the monitor never
 * trusts the shim more than the enclave (it validates every address).
 */
#ifndef CGEAR_KVM_ABI_H
#define CGEAR_KVM_ABI_H

#include <stdint.h>
#include "enclave_keys.h"

#define CG_G_PAGE 4096ull
#define CG_G_SHIM_GPA 0x200000ull       /* shim image, up to 2 MiB */
#define CG_G_SHIM_MAX 0x200000ull
#define CG_G_CPU_GPA 0x400000ull        /* per-vCPU areas */
#define CG_G_CPU_SIZE 0x20000ull        /* 128 KiB each: struct + kernel stack */
#define CG_G_MAX_CPUS 64u
#define CG_G_TABLES_GPA 0xC00000ull     /* page tables */
#define CG_G_TABLES_MAX 0x400000ull
#define CG_G_FREE_GPA 0x1000000ull      /* first page given to the enclave */

#define CG_G_DIRECT_VA 0x600000000000ull
/* This vCPU's struct cg_cpu: each vCPU has its own top-level page tables
 * that differ only here, so the shim finds its per-vCPU data at a fixed
 * address (below 2 GiB: reachable with 32-bit absolute addressing). */
#define CG_G_PERCPU_VA 0x70000000ull
#define CG_G_POOL_VA 0x100000000000ull
#define CG_G_WINDOW_VA 0x200000000000ull

#define CG_HC_PORT 0xcc

/* Hypercall numbers (the byte written to CG_HC_PORT). */
enum cg_hcall_nr {
    CG_HC_READY = 1,     /* shim initialised (boot vCPU) */
    CG_HC_EXIT = 2,      /* a0 = status: the whole enclave ends */
    CG_HC_FAULT = 3,     /* a0 = vector, a1 = error code, a2 = cr2, a3 = rip, a4 = rsp; returns
                            CG_HC_FAULT_RESUME only for a debugger's #BP/#DB (gdb) */
    CG_HC_FORBIDDEN = 4, /* a0 = system call number, a1 = rip */
    CG_HC_FUTEX = 5,     /* a0 = gpa, a1 = op, a2 = val, a3 = timeout ns or -1; ret = result or -errno.
                          * op REQUEUE/CMP_REQUEUE: a2 = nr_wake | nr_requeue << 32, a3 = gpa2,
                          * a4 = val3; both words must be private memory */
    CG_HC_TIME = 6,      /* a0 = clock id; ret = ns or -errno */
    CG_HC_CONSOLE = 7,   /* a0 = fd, a1 = length of cpu->buf */
    CG_HC_START_CPU = 8, /* a0 = vCPU index whose start frame is filled */
    CG_HC_CPU_EXIT = 9,  /* this vCPU stops (thread exit) */
    CG_HC_OOM = 10,      /* a0 = bytes requested: the enclave exhausted its budget */
    CG_HC_RANDOM = 11,   /* a0 = bytes (<= 256) of the host kernel's entropy into cpu->buf; ret = bytes */
};

/* CG_HC_FAULT's answer when a debugger resumes a #BP or #DB: the shim
 * returns to user mode with its fault frame (debug enclaves on VMX/SVM). */
#define CG_HC_FAULT_RESUME 1

/* What the monitor writes into the guest at boot (per vCPU area). */
struct cg_hcall {
    uint64_t nr;
    uint64_t a[6];
    int64_t ret;
};

/* User register frame, as saved on entry from user mode. */
struct cg_uregs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rsp, rflags, fsbase;
};
/* The shim's system-call entry saves the user's struct cg_uregs at
 * kstack_top - CG_UREGS_FRAME (UREGS_SIZE in src/shim/shim_asm.h: padded
 * to keep the stack aligned); the debugger reads it there (gdb_cpu.c). */
#define CG_UREGS_FRAME 160

/* The per-vCPU area at CG_G_CPU_GPA + i * CG_G_CPU_SIZE (GS base of the
 * shim). The kernel stack grows down from the end of the area. */
struct cg_cpu {
    uint64_t self;          /* direct-map VA of this struct */
    uint64_t kstack_top;    /* direct-map VA */
    uint64_t user_rsp;      /* scratch on entry */
    uint64_t index;
    uint64_t tid;
    uint64_t clear_tid;     /* CLONE_CHILD_CLEARTID address (user VA) or 0 */
    struct cg_uregs start;  /* the user context a new thread starts with */
    struct cg_hcall hc;
    uint64_t area_gpa;      /* guest-physical address of this struct */
    struct cg_uregs fault;  /* registers at a fault (rip/rsp from the CPU frame) */
    uint64_t gdt[10] __attribute__((aligned(64)));  /* null, null, kcode, kdata, ucode32, udata, ucode, tss(2) */
    uint8_t tss[104] __attribute__((aligned(16)));
    uint64_t idt[64] __attribute__((aligned(16)));  /* 32 gates of 16 bytes */
    uint8_t vif[4096] __attribute__((aligned(4096))); /* the PVM variant's per-vCPU page */
    uint8_t buf[4096];      /* console bounce buffer */
};

/* Boot parameters, written by the monitor at the start of the shim's data
 * (shim symbol cg_boot, at CG_G_SHIM_GPA + CG_BOOT_OFFSET). */
struct cg_boot {
    uint64_t magic;         /* CG_BOOT_MAGIC */
    uint64_t ncpus;
    uint64_t entry;         /* enclave ELF entry point */
    uint64_t user_sp;       /* initial user stack pointer (argc/argv/auxv built) */
    uint64_t pool_va, pool_gpa, pool_size;
    uint64_t pool_used;     /* bytes of the pool already used (initial stack) */
    uint64_t brk_start;     /* user VA after the last ELF segment */
    uint64_t brk_max;       /* brk may grow to here */
    uint64_t window_va, window_size;
    uint64_t window_gpa;    /* the window's memslot: first GiB boundary above private memory */
    uint64_t ram_size;      /* bytes of private guest-physical memory */
    uint64_t debug;
    uint64_t pml4_gpa;
    uint64_t pvm;           /* 1: PVM event ABI, 0: VMX/SVM (IDT/SYSCALL) */
    uint64_t features;      /* CG_FEAT_*: CPU features the guest's CPUID lists */
    uint64_t bitmap_gpa;    /* one bit per pool page, 1 = in use (not user-mapped) */
    uint64_t nseg;          /* ELF segments, for user-pointer checks */
    struct cg_boot_seg {
        uint64_t va, gpa, len, writable;
    } seg[8];
    uint64_t keys_len;      /* bytes in keys (0: no key block) */
    uint8_t keys[CG_KEYS_SIZE]; /* struct cg_enclave_keys (enclave_keys.h), served by read(8) once */
};
/* cg_boot.features: checked before the shim uses an optional instruction
 * (on VMX an instruction the guest's CPUID does not list is a #UD). */
#define CG_FEAT_RDRAND 0x1ull
#define CG_FEAT_RDSEED 0x2ull
#define CG_FEAT_FSGSBASE 0x4ull
#define CG_FEAT_SMEP 0x8ull

#define CG_BOOT_MAGIC 0x746f6f4272616567ull /* "gearBoot" */
#define CG_BOOT_OFFSET 0x100u

#endif
