/* pagewalk benchmark workloads: one boot image per workload (selected with -DWORKLOAD=n).
 *
 * Each image boots from a hard disk on any PC BIOS, loads its second stage with int 13h,
 * enters 32-bit protected mode with paging on (4 KiB pages identity-mapping the first
 * 16 MiB), runs its workload, reports through the debug port 0xE9 and exits through QEMU's
 * isa-debug-exit port 0xF4 (pagewalk implements the same port); Bochs, which has neither,
 * is stopped through its shutdown port 0x8900.
 *
 * The instruction count each workload prints is known by construction (see the COUNT
 * comments): it covers the timed part only; start-up is measured by the empty image and
 * subtracted by the runner. A REP-prefixed string instruction counts one instruction per
 * iteration (per element moved, stored or scanned). */

#define W_EMPTY 0
#define W_ALU 1
#define W_MEM 2
#define W_TLBFLUSH 3
#define W_STRINGS 4
#define W_TASKSWITCH 5

#define PGDIR 0x14000      /* page directory; page tables at 0x10000-0x13FFF */
#define PGTAB 0x10000
#define TSS_A 0x15000
#define TSS_B 0x15100
#define STR_SRC 0x20000
#define STR_DST 0x21000
#define STR_MAP 0x22000
#define MEM_BASE 0x800000  /* 8 MiB .. 16 MiB: 2048 pages */
#define MEM_PAGES 2048

#define ALU_ITERS 50000000
#define MEM_PASSES 3000
#define FLUSH_PASSES 3000
#define STR_ROUNDS 12000
#define TS_ROUNDS 300000

    .code16
    .section .text
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7C00, %sp
    mov %dl, boot_drive
    /* second stage: sectors 2..17 of cylinder 0, head 0 -> 0x7E00 */
    mov $0x0210, %ax
    mov $0x0002, %cx
    xor %dh, %dh
    mov $0x7E00, %bx
    int $0x13
    jc boot_fail
    /* A20 through the fast gate */
    in $0x92, %al
    or $2, %al
    and $0xFE, %al
    out %al, $0x92
    lgdtl gdt_desc
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $pm32
boot_fail:
    mov $0x0E45, %ax    /* 'E' on the screen */
    int $0x10
1:  hlt
    jmp 1b

    .p2align 3
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF   /* 0x08 code, flat, 32-bit */
    .quad 0x00CF92000000FFFF   /* 0x10 data, flat, 32-bit */
    .word 0x67, TSS_A & 0xFFFF /* 0x18 TSS A, available 386 TSS */
    .byte (TSS_A >> 16) & 0xFF, 0x89, 0x00, (TSS_A >> 24) & 0xFF
    .word 0x67, TSS_B & 0xFFFF /* 0x20 TSS B */
    .byte (TSS_B >> 16) & 0xFF, 0x89, 0x00, (TSS_B >> 24) & 0xFF
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
boot_drive:
    .byte 0

    .org 510
    .word 0xAA55

/* ---------------- second stage (loaded at 0x7E00) ---------------- */
    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $0x90000, %esp

    /* page tables: 4 tables identity-mapping 16 MiB, present|writable */
    mov $PGTAB, %edi
    mov $0x003, %eax
    mov $4096, %ecx
1:  mov %eax, (%edi)
    add $4096, %eax
    add $4, %edi
    dec %ecx
    jnz 1b
    /* page directory: 4 entries, the rest not present */
    mov $PGDIR, %edi
    xor %eax, %eax
    mov $1024, %ecx
    cld
    rep stosl
    movl $(PGTAB + 0x0000 + 3), PGDIR + 0
    movl $(PGTAB + 0x1000 + 3), PGDIR + 4
    movl $(PGTAB + 0x2000 + 3), PGDIR + 8
    movl $(PGTAB + 0x3000 + 3), PGDIR + 12
    mov $PGDIR, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    jmp 2f
2:
    call workload          /* returns the count in %eax, a check value in %edx */
    mov %edx, check_value
    mov %eax, insn_count
    mov $msg_name, %esi
    call puts
    mov $msg_count, %esi
    call puts
    mov insn_count, %eax
    call putdec
    mov $msg_check, %esi
    call puts
    mov check_value, %eax
    call puthex
    mov $'\n', %al
    outb %al, $0xE9
    /* QEMU and pagewalk: isa-debug-exit (status (0 << 1) | 1 = 1) */
    xor %al, %al
    outb %al, $0xF4
    /* Bochs: the shutdown port */
    mov $0x8900, %dx
    mov $msg_shutdown, %esi
3:  lodsb
    test %al, %al
    jz 4f
    outb %al, %dx
    jmp 3b
4:  cli
    hlt
    jmp 4b

puts:                       /* %esi: NUL-terminated string -> port 0xE9 */
    lodsb
    test %al, %al
    jz 1f
    outb %al, $0xE9
    jmp puts
1:  ret

putdec:                     /* %eax unsigned decimal -> port 0xE9 */
    mov $10, %ecx
    xor %ebx, %ebx
1:  xor %edx, %edx
    div %ecx
    push %edx
    inc %ebx
    test %eax, %eax
    jnz 1b
2:  pop %eax
    add $'0', %al
    outb %al, $0xE9
    dec %ebx
    jnz 2b
    ret

puthex:                     /* %eax as 8 hex digits -> port 0xE9 */
    mov $8, %ecx
1:  rol $4, %eax
    mov %eax, %edx
    and $0xF, %edx
    movb hexdigits(%edx), %dl
    xchg %eax, %edx
    outb %al, $0xE9
    xchg %eax, %edx
    dec %ecx
    jnz 1b
    ret

/* ---------------- the workloads ---------------- */
workload:
#if WORKLOAD == W_EMPTY
    xor %eax, %eax
    xor %edx, %edx
    ret
#elif WORKLOAD == W_ALU
    /* COUNT = 5 (setup) + 8 * ALU_ITERS */
    mov $ALU_ITERS, %ecx
    mov $1, %eax
    mov $0x12345678, %ebx
    xor %edx, %edx
    xor %esi, %esi
1:  add %ebx, %eax
    xor %eax, %ebx
    shl $1, %eax
    add %ecx, %edx
    cmp %edx, %eax
    adc $0, %esi
    dec %ecx
    jnz 1b
    xor %ebx, %eax
    xor %esi, %eax
    xor %eax, %edx
    mov $(5 + 8 * ALU_ITERS), %eax
    ret
#elif WORKLOAD == W_MEM || WORKLOAD == W_TLBFLUSH
    /* Reads and writes striding one access per page across 8 MiB (2048 pages), so every
     * access needs a translation that a small TLB no longer holds.
     * mem:      COUNT = 1 + PASSES * (2 + 6 * 2048 + 2)
     * tlbflush: COUNT = 1 + PASSES * (2 + 8 * 2048 + 2 * 512 + 2)  (CR3 reload every 4th page) */
#if WORKLOAD == W_MEM
    mov $MEM_PASSES, %ebp
#else
    mov $FLUSH_PASSES, %ebp
#endif
    xor %edx, %edx
2:  mov $MEM_BASE, %edi
    mov $MEM_PAGES, %ecx
3:  mov (%edi), %eax
    add %ecx, %eax
    mov %eax, 4(%edi)
    add $4096, %edi
#if WORKLOAD == W_TLBFLUSH
    test $3, %ecx
    jnz 4f
    mov %cr3, %eax
    mov %eax, %cr3
4:
#endif
    dec %ecx
    jnz 3b
    dec %ebp
    jnz 2b
    mov MEM_BASE + 4, %edx
#if WORKLOAD == W_MEM
    mov $(1 + MEM_PASSES * (2 + 6 * MEM_PAGES + 2)), %eax
#else
    mov $(1 + FLUSH_PASSES * (2 + 8 * MEM_PAGES + 2 * (MEM_PAGES / 4) + 2)), %eax
#endif
    ret
#elif WORKLOAD == W_STRINGS
    /* A 3840-byte map, all in use but its first byte: the 0.11 allocator's worst case.
     * Per round: 5 + 1024 (rep movsl) + 3 + 1024 (rep stosl) + 5 + 3840 (std; repne scasb)
     *            + 1 (cld) + 1 (add) + 2 (loop) = 7905; COUNT = STR_ROUNDS * 7905 */
    mov $STR_MAP, %edi
    mov $0x01010101, %eax
    mov $960, %ecx
    cld
    rep stosl
    movb $0, STR_MAP
    mov $STR_ROUNDS, %ebp
    xor %edx, %edx
1:  mov $STR_SRC, %esi          /* 1 */
    mov $STR_DST, %edi          /* 2 */
    mov $1024, %ecx             /* 3 */
    cld                         /* 4 */
    rep movsl                   /* 1024 */
    mov $STR_DST, %edi          /* 5 */
    mov $1024, %ecx             /* 6 */
    mov %ebp, %eax              /* 7 */
    rep stosl                   /* 1024 */
    mov $(STR_MAP + 3839), %edi /* 8 */
    mov $3840, %ecx             /* 9 */
    xor %eax, %eax              /* 10 */
    std                         /* 11 */
    repne scasb                 /* 3840 */
    cld                         /* 12 */
    add %ecx, %edx              /* 13 */
    dec %ebp                    /* 14 */
    jnz 1b                      /* 15 */
    add STR_DST + 4092, %edx
    mov $(STR_ROUNDS * 7905), %eax
    ret
#elif WORKLOAD == W_TASKSWITCH
    /* Far jumps between two TSSs, as Linux 0.11's switch_to does.
     * Per round: task A ljmp, dec, jnz + task B ljmp, jmp = 5; the first round skips B's
     * jmp: COUNT = 5 * TS_ROUNDS - 1 */
    mov $TSS_B, %edi           /* build TSS B from scratch */
    xor %eax, %eax
    mov $26, %ecx
    cld
    rep stosl
    movl $PGDIR, TSS_B + 0x1C
    movl $task_b, TSS_B + 0x20
    movl $0x2, TSS_B + 0x24
    movl $0x88000, TSS_B + 0x38
    movl $0x10, TSS_B + 0x48
    movl $0x08, TSS_B + 0x4C
    movl $0x10, TSS_B + 0x50
    movl $0x10, TSS_B + 0x54
    movl $0x10, TSS_B + 0x58
    movl $0x10, TSS_B + 0x5C
    movw $0x68, TSS_B + 0x66
    mov $TSS_A, %edi
    mov $26, %ecx
    rep stosl
    movw $0x68, TSS_A + 0x66
    movl $PGDIR, TSS_A + 0x1C  /* CR3 is loaded from, never saved to, a TSS (Intel SDM 7.3) */
    mov $0x18, %ax
    ltr %ax
    mov $TS_ROUNDS, %ebp
1:  ljmp $0x20, $0
    dec %ebp
    jnz 1b
    mov TSS_B + 0x20, %edx     /* B's saved EIP: proof that it ran */
    mov $(5 * TS_ROUNDS - 1), %eax
    ret
task_b:
    ljmp $0x18, $0
    jmp task_b
#else
#error unknown WORKLOAD
#endif

msg_name:
#if WORKLOAD == W_EMPTY
    .asciz "bench empty"
#elif WORKLOAD == W_ALU
    .asciz "bench alu"
#elif WORKLOAD == W_MEM
    .asciz "bench mem"
#elif WORKLOAD == W_TLBFLUSH
    .asciz "bench tlbflush"
#elif WORKLOAD == W_STRINGS
    .asciz "bench strings"
#else
    .asciz "bench taskswitch"
#endif
msg_count:
    .asciz " insns="
msg_check:
    .asciz " check="
msg_shutdown:
    .asciz "Shutdown"
hexdigits:
    .ascii "0123456789abcdef"
    .p2align 2
insn_count:
    .long 0
check_value:
    .long 0
    .org 512 + 16 * 512 - 1
    .byte 0
