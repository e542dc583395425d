/* cpurom: the CPU's protected-mode test program, as a 64 KiB firmware ROM (-bios / --bios).
 *
 * It needs no BIOS services: it starts at the reset vector F000:FFF0 in real mode, takes a
 * real-mode INT 3 through the IVT, enters protected mode, and then takes and returns from
 * each fault class, in ring 0 and ring 3, switches tasks, and turns paging on. Every result
 * is one line on port 0xE9; the end writes 0 to the isa-debug-exit port 0xF4. The same
 * transcript (expected.txt) is required from QEMU and from pagewalk.
 *
 * RAM layout (physical = linear; paging maps it 1:1 except the pages noted):
 *   0x1000 GDT (copied from ROM: the CPU writes accessed and busy bits)
 *   0x2000 IDT          0x3000 TSS A (+ I/O bitmap)   0x3100 TSS B   0x3200 TSS C
 *   0x4000 page directory, 0x5000 page table 0-4M, 0x6000 page table 4M-8M
 *   0x8000 stack of task A (ring 0)   0x9000 task B   0xA000 task C   0xB000 ring-0 stack
 *   from ring 3 (TSS A esp0)   0xD000 ring-3 stack   0x10000 variables
 *   0x300000 not present  0x301000 user read-only  0x302000 supervisor only
 *   linear 0x400000 -> physical 0x303000 (alias)
 *
 * QEMU's TCG checks neither data-segment limits nor the use of a null DS/ES in protected
 * mode; nothing here depends on those checks, so that both transcripts can agree.
 *
 * Each exception handler records vector, error code, saved CS:EIP and CR2, then returns to
 * 'resume_eip' (set by the test before the faulting instruction). Intel 386 PRM chapter 9
 * gives which exceptions are faults (saved EIP = the instruction) and which are traps (the
 * next one), and which push an error code (Table 9-7). */

#define VARS 0x10000
#define resume_eip (VARS + 0x00)
#define last_vec (VARS + 0x04)
#define last_err (VARS + 0x08)
#define last_eip (VARS + 0x0C)
#define last_cs (VARS + 0x10)
#define last_cr2 (VARS + 0x14)
#define kern_esp (VARS + 0x18)
#define kern_cont (VARS + 0x1C)
#define last_efl (VARS + 0x20)
#define escape (VARS + 0x24)      /* != 0: the next exception returns to kern_cont */
#define last_ecx (VARS + 0x28)
#define last_esi (VARS + 0x2C)
#define last_edi (VARS + 0x30)

#define GDT_RAM 0x1000
#define IDT_RAM 0x2000
#define TSS_A 0x3000
#define TSS_B 0x3100
#define TSS_C 0x3200
#define PDIR 0x4000
#define PT0 0x5000
#define PT1 0x6000

#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1B
#define SEL_DATA3 0x23
#define SEL_TSS_A 0x28
#define SEL_TSS_B 0x30
#define SEL_TSS_C 0x38
#define SEL_TSS_BAD 0x40
#define SEL_DATA_NP 0x48
#define SEL_CALLGATE 0x53           /* 0x50 | RPL 3 */
#define SEL_SMALL 0x58

/* ---- one test: name, print CR2 (0/1), the instruction that should trap or fault ---- */
.macro T name, cr2, insn:vararg
    .pushsection .rodata
66: .asciz "\name"
    .popsection
    movl $88f, resume_eip
    movl $0xFF, last_vec
77: \insn
88: movl $66b, %esi
    movl $77b, %edi
    movl $88b, %ebx
    movl $\cr2, %edx
    call report
.endm

.macro PUTS str
    .pushsection .rodata
55: .asciz "\str"
    .popsection
    pushl %esi
    movl $55b, %esi
    call puts
    popl %esi
.endm

    .text
/* ======================= real mode ======================= */
    .code16
/* The ROM's first byte (0xF0000 = F000:0000). Real-mode offsets are written as differences
 * from it, which the assembler resolves: a 16-bit REL relocation cannot carry -0xF0000. */
    .globl rom_start
rom_start:
start16:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ss
    movw $0x7000, %sp
    movw %ax, %es
    movw $0xF000, %ax
    movw %ax, %ds                       /* strings and tables are in the ROM */
    movw $(s_hello - rom_start), %si
    call rm_puts
    /* INT 3 through the real-mode IVT (8086 semantics: 4-byte vectors at 0:0) */
    movw $(rm_int3 - rom_start), %es:0x0C
    movw $0xF000, %es:0x0E
    int3
    /* the GDT goes to RAM: segment loads set accessed bits, LTR and task switches busy bits */
    movw $(gdt - rom_start), %si
    movw $GDT_RAM, %di
    movw $(gdt_end - gdt), %cx
    rep movsb
    lgdtl %cs:(gdtr - rom_start)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $SEL_CODE0, $pm32

rm_puts:
    lodsb
    testb %al, %al
    jz 1f
    outb %al, $0xE9
    jmp rm_puts
1:  ret

rm_int3:
    pushw %si
    movw $(s_rm_int3 - rom_start), %si
    call rm_puts
    popw %si
    iret

/* ======================= protected mode ======================= */
    .code32
pm32:
    movw $SEL_DATA0, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl $0x8000, %esp
    PUTS "protected mode: cs="
    xorl %eax, %eax
    movw %cs, %ax
    movl $4, %ecx
    call puthex
    PUTS " ss="
    movw %ss, %ax
    call puthex
    PUTS "\n"

    call build_idt
    lidtl idtr
    call build_tss
    movw $SEL_TSS_A, %ax
    ltr %ax

    /* ---- ring-0 faults ---- */
    xorl %ecx, %ecx
    T de_divide_by_zero, 0, divl %ecx
    T ud_ud2, 0, ud2
    movw $0x0FF8, %ax
    T gp_selector_beyond_gdt, 0, movw %ax, %ds
    movw $SEL_DATA_NP, %ax
    T np_data_segment, 0, movw %ax, %ds
    T ss_stack_segment_not_present, 0, movw %ax, %ss
    movl $20, %eax
    T br_bound, 0, bound %eax, bounds
    movb $0x7F, %al
    addb $1, %al                        /* OF = 1 */
    T of_into, 0, into
    T bp_int3, 0, int3
    T gp_int_through_dpl0_gate_ring0_ok, 0, int $0x82
    /* (no data-segment limit test: QEMU's TCG does not check those limits, so the two
     * transcripts could not agree; the CPU's unit tests cover #GP(0) beyond a limit) */
    /* #GP while the #GP gate is not present: #NP during #GP delivery is a double fault */
    andl $0xFFFF7FFF, IDT_RAM + 13 * 8 + 4
    movw $0x0FF8, %ax
    T df_gp_with_gate_not_present, 2, movw %ax, %ds
    orl $0x8000, IDT_RAM + 13 * 8 + 4
    call test_desc_insns

    /* ---- paging ---- */
    call build_paging
    movl $PDIR, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0
    jmp 1f
1:  movl $0x12345678, 0x400000
    movl 0x303000, %eax
    PUTS "paging: alias 00400000 -> 00303000 reads "
    movl $8, %ecx
    call puthex
    PUTS "\n"
    T pf_ring0_read_not_present, 1, movl 0x300010, %eax
    T pf_ring0_write_not_present, 1, movl %eax, 0x300024
    T pf_ring0_write_read_only_no_fault_wp0, 1, movl %eax, 0x301000
    /* string instructions fault at the element: ECX/ESI/EDI say how far they got, so the
     * restarted instruction carries on (386 PRM 17.2.2.11, "REP") */
    cld
    movl $0x2FFFF8, %esi
    movl $0x200000, %edi
    movl $16, %ecx
    T pf_rep_movsb_into_not_present, 1, rep movsb
    call print_string_regs
    std
    movb $0xAA, %al
    movl $0x301003, %edi
    xorl %esi, %esi                     /* SCAS does not use ESI: it stays 0 */
    movl $100, %ecx
    T pf_std_repne_scasb_down_into_not_present, 1, repne scasb
    cld
    call print_string_regs

    /* ---- task switches ---- */
    call fill_tss_bc
    ljmp $SEL_TSS_B, $0
    PUTS "task A: back from B by jmp, busy A="
    call print_busy
    lcall $SEL_TSS_C, $0
    PUTS "task A: back from C by iret, NT="
    pushfl
    popl %eax
    shrl $14, %eax
    andl $1, %eax
    movl $1, %ecx
    call puthex
    PUTS " busy A="
    call print_busy
    T ts_tss_limit_too_small, 0, ljmp $SEL_TSS_BAD, $0

    /* ---- ring 3 ---- */
    movl %esp, kern_esp
    movl $from_user, kern_cont
    movw $SEL_DATA3, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushl $SEL_DATA3
    pushl $0xD000
    pushl $0x0002                       /* IOPL 0: port 0xE9 is allowed by the I/O bitmap */
    pushl $SEL_CODE3
    pushl $user_code
    iret
from_user:
    movw $SEL_DATA0, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    PUTS "back in ring 0\n"
    call test_v86
    PUTS "done\n"
    movb $0, %al
    outb %al, $0xF4                     /* isa-debug-exit: QEMU exits with status 1 */
2:  hlt
    jmp 2b

/* ---- ring-3 code (CS 0x1B, SS/DS 0x23) ---- */
user_code:
    movl $3, %eax
    int $0x80
    T gp_cli_ring3_iopl0, 0, cli
    T gp_int_through_dpl0_gate, 0, int $0x82
    T gp_out_port_denied_by_bitmap, 0, outb %al, $0x80
    T pf_ring3_write_read_only, 1, movl %eax, 0x301008
    T pf_ring3_read_supervisor, 1, movl 0x302010, %eax
    T pf_ring3_read_not_present, 1, movl 0x300ffc, %eax
    T bp_int3_ring3_dpl3_gate, 0, int3
    lcall $SEL_CALLGATE, $0
    PUTS "call gate: back in ring 3, cs="
    xorl %eax, %eax
    movw %cs, %ax
    movl $4, %ecx
    call puthex
    PUTS "\n"
    movb $0x7F, %al
    addb $1, %al
    T of_into_ring3, 0, into
    movl $2, %eax
    int $0x80                           /* back to ring 0: does not return */
    jmp user_code

/* ---- tasks ---- */
task_b:
    PUTS "task B: entered by jmp, busy B="
    movl $SEL_TSS_B, %ebx
    movzbl GDT_RAM + 5(%ebx), %eax
    movl $2, %ecx
    call puthex
    PUTS " busy A="
    call print_busy
    ljmp $SEL_TSS_A, $0
    jmp task_b

task_c:
    PUTS "task C: entered by call, NT="
    pushfl
    popl %eax
    shrl $14, %eax
    andl $1, %eax
    movl $1, %ecx
    call puthex
    PUTS " back link="
    movzwl TSS_C, %eax
    movl $4, %ecx
    call puthex
    PUTS "\n"
    iret
    jmp task_c

/* ECX ESI EDI as the last exception found them */
print_string_regs:
    pushal
    PUTS "  at the fault: ecx="
    movl last_ecx, %eax
    movl $8, %ecx
    call puthex
    PUTS " esi="
    movl last_esi, %eax
    call puthex
    PUTS " edi="
    movl last_edi, %eax
    call puthex
    PUTS "\n"
    popal
    ret

/* prints the type byte of TSS A's descriptor (89 available, 8B busy) and a newline */
print_busy:
    pushal
    movzbl GDT_RAM + SEL_TSS_A + 5, %eax
    movl $2, %ecx
    call puthex
    PUTS "\n"
    popal
    ret

/* ---- call gate target (ring 0, entered from ring 3 through GDT 0x50) ---- */
callgate_target:
    PUTS "call gate from ring 3: cs="
    xorl %eax, %eax
    movw %cs, %ax
    movl $4, %ecx
    call puthex
    PUTS " caller cs="
    movl 4(%esp), %eax
    call puthex
    PUTS " caller ss="
    movl 12(%esp), %eax
    call puthex
    PUTS " ring-0 esp="
    movl %esp, %eax
    movl $8, %ecx
    call puthex
    PUTS "\n"
    lret

/* ---- LAR / LSL / VERR / VERW (386 PRM chapter 17) ---- */
.macro DESC_TEST name, insn, sel, mask=0xFFFFFFFF
    PUTS "\name "
    movl $\sel, %eax
    movl $4, %ecx
    call puthex
    movl $0xDEAD, %ebx
    movl $\sel, %eax
    \insn
    setz %dl
    andl $\mask, %ebx
    PUTS ": zf="
    movzbl %dl, %eax
    movl $1, %ecx
    call puthex
    PUTS " result="
    movl %ebx, %eax
    movl $8, %ecx
    call puthex
    PUTS "\n"
.endm

test_desc_insns:
    pushal
    /* LAR: bits 19:16 of the loaded value (limit 19:16) are undefined: masked here */
    DESC_TEST lar, "larl %eax, %ebx", SEL_DATA0, 0x00F0FF00
    DESC_TEST lar, "larl %eax, %ebx", SEL_TSS_A, 0x00F0FF00
    DESC_TEST lar, "larl %eax, %ebx", 0
    DESC_TEST lsl, "lsll %eax, %ebx", SEL_DATA0
    DESC_TEST lsl, "lsll %eax, %ebx", SEL_TSS_A
    DESC_TEST lsl, "lsll %eax, %ebx", SEL_SMALL
    DESC_TEST lsl, "lsll %eax, %ebx", 0x0FF8
    DESC_TEST verr, "verr %ax", SEL_CODE0
    DESC_TEST verw, "verw %ax", SEL_CODE0
    DESC_TEST verw, "verw %ax", SEL_DATA0
    DESC_TEST verr, "verr %ax", SEL_DATA_NP
    popal
    ret

/* ---- virtual-8086 mode: IRET with VM=1, then faults from V86 into ring 0 ---- */
test_v86:
    pushal
    movl %esp, kern_esp
    movl $1f, kern_cont
    movl $(v86_after_cli - rom_start), resume_eip
    movl $0xFF, last_vec
    pushl $0                            /* GS */
    pushl $0                            /* FS */
    pushl $0x1000                       /* DS: the variables at 0x10000 */
    pushl $0                            /* ES */
    pushl $0                            /* SS */
    pushl $0x7000                       /* SP */
    pushl $0x00020002                   /* EFLAGS: VM, IOPL 0 */
    pushl $0xF000                       /* CS */
    pushl $(v86_entry - rom_start)      /* IP */
    iret
1:  movw $SEL_DATA0, %ax                /* back from V86 through #UD with 'escape' set */
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    PUTS "v86: ud2 left v86 through vec="
    movl last_vec, %eax
    movl $2, %ecx
    call puthex
    PUTS " vm="
    movl last_efl, %eax
    shrl $17, %eax
    andl $1, %eax
    movl $1, %ecx
    call puthex
    PUTS " cs="
    movl last_cs, %eax
    movl $4, %ecx
    call puthex
    PUTS " ip="
    movl last_eip, %eax
    subl $(v86_ud2 - rom_start), %eax
    jnz 2f
    PUTS "insn\n"
    jmp 3f
2:  movl last_eip, %eax
    call puthex
    PUTS "\n"
3:  PUTS "v86: cli with iopl 0: vec="
    movzbl VARS + 0x40, %eax
    movl $2, %ecx
    call puthex
    PUTS " err="
    movl VARS + 0x48, %eax
    movl $4, %ecx
    call puthex
    PUTS " vm="
    movl VARS + 0x44, %eax
    shrl $17, %eax
    andl $1, %eax
    movl $1, %ecx
    call puthex
    PUTS "\n"
    popal
    ret

    .code16
v86_entry:
    cli                                 /* IOPL 0 < 3: #GP(0), resumes at v86_after_cli */
v86_after_cli:
    movw %ds:(last_vec - 0x10000), %ax  /* DS = 0x1000: the variables */
    movw %ax, %ds:(VARS + 0x40 - 0x10000)
    movl %ds:(last_efl - 0x10000), %eax
    movl %eax, %ds:(VARS + 0x44 - 0x10000)
    movl %ds:(last_err - 0x10000), %eax
    movl %eax, %ds:(VARS + 0x48 - 0x10000)
    movl $1, %ds:(escape - 0x10000)
v86_ud2:
    ud2                                 /* #UD: with 'escape' set, back to ring 0 */
    .code32

/* ---- exception handlers ---- */
.macro STUB v
stub\v:
.if (\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17)
.else
    pushl $0xFFFFFFFF                   /* "no error code" */
.endif
    pushl $\v
    jmp common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,130
STUB \v
.endr

/* Frame after the pushes: ES DS, 8 GPRs, vector, error code, EIP, CS, EFLAGS (ESP SS from
 * ring 3; ES DS FS GS after those from V86). DS and ES are reloaded: an interrupt from V86
 * mode loads them with null selectors (386 PRM 15.3.1.1). */
common:
    pushal
    pushl %ds
    pushl %es
    movw $SEL_DATA0, %ax
    movw %ax, %ds
    movw %ax, %es
    movl 40(%esp), %eax
    movl %eax, last_vec
    movl 44(%esp), %eax
    movl %eax, last_err
    movl 48(%esp), %eax
    movl %eax, last_eip
    movl 52(%esp), %eax
    movl %eax, last_cs
    movl 56(%esp), %eax
    movl %eax, last_efl
    movl 32(%esp), %eax
    movl %eax, last_ecx
    movl 12(%esp), %eax
    movl %eax, last_esi
    movl 8(%esp), %eax
    movl %eax, last_edi
    movl %cr2, %eax
    movl %eax, last_cr2
    cmpl $0, escape
    jne 1f
    movl resume_eip, %eax
    movl %eax, 48(%esp)
    popl %es
    popl %ds
    popal
    addl $8, %esp
    iret
1:  movl $0, escape                     /* leave the interrupted context for good */
    movl kern_esp, %esp
    jmp *kern_cont

/* INT 0x80 (trap gate, DPL 3): 2 = back to ring 0, 3 = describe the frame */
sys80:
    cmpl $2, %eax
    je 1f
    PUTS "int 0x80 from ring 3: cs="
    movl 4(%esp), %eax
    movl $4, %ecx
    call puthex
    PUTS " ss="
    movl 16(%esp), %eax
    call puthex
    PUTS " user esp="
    movl 12(%esp), %eax
    movl $8, %ecx
    call puthex
    PUTS " ring-0 esp="
    movl %esp, %eax
    call puthex
    PUTS "\n"
    iret
1:  movl kern_esp, %esp
    jmp *kern_cont

/* ---- output ---- */
puts:
    pushal
    cld                                 /* callers may come with DF set (std tests) */
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, $0xE9
    jmp 1b
2:  popal
    ret

/* eax = value, ecx = number of hex digits (1..8) */
puthex:
    pushal
    movl %ecx, %edx
    negl %ecx
    addl $8, %ecx
    shll $2, %ecx
    shll %cl, %eax
    movl %edx, %ecx
1:  roll $4, %eax
    pushl %eax
    andl $0xF, %eax
    movb hexchars(%eax), %al
    outb %al, $0xE9
    popl %eax
    loop 1b
    popal
    ret

/* esi = name, edi = the instruction, ebx = the one after; edx bit 0: print CR2, bit 1:
 * do not print EIP (#DF: "the saved contents of CS and EIP are undefined", 386 PRM 9.8.8) */
report:
    pushal
    call puts
    PUTS ": vec="
    movl last_vec, %eax
    cmpl $0xFF, %eax
    jne 1f
    PUTS "none\n"
    popal
    ret
1:  movl $2, %ecx
    call puthex
    PUTS " err="
    movl last_err, %eax
    cmpl $0xFFFFFFFF, %eax
    jne 2f
    PUTS "none"
    jmp 3f
2:  movl $4, %ecx
    call puthex
3:  testl $2, %edx
    jnz 8f
    PUTS " eip="
    movl last_eip, %eax
    cmpl %edi, %eax
    jne 4f
    PUTS "insn"
    jmp 6f
4:  cmpl %ebx, %eax
    jne 5f
    PUTS "next"
    jmp 6f
5:  movl $8, %ecx
    call puthex
6:  PUTS " cpl="
    movl last_cs, %eax
    andl $3, %eax
    movl $1, %ecx
    call puthex
8:  testl $1, %edx
    jz 7f
    PUTS " cr2="
    movl last_cr2, %eax
    movl $8, %ecx
    call puthex
7:  PUTS "\n"
    popal
    ret

/* ---- tables built at run time ---- */
/* IDT gate: offset 15..0 | selector << 16, then offset 31..16 | P DPL 0 type << 8 */
build_idt:
    pushal
    movl $IDT_RAM, %edi
    movl $(256 * 2), %ecx
    xorl %eax, %eax
    rep stosl
    xorl %ebx, %ebx
1:  movl stub_table(,%ebx,4), %eax
    movl $0x8E00, %edx                  /* 386 interrupt gate, DPL 0 */
    cmpl $3, %ebx
    je 2f
    cmpl $4, %ebx
    jne 3f
2:  movl $0xEE00, %edx                  /* INT3 / INTO from ring 3: DPL 3 */
3:  call set_gate
    incl %ebx
    cmpl $32, %ebx
    jne 1b
    movl $0x80, %ebx
    movl $sys80, %eax
    movl $0xEF00, %edx                  /* 386 trap gate, DPL 3 */
    call set_gate
    /* call gate 0x50: selector 0x08, offset callgate_target, P DPL 3 type 0xC, 0 params */
    movl $callgate_target, %eax
    andl $0xFFFF, %eax
    orl $(SEL_CODE0 << 16), %eax
    movl %eax, GDT_RAM + 0x50
    movl $callgate_target, %eax
    andl $0xFFFF0000, %eax
    orl $0xEC00, %eax
    movl %eax, GDT_RAM + 0x54
    movl $0x82, %ebx
    movl $stub130, %eax
    movl $0x8E00, %edx                  /* DPL 0: INT 0x82 from ring 3 is #GP(0x82*8+2) */
    call set_gate
    popal
    ret

set_gate:                               /* ebx = vector, eax = handler, edx = type word */
    pushl %eax
    andl $0xFFFF, %eax
    orl $(SEL_CODE0 << 16), %eax
    movl %eax, IDT_RAM(,%ebx,8)
    popl %eax
    andl $0xFFFF0000, %eax
    orl %edx, %eax
    movl %eax, IDT_RAM + 4(,%ebx,8)
    ret

/* TSS A: ring-0 stack for ring 3, and an I/O bitmap allowing only port 0xE9 (386 PRM 8.3.2) */
build_tss:
    pushal
    movl $TSS_A, %edi
    movl $(0x300 / 4), %ecx
    xorl %eax, %eax
    rep stosl
    movl $0xB000, TSS_A + 0x04
    movl $SEL_DATA0, TSS_A + 0x08
    movw $0x68, TSS_A + 0x66
    movl $(TSS_A + 0x68), %edi
    movl $33, %ecx
    movb $0xFF, %al
    rep stosb
    movb $0xFD, TSS_A + 0x68 + (0xE9 / 8)   /* bit 1 of byte 0x1D: port 0xE9 */
    popal
    ret

/* TSS B and C: flat ring-0 tasks on their own stacks, same page directory */
fill_tss_bc:
    pushal
    movl %cr3, %eax                     /* a task switch loads CR3 but never saves it */
    movl %eax, TSS_A + 0x1C
    movl $TSS_B, %edi
    movl $task_b, %eax
    movl $0x9000, %ebx
    call fill_tss
    movl $TSS_C, %edi
    movl $task_c, %eax
    movl $0xA000, %ebx
    call fill_tss
    popal
    ret

fill_tss:                               /* edi = TSS, eax = eip, ebx = esp */
    movl %cr3, %edx
    movl %edx, 0x1C(%edi)
    movl %eax, 0x20(%edi)
    movl $0x0002, 0x24(%edi)
    movl %ebx, 0x38(%edi)
    movl $SEL_DATA0, 0x48(%edi)
    movl $SEL_CODE0, 0x4C(%edi)
    movl $SEL_DATA0, 0x50(%edi)
    movl $SEL_DATA0, 0x54(%edi)
    movl $SEL_DATA0, 0x58(%edi)
    movl $SEL_DATA0, 0x5C(%edi)
    movl $0, 0x60(%edi)
    movl $0x00680000, 0x64(%edi)        /* I/O map base 0x68 = limit + 1: no bitmap */
    movl $0, 0x00(%edi)
    ret

/* 0-4M identity, user and writable, except the three test pages; 4M -> 0x303000 */
build_paging:
    pushal
    movl $PDIR, %edi
    movl $(3 * 1024), %ecx
    xorl %eax, %eax
    rep stosl
    movl $(PT0 | 7), PDIR
    movl $(PT1 | 7), PDIR + 4
    movl $PT0, %edi
    movl $7, %eax
    movl $1024, %ecx
1:  stosl
    addl $0x1000, %eax
    loop 1b
    movl $0, PT0 + 0x300 * 4                    /* not present */
    movl $(0x301000 | 5), PT0 + 0x301 * 4       /* user, read-only */
    movl $(0x302000 | 3), PT0 + 0x302 * 4       /* supervisor, writable */
    movl $(0x303000 | 7), PT1
    popal
    ret

/* ---- read-only data ---- */
    .p2align 3
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF            /* 0x08 code, DPL 0, 4 GiB */
    .quad 0x00CF92000000FFFF            /* 0x10 data, DPL 0 */
    .quad 0x00CFFA000000FFFF            /* 0x18 code, DPL 3 */
    .quad 0x00CFF2000000FFFF            /* 0x20 data, DPL 3 */
    .quad 0x0000890030000088            /* 0x28 TSS A at 0x3000, limit 0x88 (bitmap) */
    .quad 0x0000890031000067            /* 0x30 TSS B */
    .quad 0x0000890032000067            /* 0x38 TSS C */
    .quad 0x0000890033000020            /* 0x40 TSS with limit 0x20 < 0x67: #TS */
    .quad 0x00CF12000000FFFF            /* 0x48 data, not present */
    .quad 0                             /* 0x50 call gate to ring 0, DPL 3 (built at run time) */
    .quad 0x0040920000000FFF            /* 0x58 data, limit 0xFFF, byte granular */
gdt_end:
gdtr:
    .word gdt_end - gdt - 1
    .long GDT_RAM
idtr:
    .word 256 * 8 - 1
    .long IDT_RAM
bounds:
    .long 0, 10
stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long stub\v
.endr
hexchars:
    .ascii "0123456789abcdef"
s_hello:
    .asciz "cpu test: real mode\n"
s_rm_int3:
    .asciz "real mode: int3 through the IVT\n"

/* ---- reset vector: F000:FFF0 ---- */
    .section .reset, "ax"
    .code16
reset:
    ljmp $0xF000, $0                    /* start16 = rom_start = F000:0000 */
    .fill 11, 1, 0xF4
