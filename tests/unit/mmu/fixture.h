/* Shared set-up for the MMU unit tests: a small machine (RAM + MMU) and helpers to build
 * page tables in its RAM. Tables live at fixed physical pages:
 *
 *   0x1000  page directory (CR3)
 *   0x2000  page table for PDX 0..      (page tables at 0x2000 + pdx * 0x1000, pdx < 8)
 *   0x10000 and up: data frames */
#ifndef PW_TEST_MMU_FIXTURE_H
#define PW_TEST_MMU_FIXTURE_H

#include <string.h>

#include "mmu/mmu.h"
#include "test.h"

#define FX_CR3 0x1000u
#define FX_PT(pdx) (0x2000u + (pdx) * 0x1000u)

struct fx {
    struct pw_events ev;
    struct phys phys;
    struct mmu mmu;
};

/* The random tests' stream (xorshift64, Marsaglia 2003): seed fx_rng_state, then draw. */
static uint64_t fx_rng_state;
static inline uint32_t fx_rnd(uint32_t n)
{
    fx_rng_state ^= fx_rng_state << 13;
    fx_rng_state ^= fx_rng_state >> 7;
    fx_rng_state ^= fx_rng_state << 17;
    return (uint32_t)(fx_rng_state >> 11) % n;
}

static inline void fx_init(struct fx *f, uint32_t ram, int model, const struct mmu_tlb_config *cfg)
{
    pw_events_init(&f->ev);
    if (phys_init(&f->phys, ram, &f->ev) != 0 || mmu_init(&f->mmu, &f->phys, &f->ev, model, cfg) != 0) {
        fprintf(stderr, "fixture: init failed\n");
        exit(2);
    }
}

static inline void fx_free(struct fx *f)
{
    mmu_free(&f->mmu);
    phys_free(&f->phys);
}

static inline uint32_t fx_rd32(struct fx *f, uint32_t pa)
{
    uint32_t v;
    memcpy(&v, f->phys.ram + pa, 4);
    return v;
}

static inline void fx_wr32(struct fx *f, uint32_t pa, uint32_t v)
{
    memcpy(f->phys.ram + pa, &v, 4);
}

static inline uint32_t fx_pde_addr(uint32_t lin) { return FX_CR3 + (lin >> 22) * 4; }
static inline uint32_t fx_pte_addr(uint32_t lin)
{
    return FX_PT(lin >> 22) + ((lin >> 12) & 0x3FF) * 4;
}

/* Maps lin -> frame with the given PTE flags; the PDE gets pde_flags (P|RW|US by default
 * when pde_flags is 0). */
static inline void fx_map(struct fx *f, uint32_t lin, uint32_t frame, uint32_t pte_flags,
                          uint32_t pde_flags)
{
    if (!pde_flags)
        pde_flags = PTE_P | PTE_RW | PTE_US;
    fx_wr32(f, fx_pde_addr(lin), FX_PT(lin >> 22) | pde_flags);
    fx_wr32(f, fx_pte_addr(lin), (frame & PAGE_MASK) | pte_flags);
}

static inline void fx_paging_on(struct fx *f, bool wp)
{
    mmu_set_cr3(&f->mmu, FX_CR3, PW_FLUSH_CR3);
    mmu_set_cr0(&f->mmu, true, wp);
}

#endif
