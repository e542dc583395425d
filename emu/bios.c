/* The built-in BIOS: ROM image, POST, trap dispatch, and the small services (int 11h, 12h,
 * 14h, 15h, 17h, 18h, 19h, 1Ah, IRQ0). Video, disk and keyboard live in their own files. */
#include "emu/bios.h"

#include <stdio.h>
#include <string.h>

#include "emu/bios_internal.h"
#include "emu/pc.h"

/* ------------------------------------------------------------------ guest memory */

/* The services run for real-mode callers, where a linear address is physical (through the
 * A20 gate). A V86 caller under paging would need the page tables; BIOS calls from V86
 * monitors are not supported (they see physical memory). */

static uint32_t a20(struct pc *pc, uint32_t lin) { return phys_mask_a20(&pc->phys, lin); }

uint8_t bios_rd8(struct pc *pc, uint32_t lin) { return (uint8_t)phys_read(&pc->phys, a20(pc, lin), 1); }
uint16_t bios_rd16(struct pc *pc, uint32_t lin) { return (uint16_t)phys_read(&pc->phys, a20(pc, lin), 2); }
uint32_t bios_rd32(struct pc *pc, uint32_t lin) { return phys_read(&pc->phys, a20(pc, lin), 4); }
void bios_wr8(struct pc *pc, uint32_t lin, uint8_t v) { phys_write(&pc->phys, a20(pc, lin), 1, v); }
void bios_wr16(struct pc *pc, uint32_t lin, uint16_t v) { phys_write(&pc->phys, a20(pc, lin), 2, v); }
void bios_wr32(struct pc *pc, uint32_t lin, uint32_t v) { phys_write(&pc->phys, a20(pc, lin), 4, v); }

void bios_read_block(struct pc *pc, uint32_t lin, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    for (uint32_t i = 0; i < len; i++)
        d[i] = bios_rd8(pc, lin + i);
}

void bios_write_block(struct pc *pc, uint32_t lin, const void *src, uint32_t len)
{
    /* Byte by byte through the A20 gate: a transfer may wrap at 1 MiB like on an AT. Bulk
     * copies are not worth it: boot code moves a few KiB through the BIOS. */
    const uint8_t *s = src;
    for (uint32_t i = 0; i < len; i++)
        bios_wr8(pc, lin + i, s[i]);
}

/* ------------------------------------------------------------------ IRET frame */

static uint32_t frame_flags_addr(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    uint16_t sp = (uint16_t)c->gpr[R_ESP];
    return cpu_seg_lin(c, SEG_SS, (uint16_t)(sp + 4));
}

static void frame_flag(struct pc *pc, uint16_t bit, bool on)
{
    uint32_t a = frame_flags_addr(pc);
    uint16_t f = bios_rd16(pc, a);
    bios_wr16(pc, a, on ? (f | bit) : (f & ~bit));
}

void bios_set_cf(struct pc *pc, bool on) { frame_flag(pc, FL_CF, on); }
void bios_set_zf(struct pc *pc, bool on) { frame_flag(pc, FL_ZF, on); }
void bios_set_if_in_frame(struct pc *pc, bool on) { frame_flag(pc, FL_IF, on); }

void bios_goto(struct pc *pc, uint16_t off)
{
    pc->cpu.eip = off;
}

/* ------------------------------------------------------------------ ROM image */

struct rom_asm {
    struct bios *b;
    uint16_t pc;  /* emission offset */
};

static void emit(struct rom_asm *a, const uint8_t *bytes, unsigned n)
{
    memcpy(&a->b->rom[a->pc], bytes, n);
    a->pc = (uint16_t)(a->pc + n);
}
#define EMIT(a, ...) do { static const uint8_t b_[] = {__VA_ARGS__}; emit((a), b_, sizeof b_); } while (0)

static void emit_trap(struct rom_asm *a, enum bios_trap_id id)
{
    struct bios *b = a->b;
    if (b->ntraps < BIOS_MAX_TRAPS) {
        b->traps[b->ntraps].off = a->pc;
        b->traps[b->ntraps].id = (uint8_t)id;
        b->ntraps++;
    }
    EMIT(a, 0xE6, BIOS_TRAP_PORT);   /* out BIOS_TRAP_PORT, al */
}

static void set_vec_rom(struct pc *pc, int vec, uint16_t off)
{
    bios_wr16(pc, (uint32_t)vec * 4, off);
    bios_wr16(pc, (uint32_t)vec * 4 + 2, 0xF000);
}

#define ROM_CODE 0x1000
#define ROM_ID 0xE000
#define ROM_HDPT0 0xE401
#define ROM_HDPT1 0xE411
#define ROM_CONFIG 0xE6F5
#define ROM_DISKETTE 0xEFC7
#define ROM_RESET 0xFFF0

/* The fixed-disk parameter table (16 bytes) behind vectors 41h/46h, as the AT BIOS lays it
 * out: cylinders, heads, reduced-write-current cylinder, write precompensation, ECC burst,
 * control byte (bit 3: more than 8 heads), timeouts, landing zone, sectors per track. */
static void build_hdpt(uint8_t *t, const struct disk *d)
{
    memset(t, 0, 16);
    if (!d)
        return;
    unsigned cyls = d->geom.cyls, heads = d->geom.heads;
    t[0] = (uint8_t)cyls;
    t[1] = (uint8_t)(cyls >> 8);
    t[2] = (uint8_t)heads;
    t[5] = 0xFF;                      /* write precompensation: none */
    t[6] = 0xFF;
    t[8] = heads > 8 ? 0x08 : 0x00;
    t[12] = (uint8_t)cyls;            /* landing zone */
    t[13] = (uint8_t)(cyls >> 8);
    t[14] = (uint8_t)d->geom.spt;
}

void bios_build(struct pc *pc)
{
    struct bios *b = &pc->bios;
    memset(b->rom, 0xFF, sizeof b->rom);  /* erased EPROM */
    b->ntraps = 0;
    struct rom_asm a = {b, ROM_CODE};

    /* The default handler: a bare IRET. */
    uint16_t dflt = a.pc;
    EMIT(&a, 0xCF);

    /* POST entry: trap into C, which ends by jumping to the boot sector (or the halt loop). */
    uint16_t post = a.pc;
    emit_trap(&a, BT_POST);
    b->halt_off = a.pc;
    EMIT(&a, 0xFA, 0xF4, 0xEB, 0xFD);     /* cli; hlt; jmp $-1 (back to hlt) */

    /* Service stubs: trap, iret. int 15h and 16h have a wait loop right after: sti; hlt;
     * jmp back to the trap. */
    static const struct { int vec; enum bios_trap_id id; } svcs[] = {
        {0x10, BT_INT10}, {0x11, BT_INT11}, {0x12, BT_INT12}, {0x13, BT_INT13},
        {0x14, BT_INT14}, {0x15, BT_INT15}, {0x16, BT_INT16}, {0x17, BT_INT17},
        {0x18, BT_INT18}, {0x19, BT_INT19}, {0x1A, BT_INT1A},
    };
    uint16_t svc_off[0x20];
    for (int i = 0; i < 0x20; i++)
        svc_off[i] = dflt;
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++) {
        uint16_t start = a.pc;
        svc_off[svcs[i].vec] = start;
        emit_trap(&a, svcs[i].id);
        EMIT(&a, 0xCF);
        if (svcs[i].vec == 0x15 || svcs[i].vec == 0x16) {
            uint16_t wait = a.pc;
            EMIT(&a, 0xFB, 0xF4, 0xEB);                     /* sti; hlt; jmp start */
            uint8_t rel = (uint8_t)(start - (a.pc + 1));
            emit(&a, &rel, 1);
            if (svcs[i].vec == 0x15)
                b->wait15_off = wait;
            else
                b->wait16_off = wait;
        }
    }

    /* Hardware interrupts. IRQ0: ticks in C, then int 1Ch, then EOI. IRQ1: the key in C,
     * then EOI. IRQ7/15 check the in-service register first so that a spurious interrupt
     * sends no EOI (8259A datasheet: spurious IR7). IRQ8 reads RTC status C so the RTC can
     * interrupt again; IRQ14 reads the ATA status to clear INTRQ. */
    uint16_t irq_off[16];
    irq_off[0] = a.pc;
    emit_trap(&a, BT_IRQ0);
    EMIT(&a, 0xCD, 0x1C, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);
    irq_off[1] = a.pc;
    emit_trap(&a, BT_IRQ1);
    EMIT(&a, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);
    uint16_t master_eoi = a.pc;
    EMIT(&a, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);
    for (int i = 2; i < 7; i++)
        irq_off[i] = master_eoi;
    irq_off[7] = a.pc;
    EMIT(&a, 0x50, 0xB0, 0x0B, 0xE6, 0x20, 0xE4, 0x20, 0xA8, 0x80, 0x74, 0x04, 0xB0, 0x20,
         0xE6, 0x20, 0x58, 0xCF);
    irq_off[8] = a.pc;
    EMIT(&a, 0x50, 0xB0, 0x0C, 0xE6, 0x70, 0xE4, 0x71, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20,
         0x58, 0xCF);
    uint16_t slave_eoi = a.pc;
    EMIT(&a, 0x50, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCF);
    for (int i = 9; i < 15; i++)
        irq_off[i] = slave_eoi;
    irq_off[14] = a.pc;
    EMIT(&a, 0x50, 0x52, 0xBA, 0xF7, 0x01, 0xEC, 0x5A, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20,
         0x58, 0xCF);
    irq_off[15] = a.pc;
    EMIT(&a, 0x50, 0xB0, 0x0B, 0xE6, 0xA0, 0xE4, 0xA0, 0xA8, 0x80, 0x74, 0x04, 0xB0, 0x20,
         0xE6, 0xA0, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);

    /* Remember where the handlers are, for POST to fill the vector table. */
    memcpy(b->layout_svc, svc_off, sizeof svc_off);
    memcpy(b->layout_irq, irq_off, sizeof irq_off);
    b->layout_dflt = dflt;

    static const char id[] = "pagewalk BIOS " PAGEWALK_VERSION;
    memcpy(&b->rom[ROM_ID], id, sizeof id);
    build_hdpt(&b->rom[ROM_HDPT0], pc->drive[PC_HDA]);
    build_hdpt(&b->rom[ROM_HDPT1], pc->drive[PC_HDB]);
    /* int 15h C0h: length 8, model FCh (AT), submodel 01, revision 0, feature 1 = 60h
     * (second 8259, real-time clock), features 2-5 = 0. */
    static const uint8_t config[] = {0x08, 0x00, 0xFC, 0x01, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00};
    memcpy(&b->rom[ROM_CONFIG], config, sizeof config);
    /* Diskette parameters for a 1.44 MB drive: specify bytes, motor-off delay, 512-byte
     * sectors, 18 per track, gap, data length, format gap, fill byte, settle, motor start. */
    static const uint8_t dpt[] = {0xDF, 0x02, 0x25, 0x02, 0x12, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08};
    memcpy(&b->rom[ROM_DISKETTE], dpt, sizeof dpt);

    uint8_t *r = &b->rom[ROM_RESET];
    r[0] = 0xEA;                      /* jmp far F000:post */
    r[1] = (uint8_t)post;
    r[2] = (uint8_t)(post >> 8);
    r[3] = 0x00;
    r[4] = 0xF0;
    memcpy(&b->rom[0xFFF5], "11/23/26", 8);
    b->rom[0xFFFE] = 0xFC;            /* PC/AT model byte */
    b->rom[0xFFFF] = 0x00;
}

/* ------------------------------------------------------------------ POST */

static uint16_t equipment_word(struct pc *pc)
{
    unsigned nfd = (pc->drive[PC_FDA] != NULL) + (pc->drive[PC_FDB] != NULL);
    uint16_t eq = 0;
    if (nfd) {
        eq |= 0x0001;                     /* diskette drives present */
        eq |= (uint16_t)((nfd - 1) << 6); /* number of drives - 1 */
    }
    eq |= 2u << 4;                        /* initial video mode: 80x25 colour */
    eq |= 2u << 9;                        /* two serial ports */
    return eq;
}

static void post_pic_pit(struct pc *pc)
{
    /* 8259A pair as a PC BIOS leaves it: edge triggered, cascaded, 8086 mode, master
     * vectors 08h-0Fh, slave 70h-77h (8259A datasheet ICW1-ICW4). Timer, keyboard, cascade
     * and the hard disk are unmasked. */
    bios_outb(pc, 0x20, 0x11);
    bios_outb(pc, 0x21, 0x08);
    bios_outb(pc, 0x21, 0x04);
    bios_outb(pc, 0x21, 0x01);
    bios_outb(pc, 0xA0, 0x11);
    bios_outb(pc, 0xA1, 0x70);
    bios_outb(pc, 0xA1, 0x02);
    bios_outb(pc, 0xA1, 0x01);
    bios_outb(pc, 0x21, 0xF8);
    bios_outb(pc, 0xA1, 0xBF);
    /* 8254 counter 0: mode 3 (square wave), count 0 = 65536 -> 18.2 Hz on IRQ0. */
    bios_outb(pc, 0x43, 0x36);
    bios_outb(pc, 0x40, 0x00);
    bios_outb(pc, 0x40, 0x00);
}

static void bios_boot(struct pc *pc, uint8_t drive);

static uint8_t cmos_rd_post(struct pc *pc)
{
    bios_outb(pc, 0x70, 0x0F);
    return bios_inb(pc, 0x71);
}

/* A CPU reset with a CMOS shutdown code that asks to resume a program (IBM AT BIOS,
 * "shutdown status byte"): 05h EOI then jump via 40:67, 0Ah jump via 40:67, 0Bh IRET and
 * 0Ch RETF with SS:SP from 40:67. Returns false for a normal POST. */
static bool bios_resume(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    uint8_t code = cmos_rd_post(pc);
    if (code != 0x05 && code != 0x0A && code != 0x0B && code != 0x0C)
        return false;
    bios_outb(pc, 0x70, 0x0F);
    bios_outb(pc, 0x71, 0x00);
    uint16_t off = bios_rd16(pc, 0x467), seg = bios_rd16(pc, 0x469);
    if (code == 0x05) {
        bios_outb(pc, 0xA0, 0x20);
        bios_outb(pc, 0x20, 0x20);
    }
    if (code == 0x05 || code == 0x0A) {
        cpu_set_seg_raw(c, SEG_CS, seg);
        c->eip = off;
        return true;
    }
    /* 0Bh/0Ch: 40:67 holds SS:SP; the return address (and flags) are on that stack. */
    cpu_set_seg_raw(c, SEG_SS, seg);
    uint32_t sp = off;
    uint16_t ip = bios_rd16(pc, bios_seg_off(seg, (uint16_t)sp));
    uint16_t cs = bios_rd16(pc, bios_seg_off(seg, (uint16_t)(sp + 2)));
    sp += 4;
    if (code == 0x0B) {
        cpu_set_eflags(c, bios_rd16(pc, bios_seg_off(seg, (uint16_t)sp)) | 0x2);
        sp += 2;
    }
    c->gpr[R_ESP] = (uint16_t)sp;
    cpu_set_seg_raw(c, SEG_CS, cs);
    c->eip = ip;
    return true;
}

static void bios_post(struct pc *pc)
{
    struct bios *b = &pc->bios;
    if (bios_resume(pc))
        return;
    /* Interrupt vector table: every vector at the IRET stub, then the BIOS's own. */
    for (int v = 0; v < 256; v++)
        set_vec_rom(pc, v, b->layout_dflt);
    for (int v = 0x10; v <= 0x1A; v++)
        set_vec_rom(pc, v, b->layout_svc[v]);
    for (int i = 0; i < 8; i++) {
        set_vec_rom(pc, 0x08 + i, b->layout_irq[i]);
        set_vec_rom(pc, 0x70 + i, b->layout_irq[8 + i]);
    }
    set_vec_rom(pc, 0x1E, ROM_DISKETTE);
    set_vec_rom(pc, 0x41, ROM_HDPT0);
    set_vec_rom(pc, 0x46, ROM_HDPT1);
    bios_wr32(pc, 0x1D * 4, 0);       /* no video parameter table */
    bios_wr32(pc, 0x1F * 4, 0);       /* no graphics font */
    for (int v = 0x60; v <= 0x67; v++)
        bios_wr32(pc, (uint32_t)v * 4, 0);   /* reserved for user programs */

    /* BIOS data area. */
    for (uint32_t a = 0x400; a < 0x500; a++)
        bios_wr8(pc, a, 0);
    bios_wr16(pc, BDA_COM1, 0x3F8);
    bios_wr16(pc, BDA_COM1 + 2, 0x2F8);
    bios_wr16(pc, BDA_EQUIPMENT, equipment_word(pc));
    bios_wr16(pc, BDA_MEMSIZE, 640);
    bios_wr16(pc, BDA_KBD_HEAD, 0x1E);
    bios_wr16(pc, BDA_KBD_TAIL, 0x1E);
    bios_wr16(pc, BDA_KBD_START, 0x1E);
    bios_wr16(pc, BDA_KBD_END, 0x3E);
    bios_wr8(pc, BDA_KBD_FLAGS3, 0x10);    /* 101/102-key keyboard */
    bios_wr8(pc, BDA_HD_COUNT,
             (uint8_t)((pc->drive[PC_HDA] != NULL) + (pc->drive[PC_HDB] != NULL)));
    bios_wr8(pc, BDA_HD_CONTROL, pc->drive[PC_HDA] && pc->drive[PC_HDA]->geom.heads > 8 ? 0x08 : 0);
    bios_wr8(pc, BDA_VIDEO_SWITCHES, 0x09);
    bios_wr8(pc, BDA_VGA_FLAGS, 0x11);
    bios_wr8(pc, BDA_VIDEO_CTL, 0x60);
    b->waiting = false;
    b->kbd_polled = false;

    post_pic_pit(pc);
    /* A20 off, as an AT BIOS hands over (8086 wrap-around at 1 MiB): fast gate closed, and
     * the 8042's output port bit is off since its reset. */
    bios_outb(pc, 0x92, bios_inb(pc, 0x92) & (uint8_t)~0x03);
    bios_video_set_mode3(pc, true);

    char banner[160];
    snprintf(banner, sizeof banner, "pagewalk BIOS %s, %u KiB RAM\r\n", PAGEWALK_VERSION,
             pc->cfg.ram_bytes / 1024);
    bios_video_puts(pc, banner);
    bios_boot(pc, b->boot_drive);
}

/* int 19h: load sector 0 of the boot drive to 0000:7C00, check the 55AAh signature, jump
 * there with DL = drive. */
static void bios_boot(struct pc *pc, uint8_t drive)
{
    struct cpu *c = &pc->cpu;
    struct disk *d = bios_drive(pc, drive);
    uint8_t sec[512];
    char msg[120];
    const char *what = drive & 0x80 ? "hard disk" : "floppy";
    if (!d) {
        snprintf(msg, sizeof msg, "No bootable disk: no %s %02Xh.\r\n", what, drive);
    } else if (disk_read(d, 0, 1, sec)) {
        snprintf(msg, sizeof msg, "Read error on %s %02Xh.\r\n", what, drive);
    } else if (sec[510] != 0x55 || sec[511] != 0xAA) {
        snprintf(msg, sizeof msg, "No bootable disk: %s %02Xh has no boot signature.\r\n", what, drive);
    } else {
        snprintf(msg, sizeof msg, "Booting from %s...\r\n", what);
        bios_video_puts(pc, msg);
        bios_write_block(pc, 0x7C00, sec, 512);
        for (int r = 0; r < 8; r++)
            c->gpr[r] = 0;
        c->gpr[R_EDX] = drive;
        c->gpr[R_ESP] = 0x7C00;
        cpu_set_seg_raw(c, SEG_SS, 0);
        cpu_set_seg_raw(c, SEG_DS, 0);
        cpu_set_seg_raw(c, SEG_ES, 0);
        cpu_set_seg_raw(c, SEG_FS, 0);
        cpu_set_seg_raw(c, SEG_GS, 0);
        cpu_set_seg_raw(c, SEG_CS, 0);
        c->eip = 0x7C00;
        cpu_set_eflags(c, 0x0202);        /* interrupts on, as a BIOS hands over */
        return;
    }
    bios_video_puts(pc, msg);
    /* Also tell the host side: a headless user would otherwise only see the screen dump. */
    snprintf(pc->stop_msg, sizeof pc->stop_msg, "BIOS: %.*s", (int)strcspn(msg, "\r\n"), msg);
    cpu_set_seg_raw(c, SEG_CS, 0xF000);
    c->eip = pc->bios.halt_off;
}

/* ------------------------------------------------------------------ small services */

static void bios_irq0(struct pc *pc)
{
    uint32_t t = bios_rd32(pc, BDA_TICKS) + 1;
    if (t >= BIOS_TICKS_PER_DAY) {
        t = 0;
        bios_wr8(pc, BDA_MIDNIGHT, 1);
    }
    bios_wr32(pc, BDA_TICKS, t);
}

static uint8_t cmos_rd(struct pc *pc, uint8_t reg)
{
    bios_outb(pc, 0x70, reg);
    return bios_inb(pc, 0x71);
}

static void cmos_wr(struct pc *pc, uint8_t reg, uint8_t v)
{
    bios_outb(pc, 0x70, reg);
    bios_outb(pc, 0x71, v);
}

static void bios_int1a(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    switch (RH(c, R_EAX)) {
    case 0x00: {                          /* read ticks; AL = midnight passed */
        uint32_t t = bios_rd32(pc, BDA_TICKS);
        SET16(c, R_ECX, (uint16_t)(t >> 16));
        SET16(c, R_EDX, (uint16_t)t);
        SETL(c, R_EAX, bios_rd8(pc, BDA_MIDNIGHT));
        bios_wr8(pc, BDA_MIDNIGHT, 0);
        bios_set_cf(pc, false);
        break;
    }
    case 0x01:                            /* set ticks */
        bios_wr32(pc, BDA_TICKS, ((uint32_t)R16(c, R_ECX) << 16) | R16(c, R_EDX));
        bios_wr8(pc, BDA_MIDNIGHT, 0);
        bios_set_cf(pc, false);
        break;
    case 0x02:                            /* RTC time, BCD: CH h, CL min, DH s, DL DST */
        SETH(c, R_ECX, cmos_rd(pc, 0x04));
        SETL(c, R_ECX, cmos_rd(pc, 0x02));
        SETH(c, R_EDX, cmos_rd(pc, 0x00));
        SETL(c, R_EDX, cmos_rd(pc, 0x0B) & 1);
        bios_set_cf(pc, false);
        break;
    case 0x03:
        cmos_wr(pc, 0x04, RH(c, R_ECX));
        cmos_wr(pc, 0x02, RL(c, R_ECX));
        cmos_wr(pc, 0x00, RH(c, R_EDX));
        bios_set_cf(pc, false);
        break;
    case 0x04:                            /* RTC date, BCD: CH century, CL year, DH month, DL day */
        SETH(c, R_ECX, cmos_rd(pc, 0x32));
        SETL(c, R_ECX, cmos_rd(pc, 0x09));
        SETH(c, R_EDX, cmos_rd(pc, 0x08));
        SETL(c, R_EDX, cmos_rd(pc, 0x07));
        bios_set_cf(pc, false);
        break;
    case 0x05:
        cmos_wr(pc, 0x32, RH(c, R_ECX));
        cmos_wr(pc, 0x09, RL(c, R_ECX));
        cmos_wr(pc, 0x08, RH(c, R_EDX));
        cmos_wr(pc, 0x07, RL(c, R_EDX));
        bios_set_cf(pc, false);
        break;
    default:
        bios_set_cf(pc, true);
        break;
    }
}

/* int 15h AH=E820h: the memory map, one entry per call (EBX = continuation). */
static void bios_e820(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    uint32_t ram = pc->cfg.ram_bytes;
    struct e820 { uint64_t base, len; uint32_t type; } map[4];
    int n = 0;
    map[n++] = (struct e820){0, 0xA0000, 1};
    map[n++] = (struct e820){0xF0000, 0x10000, 2};
    if (ram > 0x100000)
        map[n++] = (struct e820){0x100000, ram - 0x100000, 1};
    map[n++] = (struct e820){0xFFFF0000u, 0x10000, 2};
    uint32_t idx = c->gpr[R_EBX];
    if (c->gpr[R_EDX] != 0x534D4150u || idx >= (uint32_t)n || c->gpr[R_ECX] < 20) {
        SETH(c, R_EAX, 0x86);
        bios_set_cf(pc, true);
        return;
    }
    uint32_t dst = cpu_seg_lin(c, SEG_ES, R16(c, R_EDI));
    bios_wr32(pc, dst, (uint32_t)map[idx].base);
    bios_wr32(pc, dst + 4, (uint32_t)(map[idx].base >> 32));
    bios_wr32(pc, dst + 8, (uint32_t)map[idx].len);
    bios_wr32(pc, dst + 12, (uint32_t)(map[idx].len >> 32));
    bios_wr32(pc, dst + 16, map[idx].type);
    c->gpr[R_EAX] = 0x534D4150u;
    c->gpr[R_ECX] = 20;
    c->gpr[R_EBX] = idx + 1 < (uint32_t)n ? idx + 1 : 0;
    bios_set_cf(pc, false);
}

static void bios_int15(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    struct bios *b = &pc->bios;
    uint32_t ram = pc->cfg.ram_bytes;
    uint32_t ext_kib = ram > 0x100000 ? (ram - 0x100000) / 1024 : 0;
    uint8_t ah = RH(c, R_EAX);
    uint16_t ax = R16(c, R_EAX);
    if (ax == 0xE801) {
        /* AX/CX: KiB between 1 and 16 MiB; BX/DX: 64 KiB blocks above 16 MiB. */
        uint32_t low = ext_kib < 15360 ? ext_kib : 15360;
        uint32_t high = ram > 0x1000000 ? (ram - 0x1000000) / 65536 : 0;
        SET16(c, R_EAX, (uint16_t)low);
        SET16(c, R_ECX, (uint16_t)low);
        SET16(c, R_EBX, (uint16_t)high);
        SET16(c, R_EDX, (uint16_t)high);
        bios_set_cf(pc, false);
        return;
    }
    if (ax == 0xE820) {
        bios_e820(pc);
        return;
    }
    switch (ah) {
    case 0x24:                            /* A20 gate */
        switch (RL(c, R_EAX)) {
        case 0x00:
        case 0x01:
            phys_set_a20(&pc->phys, RL(c, R_EAX) == 1);
            SETH(c, R_EAX, 0);
            bios_set_cf(pc, false);
            return;
        case 0x02:
            SETL(c, R_EAX, pc->phys.a20 ? 1 : 0);
            SETH(c, R_EAX, 0);
            bios_set_cf(pc, false);
            return;
        case 0x03:
            SET16(c, R_EBX, 0x0003);      /* keyboard controller and port 92h */
            SETH(c, R_EAX, 0);
            bios_set_cf(pc, false);
            return;
        }
        break;
    case 0x4F:                            /* keyboard intercept: let the key through */
        bios_set_cf(pc, true);
        return;
    case 0x86: {                          /* wait CX:DX microseconds (virtual time) */
        uint64_t now = pc_now_ns(pc);
        if (!b->waiting) {
            uint64_t us = ((uint64_t)R16(c, R_ECX) << 16) | R16(c, R_EDX);
            b->waiting = true;
            b->wait_until_ns = now + us * 1000;
        }
        if (now < b->wait_until_ns) {
            bios_goto(pc, b->wait15_off);
            return;
        }
        b->waiting = false;
        SETH(c, R_EAX, 0);
        bios_set_cf(pc, false);
        return;
    }
    case 0x87: {
        /* Block move (used by loaders to reach memory above 1 MiB): CX words from the
         * source to the destination descriptor of the GDT at ES:SI (entries 2 and 3: base
         * in bytes 2-4 and 7). The AT BIOS does it in protected mode with A20 on and
         * restores the gate afterwards; so does this. */
        uint32_t gdt = cpu_seg_lin(c, SEG_ES, R16(c, R_ESI));
        uint32_t src = bios_rd32(pc, gdt + 0x12) & 0xFFFFFF;
        src |= (uint32_t)bios_rd8(pc, gdt + 0x17) << 24;
        uint32_t dst = bios_rd32(pc, gdt + 0x1A) & 0xFFFFFF;
        dst |= (uint32_t)bios_rd8(pc, gdt + 0x1F) << 24;
        uint32_t len = (uint32_t)R16(c, R_ECX) * 2;
        if (R16(c, R_ECX) > 0x8000) {
            SETH(c, R_EAX, 0x01);
            bios_set_cf(pc, true);
            return;
        }
        bool a20 = pc->phys.a20;
        phys_set_a20(&pc->phys, true);
        uint8_t chunk[256];
        for (uint32_t done = 0; done < len; done += sizeof chunk) {
            uint32_t n = len - done < sizeof chunk ? len - done : (uint32_t)sizeof chunk;
            phys_read_block(&pc->phys, src + done, chunk, n);
            phys_write_block(&pc->phys, dst + done, chunk, n);
        }
        phys_set_a20(&pc->phys, a20);
        SETH(c, R_EAX, 0);
        bios_set_cf(pc, false);
        return;
    }
    case 0x88:                            /* extended memory KiB (above 1 MiB), at most 63 MiB */
        SET16(c, R_EAX, (uint16_t)(ext_kib < 0xFC00 ? ext_kib : 0xFC00));
        bios_set_cf(pc, false);
        return;
    case 0x90:                            /* device busy / interrupt complete: nothing to do */
    case 0x91:
        SETH(c, R_EAX, 0);
        bios_set_cf(pc, false);
        return;
    case 0xC0:                            /* system configuration table */
        cpu_set_seg_raw(c, SEG_ES, 0xF000);
        SET16(c, R_EBX, ROM_CONFIG);
        SETH(c, R_EAX, 0);
        bios_set_cf(pc, false);
        return;
    }
    SETH(c, R_EAX, 0x86);                 /* function not supported */
    bios_set_cf(pc, true);
}

/* ------------------------------------------------------------------ dispatch */

void bios_trap_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct pc *pc = opaque;
    struct cpu *c = &pc->cpu;
    /* Only the ROM's own stubs trap: real mode (or V86), code in segment F000. */
    if (!pc->bios.builtin || c->seg[SEG_CS].sel != 0xF000 || (cpu_protected(c) && !cpu_v86(c)))
        return;
    pc->bios.trap_pending = true;
    cpu_request_stop(c);
}

void bios_run_trap(struct pc *pc)
{
    struct bios *b = &pc->bios;
    struct cpu *c = &pc->cpu;
    b->trap_pending = false;
    uint16_t off = (uint16_t)(c->eip - 2);
    enum bios_trap_id id = BT_NONE;
    for (int i = 0; i < b->ntraps; i++) {
        if (b->traps[i].off == off) {
            id = (enum bios_trap_id)b->traps[i].id;
            break;
        }
    }
    b->services++;
    switch (id) {
    case BT_NONE:
        break;
    case BT_POST:
        bios_post(pc);
        break;
    case BT_INT10:
        bios_int10(pc);
        break;
    case BT_INT11:
        SET16(c, R_EAX, bios_rd16(pc, BDA_EQUIPMENT));
        break;
    case BT_INT12:
        SET16(c, R_EAX, bios_rd16(pc, BDA_MEMSIZE));
        break;
    case BT_INT13:
        bios_int13(pc);
        break;
    case BT_INT14:                        /* serial services: not provided (timeout status) */
    case BT_INT17:                        /* printer: none */
        SETH(c, R_EAX, 0x80);
        break;
    case BT_INT15:
        bios_int15(pc);
        break;
    case BT_INT16:
        b->kbd_polled = true;
        bios_int16(pc);
        break;
    case BT_INT18:
        bios_video_puts(pc, "No ROM BASIC: boot failed.\r\n");
        snprintf(pc->stop_msg, sizeof pc->stop_msg, "BIOS: int 18h, boot failed");
        bios_goto(pc, b->halt_off);
        break;
    case BT_INT19:
        bios_boot(pc, b->boot_drive);
        break;
    case BT_INT1A:
        bios_int1a(pc);
        break;
    case BT_IRQ0:
        bios_irq0(pc);
        break;
    case BT_IRQ1:
        bios_irq1(pc);
        break;
    }
}

uint64_t bios_next_event(const struct pc *pc)
{
    return pc->bios.waiting ? pc->bios.wait_until_ns : VTIME_NEVER;
}

bool bios_wake_due(struct pc *pc, uint64_t now_ns)
{
    struct cpu *c = &pc->cpu;
    /* Only the int 15h wait loop is woken by time: HLT there is at wait15_off + 1. */
    return pc->bios.waiting && now_ns >= pc->bios.wait_until_ns && c->halted &&
           c->seg[SEG_CS].sel == 0xF000 && (uint16_t)c->eip == (uint16_t)(pc->bios.wait15_off + 2);
}
