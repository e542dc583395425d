/* The i386 two-level page walk (Intel 386 Programmer's Reference Manual 5.2, i486 manual
 * 4.5; Intel SDM vol. 3A 4.3 "32-bit paging").
 *
 *   CR3[31:12] | PDX*4  -> PDE:  frame of the page table | flags
 *   PDE[31:12] | PTX*4  -> PTE:  page frame              | flags
 *   PTE[31:12] | offset -> physical address
 *
 * Protection (386 manual 6.4.1, table 6-5): the rights of a page are the more restrictive of
 * the PDE's and the PTE's U/S and R/W bits. Level 3 needs U/S=1, and R/W=1 to write;
 * levels 0-2 may read and write everything on a 386, and on a 486 with CR0.WP=1 supervisor
 * writes need R/W=1 too.
 *
 * Accessed/dirty bits: the PDE's A bit is set once the walk has used a present PDE (also
 * when the access then faults on the PTE: SDM 4.7 notes the PDE's accessed flag is set on a
 * protection fault; what happens to the PTE's is model specific, and here it is left alone).
 * The PTE's A bit is set when the access is allowed, and its D bit when an allowed access
 * is a write. A bit that is already set is not written again (the hardware's locked
 * read-modify-write leaves the value unchanged). The walk is mmu_walk_inline in internal.h. */
#include "mmu/internal.h"


void mmu_walk_publish(struct mmu *m, uint32_t lin, enum pw_access acc, bool user,
                      const struct mmu_walk *w)
{
    struct pw_event ev = { .kind = PW_EV_WALK };
    ev.walk.lin = lin;
    ev.walk.pde_addr = w->pde_addr;
    ev.walk.pde = w->pde;
    ev.walk.pte_addr = w->pte_addr;
    ev.walk.pte = w->pte;
    ev.walk.pde_set = w->pde_set;
    ev.walk.pte_set = w->pte_set;
    ev.walk.acc = (uint8_t)acc;
    ev.walk.user = user;
    ev.walk.fault = !w->ok;
    ev.walk.err = w->err;
    pw_events_publish(m->events, &ev);
}

/* The walk itself is mmu_walk_inline (internal.h), so the TLB-miss path in mmu.c gets it
 * without a call; this is the out-of-line copy for everyone else. */
bool mmu_walk(struct mmu *m, uint32_t lin, enum pw_access acc, bool user, bool side_effects,
              struct mmu_walk *w)
{
    return side_effects ? mmu_walk_inline(m, lin, acc, user, true, w)
                        : mmu_walk_inline(m, lin, acc, user, false, w);
}

bool mmu_probe(struct mmu *m, uint32_t lin, enum pw_access acc, bool user, uint32_t *phys,
               uint32_t *pde, uint32_t *pte)
{
    if (!m->paging) {
        if (phys)
            *phys = lin;
        if (pde)
            *pde = 0;
        if (pte)
            *pte = 0;
        return true;
    }
    struct mmu_walk w;
    mmu_walk(m, lin, acc, user, false, &w);
    if (phys)
        *phys = w.phys | (lin & ~PAGE_MASK);
    if (pde)
        *pde = w.pde;
    if (pte)
        *pte = w.pte;
    return w.ok;
}
