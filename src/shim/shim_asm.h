/*
 * shim_asm.h - structure offsets and macros for the shim's assembly.
 * boot.c checks every offset against the C structures at compile time.
 */
#ifndef CGEAR_SHIM_ASM_H
#define CGEAR_SHIM_ASM_H

#define USER_CS 0x33
#define USER_DS 0x2b

/* struct cg_cpu, at PERCPU in every vCPU's address space */
#define PERCPU 0x70000000
#define CPU_SELF 0
#define CPU_KSTACK 8
#define CPU_USER_RSP 16
#define CPU_FAULT 0x110 /* checked in boot.c */

/* struct cg_uregs (UREGS_SIZE keeps the kernel stack 16-byte aligned) */
#define UREGS_RAX 0
#define UREGS_RBX 8
#define UREGS_RCX 16
#define UREGS_RDX 24
#define UREGS_RSI 32
#define UREGS_RDI 40
#define UREGS_RBP 48
#define UREGS_R8 56
#define UREGS_R9 64
#define UREGS_R10 72
#define UREGS_R11 80
#define UREGS_R12 88
#define UREGS_R13 96
#define UREGS_R14 104
#define UREGS_R15 112
#define UREGS_RIP 120
#define UREGS_RSP 128
#define UREGS_RFLAGS 136
#define UREGS_FSBASE 144
#define UREGS_SIZE 160

/* PVM vCPU struct (PVCS) */
#define PVCS_EVENT_FLAGS 0
#define PVCS_CR2 8
#define PVCS_USER_CS 64
#define PVCS_USER_SS 66
#define PVCS_EVENT_ERRCODE 68
#define PVCS_EVENT_VECTOR 70
#define PVCS_USER_GSBASE 72
#define PVCS_EFLAGS 80
#define PVCS_PKRU 84
#define PVCS_RIP 88
#define PVCS_RCX 96
#define PVCS_R11 104
#define PVCS_VECTOR_STD 0x100

#ifdef __ASSEMBLER__
.macro SAVE_GPRS
    mov %rax, UREGS_RAX(%rsp)
    mov %rbx, UREGS_RBX(%rsp)
    mov %rcx, UREGS_RCX(%rsp)
    mov %rdx, UREGS_RDX(%rsp)
    mov %rsi, UREGS_RSI(%rsp)
    mov %rdi, UREGS_RDI(%rsp)
    mov %rbp, UREGS_RBP(%rsp)
    mov %r8, UREGS_R8(%rsp)
    mov %r9, UREGS_R9(%rsp)
    mov %r10, UREGS_R10(%rsp)
    mov %r11, UREGS_R11(%rsp)
    mov %r12, UREGS_R12(%rsp)
    mov %r13, UREGS_R13(%rsp)
    mov %r14, UREGS_R14(%rsp)
    mov %r15, UREGS_R15(%rsp)
.endm
#endif

#endif
