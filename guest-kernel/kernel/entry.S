/*
 * entry.S - every interrupt, exception and system call enters here.
 *
 * Each vector's stub pushes an error code (0 when the CPU pushes none, Intel 386 PRM 9.9)
 * and its number, then the common path saves segment and general registers into a
 * struct regs (include/sched.h) and calls trap_dispatch(regs) with kernel data segments.
 *
 *   high  [uss useresp]  eflags cs eip  err vec  ds es fs gs  eax ecx edx ebx esp ebp esi edi  low
 */
	.text
.macro STUB_NOERR n
	.globl	isr\n
isr\n:	pushl	$0
	pushl	$\n
	jmp	common
.endm
.macro STUB_ERR n
	.globl	isr\n
isr\n:	pushl	$\n
	jmp	common
.endm

STUB_NOERR 0
STUB_NOERR 1
STUB_NOERR 2
STUB_NOERR 3
STUB_NOERR 4
STUB_NOERR 5
STUB_NOERR 6
STUB_NOERR 7
STUB_ERR   8
STUB_NOERR 9
STUB_ERR   10
STUB_ERR   11
STUB_ERR   12
STUB_ERR   13
STUB_ERR   14
STUB_NOERR 15
STUB_NOERR 16
STUB_ERR   17
STUB_NOERR 32
STUB_NOERR 33
STUB_NOERR 34
STUB_NOERR 35
STUB_NOERR 36
STUB_NOERR 37
STUB_NOERR 38
STUB_NOERR 39
STUB_NOERR 40
STUB_NOERR 41
STUB_NOERR 42
STUB_NOERR 43
STUB_NOERR 44
STUB_NOERR 45
STUB_NOERR 46
STUB_NOERR 47
STUB_NOERR 128
	.globl	isr_unknown
isr_unknown:
	pushl	$0
	pushl	$255
	jmp	common

common:
	pushl	%ds
	pushl	%es
	pushl	%fs
	pushl	%gs
	pushal
	movl	$0x10, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	cld
	pushl	%esp
	call	trap_dispatch
	addl	$4, %esp
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp
	iret

/*
 * Task 0's user-mode code, running in ring 3 inside the kernel image (its LDT segments
 * are based at 0 with a 640 KiB limit). It forks without touching its stack, so the child
 * finds the stack exactly as the parent left it (Linux 0.11 inlines fork() in main for
 * the same reason: after the fork the parent's low pages stay writable, not copy-on-write).
 * The child calls task1_main(); the parent becomes the idle task.
 */
	.globl	task0_user
task0_user:
	movl	$2, %eax		/* fork */
	int	$0x80
	testl	%eax, %eax
	jnz	1f
	call	task1_main
2:	jmp	2b
1:	movl	$29, %eax		/* pause, forever */
	int	$0x80
	jmp	1b
