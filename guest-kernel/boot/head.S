/*
 * head.S - the first 32-bit code, at the kernel's link address (KERNEL_BASE = 0x5000).
 *
 * Builds the single page directory at physical 0 and the four page tables after it
 * (0x1000-0x4FFF) that identity-map the first 16 MiB, or all memory when there is less,
 * turns paging on, probes for a coprocessor and calls main().
 *
 *   linear address:  | 31..22 PDX | 21..12 PTX | 11..0 offset |
 *   pg_dir[PDX] -> page table,  table[PTX] -> frame;  entry flags 7 = present|RW|user
 *
 * User bit on the kernel's own map is what lets task 0 run its user-mode code inside the
 * kernel image, as Linux 0.11 does.
 */
	.code32
	.section .text.head, "ax"
	.globl _start, pg_dir
	.set pg_dir, 0
_start:
	movl	$0x10, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$boot_stack_top, %esp
	cld

	/* zero .bss: the flat image stops at the end of .data */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* bytes of RAM = 1 MiB + (KiB above 1 MiB from setup, at 0x90002) * 1024, capped at 16 MiB */
	movzwl	0x90002, %eax
	shll	$10, %eax
	addl	$0x100000, %eax
	cmpl	$0x1000000, %eax
	jbe	1f
	movl	$0x1000000, %eax
1:	shrl	$12, %eax
	movl	%eax, %ecx		/* frames to map */

	/* clear directory + 4 tables (5 pages) */
	xorl	%edi, %edi
	pushl	%ecx
	movl	$5 * 1024, %ecx
	xorl	%eax, %eax
	rep stosl
	popl	%ecx

	/* directory entries: one per 1024 frames, rounded up */
	movl	%ecx, %edx
	addl	$1023, %edx
	shrl	$10, %edx
	movl	$0x1007, %eax
	xorl	%edi, %edi
2:	movl	%eax, (%edi)
	addl	$4, %edi
	addl	$0x1000, %eax
	decl	%edx
	jnz	2b

	/* page table entries, frame i -> i */
	movl	$0x1000, %edi
	movl	$7, %eax
3:	movl	%eax, (%edi)
	addl	$4, %edi
	addl	$0x1000, %eax
	loop	3b

	xorl	%eax, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	andl	$0x80000011, %eax	/* keep PG, ET, PE */
	orl	$2, %eax		/* MP: WAIT honours TS */
	movl	%eax, %cr0
	jmp	4f			/* flush prefetch after enabling paging */
4:
	/* coprocessor probe: after fninit the status word is 0 if an FPU is there.
	 * Without one, clear MP and set EM so FPU instructions trap (#NM). */
	movw	$0x5A5A, %ax
	fninit
	fnstsw	%ax
	cmpb	$0, %al
	je	5f
	movl	%cr0, %eax
	xorl	$6, %eax		/* MP off, EM on */
	movl	%eax, %cr0
	movl	$0, has_fpu
	jmp	6f
5:	movl	$1, has_fpu
6:
	call	main
7:	hlt
	jmp	7b

	.section .bss
	.p2align 12
boot_stack:
	.space	4096
boot_stack_top:
	.section .data
	.globl has_fpu
has_fpu: .long 0
