/*
 * bootsect.S - the 512-byte boot sector (MBR) of the bundled kernel's disk.
 *
 * The BIOS loads it at 0000:7C00 with DL = boot drive. It asks the BIOS for the drive
 * geometry (int 13h AH=08h), then reads, one sector at a time with CHS int 13h AH=02h:
 *
 *   LBA 1            command-line block  -> 9000:0200  (0x90200)
 *   LBA 2 .. 2+S-1   setup               -> 9000:0400  (0x90400)
 *   LBA 2+S ..       kernel, K sectors   -> 1000:0000  (0x10000, setup moves it down)
 *
 * S, K and the file-system LBA are patched in at 0x1B0/0x1B2/0x1B4 by the image builder
 * (guest-kernel/ABI.md). One sector per call avoids track and 64 KiB DMA boundaries.
 */
	.code16
	.section .text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7C00, %sp
	sti
	movb	%dl, drive

	/* Geometry: CL[5:0] = sectors per track, DH = last head (RBIL int 13h AH=08h). */
	movb	$0x08, %ah
	xorw	%di, %di
	movw	%di, %es
	int	$0x13
	jc	die
	andb	$0x3F, %cl
	movb	%cl, spt
	incb	%dh
	movb	%dh, heads

	/* command line + setup: S+1 sectors from LBA 1 to 0x90200 */
	movw	$1, lba
	movw	$0x9020, %bx
	movw	setup_sects, %cx
	incw	%cx
	call	read_n
	/* kernel: K sectors to 0x10000 */
	movw	$0x1000, %bx
	movw	kernel_sects, %cx
	call	read_n

	movb	drive, %dl
	ljmp	$0x9040, $0

/* read_n: CX sectors starting at [lba] into segment BX onward (512 bytes = 0x20 paragraphs) */
read_n:
	jcxz	2f
1:	pushw	%cx
	pushw	%bx
	movw	%bx, %es
	/* LBA -> CHS: sector = lba % spt + 1; head = (lba / spt) % heads; cyl = lba / spt / heads */
	movw	lba, %ax
	xorw	%dx, %dx
	xorb	%ch, %ch
	movb	spt, %cl
	divw	%cx
	incw	%dx
	movw	%dx, %si		/* sector */
	xorw	%dx, %dx
	movb	heads, %cl
	divw	%cx			/* ax = cylinder, dx = head */
	movb	%dl, %dh
	shlb	$6, %ah
	movw	%si, %cx
	orb	%ah, %cl		/* cylinder bits 8-9 in CL[7:6] */
	movb	%al, %ch
	movb	drive, %dl
	xorw	%bx, %bx
	movw	$3, %di			/* retries */
3:	movw	$0x0201, %ax
	pushw	%di
	int	$0x13
	popw	%di
	jnc	4f
	xorb	%ah, %ah		/* reset and retry */
	int	$0x13
	decw	%di
	jnz	3b
	jmp	die
4:	popw	%bx
	popw	%cx
	addw	$0x20, %bx
	incw	lba
	loop	1b
2:	ret

die:	movw	$msg, %si
5:	lodsb
	orb	%al, %al
	jz	6f
	movb	$0x0E, %ah
	xorw	%bx, %bx
	int	$0x10
	jmp	5b
6:	hlt
	jmp	6b

msg:	.asciz	"boot: disk read error"
drive:	.byte	0x80
spt:	.byte	63
heads:	.byte	16
lba:	.word	0

	.org	0x1B0
setup_sects:	.word	0
kernel_sects:	.word	0
fs_lba:		.long	0
	.org	0x1FE
	.word	0xAA55
