/* Contracts between the files of mmu/ (not for use outside the module).
 *
 *   phys.c  the bus: region lookup, raw accesses, watch publication with the linear address
 *   walk.c  the two-level page walk (with or without side effects)
 *   tlb.c   the architectural TLB (lookup, fill, invalidate) and the fast-table links
 *   mmu.c   the access paths that tie them together */
#ifndef PW_MMU_INTERNAL_H
#define PW_MMU_INTERNAL_H

#include "mmu/mmu.h"

/* ---- phys.c ---- */

/* A physical access on behalf of the MMU: like phys_read/phys_write, but a watched frame
 * reports 'lin' (the linear address the CPU used) in its PW_EV_MEM_WATCH event. */
uint32_t phys_read_lin(struct phys *p, uint32_t addr, unsigned size, uint32_t lin);
void phys_write_lin(struct phys *p, uint32_t addr, unsigned size, uint32_t val, uint32_t lin);
/* Page-table accesses by the walker: RAM/ROM/windows as usual, never watch events (the walk
 * event reports them). addr is 4-byte aligned. */
uint32_t phys_read_pt(struct phys *p, uint32_t addr);
void phys_write_pt(struct phys *p, uint32_t addr, uint32_t val);

/* ---- walk.c ---- */

struct mmu_walk {
    uint32_t pde_addr, pde;   /* as read, before A/D were set */
    uint32_t pte_addr, pte;   /* pte_addr 0 when the PDE was not present */
    uint32_t phys;            /* page-aligned frame (valid when present) */
    uint32_t rights;          /* PTE_RW | PTE_US combined over both levels */
    uint32_t pde_set, pte_set;
    uint32_t err;             /* #PF error code when !ok */
    bool ok;
};

/* Are 'rights' (combined PTE_RW/PTE_US) enough for this access? Intel 386 manual 6.4.1 and
 * table 6-5 (combined protection); CR0.WP on the 486 (i486 manual 4.5). */
static inline bool mmu_rights_allow(const struct mmu *m, uint32_t rights, enum pw_access acc,
                                    bool user)
{
    if (user) {
        if (!(rights & PTE_US))
            return false;
        return acc != PW_ACC_WRITE || (rights & PTE_RW);
    }
    return acc != PW_ACC_WRITE || !m->wp || (rights & PTE_RW);
}

/* Walks the current tables for lin. With side_effects, sets A/D bits as the hardware would
 * and publishes PW_EV_WALK; without, reads only. Returns w->ok. */
bool mmu_walk(struct mmu *m, uint32_t lin, enum pw_access acc, bool user, bool side_effects,
              struct mmu_walk *w);

/* ---- tlb.c ---- */

/* Validates a TLB geometry (tlb_parse.c). Returns 0, or -1 with a one-line message. */
int mmu_tlb_config_check(const struct mmu_tlb_config *c, char *err, size_t errlen);
int mmu_tlb_alloc(struct mmu *m, const struct mmu_tlb_config *cfg);
void mmu_tlb_release(struct mmu *m);
/* Index of the valid entry for lin's page, or -1. Touches nothing. */
int32_t mmu_tlb_find(const struct mmu *m, uint32_t lin);
/* Enters a translation (after a miss), evicting by policy when needed. Returns its index. */
int32_t mmu_tlb_fill(struct mmu *m, uint32_t lin, uint32_t phys, uint32_t pte);
/* Drops one entry (no statistics, no event) and its fast-table slots. */
void mmu_tlb_drop(struct mmu *m, int32_t idx);
/* Drops every entry and its fast slots; returns how many were valid. */
uint32_t mmu_tlb_drop_all(struct mmu *m);
/* Replacement bookkeeping for a use of entry idx. */
void mmu_tlb_use(struct mmu *m, int32_t idx);
/* Drops the fast-table slots that mirror entry idx (the entry itself stays). */
void mmu_fast_drop_entry(struct mmu *m, int32_t idx);
void mmu_fast_clear(struct mmu *m);

#endif
