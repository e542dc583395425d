/* The built-in BIOS's C services, called the way the ROM stubs call them (registers set,
 * an IRET frame on the stack, the trap taken) without running guest code: int 13h status
 * codes and geometry, int 15h memory sizes, int 16h with the IRQ1 translation, int 10h
 * scrolling, the parameter tables and CMOS bytes that must agree with the disks. */
#include <string.h>

#include "emu/bios_internal.h"
#include "emu/pc.h"
#include "test.h"

#define FRAME 0x7000u   /* SS:SP of the simulated INT: IP, CS, FLAGS */

static struct pc *make_pc(unsigned mib, struct disk *fda, struct disk *hda)
{
    static struct pc pcs[4];
    static int n;
    struct pc *pc = &pcs[n++ & 3];
    struct pc_config cfg = {0};
    cfg.ram_bytes = mib << 20;
    cfg.cpu_model = 386;
    cfg.tlb = mmu_tlb_default(386);
    cfg.boot_drive = hda ? 0x80 : 0x00;
    cfg.rtc_epoch = 1767225600;
    struct disk *drives[PC_NDRIVES] = {fda, NULL, hda, NULL};
    char err[200];
    if (pc_init(pc, &cfg, drives, err, sizeof err)) {
        fprintf(stderr, "pc_init: %s\n", err);
        exit(1);
    }
    /* POST as the ROM would start it: the trap at the POST entry. */
    struct cpu *c = &pc->cpu;
    cpu_set_seg_raw(c, SEG_CS, 0xF000);
    for (int i = 0; i < pc->bios.ntraps; i++)
        if (pc->bios.traps[i].id == BT_POST)
            c->eip = pc->bios.traps[i].off + 2u;
    bios_run_trap(pc);
    return pc;
}

/* INT vec with the registers already in c->gpr: frame, trap, and the flags it returns. */
static uint16_t int_call(struct pc *pc, int vec)
{
    struct cpu *c = &pc->cpu;
    cpu_set_seg_raw(c, SEG_SS, 0);
    c->gpr[R_ESP] = FRAME;
    bios_wr16(pc, FRAME, 0x1234);
    bios_wr16(pc, FRAME + 2, 0x0000);
    bios_wr16(pc, FRAME + 4, 0x0202);
    cpu_set_seg_raw(c, SEG_CS, 0xF000);
    c->eip = pc->bios.layout_svc[vec] + 2u;
    bios_run_trap(pc);
    return bios_rd16(pc, FRAME + 4);
}

static void regs(struct pc *pc, uint16_t ax, uint16_t bx, uint16_t cx, uint16_t dx)
{
    struct cpu *c = &pc->cpu;
    c->gpr[R_EAX] = ax;
    c->gpr[R_EBX] = bx;
    c->gpr[R_ECX] = cx;
    c->gpr[R_EDX] = dx;
    cpu_set_seg_raw(c, SEG_ES, 0);
}

static uint8_t image[4032 * 512];
static uint8_t floppy[1474560];

static void test_disk_services(void)
{
    char err[200];
    for (size_t i = 0; i < sizeof image; i++)
        image[i] = (uint8_t)(i / 512 * 3 + i);
    image[510] = 0x55;
    image[511] = 0xAA;
    struct disk hd, fd;
    CHECK_EQ(disk_open_mem(&hd, image, sizeof image, DISK_HARD, err, sizeof err), 0);
    CHECK_EQ(disk_open_mem(&fd, floppy, sizeof floppy, DISK_FLOPPY, err, sizeof err), 0);
    struct pc *pc = make_pc(16, &fd, &hd);
    struct cpu *c = &pc->cpu;

    /* POST loaded the boot sector and jumped to it with DL = 80h. */
    CHECK_EQ(c->seg[SEG_CS].sel, 0);
    CHECK_EQ(c->eip, 0x7C00);
    CHECK_EQ(c->gpr[R_EDX] & 0xFF, 0x80);
    CHECK_EQ(bios_rd16(pc, 0x7DFE), 0xAA55);
    CHECK_EQ(bios_rd8(pc, BDA_HD_COUNT), 1);

    /* AH=08h: max cylinder 3, 63 sectors, max head 15, one disk. */
    regs(pc, 0x0800, 0, 0, 0x0080);
    uint16_t fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, 0);
    CHECK_EQ(c->gpr[R_ECX] & 0xFFFF, 0x033F);
    CHECK_EQ(c->gpr[R_EDX] & 0xFFFF, 0x0F01);
    /* AH=15h: fixed disk, 4032 sectors. */
    regs(pc, 0x1500, 0, 0, 0x0080);
    int_call(pc, 0x13);
    CHECK_EQ((c->gpr[R_EAX] >> 8) & 0xFF, 3);
    CHECK_EQ(((c->gpr[R_ECX] & 0xFFFF) << 16) | (c->gpr[R_EDX] & 0xFFFF), 4032);
    /* AH=02h: C0 H1 S1 is LBA 63. */
    regs(pc, 0x0201, 0x8000, 0x0001, 0x0180);
    fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, 0);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 0x0001);
    uint8_t buf[512];
    bios_read_block(pc, 0x8000, buf, 512);
    CHECK(memcmp(buf, image + 63 * 512, 512) == 0);
    /* Sector 64 does not exist: AH=04h, CF, and AH=01h reports it from the BDA. */
    regs(pc, 0x0201, 0x8000, 0x0040, 0x0080);
    fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, FL_CF);
    CHECK_EQ((c->gpr[R_EAX] >> 8) & 0xFF, 0x04);
    CHECK_EQ(bios_rd8(pc, BDA_HD_STATUS), 0x04);
    regs(pc, 0x0100, 0, 0, 0x0080);
    fl = int_call(pc, 0x13);
    CHECK_EQ((c->gpr[R_EAX] >> 8) & 0xFF, 0x04);
    CHECK_EQ(fl & FL_CF, FL_CF);
    /* Cylinder 4 is past the end. */
    regs(pc, 0x0201, 0x8000, 0x0401, 0x0080);
    CHECK_EQ(int_call(pc, 0x13) & FL_CF, FL_CF);
    /* Write, then read back: the overlay has it, the image array does not. */
    uint8_t pattern[512];
    for (int i = 0; i < 512; i++)
        pattern[i] = (uint8_t)(0xA5 ^ i);
    bios_write_block(pc, 0x9000, pattern, 512);
    regs(pc, 0x0301, 0x9000, 0x0005, 0x0080);
    CHECK_EQ(int_call(pc, 0x13) & FL_CF, 0);
    regs(pc, 0x0201, 0xA000, 0x0005, 0x0080);
    CHECK_EQ(int_call(pc, 0x13) & FL_CF, 0);
    bios_read_block(pc, 0xA000, buf, 512);
    CHECK(memcmp(buf, pattern, 512) == 0);
    CHECK(memcmp(image + 4 * 512, pattern, 512) != 0);
    /* No extensions; no second disk. */
    regs(pc, 0x4100, 0x55AA, 0, 0x0080);
    fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, FL_CF);
    regs(pc, 0x0800, 0, 0, 0x0081);
    fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, FL_CF);
    CHECK_EQ((c->gpr[R_EAX] >> 8) & 0xFF, 0x01);

    /* Floppy: 1.44M geometry, drive type 4, the diskette parameter table. */
    regs(pc, 0x0800, 0, 0, 0x0000);
    fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, 0);
    CHECK_EQ(c->gpr[R_EBX] & 0xFF, 4);
    CHECK_EQ(c->gpr[R_ECX] & 0xFFFF, 0x4F12);
    CHECK_EQ(c->gpr[R_EDX] & 0xFFFF, 0x0101);
    CHECK_EQ(c->seg[SEG_ES].sel, 0xF000);
    CHECK_EQ(bios_rd8(pc, 0xF0000u + (c->gpr[R_EDI] & 0xFFFF) + 4), 18);
    /* DMA cannot cross 64 KiB: status 09h. */
    regs(pc, 0x0202, 0xFF00, 0x0001, 0x0000);
    fl = int_call(pc, 0x13);
    CHECK_EQ(fl & FL_CF, FL_CF);
    CHECK_EQ((c->gpr[R_EAX] >> 8) & 0xFF, 0x09);
    CHECK_EQ(bios_rd8(pc, BDA_FD_STATUS), 0x09);

    /* Parameter table behind int 41h, CMOS types: the same geometry everywhere. */
    uint32_t v41 = bios_rd32(pc, 0x41 * 4);
    uint32_t t = ((v41 >> 16) << 4) + (v41 & 0xFFFF);
    CHECK_EQ(bios_rd16(pc, t), 4);
    CHECK_EQ(bios_rd8(pc, t + 2), 16);
    CHECK_EQ(bios_rd8(pc, t + 8) & 0x08, 0x08);
    CHECK_EQ(bios_rd8(pc, t + 14), 63);
    CHECK_EQ(pc->ata.drive[0].cyls, 4);
    CHECK_EQ(pc->ata.drive[0].heads, 16);
    CHECK_EQ(pc->ata.drive[0].spt, 63);
    CHECK_EQ(cmos_get_byte(&pc->cmos, CMOS_DISK_TYPES), 0xF0);
    CHECK_EQ(cmos_get_byte(&pc->cmos, 0x19), 47);
    CHECK_EQ(cmos_get_byte(&pc->cmos, CMOS_FLOPPY_TYPES), 0x40);
    CHECK_EQ(bios_rd16(pc, BDA_EQUIPMENT) & 0x00F1, 0x0021);   /* 1 floppy, 80x25 colour */

    pc_free(pc);
    disk_close(&hd);
    disk_close(&fd);
}

static void test_memory_services(void)
{
    struct pc *pc = make_pc(64, NULL, NULL);
    struct cpu *c = &pc->cpu;
    regs(pc, 0x8800, 0, 0, 0);
    CHECK_EQ(int_call(pc, 0x15) & FL_CF, 0);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 63 * 1024);
    regs(pc, 0xE801, 0, 0, 0);
    CHECK_EQ(int_call(pc, 0x15) & FL_CF, 0);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 15360);
    CHECK_EQ(c->gpr[R_EBX] & 0xFFFF, (64 - 16) * 16);
    /* E820: walk the map; usable RAM adds up to 640 KiB + 63 MiB. */
    uint64_t usable = 0;
    uint32_t cont = 0;
    int entries = 0;
    do {
        c->gpr[R_EAX] = 0xE820;
        c->gpr[R_EBX] = cont;
        c->gpr[R_ECX] = 20;
        c->gpr[R_EDX] = 0x534D4150;
        c->gpr[R_EDI] = 0x6000;
        cpu_set_seg_raw(c, SEG_ES, 0);
        uint16_t fl = int_call(pc, 0x15);
        CHECK_EQ(fl & FL_CF, 0);
        CHECK_EQ(c->gpr[R_EAX], 0x534D4150);
        if (bios_rd32(pc, 0x6010) == 1)
            usable += bios_rd32(pc, 0x6008);
        cont = c->gpr[R_EBX];
        entries++;
    } while (cont && entries < 10);
    CHECK_EQ(entries, 4);
    CHECK_EQ(usable, 640 * 1024 + 63 * 1024 * 1024);
    /* Unknown function: CF, AH=86h. A20 query after disabling. */
    regs(pc, 0xC200, 0, 0, 0);
    CHECK_EQ(int_call(pc, 0x15) & FL_CF, FL_CF);
    CHECK_EQ((c->gpr[R_EAX] >> 8) & 0xFF, 0x86);
    regs(pc, 0x2400, 0, 0, 0);
    int_call(pc, 0x15);
    regs(pc, 0x2402, 0, 0, 0);
    int_call(pc, 0x15);
    CHECK_EQ(c->gpr[R_EAX] & 0xFF, 0);
    CHECK(!pc->phys.a20);
    /* AH=87h: copy 8 words from 0x5000 to 0x310000 (address bit 20 set, A20 off). */
    for (int i = 0; i < 16; i++)
        bios_wr8(pc, 0x5000 + i, (uint8_t)(0x40 + i));
    for (int i = 0; i < 48; i++)
        bios_wr8(pc, 0x6000 + i, 0);
    bios_wr16(pc, 0x6010, 0xFFFF);                     /* source: limit, base 0x005000 */
    bios_wr32(pc, 0x6012, 0x93005000);
    bios_wr16(pc, 0x6018, 0xFFFF);                     /* destination: base 0x310000 */
    bios_wr32(pc, 0x601A, 0x93310000);
    regs(pc, 0x8700, 0, 8, 0);
    c->gpr[R_ESI] = 0x6000;
    CHECK_EQ(int_call(pc, 0x15) & FL_CF, 0);
    CHECK(!pc->phys.a20);                              /* the gate is restored */
    phys_set_a20(&pc->phys, true);
    CHECK_EQ(phys_read(&pc->phys, 0x310000, 4), 0x43424140);
    CHECK_EQ(phys_read(&pc->phys, 0x31000C, 4), 0x4F4E4D4C);
    CHECK_EQ(phys_read(&pc->phys, 0x210000, 4), 0);    /* not wrapped by the gate */
    phys_set_a20(&pc->phys, false);
    /* int 12h / 11h from the BDA. */
    regs(pc, 0, 0, 0, 0);
    int_call(pc, 0x12);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 640);
    pc_free(pc);
}

static void key(struct pc *pc, uint8_t code)
{
    kbd_push_scancode(&pc->kbd, code);
    bios_irq1(pc);
}

static void test_keyboard(void)
{
    struct pc *pc = make_pc(16, NULL, NULL);
    struct cpu *c = &pc->cpu;
    /* Empty: AH=01h sets ZF; AH=00h sends the caller to the sti/hlt wait loop. */
    regs(pc, 0x0100, 0, 0, 0);
    CHECK_EQ(int_call(pc, 0x16) & FL_ZF, FL_ZF);
    regs(pc, 0x0000, 0, 0, 0);
    int_call(pc, 0x16);
    CHECK_EQ(c->eip, pc->bios.wait16_off);
    /* Shift+A, a, Ctrl+C, Caps Lock then a, Enter, F1. */
    key(pc, 0x2A); key(pc, 0x1E); key(pc, 0x9E); key(pc, 0xAA);
    key(pc, 0x1E); key(pc, 0x9E);
    key(pc, 0x1D); key(pc, 0x2E); key(pc, 0xAE); key(pc, 0x9D);
    key(pc, 0x3A); key(pc, 0xBA); key(pc, 0x1E); key(pc, 0x9E); key(pc, 0x3A); key(pc, 0xBA);
    key(pc, 0x1C); key(pc, 0x9C);
    key(pc, 0x3B); key(pc, 0xBB);
    static const uint16_t want[] = {0x1E41, 0x1E61, 0x2E03, 0x1E41, 0x1C0D, 0x3B00};
    regs(pc, 0x0100, 0, 0, 0);
    CHECK_EQ(int_call(pc, 0x16) & FL_ZF, 0);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        regs(pc, 0x0000, 0, 0, 0);
        int_call(pc, 0x16);
        CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, want[i]);
    }
    regs(pc, 0x0200, 0, 0, 0);
    int_call(pc, 0x16);
    CHECK_EQ(c->gpr[R_EAX] & 0xFF, 0);                 /* no shift, no locks left on */
    regs(pc, 0x0100, 0, 0, 0);
    CHECK_EQ(int_call(pc, 0x16) & FL_ZF, FL_ZF);
    /* The buffer holds 15 keys; the 16th is dropped. */
    for (int i = 0; i < 16; i++) {
        key(pc, 0x10);
        key(pc, 0x90);
    }
    int got = 0;
    for (;;) {
        regs(pc, 0x0100, 0, 0, 0);
        if (int_call(pc, 0x16) & FL_ZF)
            break;
        regs(pc, 0x0000, 0, 0, 0);
        int_call(pc, 0x16);
        got++;
    }
    CHECK_EQ(got, 15);
    pc_free(pc);
}

static void test_video(void)
{
    struct pc *pc = make_pc(16, NULL, NULL);
    struct cpu *c = &pc->cpu;
    /* Cursor at the last cell, teletype: wraps, scrolls, cursor at the start of row 24. */
    regs(pc, 0x0200, 0, 0, 0x184F);
    int_call(pc, 0x10);
    regs(pc, 0x0E78, 0, 0, 0);
    int_call(pc, 0x10);
    CHECK_EQ(bios_rd8(pc, 0xB8000 + (23 * 80 + 79) * 2), 'x');
    CHECK_EQ(bios_rd8(pc, 0xB8000 + (24 * 80 + 79) * 2), ' ');
    regs(pc, 0x0300, 0, 0, 0);
    int_call(pc, 0x10);
    CHECK_EQ(c->gpr[R_EDX] & 0xFFFF, 0x1800);
    CHECK_EQ(vga_cursor_address(&pc->vga), 24 * 80);
    /* Page 1 on screen: the CRTC start address moves, its cursor is shown. */
    regs(pc, 0x0501, 0, 0, 0);
    int_call(pc, 0x10);
    CHECK_EQ(vga_start_address(&pc->vga), 0x800);
    regs(pc, 0x0F00, 0, 0, 0);
    int_call(pc, 0x10);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 0x5003);
    CHECK_EQ((c->gpr[R_EBX] >> 8) & 0xFF, 1);
    pc_free(pc);
}

static void test_rom(void)
{
    struct pc *pc = make_pc(16, NULL, NULL);
    /* Reset vector: jmp far F000:xxxx; model byte FCh; vectors point into the ROM. */
    CHECK_EQ(bios_rd8(pc, 0xFFFF0), 0xEA);
    CHECK_EQ(bios_rd16(pc, 0xFFFF3), 0xF000);
    CHECK_EQ(bios_rd8(pc, 0xFFFFE), 0xFC);
    CHECK(!pc->phys.a20);                              /* POST closed the A20 gate */
    phys_set_a20(&pc->phys, true);
    CHECK_EQ(phys_read(&pc->phys, 0xFFFFFFF0u, 1), 0xEA); /* the alias at the top */
    for (int v = 0x10; v <= 0x1A; v++) {
        uint32_t vec = bios_rd32(pc, (uint32_t)v * 4);
        CHECK_EQ(vec >> 16, 0xF000);
        /* Each service entry is "out 0EAh, al; iret" (or the shared IRET stub). */
        uint32_t a = 0xF0000 + (vec & 0xFFFF);
        CHECK(bios_rd8(pc, a) == 0xE6 || bios_rd8(pc, a) == 0xCF);
    }
    /* No boot disk: the message is on the screen and the CPU sits in the halt loop. */
    CHECK_EQ(pc->cpu.seg[SEG_CS].sel, 0xF000);
    CHECK_EQ(pc->cpu.eip, pc->bios.halt_off);
    char screen[4096];
    vga_screen_text(&pc->vga, screen, sizeof screen);
    CHECK(strstr(screen, "No bootable disk") != NULL);
    pc_free(pc);
}

static void post_trap(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    cpu_set_seg_raw(c, SEG_CS, 0xF000);
    for (int i = 0; i < pc->bios.ntraps; i++)
        if (pc->bios.traps[i].id == BT_POST)
            c->eip = pc->bios.traps[i].off + 2u;
    bios_run_trap(pc);
}

/* A guest reset with CMOS shutdown code 0Ah resumes at 40:67 with memory, vectors and
 * chips as they were; code 0 is a full POST again. */
static void test_shutdown_resume(void)
{
    struct pc *pc = make_pc(16, NULL, NULL);
    struct cpu *c = &pc->cpu;
    bios_wr32(pc, 0x60 * 4, 0x12345678);               /* a vector the guest set */
    bios_wr16(pc, 0x467, 0x5678);
    bios_wr16(pc, 0x469, 0x1234);
    cmos_set_byte(&pc->cmos, CMOS_SHUTDOWN, 0x0A);
    uint8_t imr = pic_get_imr(&pc->pic, 0);
    pc->reset_requested = true;
    pc_guest_reset(pc);
    CHECK_EQ(c->eip, 0xFFF0);
    post_trap(pc);
    CHECK_EQ(c->seg[SEG_CS].sel, 0x1234);
    CHECK_EQ(c->eip, 0x5678);
    CHECK_EQ(cmos_get_byte(&pc->cmos, CMOS_SHUTDOWN), 0);
    CHECK_EQ(bios_rd32(pc, 0x60 * 4), 0x12345678);
    CHECK_EQ(pic_get_imr(&pc->pic, 0), imr);
    /* Code 0: a full restart, the vector table is rebuilt. */
    pc->reset_requested = true;
    pc_guest_reset(pc);
    post_trap(pc);
    CHECK_EQ(bios_rd32(pc, 0x60 * 4), 0);
    CHECK_EQ(c->seg[SEG_CS].sel, 0xF000);              /* no disk: the halt loop */
    CHECK_EQ(c->eip, pc->bios.halt_off);
    CHECK_EQ(pc->resets, 2);
    pc_free(pc);
}

/* Two machines in one process keep to themselves (the --compare feature needs it). */
static void test_two_machines(void)
{
    struct pc *a = make_pc(16, NULL, NULL), *b = make_pc(32, NULL, NULL);
    regs(a, 0x8800, 0, 0, 0);
    regs(b, 0x8800, 0, 0, 0);
    int_call(a, 0x15);
    int_call(b, 0x15);
    CHECK_EQ(a->cpu.gpr[R_EAX] & 0xFFFF, 15 * 1024);
    CHECK_EQ(b->cpu.gpr[R_EAX] & 0xFFFF, 31 * 1024);
    regs(a, 0x0E41, 0, 0, 0);
    int_call(a, 0x10);
    char sa[4096], sb[4096];
    vga_screen_text(&a->vga, sa, sizeof sa);
    vga_screen_text(&b->vga, sb, sizeof sb);
    CHECK(strcmp(sa, sb) != 0);
    CHECK_EQ(bios_rd8(b, 0x7C00), 0);
    pc_free(a);
    pc_free(b);
}

int main(void)
{
    test_two_machines();
    test_shutdown_resume();
    test_disk_services();
    test_memory_services();
    test_keyboard();
    test_video();
    test_rom();
    return test_summary("test_emu_bios");
}
