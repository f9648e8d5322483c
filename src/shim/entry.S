/*
 * entry.S - the shim's mode switches, x86-64 style: a GDT, TSS and IDT per
 * vCPU, SYSCALL through MSR_LSTAR, back to user with SYSRETQ.
 *
 * This is the event model of VMX/SVM KVM, and also what the PVM variant of
 * the test machine emulates (docs/kvm-pvm.md). On that variant an IRETQ to
 * user mode works once per vCPU, syscall/sysret round trips work, and the
 * mode tracking breaks after an IRETQ from an exception: so the shim enters
 * user mode with IRETQ exactly once per vCPU, returns from every system
 * call with SYSRETQ, and never returns from an exception (a fault ends the
 * enclave) - except, on VMX/SVM, from a debugger's #BP or single-step #DB
 * of a debug enclave (cg_fault(), gdb_cpu.c). No SWAPGS: per-vCPU data lives at PERCPU in per-vCPU page tables.
 */
#include "shim_asm.h"

    .section .text.entry, "ax"
    .globl cg_shim_start
/* Every vCPU starts here: rsp = its kernel stack (set by the monitor). */
cg_shim_start:
    mov $PERCPU, %edi
    and $-16, %rsp
    call cg_shim_main
    ud2

    .text
/* void cg_enter_user(const struct cg_uregs *r): first entry, by IRETQ. */
    .globl cg_enter_user
cg_enter_user:
    mov UREGS_FSBASE(%rdi), %rax
    wrfsbase %rax
    pushq $USER_DS
    pushq UREGS_RSP(%rdi)
    mov UREGS_RFLAGS(%rdi), %rax
    and $0x0cd5, %eax            /* arithmetic flags and DF only */
    or $0x202, %eax              /* IF and the fixed bit */
    push %rax
    pushq $USER_CS
    pushq UREGS_RIP(%rdi)
    mov UREGS_RAX(%rdi), %rax
    mov UREGS_RBX(%rdi), %rbx
    mov UREGS_RCX(%rdi), %rcx
    mov UREGS_RDX(%rdi), %rdx
    mov UREGS_RSI(%rdi), %rsi
    mov UREGS_RBP(%rdi), %rbp
    mov UREGS_R8(%rdi), %r8
    mov UREGS_R9(%rdi), %r9
    mov UREGS_R10(%rdi), %r10
    mov UREGS_R11(%rdi), %r11
    mov UREGS_R12(%rdi), %r12
    mov UREGS_R13(%rdi), %r13
    mov UREGS_R14(%rdi), %r14
    mov UREGS_R15(%rdi), %r15
    mov UREGS_RDI(%rdi), %rdi
    iretq

/* User SYSCALL: rcx = user rip, r11 = user rflags, rsp = user stack. */
    .globl cg_x86_syscall
cg_x86_syscall:
    mov %rsp, PERCPU + CPU_USER_RSP
    mov PERCPU + CPU_KSTACK, %rsp
    sub $UREGS_SIZE, %rsp
    SAVE_GPRS
    mov %rcx, UREGS_RIP(%rsp)
    mov %r11, UREGS_RFLAGS(%rsp)
    mov PERCPU + CPU_USER_RSP, %rax
    mov %rax, UREGS_RSP(%rsp)
    rdfsbase %rax
    mov %rax, UREGS_FSBASE(%rsp)
    mov $PERCPU, %edi
    mov %rsp, %rsi
    call cg_syscall              /* (struct cg_cpu *, struct cg_uregs *) */
    mov UREGS_RIP(%rsp), %rcx
    mov UREGS_RFLAGS(%rsp), %r11
    and $0x0cd5, %r11d
    or $0x202, %r11d
    mov UREGS_RAX(%rsp), %rax
    mov UREGS_RBX(%rsp), %rbx
    mov UREGS_RDX(%rsp), %rdx
    mov UREGS_RSI(%rsp), %rsi
    mov UREGS_RDI(%rsp), %rdi
    mov UREGS_RBP(%rsp), %rbp
    mov UREGS_R8(%rsp), %r8
    mov UREGS_R9(%rsp), %r9
    mov UREGS_R10(%rsp), %r10
    mov UREGS_R12(%rsp), %r12
    mov UREGS_R13(%rsp), %r13
    mov UREGS_R14(%rsp), %r14
    mov UREGS_R15(%rsp), %r15
    mov UREGS_RSP(%rsp), %rsp
    sysretq

/* Exceptions 0..31: one stub each, then a common path that reports the
 * fault to the monitor (the enclave ends; only a debugger's #BP/#DB
 * returns, below). */
    .balign 16
    .globl cg_x86_vectors
cg_x86_vectors:
    .irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 16
    .if (\v==8)||(\v==10)||(\v==11)||(\v==12)||(\v==13)||(\v==14)||(\v==17)||(\v==21)||(\v==29)||(\v==30)
    pushq $\v
    .else
    pushq $0
    pushq $\v
    .endif
    jmp fault_common
    .endr
fault_common:
    /* stack: vector, error, rip, cs, rflags, rsp, ss. Keep the registers
     * for the monitor's dump (debug enclaves): PERCPU + CPU_FAULT. */
    mov %rax, PERCPU + CPU_FAULT + UREGS_RAX
    mov %rbx, PERCPU + CPU_FAULT + UREGS_RBX
    mov %rcx, PERCPU + CPU_FAULT + UREGS_RCX
    mov %rdx, PERCPU + CPU_FAULT + UREGS_RDX
    mov %rsi, PERCPU + CPU_FAULT + UREGS_RSI
    mov %rdi, PERCPU + CPU_FAULT + UREGS_RDI
    mov %rbp, PERCPU + CPU_FAULT + UREGS_RBP
    mov %r8, PERCPU + CPU_FAULT + UREGS_R8
    mov %r9, PERCPU + CPU_FAULT + UREGS_R9
    mov %r10, PERCPU + CPU_FAULT + UREGS_R10
    mov %r11, PERCPU + CPU_FAULT + UREGS_R11
    mov %r12, PERCPU + CPU_FAULT + UREGS_R12
    mov %r13, PERCPU + CPU_FAULT + UREGS_R13
    mov %r14, PERCPU + CPU_FAULT + UREGS_R14
    mov %r15, PERCPU + CPU_FAULT + UREGS_R15
    mov 16(%rsp), %rax
    mov %rax, PERCPU + CPU_FAULT + UREGS_RIP
    mov 32(%rsp), %rax
    mov %rax, PERCPU + CPU_FAULT + UREGS_RFLAGS
    mov 40(%rsp), %rax
    mov %rax, PERCPU + CPU_FAULT + UREGS_RSP
    rdfsbase %rax
    mov %rax, PERCPU + CPU_FAULT + UREGS_FSBASE
    mov 0(%rsp), %rdi
    mov 8(%rsp), %rsi
    mov %cr2, %rdx
    mov 16(%rsp), %rcx
    mov 40(%rsp), %r8
    mov %rsp, %rbx               /* saved above; the frame is restored below */
    and $-16, %rsp
    call cg_fault
    /* Back only for a debugger's #BP or #DB (cg_fault): only to user mode,
     * with the registers of the fault frame, which the debugger may have
     * moved (rip back onto a breakpoint; TF set for a single step). */
    mov %rbx, %rsp
    testb $3, 24(%rsp)
    jz 1f
    mov PERCPU + CPU_FAULT + UREGS_RIP, %rax
    mov %rax, 16(%rsp)
    mov PERCPU + CPU_FAULT + UREGS_RFLAGS, %rax
    and $0x0dd5, %eax            /* arithmetic flags, DF and TF only */
    or $0x202, %eax              /* IF and the fixed bit */
    mov %rax, 32(%rsp)
    mov PERCPU + CPU_FAULT + UREGS_RSP, %rax
    mov %rax, 40(%rsp)
    mov PERCPU + CPU_FAULT + UREGS_RAX, %rax
    mov PERCPU + CPU_FAULT + UREGS_RBX, %rbx
    mov PERCPU + CPU_FAULT + UREGS_RCX, %rcx
    mov PERCPU + CPU_FAULT + UREGS_RDX, %rdx
    mov PERCPU + CPU_FAULT + UREGS_RSI, %rsi
    mov PERCPU + CPU_FAULT + UREGS_RDI, %rdi
    mov PERCPU + CPU_FAULT + UREGS_RBP, %rbp
    mov PERCPU + CPU_FAULT + UREGS_R8, %r8
    mov PERCPU + CPU_FAULT + UREGS_R9, %r9
    mov PERCPU + CPU_FAULT + UREGS_R10, %r10
    mov PERCPU + CPU_FAULT + UREGS_R11, %r11
    mov PERCPU + CPU_FAULT + UREGS_R12, %r12
    mov PERCPU + CPU_FAULT + UREGS_R13, %r13
    mov PERCPU + CPU_FAULT + UREGS_R14, %r14
    mov PERCPU + CPU_FAULT + UREGS_R15, %r15
    add $16, %rsp                /* vector, error code */
    iretq
1:  and $-16, %rsp
    mov 0(%rbx), %rdi
    mov 8(%rbx), %rsi
    mov %cr2, %rdx
    mov 16(%rbx), %rcx
    mov 40(%rbx), %r8
    call cg_die_fault
    ud2

    .section .note.GNU-stack, "", @progbits
