/* pcbios: a boot sector (plus 14 more sectors it loads) that exercises what a plain PC
 * offers to boot code, and reports every observation through port 0xE9 as "name=value"
 * lines, then exits through the isa-debug-exit port 0xF4. It runs unchanged on
 * qemu-system-i386 (SeaBIOS) and on pagewalk; the two transcripts must be identical, so
 * values that legitimately differ between PCs are reported normalised (buckets, masks).
 *
 *   LBA 0        this boot sector (loaded by the BIOS at 0000:7C00)
 *   LBA 1..15    part two (loaded here through int 13h AH=02 to 0000:7E00)
 *   LBA 60..65   a byte pattern, read through int 13h (CHS) and ATA PIO (LBA28)
 *   LBA 80       scratch sector for an int 13h write + read-back
 *   ...          zero up to 4 cylinders x 16 heads x 63 sectors (2 MiB)
 *
 * Order: int 10h, 11h, 12h, 13h, 15h, 16h (keys typed by the test driver after "keys?"),
 * timer (IRQ0 through int 08h/1Ch, int 1Ah), ATA ports, UART ports, exit. */

        .code16

#include "report16_say.inc"

/* ------------------------------------------------------------------ boot sector */
        .section .boot, "ax"
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7C00, %sp
        ljmp $0, $1f                    /* normalise CS:IP to 0000:7Cxx */
1:      sti
        cld
        mov %dl, boot_drive
        SAY "pcbios: start\n"
        SAY "boot.dl="
        mov boot_drive, %al
        call hex8
        call nl
        /* Part two: 15 sectors from C0 H0 S2 to 0000:7E00. */
        mov $3, %di                     /* retries, as boot sectors do */
2:      mov $0x020F, %ax
        mov $0x0002, %cx
        xor %dh, %dh
        mov boot_drive, %dl
        mov $0x7E00, %bx
        int $0x13
        jnc 3f
        xor %ah, %ah
        int $0x13
        dec %di
        jnz 2b
        SAY "load=FAIL\n"
        jmp finish
3:      SAY "load=ok\n"
        jmp part2

#include "report16.inc"

finish:
        SAY "pcbios: done\n"
        mov $0, %al
        out %al, $0xF4                  /* isa-debug-exit: status (0 << 1) | 1 */
7:      cli
        hlt
        jmp 7b

boot_drive: .byte 0

/* ------------------------------------------------------------------ part two */
        .text
part2:
        call test_int10
        call test_int11_12
        call test_int13
        call test_int15
        call test_int16
        call test_timer
        call test_ata
        call test_uart
        jmp finish

/* CF as "0"/"1" then newline; preserves AX. */
print_cf:
        push %ax
        mov $'0', %al
        adc $0, %al
        out %al, $0xE9
        call nl
        pop %ax
        ret

/* ---- int 10h: video ---- */
test_int10:
        mov $0x0003, %ax                /* set mode 3: clears the screen, cursor 0,0 */
        int $0x10
        mov $0x0E48, %ax                /* teletype "Hi!" */
        xor %bx, %bx
        int $0x10
        mov $0x0E69, %ax
        int $0x10
        mov $0x0E21, %ax
        int $0x10
        SAY "int10.cursor="
        call cursor_rowcol
        mov $0x0200, %ax                /* set cursor row 5 col 10 */
        xor %bh, %bh
        mov $0x050A, %dx
        int $0x10
        mov $0x0958, %ax                /* 'X' x3, attribute 1Eh, cursor does not move */
        mov $0x001E, %bx
        mov $3, %cx
        int $0x10
        SAY "int10.after09="
        call cursor_rowcol
        mov $0x0A59, %ax                /* 'Y' at the cursor, attribute kept */
        xor %bx, %bx
        mov $1, %cx
        int $0x10
        /* AH=13h AL=01: string with attribute BL, cursor updated; ES:BP, CX, DH:DL */
        mov $0x1301, %ax
        mov $0x002F, %bx
        mov $3, %cx
        mov $0x0600, %dx
        mov $str13, %bp
        int $0x10
        SAY "int10.after13="
        call cursor_rowcol
        /* teletype control characters: CR, LF, BS */
        mov $0x0E0D, %ax
        xor %bx, %bx
        int $0x10
        mov $0x0E0A, %ax
        int $0x10
        mov $0x0E41, %ax
        int $0x10
        mov $0x0E08, %ax
        int $0x10
        SAY "int10.ctl="
        call cursor_rowcol
        mov $0x0F00, %ax
        int $0x10
        SAY "int10.mode="
        call hex16                      /* AH columns, AL mode */
        SAY " page="
        mov %bh, %al
        call hex8
        call nl
        /* VGA memory as the services left it */
        push %es
        mov $0xB800, %ax
        mov %ax, %es
        SAY "vga.row0="
        mov %es:0, %ax
        call hex16
        mov %es:2, %ax
        call hex16
        mov %es:4, %ax
        call hex16
        call nl
        SAY "vga.row5="
        mov %es:(5*160+20), %ax
        call hex16
        mov %es:(5*160+24), %ax
        call hex16
        mov %es:(5*160+26), %ax
        call hex16
        call nl
        SAY "vga.row6="
        mov %es:(6*160), %ax
        call hex16
        mov %es:(6*160+4), %ax
        call hex16
        call nl
        pop %es
        /* scroll up one line (AH=06 AL=1) over the whole screen, blank attribute 07 */
        mov $0x0601, %ax
        mov $0x0700, %bx
        xor %cx, %cx
        mov $0x184F, %dx
        int $0x10
        push %es
        mov $0xB800, %ax
        mov %ax, %es
        SAY "vga.scrolled="
        mov %es:(4*160+20), %ax
        call hex16
        mov %es:(24*160), %ax
        call hex16
        call nl
        pop %es
        /* the CRTC cursor agrees with the BIOS's idea of it */
        mov $0x0200, %ax
        xor %bh, %bh
        mov $0x0C21, %dx                /* row 12 col 33 -> cell 993 = 0x3E1 */
        int $0x10
        mov $0x3D4, %dx
        mov $0x0E, %al
        out %al, %dx
        inc %dx
        in %dx, %al
        mov %al, %ah
        dec %dx
        mov $0x0F, %al
        out %al, %dx
        inc %dx
        in %dx, %al
        SAY "crtc.cursor="
        call hex16
        call nl
        mov $0x1200, %ax                /* EGA/VGA info: BH 0 = colour */
        mov $0xFF10, %bx
        int $0x10
        SAY "int10.12.bh="
        mov %bh, %al
        call hex8
        call nl
        ret

/* "RR,CC\n" from int 10h AH=03 page 0. */
cursor_rowcol:
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %dh, %al
        call hex8
        mov $',', %al
        out %al, $0xE9
        mov %dl, %al
        call hex8
        call nl
        ret

/* ---- int 11h/12h: equipment and base memory ---- */
test_int11_12:
        int $0x11
        SAY "int11.video="              /* bits 4-5: initial video mode, 10b = 80x25 colour */
        shr $4, %al
        and $3, %al
        call hex8
        call nl
        int $0x12
        SAY "int12.base>=639:"
        cmp $639, %ax
        jb 1f
        cmp $640, %ax
        ja 1f
        SAY "yes\n"
        ret
1:      SAY "no\n"
        ret

/* ---- int 13h: disk ---- */
test_int13:
        mov $0x08, %ah                  /* drive parameters */
        mov boot_drive, %dl
        push %es
        int $0x13
        pop %es
        pushf                           /* SAY changes the flags */
        SAY "int13.08.cf="
        popf
        call print_cf
        SAY "int13.08.heads-1="
        mov %dh, %al
        call hex8
        SAY " spt="
        mov %cl, %al
        and $0x3F, %al
        call hex8
        SAY " drives="
        mov %dl, %al
        call hex8
        call nl
        mov $0x15, %ah                  /* disk type: 3 = fixed disk */
        mov boot_drive, %dl
        int $0x13
        SAY "int13.15.ah="
        mov %ah, %al
        call hex8
        call nl
        mov $0x00, %ah                  /* reset */
        mov boot_drive, %dl
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "int13.00.cf="
        popf
        call print_cf
        /* the pattern: 3 sectors at C0 H0 S61 (LBA 60-62), 3 at C0 H1 S1 (LBA 63-65) */
        mov $0x0203, %ax
        mov $0x003D, %cx
        xor %dh, %dh
        mov boot_drive, %dl
        mov $0xA000, %bx
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "int13.02a.cf="
        popf
        call print_cf
        SAY "int13.02a.al="
        call hex8
        call nl
        mov $0x0203, %ax
        mov $0x0001, %cx
        mov $0x01, %dh
        mov boot_drive, %dl
        mov $0xA600, %bx
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "int13.02b.cf="
        popf
        call print_cf
        mov $0xA000, %si
        mov $6*512, %cx
        call checksum
        mov %ax, sum13
        SAY "int13.sum="
        call hex16
        call nl
        /* write a sector, read it back (the test runs on an overlay / a snapshot) */
        mov $0xAC00, %di
        mov $256, %cx
        mov $0x1234, %ax
1:      stosw
        add $0x0101, %ax
        loop 1b
        mov $0x0301, %ax                /* LBA 80 = C0 H1 S18 */
        mov $0x0012, %cx
        mov $0x01, %dh
        mov boot_drive, %dl
        mov $0xAC00, %bx
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "int13.03.cf="
        popf
        call print_cf
        mov $0xAE00, %di
        mov $256, %cx
        xor %ax, %ax
        rep stosw
        mov $0x0201, %ax
        mov $0x0012, %cx
        mov $0x01, %dh
        mov boot_drive, %dl
        mov $0xAE00, %bx
        int $0x13
        mov $0xAC00, %si
        mov $0xAE00, %di
        mov $256, %cx
        repe cmpsw
        pushf                           /* SAY changes the flags */
        SAY "int13.readback="
        popf
        jne 2f
        SAY "same\n"
        jmp 3f
2:      SAY "DIFFERENT\n"
3:      mov $0x0401, %ax                /* verify */
        mov $0x0012, %cx
        mov $0x01, %dh
        mov boot_drive, %dl
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "int13.04.cf="
        popf
        call print_cf
        /* there is no second hard disk: an error with CF set */
        mov $0x0201, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        mov $0x81, %dl
        mov $0xAE00, %bx
        int $0x13
        pushf                           /* SAY changes the flags */
        SAY "int13.nodisk.cf="
        popf
        call print_cf
        mov $0x01, %ah                  /* status of the last operation */
        mov boot_drive, %dl
        int $0x13
        mov $0x00, %ah                  /* reset clears the error */
        mov boot_drive, %dl
        int $0x13
        ret

/* prints AX KiB as MiB rounded to the nearest (AX destroyed) */
kib_to_mib:
        add $512, %ax
        shr $10, %ax
        call hex8
        ret

/* checksum of CX bytes at DS:SI into AX (rotate-xor, order sensitive) */
checksum:
        xor %ax, %ax
        xor %bx, %bx
1:      mov (%si), %bl
        inc %si
        rol $1, %ax
        xor %bx, %ax
        add %bx, %ax
        loop 1b
        ret

/* ---- int 15h: memory sizes, A20 ---- */
test_int15:
        mov $0x88, %ah
        int $0x15
        SAY "int15.88.mib="             /* rounded: BIOSes keep a little at the top */
        call kib_to_mib
        call nl
        mov $0xE801, %ax
        xor %bx, %bx
        xor %cx, %cx
        xor %dx, %dx
        int $0x15
        pushf                           /* SAY changes the flags */
        SAY "int15.e801.cf="
        popf
        call print_cf
        SAY "int15.e801.ax.mib="
        call kib_to_mib
        SAY " bx="
        mov %bx, %ax
        call hex16
        call nl
        /* the first E820 entry is usable RAM at 0 */
        mov $0xE820, %eax
        xor %ebx, %ebx
        mov $20, %ecx
        mov $0x534D4150, %edx
        mov $0xB000, %di
        int $0x15
        SAY "int15.e820.sig="
        cmp $0x534D4150, %eax
        jne 1f
        SAY "ok first.type="
        mov 0xB010, %al
        call hex8
        SAY " first.base="
        mov 0xB000, %ax
        call hex16
        call nl
        jmp 2f
1:      SAY "BAD\n"
2:      mov $0x2401, %ax                /* enable A20 */
        int $0x15
        pushf                           /* SAY changes the flags */
        SAY "int15.2401.cf="
        popf
        call print_cf
        mov $0x2402, %ax                /* query: AL = 1 enabled */
        int $0x15
        SAY "int15.2402.al="
        call hex8
        call nl
        /* A20 really on: FFFF:0510 (1 MiB + 0x500) differs from 0000:0500 */
        push %es
        mov $0xFFFF, %ax
        mov %ax, %es
        movw $0x1111, 0x500
        movw $0x2222, %es:0x510
        SAY "a20.on="
        cmpw $0x2222, 0x500
        je 3f
        SAY "yes\n"
        jmp 4f
3:      SAY "no\n"
4:      pop %es
        ret

/* ---- int 16h: keyboard (the driver types "aB\n" after seeing "keys?") ---- */
test_int16:
        mov $0x01, %ah
        int $0x16
        pushf                           /* SAY changes the flags */
        SAY "int16.01.empty="
        popf
        jz 1f
        SAY "no\n"
        jmp 2f
1:      SAY "yes\n"
2:      SAY "keys?\n"
        mov $3, %cx
3:      push %cx
        xor %ah, %ah
        int $0x16
        SAY "int16.00="
        call hex16
        call nl
        pop %cx
        loop 3b
        mov $0x02, %ah
        int $0x16
        SAY "int16.02.shift="
        and $0x0F, %al
        call hex8
        call nl
        ret

/* ---- the timer: IRQ0 -> int 08h -> int 1Ch; int 1Ah ---- */
test_timer:
        cli
        mov 0x1C*4, %ax                 /* save the old int 1Ch vector */
        mov %ax, old1c
        mov 0x1C*4+2, %ax
        mov %ax, old1c+2
        movw $tick1c, 0x1C*4
        movw $0, 0x1C*4+2
        mov 0x46C, %ax
        mov %ax, ticks0
        sti
        xor %ah, %ah
        int $0x1A
        mov %dx, ticks1a
1:      hlt                             /* the timer wakes us up */
        cmpw $5, count1c
        jb 1b
        cli
        mov old1c, %ax
        mov %ax, 0x1C*4
        mov old1c+2, %ax
        mov %ax, 0x1C*4+2
        sti
        SAY "timer.int1c>=5:yes\n"
        SAY "timer.bda="
        mov 0x46C, %ax
        sub ticks0, %ax
        cmp $5, %ax
        jb 2f
        SAY "advanced\n"
        jmp 3f
2:      SAY "STUCK\n"
3:      xor %ah, %ah
        int $0x1A
        SAY "int1a.00="
        sub ticks1a, %dx
        cmp $5, %dx
        jb 4f
        SAY "advanced\n"
        jmp 5f
4:      SAY "STUCK\n"
5:      mov $0x02, %ah
        int $0x1A
        pushf                           /* SAY changes the flags */
        SAY "int1a.02.cf="
        popf
        call print_cf
        mov $0x04, %ah
        int $0x1A
        pushf                           /* SAY changes the flags */
        SAY "int1a.04.cf="
        popf
        call print_cf
        ret

tick1c: incw %cs:count1c
        iret

/* ---- the ATA disk through its ports ---- */
ata_wait:                               /* until BSY clear; AL = status */
        mov $0x1F7, %dx
1:      in %dx, %al
        test $0x80, %al
        jnz 1b
        ret

test_ata:
        call ata_wait
        mov $0x1F6, %dx
        mov $0xA0, %al                  /* master */
        out %al, %dx
        call ata_wait
        mov $0x1F7, %dx
        mov $0xEC, %al                  /* IDENTIFY DEVICE */
        out %al, %dx
        call ata_wait
        SAY "ata.identify.drq="
        shr $3, %al
        and $1, %al
        call hex8
        call nl
        mov $0xB000, %di
        mov $256, %cx
        mov $0x1F0, %dx
        rep insw
        mov $0x1F7, %dx
        in %dx, %al
        SAY "ata.identify.after="       /* BSY, DRQ, ERR all clear */
        and $0x89, %al
        call hex8
        call nl
        SAY "ata.id.w0bit15="
        mov 0xB000, %ax
        shr $15, %ax
        call hex8
        SAY " cyl="
        mov 0xB000+2, %ax
        call hex16
        SAY " heads="
        mov 0xB000+6, %ax
        call hex16
        SAY " spt="
        mov 0xB000+12, %ax
        call hex16
        SAY " lba="
        mov 0xB000+122, %ax
        call hex16
        mov 0xB000+120, %ax
        call hex16
        SAY " cap49lba="
        mov 0xB000+99, %al
        shr $1, %al
        and $1, %al
        call hex8
        call nl
        /* READ SECTORS, LBA 60, 6 sectors, polling DRQ per sector */
        mov $0x1F2, %dx
        mov $6, %al
        out %al, %dx
        inc %dx
        mov $60, %al
        out %al, %dx                    /* LBA 7:0 */
        inc %dx
        xor %al, %al
        out %al, %dx                    /* LBA 15:8 */
        inc %dx
        out %al, %dx                    /* LBA 23:16 */
        inc %dx
        mov $0xE0, %al                  /* LBA mode, master, LBA 27:24 = 0 */
        out %al, %dx
        inc %dx
        mov $0x20, %al
        out %al, %dx
        mov $0xA000, %di
        mov $6, %bx
1:      call ata_wait
        test $0x08, %al
        jz 2f
        mov $256, %cx
        mov $0x1F0, %dx
        rep insw
        dec %bx
        jnz 1b
2:      SAY "ata.read.sectors="
        mov $6, %al
        sub %bl, %al
        call hex8
        call nl
        call ata_wait
        SAY "ata.read.after="
        and $0x89, %al
        call hex8
        call nl
        mov $0xA000, %si
        mov $6*512, %cx
        call checksum
        SAY "ata.sum=int13.sum:"
        cmp sum13, %ax
        jne 3f
        SAY "yes\n"
        jmp 4f
3:      SAY "NO\n"
4:      /* software reset: SRST, then the signature of an ATA device */
        mov $0x3F6, %dx
        mov $0x06, %al                  /* SRST | nIEN */
        out %al, %dx
        mov $100, %cx
5:      in $0x80, %al                   /* a little delay; also a POST-code port read */
        loop 5b
        mov $0x02, %al
        out %al, %dx
        call ata_wait
        SAY "ata.reset.sig="
        mov $0x1F2, %dx
        in %dx, %al
        call hex8                       /* sector count 01 */
        inc %dx
        in %dx, %al
        call hex8                       /* LBA low 01 */
        inc %dx
        in %dx, %al
        call hex8                       /* LBA mid 00 */
        inc %dx
        in %dx, %al
        call hex8                       /* LBA high 00 */
        SAY " error="
        mov $0x1F1, %dx
        in %dx, %al
        call hex8                       /* 01: device 0 passed diagnostics */
        call nl
        mov $0x3F6, %dx
        xor %al, %al                    /* interrupts back on */
        out %al, %dx
        ret

/* ---- the UART at 0x3F8 through its ports ---- */
test_uart:
        mov $0x3FB, %dx
        mov $0x80, %al                  /* DLAB */
        out %al, %dx
        mov $0x3F8, %dx
        mov $12, %al                    /* 9600 baud */
        out %al, %dx
        inc %dx
        xor %al, %al
        out %al, %dx
        mov $0x3FB, %dx
        mov $0x03, %al                  /* 8N1, DLAB off */
        out %al, %dx
        mov $0x80, %al
        out %al, %dx
        mov $0x3F8, %dx
        in %dx, %al
        SAY "uart.dll="
        call hex8
        mov $0x3FB, %dx
        mov $0x03, %al
        out %al, %dx
        in %dx, %al
        SAY " lcr="
        call hex8
        call nl
        mov $0x3FF, %dx
        mov $0x5A, %al
        out %al, %dx
        in %dx, %al
        SAY "uart.scr="
        call hex8
        mov $0x3F9, %dx                 /* IER off */
        xor %al, %al
        out %al, %dx
        mov $0x3FD, %dx
        in %dx, %al
        SAY " lsr="
        call hex8
        mov $0x3FA, %dx
        in %dx, %al
        SAY " iir="
        call hex8
        mov $0x07, %al                  /* FIFO on and cleared */
        out %al, %dx
        in %dx, %al
        SAY " iir.fifo="
        and $0xC0, %al
        call hex8
        call nl
        /* loopback: a byte sent comes back; modem outputs drive the inputs */
        mov $0x3FC, %dx
        mov $0x10, %al
        out %al, %dx
        mov $0x3F8, %dx
        mov $'Q', %al
        out %al, %dx
        mov $0x3FD, %dx
        in %dx, %al
        SAY "uart.loop.dr="
        and $1, %al
        call hex8
        mov $0x3F8, %dx
        in %dx, %al
        SAY " rbr="
        call hex8
        mov $0x3FC, %dx
        mov $0x1F, %al
        out %al, %dx
        mov $0x3FE, %dx
        in %dx, %al
        SAY " msr.hi="
        and $0xF0, %al
        call hex8
        call nl
        mov $0x3FC, %dx
        xor %al, %al
        out %al, %dx
        ret

        .section .rodata
str13:  .ascii "str"

        .data
sum13:  .word 0
old1c:  .word 0, 0
ticks0: .word 0
ticks1a: .word 0
count1c: .word 0

/* ------------------------------------------------------------------ data sectors */
        .section .pattern, "a"
        .set i, 0
        .rept 6*512
        .byte (i * 7 + (i >> 9) * 13 + (i >> 8)) & 0xFF
        .set i, i + 1
        .endr
