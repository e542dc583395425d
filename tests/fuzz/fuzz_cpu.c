/* libFuzzer target: arbitrary bytes run as code on a small machine made of cpu/ + mmu/ only
 * (ports read as open bus 0xFF.., writes are dropped, INTA answers vector 0x20).
 *
 * Input layout:
 *   byte 0   bit 0: protected mode (else real mode)      bit 1: paging on (protected mode)
 *            bit 2: start in ring 3 (protected mode)     bit 3: INTR pin asserted
 *            bit 4: 486 model                            bit 5: 16-bit code segment
 *   byte 1.. code, copied to the code area (and, for real mode, also to the reset vector)
 *
 * Protected mode has a GDT (ring 0/3 code and data, a 16-bit code segment, a TSS, one
 * not-present descriptor), an IDT whose gates send every vector back into the fuzzed code
 * (a few gates are left not present), and with paging the first 4 MiB identity mapped with
 * holes: a not-present page, a read-only page, a supervisor-only page. Whatever the code
 * does must end in the instruction budget, a HLT or a clean shutdown: never a crash, a
 * sanitizer report or a hang. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/internal.h"
#include "mmu/mmu.h"
#include "mmu/phys.h"

#define RAM_SIZE (4u << 20)
#define GDT 0x1000u
#define IDT 0x2000u
#define TSS 0x3000u
#define PDIR 0x4000u
#define PT0 0x5000u
#define CODE 0x10000u
#define CODE_MAX 0x8000u
#define BUDGET 20000

struct machine {
    struct pw_events ev;
    struct phys phys;
    struct mmu mmu;
    struct cpu cpu;
};

static uint32_t io_read(void *o, uint16_t port, unsigned size)
{
    (void)o;
    (void)port;
    return 0xFFFFFFFFu >> (32 - 8 * size);
}
static void io_write(void *o, uint16_t port, unsigned size, uint32_t val)
{
    (void)o;
    (void)port;
    (void)size;
    (void)val;
}
static uint8_t intr_ack(void *o)
{
    (void)o;
    return 0x20;
}

/* Bounds the run by instructions *started*, not retired: a fault loop (a handler that
 * re-executes the faulting instruction) retires nothing, and cpu_run() alone would never
 * reach its limit (reported to the CPU engineers). The hook runs before every attempt and
 * every REP chunk; 'stalls' (the same EIP again: a REP chunk, a fault loop) are bounded
 * tighter, since one REP chunk is thousands of elements. */
struct bound {
    unsigned attempts, stalls;
    uint32_t last_eip;
};

static bool count_hook(void *opaque, struct cpu *c)
{
    struct bound *b = opaque;
    if (c->eip == b->last_eip)
        b->stalls++;
    b->last_eip = c->eip;
    return ++b->attempts > 3 * BUDGET || b->stalls > 64;
}

static void put32(struct machine *m, uint32_t a, uint32_t v) { memcpy(m->phys.ram + a, &v, 4); }
static void put64(struct machine *m, uint32_t a, uint64_t v) { memcpy(m->phys.ram + a, &v, 8); }

static struct machine *machine_get(void)
{
    static struct machine *m;
    if (m)
        return m;
    static struct machine store;
    m = &store;
    pw_events_init(&m->ev);
    struct mmu_tlb_config cfg = mmu_tlb_default(CPU_386);
    if (phys_init(&m->phys, RAM_SIZE, &m->ev) != 0 ||
        mmu_init(&m->mmu, &m->phys, &m->ev, CPU_386, &cfg) != 0)
        __builtin_trap();
    return m;
}

static void build_tables(struct machine *m, bool paging)
{
    /* GDT: 0x08 code32 DPL0, 0x10 data DPL0, 0x18 code32 DPL3, 0x20 data DPL3,
     * 0x28 TSS (base TSS, limit 0x67), 0x30 code16 DPL0, 0x38 not-present data */
    put64(m, GDT + 0x00, 0);
    put64(m, GDT + 0x08, 0x00CF9A000000FFFFull);
    put64(m, GDT + 0x10, 0x00CF92000000FFFFull);
    put64(m, GDT + 0x18, 0x00CFFA000000FFFFull);
    put64(m, GDT + 0x20, 0x00CFF2000000FFFFull);
    put64(m, GDT + 0x28, 0x0000890030000067ull);
    put64(m, GDT + 0x30, 0x00009A000000FFFFull);
    put64(m, GDT + 0x38, 0x00CF12000000FFFFull);
    /* IDT: every gate to the start of the code; some not present, two DPL 3 */
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t lo = (0x08u << 16) | (CODE & 0xFFFF), hi = (CODE & 0xFFFF0000u) | 0x8E00u;
        if (v % 17 == 5)
            hi &= ~0x8000u; /* not present: #NP, and on to #DF and shutdown */
        if (v == 3 || v == 0x80)
            hi |= 0x6000u;  /* DPL 3 */
        if (v == 0x81)
            hi = (hi & ~0xFF00u) | 0x8F00u; /* trap gate */
        put32(m, IDT + v * 8, lo);
        put32(m, IDT + v * 8 + 4, hi);
    }
    memset(m->phys.ram + TSS, 0, 0x68);
    put32(m, TSS + 0x04, 0x9000); /* esp0 */
    put32(m, TSS + 0x08, 0x10);   /* ss0 */
    put32(m, TSS + 0x1C, PDIR);
    if (paging) {
        memset(m->phys.ram + PDIR, 0, 0x2000);
        put32(m, PDIR, PT0 | 7);
        for (uint32_t i = 0; i < 1024; i++)
            put32(m, PT0 + i * 4, (i << 12) | 7);
        put32(m, PT0 + 0x20 * 4, 0);                 /* 0x20000 not present */
        put32(m, PT0 + 0x21 * 4, 0x21000 | 5);       /* read-only, user */
        put32(m, PT0 + 0x22 * 4, 0x22000 | 3);       /* supervisor only */
        put32(m, PT0 + (CODE >> 12) * 4 + 4, ((CODE >> 12) + 1) << 12 | 5); /* code page 2 RO */
    }
}

static void set_seg(struct cpu_seg *s, uint16_t sel, uint16_t attr, uint32_t limit)
{
    s->sel = sel;
    s->base = 0;
    s->limit = limit;
    s->attr = attr;
    s->valid = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct machine *m = machine_get();
    uint8_t mode = data[0];
    const uint8_t *code = data + 1;
    size_t n = size - 1 < CODE_MAX ? size - 1 : CODE_MAX;
    bool prot = mode & 1, paging = prot && (mode & 2), ring3 = prot && (mode & 4);
    int model = (mode & 0x10) ? CPU_486 : CPU_386;

    /* fresh RAM for the low 1 MiB and the tables; the rest keeps earlier garbage */
    memset(m->phys.ram, 0, 0x100000);
    memcpy(m->phys.ram + CODE, code, n);
    memset(m->phys.ram + CODE + n, 0xF4, 16);
    build_tables(m, paging);

    struct cpu *c = &m->cpu;
    struct cpu_bus_ops bus = {.io_read = io_read, .io_write = io_write, .intr_ack = intr_ack, .opaque = m};
    m->mmu.cpu_model = model;
    mmu_set_cr0(&m->mmu, false, false);
    mmu_flush_all(&m->mmu, PW_FLUSH_API);
    if (cpu_init(c, model, &m->mmu, &m->ev, &bus) != 0)
        __builtin_trap();
    c->gpr[R_ESP] = 0x8000;
    if (!prot) {
        /* real mode at 1000:0000 (the code) */
        cpu_set_seg_raw(c, SEG_CS, CODE >> 4);
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS)
                cpu_set_seg_raw(c, s, 0);
        c->eip = 0;
    } else {
        c->gdtr = (struct cpu_dtr){GDT, 0x3F};
        c->idtr = (struct cpu_dtr){IDT, 0x7FF};
        c->tr = (struct cpu_seg){.sel = 0x28, .base = TSS, .limit = 0x67, .attr = 0x8B, .valid = true};
        bool code16 = mode & 0x20;
        for (int s = 0; s < 6; s++)
            set_seg(&c->seg[s], ring3 ? 0x23 : 0x10, ring3 ? 0xC0F3 : 0xC093, 0xFFFFFFFFu);
        if (code16 && !ring3)
            set_seg(&c->seg[SEG_CS], 0x30, 0x009B, 0xFFFF);
        else
            set_seg(&c->seg[SEG_CS], ring3 ? 0x1B : 0x08, ring3 ? 0xC0FB : 0xC09B, 0xFFFFFFFFu);
        c->cpl = ring3 ? 3 : 0;
        c->eip = code16 && !ring3 ? CODE & 0xFFFF : CODE;
        cpu_write_cr(c, 3, PDIR);
        cpu_write_cr(c, 0, CR0_PE | CR0_ET | (paging ? CR0_PG : 0));
    }
    cpu_mode_changed(c);
    cpu_set_eflags(c, 0x2 | (mode & 8 ? FL_IF : 0));
    if (mode & 8)
        cpu_set_intr(c, true);
    struct bound bound = {0, 0, 0xFFFFFFFFu};
    cpu_set_step_hook(c, count_hook, &bound);
    /* the budget is the only bound: HLT with IF=0 and shutdown also end the run */
    for (int rounds = 0; rounds < 4 && c->icount < BUDGET; rounds++) {
        enum cpu_stop st = cpu_run(c, BUDGET);
        if (st == CPU_STOP_SHUTDOWN || st == CPU_STOP_REQUEST)
            break;
        if (st == CPU_STOP_HALT && !(mode & 8))
            break;
    }
    cpu_free(c);
    return 0;
}
