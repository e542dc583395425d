/* Exceptions and interrupts: real mode through the IVT, protected mode through IDT gates
 * (interrupt, trap, task), privilege changes with the stack from the TSS, V86 to ring 0,
 * and the double-fault / shutdown rules (386 manual chapter 9, INT pseudo-code in
 * chapter 17, 14.1 real mode, 15.3 V86 interrupts). */
#include "cpu/desc.h"

#include <stdio.h>

#include "cpu/names.h"

static bool is_soft(enum cpu_int_kind k)
{
    return k == INT_SOFT || k == INT_SOFT_INT3 || k == INT_SOFT_INTO;
}

static void publish(struct cpu *c, uint8_t vec, enum cpu_int_kind kind, bool has_err, uint32_t err)
{
    enum pw_event_kind k = kind == INT_EXCEPTION ? PW_EV_EXCEPTION : PW_EV_INTERRUPT;
    if (PW_WANTS(c->events, k)) {
        struct pw_event ev = {.kind = k};
        ev.exc.vector = vec;
        ev.exc.has_err = has_err;
        ev.exc.err = has_err ? err : 0;
        ev.exc.eip = c->eip;
        ev.exc.cr2 = c->cr2;
        ev.exc.soft = is_soft(kind);
        pw_events_publish(c->events, &ev);
    }
}

/* ---- TSS stacks ---- */

void cpu_tss_stack(struct cpu *c, unsigned dpl, uint32_t ext, uint16_t *ss, uint32_t *esp)
{
    /* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n; 16-bit TSS: SPn at 2 + 4n, SSn at 4 + 4n
     * (386 manual figures 7-1 and 13-x). Beyond the TSS limit: #TS(TSS selector). */
    unsigned t = SEG_ATTR_TYPE(c->tr.attr);
    bool tss32 = t == DT_TSS32 || t == DT_TSS32_BUSY;
    uint32_t off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
    uint32_t last = tss32 ? off + 5 : off + 3;
    if (!c->tr.valid || last > c->tr.limit)
        cpu_raise(c, EXC_TS, (c->tr.sel & 0xFFFCu) | ext);
    if (tss32) {
        *esp = lin_read32(c, c->tr.base + off, false);
        *ss = lin_read16(c, c->tr.base + off + 4, false);
    } else {
        *esp = lin_read16(c, c->tr.base + off, false);
        *ss = lin_read16(c, c->tr.base + off + 2, false);
    }
}

void cpu_check_inner_ss(struct cpu *c, uint16_t ss, unsigned dpl, uint32_t ext, struct cpu_seg *out)
{
    uint32_t err = (ss & 0xFFFCu) | ext;
    if ((ss & 0xFFFCu) == 0)
        cpu_raise(c, EXC_TS, ext);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, ss, &d, EXC_TS, ext);
    if ((ss & 3u) != dpl || desc_dpl(&d) != dpl || !desc_writable_data(&d))
        cpu_raise(c, EXC_TS, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_SS, err);
    cpu_desc_set_accessed(c, ss, &d);
    cpu_seg_from_desc(out, ss, &d);
}

/* ---- real mode ---- */

static void real_int(struct cpu *c, uint8_t vec)
{
    /* The IVT is wherever IDTR points (LIDT works in real mode). A vector beyond its limit
     * is a double fault (386 manual table 14-1). */
    uint32_t a = (uint32_t)vec * 4;
    if (a + 3 > c->idtr.limit)
        cpu_raise(c, EXC_DF, 0);
    struct cpu_stk s;
    cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], false);
    if (!cpu_stk_room_push(&s, 6))
        cpu_raise(c, EXC_SS, 0);
    uint16_t ip = lin_read16(c, c->idtr.base + a, false);
    uint16_t cs = lin_read16(c, c->idtr.base + a + 2, false);
    uint32_t fl = cpu_get_eflags(c);
    cpu_stk_push(c, &s, fl, 2);
    cpu_stk_push(c, &s, c->seg[SEG_CS].sel, 2);
    cpu_stk_push(c, &s, c->eip, 2);
    cpu_stk_commit(c, &s);
    cpu_set_eflags(c, fl & ~(FL_IF | FL_TF | FL_AC | FL_RF));
    cpu_seg_real(&c->seg[SEG_CS], cs);
    c->eip = ip;
}

/* ---- protected mode ---- */

static void pm_int(struct cpu *c, uint8_t vec, enum cpu_int_kind kind, bool has_err, uint32_t err)
{
    uint32_t ext = c->sys_ext ? 1u : 0u;
    uint32_t idt_err = (uint32_t)vec * 8 + 2 + ext;
    unsigned iopl = (c->eflags >> 12) & 3u;

    /* INT n in V86 mode is IOPL-sensitive; INT3/INTO are not (386 manual 15.2.3) */
    if (kind == INT_SOFT && cpu_v86(c) && iopl < 3)
        cpu_raise(c, EXC_GP, 0);
    if ((uint32_t)vec * 8 + 7 > c->idtr.limit)
        cpu_raise(c, EXC_GP, idt_err);
    struct cpu_desc g;
    g.lo = lin_read32(c, c->idtr.base + (uint32_t)vec * 8, false);
    g.hi = lin_read32(c, c->idtr.base + (uint32_t)vec * 8 + 4, false);
    unsigned t = desc_type(&g);
    if (desc_s(&g) || !(t == DT_TASK || t == DT_INT16 || t == DT_TRAP16 || t == DT_INT32 ||
                        t == DT_TRAP32))
        cpu_raise(c, EXC_GP, idt_err);
    /* software interrupts may only use gates of DPL >= CPL (9.6.1.1) */
    if (is_soft(kind) && desc_dpl(&g) < c->cpl)
        cpu_raise(c, EXC_GP, (uint32_t)vec * 8 + 2);
    if (!desc_p(&g))
        cpu_raise(c, EXC_NP, idt_err);

    if (t == DT_TASK) {
        /* task gate (9.6.2): the TSS selector must be a global, available TSS */
        uint16_t ts = gate_sel(&g);
        uint32_t terr = (ts & 0xFFFCu) | ext;
        struct cpu_desc d;
        if (ts & 4)
            cpu_raise(c, EXC_TS, terr);
        cpu_desc_read_or_raise(c, ts, &d, EXC_TS, ext);
        if (desc_s(&d) || (desc_type(&d) != DT_TSS32 && desc_type(&d) != DT_TSS16))
            cpu_raise(c, EXC_TS, terr);
        if (!desc_p(&d))
            cpu_raise(c, EXC_NP, terr);
        cpu_task_switch(c, ts, &d, TASK_INT, has_err, err);
        return;
    }

    bool gate32 = t >= 8;
    unsigned sz = gate32 ? 4 : 2;
    uint32_t off = gate32 ? gate_off(&g) : gate_off(&g) & 0xFFFFu;
    uint16_t sel = gate_sel(&g);
    uint32_t serr = (sel & 0xFFFCu) | ext;
    if ((sel & 0xFFFCu) == 0)
        cpu_raise(c, EXC_GP, ext);
    struct cpu_desc cd;
    cpu_desc_read_or_raise(c, sel, &cd, EXC_GP, ext);
    if (!desc_code(&cd) || desc_dpl(&cd) > c->cpl)
        cpu_raise(c, EXC_GP, serr);
    if (!desc_p(&cd))
        cpu_raise(c, EXC_NP, serr);

    unsigned dpl = desc_dpl(&cd);
    bool v86 = cpu_v86(c);
    uint32_t fl = cpu_get_eflags(c);
    unsigned ncpl;
    struct cpu_seg ncs;

    if (!desc_conforming(&cd) && dpl < c->cpl) {
        /* to an inner level: new stack from the TSS (9.6.1.1) */
        if (v86 && dpl != 0)
            cpu_raise(c, EXC_GP, serr);
        uint16_t nss;
        uint32_t nesp;
        cpu_tss_stack(c, dpl, ext, &nss, &nesp);
        struct cpu_seg ss;
        cpu_check_inner_ss(c, nss, dpl, ext, &ss);
        struct cpu_stk s;
        cpu_stk_from_seg(&s, &ss, nesp, dpl == 3);
        unsigned n = (v86 ? 9u : 5u) + (has_err ? 1u : 0u);
        if (!cpu_stk_room_push(&s, n * sz))
            cpu_raise(c, EXC_SS, (nss & 0xFFFCu) | ext);
        ncpl = dpl;
        cpu_seg_from_desc(&ncs, (uint16_t)((sel & 0xFFFCu) | ncpl), &cd);
        if (off > ncs.limit)
            cpu_raise(c, EXC_GP, ext);
        if (v86) {
            /* from V86: the real-mode style data segments are saved and cleared (15.3.1) */
            cpu_stk_push(c, &s, c->seg[SEG_GS].sel, sz);
            cpu_stk_push(c, &s, c->seg[SEG_FS].sel, sz);
            cpu_stk_push(c, &s, c->seg[SEG_DS].sel, sz);
            cpu_stk_push(c, &s, c->seg[SEG_ES].sel, sz);
        }
        cpu_stk_push(c, &s, c->seg[SEG_SS].sel, sz);
        cpu_stk_push(c, &s, c->gpr[R_ESP], sz);
        cpu_stk_push(c, &s, fl, sz);
        cpu_stk_push(c, &s, c->seg[SEG_CS].sel, sz);
        cpu_stk_push(c, &s, c->eip, sz);
        if (has_err)
            cpu_stk_push(c, &s, err, sz);
        /* commit */
        c->seg[SEG_SS] = ss;
        c->gpr[R_ESP] = s.esp;
        if (v86) {
            cpu_seg_null(&c->seg[SEG_GS], 0);
            cpu_seg_null(&c->seg[SEG_FS], 0);
            cpu_seg_null(&c->seg[SEG_DS], 0);
            cpu_seg_null(&c->seg[SEG_ES], 0);
        }
    } else if (desc_conforming(&cd) || dpl == c->cpl) {
        /* same level; from V86 only a ring-0 non-conforming handler is allowed */
        if (v86)
            cpu_raise(c, EXC_GP, serr);
        struct cpu_stk s;
        cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], c->cpl == 3);
        unsigned n = 3u + (has_err ? 1u : 0u);
        if (!cpu_stk_room_push(&s, n * sz))
            cpu_raise(c, EXC_SS, ext);
        ncpl = c->cpl;
        cpu_seg_from_desc(&ncs, (uint16_t)((sel & 0xFFFCu) | ncpl), &cd);
        if (off > ncs.limit)
            cpu_raise(c, EXC_GP, ext);
        cpu_stk_push(c, &s, fl, sz);
        cpu_stk_push(c, &s, c->seg[SEG_CS].sel, sz);
        cpu_stk_push(c, &s, c->eip, sz);
        if (has_err)
            cpu_stk_push(c, &s, err, sz);
        cpu_stk_commit(c, &s);
    } else {
        cpu_raise(c, EXC_GP, serr);
    }
    cpu_desc_set_accessed(c, sel, &cd);
    ncs.attr = desc_attr(&cd);
    c->seg[SEG_CS] = ncs;
    c->cpl = ncpl;
    c->eip = off;
    /* TF, NT, RF and VM are cleared; an interrupt gate also clears IF (9.6.1.3) */
    fl &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
    if (t == DT_INT16 || t == DT_INT32)
        fl &= ~FL_IF;
    cpu_set_eflags(c, fl);
    cpu_mode_changed(c);
}

void cpu_interrupt(struct cpu *c, uint8_t vec, enum cpu_int_kind kind, bool has_err, uint32_t err)
{
    publish(c, vec, kind, has_err, err);
    /* error codes of faults met while delivering carry EXT for hardware interrupts and
     * exceptions, not for INT n (9.7) */
    c->sys_ext = !is_soft(kind);
    if (!cpu_protected(c))
        real_int(c, vec);
    else
        pm_int(c, vec, kind, has_err, err);
    c->sys_ext = false;
    c->halted = false;
}

/* ---- double fault and shutdown (386 manual 9.8.8, table 9-4) ---- */

enum { EC_BENIGN, EC_CONTRIB, EC_PF };

static int exc_class(int vec)
{
    switch (vec) {
    case EXC_DE: case EXC_CSO: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
        return EC_CONTRIB;
    case EXC_PF:
        return EC_PF;
    default:
        return EC_BENIGN;
    }
}

static void shutdown(struct cpu *c, int vec, uint32_t err)
{
    c->shutdown_reason = "triple fault";
    int n = snprintf(c->shutdown_msg, sizeof c->shutdown_msg,
                     "triple fault: %s (error %#x) while delivering #DF", cpu_exception_name(vec),
                     err == CPU_NO_ERR ? 0u : (unsigned)err);
    if (n > 0 && (size_t)n < sizeof c->shutdown_msg && c->sys_df_first >= 0)
        snprintf(c->shutdown_msg + n, sizeof c->shutdown_msg - (size_t)n,
                 " (raised by %s during %s)", cpu_exception_name(c->sys_df_second),
                 cpu_exception_name(c->sys_df_first));
    c->fault_depth = 0;
    c->sys_ext = false;
}

bool cpu_deliver_exception(struct cpu *c, int vec, uint32_t err)
{
    if (c->fault_depth == 0) {
        c->sys_df_first = c->sys_df_second = -1;
    } else {
        /* a fault while delivering an earlier exception */
        int first = c->sys_deliver_vec;
        if (first == EXC_DF) {
            shutdown(c, vec, err);
            return false;
        }
        int a = exc_class(first), b = exc_class(vec);
        if ((a == EC_CONTRIB && b == EC_CONTRIB) || (a == EC_PF && b != EC_BENIGN)) {
            c->sys_df_first = first;
            c->sys_df_second = vec;
            vec = EXC_DF;
            err = 0;
        }
        /* otherwise the two are handled serially: the second is delivered, and the first
         * recurs when its instruction restarts */
    }
    c->fault_depth++;
    c->sys_deliver_vec = vec;
    cpu_interrupt(c, (uint8_t)vec, INT_EXCEPTION, err != CPU_NO_ERR && cpu_protected(c), err);
    c->fault_depth = 0;
    return true;
}
