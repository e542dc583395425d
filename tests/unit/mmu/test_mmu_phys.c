/* The physical bus and the access paths around it: A20, ROM and its alias, the hole and
 * open bus, MMIO and host-memory windows, watch bits, page-crossing atomicity, fetch. */
#include <stdio.h>

#include "fixture.h"

/* ---- an MMIO device that records what it sees ---- */

struct dev {
    int reads, writes;
    uint32_t last_off, last_val;
    unsigned last_size;
    uint8_t regs[0x20000];
};

static uint32_t dev_read(void *opaque, uint32_t off, unsigned size)
{
    struct dev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)d->regs[off + i] << (8 * i);
    return v;
}

static void dev_write(void *opaque, uint32_t off, unsigned size, uint32_t val)
{
    struct dev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_size = size;
    d->last_val = val;
    for (unsigned i = 0; i < size; i++)
        d->regs[off + i] = (uint8_t)(val >> (8 * i));
}

static const struct phys_mmio_ops dev_ops = { dev_read, dev_write };

struct watch_rec {
    int n;
    struct pw_event last;
};

static void watch_fn(void *opaque, const struct pw_event *ev)
{
    struct watch_rec *w = opaque;
    w->n++;
    w->last = *ev;
}

static void test_a20(void)
{
    struct fx f;
    fx_init(&f, 2u << 20, 386, NULL);
    struct mmu *m = &f.mmu;
    CHECK(f.phys.a20);
    phys_write(&f.phys, 0x100010, 4, 0xAAAA5555u);
    phys_write(&f.phys, 0x000010, 4, 0x12345678u);
    uint32_t v;
    CHECK(mmu_read32(m, 0x100010, false, &v));
    CHECK_EQ(v, 0xAAAA5555u);
    CHECK(mmu_read32(m, 0x100010, false, &v)); /* now from the fast table */
    CHECK_EQ(v, 0xAAAA5555u);
    phys_set_a20(&f.phys, false);
    CHECK(mmu_read32(m, 0x100010, false, &v)); /* wraps to 0x10: the fast slot was dropped */
    CHECK_EQ(v, 0x12345678u);
    CHECK(mmu_write32(m, 0x100020, false, 0x77));
    CHECK_EQ(fx_rd32(&f, 0x20), 0x77);
    CHECK_EQ(fx_rd32(&f, 0x100020), 0);
    /* Real-mode FFFF:0010 = 0x100000 wraps to 0. */
    CHECK_EQ(phys_read(&f.phys, 0x100010, 4), 0x12345678u);
    phys_set_a20(&f.phys, true);
    CHECK(mmu_read32(m, 0x100010, false, &v));
    CHECK_EQ(v, 0xAAAA5555u);
    /* With paging on, the frame a PTE names goes through the gate too. */
    fx_map(&f, 0x00400000u, 0x100000u, PTE_P | PTE_RW, 0);
    fx_paging_on(&f, false);
    CHECK(mmu_read32(m, 0x00400010u, false, &v));
    CHECK_EQ(v, 0xAAAA5555u);
    phys_set_a20(&f.phys, false);
    CHECK(mmu_read32(m, 0x00400010u, false, &v));
    CHECK_EQ(v, 0x12345678u);
    fx_free(&f);
}

static void test_rom_hole_open(void)
{
    struct fx f;
    fx_init(&f, 2u << 20, 386, NULL);
    static uint8_t img[0x10000];
    for (unsigned i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(phys_load_rom(&f.phys, img, 1000), -1);
    CHECK_EQ(phys_load_rom(&f.phys, img, sizeof img), 0);
    CHECK_EQ(phys_read(&f.phys, 0xFFFF0, 1), img[0xFFF0]);
    CHECK_EQ(phys_read(&f.phys, 0xFFFFFFF0u, 1), img[0xFFF0]);
    CHECK_EQ(phys_read(&f.phys, 0xF0000, 4), phys_read(&f.phys, 0xFFFF0000u, 4));
    phys_write(&f.phys, 0xFFFF0, 1, (uint8_t)~img[0xFFF0]); /* ROM: dropped */
    phys_write(&f.phys, 0xFFFFFFF0u, 1, (uint8_t)~img[0xFFF0]);
    CHECK_EQ(phys_read(&f.phys, 0xFFFF0, 1), img[0xFFF0]);
    /* Through the MMU (real mode, paging off): reads work, writes are dropped even after
     * the page went into the fast table. */
    uint8_t b;
    CHECK(mmu_read8(&f.mmu, 0xFFFF0, false, &b));
    CHECK_EQ(b, img[0xFFF0]);
    CHECK(mmu_write8(&f.mmu, 0xFFFF0, false, 0));
    CHECK(mmu_write8(&f.mmu, 0xFFFF0, false, 0));
    CHECK(mmu_read8(&f.mmu, 0xFFFF0, false, &b));
    CHECK_EQ(b, img[0xFFF0]);
    /* 64 KiB ROM: 0xE0000 is open bus; the option-ROM area and the hole too. */
    CHECK_EQ(phys_read(&f.phys, 0xE0000, 4), 0xFFFFFFFFu);
    CHECK_EQ(phys_read(&f.phys, 0xC0000, 2), 0xFFFF);
    CHECK_EQ(phys_read(&f.phys, 0xA0000, 1), 0xFF);
    phys_write(&f.phys, 0xA0000, 1, 0x12);
    CHECK_EQ(phys_read(&f.phys, 0xA0000, 1), 0xFF);
    CHECK_EQ(phys_read(&f.phys, 0x9FFFC, 4), 0); /* last RAM word below the hole */
    /* A dword straddling RAM and the hole: two RAM bytes, two open-bus bytes. */
    phys_write(&f.phys, 0x9FFFE, 2, 0xBEEF);
    CHECK_EQ(phys_read(&f.phys, 0x9FFFE, 4), 0xFFFFBEEFu);
    /* Above the end of RAM: open bus, writes dropped. */
    CHECK_EQ(phys_read(&f.phys, 2u << 20, 4), 0xFFFFFFFFu);
    phys_write(&f.phys, 2u << 20, 4, 0);
    CHECK_EQ(phys_read(&f.phys, 0x80000000u, 4), 0xFFFFFFFFu);
    uint32_t v;
    CHECK(mmu_read32(&f.mmu, 0x80000000u, false, &v));
    CHECK_EQ(v, 0xFFFFFFFFu);
    /* A 128 KiB ROM starts at 0xE0000 and 0xFFFE0000. */
    static uint8_t big[0x20000];
    big[0] = 0x5A;
    big[0x1FFFF] = 0xA5;
    CHECK_EQ(phys_load_rom(&f.phys, big, sizeof big), 0);
    CHECK_EQ(phys_read(&f.phys, 0xE0000, 1), 0x5A);
    CHECK_EQ(phys_read(&f.phys, 0xFFFE0000u, 1), 0x5A);
    CHECK_EQ(phys_read(&f.phys, 0xFFFFFFFFu, 1), 0xA5);
    fx_free(&f);
}

static void test_windows(void)
{
    struct fx f;
    static struct dev d;
    memset(&d, 0, sizeof d);
    fx_init(&f, 2u << 20, 386, NULL);
    CHECK_EQ(phys_map_mmio(&f.phys, 0xA0000, 0x20000, &dev_ops, &d, "vga"), 0);
    CHECK_EQ(phys_map_mmio(&f.phys, 0xBF000, 0x2000, &dev_ops, &d, "overlap"), -1);
    phys_write(&f.phys, 0xA0010, 2, 0x1234);
    CHECK_EQ(d.writes, 1);
    CHECK_EQ(d.last_off, 0x10);
    CHECK_EQ(d.last_size, 2);
    CHECK_EQ(phys_read(&f.phys, 0xA0010, 2), 0x1234);
    CHECK_EQ(d.last_size, 2);
    /* The MMU never gives an MMIO page a fast path: every access reaches the device. */
    int reads = d.reads;
    uint16_t w = 0;
    for (int i = 0; i < 5; i++)
        CHECK(mmu_read16(&f.mmu, 0xA0010, false, &w));
    CHECK_EQ(d.reads, reads + 5);
    CHECK_EQ(w, 0x1234);
    for (int i = 0; i < 3; i++)
        CHECK(mmu_write32(&f.mmu, 0xB8000, false, 0x0741u + (uint32_t)i));
    CHECK_EQ(d.last_off, 0x18000);
    CHECK_EQ(d.last_val, 0x0743u);
    /* Straddling RAM and the window: split bytewise, RAM part in RAM. */
    int writes = d.writes;
    phys_write(&f.phys, 0x9FFFE, 4, 0xA1B2C3D4u);
    CHECK_EQ(d.writes, writes + 2);
    CHECK_EQ(fx_rd32(&f, 0x9FFFC) >> 16, 0xC3D4);
    CHECK_EQ(d.regs[0], 0xB2);
    CHECK_EQ(d.regs[1], 0xA1);
    CHECK_EQ(phys_read(&f.phys, 0x9FFFE, 4), 0xA1B2C3D4u);

    /* A host-memory window: direct, and usable by the fast path (writes too). */
    static uint8_t lfb[0x4000];
    CHECK_EQ(phys_map_hostmem(&f.phys, 0xE0000000u, sizeof lfb, lfb, "lfb"), 0);
    phys_write(&f.phys, 0xE0000004u, 4, 0x01020304);
    CHECK_EQ(lfb[4], 0x04);
    for (int i = 0; i < 3; i++)
        CHECK(mmu_write32(&f.mmu, 0xE0001000u, false, 0x55u + (uint32_t)i));
    CHECK_EQ(lfb[0x1000], 0x57);
    CHECK_EQ(mmu_fast_slot(&f.mmu, PW_ACC_WRITE, false, 0xE0001000u)->tag, 0xE0001000u);
    uint8_t blk[8];
    phys_read_block(&f.phys, 0xE0000002u, blk, 4);
    CHECK_EQ(blk[2], 0x04);
    phys_write_block(&f.phys, 0x9FFFC, "\x11\x22\x33\x44\x55\x66", 6); /* RAM then MMIO */
    CHECK_EQ(d.regs[0], 0x55);
    CHECK_EQ(f.phys.ram[0x9FFFC], 0x11);
    phys_read_block(&f.phys, 0x9FFFE, blk, 4);
    CHECK_EQ(blk[0], 0x33);
    CHECK_EQ(blk[3], 0x66);
    /* A window over RAM hides the RAM under it, also for pages already in the fast table. */
    uint32_t v;
    fx_wr32(&f, 0x180000, 0xFEEDFACE);
    CHECK(mmu_read32(&f.mmu, 0x180000, false, &v));
    CHECK_EQ(v, 0xFEEDFACEu);
    int r0 = d.reads;
    CHECK_EQ(phys_map_mmio(&f.phys, 0x180000, 0x1000, &dev_ops, &d, "over-ram"), 0);
    CHECK(f.phys.win_over_ram);
    CHECK(mmu_read32(&f.mmu, 0x180000, false, &v));
    CHECK_EQ(d.reads, r0 + 1);
    CHECK_EQ(d.last_off, 0);
    CHECK_EQ(phys_read(&f.phys, 0x181000, 4), 0); /* the next page is RAM again */
    fx_free(&f);
}

static void test_watch(void)
{
    struct fx f;
    struct watch_rec w = { 0 };
    fx_init(&f, 1u << 20, 386, NULL);
    pw_events_subscribe(&f.ev, PW_EV_BIT(PW_EV_MEM_WATCH), watch_fn, &w);
    uint32_t v;
    CHECK(mmu_write32(&f.mmu, 0x7000, false, 1)); /* fills the fast table */
    CHECK(mmu_read32(&f.mmu, 0x7000, false, &v));
    phys_set_frame_flags(&f.phys, 0x7000, PHYS_F_WATCH_W, 0);
    for (uint32_t i = 0; i < 3; i++)
        CHECK(mmu_write32(&f.mmu, 0x7010, false, 0x100 + i));
    CHECK_EQ(w.n, 3);
    CHECK_EQ(w.last.watch.phys, 0x7010);
    CHECK_EQ(w.last.watch.lin, 0x7010);
    CHECK(w.last.watch.write);
    CHECK_EQ(w.last.watch.val, 0x102);
    CHECK_EQ(w.last.watch.size, 4);
    CHECK(mmu_read32(&f.mmu, 0x7010, false, &v)); /* reads are not watched */
    CHECK_EQ(w.n, 3);
    phys_set_frame_flags(&f.phys, 0x7000, PHYS_F_WATCH_R, PHYS_F_WATCH_W);
    CHECK(mmu_read32(&f.mmu, 0x7010, false, &v));
    CHECK(mmu_read32(&f.mmu, 0x7010, false, &v));
    CHECK_EQ(w.n, 5);
    CHECK(!w.last.watch.write);
    CHECK_EQ(w.last.watch.val, 0x102);
    /* Through paging: the event carries the linear address. */
    fx_map(&f, 0x00800000u, 0x7000, PTE_P | PTE_RW, 0);
    fx_paging_on(&f, false);
    CHECK(mmu_read8(&f.mmu, 0x00800011u, false, (uint8_t *)&v));
    CHECK_EQ(w.n, 6);
    CHECK_EQ(w.last.watch.lin, 0x00800011u);
    CHECK_EQ(w.last.watch.phys, 0x7011);
    phys_set_frame_flags(&f.phys, 0x7000, 0, PHYS_F_WATCH_R);
    CHECK(mmu_read8(&f.mmu, 0x00800011u, false, (uint8_t *)&v));
    CHECK_EQ(w.n, 6);
    fx_free(&f);
}

/* Page-crossing accesses check both pages before touching either. */
static void test_crossing(void)
{
    struct fx f;
    const uint32_t A = 0x00400000u, B = A + PAGE_SIZE;
    fx_init(&f, 1u << 20, 486, NULL);
    fx_map(&f, A, 0x10000, PTE_P | PTE_RW | PTE_US, 0);
    fx_paging_on(&f, false);
    fx_wr32(&f, 0x10FFC, 0x11223344u);
    /* B not present: a dword write at A+0xFFE faults on B and writes nothing. */
    CHECK(!mmu_write32(&f.mmu, A + 0xFFE, true, 0xAABBCCDDu));
    CHECK_EQ(f.mmu.fault.lin, B);
    CHECK_EQ(f.mmu.fault.err, PF_ERR_W | PF_ERR_U);
    CHECK_EQ(fx_rd32(&f, 0x10FFC), 0x11223344u);
    CHECK(!mmu_check_write(&f.mmu, A + 0xFFF, 2, true));
    CHECK_EQ(f.mmu.fault.lin, B);
    /* B read-only for the user: protection fault, still nothing written. */
    fx_map(&f, B, 0x11000, PTE_P | PTE_US, 0);
    fx_wr32(&f, 0x11000, 0x55667788u);
    CHECK(!mmu_write16(&f.mmu, A + 0xFFF, true, 0xEEFF));
    CHECK_EQ(f.mmu.fault.lin, B);
    CHECK_EQ(f.mmu.fault.err, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    CHECK_EQ(fx_rd32(&f, 0x10FFC), 0x11223344u);
    CHECK_EQ(fx_rd32(&f, 0x11000), 0x55667788u);
    /* Reading across is fine, little-endian over both frames. */
    uint32_t v;
    CHECK(mmu_read32(&f.mmu, A + 0xFFE, true, &v));
    CHECK_EQ(v, 0x77881122u);
    /* Supervisor on a 386-style CR0.WP=0: the write goes through, split over both frames. */
    CHECK(mmu_write32(&f.mmu, A + 0xFFE, false, 0xAABBCCDDu));
    CHECK_EQ(fx_rd32(&f, 0x10FFC), 0xCCDD3344u);
    CHECK_EQ(fx_rd32(&f, 0x11000), 0x5566AABBu);
    CHECK_EQ(fx_rd32(&f, fx_pte_addr(B)) & PTE_D, PTE_D);
    /* Fetch across into a not-present page faults on that page; mmu_fetch_ptr gives the
     * bytes left in the first page and faults when asked for the second. */
    fx_wr32(&f, fx_pte_addr(B), 0);
    mmu_invlpg(&f.mmu, B);
    CHECK(!mmu_read_slow(&f.mmu, A + 0xFFF, 2, true, PW_ACC_FETCH, &v));
    CHECK_EQ(f.mmu.fault.lin, B);
    CHECK_EQ(f.mmu.fault.err, PF_ERR_U);
    uint32_t avail;
    bool faulted;
    const uint8_t *p = mmu_fetch_ptr(&f.mmu, A + 0xFF0, true, &avail, &faulted);
    CHECK(p != NULL && !faulted);
    CHECK_EQ(avail, 16);
    CHECK(p == f.phys.ram + 0x10FF0);
    p = mmu_fetch_ptr(&f.mmu, A + 0xFF0, true, &avail, &faulted); /* fast */
    CHECK(p == f.phys.ram + 0x10FF0);
    p = mmu_fetch_ptr(&f.mmu, B, true, &avail, &faulted);
    CHECK(p == NULL && faulted);
    CHECK_EQ(f.mmu.fault.lin, B);
    /* Fetch from an MMIO-backed page: no pointer, no fault. */
    fx_map(&f, B, 0xFFFFF000u, PTE_P | PTE_US, 0);
    mmu_invlpg(&f.mmu, B);
    p = mmu_fetch_ptr(&f.mmu, B, true, &avail, &faulted);
    CHECK(p == NULL && !faulted && avail == 0);
    /* mmu_check_write sets A/D like the write would but writes nothing. */
    fx_map(&f, B, 0x12000, PTE_P | PTE_RW | PTE_US, 0);
    mmu_invlpg(&f.mmu, B);
    fx_wr32(&f, 0x12000, 0x99);
    CHECK(mmu_check_write(&f.mmu, B, 4, true));
    CHECK_EQ(fx_rd32(&f, fx_pte_addr(B)) & (PTE_A | PTE_D), PTE_A | PTE_D);
    CHECK_EQ(fx_rd32(&f, 0x12000), 0x99);
    /* The linear address space wraps at 4 GiB with paging off. */
    mmu_set_cr0(&f.mmu, false, false);
    phys_write(&f.phys, 0, 1, 0xAB);
    uint16_t w = 0;
    CHECK(mmu_read16(&f.mmu, 0xFFFFFFFFu, false, &w));
    CHECK_EQ(w >> 8, 0xAB);
    fx_free(&f);
}

static void test_init_errors(void)
{
    struct phys p;
    CHECK_EQ(phys_init(&p, 1000, NULL), -1);          /* not a multiple of 4 KiB */
    CHECK_EQ(phys_init(&p, 0xF0000000u, NULL), -1);   /* would reach the ROM alias */
    CHECK_EQ(phys_init(&p, 640u * 1024u, NULL), 0);   /* a PC with no extended memory */
    CHECK_EQ(phys_read(&p, 0x9F000, 1), 0);
    CHECK_EQ(phys_read(&p, 0x100000, 1), 0xFF);
    phys_free(&p);
}

/* The hole's frames carry PHYS_F_HOLE from the start (the MMU's common miss path reads it
 * as "not plain RAM"), and no caller can set or clear it: it belongs to the address. */
static void test_hole_flag(void)
{
    struct fx f;
    fx_init(&f, 2u << 20, 386, NULL);
    CHECK_EQ(f.phys.frame_flags[0xA0000 >> PAGE_SHIFT], PHYS_F_HOLE);
    CHECK_EQ(f.phys.frame_flags[0xFF000 >> PAGE_SHIFT], PHYS_F_HOLE);
    CHECK_EQ(f.phys.frame_flags[0x9F000 >> PAGE_SHIFT], 0);
    CHECK_EQ(f.phys.frame_flags[0x100000 >> PAGE_SHIFT], 0);
    phys_set_frame_flags(&f.phys, 0xB8000, PHYS_F_WATCH_W, 0xFF);
    CHECK_EQ(f.phys.frame_flags[0xB8000 >> PAGE_SHIFT], PHYS_F_HOLE | PHYS_F_WATCH_W);
    phys_set_frame_flags(&f.phys, 0x100000, PHYS_F_HOLE, 0);
    CHECK_EQ(f.phys.frame_flags[0x100000 >> PAGE_SHIFT], 0);
    fx_free(&f);
}

int main(void)
{
    test_hole_flag();
    test_init_errors();
    test_a20();
    test_rom_hole_open();
    test_windows();
    test_watch();
    test_crossing();
    return test_summary("test_mmu_phys");
}
