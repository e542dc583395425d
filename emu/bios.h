/* pagewalk's own PC BIOS: a 64 KiB ROM at 0xF0000 built at start-up, with its services
 * written in C.
 *
 * Every interrupt vector the BIOS serves points at real code in the ROM, so guests that hook
 * a vector and chain to the old handler work. A service handler is a tiny stub:
 *
 *   F000:xxxx  E6 EA     out 0EAh, al   ; trap: the board stops the CPU after this
 *              CF        iret           ;       instruction and runs the C service
 *
 * The C service reads and writes the caller's registers and changes the flags in the IRET
 * frame on the stack (CF, ZF), so the stub's IRET returns them. Services that must wait
 * (int 16h read key, int 15h AH=86h) move IP to a `sti; hlt; jmp stub` loop next to the
 * stub, so the guest sleeps in HLT until an interrupt and then asks again. Hardware
 * interrupt handlers (IRQ0 ticks, IRQ1 keyboard) trap into C the same way, then chain
 * (int 1Ch) and send the EOI in ROM code.
 *
 * ROM map (offsets in segment F000):
 *   0x1000..   stubs and handlers, built at start-up
 *   0xE000     "pagewalk BIOS" identification string
 *   0xE401     fixed-disk parameter tables for drive 80h (vector 41h) and 81h (0xE411, 46h)
 *   0xE6F5     system configuration table (int 15h AH=C0h)
 *   0xEFC7     diskette parameter table (vector 1Eh)
 *   0xFFF0     reset vector: jmp far F000:post
 *   0xFFF5     BIOS date "11/23/26", 0xFFFE model byte FCh (PC/AT)
 * (IBM PC/AT Technical Reference, BIOS listing: the fixed offsets of these tables.) */
#ifndef PW_EMU_BIOS_H
#define PW_EMU_BIOS_H

#include <stdbool.h>
#include <stdint.h>

struct pc;

#define BIOS_TRAP_PORT 0xEA
#define BIOS_ROM_BASE 0xF0000u
#define BIOS_ROM_SIZE 0x10000u
#define BIOS_MAX_TRAPS 64

enum bios_trap_id {
    BT_NONE,
    BT_POST,
    BT_INT10, BT_INT11, BT_INT12, BT_INT13, BT_INT14, BT_INT15, BT_INT16, BT_INT17,
    BT_INT18, BT_INT19, BT_INT1A,
    BT_IRQ0, BT_IRQ1,
};

struct bios {
    bool builtin;                    /* false with --bios FILE (no C services) */
    uint8_t rom[BIOS_ROM_SIZE];
    struct { uint16_t off; uint8_t id; } traps[BIOS_MAX_TRAPS]; /* off: of the OUT insn */
    int ntraps;
    uint16_t wait16_off, wait15_off, halt_off;
    uint16_t layout_dflt, layout_svc[0x20], layout_irq[16]; /* handler offsets for POST */

    bool trap_pending;               /* the trap port was written by ROM code */
    /* int 15h AH=86h: the deadline while the guest sleeps in the wait loop. */
    bool waiting;
    uint64_t wait_until_ns;
    bool kbd_polled;                 /* the guest has asked int 16h for a key */
    uint8_t boot_drive;
    uint64_t services;               /* C service calls (statistics) */
};

/* Builds the ROM image (needs the disks' geometry: the parameter tables live in ROM). */
void bios_build(struct pc *pc);
/* The trap port's write handler (registered by the board). */
void bios_trap_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val);
/* Runs the pending C service; called by the run loop between instructions. */
void bios_run_trap(struct pc *pc);
/* The run loop's view of int 15h AH=86h waits: the deadline (VTIME_NEVER if none), and
 * whether a halted CPU should be woken because it passed. */
uint64_t bios_next_event(const struct pc *pc);
bool bios_wake_due(struct pc *pc, uint64_t now_ns);

#endif
