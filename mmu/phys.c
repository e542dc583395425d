/* The physical memory bus: RAM, ROM (and its alias below 4 GiB), device windows, the A20
 * gate and open bus. See phys.h for the map.
 *
 * Every address is first passed through the A20 gate (bit 20 forced to 0 when the gate is
 * off, as the 8042's output port or port 92h does on a PC), then decoded in this order:
 * device windows, ROM, RAM (outside the 640K-1M hole), open bus. */
#include "mmu/phys.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "mmu/internal.h"

#define HOLE_START PHYS_HOLE_START
#define HOLE_END PHYS_HOLE_END
/* RAM stays below the ROM alias and the usual PCI/APIC area at the top. */
#define PHYS_MAX_RAM 0xE0000000u

/* What one decoded address refers to. 'len' is how many bytes from addr stay in the same
 * region (and, for RAM, the same 4 KiB frame, because watch bits are per frame). */
struct region {
    enum phys_kind kind;
    uint8_t *host;              /* RAM, ROM, HOSTMEM: byte at addr */
    const struct phys_window *win;
    uint32_t off;               /* MMIO: offset in the window */
    uint32_t len;
    uint8_t flags;              /* RAM frame flags */
};

static bool in_range(uint32_t addr, uint32_t base, uint32_t size)
{
    return addr - base < size;
}

/* Bytes from addr to the end of [base, base+size) (which contains addr). */
static uint32_t left_in(uint32_t addr, uint32_t base, uint32_t size)
{
    return size - (addr - base);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static bool ram_has(const struct phys *p, uint32_t addr)
{
    return addr < p->ram_size && !(addr >= HOLE_START && addr < HOLE_END);
}

/* The common case of decode(): plain RAM that no window covers, the access inside one
 * frame. Page walks and every TLB miss come through here, so it skips the region record. */
static inline bool ram_direct(const struct phys *p, uint32_t addr, unsigned size)
{
    return !p->win_over_ram && ram_has(p, addr) && (addr & ~PAGE_MASK) <= PAGE_SIZE - size;
}

/* ROM base in the first MiB and at the top of the 4 GiB space. */
static uint32_t rom_low(const struct phys *p) { return HOLE_END - p->rom_size; }
static uint32_t rom_high(const struct phys *p) { return 0u - p->rom_size; }

/* RAM, ROM, the hole and open bus all change at 4 KiB boundaries (ram_size is a multiple of
 * 4 KiB, the ROM is 64 or 128 KiB aligned), so outside windows a piece ends at the end of
 * the page or where the next window starts, whichever comes first. */
static void decode(const struct phys *p, uint32_t addr, struct region *r)
{
    uint32_t limit = PAGE_SIZE - (addr & ~PAGE_MASK);
    r->host = NULL;
    r->win = NULL;
    r->off = 0;
    r->flags = 0;
    /* The common case first: RAM that no window covers (the ROM never overlaps RAM). */
    if (!p->win_over_ram && ram_has(p, addr)) {
        r->kind = PHYS_RAM;
        r->host = p->ram + addr;
        r->flags = p->frame_flags[addr >> PAGE_SHIFT];
        r->len = limit;
        return;
    }
    for (int i = 0; i < p->nwin; i++) {
        const struct phys_window *w = &p->win[i];
        if (in_range(addr, w->base, w->size)) {
            r->kind = w->kind;
            r->win = w;
            r->off = addr - w->base;
            r->len = left_in(addr, w->base, w->size);
            if (w->kind == PHYS_HOSTMEM)
                r->host = w->host + r->off;
            return;
        }
        if (w->base > addr)
            limit = min_u32(limit, w->base - addr);
    }
    r->len = limit;
    if (p->rom_size && in_range(addr, rom_low(p), p->rom_size)) {
        r->kind = PHYS_ROM;
        r->host = p->rom + (addr - rom_low(p));
    } else if (p->rom_size && in_range(addr, rom_high(p), p->rom_size)) {
        r->kind = PHYS_ROM;
        r->host = p->rom + (addr - rom_high(p));
    } else if (ram_has(p, addr)) {
        r->kind = PHYS_RAM;
        r->host = p->ram + addr;
        r->flags = p->frame_flags[addr >> PAGE_SHIFT];
    } else {
        r->kind = PHYS_OPEN;
    }
}

/* Guest RAM: zeroed anonymous memory, aligned to 2 MiB and offered to the host kernel as
 * transparent huge pages (madvise). A guest that strides across its memory, one access per
 * page (the page walks this tool is about), would otherwise need a host TLB entry per guest
 * page; with 2 MiB host pages a few entries cover all of it. Where the host has no huge
 * pages this is plain anonymous memory. */
static uint8_t *ram_alloc(uint32_t size, size_t *mapped)
{
    const size_t huge = (size_t)2 << 20;
    size_t body = ((size_t)(size ? size : 1) + huge - 1) / huge * huge;
    size_t len = body + huge;
    uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *mapped = 0;
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *ram = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    size_t head = (size_t)(ram - raw), tail = len - head - body;
    if (head)
        munmap(raw, head);
    if (tail)
        munmap(ram + body, tail);
#ifdef MADV_HUGEPAGE
    madvise(ram, body, MADV_HUGEPAGE);
#endif
    *mapped = body;
    return ram;
}

static void ram_release(uint8_t *ram, size_t mapped)
{
    if (ram)
        munmap(ram, mapped);
}

int phys_init(struct phys *p, uint32_t ram_size, struct pw_events *events)
{
    memset(p, 0, sizeof *p);
    if (ram_size & (PAGE_SIZE - 1) || ram_size > PHYS_MAX_RAM)
        return -1;
    /* The array spans the hole too (those bytes are never used) so RAM is ram[addr]. */
    p->ram = ram_alloc(ram_size, &p->ram_map);
    p->frame_flags = calloc((ram_size >> PAGE_SHIFT) + 1, 1);
    if (!p->ram || !p->frame_flags) {
        phys_free(p);
        return -1;
    }
    p->ram_size = ram_size;
    for (uint32_t a = HOLE_START; a < HOLE_END && a < ram_size; a += PAGE_SIZE)
        p->frame_flags[a >> PAGE_SHIFT] = PHYS_F_HOLE;
    /* The 8042 output port comes out of reset with the A20 line enabled. */
    p->a20 = true;
    p->events = events;
    return 0;
}

void phys_free(struct phys *p)
{
    ram_release(p->ram, p->ram_map);
    free(p->rom);
    free(p->frame_flags);
    p->ram = p->rom = p->frame_flags = NULL;
    p->ram_size = p->rom_size = 0;
}

static void notify(struct phys *p)
{
    p->gen++;
    if (p->changed)
        p->changed(p->changed_opaque);
}

int phys_load_rom(struct phys *p, const void *image, uint32_t size)
{
    if (size != 0x10000 && size != 0x20000)
        return -1;
    uint8_t *rom = malloc(size);
    if (!rom)
        return -1;
    memcpy(rom, image, size);
    free(p->rom);
    p->rom = rom;
    p->rom_size = size;
    notify(p);
    return 0;
}

static int add_window(struct phys *p, const struct phys_window *w)
{
    if (p->nwin >= PHYS_MAX_WINDOWS || w->size == 0 || w->base + (w->size - 1) < w->base)
        return -1;
    for (int i = 0; i < p->nwin; i++) {
        const struct phys_window *o = &p->win[i];
        if (in_range(w->base, o->base, o->size) || in_range(o->base, w->base, w->size))
            return -1;
    }
    p->win[p->nwin++] = *w;
    /* RAM is [0, 640K) and [1M, ram_size). */
    uint32_t end = w->base + (w->size - 1);
    if ((w->base < HOLE_START && w->base < p->ram_size) ||
        (end >= HOLE_END && w->base < p->ram_size && p->ram_size > HOLE_END))
        p->win_over_ram = true;
    notify(p);
    return 0;
}

int phys_map_hostmem(struct phys *p, uint32_t base, uint32_t size, uint8_t *host, const char *name)
{
    struct phys_window w = { .base = base, .size = size, .kind = PHYS_HOSTMEM, .host = host,
                             .name = name };
    return host ? add_window(p, &w) : -1;
}

int phys_map_mmio(struct phys *p, uint32_t base, uint32_t size, const struct phys_mmio_ops *ops,
                  void *opaque, const char *name)
{
    struct phys_window w = { .base = base, .size = size, .kind = PHYS_MMIO, .ops = ops,
                             .opaque = opaque, .name = name };
    return ops ? add_window(p, &w) : -1;
}

void phys_set_a20(struct phys *p, bool on)
{
    if (p->a20 != on) {
        p->a20 = on;
        notify(p);
    }
}

void phys_set_frame_flags(struct phys *p, uint32_t addr, uint8_t set, uint8_t clear)
{
    if (addr >= p->ram_size)
        return;
    uint8_t *f = &p->frame_flags[addr >> PAGE_SHIFT];
    /* PHYS_F_HOLE belongs to the address (phys_init), not to a caller */
    uint8_t keep = PHYS_F_HOLE;
    uint8_t nf = (uint8_t)((*f & ~(clear & ~keep)) | (set & ~keep));
    if (nf != *f) {
        *f = nf;
        notify(p);
    }
}

uint8_t *phys_host_ptr(struct phys *p, uint32_t addr, bool *writable)
{
    addr = phys_mask_a20(p, addr);
    uint32_t page = addr & ~(PAGE_SIZE - 1);
    if (MMU_LIKELY(ram_direct(p, page, PAGE_SIZE))) { /* decode()'s RAM case, shortened */
        uint8_t f = p->frame_flags[page >> PAGE_SHIFT];
        bool ok = !(f & PHYS_F_WATCH_R);
        if (writable)
            *writable = ok && !(f & (PHYS_F_WATCH_W | PHYS_F_CODE));
        return ok ? p->ram + addr : NULL;
    }
    struct region r;
    decode(p, page, &r);
    if (writable)
        *writable = false;
    /* The whole page must be one piece of host memory, or the fast path could run past it. */
    if (r.host == NULL || r.len < PAGE_SIZE)
        return NULL;
    if (r.kind == PHYS_RAM && (r.flags & PHYS_F_WATCH_R))
        return NULL;
    if (writable)
        *writable = r.kind == PHYS_HOSTMEM ||
                    (r.kind == PHYS_RAM && !(r.flags & (PHYS_F_WATCH_W | PHYS_F_CODE)));
    return r.host + (addr - page);
}

/* Guest memory is little-endian; so is every host pagewalk builds for (x86-64, aarch64). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pagewalk assumes a little-endian host"
#endif

static uint32_t load_le(const uint8_t *h, unsigned size)
{
    uint32_t v32;
    uint16_t v16;
    switch (size) {
    case 4:
        memcpy(&v32, h, 4);
        return v32;
    case 2:
        memcpy(&v16, h, 2);
        return v16;
    case 1:
        return h[0];
    default: { /* block-copy event values: 3 bytes */
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint32_t)h[i] << (8 * i);
        return v;
    }
    }
}

static void store_le(uint8_t *h, unsigned size, uint32_t v)
{
    uint16_t v16 = (uint16_t)v;
    switch (size) {
    case 4:
        memcpy(h, &v, 4);
        break;
    case 2:
        memcpy(h, &v16, 2);
        break;
    default:
        h[0] = (uint8_t)v;
        break;
    }
}

static void publish_watch(struct phys *p, uint32_t addr, uint32_t lin, unsigned size, bool write,
                          uint32_t val)
{
    if (!PW_WANTS(p->events, PW_EV_MEM_WATCH))
        return;
    struct pw_event ev = { .kind = PW_EV_MEM_WATCH };
    ev.watch.phys = addr;
    ev.watch.lin = lin;
    ev.watch.size = (uint8_t)size;
    ev.watch.write = write;
    ev.watch.val = val;
    pw_events_publish(p->events, &ev);
}

/* One access that lies within one region (r.len >= size). */
static uint32_t read_in(struct phys *p, const struct region *r, uint32_t addr, unsigned size,
                        uint32_t lin, bool watch)
{
    uint32_t v;
    switch (r->kind) {
    case PHYS_RAM:
    case PHYS_ROM:
    case PHYS_HOSTMEM:
        v = load_le(r->host, size);
        if (watch && r->kind == PHYS_RAM && (r->flags & PHYS_F_WATCH_R))
            publish_watch(p, addr, lin, size, false, v);
        return v;
    case PHYS_MMIO:
        return r->win->ops->read ? r->win->ops->read(r->win->opaque, r->off, size)
                                 : 0xFFFFFFFFu >> (32 - 8 * size);
    default:
        return 0xFFFFFFFFu >> (32 - 8 * size);
    }
}

static void write_in(struct phys *p, const struct region *r, uint32_t addr, unsigned size,
                     uint32_t val, uint32_t lin, bool watch)
{
    switch (r->kind) {
    case PHYS_RAM:
        store_le(r->host, size, val);
        if (watch && (r->flags & PHYS_F_WATCH_W))
            publish_watch(p, addr, lin, size, true, val);
        return;
    case PHYS_HOSTMEM:
        store_le(r->host, size, val);
        return;
    case PHYS_MMIO:
        if (r->win->ops->write)
            r->win->ops->write(r->win->opaque, r->off, size, val);
        return;
    default:
        return; /* ROM and open bus: the write is dropped */
    }
}

static uint32_t do_read(struct phys *p, uint32_t addr, unsigned size, uint32_t lin, bool watch);
static void do_write(struct phys *p, uint32_t addr, unsigned size, uint32_t val, uint32_t lin,
                     bool watch);

/* Everything but plain RAM (kept out of line so the RAM path stays a leaf without a frame). */
static __attribute__((noinline)) uint32_t do_read_decoded(struct phys *p, uint32_t addr,
                                                          unsigned size, uint32_t lin, bool watch)
{
    struct region r;
    decode(p, addr, &r);
    if (MMU_LIKELY(r.len >= size))
        return read_in(p, &r, addr, size, lin, watch);
    /* Crosses a region (or frame) boundary: bytewise, each byte decoded on its own. */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= do_read(p, addr + i, 1, lin + i, watch) << (8 * i);
    return v;
}

static __attribute__((noinline)) void do_write_decoded(struct phys *p, uint32_t addr, unsigned size,
                                                       uint32_t val, uint32_t lin, bool watch)
{
    struct region r;
    decode(p, addr, &r);
    if (MMU_LIKELY(r.len >= size)) {
        write_in(p, &r, addr, size, val, lin, watch);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        do_write(p, addr + i, 1, (val >> (8 * i)) & 0xFF, lin + i, watch);
}

static inline uint32_t do_read(struct phys *p, uint32_t addr, unsigned size, uint32_t lin, bool watch)
{
    addr = phys_mask_a20(p, addr);
    if (MMU_LIKELY(ram_direct(p, addr, size))) {
        uint32_t v = load_le(p->ram + addr, size);
        if (watch && (p->frame_flags[addr >> PAGE_SHIFT] & PHYS_F_WATCH_R))
            publish_watch(p, addr, lin, size, false, v);
        return v;
    }
    return do_read_decoded(p, addr, size, lin, watch);
}

static inline void do_write(struct phys *p, uint32_t addr, unsigned size, uint32_t val, uint32_t lin,
                            bool watch)
{
    addr = phys_mask_a20(p, addr);
    if (MMU_LIKELY(ram_direct(p, addr, size))) {
        store_le(p->ram + addr, size, val);
        if (watch && (p->frame_flags[addr >> PAGE_SHIFT] & PHYS_F_WATCH_W))
            publish_watch(p, addr, lin, size, true, val);
        return;
    }
    do_write_decoded(p, addr, size, val, lin, watch);
}

uint32_t phys_read(struct phys *p, uint32_t addr, unsigned size)
{
    return do_read(p, addr, size, addr, true);
}

void phys_write(struct phys *p, uint32_t addr, unsigned size, uint32_t val)
{
    do_write(p, addr, size, val, addr, true);
}

uint32_t phys_read_lin(struct phys *p, uint32_t addr, unsigned size, uint32_t lin)
{
    return do_read(p, addr, size, lin, true);
}

void phys_write_lin(struct phys *p, uint32_t addr, unsigned size, uint32_t val, uint32_t lin)
{
    do_write(p, addr, size, val, lin, true);
}

uint32_t phys_read_pt(struct phys *p, uint32_t addr)
{
    return do_read(p, addr, 4, addr, false);
}

void phys_write_pt(struct phys *p, uint32_t addr, uint32_t val)
{
    do_write(p, addr, 4, val, addr, false);
}

/* Bulk copies go a region piece at a time; a watched frame reports one event per piece
 * (size clipped to 255, value = its first bytes). */
void phys_read_block(struct phys *p, uint32_t addr, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t a = phys_mask_a20(p, addr);
        struct region r;
        decode(p, a, &r);
        uint32_t n = min_u32(len, r.len);
        if (r.host) {
            memcpy(d, r.host, n);
            if (r.kind == PHYS_RAM && (r.flags & PHYS_F_WATCH_R))
                publish_watch(p, a, addr, min_u32(n, 255), false, load_le(d, min_u32(n, 4)));
        } else {
            for (uint32_t i = 0; i < n; i++)
                d[i] = (uint8_t)read_in(p, &r, a, 1, addr, false), r.off++;
        }
        d += n, addr += n, len -= n;
    }
}

void phys_write_block(struct phys *p, uint32_t addr, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint32_t a = phys_mask_a20(p, addr);
        struct region r;
        decode(p, a, &r);
        uint32_t n = min_u32(len, r.len);
        if (r.kind == PHYS_RAM || r.kind == PHYS_HOSTMEM) {
            memcpy(r.host, s, n);
            if (r.kind == PHYS_RAM && (r.flags & PHYS_F_WATCH_W))
                publish_watch(p, a, addr, min_u32(n, 255), true, load_le(s, min_u32(n, 4)));
        } else if (r.kind == PHYS_MMIO) {
            for (uint32_t i = 0; i < n; i++)
                write_in(p, &r, a + i, 1, s[i], addr + i, false), r.off++;
        }
        s += n, addr += n, len -= n;
    }
}
