/* int 13h: diskette (drives 00h/01h) and fixed disk (80h/81h) services over the disk
 * images, CHS addressed, with the status byte in AH, CF on error and the last status kept
 * in the BIOS data area (0x441 diskette, 0x474 fixed disk). (IBM PC/AT Technical Reference,
 * "Diskette/Fixed Disk BIOS", int 13h functions 00h-05h, 08h, 0Ch-11h, 15h; the AH=41h
 * check of the enhanced disk drive specification is answered "not supported".)
 *
 * Fixed disks use the image's geometry untranslated, so int 13h reaches the first 1024
 * cylinders only (the classic CHS limit); the parameter tables and ATA report all of it. */
#include <string.h>

#include "emu/bios_internal.h"

/* Status codes (AH). */
enum {
    ST_OK = 0x00,
    ST_BAD_COMMAND = 0x01,
    ST_ADDR_MARK = 0x02,
    ST_WRITE_PROTECT = 0x03,
    ST_SECTOR_NOT_FOUND = 0x04,
    ST_DMA_BOUNDARY = 0x09,
    ST_BAD_TRACK = 0x0B,
    ST_CONTROLLER = 0x20,
    ST_SEEK = 0x40,
    ST_TIMEOUT = 0x80,
};

struct disk *bios_drive(struct pc *pc, uint8_t dl)
{
    switch (dl) {
    case 0x00: return pc->drive[PC_FDA];
    case 0x01: return pc->drive[PC_FDB];
    case 0x80: return pc->drive[PC_HDA];
    case 0x81: return pc->drive[PC_HDB];
    default: return NULL;
    }
}

/* Ends the call with a status: AH, CF, and the BDA's last-status byte. */
static void finish(struct pc *pc, uint8_t dl, uint8_t status)
{
    struct cpu *c = &pc->cpu;
    SETH(c, R_EAX, status);
    bios_wr8(pc, dl & 0x80 ? BDA_HD_STATUS : BDA_FD_STATUS, status);
    bios_set_cf(pc, status != ST_OK);
}

static unsigned bios_cyls(const struct disk *d)
{
    return d->geom.cyls > 1024 ? 1024 : d->geom.cyls;
}

/* AH=02h/03h/04h: AL sectors from CH/CL/DH (cylinder bits 8-9 in CL bits 6-7). */
static void transfer(struct pc *pc, struct disk *d, uint8_t dl, uint8_t ah)
{
    struct cpu *c = &pc->cpu;
    unsigned count = RL(c, R_EAX);
    unsigned cyl = RH(c, R_ECX) | ((RL(c, R_ECX) & 0xC0u) << 2);
    unsigned sect = RL(c, R_ECX) & 0x3F;
    unsigned head = RH(c, R_EDX);
    if (count == 0 || count > 128) {
        SETL(c, R_EAX, 0);
        finish(pc, dl, ST_BAD_COMMAND);
        return;
    }
    if (sect == 0 || sect > d->geom.spt || head >= d->geom.heads || cyl >= bios_cyls(d)) {
        SETL(c, R_EAX, 0);
        finish(pc, dl, ST_SECTOR_NOT_FOUND);
        return;
    }
    uint64_t lba = ((uint64_t)cyl * d->geom.heads + head) * d->geom.spt + (sect - 1);
    uint32_t buf = cpu_seg_lin(c, SEG_ES, R16(c, R_EBX));
    /* The diskette controller moves data by DMA, which cannot cross a 64 KiB page. */
    if (!(dl & 0x80) && ah != 0x04 && ((buf & 0xFFFF) + count * 512u) > 0x10000) {
        SETL(c, R_EAX, 0);
        finish(pc, dl, ST_DMA_BOUNDARY);
        return;
    }
    unsigned done = 0;
    uint8_t status = ST_OK;
    uint8_t sec[512];
    for (; done < count; done++) {
        if (lba + done >= d->sectors) {
            status = ST_SECTOR_NOT_FOUND;
            break;
        }
        if (ah == 0x02) {
            if (disk_read(d, lba + done, 1, sec)) {
                status = ST_ADDR_MARK;
                break;
            }
            bios_write_block(pc, buf + done * 512, sec, 512);
        } else if (ah == 0x03) {
            bios_read_block(pc, buf + done * 512, sec, 512);
            if (disk_write(d, lba + done, 1, sec)) {
                status = ST_WRITE_PROTECT;
                break;
            }
        } else if (disk_read(d, lba + done, 1, sec)) {
            status = ST_ADDR_MARK;
            break;
        }
    }
    SETL(c, R_EAX, (uint8_t)done);
    finish(pc, dl, status);
}

static void drive_parameters(struct pc *pc, struct disk *d, uint8_t dl)
{
    struct cpu *c = &pc->cpu;
    if (dl & 0x80) {
        unsigned maxc = bios_cyls(d) - 1;
        SETH(c, R_ECX, (uint8_t)maxc);
        SETL(c, R_ECX, (uint8_t)((d->geom.spt & 0x3F) | ((maxc >> 2) & 0xC0)));
        SETH(c, R_EDX, (uint8_t)(d->geom.heads - 1));
        SETL(c, R_EDX, bios_rd8(pc, BDA_HD_COUNT));
        SETL(c, R_EAX, 0);
    } else {
        unsigned n = (pc->drive[PC_FDA] != NULL) + (pc->drive[PC_FDB] != NULL);
        SETL(c, R_EBX, disk_floppy_cmos_type(d));
        SETH(c, R_EBX, 0);
        SETH(c, R_ECX, (uint8_t)(d->geom.cyls - 1));
        SETL(c, R_ECX, (uint8_t)d->geom.spt);
        SETH(c, R_EDX, (uint8_t)(d->geom.heads - 1));
        SETL(c, R_EDX, (uint8_t)n);
        SETL(c, R_EAX, 0);
        cpu_set_seg_raw(c, SEG_ES, 0xF000);
        SET16(c, R_EDI, 0xEFC7);          /* the diskette parameter table */
    }
    finish(pc, dl, ST_OK);
}

void bios_int13(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    uint8_t ah = RH(c, R_EAX), dl = RL(c, R_EDX);
    struct disk *d = bios_drive(pc, dl);

    if (!d) {
        if (ah == 0x15) {                 /* disk type: no such drive */
            SETH(c, R_EAX, 0);
            bios_set_cf(pc, false);
            return;
        }
        if (ah == 0x08 && (dl & 0x80)) {
            /* No such fixed disk: AH=01h but DL still counts the fixed disks. */
            SETL(c, R_EDX, bios_rd8(pc, BDA_HD_COUNT));
        }
        finish(pc, dl, (dl & 0x80) ? ST_BAD_COMMAND : ST_TIMEOUT);
        return;
    }

    switch (ah) {
    case 0x00:                            /* reset */
    case 0x0D:                            /* alternate reset */
    case 0x10:                            /* test drive ready */
    case 0x11:                            /* recalibrate */
        finish(pc, dl, ST_OK);
        break;
    case 0x01: {                          /* status of the last operation */
        uint8_t st = bios_rd8(pc, dl & 0x80 ? BDA_HD_STATUS : BDA_FD_STATUS);
        SETH(c, R_EAX, st);
        bios_set_cf(pc, st != ST_OK);
        break;
    }
    case 0x02:                            /* read */
    case 0x03:                            /* write */
    case 0x04:                            /* verify */
        transfer(pc, d, dl, ah);
        break;
    case 0x05:                            /* format track: accepted, nothing written */
        finish(pc, dl, ST_OK);
        break;
    case 0x08:
        drive_parameters(pc, d, dl);
        break;
    case 0x0C: {                          /* seek */
        unsigned cyl = RH(c, R_ECX) | ((RL(c, R_ECX) & 0xC0u) << 2);
        finish(pc, dl, cyl < bios_cyls(d) ? ST_OK : ST_SEEK);
        break;
    }
    case 0x15:                            /* disk type */
        if (dl & 0x80) {
            uint32_t n = (uint32_t)bios_cyls(d) * d->geom.heads * d->geom.spt;
            SETH(c, R_EAX, 0x03);         /* fixed disk; CX:DX sectors */
            SET16(c, R_ECX, (uint16_t)(n >> 16));
            SET16(c, R_EDX, (uint16_t)n);
        } else {
            SETH(c, R_EAX, 0x01);         /* diskette without change-line */
        }
        bios_set_cf(pc, false);
        break;
    case 0x16:                            /* diskette change: not changed */
        finish(pc, dl, ST_OK);
        break;
    case 0x41:                            /* EDD installation check: no extensions */
    default:
        finish(pc, dl, ST_BAD_COMMAND);
        break;
    }
}
