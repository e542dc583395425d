/* The MC146818-style CMOS RAM and real-time clock of the PC/AT.
 *
 *   port 0x70  write: bit 7 = NMI disable, bits 0-6 = register index
 *   port 0x71  data of the selected register
 *
 *   00 sec  02 min  04 hour  06 weekday  07 day  08 month  09 year (01/03/05: alarms)
 *   0A status A (bit 7 UIP)  0B status B (bit 2 binary, bit 1 24h, bits 4-6 interrupt enables)
 *   0C status C (interrupt flags, cleared by reading)  0D status D (bit 7 valid RAM)
 *   0E diagnostic  0F shutdown status  10 diskette types  12 hard disk types  14 equipment
 *   15/16 base memory KiB  17/18 and 30/31 extended memory KiB  19/1A disk 0/1 extended type
 *   2E/2F checksum of 10-2D (big-endian)  32 century  34/35 memory above 16 MiB in 64 KiB
 *
 * The clock is wall time = epoch (seconds since 1970, chosen by the board: host time, or fixed
 * for reproducible runs) + virtual time, so two runs read the same time at the same point.
 * A second ticks every 10^9 virtual ns; UIP is high for the last 244 us before the tick.
 * (Motorola MC146818A datasheet; IBM AT Technical Reference, "CMOS RAM Address Map".) */
#ifndef PW_DEVICES_CMOS_H
#define PW_DEVICES_CMOS_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/iobus.h"
#include "devices/irq.h"
#include "devices/vtime.h"

#define CMOS_SHUTDOWN 0x0F
#define CMOS_FLOPPY_TYPES 0x10
#define CMOS_DISK_TYPES 0x12
#define CMOS_EQUIPMENT 0x14
#define CMOS_CENTURY 0x32

struct cmos {
    uint8_t index;
    bool nmi_disabled;
    uint8_t ram[128];        /* clock registers 0-9 are produced from the time on read */
    struct irq_line irq8;
    struct vclock clock;
    int64_t epoch;           /* Unix time at virtual time 0 */
    uint64_t now_ns;         /* state advanced to */
    uint64_t next_periodic;  /* absolute ns of the next periodic interrupt, or VTIME_NEVER */
    uint64_t next_second;    /* absolute ns of the next update-ended tick */
    int64_t set_offset;      /* seconds added by the guest setting the clock (SET bit) */
    bool irq_level;
};

/* epoch: Unix seconds at virtual time 0 (e.g. time(NULL), or a fixed value). */
void cmos_init(struct cmos *c, struct irq_line irq8, struct vclock clock, int64_t epoch);
/* Claims 0x70-0x71. Returns 0, or -1 on a port conflict. */
int cmos_attach(struct cmos *c, struct iobus *bus);

/* RAM bytes for the board (configuration): index 0x0E-0x7F. Call cmos_update_checksum after
 * changing bytes 0x10-0x2D. */
void cmos_set_byte(struct cmos *c, uint8_t index, uint8_t val);
uint8_t cmos_get_byte(const struct cmos *c, uint8_t index);
void cmos_update_checksum(struct cmos *c);
/* Fills the memory size bytes (15/16, 17/18, 30/31, 34/35) for ram_bytes of RAM and updates
 * the checksum. */
void cmos_set_memory(struct cmos *c, uint32_t ram_bytes);

/* Fixed disk unit 0 or 1 as user-defined drive type 47: the type nibble in 12h (Fh) and
 * 19h/1Ah = 47, and the parameter block firmware builds its int 41h/46h table from
 *   unit 0 at 1Bh, unit 1 at 24h: +0/1 cylinders, +2 heads, +3/4 write precompensation
 *   (FFFFh: none), +5 control byte (bit 3: more than 8 heads), +6/7 landing zone, +8 sectors
 * (the layout AT-compatible firmware such as the Bochs/QEMU BIOS reads). Updates the
 * checksum. */
void cmos_set_disk(struct cmos *c, int unit, unsigned cyls, unsigned heads, unsigned spt);
/* Boot order as Bochs/QEMU-style firmware reads it: 3Dh low/high nibble = first/second
 * device, 38h bits 4-7 = third (codes: 1 floppy, 2 hard disk, 3 CD-ROM, 0 none). */
#define CMOS_BOOT_FLOPPY 1
#define CMOS_BOOT_DISK 2
void cmos_set_boot_order(struct cmos *c, unsigned first, unsigned second, unsigned third);

/* Periodic and update-ended interrupts on IRQ8 (when enabled in status B). */
uint64_t cmos_next_event(const struct cmos *c);
void cmos_advance(struct cmos *c, uint64_t now_ns);

/* Broken-down time the RTC shows at now_ns (for the BIOS's int 1Ah). */
struct cmos_time {
    int year, month, day, hour, min, sec, wday;  /* wday 1 = Sunday, as the RTC counts */
};
void cmos_get_time(const struct cmos *c, uint64_t now_ns, struct cmos_time *t);

#endif
