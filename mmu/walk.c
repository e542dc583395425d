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
 * read-modify-write leaves the value unchanged). */
#include "mmu/internal.h"

#include <string.h>

static void publish_walk(struct mmu *m, uint32_t lin, enum pw_access acc, bool user,
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

static uint32_t fault_code(enum pw_access acc, bool user, bool protection)
{
    return (protection ? PF_ERR_P : 0) | (acc == PW_ACC_WRITE ? PF_ERR_W : 0) |
           (user ? PF_ERR_U : 0);
}

bool mmu_walk(struct mmu *m, uint32_t lin, enum pw_access acc, bool user, bool side_effects,
              struct mmu_walk *w)
{
    memset(w, 0, sizeof *w);
    w->pde_addr = (m->cr3 & PAGE_MASK) | ((lin >> 22) << 2);
    w->pde = phys_read_pt(m->phys, w->pde_addr);
    if (!(w->pde & PTE_P)) {
        w->err = fault_code(acc, user, false);
        goto done;
    }
    if (side_effects && !(w->pde & PTE_A)) {
        w->pde_set = PTE_A;
        phys_write_pt(m->phys, w->pde_addr, w->pde | PTE_A);
    }
    w->pte_addr = (w->pde & PAGE_MASK) | (((lin >> PAGE_SHIFT) & 0x3FF) << 2);
    w->pte = phys_read_pt(m->phys, w->pte_addr);
    if (!(w->pte & PTE_P)) {
        w->err = fault_code(acc, user, false);
        goto done;
    }
    w->rights = w->pde & w->pte & (PTE_RW | PTE_US);
    w->phys = w->pte & PAGE_MASK;
    if (!mmu_rights_allow(m, w->rights, acc, user)) {
        w->err = fault_code(acc, user, true);
        goto done;
    }
    w->ok = true;
    if (side_effects) {
        uint32_t want = PTE_A | (acc == PW_ACC_WRITE ? PTE_D : 0);
        w->pte_set = want & ~w->pte;
        if (w->pte_set)
            phys_write_pt(m->phys, w->pte_addr, w->pte | w->pte_set);
    }
done:
    if (side_effects) {
        m->stats.walks++;
        if (PW_WANTS(m->events, PW_EV_WALK))
            publish_walk(m, lin, acc, user, w);
    }
    return w->ok;
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
