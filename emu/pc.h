/* The board: one struct pc owns the whole machine (memory, MMU, CPU, I/O bus, every chip,
 * the disks and the BIOS) and pc.c is the one place where ports, memory windows and IRQ
 * lines are wired. No globals: two machines can live in one process.
 *
 *   IRQ0 PIT ch0   IRQ1 8042   IRQ2 cascade   IRQ3 COM2   IRQ4 COM1   IRQ8 RTC   IRQ14 ATA
 *   0x20/0xA0 PIC  0x40-43,61 PIT  0x60,64 8042  0x70-71 CMOS  0x80,92,E9,F4 sysports
 *   0x1F0-7,0x3F6-7 ATA  0x3F0-5 FDC stub  0x3F8 COM1  0x2F8 COM2  0x3B4-0x3DA VGA
 *   0xEA   the built-in BIOS's trap port (pagewalk's own, see bios.h)
 *   0xA0000-0xBFFFF VGA memory   0xF0000 BIOS ROM (also at 0xFFFF0000)
 */
#ifndef PW_EMU_PC_H
#define PW_EMU_PC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "devices/ata.h"
#include "devices/cmos.h"
#include "devices/fdc_stub.h"
#include "devices/iobus.h"
#include "devices/kbd8042.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/sysports.h"
#include "devices/uart16550.h"
#include "devices/vga_text.h"
#include "emu/bios.h"
#include "emu/disk.h"
#include "mmu/events.h"
#include "mmu/mmu.h"
#include "mmu/phys.h"

/* Drive numbers as the BIOS counts them. */
enum { PC_FDA, PC_FDB, PC_HDA, PC_HDB, PC_NDRIVES };

struct pc_config {
    uint32_t ram_bytes;
    int cpu_model;
    struct mmu_tlb_config tlb;
    bool tlb_check;
    int64_t rtc_epoch;               /* Unix time at virtual time 0 */
    uint8_t boot_drive;              /* 0x00 or 0x80 */
    const uint8_t *bios_image;       /* NULL: the built-in BIOS */
    uint32_t bios_size;
};

/* Why the run ended. */
enum pc_stop {
    PC_RUNNING,
    PC_STOP_EXIT,        /* the guest wrote to port 0xF4 */
    PC_STOP_HALT,        /* HLT with interrupts disabled */
    PC_STOP_SHUTDOWN,    /* triple fault */
    PC_STOP_BUDGET,      /* --max-instructions reached */
    PC_STOP_INTERRUPT,   /* Ctrl-C / Ctrl-A x */
    PC_STOP_CLOSED,      /* the window was closed */
    PC_STOP_IDLE,        /* halted with interrupts on but nothing can ever wake it */
    PC_STOP_BREAK,       /* the monitor stopped it (breakpoint, step); it may go on */
};

struct pc {
    struct pw_events events;
    struct phys phys;
    struct mmu mmu;
    struct cpu cpu;
    struct iobus iobus;

    struct pic pic;
    struct pit pit;
    struct kbd kbd;
    struct vga vga;
    struct uart com[2];
    struct cmos cmos;
    struct ata_channel ata;
    struct fdc_stub fdc;
    struct sysports sys;

    struct disk *drive[PC_NDRIVES];  /* not owned; NULL when absent */
    struct pc_config cfg;
    struct bios bios;

    uint64_t ns_per_insn;
    uint64_t idle_ns;                /* virtual time skipped while halted */

    /* Where guest output goes (set by the program; NULL = dropped). */
    void (*serial_out[2])(void *opaque, uint8_t byte);
    void *serial_opaque[2];
    void (*debugcon_out)(void *opaque, uint8_t byte);
    void *debugcon_opaque;
    /* Called by the BIOS just before it scrolls the screen up (headless console copy). */
    void (*before_scroll)(void *opaque, struct pc *pc);
    void *before_scroll_opaque;

    /* Run state, set from inside device hooks and read by the run loop. */
    enum pc_stop stop;
    int exit_status;                 /* PC_STOP_EXIT: (v << 1) | 1 */
    bool reset_requested;
    uint64_t resets;
    char stop_msg[200];
};

/* Builds the machine. Disks may be NULL. Returns 0, or -1 with a one-line message. */
int pc_init(struct pc *pc, const struct pc_config *cfg, struct disk *const drives[PC_NDRIVES],
            char *err, size_t errlen);
void pc_free(struct pc *pc);
/* RESET: CPU, chips and (built-in BIOS) POST state; RAM is kept. */
void pc_reset(struct pc *pc);
/* A reset requested by the guest (keyboard controller, port 92h): see pc.c. */
void pc_guest_reset(struct pc *pc);

/* Virtual time now (ns): retired instructions plus time skipped in HLT. */
uint64_t pc_now_ns(const struct pc *pc);
/* Brings every timed device up to now. */
void pc_advance_devices(struct pc *pc);
/* Earliest pending device event, absolute ns (VTIME_NEVER if none). */
uint64_t pc_next_event(const struct pc *pc);

/* Asks the run loop to stop (from a hook or a signal-safe flag check). */
void pc_request_stop(struct pc *pc, enum pc_stop why, const char *msg);

#endif
