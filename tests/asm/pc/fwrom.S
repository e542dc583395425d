/* fwrom: a 64 KiB firmware image (not a boot sector) for `pagewalk --bios` and
 * `qemu-system-i386 -bios`: it starts at the reset vector F000:FFF0 with nothing
 * initialised, looks at the board as firmware does (CMOS memory sizes and RTC status,
 * the 8042 self-test, the 8259A after initialisation, the 8254 read-back status) and
 * reports through port 0xE9, then exits through port 0xF4. No stack is used before it is
 * set up; no RAM is assumed beyond what the CMOS says. */
        .code16

.macro SAY str                         /* prints a string; AX kept */
        push %ax
        mov $9f, %si
        call puts
        pop %ax
        .section .rodata
9:      .asciz "\str"
        .text
.endm

        .text
        .globl _start
_start:
        cli
        cld
        xor %ax, %ax
        mov %ax, %ss
        mov $0x7000, %sp
        mov %cs, %ax
        mov %ax, %ds                    /* strings live in the ROM */
        SAY "fw: running, cs="
        mov %cs, %ax
        call hex16
        call nl

        /* CMOS: base memory (15h/16h), extended memory (17h/18h and 30h/31h), status
         * registers B and D. */
        SAY "cmos.base="
        mov $0x16, %al
        call cmos16
        call hex16
        SAY " ext17="
        mov $0x18, %al
        call cmos16
        call hex16
        SAY " ext30="
        mov $0x31, %al
        call cmos16
        call hex16
        call nl
        SAY "cmos.regB="
        mov $0x0B, %al
        out %al, $0x70
        in $0x71, %al
        and $0x06, %al                  /* binary/BCD and 12/24 hour bits */
        call hex8
        SAY " regD="
        mov $0x0D, %al
        out %al, $0x70
        in $0x71, %al
        call hex8
        call nl

        /* 8042: controller self-test answers 55h. */
1:      in $0x64, %al
        test $0x02, %al
        jnz 1b
        mov $0xAA, %al
        out %al, $0x64
2:      in $0x64, %al
        test $0x01, %al
        jz 2b
        in $0x60, %al
        SAY "kbc.selftest="
        call hex8
        call nl

        /* 8259A pair: initialise, then read the masks back. */
        mov $0x11, %al
        out %al, $0x20
        out %al, $0xA0
        mov $0x08, %al
        out %al, $0x21
        mov $0x70, %al
        out %al, $0xA1
        mov $0x04, %al
        out %al, $0x21
        mov $0x02, %al
        out %al, $0xA1
        mov $0x01, %al
        out %al, $0x21
        out %al, $0xA1
        mov $0xB8, %al
        out %al, $0x21
        mov $0x8F, %al
        out %al, $0xA1
        in $0x21, %al
        SAY "pic.imr="
        call hex8
        in $0xA1, %al
        call hex8
        mov $0x0B, %al                  /* OCW3: read ISR */
        out %al, $0x20
        in $0x20, %al
        SAY " isr="
        call hex8
        call nl

        /* 8254 counter 2: mode 2, lobyte/hibyte; read-back of its status byte. */
        mov $0xB4, %al
        out %al, $0x43
        mov $0x34, %al
        out %al, $0x42
        mov $0x12, %al
        out %al, $0x42
        mov $0xE8, %al                  /* read-back: latch status of counter 2 */
        out %al, $0x43
        in $0x42, %al
        SAY "pit.status2="
        and $0x3F, %al                  /* access and mode bits (OUT, null count vary) */
        call hex8
        call nl

        SAY "fw: done\n"
        mov $0, %al
        out %al, $0xF4
3:      cli
        hlt
        jmp 3b

/* AX = 16-bit CMOS value whose high byte is at register AL, low byte at AL-1. */
cmos16: push %bx
        mov %al, %bl
        out %al, $0x70
        in $0x71, %al
        mov %al, %ah
        mov %bl, %al
        dec %al
        out %al, $0x70
        in $0x71, %al
        pop %bx
        ret

puts:   lodsb
        test %al, %al
        jz 4f
        out %al, $0xE9
        jmp puts
4:      ret

nl:     mov $'\n', %al
        out %al, $0xE9
        ret

hex16:  xchg %al, %ah
        call hex8
        xchg %al, %ah
hex8:   push %ax
        shr $4, %al
        call hexdig
        pop %ax
        push %ax
        call hexdig
        pop %ax
        ret
hexdig: and $0x0F, %al
        add $'0', %al
        cmp $'9', %al
        jbe 5f
        add $7, %al
5:      out %al, $0xE9
        ret

        .section .reset, "ax"
        ljmp $0xF000, $_start
