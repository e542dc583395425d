#include "devices/cmos.h"

#include <string.h>

#define NS_PER_S 1000000000ull
/* The update cycle: UIP rises 244 us before the registers change (MC146818A, "Update Cycle"). */
#define UIP_NS 244000ull

enum {
    REG_SEC = 0, REG_SEC_ALARM = 1, REG_MIN = 2, REG_MIN_ALARM = 3, REG_HOUR = 4,
    REG_HOUR_ALARM = 5, REG_WDAY = 6, REG_DAY = 7, REG_MONTH = 8, REG_YEAR = 9,
    REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D,
};
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM 0x04    /* binary (1) or BCD (0) */
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

/* ----- calendar (proleptic Gregorian, days since 1970-01-01) --------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t unix_seconds(const struct cmos *c, uint64_t now_ns)
{
    return c->epoch + c->set_offset + (int64_t)(now_ns / NS_PER_S);
}

static void to_time(int64_t s, struct cmos_time *t)
{
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t rem = s - days * 86400;
    civil_from_days(days, &t->year, &t->month, &t->day);
    t->hour = (int)(rem / 3600);
    t->min = (int)(rem / 60 % 60);
    t->sec = (int)(rem % 60);
    t->wday = (int)(((days % 7) + 11) % 7) + 1; /* 1970-01-01 was a Thursday (5) */
}

void cmos_get_time(const struct cmos *c, uint64_t now_ns, struct cmos_time *t)
{
    to_time(unix_seconds(c, now_ns), t);
}

/* ----- register encoding --------------------------------------------------------------- */

static uint8_t enc(const struct cmos *c, int v)
{
    if (c->ram[REG_B] & B_DM)
        return (uint8_t)v;
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int dec(const struct cmos *c, uint8_t v)
{
    if (c->ram[REG_B] & B_DM)
        return v;
    return (v >> 4) * 10 + (v & 15);
}

/* Hours: 24-hour, or 12-hour with bit 7 = PM (MC146818A, Table 3). */
static uint8_t enc_hour(const struct cmos *c, int h)
{
    if (c->ram[REG_B] & B_24H)
        return enc(c, h);
    int h12 = h % 12 == 0 ? 12 : h % 12;
    return (uint8_t)(enc(c, h12) | (h >= 12 ? 0x80 : 0));
}

static int dec_hour(const struct cmos *c, uint8_t v)
{
    if (c->ram[REG_B] & B_24H)
        return dec(c, v);
    int h = dec(c, v & 0x7F) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* The clock registers as they read at now_ns. */
static uint8_t clock_reg(const struct cmos *c, uint8_t idx, uint64_t now_ns)
{
    struct cmos_time t;
    cmos_get_time(c, now_ns, &t);
    switch (idx) {
    case REG_SEC: return enc(c, t.sec);
    case REG_MIN: return enc(c, t.min);
    case REG_HOUR: return enc_hour(c, t.hour);
    case REG_WDAY: return enc(c, t.wday);
    case REG_DAY: return enc(c, t.day);
    case REG_MONTH: return enc(c, t.month);
    case REG_YEAR: return enc(c, t.year % 100);
    case CMOS_CENTURY: return enc(c, t.year / 100);
    default: return c->ram[idx];
    }
}

/* The guest set the clock: the registers 0-9 hold the new time; keep it as an offset from
 * the virtual clock so it keeps running from there. */
static void adopt_written_time(struct cmos *c, uint64_t now_ns)
{
    int year = dec(c, c->ram[REG_YEAR]) + 100 * dec(c, c->ram[CMOS_CENTURY]);
    int month = dec(c, c->ram[REG_MONTH]), day = dec(c, c->ram[REG_DAY]);
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return;
    int64_t s = days_from_civil(year, month, day) * 86400 + dec_hour(c, c->ram[REG_HOUR]) * 3600 +
                dec(c, c->ram[REG_MIN]) * 60 + dec(c, c->ram[REG_SEC]);
    c->set_offset += s - unix_seconds(c, now_ns);
}

/* Copies the running time into the registers (so a partial write changes only one field). */
static void snapshot_time(struct cmos *c, uint64_t now_ns)
{
    static const uint8_t regs[] = {REG_SEC, REG_MIN, REG_HOUR, REG_WDAY, REG_DAY, REG_MONTH,
                                   REG_YEAR, CMOS_CENTURY};
    for (size_t i = 0; i < sizeof regs; i++)
        c->ram[regs[i]] = clock_reg(c, regs[i], now_ns);
}

/* ----- interrupts ---------------------------------------------------------------------- */

/* Periodic interrupt period from register A's rate bits: rates 1 and 2 are aliases of 8 and
 * 9 with the 32.768 kHz time base; 0 is off (MC146818A, Table 5). */
static uint64_t periodic_ns(const struct cmos *c)
{
    unsigned r = c->ram[REG_A] & 0x0F;
    if (r == 0 || ((c->ram[REG_A] >> 4) & 7) != 2)
        return 0;
    if (r < 3)
        r += 7;
    return NS_PER_S * (1ull << (r - 1)) / 32768;
}

static void update_irq(struct cmos *c)
{
    uint8_t flags = c->ram[REG_C] & c->ram[REG_B] & (C_PF | C_AF | C_UF);
    if (flags)
        c->ram[REG_C] |= C_IRQF;
    bool level = (c->ram[REG_C] & C_IRQF) != 0;
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(&c->irq8, level);
    }
}

static bool alarm_matches(const struct cmos *c, uint64_t ns)
{
    static const uint8_t pairs[3][2] = {{REG_SEC_ALARM, REG_SEC}, {REG_MIN_ALARM, REG_MIN},
                                        {REG_HOUR_ALARM, REG_HOUR}};
    for (int i = 0; i < 3; i++) {
        uint8_t a = c->ram[pairs[i][0]];
        if ((a & 0xC0) == 0xC0)
            continue; /* "don't care" */
        if (a != clock_reg(c, pairs[i][1], ns))
            return false;
    }
    return true;
}

void cmos_advance(struct cmos *c, uint64_t now_ns)
{
    if (now_ns < c->now_ns)
        return;
    c->now_ns = now_ns;
    uint64_t per = periodic_ns(c);
    if (per) {
        if (c->next_periodic == VTIME_NEVER)
            c->next_periodic = (now_ns / per + 1) * per;
        if (now_ns >= c->next_periodic) {
            c->ram[REG_C] |= C_PF;
            c->next_periodic = (now_ns / per + 1) * per;
        }
    } else {
        c->next_periodic = VTIME_NEVER;
    }
    if (now_ns >= c->next_second) {
        if (!(c->ram[REG_B] & B_SET)) {
            c->ram[REG_C] |= C_UF;
            if (alarm_matches(c, now_ns))
                c->ram[REG_C] |= C_AF;
        }
        c->next_second = (now_ns / NS_PER_S + 1) * NS_PER_S;
    }
    update_irq(c);
}

uint64_t cmos_next_event(const struct cmos *c)
{
    uint64_t t = VTIME_NEVER;
    if ((c->ram[REG_B] & B_PIE) && c->next_periodic != VTIME_NEVER)
        t = c->next_periodic;
    if ((c->ram[REG_B] & (B_UIE | B_AIE)) && c->next_second < t)
        t = c->next_second;
    return t;
}

/* ----- ports --------------------------------------------------------------------------- */

static uint32_t cmos_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct cmos *c = opaque;
    if (port == 0x70)
        return 0xFF; /* the index register is write-only on an AT */
    uint64_t now = vclock_now(&c->clock);
    cmos_advance(c, now);
    uint8_t idx = c->index;
    switch (idx) {
    case REG_A: {
        uint8_t v = c->ram[REG_A] & 0x7F;
        if (!(c->ram[REG_B] & B_SET) && now % NS_PER_S >= NS_PER_S - UIP_NS)
            v |= A_UIP;
        return v;
    }
    case REG_C: { /* reading C clears the flags and the interrupt */
        uint8_t v = c->ram[REG_C];
        c->ram[REG_C] = 0;
        update_irq(c);
        return v;
    }
    case REG_SEC: case REG_MIN: case REG_HOUR: case REG_WDAY: case REG_DAY: case REG_MONTH:
    case REG_YEAR: case CMOS_CENTURY:
        if (c->ram[REG_B] & B_SET)
            return c->ram[idx]; /* being set: what the guest wrote */
        return clock_reg(c, idx, now);
    default:
        return c->ram[idx];
    }
}

static void cmos_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct cmos *c = opaque;
    uint8_t v = (uint8_t)val;
    if (port == 0x70) {
        c->index = v & 0x7F;
        c->nmi_disabled = (v & 0x80) != 0;
        return;
    }
    uint64_t now = vclock_now(&c->clock);
    cmos_advance(c, now);
    uint8_t idx = c->index;
    switch (idx) {
    case REG_SEC: case REG_MIN: case REG_HOUR: case REG_WDAY: case REG_DAY: case REG_MONTH:
    case REG_YEAR: case CMOS_CENTURY:
        if (c->ram[REG_B] & B_SET) {
            c->ram[idx] = v;
        } else {
            snapshot_time(c, now);
            c->ram[idx] = v;
            adopt_written_time(c, now);
        }
        break;
    case REG_A:
        c->ram[REG_A] = v & 0x7F; /* UIP is read-only */
        c->next_periodic = VTIME_NEVER;
        cmos_advance(c, now);
        break;
    case REG_B:
        if ((v & B_SET) && !(c->ram[REG_B] & B_SET))
            snapshot_time(c, now); /* the guest starts setting: registers hold the time */
        if (!(v & B_SET) && (c->ram[REG_B] & B_SET)) {
            c->ram[REG_B] = v | B_SET; /* decode with the format of the written values */
            adopt_written_time(c, now);
        }
        /* Setting SET clears UIE (MC146818A, register B bit 7). */
        c->ram[REG_B] = (v & B_SET) ? (uint8_t)(v & ~B_UIE) : v;
        update_irq(c);
        break;
    case REG_C: case REG_D:
        break; /* read-only */
    default:
        c->ram[idx] = v;
        break;
    }
}

int cmos_attach(struct cmos *c, struct iobus *bus)
{
    return iobus_register(bus, 0x70, 2, cmos_port_read, cmos_port_write, c, "cmos");
}

/* ----- configuration ------------------------------------------------------------------- */

void cmos_init(struct cmos *c, struct irq_line irq8, struct vclock clock, int64_t epoch)
{
    memset(c, 0, sizeof *c);
    c->irq8 = irq8;
    c->clock = clock;
    c->epoch = epoch;
    c->now_ns = vclock_now(&clock);
    c->ram[REG_A] = 0x26;  /* 32.768 kHz time base, 1024 Hz periodic rate */
    c->ram[REG_B] = B_24H; /* BCD, 24-hour, no interrupts */
    c->ram[REG_D] = 0x80;  /* valid RAM and time */
    c->next_periodic = VTIME_NEVER;
    c->next_second = (c->now_ns / NS_PER_S + 1) * NS_PER_S;
    struct cmos_time t;
    cmos_get_time(c, c->now_ns, &t);
    c->ram[CMOS_CENTURY] = enc(c, t.year / 100);
    cmos_update_checksum(c);
}

void cmos_set_byte(struct cmos *c, uint8_t index, uint8_t val)
{
    c->ram[index & 0x7F] = val;
}

uint8_t cmos_get_byte(const struct cmos *c, uint8_t index)
{
    return c->ram[index & 0x7F];
}

/* The AT checksum: the 16-bit sum of bytes 10h-2Dh, high byte at 2Eh, low byte at 2Fh. */
void cmos_update_checksum(struct cmos *c)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2D; i++)
        sum += c->ram[i];
    c->ram[0x2E] = (uint8_t)(sum >> 8);
    c->ram[0x2F] = (uint8_t)sum;
}

void cmos_set_memory(struct cmos *c, uint32_t ram_bytes)
{
    uint32_t base_kb = ram_bytes >= 640 * 1024 ? 640 : ram_bytes / 1024;
    uint32_t ext_kb = ram_bytes > 0x100000 ? (ram_bytes - 0x100000) / 1024 : 0;
    if (ext_kb > 0xFFFF)
        ext_kb = 0xFFFF;
    uint32_t above16 = ram_bytes > 0x1000000 ? (ram_bytes - 0x1000000) / 65536 : 0;
    if (above16 > 0xFFFF)
        above16 = 0xFFFF;
    c->ram[0x15] = (uint8_t)base_kb;
    c->ram[0x16] = (uint8_t)(base_kb >> 8);
    c->ram[0x17] = c->ram[0x30] = (uint8_t)ext_kb;
    c->ram[0x18] = c->ram[0x31] = (uint8_t)(ext_kb >> 8);
    c->ram[0x34] = (uint8_t)above16;
    c->ram[0x35] = (uint8_t)(above16 >> 8);
    cmos_update_checksum(c);
}

void cmos_set_disk(struct cmos *c, int unit, unsigned cyls, unsigned heads, unsigned spt)
{
    uint8_t *p = &c->ram[unit ? 0x24 : 0x1B];
    p[0] = (uint8_t)cyls;
    p[1] = (uint8_t)(cyls >> 8);
    p[2] = (uint8_t)heads;
    p[3] = 0xFF; /* no write precompensation */
    p[4] = 0xFF;
    p[5] = heads > 8 ? 0x08 : 0x00;
    p[6] = (uint8_t)cyls; /* landing zone: the last cylinder + 1, as BIOS setups default */
    p[7] = (uint8_t)(cyls >> 8);
    p[8] = (uint8_t)spt;
    c->ram[CMOS_DISK_TYPES] = unit ? (uint8_t)((c->ram[CMOS_DISK_TYPES] & 0xF0) | 0x0F)
                                   : (uint8_t)((c->ram[CMOS_DISK_TYPES] & 0x0F) | 0xF0);
    c->ram[unit ? 0x1A : 0x19] = 47;
    cmos_update_checksum(c);
}

void cmos_set_boot_order(struct cmos *c, unsigned first, unsigned second, unsigned third)
{
    c->ram[0x3D] = (uint8_t)((first & 0x0F) | (second & 0x0F) << 4);
    c->ram[0x38] = (uint8_t)((c->ram[0x38] & 0x0F) | (third & 0x0F) << 4);
}
