#include "emu/fault_explain.h"

#include <string.h>

#include "emu/disasm.h"
#include "emu/translate.h"
#include "mmu/mmu.h"

void fault_capture(struct fault_record *r, struct cpu *c, struct guest *g, uint32_t lin, uint32_t err)
{
    memset(r, 0, sizeof *r);
    r->icount = c->icount;
    r->eip = c->insn_eip;
    r->cs = c->seg[SEG_CS].sel;
    r->lin = lin;
    r->err = err;
    r->count = -1;
    r->task_slot = -1;
    r->bits = (cpu_protected(c) && !cpu_v86(c) && SEG_ATTR_DB(c->seg[SEG_CS].attr)) ? 32 : 16;
    uint32_t phys;
    mmu_probe(c->mmu, lin, PW_ACC_READ, false, &phys, &r->pde, &r->pte);
    uint32_t code_lin = c->seg[SEG_CS].base + r->eip;
    /* The 386's error code does not say "fetch"; the address does: the fault is on the
     * instruction's own bytes (its first page, or the next one if it straddles). */
    r->fetch = !(err & PF_ERR_W) && lin - code_lin < 16;
    for (r->code_len = 0; r->code_len < 15; r->code_len++)
        if (!cpu_peek_lin(c, code_lin + (uint32_t)r->code_len, &r->code[r->code_len], 1))
            break;
    if (!g || !guest_refresh(g))
        return;
    r->low_mem = g->l.low_mem;
    if ((r->pte & PTE_P) && (r->pte & PAGE_MASK) >= g->l.low_mem) {
        uint32_t idx = ((r->pte & PAGE_MASK) - g->l.low_mem) >> PAGE_SHIFT;
        if (idx < g->l.npages) {
            uint8_t b[2] = {0, 0};
            if (cpu_peek_lin(c, g->l.map_addr + idx * g->l.map_elem, b, g->l.map_elem))
                r->count = g->l.map_elem == 1 ? b[0] : b[0] | b[1] << 8;
        }
    }
    struct guest_task t[64];
    int n = guest_read_tasks(g, t, 64);
    for (int i = 0; i < n; i++) {
        if (t[i].current) {
            r->task_slot = t[i].slot;
            r->task_start = t[i].start_code;
            r->task_end_data = t[i].end_data;
        }
    }
}

const char *fault_kind(const struct fault_record *r)
{
    bool present = r->err & PF_ERR_P, write = r->err & PF_ERR_W;
    /* 0.11's un_wp_page copies every page below LOW_MEM: those are never counted */
    if (present && write && r->low_mem && (r->pte & PAGE_MASK) < r->low_mem && !((r->pde & r->pte) & PTE_RW))
        return "cow-copy";
    if (present && write && !((r->pde & r->pte) & PTE_RW) && ((r->err & PF_ERR_U) ? (r->pde & r->pte & PTE_US) : 1))
        return r->count > 1 ? "cow-copy" : r->count == 1 ? "cow-reuse" : "write-protect";
    if (present)
        return "protection";
    if (r->task_slot > 0 && r->lin >= r->task_start) {
        uint32_t off = r->lin - r->task_start;
        return off >= r->task_end_data ? "demand-zero" : "demand-load";
    }
    return "not-present";
}

void fault_explain(const struct fault_record *r, FILE *out)
{
    bool user = r->err & PF_ERR_U, write = r->err & PF_ERR_W, present = r->err & PF_ERR_P;
    char insn[96];
    if (!disasm_one(r->code, (size_t)r->code_len, r->eip, r->bits, insn, sizeof insn))
        snprintf(insn, sizeof insn, "(unreadable)");
    if (r->fetch)
        fprintf(out, "#PF at icount %llu: instruction fetch by %s code at EIP 0x%08x, linear 0x%08x, error code %u\n",
                (unsigned long long)r->icount, user ? "user" : "kernel", r->eip, r->lin, r->err);
    else
        fprintf(out, "#PF at icount %llu: %s by %s code at EIP 0x%08x (%s) to linear 0x%08x, error code %u\n",
                (unsigned long long)r->icount, write ? "write" : "read", user ? "user" : "kernel", r->eip, insn, r->lin,
                r->err);
    char bits[64];
    const char *kind = fault_kind(r);
    if (!present) {
        fprintf(out, "  page not present (PDE 0x%08x%s)", r->pde,
                (r->pde & PTE_P) ? "" : ": no page table for this 4 MiB either");
        if (!strcmp(kind, "demand-zero"))
            fprintf(out, " -> past the end of the task's data (0x%x): demand-zero page (do_no_page -> "
                         "get_empty_page)\n",
                    r->task_end_data);
        else if (!strcmp(kind, "demand-load"))
            fprintf(out, " -> inside the executable's image (offset 0x%x): share it with another task "
                         "running the same program, or read it from the file (do_no_page)\n",
                    r->lin - r->task_start);
        else
            fprintf(out, " -> not-present fault (do_no_page)\n");
        return;
    }
    pte_bits_str(r->pte, bits, sizeof bits);
    fprintf(out, "  page present: PTE 0x%08x (%s)", r->pte, bits);
    if (!strcmp(kind, "cow-copy") && r->count < 0)
        fprintf(out, ", read-only, below LOW_MEM (the kernel's low memory, shared since the first fork and never "
                     "counted) -> copy-on-write: do_wp_page copies it to a new frame\n");
    else if (!strcmp(kind, "cow-copy"))
        fprintf(out, ", read-only, shared by %d -> copy-on-write: do_wp_page copies it to a new frame\n", r->count);
    else if (!strcmp(kind, "cow-reuse"))
        fprintf(out, ", read-only, count 1 -> nobody else maps it: do_wp_page makes it writable in place\n");
    else if (!strcmp(kind, "write-protect"))
        fprintf(out, ", read-only -> write-protect fault (do_wp_page)\n");
    else
        fprintf(out, " -> protection violation: %s (the kernel sends SIGSEGV)\n",
                user && !((r->pde & r->pte) & PTE_US) ? "user code touched a supervisor page"
                                                       : "access not allowed by the page's rights");
}
