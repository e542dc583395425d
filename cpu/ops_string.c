/* String instructions: MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE, both
 * directions, 16- or 32-bit addressing (SI/DI/CX or ESI/EDI/ECX) and a segment override
 * for the source (the destination is always ES) (Intel 386 manual 17.2.2.11, "REP").
 *
 * Each element is complete (memory and registers) before the next starts, so a fault in
 * the middle leaves ECX/ESI/EDI at the faulting element and the restarted instruction
 * carries on from there. A pending interrupt stops a REP between elements: EIP stays at
 * the instruction (prefixes included), which resumes after the handler returns. */
#include "cpu/ops.h"

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS, S_INS, S_OUTS };

static inline __attribute__((always_inline)) void string_op(struct cpu *c, struct insn *i,
                                                            int kind, unsigned size)
{
    const bool a32 = i->a32;
    const uint32_t amask = a32 ? 0xFFFFFFFFu : 0xFFFFu;
    const uint32_t step = (c->eflags & FL_DF) ? (uint32_t)-(int32_t)size : size;
    const unsigned sz = size == 1 ? 0 : size == 2 ? 1 : 2;
    const int src = i->seg;
    const uint16_t port = (uint16_t)c->gpr[R_EDX];
    uint32_t done = 0;

    for (;;) {
        uint32_t count = c->gpr[R_ECX] & amask;
        if (i->rep && !count)
            return;
        uint32_t si = c->gpr[R_ESI] & amask, di = c->gpr[R_EDI] & amask;
        bool stop = false;
        switch (kind) {
        case S_MOVS:
            seg_write(c, SEG_ES, di, size, seg_read(c, src, si, size));
            break;
        case S_CMPS: {
            uint32_t a = seg_read(c, src, si, size), b = seg_read(c, SEG_ES, di, size);
            uint32_t r = (a - b) & sz_mask(sz);
            flags_set(c, LF_SUB, sz, a, b, r);
            stop = (i->rep == 0xF3) ? r != 0 : r == 0;
            break;
        }
        case S_STOS:
            seg_write(c, SEG_ES, di, size, c->gpr[R_EAX]);
            break;
        case S_LODS: {
            uint32_t v = seg_read(c, src, si, size);
            if (size == 1)
                set_r8(c, 0, (uint8_t)v);
            else if (size == 2)
                set_r16(c, R_EAX, (uint16_t)v);
            else
                c->gpr[R_EAX] = v;
            break;
        }
        case S_SCAS: {
            uint32_t a = c->gpr[R_EAX] & sz_mask(sz), b = seg_read(c, SEG_ES, di, size);
            uint32_t r = (a - b) & sz_mask(sz);
            flags_set(c, LF_SUB, sz, a, b, r);
            stop = (i->rep == 0xF3) ? r != 0 : r == 0;
            break;
        }
        case S_INS: {
            cpu_check_io(c, port, size);
            /* the destination is checked before the port is read (386 manual "INS") */
            mem_check_write(c, SEG_ES, di, size);
            seg_write(c, SEG_ES, di, size, core_port_in(c, port, size));
            break;
        }
        default: { /* S_OUTS */
            cpu_check_io(c, port, size);
            uint32_t v = seg_read(c, src, si, size);
            core_port_out(c, port, size, v);
            break;
        }
        }
        if (kind == S_MOVS || kind == S_CMPS || kind == S_LODS || kind == S_OUTS) {
            if (a32)
                c->gpr[R_ESI] = si + step;
            else
                set_r16(c, R_ESI, (uint16_t)(si + step));
        }
        if (kind != S_LODS && kind != S_OUTS) {
            if (a32)
                c->gpr[R_EDI] = di + step;
            else
                set_r16(c, R_EDI, (uint16_t)(di + step));
        }
        if (!i->rep)
            return;
        count--;
        if (a32)
            c->gpr[R_ECX] = count;
        else
            set_r16(c, R_ECX, (uint16_t)count);
        if (!count || ((kind == S_CMPS || kind == S_SCAS) && stop))
            return;
        if (unlikely(cpu_break_wanted(c) || ++done >= REP_CHUNK)) {
            c->eip = c->insn_eip; /* resume here after the interrupt */
            c->icount--;          /* not retired yet: the step loop counts it anyway */
            if (done >= REP_CHUNK)
                cpu_rep_yield(c);
            return;
        }
    }
}

#define STRING_OPS(name, kind)                                                   \
    void op_##name##b(struct cpu *c, struct insn *i) { string_op(c, i, kind, 1); } \
    void op_##name##v(struct cpu *c, struct insn *i)                               \
    {                                                                              \
        if (i->op32)                                                               \
            string_op(c, i, kind, 4);                                              \
        else                                                                       \
            string_op(c, i, kind, 2);                                              \
    }

STRING_OPS(movs, S_MOVS)
STRING_OPS(cmps, S_CMPS)
STRING_OPS(stos, S_STOS)
STRING_OPS(lods, S_LODS)
STRING_OPS(scas, S_SCAS)
STRING_OPS(ins, S_INS)
STRING_OPS(outs, S_OUTS)
