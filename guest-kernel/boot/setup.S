/*
 * setup.S - real-mode setup, loaded at 9000:0400 by the boot sector.
 *
 * Asks the BIOS what only the BIOS knows, stores it in the parameter block at 0x90000
 * (layout in include/bootparam.h), moves the kernel from 0x10000 down to its link address
 * (KERNEL_BASE), opens A20, loads a provisional GDT and an empty IDT and enters protected
 * mode (Intel 386 PRM, 10.3 "Switching to protected mode"), jumping to the kernel's head.
 */
#define KERNEL_BASE 0x5000
#define PARAM_SEG   0x9000
	.code16
	.section .text
	.globl _start
_start:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	movw	$PARAM_SEG, %ax
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0xF000, %sp		/* below any EBDA at 0x9FC00 */
	sti

	/* video: cursor (int 10h AH=03h) and mode (AH=0Fh) */
	movb	$0x03, %ah
	xorb	%bh, %bh
	int	$0x10
	movw	%dx, %es:0		/* DL = column, DH = row */
	movb	$0x0F, %ah
	int	$0x10
	movw	%bx, %es:4		/* BH = active page */
	movw	%ax, %es:6		/* AL = mode, AH = columns */

	/* memory above 1 MiB in KiB: int 15h AH=88h, else E801 (AX/CX = KiB 1..16 MiB) */
	movb	$0x88, %ah
	int	$0x15
	jc	1f
	testw	%ax, %ax
	jnz	2f
1:	movw	$0xE801, %ax
	int	$0x15
	jc	3f
	testw	%ax, %ax
	jnz	2f
	movw	%cx, %ax
	jmp	2f
3:	movw	$3072, %ax		/* nothing answered: assume 4 MiB */
2:	movw	%ax, %es:2

	/* first hard disk parameter table: far pointer at vector 41h (0:0104) */
	pushw	%ds
	xorw	%ax, %ax
	movw	%ax, %ds
	ldsw	0x104, %si
	movw	$0x80, %di
	movw	$16, %cx
	cld
	rep movsb
	popw	%ds

	/* kernel sector count is still in the boot sector at 0:7DB2 */
	cli
	pushw	%ds
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	0x7DB2, %ax
	popw	%ds
	movw	%ax, %es:8		/* remember K for the kernel */
	/* move K*512 bytes from 0x10000 to KERNEL_BASE in 64 KiB steps (forward copy is
	 * safe: the destination is below the source) */
	addw	$127, %ax
	shrw	$7, %ax			/* number of 64 KiB chunks */
	movw	%ax, %dx
	movw	$0x1000, %bx		/* source segment */
	movw	$(KERNEL_BASE >> 4), %bp	/* destination segment */
4:	pushw	%ds
	movw	%bx, %ds
	movw	%bp, %es
	xorw	%si, %si
	xorw	%di, %di
	movw	$0x8000, %cx
	rep movsw
	popw	%ds
	addw	$0x1000, %bx
	addw	$0x1000, %bp
	decw	%dx
	jnz	4b

	/* A20: 8042 output port (command D1h, data DFh), then the fast A20 bit of port 92h */
	call	kbd_wait
	movb	$0xD1, %al
	outb	%al, $0x64
	call	kbd_wait
	movb	$0xDF, %al
	outb	%al, $0x60
	call	kbd_wait
	inb	$0x92, %al
	orb	$0x02, %al
	andb	$0xFE, %al
	outb	%al, $0x92

	lidtl	idt_desc
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	/* 32-bit far jump to the kernel's head: flush the prefetch queue, load CS */
	.byte	0x66, 0xEA
	.long	KERNEL_BASE
	.word	0x08

kbd_wait:
	inb	$0x64, %al
	testb	$0x02, %al
	jnz	kbd_wait
	ret

	.p2align 3
gdt:	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: code, base 0, 4 GiB, DPL 0 */
	.quad	0x00CF92000000FFFF	/* 0x10: data, base 0, 4 GiB, DPL 0 */
gdt_end:
idt_desc:
	.word	0
	.long	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	0x90400 + gdt		/* linear: setup runs at 9040:0000 */
