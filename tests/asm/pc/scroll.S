/* scroll: a boot sector that prints 40 numbered lines through int 10h teletype, waiting
 * 20 ms between lines with int 15h AH=86h, then halts with interrupts off. pagewalk's
 * headless console must copy every line to the terminal in order although the screen
 * has only 25 rows (the early ones have scrolled away by the end of the run). */
        .code16
        .section .boot, "ax"
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %ss
        mov $0x7C00, %sp
        sti
        mov $1, %bp                     /* line number */
1:      mov $msg, %si
        call puts
        mov %bp, %ax
        aam                             /* AH = tens, AL = units */
        add $0x3030, %ax
        push %ax
        mov %ah, %al
        call putc
        pop %ax
        call putc
        mov $'\r', %al
        call putc
        mov $'\n', %al
        call putc
        mov $0x8600, %ax                /* wait CX:DX = 20000 us */
        xor %cx, %cx
        mov $20000, %dx
        int $0x15
        inc %bp
        cmp $40, %bp
        jbe 1b
        mov $done, %si
        call puts
        cli
2:      hlt
        jmp 2b

puts:   lodsb
        test %al, %al
        jz 3f
        call putc
        jmp puts
3:      ret

putc:   mov $0x0E, %ah
        xor %bx, %bx
        int $0x10
        ret

msg:    .asciz "line "
done:   .asciz "all lines printed"
