/* An ATA channel with PIO transfers (the AT's primary IDE channel: 0x1F0-0x1F7, 0x3F6, IRQ14)
 * and up to two devices (master, slave) backed by block devices.
 *
 *   cmd+0 data (16-bit)  +1 error / features  +2 sector count  +3 sector number / LBA 0-7
 *   +4 cylinder low / LBA 8-15  +5 cylinder high / LBA 16-23  +6 device/head (bit 4 = DEV,
 *   bit 6 = LBA, bits 0-3 = head / LBA 24-27)  +7 status (read) / command (write)
 *   ctl+0 alternate status (read) / device control (write: bit 1 nIEN, bit 2 SRST)
 *   ctl+1 drive address (read; bit 7 belongs to the floppy controller and floats)
 *
 * A command sets BSY and completes after a small virtual delay (ata_next_event / ata_advance),
 * so the BSY -> DRQ -> data -> BSY sequence is what a driver polling these bits sees.
 * Reading the status register clears a pending interrupt; the alternate status does not.
 * (ATA/ATAPI-4 (T13 1153D): register descriptions, PIO data-in/out and non-data protocols,
 * EXECUTE DEVICE DIAGNOSTIC, software reset and signatures.) */
#ifndef PW_DEVICES_ATA_H
#define PW_DEVICES_ATA_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/blockdev.h"
#include "devices/iobus.h"
#include "devices/irq.h"
#include "devices/vtime.h"

/* Status */
#define ATA_ST_ERR 0x01
#define ATA_ST_IDX 0x02
#define ATA_ST_CORR 0x04
#define ATA_ST_DRQ 0x08
#define ATA_ST_DSC 0x10
#define ATA_ST_DF 0x20
#define ATA_ST_DRDY 0x40
#define ATA_ST_BSY 0x80
/* Error */
#define ATA_ER_AMNF 0x01
#define ATA_ER_ABRT 0x04
#define ATA_ER_IDNF 0x10
#define ATA_ER_UNC 0x40
/* Device control */
#define ATA_DC_NIEN 0x02
#define ATA_DC_SRST 0x04

#define ATA_MAX_MULTIPLE 16
/* Virtual time a command (or one sector of a multi-sector transfer) keeps BSY set. */
#define ATA_DEFAULT_DELAY_NS 20000u

struct ata_drive {
    bool present;
    struct blockdev *bd;
    /* Default geometry (IDENTIFY words 1, 3, 6) and the current translation that
     * INITIALIZE DEVICE PARAMETERS sets (words 54-56). */
    uint16_t cyls, heads, spt;
    uint16_t cur_cyls, cur_heads, cur_spt;
    uint8_t multiple;        /* sectors per block for READ/WRITE MULTIPLE, 0 = disabled */
    uint8_t status;          /* the device's status register */
    char model[41];
    char serial[21];
};

/* What the channel is doing. */
enum ata_phase {
    ATA_IDLE,                /* ready for a command */
    ATA_BUSY,                /* BSY: 'action' happens at 'event_ns' */
    ATA_DATA_IN,             /* DRQ: the host reads buf */
    ATA_DATA_OUT,            /* DRQ: the host fills buf */
};

struct ata_channel {
    struct ata_drive drive[2];
    /* Task file: the host writes the same registers to both devices (LBA28, no HOB). */
    uint8_t feature, error, nsect, sector, lcyl, hcyl, select;
    uint8_t devctl;
    bool intrq;              /* interrupt pending (cleared by a status read or a new command) */
    bool irq_level;
    uint8_t command;         /* the command in progress */
    enum ata_phase phase;
    int action;              /* what completes when BSY ends (ata.c) */
    uint64_t event_ns;       /* when BSY ends, VTIME_NEVER if not busy */
    uint8_t unit;            /* device executing the command */
    uint64_t lba;            /* next sector to transfer */
    unsigned remaining;      /* sectors left in the command */
    unsigned block;          /* sectors per DRQ block of the command (1, or the multiple) */
    unsigned block_sectors;  /* sectors in the current DRQ block */
    uint8_t buf[ATA_MAX_MULTIPLE * 512];
    unsigned buf_pos, buf_len;
    uint32_t delay_ns;
    struct irq_line irq;
    struct vclock clock;
    uint64_t now_ns;
};

void ata_init(struct ata_channel *a, struct irq_line irq, struct vclock clock);
/* Attaches a block device as unit 0 (master) or 1 (slave). cyls/heads/spt: the default CHS
 * geometry (0 = derive it with ata_default_geometry). model may be NULL. Returns 0, or -1
 * when the geometry is out of range (heads 1..16, spt 1..63, cyls 1..65535). */
int ata_attach_drive(struct ata_channel *a, int unit, struct blockdev *bd, unsigned cyls,
                     unsigned heads, unsigned spt, const char *model);
/* Hardware reset (power on / RESET-): both devices reset, signatures loaded. */
void ata_reset(struct ata_channel *a);
/* Claims cmd_base..+7 and ctl_base..+1 (0x1F0 and 0x3F6 for the primary channel). */
int ata_attach(struct ata_channel *a, struct iobus *bus, uint16_t cmd_base, uint16_t ctl_base);

uint64_t ata_next_event(const struct ata_channel *a);
void ata_advance(struct ata_channel *a, uint64_t now_ns);

/* The CHS geometry a BIOS and a disk agree on for a disk of 'sectors' sectors: 16 heads, 63
 * sectors per track, cylinders = sectors / (16 * 63) capped at 16383; small disks (below
 * 504 MiB that do not divide evenly) try fewer heads/sectors so that C*H*S covers as much
 * as possible. */
void ata_default_geometry(uint64_t sectors, unsigned *cyls, unsigned *heads, unsigned *spt);

#endif
