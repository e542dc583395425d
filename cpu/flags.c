/* Lazy flags: deriving CF/PF/AF/ZF/SF/OF from the last flag-setting operation.
 * Rules from the Intel 386 manual, appendix C ("status flag summary") and the per-instruction
 * pages of chapter 17. Where the manual leaves a flag undefined (AF after logic ops and
 * shifts, OF after multi-bit shifts) we use the values common hardware produces. */
#include "cpu/flags.h"

uint32_t flags_compute(const struct cpu_lazyflags *lf, uint32_t old)
{
    unsigned sz = lf->op & 3;
    uint32_t m = sz_mask(sz), s = sz_sign(sz);
    uint32_t res = lf->res & m, op1 = lf->op1 & m, op2 = lf->op2 & m;
    uint32_t f = flags_szp(res, sz);

    switch (LF_KIND(lf->op)) {
    case LF_ADD:
    case LF_ADC:
        if (LF_KIND(lf->op) == LF_ADD ? res < op1 : res <= op1)
            f |= FL_CF;
        f |= (op1 ^ op2 ^ res) & FL_AF;
        if ((op1 ^ res) & (op2 ^ res) & s)
            f |= FL_OF;
        break;
    case LF_SUB:
    case LF_SBB:
        if (LF_KIND(lf->op) == LF_SUB ? op1 < op2 : op1 <= op2)
            f |= FL_CF;
        f |= (op1 ^ op2 ^ res) & FL_AF;
        if ((op1 ^ op2) & (op1 ^ res) & s)
            f |= FL_OF;
        break;
    case LF_LOGIC:
        break;
    case LF_INC: /* CF from the CF record: op1, op2 are its operands, not INC's */
        f |= flags_cf_rec(LF_CF_REC(lf->op), lf->op1, lf->op2, old) ? FL_CF : 0;
        f |= (res & 0xF) == 0 ? FL_AF : 0;
        if (res == s)
            f |= FL_OF;
        break;
    case LF_DEC:
        f |= flags_cf_rec(LF_CF_REC(lf->op), lf->op1, lf->op2, old) ? FL_CF : 0;
        f |= (res & 0xF) == 0xF ? FL_AF : 0;
        if (res == s - 1)
            f |= FL_OF;
        break;
    case LF_SHL: /* op1 = operand << (count-1): its top bit is the last one shifted out */
        if (op1 & s)
            f |= FL_CF;
        if ((op1 ^ res) & s)
            f |= FL_OF;
        break;
    case LF_SHR: /* op1 = operand >> (count-1) */
    case LF_SAR:
        if (op1 & 1)
            f |= FL_CF;
        if ((op1 ^ res) & s)
            f |= FL_OF;
        break;
    default:
        break;
    }
    return f;
}

bool flags_cf_slow(const struct cpu *c)
{
    return flags_cf_rec(LF_CF_REC(c->lf.op), c->lf.op1, c->lf.op2, c->eflags);
}

static inline int32_t sext(uint32_t v, unsigned sz)
{
    return sz == 0 ? (int32_t)(int8_t)v : sz == 1 ? (int32_t)(int16_t)v : (int32_t)v;
}

bool flags_cond(struct cpu *c, unsigned cc)
{
    uint32_t op = c->lf.op;
    unsigned sz = op & 3;
    bool r;
    /* Fast paths: ZF from any lazy result, and the CMP/SUB conditions from the operands. */
    if (op != LF_NONE && (cc >> 1) == 2) {
        r = (c->lf.res & sz_mask(sz)) == 0;
        return (cc & 1) ? !r : r;
    }
    if (LF_KIND(op) == LF_SUB) {
        uint32_t m = sz_mask(sz), a = c->lf.op1 & m, b = c->lf.op2 & m;
        switch (cc >> 1) {
        case 1: r = a < b; return (cc & 1) ? !r : r;
        case 3: r = a <= b; return (cc & 1) ? !r : r;
        case 6: r = sext(a, sz) < sext(b, sz); return (cc & 1) ? !r : r;
        case 7: r = sext(a, sz) <= sext(b, sz); return (cc & 1) ? !r : r;
        default: break;
        }
    }
    uint32_t f = op == LF_NONE ? c->eflags : flags_compute(&c->lf, c->eflags);
    switch (cc >> 1) {
    case 0: r = f & FL_OF; break;
    case 1: r = f & FL_CF; break;
    case 2: r = f & FL_ZF; break;
    case 3: r = f & (FL_CF | FL_ZF); break;
    case 4: r = f & FL_SF; break;
    case 5: r = f & FL_PF; break;
    case 6: r = !(f & FL_SF) != !(f & FL_OF); break;
    default: r = (f & FL_ZF) || (!(f & FL_SF) != !(f & FL_OF)); break;
    }
    return (cc & 1) ? !r : r;
}

uint32_t cpu_get_eflags(struct cpu *c)
{
    flags_materialize(c);
    return c->eflags | 0x2u;
}

void cpu_set_eflags(struct cpu *c, uint32_t val)
{
    /* Bits that exist on the 386 (manual 2.3.4); AC on the 486. Bit 1 reads as 1. */
    uint32_t valid = FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | FL_VM;
    if (c->model >= CPU_486)
        valid |= FL_AC;
    bool vm_changed = ((c->eflags ^ val) & FL_VM) != 0;
    c->eflags = (val & valid) | 0x2u;
    c->lf.op = LF_NONE;
    if (vm_changed)
        cpu_mode_changed(c);
}
