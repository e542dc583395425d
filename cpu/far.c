/* Far transfers: JMP/CALL/RET far and IRET in real, protected and V86 mode, with code
 * segment rules, call gates (parameter copy, inner stack), returns to outer levels, task
 * gates and TSS targets (386 manual 6.3.4 and 7.5; JMP, CALL, RET, IRET pages of ch. 17). */
#include "cpu/desc.h"

static void publish_iret(struct cpu *c)
{
    if (PW_WANTS(c->events, PW_EV_IRET)) {
        struct pw_event ev = {.kind = PW_EV_IRET};
        ev.iret.from_eip = c->insn_eip;
        ev.iret.to_eip = c->eip;
        pw_events_publish(c->events, &ev);
    }
}

/* Real mode and V86: CS = sel, base = sel << 4; the new IP must be inside the CS limit. */
static void real_cs(struct cpu *c, uint16_t sel, uint32_t off)
{
    if (cpu_v86(c)) {
        if (off > 0xFFFFu)
            cpu_raise(c, EXC_GP, 0);
        cpu_seg_v86(&c->seg[SEG_CS], sel, true);
    } else {
        if (off > c->seg[SEG_CS].limit)
            cpu_raise(c, EXC_GP, 0);
        cpu_seg_real(&c->seg[SEG_CS], sel);
    }
    c->eip = off;
}

/* Commits a new CS (descriptor already checked) with RPL = the new CPL. */
static void commit_cs(struct cpu *c, uint16_t sel, const struct cpu_desc *d, unsigned cpl, uint32_t eip)
{
    cpu_seg_from_desc(&c->seg[SEG_CS], (uint16_t)((sel & 0xFFFCu) | cpl), d);
    c->cpl = cpl;
    c->eip = eip;
    cpu_mode_changed(c);
}

/* A code segment reached directly by JMP/CALL or through a call gate without a privilege
 * change: conforming needs DPL <= CPL, non-conforming DPL = CPL (and, when direct, RPL <=
 * CPL); then present (#NP) and the offset within the limit (#GP(0)). */
static void check_code_same(struct cpu *c, uint16_t sel, struct cpu_desc *d, bool check_rpl)
{
    uint32_t err = sel & 0xFFFCu;
    if (desc_conforming(d)) {
        if (desc_dpl(d) > c->cpl)
            cpu_raise(c, EXC_GP, err);
    } else {
        if ((check_rpl && (sel & 3u) > c->cpl) || desc_dpl(d) != c->cpl)
            cpu_raise(c, EXC_GP, err);
    }
    if (!desc_p(d))
        cpu_raise(c, EXC_NP, err);
}

static void check_off(struct cpu *c, const struct cpu_desc *d, uint32_t off)
{
    if (off > desc_limit(d))
        cpu_raise(c, EXC_GP, 0);
}

/* Gate or TSS reached by JMP/CALL: DPL >= CPL and DPL >= RPL (#GP), present (#NP). */
static void check_gate(struct cpu *c, uint16_t sel, const struct cpu_desc *d)
{
    uint32_t err = sel & 0xFFFCu;
    if (desc_dpl(d) < c->cpl || desc_dpl(d) < (sel & 3u))
        cpu_raise(c, EXC_GP, err);
    if (!desc_p(d))
        cpu_raise(c, EXC_NP, err);
}

/* TSS selector of a task gate for JMP/CALL: global, available TSS, present. */
static void task_gate_target(struct cpu *c, const struct cpu_desc *g, enum cpu_task_cause why)
{
    uint16_t ts = gate_sel(g);
    uint32_t err = ts & 0xFFFCu;
    struct cpu_desc d;
    if (ts & 4)
        cpu_raise(c, EXC_GP, err);
    cpu_desc_read_or_raise(c, ts, &d, EXC_GP, 0);
    if (desc_s(&d) || (desc_type(&d) != DT_TSS32 && desc_type(&d) != DT_TSS16))
        cpu_raise(c, EXC_GP, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    cpu_task_switch(c, ts, &d, why, false, 0);
}

/* Target code segment of a call gate. */
static void gate_code(struct cpu *c, const struct cpu_desc *g, uint16_t *sel, struct cpu_desc *d,
                      uint32_t *off)
{
    *sel = gate_sel(g);
    *off = desc_type(g) == DT_CALL32 ? gate_off(g) : gate_off(g) & 0xFFFFu;
    if ((*sel & 0xFFFCu) == 0)
        cpu_raise(c, EXC_GP, 0);
    cpu_desc_read_or_raise(c, *sel, d, EXC_GP, 0);
    if (!desc_code(d) || desc_dpl(d) > c->cpl)
        cpu_raise(c, EXC_GP, *sel & 0xFFFCu);
}

void cpu_jmp_far(struct cpu *c, uint16_t sel, uint32_t off)
{
    if (!cpu_protected(c) || cpu_v86(c)) {
        real_cs(c, sel, off);
        return;
    }
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, EXC_GP, 0);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, sel, &d, EXC_GP, 0);
    if (desc_code(&d)) {
        check_code_same(c, sel, &d, true);
        check_off(c, &d, off);
        cpu_desc_set_accessed(c, sel, &d);
        commit_cs(c, sel, &d, c->cpl, off);
        return;
    }
    if (desc_s(&d))
        cpu_raise(c, EXC_GP, err);
    switch (desc_type(&d)) {
    case DT_CALL16:
    case DT_CALL32: {
        /* JMP through a call gate never changes privilege */
        check_gate(c, sel, &d);
        uint16_t tsel;
        uint32_t toff;
        struct cpu_desc t;
        gate_code(c, &d, &tsel, &t, &toff);
        check_code_same(c, tsel, &t, false);
        check_off(c, &t, toff);
        cpu_desc_set_accessed(c, tsel, &t);
        commit_cs(c, tsel, &t, c->cpl, toff);
        return;
    }
    case DT_TASK:
        check_gate(c, sel, &d);
        task_gate_target(c, &d, TASK_JMP);
        return;
    case DT_TSS16:
    case DT_TSS32:
        check_gate(c, sel, &d);
        cpu_task_switch(c, sel, &d, TASK_JMP, false, 0);
        return;
    default: /* busy TSS, LDT, interrupt/trap gates, reserved */
        cpu_raise(c, EXC_GP, err);
    }
}

/* CALL through a call gate to a more privileged non-conforming segment (6.3.4.1): new
 * stack from the TSS, old SS:ESP and the gate's parameter count copied, then CS:EIP. */
static void call_gate_inner(struct cpu *c, const struct cpu_desc *g, uint16_t tsel,
                            struct cpu_desc *t, uint32_t toff)
{
    unsigned dpl = desc_dpl(t);
    unsigned sz = desc_type(g) == DT_CALL32 ? 4 : 2;
    unsigned np = gate_params(g);
    uint16_t nss;
    uint32_t nesp;
    cpu_tss_stack(c, dpl, 0, &nss, &nesp);
    struct cpu_seg ss;
    cpu_check_inner_ss(c, nss, dpl, 0, &ss);
    struct cpu_stk ns, os;
    cpu_stk_from_seg(&ns, &ss, nesp, dpl == 3);
    if (!cpu_stk_room_push(&ns, (4 + np) * sz))
        cpu_raise(c, EXC_SS, nss & 0xFFFCu);
    check_off(c, t, toff);
    cpu_stk_from_seg(&os, &c->seg[SEG_SS], c->gpr[R_ESP], c->cpl == 3);
    if (np && !cpu_stk_room_pop(&os, 0, np * sz))
        cpu_raise(c, EXC_SS, 0);
    cpu_stk_push(c, &ns, c->seg[SEG_SS].sel, sz);
    cpu_stk_push(c, &ns, c->gpr[R_ESP], sz);
    /* the parameters keep their order: the deepest (highest address) is pushed first */
    uint32_t mask = SEG_ATTR_DB(os.attr) ? 0xFFFFFFFFu : 0xFFFFu;
    for (unsigned i = np; i-- > 0;) {
        uint32_t lin = os.base + ((os.esp + i * sz) & mask);
        uint32_t v = sz == 4 ? lin_read32(c, lin, os.user) : lin_read16(c, lin, os.user);
        cpu_stk_push(c, &ns, v, sz);
    }
    cpu_stk_push(c, &ns, c->seg[SEG_CS].sel, sz);
    cpu_stk_push(c, &ns, c->eip, sz);
    cpu_desc_set_accessed(c, tsel, t);
    c->seg[SEG_SS] = ss;
    c->gpr[R_ESP] = ns.esp;
    commit_cs(c, tsel, t, dpl, toff);
}

/* Same-level CALL: CS and EIP pushed on the current stack with size sz. */
static void call_same(struct cpu *c, uint16_t tsel, struct cpu_desc *t, uint32_t toff, unsigned sz)
{
    struct cpu_stk s;
    cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], c->cpl == 3);
    if (!cpu_stk_room_push(&s, 2 * sz))
        cpu_raise(c, EXC_SS, 0);
    check_off(c, t, toff);
    cpu_stk_push(c, &s, c->seg[SEG_CS].sel, sz);
    cpu_stk_push(c, &s, c->eip, sz);
    cpu_desc_set_accessed(c, tsel, t);
    cpu_stk_commit(c, &s);
    commit_cs(c, tsel, t, c->cpl, toff);
}

void cpu_call_far(struct cpu *c, uint16_t sel, uint32_t off, bool op32)
{
    unsigned sz = op32 ? 4 : 2;
    if (!cpu_protected(c) || cpu_v86(c)) {
        struct cpu_stk s;
        cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], cpu_v86(c));
        if (!cpu_stk_room_push(&s, 2 * sz))
            cpu_raise(c, EXC_SS, 0);
        /* the target is checked and the frame written (V86 pages may fault) before CS
         * changes */
        if (off > (cpu_v86(c) ? 0xFFFFu : c->seg[SEG_CS].limit))
            cpu_raise(c, EXC_GP, 0);
        cpu_stk_push(c, &s, c->seg[SEG_CS].sel, sz);
        cpu_stk_push(c, &s, c->eip, sz);
        real_cs(c, sel, off);
        cpu_stk_commit(c, &s);
        return;
    }
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, EXC_GP, 0);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, sel, &d, EXC_GP, 0);
    if (desc_code(&d)) {
        check_code_same(c, sel, &d, true);
        call_same(c, sel, &d, off, sz);
        return;
    }
    if (desc_s(&d))
        cpu_raise(c, EXC_GP, err);
    switch (desc_type(&d)) {
    case DT_CALL16:
    case DT_CALL32: {
        check_gate(c, sel, &d);
        uint16_t tsel;
        uint32_t toff;
        struct cpu_desc t;
        gate_code(c, &d, &tsel, &t, &toff);
        if (!desc_p(&t))
            cpu_raise(c, EXC_NP, tsel & 0xFFFCu);
        if (!desc_conforming(&t) && desc_dpl(&t) < c->cpl)
            call_gate_inner(c, &d, tsel, &t, toff);
        else
            call_same(c, tsel, &t, toff, desc_type(&d) == DT_CALL32 ? 4 : 2);
        return;
    }
    case DT_TASK:
        check_gate(c, sel, &d);
        task_gate_target(c, &d, TASK_CALL);
        return;
    case DT_TSS16:
    case DT_TSS32:
        check_gate(c, sel, &d);
        cpu_task_switch(c, sel, &d, TASK_CALL, false, 0);
        return;
    default:
        cpu_raise(c, EXC_GP, err);
    }
}

/* Return target CS for RET/IRET (RET pseudo-code): RPL >= CPL; conforming DPL <= RPL,
 * non-conforming DPL = RPL; present. */
static void check_return_cs(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, EXC_GP, 0);
    cpu_desc_read_or_raise(c, sel, d, EXC_GP, 0);
    unsigned rpl = sel & 3u;
    if (rpl < c->cpl || !desc_code(d))
        cpu_raise(c, EXC_GP, err);
    if (desc_conforming(d) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl)
        cpu_raise(c, EXC_GP, err);
    if (!desc_p(d))
        cpu_raise(c, EXC_NP, err);
}

/* Outer stack of a RET/IRET to a less privileged level: writable data, RPL = DPL = rpl. */
static void check_return_ss(struct cpu *c, uint16_t sel, unsigned rpl, struct cpu_seg *out)
{
    uint32_t err = sel & 0xFFFCu;
    if (err == 0)
        cpu_raise(c, EXC_GP, 0);
    struct cpu_desc d;
    cpu_desc_read_or_raise(c, sel, &d, EXC_GP, 0);
    if ((sel & 3u) != rpl || !desc_writable_data(&d) || desc_dpl(&d) != rpl)
        cpu_raise(c, EXC_GP, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_SS, err);
    cpu_desc_set_accessed(c, sel, &d);
    cpu_seg_from_desc(out, sel, &d);
}

static void set_esp_for(struct cpu *c, const struct cpu_seg *ss, uint32_t esp)
{
    if (SEG_ATTR_DB(ss->attr))
        c->gpr[R_ESP] = esp;
    else
        c->gpr[R_ESP] = (c->gpr[R_ESP] & 0xFFFF0000u) | (esp & 0xFFFFu);
}

void cpu_ret_far(struct cpu *c, bool op32, uint16_t imm)
{
    unsigned sz = op32 ? 4 : 2;
    struct cpu_stk s;
    cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], c->cpl == 3 || cpu_v86(c));
    if (!cpu_stk_room_pop(&s, 0, 2 * sz))
        cpu_raise(c, EXC_SS, 0);
    uint32_t neip = cpu_stk_pop(c, &s, sz);
    uint16_t ncs = (uint16_t)cpu_stk_pop(c, &s, sz);
    if (!cpu_protected(c) || cpu_v86(c)) {
        real_cs(c, ncs, neip);
        s.esp += imm;
        cpu_stk_commit(c, &s);
        return;
    }
    struct cpu_desc d;
    check_return_cs(c, ncs, &d);
    unsigned rpl = ncs & 3u;
    if (rpl > c->cpl) {
        /* to an outer level: SS:ESP of the caller follow the parameters (6.3.4.2) */
        s.esp += imm;
        if (!cpu_stk_room_pop(&s, 0, 2 * sz))
            cpu_raise(c, EXC_SS, 0);
        uint32_t nesp = cpu_stk_pop(c, &s, sz);
        uint16_t nss = (uint16_t)cpu_stk_pop(c, &s, sz);
        struct cpu_seg ss;
        check_return_ss(c, nss, rpl, &ss);
        check_off(c, &d, neip);
        cpu_desc_set_accessed(c, ncs, &d);
        c->seg[SEG_SS] = ss;
        set_esp_for(c, &ss, nesp + imm);
        commit_cs(c, ncs, &d, rpl, neip);
        cpu_seg_nullify_outer(c);
        return;
    }
    check_off(c, &d, neip);
    cpu_desc_set_accessed(c, ncs, &d);
    s.esp += imm;
    cpu_stk_commit(c, &s);
    commit_cs(c, ncs, &d, c->cpl, neip);
}

/* IRET from CPL 0 to a V86 task: EIP CS EFLAGS ESP SS ES DS FS GS (15.3.2). */
static void iret_to_v86(struct cpu *c, struct cpu_stk *s, uint32_t neip, uint16_t ncs, uint32_t fl)
{
    if (!cpu_stk_room_pop(s, 0, 6 * 4))
        cpu_raise(c, EXC_SS, 0);
    uint32_t nesp = cpu_stk_pop(c, s, 4);
    uint16_t nss = (uint16_t)cpu_stk_pop(c, s, 4);
    uint16_t es = (uint16_t)cpu_stk_pop(c, s, 4);
    uint16_t ds = (uint16_t)cpu_stk_pop(c, s, 4);
    uint16_t fs = (uint16_t)cpu_stk_pop(c, s, 4);
    uint16_t gs = (uint16_t)cpu_stk_pop(c, s, 4);
    if ((neip & 0xFFFFu) != neip)
        cpu_raise(c, EXC_GP, 0);
    uint32_t valid = FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | FL_VM;
    if (c->model >= CPU_486)
        valid |= FL_AC;
    cpu_set_eflags(c, (fl & valid) | 0x2u);
    cpu_seg_v86(&c->seg[SEG_CS], ncs, true);
    cpu_seg_v86(&c->seg[SEG_SS], nss, false);
    cpu_seg_v86(&c->seg[SEG_ES], es, false);
    cpu_seg_v86(&c->seg[SEG_DS], ds, false);
    cpu_seg_v86(&c->seg[SEG_FS], fs, false);
    cpu_seg_v86(&c->seg[SEG_GS], gs, false);
    c->gpr[R_ESP] = nesp;
    c->eip = neip;
    c->cpl = 3;
    cpu_mode_changed(c);
}

static void iret_task_return(struct cpu *c)
{
    /* NT set: return to the task whose selector is the back link at TSS offset 0 (7.6) */
    uint16_t link = lin_read16(c, c->tr.base, false);
    uint32_t err = link & 0xFFFCu;
    struct cpu_desc d;
    if (link & 4)
        cpu_raise(c, EXC_TS, err);
    cpu_desc_read_or_raise(c, link, &d, EXC_TS, 0);
    if (desc_s(&d) || (desc_type(&d) != DT_TSS32_BUSY && desc_type(&d) != DT_TSS16_BUSY))
        cpu_raise(c, EXC_TS, err);
    if (!desc_p(&d))
        cpu_raise(c, EXC_NP, err);
    cpu_task_switch(c, link, &d, TASK_IRET, false, 0);
}

void cpu_iret(struct cpu *c, bool op32)
{
    /* IRET ends NMI blocking (386 manual 9.2.1): an NMI that arrived meanwhile is taken at
     * the next instruction boundary. */
    if (c->nmi_blocked) {
        c->nmi_blocked = false;
        if (c->nmi_pending)
            cpu_raise_nmi(c); /* recomputes the pending-work word */
    }
    unsigned sz = op32 ? 4 : 2;
    uint32_t size_mask = op32 ? 0xFFFFFFFFu : 0xFFFFu;
    bool v86 = cpu_v86(c);
    if (cpu_protected(c) && v86 && ((c->eflags >> 12) & 3u) < 3)
        cpu_raise(c, EXC_GP, 0); /* IOPL-sensitive in V86 mode (15.2.3) */
    if (cpu_protected(c) && !v86 && (c->eflags & FL_NT)) {
        iret_task_return(c);
        publish_iret(c);
        return;
    }
    struct cpu_stk s;
    cpu_stk_from_seg(&s, &c->seg[SEG_SS], c->gpr[R_ESP], c->cpl == 3 || v86);
    if (!cpu_stk_room_pop(&s, 0, 3 * sz))
        cpu_raise(c, EXC_SS, 0);
    uint32_t neip = cpu_stk_pop(c, &s, sz);
    uint16_t ncs = (uint16_t)cpu_stk_pop(c, &s, sz);
    uint32_t fl = cpu_stk_pop(c, &s, sz);
    uint32_t old = cpu_get_eflags(c);

    if (!cpu_protected(c) || v86) {
        /* real mode, or V86 with IOPL 3: VM and (in V86) IOPL stay; RF loads with 32 bits */
        uint32_t nf = cpu_flags_merge(c, old, fl, size_mask);
        if (op32)
            nf = (nf & ~FL_RF) | (fl & FL_RF);
        real_cs(c, ncs, neip);
        cpu_stk_commit(c, &s);
        cpu_set_eflags(c, nf);
        publish_iret(c);
        return;
    }
    if (op32 && (fl & FL_VM) && c->cpl == 0) {
        iret_to_v86(c, &s, neip, ncs, fl);
        publish_iret(c);
        return;
    }
    struct cpu_desc d;
    check_return_cs(c, ncs, &d);
    unsigned rpl = ncs & 3u;
    /* flags follow the rules of the CPL that executes IRET; RF loads, VM does not here */
    uint32_t nf = cpu_flags_merge(c, old, fl, size_mask);
    if (op32)
        nf = (nf & ~FL_RF) | (fl & FL_RF);
    if (rpl > c->cpl) {
        if (!cpu_stk_room_pop(&s, 0, 2 * sz))
            cpu_raise(c, EXC_SS, 0);
        uint32_t nesp = cpu_stk_pop(c, &s, sz);
        uint16_t nss = (uint16_t)cpu_stk_pop(c, &s, sz);
        struct cpu_seg ss;
        check_return_ss(c, nss, rpl, &ss);
        check_off(c, &d, neip);
        cpu_desc_set_accessed(c, ncs, &d);
        c->seg[SEG_SS] = ss;
        set_esp_for(c, &ss, nesp);
        cpu_set_eflags(c, nf);
        commit_cs(c, ncs, &d, rpl, neip);
        cpu_seg_nullify_outer(c);
    } else {
        check_off(c, &d, neip);
        cpu_desc_set_accessed(c, ncs, &d);
        cpu_stk_commit(c, &s);
        cpu_set_eflags(c, nf);
        commit_cs(c, ncs, &d, c->cpl, neip);
    }
    publish_iret(c);
}
