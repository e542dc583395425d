/* The protection table test: every combination of PDE/PTE present, U/S, R/W, access type,
 * CPL 0/3, CPU model and CR0.WP, checked against the rules written out below from the
 * manuals (independently of walk.c):
 *
 *  Intel 386 manual 6.4.1.3 / table 6-5, "Combining directory and page protection": the
 *  effective U/S and R/W of a page are the more restrictive of the two levels.
 *    CPL 3 (user)       : needs U/S = 1 at both levels; a write needs R/W = 1 at both.
 *    CPL 0-2 (supervisor): every page is readable and writable on the 386;
 *                          the 486 with CR0.WP = 1 refuses supervisor writes to pages whose
 *                          effective R/W is 0 (i486 manual 4.5.3).
 *  Instruction fetch is a read. Not present at either level faults with P = 0.
 *  #PF error code (386 manual 9.8.14): bit 0 P (1 = protection), bit 1 W/R, bit 2 U/S.
 *  A/D: PDE.A set when the PDE is present; PTE.A set when the access is allowed; PTE.D
 *  set when an allowed access is a write. */
#include <stdio.h>

#include "fixture.h"

#define LIN 0x00403123u /* PDX 1, PTX 3 */
#define FRAME 0x00010000u

struct combo {
    int pde_p, pde_us, pde_rw, pte_p, pte_us, pte_rw;
    int acc; /* 0 read, 1 write, 2 fetch */
    int user, model, wp;
};

/* Expected outcome, written from the table in the comment above. */
static bool rule_allows(const struct combo *c, uint32_t *err)
{
    int write = c->acc == 1;
    uint32_t base = (write ? 2u : 0u) | (c->user ? 4u : 0u);
    if (!c->pde_p || !c->pte_p) {
        *err = base; /* not present */
        return false;
    }
    int eff_us = c->pde_us && c->pte_us;
    int eff_rw = c->pde_rw && c->pte_rw;
    bool ok;
    if (c->user)
        ok = eff_us && (!write || eff_rw);
    else if (c->model == 486 && c->wp)
        ok = !write || eff_rw;
    else
        ok = true;
    *err = ok ? 0 : (base | 1u);
    return ok;
}

static int failures_before;

static void run(const struct combo *c, const struct mmu_tlb_config *cfg, const char *cfgname)
{
    struct fx f;
    fx_init(&f, 1u << 20, c->model, cfg);
    uint32_t pde = FX_PT(LIN >> 22) | (c->pde_p ? PTE_P : 0) | (c->pde_us ? PTE_US : 0) |
                   (c->pde_rw ? PTE_RW : 0);
    uint32_t pte = FRAME | (c->pte_p ? PTE_P : 0) | (c->pte_us ? PTE_US : 0) |
                   (c->pte_rw ? PTE_RW : 0);
    fx_wr32(&f, fx_pde_addr(LIN), pde);
    fx_wr32(&f, fx_pte_addr(LIN), pte);
    fx_wr32(&f, FRAME + (LIN & 0xFFF), 0x11223344u);
    fx_paging_on(&f, c->wp);

    uint32_t err_expected = 0;
    bool expect = rule_allows(c, &err_expected);
    int before = test_failed;

    /* Twice: the second time may go through the TLB (and the fast table), and must agree. */
    for (int round = 0; round < 2; round++) {
        bool ok;
        uint32_t v = 0;
        f.mmu.fault.lin = 0;
        f.mmu.fault.err = 0xdead;
        if (c->acc == 1) {
            ok = mmu_write32(&f.mmu, LIN, c->user, 0xCAFE0000u + (uint32_t)round);
        } else if (c->acc == 0) {
            ok = mmu_read32(&f.mmu, LIN, c->user, &v);
        } else {
            ok = mmu_read_slow(&f.mmu, LIN, 4, c->user, PW_ACC_FETCH, &v);
        }
        CHECK_EQ(ok, expect);
        if (ok) {
            if (c->acc == 1)
                CHECK_EQ(fx_rd32(&f, FRAME + (LIN & 0xFFF)), 0xCAFE0000u + (uint32_t)round);
            else
                CHECK_EQ(v, 0x11223344u);
        } else {
            CHECK_EQ(f.mmu.fault.lin, LIN);
            CHECK_EQ(f.mmu.fault.err, err_expected);
            CHECK_EQ(fx_rd32(&f, FRAME + (LIN & 0xFFF)), 0x11223344u); /* nothing written */
        }
    }
    uint32_t pde_now = fx_rd32(&f, fx_pde_addr(LIN)), pte_now = fx_rd32(&f, fx_pte_addr(LIN));
    CHECK_EQ(pde_now & PTE_A, c->pde_p ? PTE_A : 0u);
    CHECK_EQ(pte_now & PTE_A, expect ? PTE_A : 0u);
    CHECK_EQ(pte_now & PTE_D, (expect && c->acc == 1) ? PTE_D : 0u);
    CHECK_EQ(pde_now & PTE_D, 0u); /* the 386 never sets D in a PDE */
    /* mmu_probe agrees and sets nothing. */
    fx_wr32(&f, fx_pde_addr(LIN), pde);
    fx_wr32(&f, fx_pte_addr(LIN), pte);
    uint32_t ph = 0;
    bool p = mmu_probe(&f.mmu, LIN, (enum pw_access)c->acc, c->user, &ph, NULL, NULL);
    CHECK_EQ(p, expect);
    if (p)
        CHECK_EQ(ph, FRAME + (LIN & 0xFFF));
    CHECK_EQ(fx_rd32(&f, fx_pde_addr(LIN)), pde);
    CHECK_EQ(fx_rd32(&f, fx_pte_addr(LIN)), pte);

    if (test_failed != before && failures_before++ < 10)
        fprintf(stderr,
                "  in combo [%s] pde P%d U%d W%d pte P%d U%d W%d acc %d user %d model %d wp %d\n",
                cfgname, c->pde_p, c->pde_us, c->pde_rw, c->pte_p, c->pte_us, c->pte_rw, c->acc,
                c->user, c->model, c->wp);
    fx_free(&f);
}

int main(void)
{
    struct mmu_tlb_config off = { .mode = TLB_OFF };
    struct mmu_tlb_config lru = { .mode = TLB_SETASSOC, .sets = 8, .ways = 4, .policy = TLB_LRU };
    int n = 0;
    for (int bits = 0; bits < 64; bits++)
        for (int acc = 0; acc < 3; acc++)
            for (int user = 0; user < 2; user++)
                for (int mi = 0; mi < 2; mi++)
                    for (int wp = 0; wp < 2; wp++) {
                        struct combo c = {
                            .pde_p = bits & 1, .pde_us = (bits >> 1) & 1,
                            .pde_rw = (bits >> 2) & 1, .pte_p = (bits >> 3) & 1,
                            .pte_us = (bits >> 4) & 1, .pte_rw = (bits >> 5) & 1,
                            .acc = acc, .user = user, .model = mi ? 486 : 386, .wp = wp,
                        };
                        run(&c, NULL, "default");
                        run(&c, &off, "off");
                        run(&c, &lru, "lru");
                        n++;
                    }
    printf("%d combinations x 3 TLB settings\n", n);
    return test_summary("test_mmu_walk");
}
