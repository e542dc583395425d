#include "emu/pt_history.h"

#include <stdlib.h>
#include <string.h>

#include "emu/symbols.h"
#include "mmu/mmu.h"

static void mark(struct pt_history *h, uint32_t frame_addr)
{
    uint32_t f = frame_addr >> PAGE_SHIFT;
    if (f >= h->nframes || h->is_table[f])
        return;
    h->is_table[f] = 1;
    phys_set_frame_flags(h->cpu->mmu->phys, frame_addr & PAGE_MASK, PHYS_F_WATCH_W, 0);
}

static void on_event(void *opaque, const struct pw_event *ev)
{
    struct pt_history *h = opaque;
    struct cpu *c = h->cpu;
    if (ev->kind == PW_EV_WALK) {
        mark(h, ev->walk.pde_addr);
        if (ev->walk.pte_addr)
            mark(h, ev->walk.pte_addr);
    } else if (ev->kind == PW_EV_CR_WRITE && ev->cr.cr == 3) {
        mark(h, ev->cr.new_val & PAGE_MASK);
    } else if (ev->kind == PW_EV_MEM_WATCH && ev->watch.write) {
        uint32_t f = ev->watch.phys >> PAGE_SHIFT;
        if (f >= h->nframes || !h->is_table[f])
            return;
        /* A present entry stored into the page directory names a page table: watch it now,
         * so the entries the kernel writes next (fork filling a new table) are seen too. */
        if ((ev->watch.phys & PAGE_MASK) == (c->cr3 & PAGE_MASK) && ev->watch.size == 4 && (ev->watch.val & PTE_P))
            mark(h, ev->watch.val & PAGE_MASK);
        struct pt_write *w = &h->ring[h->head];
        w->icount = c->icount;
        w->phys = ev->watch.phys;
        w->val = ev->watch.val;
        w->size = ev->watch.size;
        w->eip = c->insn_eip;
        w->cs = c->seg[SEG_CS].sel;
        w->ldt = c->ldtr.sel;
        h->head = (h->head + 1) % PT_HISTORY_MAX;
        if (h->n < PT_HISTORY_MAX)
            h->n++;
        h->total++;
    }
}

int pt_history_init(struct pt_history *h, struct cpu *c)
{
    memset(h, 0, sizeof *h);
    h->cpu = c;
    h->nframes = c->mmu->phys->ram_size >> PAGE_SHIFT;
    h->is_table = calloc(h->nframes ? h->nframes : 1, 1);
    h->ring = calloc(PT_HISTORY_MAX, sizeof *h->ring);
    if (!h->is_table || !h->ring) {
        pt_history_free(h);
        return -1;
    }
    if (c->cr0 & CR0_PG)
        mark(h, c->cr3 & PAGE_MASK);
    return pw_events_subscribe(c->events, PW_EV_BIT(PW_EV_WALK) | PW_EV_BIT(PW_EV_MEM_WATCH) | PW_EV_BIT(PW_EV_CR_WRITE),
                               on_event, h);
}

void pt_history_free(struct pt_history *h)
{
    if (h->cpu && h->cpu->events)
        pw_events_unsubscribe(h->cpu->events, on_event, h);
    free(h->is_table);
    free(h->ring);
    h->is_table = NULL;
    h->ring = NULL;
}

int pt_history_print(struct pt_history *h, const struct symtab *syms, uint32_t phys, uint32_t len, int max,
                     FILE *out)
{
    uint32_t f = phys >> PAGE_SHIFT;
    if (f >= h->nframes || !h->is_table[f]) {
        fprintf(out, "  physical %08x is not in a frame seen as a page directory or table: not recorded\n", phys);
        return 0;
    }
    int shown = 0;
    for (uint32_t k = 0; k < h->n && shown < max; k++) {
        const struct pt_write *w = &h->ring[(h->head + PT_HISTORY_MAX - 1 - k) % PT_HISTORY_MAX];
        if (w->phys + w->size <= phys || w->phys >= phys + len)
            continue;
        char where[96] = "";
        uint32_t off = 0;
        const struct symbol *s = syms ? symtab_find(syms, w->eip, &off) : NULL;
        if (s && off < 0x10000)
            snprintf(where, sizeof where, " <%s+0x%x>", s->name, off);
        fprintf(out, "  icount %-10llu EIP %04x:%08x%s LDT %04x wrote %08x\n", (unsigned long long)w->icount, w->cs,
                w->eip, where, w->ldt, w->val);
        shown++;
    }
    if (!shown)
        fprintf(out, "  no store to %08x recorded since the monitor started (%llu page-table stores seen)\n", phys,
                (unsigned long long)h->total);
    return shown;
}
