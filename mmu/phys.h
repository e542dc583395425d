/* The physical memory bus: RAM, ROM, MMIO windows, the A20 gate, open bus.
 *
 *   0x00000000 +------------------+
 *              | RAM (low 640K)   |
 *   0x000A0000 +------------------+  windows mapped by devices (VGA: 0xA0000-0xBFFFF)
 *   0x000C0000 | option ROM area  |  open bus unless mapped
 *   0x000E0000 | BIOS ROM (64K at 0xF0000, or 128K at 0xE0000 with --bios)
 *   0x00100000 +------------------+
 *              | RAM (extended)   |  up to ram_size
 *              |   ...open bus... |
 *   top 128K   | BIOS ROM alias   |  0xFFFE0000-0xFFFFFFFF
 *
 * Physical addresses here are after the A20 gate: callers pass the address the CPU put on
 * the bus and phys masks bit 20 when A20 is off. */
#ifndef PW_MMU_PHYS_H
#define PW_MMU_PHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/events.h"

/* Per-frame flags (one byte per 4 KiB physical frame of the 4 GiB space is too much; frames
 * are tracked for RAM only, index = phys >> 12). A frame with a watch bit never gets a fast
 * host-pointer path, so every access to it reaches phys_* slow code and is published. */
enum {
    PHYS_F_WATCH_R = 1u << 0, /* publish PW_EV_MEM_WATCH on reads  */
    PHYS_F_WATCH_W = 1u << 1, /* publish PW_EV_MEM_WATCH on writes */
    PHYS_F_CODE = 1u << 2,    /* reserved for a decoded-instruction cache */
    PHYS_F_HOLE = 1u << 7,    /* the frame lies in the hole (0xA0000-0xFFFFF): never plain
                                 RAM; set by phys_init, so that the MMU's common-case miss
                                 tests it with the watch bits (mmu/miss.c) */
};

struct phys_mmio_ops {
    uint32_t (*read)(void *opaque, uint32_t offset, unsigned size);
    void (*write)(void *opaque, uint32_t offset, unsigned size, uint32_t val);
};

enum phys_kind { PHYS_OPEN = 0, PHYS_RAM, PHYS_ROM, PHYS_HOSTMEM, PHYS_MMIO };

#define PHYS_MAX_WINDOWS 16

struct phys_window {
    uint32_t base, size;
    enum phys_kind kind;            /* PHYS_HOSTMEM (device-owned memory) or PHYS_MMIO */
    uint8_t *host;                  /* PHYS_HOSTMEM */
    const struct phys_mmio_ops *ops;/* PHYS_MMIO */
    void *opaque;
    const char *name;
};

struct phys {
    uint8_t *ram;       /* ram_size bytes */
    size_t ram_map;     /* bytes mapped at ram (phys.c: ram_alloc) */
    uint32_t ram_size;
    uint8_t *rom;       /* rom_size bytes, mapped to end at 0xFFFFF and at 0xFFFFFFFF */
    uint32_t rom_size;
    bool a20;           /* true: bit 20 passes; false: masked (8086 wrap-around) */
    uint8_t *frame_flags; /* ram_size >> 12 entries of PHYS_F_* */
    int nwin;
    struct phys_window win[PHYS_MAX_WINDOWS];
    struct pw_events *events;
    /* Called when anything that host pointers may have been derived from changes (A20,
     * a window mapped, a watch bit set): the MMU drops its fast paths. */
    void (*changed)(void *opaque);
    void *changed_opaque;
    bool win_over_ram;  /* a window covers some RAM (then windows are decoded first) */
    uint32_t gen;       /* counts the changes 'changed' reports, so a cache of anything
                           derived from the bus (the MMU's page-directory pointer) can tell
                           that it is stale without being told */
};

/* Returns 0, or -1 when memory cannot be allocated. ram_size is a multiple of 4 KiB. */
int phys_init(struct phys *p, uint32_t ram_size, struct pw_events *events);
void phys_free(struct phys *p);
/* Copies a ROM image (64 KiB or 128 KiB) that ends at 0xFFFFF and at 0xFFFFFFFF. */
int phys_load_rom(struct phys *p, const void *image, uint32_t size);
/* Maps a device window. Returns 0, or -1 on overlap with another window or a full table. */
int phys_map_hostmem(struct phys *p, uint32_t base, uint32_t size, uint8_t *host, const char *name);
int phys_map_mmio(struct phys *p, uint32_t base, uint32_t size, const struct phys_mmio_ops *ops,
                  void *opaque, const char *name);
void phys_set_a20(struct phys *p, bool on);
void phys_set_frame_flags(struct phys *p, uint32_t addr, uint8_t set, uint8_t clear);

static inline uint32_t phys_mask_a20(const struct phys *p, uint32_t addr)
{
    return p->a20 ? addr : (addr & ~(1u << 20));
}

/* What backs the page containing addr (A20 already applied by the caller or not: these
 * apply it). Host pointer to the byte at addr when the whole 4 KiB page is directly
 * addressable host memory (RAM, ROM, HOSTMEM) and not read-watched, else NULL. *writable
 * (may be NULL) says whether plain stores are allowed: false for ROM and for frames with
 * PHYS_F_WATCH_W or PHYS_F_CODE, whose writes must reach phys_write. */
uint8_t *phys_host_ptr(struct phys *p, uint32_t addr, bool *writable);

/* Slow, always-correct accesses (dispatch to RAM, ROM, windows, open bus). size 1, 2 or 4;
 * accesses that cross a region boundary are split bytewise. Reads of open bus return all
 * ones; writes to ROM or open bus are dropped. */
uint32_t phys_read(struct phys *p, uint32_t addr, unsigned size);
void phys_write(struct phys *p, uint32_t addr, unsigned size, uint32_t val);
/* Bulk copies for DMA-style devices and the BIOS. */
void phys_read_block(struct phys *p, uint32_t addr, void *dst, uint32_t len);
void phys_write_block(struct phys *p, uint32_t addr, const void *src, uint32_t len);

#endif
