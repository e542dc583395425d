/* A guest stuck for good: every IDT gate leads to an instruction that faults again, so no
 * instruction ever completes (hardware would spin forever). pagewalk must stop with a
 * one-line "livelock" report and exit status 3, quickly, without needing a budget. */
    .code16
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    lgdtl gdtd
    lidtl idtd
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $pm
    .code32
pm: mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7000, %esp
    /* every vector: an interrupt gate to 'bad', which faults (#GP: far jump to a null selector) */
    mov $0x8000, %edi
    mov $256, %ecx
1:  movl $(0x00080000 + bad), (%edi)
    movl $0x00008E00, 4(%edi)
    add $8, %edi
    loop 1b
bad: ljmp $0x0000, $0
    .p2align 3
gdt: .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdtd: .word 23
      .long gdt
idtd: .word 2047
      .long 0x8000
    .org 510
    .word 0xAA55
