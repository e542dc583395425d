#include "devices/ata.h"

#include <stdio.h>
#include <string.h>

/* Task-file offsets from the command block base. */
enum { REG_DATA, REG_ERROR, REG_NSECT, REG_SECTOR, REG_LCYL, REG_HCYL, REG_SELECT, REG_STATUS };

#ifndef PAGEWALK_VERSION
#define PAGEWALK_VERSION "0"
#endif

#define SEL_DEV 0x10
#define SEL_LBA 0x40
#define SEL_OBSOLETE 0xA0    /* bits 7 and 5 read as 1 on ATA-1 era devices */

/* What happens when BSY ends. */
enum {
    ACT_NONE,
    ACT_READ_BLOCK,          /* fetch the next DRQ block, DRQ + interrupt */
    ACT_WRITE_DRQ,           /* first block of a write: DRQ, no interrupt */
    ACT_WRITE_BLOCK,         /* commit a written block; next DRQ + interrupt, or done */
    ACT_IDENTIFY,            /* IDENTIFY DEVICE data ready: DRQ + interrupt */
    ACT_DONE,                /* non-data command completes: interrupt */
    ACT_ERROR,               /* command ends with ERR: interrupt */
    ACT_DIAG,                /* EXECUTE DEVICE DIAGNOSTIC completes: signature, interrupt */
    ACT_RESET,               /* software reset completes: signature, no interrupt */
};

/* Diagnostic code in the error register: 01h = device 0 passed, device 1 passed or absent
 * (ATA-4, EXECUTE DEVICE DIAGNOSTIC, Table "Diagnostic codes"). */
#define DIAG_PASSED 0x01

static struct ata_drive *selected(struct ata_channel *a)
{
    return &a->drive[(a->select & SEL_DEV) ? 1 : 0];
}

static void update_irq(struct ata_channel *a)
{
    bool level = a->intrq && !(a->devctl & ATA_DC_NIEN);
    if (level != a->irq_level) {
        a->irq_level = level;
        irq_set(&a->irq, level);
    }
}

static void raise_intrq(struct ata_channel *a)
{
    a->intrq = true;
    update_irq(a);
}

static void busy_until(struct ata_channel *a, int action)
{
    a->drive[a->unit].status = ATA_ST_BSY | (a->drive[a->unit].status & (ATA_ST_DRDY | ATA_ST_DSC));
    a->phase = ATA_BUSY;
    a->action = action;
    a->event_ns = a->now_ns + a->delay_ns;
}

static void finish(struct ata_channel *a, uint8_t error)
{
    struct ata_drive *d = &a->drive[a->unit];
    a->error = error;
    d->status = ATA_ST_DRDY | ATA_ST_DSC | (error ? ATA_ST_ERR : 0);
    a->phase = ATA_IDLE;
    a->action = ACT_NONE;
    a->event_ns = VTIME_NEVER;
    raise_intrq(a);
}

/* The registers after reset or diagnostic: the ATA device signature (ATA-4, "Signature and
 * persistence": sector count 01h, LBA low 01h, LBA mid 00h, LBA high 00h, device 00h). */
static void load_signature(struct ata_channel *a)
{
    a->nsect = 1;
    a->sector = 1;
    a->lcyl = 0;
    a->hcyl = 0;
    a->select = 0;
    a->error = DIAG_PASSED;
    for (int i = 0; i < 2; i++)
        if (a->drive[i].present)
            a->drive[i].status = ATA_ST_DRDY | ATA_ST_DSC;
}

/* ----- addressing ---------------------------------------------------------------------- */

/* The starting sector of the command from the task file: LBA28, or CHS through the current
 * translation. Returns false when the address is outside the device (IDNF). */
static bool task_lba(const struct ata_channel *a, const struct ata_drive *d, uint64_t *lba)
{
    if (a->select & SEL_LBA) {
        *lba = ((uint64_t)(a->select & 0x0F) << 24) | ((uint64_t)a->hcyl << 16) |
               ((uint64_t)a->lcyl << 8) | a->sector;
        return *lba < d->bd->sectors;
    }
    unsigned cyl = (unsigned)a->hcyl << 8 | a->lcyl, head = a->select & 0x0F, sec = a->sector;
    if (sec < 1 || sec > d->cur_spt || head >= d->cur_heads || cyl >= d->cur_cyls)
        return false;
    *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sec - 1;
    return *lba < d->bd->sectors;
}

/* Writes a sector address back into the task file in the command's addressing mode. */
static void set_task_lba(struct ata_channel *a, const struct ata_drive *d, uint64_t lba)
{
    if (a->select & SEL_LBA) {
        a->sector = (uint8_t)lba;
        a->lcyl = (uint8_t)(lba >> 8);
        a->hcyl = (uint8_t)(lba >> 16);
        a->select = (uint8_t)((a->select & 0xF0) | ((lba >> 24) & 0x0F));
        return;
    }
    uint64_t per_cyl = (uint64_t)d->cur_heads * d->cur_spt;
    uint64_t cyl = lba / per_cyl, rem = lba % per_cyl;
    a->sector = (uint8_t)(rem % d->cur_spt + 1);
    a->lcyl = (uint8_t)cyl;
    a->hcyl = (uint8_t)(cyl >> 8);
    a->select = (uint8_t)((a->select & 0xF0) | (rem / d->cur_spt));
}

static unsigned task_count(const struct ata_channel *a)
{
    return a->nsect ? a->nsect : 256;
}

/* ----- IDENTIFY DEVICE ----------------------------------------------------------------- */

static void put_word(uint8_t *buf, int w, uint16_t v)
{
    buf[2 * w] = (uint8_t)v;
    buf[2 * w + 1] = (uint8_t)(v >> 8);
}

/* ATA strings: two characters per word, the first in the high byte, padded with blanks. */
static void put_string(uint8_t *buf, int w, int words, const char *s)
{
    size_t len = strlen(s);
    for (int i = 0; i < 2 * words; i++) {
        char c = (size_t)i < len ? s[i] : ' ';
        buf[2 * w + (i ^ 1)] = (uint8_t)c;
    }
}

static void identify(const struct ata_drive *d, uint8_t *buf)
{
    memset(buf, 0, 512);
    uint64_t lba_cap = d->bd->sectors > 0x0FFFFFFF ? 0x0FFFFFFF : d->bd->sectors;
    uint32_t cur_cap = (uint32_t)d->cur_cyls * d->cur_heads * d->cur_spt;
    put_word(buf, 0, 0x0040);                /* fixed device, not removable */
    put_word(buf, 1, d->cyls);
    put_word(buf, 3, d->heads);
    put_word(buf, 4, (uint16_t)(512 * d->spt)); /* unformatted bytes per track (retired) */
    put_word(buf, 5, 512);                   /* unformatted bytes per sector (retired) */
    put_word(buf, 6, d->spt);
    put_string(buf, 10, 10, d->serial);
    put_word(buf, 20, 3);                    /* buffer type: dual ported, read cache */
    put_word(buf, 21, 16);                   /* buffer size in 512-byte units */
    put_word(buf, 22, 4);                    /* ECC bytes on READ/WRITE LONG */
    put_string(buf, 23, 4, PAGEWALK_VERSION);
    put_string(buf, 27, 20, d->model);
    put_word(buf, 47, 0x8000 | ATA_MAX_MULTIPLE);
    put_word(buf, 49, 0x0200);               /* LBA supported, no DMA */
    put_word(buf, 51, 0x0200);               /* PIO data transfer cycle timing mode 2 */
    put_word(buf, 53, 0x0001);               /* words 54-58 valid */
    put_word(buf, 54, d->cur_cyls);
    put_word(buf, 55, d->cur_heads);
    put_word(buf, 56, d->cur_spt);
    put_word(buf, 57, (uint16_t)cur_cap);
    put_word(buf, 58, (uint16_t)(cur_cap >> 16));
    put_word(buf, 59, d->multiple ? (uint16_t)(0x0100 | d->multiple) : 0);
    put_word(buf, 60, (uint16_t)lba_cap);
    put_word(buf, 61, (uint16_t)(lba_cap >> 16));
    put_word(buf, 80, 0x001E);               /* ATA-1 to ATA-4 */
}

/* ----- command execution --------------------------------------------------------------- */

/* Starts a sector transfer: validates the range, then BSY until the first block. */
static void start_transfer(struct ata_channel *a, struct ata_drive *d, bool write, unsigned block)
{
    uint64_t lba;
    unsigned count = task_count(a);
    if (!task_lba(a, d, &lba) || count > d->bd->sectors - lba) {
        a->error = ATA_ER_IDNF;
        busy_until(a, ACT_ERROR);
        return;
    }
    if (write && d->bd->read_only) {
        a->error = ATA_ER_ABRT;
        busy_until(a, ACT_ERROR);
        return;
    }
    a->lba = lba;
    a->remaining = count;
    a->block = block;
    busy_until(a, write ? ACT_WRITE_DRQ : ACT_READ_BLOCK);
}

static void execute(struct ata_channel *a, uint8_t cmd)
{
    struct ata_drive *d = selected(a);
    a->unit = (a->select & SEL_DEV) ? 1 : 0;
    a->command = cmd;
    a->intrq = false;
    update_irq(a);
    a->buf_pos = a->buf_len = 0;

    if (cmd == 0x90) {
        /* EXECUTE DEVICE DIAGNOSTIC: addressed to both devices; device 0 answers. */
        a->unit = a->drive[0].present ? 0 : 1;
        busy_until(a, ACT_DIAG);
        return;
    }
    if (!d->present)
        return; /* nobody is there to execute it */
    if (cmd >= 0x10 && cmd <= 0x1F) { /* RECALIBRATE */
        busy_until(a, ACT_DONE);
        return;
    }
    if (cmd >= 0x70 && cmd <= 0x7F) { /* SEEK: the address must exist */
        uint64_t lba;
        a->error = task_lba(a, d, &lba) ? 0 : ATA_ER_IDNF;
        busy_until(a, a->error ? ACT_ERROR : ACT_DONE);
        return;
    }
    switch (cmd) {
    case 0x20: case 0x21: /* READ SECTORS (with/without retry) */
        start_transfer(a, d, false, 1);
        break;
    case 0x30: case 0x31: /* WRITE SECTORS */
        start_transfer(a, d, true, 1);
        break;
    case 0xC4: /* READ MULTIPLE */
    case 0xC5: /* WRITE MULTIPLE */
        if (!d->multiple) {
            a->error = ATA_ER_ABRT;
            busy_until(a, ACT_ERROR);
        } else {
            start_transfer(a, d, cmd == 0xC5, d->multiple);
        }
        break;
    case 0x40: case 0x41: { /* READ VERIFY SECTORS: no data, just the range check */
        uint64_t lba;
        unsigned count = task_count(a);
        if (!task_lba(a, d, &lba) || count > d->bd->sectors - lba) {
            a->error = ATA_ER_IDNF;
            busy_until(a, ACT_ERROR);
        } else {
            set_task_lba(a, d, lba + count - 1);
            a->nsect = 0;
            a->error = 0;
            busy_until(a, ACT_DONE);
        }
        break;
    }
    case 0xC6: { /* SET MULTIPLE MODE: a power of two up to the maximum, 0 disables */
        unsigned n = a->nsect;
        if (n > ATA_MAX_MULTIPLE || (n & (n - 1))) {
            a->error = ATA_ER_ABRT;
            busy_until(a, ACT_ERROR);
        } else {
            d->multiple = (uint8_t)n;
            a->error = 0;
            busy_until(a, ACT_DONE);
        }
        break;
    }
    case 0x91: { /* INITIALIZE DEVICE PARAMETERS: heads from the device register */
        unsigned heads = (a->select & 0x0F) + 1u, spt = a->nsect;
        if (spt == 0) {
            a->error = ATA_ER_ABRT;
            busy_until(a, ACT_ERROR);
            break;
        }
        uint64_t cyls = d->bd->sectors / ((uint64_t)heads * spt);
        d->cur_heads = (uint16_t)heads;
        d->cur_spt = (uint16_t)spt;
        d->cur_cyls = (uint16_t)(cyls > 65535 ? 65535 : cyls);
        a->error = 0;
        busy_until(a, ACT_DONE);
        break;
    }
    case 0xEC: /* IDENTIFY DEVICE */
        busy_until(a, ACT_IDENTIFY);
        break;
    case 0xE7: /* FLUSH CACHE */
    case 0xEF: /* SET FEATURES (transfer mode, caches): accepted */
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: /* standby / idle */
    case 0x94: case 0x95: case 0x96: case 0x97: /* (ATA-1 codes of the same) */
        a->error = 0;
        busy_until(a, ACT_DONE);
        break;
    case 0xE5: case 0x98: /* CHECK POWER MODE: active */
        a->nsect = 0xFF;
        a->error = 0;
        busy_until(a, ACT_DONE);
        break;
    default: /* IDENTIFY PACKET DEVICE and everything else: aborted */
        a->error = ATA_ER_ABRT;
        busy_until(a, ACT_ERROR);
        break;
    }
}

/* Sectors in the next DRQ block. */
static unsigned next_block(const struct ata_channel *a)
{
    return a->remaining < a->block ? a->remaining : a->block;
}

static void data_ready(struct ata_channel *a, enum ata_phase phase, unsigned sectors)
{
    a->block_sectors = sectors;
    a->buf_pos = 0;
    a->buf_len = sectors * BLOCKDEV_SECTOR;
    a->phase = phase;
    a->action = ACT_NONE;
    a->event_ns = VTIME_NEVER;
    a->drive[a->unit].status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
}

/* BSY ends: the pending action happens. */
static void complete(struct ata_channel *a)
{
    struct ata_drive *d = &a->drive[a->unit];
    switch (a->action) {
    case ACT_READ_BLOCK: {
        unsigned n = next_block(a);
        set_task_lba(a, d, a->lba + n - 1);
        if (blockdev_read(d->bd, a->lba, n, a->buf) != 0) {
            finish(a, ATA_ER_UNC);
            return;
        }
        data_ready(a, ATA_DATA_IN, n);
        raise_intrq(a);
        break;
    }
    case ACT_WRITE_DRQ:
        data_ready(a, ATA_DATA_OUT, next_block(a));
        break;
    case ACT_WRITE_BLOCK: {
        unsigned n = a->block_sectors;
        set_task_lba(a, d, a->lba + n - 1);
        if (blockdev_write(d->bd, a->lba, n, a->buf) != 0) {
            finish(a, ATA_ER_ABRT);
            return;
        }
        a->lba += n;
        a->remaining -= n;
        a->nsect = (uint8_t)a->remaining;
        if (a->remaining) {
            data_ready(a, ATA_DATA_OUT, next_block(a));
            raise_intrq(a);
        } else {
            finish(a, 0);
        }
        break;
    }
    case ACT_IDENTIFY:
        identify(d, a->buf);
        data_ready(a, ATA_DATA_IN, 1);
        a->remaining = 1;
        a->block = 1;
        raise_intrq(a);
        break;
    case ACT_DONE:
        finish(a, 0);
        break;
    case ACT_ERROR:
        finish(a, a->error);
        break;
    case ACT_DIAG:
        load_signature(a);
        a->unit = 0;
        a->phase = ATA_IDLE;
        a->action = ACT_NONE;
        a->event_ns = VTIME_NEVER;
        raise_intrq(a);
        break;
    case ACT_RESET:
        load_signature(a);
        a->phase = ATA_IDLE;
        a->action = ACT_NONE;
        a->event_ns = VTIME_NEVER;
        break;
    default:
        a->phase = ATA_IDLE;
        a->event_ns = VTIME_NEVER;
        break;
    }
}

void ata_advance(struct ata_channel *a, uint64_t now_ns)
{
    if (now_ns > a->now_ns)
        a->now_ns = now_ns;
    while (a->phase == ATA_BUSY && a->event_ns <= a->now_ns && !(a->devctl & ATA_DC_SRST))
        complete(a);
}

uint64_t ata_next_event(const struct ata_channel *a)
{
    if (a->phase != ATA_BUSY || (a->devctl & ATA_DC_SRST))
        return VTIME_NEVER;
    return a->event_ns;
}

/* The host read the last word of a DRQ block. */
static void data_in_done(struct ata_channel *a)
{
    struct ata_drive *d = &a->drive[a->unit];
    a->lba += a->block_sectors;
    a->remaining -= a->block_sectors;
    if (a->command != 0xEC)
        a->nsect = (uint8_t)a->remaining;
    a->buf_pos = a->buf_len = 0;
    if (a->remaining) {
        busy_until(a, ACT_READ_BLOCK);
    } else {
        d->status = ATA_ST_DRDY | ATA_ST_DSC;
        a->phase = ATA_IDLE;
    }
}

/* ----- ports --------------------------------------------------------------------------- */

static uint32_t data_read(struct ata_channel *a, unsigned size)
{
    if (a->phase != ATA_DATA_IN || !selected(a)->present)
        return size == 4 ? 0xFFFFFFFFu : 0xFFFFu;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && a->buf_pos < a->buf_len; i++)
        v |= (uint32_t)a->buf[a->buf_pos++] << (8 * i);
    if (a->buf_pos >= a->buf_len)
        data_in_done(a);
    return v;
}

static void data_write(struct ata_channel *a, unsigned size, uint32_t val)
{
    if (a->phase != ATA_DATA_OUT || !selected(a)->present)
        return;
    for (unsigned i = 0; i < size && a->buf_pos < a->buf_len; i++)
        a->buf[a->buf_pos++] = (uint8_t)(val >> (8 * i));
    if (a->buf_pos >= a->buf_len)
        busy_until(a, ACT_WRITE_BLOCK);
}

static uint8_t status_of_selected(struct ata_channel *a)
{
    const struct ata_drive *d = selected(a);
    if (d->present)
        return d->status;
    /* Device 0 answers for an absent device 1 with status 00h; with no device at all the
     * bus floats high. */
    return (a->drive[0].present || a->drive[1].present) ? 0x00 : 0xFF;
}

static uint32_t ata_cmd_read(void *opaque, uint16_t port, unsigned size)
{
    struct ata_channel *a = opaque;
    ata_advance(a, vclock_now(&a->clock));
    unsigned reg = port & 7;
    if (reg == REG_DATA)
        return data_read(a, size);
    if (!a->drive[0].present && !a->drive[1].present)
        return 0xFF;
    switch (reg) {
    case REG_ERROR: return a->error;
    case REG_NSECT: return a->nsect;
    case REG_SECTOR: return a->sector;
    case REG_LCYL: return a->lcyl;
    case REG_HCYL: return a->hcyl;
    case REG_SELECT: return a->select | SEL_OBSOLETE;
    default: {
        /* Reading the status register acknowledges the interrupt. */
        uint8_t st = status_of_selected(a);
        a->intrq = false;
        update_irq(a);
        return st;
    }
    }
}

static void ata_cmd_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct ata_channel *a = opaque;
    ata_advance(a, vclock_now(&a->clock));
    unsigned reg = port & 7;
    uint8_t v = (uint8_t)val;
    if (reg == REG_DATA) {
        data_write(a, size, val);
        return;
    }
    /* The command block is not writable while BSY is set (ATA-4, "BSY"). */
    bool busy = a->phase == ATA_BUSY || (a->devctl & ATA_DC_SRST);
    if (busy)
        return;
    switch (reg) {
    case REG_ERROR: a->feature = v; break;
    case REG_NSECT: a->nsect = v; break;
    case REG_SECTOR: a->sector = v; break;
    case REG_LCYL: a->lcyl = v; break;
    case REG_HCYL: a->hcyl = v; break;
    case REG_SELECT: a->select = v & 0x5F; break;
    default: execute(a, v); break;
    }
}

static uint32_t ata_ctl_read(void *opaque, uint16_t port, unsigned size)
{
    struct ata_channel *a = opaque;
    ata_advance(a, vclock_now(&a->clock));
    if (!a->drive[0].present && !a->drive[1].present)
        return 0xFF;
    if (port & 1) {
        /* Drive address register: bit 7 is the floppy controller's (floats), bit 6 write
         * gate (inactive), bits 5-2 the head (inverted), bits 1-0 the selected drive
         * (active low). */
        unsigned head = a->select & 0x0F;
        return 0x80 | 0x40 | ((~head & 0x0F) << 2) | ((a->select & SEL_DEV) ? 0x01 : 0x02);
    }
    return status_of_selected(a); /* alternate status: no interrupt acknowledge */
}

static void ata_ctl_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct ata_channel *a = opaque;
    ata_advance(a, vclock_now(&a->clock));
    if (port & 1)
        return; /* 0x3F7 writes are the floppy data rate */
    uint8_t old = a->devctl;
    a->devctl = (uint8_t)(val & (ATA_DC_NIEN | ATA_DC_SRST));
    if ((a->devctl & ATA_DC_SRST) && !(old & ATA_DC_SRST)) {
        /* SRST asserted: both devices reset and stay busy while the bit is set; whatever
         * was in progress is abandoned. */
        for (int i = 0; i < 2; i++)
            if (a->drive[i].present)
                a->drive[i].status = ATA_ST_BSY;
        a->phase = ATA_BUSY;
        a->action = ACT_RESET;
        a->intrq = false;
        a->buf_pos = a->buf_len = 0;
        for (int i = 0; i < 2; i++)
            a->drive[i].multiple = 0;
    } else if (!(a->devctl & ATA_DC_SRST) && (old & ATA_DC_SRST)) {
        a->event_ns = a->now_ns + a->delay_ns; /* reset completes a little later */
        a->unit = 0;
    }
    update_irq(a);
}

int ata_attach(struct ata_channel *a, struct iobus *bus, uint16_t cmd_base, uint16_t ctl_base)
{
    if (iobus_register(bus, cmd_base, 8, ata_cmd_read, ata_cmd_write, a, "ata") ||
        iobus_register(bus, ctl_base, 2, ata_ctl_read, ata_ctl_write, a, "ata-ctl"))
        return -1;
    return 0;
}

/* ----- setup --------------------------------------------------------------------------- */

void ata_init(struct ata_channel *a, struct irq_line irq, struct vclock clock)
{
    memset(a, 0, sizeof *a);
    a->irq = irq;
    a->clock = clock;
    a->delay_ns = ATA_DEFAULT_DELAY_NS;
    a->event_ns = VTIME_NEVER;
    ata_reset(a);
}

void ata_reset(struct ata_channel *a)
{
    a->now_ns = vclock_now(&a->clock);
    a->devctl = 0;
    a->feature = 0;
    a->phase = ATA_IDLE;
    a->action = ACT_NONE;
    a->event_ns = VTIME_NEVER;
    a->buf_pos = a->buf_len = 0;
    a->intrq = false;
    a->unit = 0;
    for (int i = 0; i < 2; i++) {
        struct ata_drive *d = &a->drive[i];
        d->multiple = 0;
        d->cur_cyls = d->cyls;
        d->cur_heads = d->heads;
        d->cur_spt = d->spt;
    }
    load_signature(a);
    update_irq(a);
}

void ata_default_geometry(uint64_t sectors, unsigned *cyls, unsigned *heads, unsigned *spt)
{
    if (sectors >= 1024ull * 16 * 63) {
        uint64_t c = sectors / (16 * 63);
        *cyls = c > 16383 ? 16383 : (unsigned)c;
        *heads = 16;
        *spt = 63;
        return;
    }
    /* Below 504 MiB: the geometry with at most 1024 cylinders that covers the most
     * sectors; among equals, the most sectors per track, then the most heads. */
    uint64_t best = 0;
    *cyls = 1;
    *heads = 1;
    *spt = 1;
    for (unsigned s = 63; s >= 1; s--)
        for (unsigned h = 16; h >= 1; h--) {
            uint64_t c = sectors / ((uint64_t)h * s);
            if (c > 1024)
                continue;
            if (c * h * s > best) {
                best = c * h * s;
                *cyls = (unsigned)c;
                *heads = h;
                *spt = s;
            }
        }
    if (best == 0) { /* smaller than one track: 1 cylinder, 1 head */
        *cyls = 1;
        *heads = 1;
        *spt = sectors ? (unsigned)sectors : 1;
    }
}

int ata_attach_drive(struct ata_channel *a, int unit, struct blockdev *bd, unsigned cyls,
                     unsigned heads, unsigned spt, const char *model)
{
    if (unit < 0 || unit > 1 || !bd)
        return -1;
    if (!cyls || !heads || !spt)
        ata_default_geometry(bd->sectors, &cyls, &heads, &spt);
    if (heads < 1 || heads > 16 || spt < 1 || spt > 63 || cyls < 1 || cyls > 65535)
        return -1;
    struct ata_drive *d = &a->drive[unit];
    memset(d, 0, sizeof *d);
    d->present = true;
    d->bd = bd;
    d->cyls = d->cur_cyls = (uint16_t)cyls;
    d->heads = d->cur_heads = (uint16_t)heads;
    d->spt = d->cur_spt = (uint16_t)spt;
    snprintf(d->model, sizeof d->model, "%s", model ? model : "PAGEWALK HARDDISK");
    snprintf(d->serial, sizeof d->serial, "PW%04u%04u%02u%02u", cyls % 10000, (unsigned)(bd->sectors % 10000),
             heads, unit);
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    return 0;
}
