/* The board: all wiring of ports, memory windows and IRQ lines (see the map in pc.h). */
#include "emu/pc.h"
#include "emu/errmsg.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ time */

uint64_t pc_now_ns(const struct pc *pc)
{
    return pc->cpu.icount * pc->ns_per_insn + pc->idle_ns;
}

static uint64_t clock_now(void *opaque)
{
    return pc_now_ns(opaque);
}

void pc_advance_devices(struct pc *pc)
{
    uint64_t now = pc_now_ns(pc);
    pit_advance(&pc->pit, now);
    cmos_advance(&pc->cmos, now);
    ata_advance(&pc->ata, now);
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

uint64_t pc_next_event(const struct pc *pc)
{
    uint64_t t = pit_next_event(&pc->pit);
    t = min64(t, cmos_next_event(&pc->cmos));
    t = min64(t, ata_next_event(&pc->ata));
    t = min64(t, bios_next_event(pc));
    return t;
}

void pc_request_stop(struct pc *pc, enum pc_stop why, const char *msg)
{
    if (pc->stop == PC_RUNNING) {
        pc->stop = why;
        if (msg)
            snprintf(pc->stop_msg, sizeof pc->stop_msg, "%s", msg);
    }
    cpu_request_stop(&pc->cpu);
}

/* ------------------------------------------------------------------ CPU bus */

static uint32_t bus_io_read(void *opaque, uint16_t port, unsigned size)
{
    struct pc *pc = opaque;
    return iobus_read(&pc->iobus, port, size);
}

static void bus_io_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct pc *pc = opaque;
    iobus_write(&pc->iobus, port, size, val);
}

static uint8_t bus_intr_ack(void *opaque)
{
    struct pc *pc = opaque;
    return pic_intr_ack(&pc->pic);
}

static void pic_to_cpu(void *opaque, bool level)
{
    struct pc *pc = opaque;
    cpu_set_intr(&pc->cpu, level);
}

/* ------------------------------------------------------------------ A20, reset, consoles */

/* A20 is on when either the 8042's output port or port 92h asks for it (the two gates are
 * ORed on AT-compatible boards with a fast A20 port). The hooks run before the device
 * stores the new bit, so each combines its new value with the other gate's. */
static void kbd_a20(void *opaque, bool on)
{
    struct pc *pc = opaque;
    phys_set_a20(&pc->phys, on || (pc->sys.port92 & 0x02));
}

static void sys_a20(void *opaque, bool on)
{
    struct pc *pc = opaque;
    phys_set_a20(&pc->phys, on || (pc->kbd.out_port & KBD_OP_A20));
}

static bool sys_a20_state(void *opaque)
{
    struct pc *pc = opaque;
    return pc->phys.a20;
}

static void board_reset_request(void *opaque)
{
    struct pc *pc = opaque;
    pc->reset_requested = true;
    cpu_request_stop(&pc->cpu);
}

static void sys_debugcon(void *opaque, uint8_t ch)
{
    struct pc *pc = opaque;
    if (pc->debugcon_out)
        pc->debugcon_out(pc->debugcon_opaque, ch);
}

static void sys_exit(void *opaque, int status)
{
    struct pc *pc = opaque;
    pc->exit_status = status;
    char msg[80];
    snprintf(msg, sizeof msg, "guest exit through port 0xF4, status %d", status);
    pc_request_stop(pc, PC_STOP_EXIT, msg);
}

static void com_tx(struct pc *pc, int n, uint8_t byte)
{
    if (pc->serial_out[n])
        pc->serial_out[n](pc->serial_opaque[n], byte);
}
static void com1_tx(void *opaque, uint8_t byte) { com_tx(opaque, 0, byte); }
static void com2_tx(void *opaque, uint8_t byte) { com_tx(opaque, 1, byte); }

/* ------------------------------------------------------------------ CMOS contents */

/* Memory sizes, diskette types (10h), fixed-disk types (12h: Fh = "see 19h/1Ah", there
 * user type 47) and the equipment byte (14h), consistent with the BIOS data area. */
static void cmos_configure(struct pc *pc)
{
    struct cmos *c = &pc->cmos;
    cmos_set_byte(c, CMOS_FLOPPY_TYPES,
                  (uint8_t)(disk_floppy_cmos_type(pc->drive[PC_FDA]) << 4 | disk_floppy_cmos_type(pc->drive[PC_FDB])));
    uint8_t hd = 0;
    if (pc->drive[PC_HDA]) {
        hd |= 0xF0;
        cmos_set_byte(c, 0x19, 47);
    }
    if (pc->drive[PC_HDB]) {
        hd |= 0x0F;
        cmos_set_byte(c, 0x1A, 47);
    }
    cmos_set_byte(c, CMOS_DISK_TYPES, hd);
    unsigned nfd = (pc->drive[PC_FDA] != NULL) + (pc->drive[PC_FDB] != NULL);
    uint8_t eq = 0;
    if (nfd)
        eq = (uint8_t)(0x01 | ((nfd - 1) << 6));
    cmos_set_byte(c, CMOS_EQUIPMENT, eq);   /* display bits 00: EGA/VGA */
    cmos_set_memory(c, pc->cfg.ram_bytes);  /* updates the checksum */
    cmos_update_checksum(c);
}

/* ------------------------------------------------------------------ life cycle */

int pc_init(struct pc *pc, const struct pc_config *cfg, struct disk *const drives[PC_NDRIVES],
            char *err, size_t errlen)
{
    memset(pc, 0, sizeof *pc);
    pc->cfg = *cfg;
    pc->ns_per_insn = VTIME_NS_PER_INSN;
    for (int i = 0; i < PC_NDRIVES; i++)
        pc->drive[i] = drives ? drives[i] : NULL;

    pw_events_init(&pc->events);
    if (phys_init(&pc->phys, cfg->ram_bytes, &pc->events))
        return pw_fail(err, errlen, "cannot allocate %u MiB of guest RAM", cfg->ram_bytes >> 20);
    if (mmu_init(&pc->mmu, &pc->phys, &pc->events, cfg->cpu_model, &cfg->tlb))
        return pw_fail(err, errlen, "the TLB configuration was refused");
    pc->mmu.tlb_check = cfg->tlb_check;
    struct cpu_bus_ops bus = {bus_io_read, bus_io_write, bus_intr_ack, pc};
    if (cpu_init(&pc->cpu, cfg->cpu_model, &pc->mmu, &pc->events, &bus))
        return pw_fail(err, errlen, "unsupported CPU model %d", cfg->cpu_model);

    struct iobus *io = &pc->iobus;
    iobus_init(io);
    struct vclock clk = {clock_now, pc};
    pic_init(&pc->pic, pic_to_cpu, pc);
    pit_init(&pc->pit, pic_irq_line(&pc->pic, 0), clk);
    struct kbd_hooks kh = {kbd_a20, board_reset_request, pc};
    kbd_init(&pc->kbd, pic_irq_line(&pc->pic, 1), &kh);
    vga_init(&pc->vga, clk);
    uart_init(&pc->com[0], pic_irq_line(&pc->pic, 4), com1_tx, pc);
    uart_init(&pc->com[1], pic_irq_line(&pc->pic, 3), com2_tx, pc);
    cmos_init(&pc->cmos, pic_irq_line(&pc->pic, 8), clk, cfg->rtc_epoch);
    ata_init(&pc->ata, pic_irq_line(&pc->pic, 14), clk);
    fdc_stub_init(&pc->fdc);
    struct sysports_hooks sh = {sys_a20, sys_a20_state, board_reset_request, sys_debugcon,
                                sys_exit, pc};
    sysports_init(&pc->sys, &sh);

    if (pic_attach(&pc->pic, io) || pit_attach(&pc->pit, io) || kbd_attach(&pc->kbd, io) ||
        vga_attach(&pc->vga, io) || uart_attach(&pc->com[0], io, 0x3F8, "COM1") ||
        uart_attach(&pc->com[1], io, 0x2F8, "COM2") || cmos_attach(&pc->cmos, io) ||
        ata_attach(&pc->ata, io, 0x1F0, 0x3F6) || fdc_stub_attach(&pc->fdc, io) ||
        sysports_attach(&pc->sys, io) ||
        iobus_register(io, BIOS_TRAP_PORT, 1, NULL, bios_trap_port_write, pc, "BIOS trap"))
        return pw_fail(err, errlen, "I/O port conflict: %s", io->conflict);
    if (phys_map_hostmem(&pc->phys, VGA_WINDOW_BASE, VGA_WINDOW_SIZE, pc->vga.mem, "VGA"))
        return pw_fail(err, errlen, "cannot map the VGA window");

    for (int u = 0; u < 2; u++) {
        struct disk *d = pc->drive[PC_HDA + u];
        if (d && ata_attach_drive(&pc->ata, u, &d->bdev, d->geom.cyls, d->geom.heads,
                                  d->geom.spt, NULL))
            return pw_fail(err, errlen, "%s: geometry %u/%u/%u not accepted by the ATA disk", d->path,
                        d->geom.cyls, d->geom.heads, d->geom.spt);
    }
    cmos_configure(pc);

    pc->bios.builtin = cfg->bios_image == NULL;
    pc->bios.boot_drive = cfg->boot_drive;
    if (pc->bios.builtin) {
        bios_build(pc);
        if (phys_load_rom(&pc->phys, pc->bios.rom, BIOS_ROM_SIZE))
            return pw_fail(err, errlen, "cannot map the BIOS ROM");
    } else if (phys_load_rom(&pc->phys, cfg->bios_image, cfg->bios_size)) {
        return pw_fail(err, errlen, "the firmware image must be 64 KiB or 128 KiB (it is %u bytes)",
                    cfg->bios_size);
    }
    pc_reset(pc);
    return 0;
}

void pc_free(struct pc *pc)
{
    cpu_free(&pc->cpu);
    mmu_free(&pc->mmu);
    phys_free(&pc->phys);
}

/* A reset the guest asked for (8042 pulse, port 92h, or after a triple fault): on an AT
 * this resets the CPU only. With a CMOS shutdown code that asks the BIOS to resume the
 * program (05h, 0Ah, 0Bh, 0Ch: the 286 way back from protected mode) the chips keep their
 * state; otherwise the whole board restarts as at power-on. The A20 gate is forced open
 * so the CPU can fetch its reset vector at 0xFFFFFFF0. */
void pc_guest_reset(struct pc *pc)
{
    pc->resets++;
    uint8_t code = cmos_get_byte(&pc->cmos, CMOS_SHUTDOWN);
    if (pc->bios.builtin && (code == 0x05 || code == 0x0A || code == 0x0B || code == 0x0C)) {
        pc->reset_requested = false;
        pc->bios.trap_pending = false;
        pc->bios.waiting = false;
        phys_set_a20(&pc->phys, true);
        cpu_reset(&pc->cpu);
        cpu_set_intr(&pc->cpu, pic_intr_pending(&pc->pic));
        return;
    }
    pc_reset(pc);
}

void pc_reset(struct pc *pc)
{
    pc->reset_requested = false;
    pic_reset(&pc->pic);
    pit_reset(&pc->pit);
    kbd_reset(&pc->kbd);
    vga_reset(&pc->vga);
    uart_reset(&pc->com[0]);
    uart_reset(&pc->com[1]);
    ata_reset(&pc->ata);
    /* The CPU fetches its first instruction at 0xFFFFFFF0, which needs address bit 20: the
     * gate is open at RESET (port 92h bit 1 reads 1), and a BIOS closes it during POST. */
    pc->sys.port92 = 0x02;
    phys_set_a20(&pc->phys, true);
    pc->bios.trap_pending = false;
    pc->bios.waiting = false;
    cpu_reset(&pc->cpu);
    cpu_set_intr(&pc->cpu, pic_intr_pending(&pc->pic));
}
