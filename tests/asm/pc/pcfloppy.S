/* pcfloppy: a 1.44 MB floppy whose boot sector exercises the diskette side of int 13h
 * (drive parameters, whole-track and multi-head CHS reads, write and read back, the usual
 * errors) and reports through port 0xE9 like pcbios.S; the transcript is the same on
 * qemu-system-i386 and pagewalk.
 *
 *   LBA 0        this boot sector
 *   LBA 18..71   a byte pattern (cylinder 0 head 1, cylinder 1 heads 0 and 1, 18 sectors each)
 *   LBA 100      scratch sector for a write + read-back */
        .code16

#include "report16_say.inc"

        .section .boot, "ax"
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7C00, %sp
        ljmp $0, $1f
1:      sti
        cld
        mov %dl, drive
        SAY "dl="
        mov drive, %al
        call hex8
        call nl

        mov $0x08, %ah                  /* drive parameters */
        mov drive, %dl
        push %es
        int $0x13
        pop %es
        pushf                           /* SAY changes the flags */
        SAY "fd.08.cf="
        popf
        call cf
        SAY "fd.08.type="
        mov %bl, %al
        call hex8
        SAY " cx="
        mov %cx, %ax
        call hex16
        SAY " dh="
        mov %dh, %al
        call hex8
        call nl

        mov $0x00, %ah                  /* reset */
        mov drive, %dl
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "fd.00.cf="
        popf
        call cf

        /* three whole tracks: C0 H1, C1 H0, C1 H1 (LBA 18..71) to 1000:0000 */
        mov $0x1000, %ax
        mov %ax, %es
        xor %bx, %bx
        mov $0x0001, %cx
        mov $0x01, %dh
        call rdtrack
        mov $0x0101, %cx
        mov $0x00, %dh
        call rdtrack
        mov $0x0101, %cx
        mov $0x01, %dh
        call rdtrack
        xor %ax, %ax
        mov %ax, %es
        push %ds
        mov $0x1000, %ax
        mov %ax, %ds
        xor %si, %si
        mov $54*512, %cx
        call checksum
        pop %ds
        SAY "fd.sum="
        call hex16
        call nl

        /* write LBA 100 (C2 H1 S11), read it back */
        mov $0x0301, %ax
        mov $0x020B, %cx
        mov $0x01, %dh
        mov drive, %dl
        mov $0x7C00, %bx                /* this boot sector as data */
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "fd.03.cf="
        popf
        call cf
        mov $0x0201, %ax
        mov $0x020B, %cx
        mov $0x01, %dh
        mov drive, %dl
        mov $0x0600, %bx
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "fd.rb.cf="
        popf
        call cf
        mov $0x7C00, %si
        mov $0x0600, %di
        mov $256, %cx
        repe cmpsw
        pushf                           /* SAY changes the flags */
        SAY "fd.rb="
        popf
        jne 2f
        SAY "same\n"
        jmp 3f
2:      SAY "diff\n"
3:      /* sector 19 of an 18-sector track does not exist */
        mov $0x0201, %ax
        mov $0x0013, %cx
        xor %dh, %dh
        mov drive, %dl
        mov $0x0600, %bx
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "fd.s19.cf="
        popf
        call cf

        SAY "done\n"
        mov $0, %al
        out %al, $0xF4
4:      cli
        hlt
        jmp 4b

/* reads the 18 sectors of the track in CH/DH to ES:BX and advances BX; reports CF, AL */
rdtrack:
        mov $0x0212, %ax
        mov drive, %dl
        push %bx
        int $0x13
        pop %bx
        pushf                           /* SAY changes the flags */
        SAY "fd.02.cf="
        popf
        call cf
        add $18*512, %bx
        ret

checksum:
        xor %ax, %ax
        xor %bx, %bx
5:      mov (%si), %bl
        inc %si
        rol $1, %ax
        xor %bx, %ax
        add %bx, %ax
        loop 5b
        ret

cf:     push %ax
        mov $'0', %al
        adc $0, %al
        out %al, $0xE9
        call nl
        pop %ax
        ret

#include "report16.inc"

drive:  .byte 0

        .section .pattern, "a"
        .set i, 0
        .rept 54*512
        .byte (i * 5 + (i >> 9) * 11 + (i >> 7)) & 0xFF
        .set i, i + 1
        .endr
