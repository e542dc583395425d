/* The reference CPU: Unicorn (QEMU's TCG) in UC_MODE_32 (flat protected mode) or UC_MODE_16
 * (real mode). Exceptions and software interrupts stop emulation through the interrupt hook;
 * only their vector is compared. See deviations.md for where Unicorn differs from Intel. */
#include "tests/diff/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define UC_MEM_SIZE 0x40000u

struct ucr {
    uc_engine *uc;
    bool code32;
    int vec;
    uint8_t *mem;  /* host memory behind the guest's 0..UC_MEM_SIZE (uc_mem_map_ptr) */
    bool dirty;    /* an exception was raised: the engine is rebuilt before the next case */
};

static const int gpr_ids[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                                UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct ucr *u = user;
    if (u->vec < 0)
        u->vec = (int)intno;
    uc_emu_stop(uc);
}

static bool hook_invalid(uc_engine *uc, void *user)
{
    struct ucr *u = user;
    if (u->vec < 0)
        u->vec = 6; /* #UD */
    /* "handled": returning false would leave Unicorn's vCPU halted for every later run */
    uc_emu_stop(uc);
    return true;
}

static uint32_t rd(struct ucr *u, int id)
{
    uint32_t v = 0;
    uc_reg_read(u->uc, id, &v);
    return v;
}
static void wr(struct ucr *u, int id, uint32_t v) { uc_reg_write(u->uc, id, &v); }

static uint32_t cs_base(struct ucr *u) { return u->code32 ? 0 : DIFF_CODE_BASE; }

/* In UC_MODE_16, Unicorn 2.0.1 reports EIP as CS base + IP and uc_emu_start takes the
 * linear address (it subtracts the CS base itself): convert to and from the offset. */
static uint32_t get_ip(struct ucr *u) { return rd(u, UC_X86_REG_EIP) - cs_base(u); }

static uc_err engine_open(struct ucr *u)
{
    uc_err e = uc_open(UC_ARCH_X86, u->code32 ? UC_MODE_32 : UC_MODE_16, &u->uc);
    if (e != UC_ERR_OK)
        return e;
    /* No memory hooks: with UC_HOOK_MEM_WRITE installed, Unicorn 2.0.1 computes wrong
     * flags for some memory-destination instructions (SHRD m32: deviations.md). Memory is
     * compared through the host buffer instead. */
    uc_mem_map_ptr(u->uc, 0, UC_MEM_SIZE, UC_PROT_ALL, u->mem);
    uc_hook h1, h2;
    uc_hook_add(u->uc, &h1, UC_HOOK_INTR, (void *)hook_intr, u, 1, 0);
    uc_hook_add(u->uc, &h2, UC_HOOK_INSN_INVALID, (void *)hook_invalid, u, 1, 0);
    u->dirty = false;
    return UC_ERR_OK;
}

static int ucr_load(struct runner *r, const struct gen_case *gc, const struct diff_regs *regs,
                    const uint8_t *data)
{
    struct ucr *u = r->impl;
    static uint8_t code[DIFF_CODE_MAX + 16];
    /* Unicorn 2.0.1 keeps a delivered exception pending (the next run raises #DF) and a
     * refused one halts the vCPU: after any exception, start from a fresh engine. */
    if (u->dirty) {
        uc_close(u->uc);
        if (engine_open(u) != UC_ERR_OK)
            return -1;
    }
    memset(code, 0xF4, sizeof code);
    memcpy(code, gc->code, gc->len);
    uc_mem_write(u->uc, DIFF_DATA_BASE, data, DIFF_DATA_SIZE);
    uc_mem_write(u->uc, DIFF_CODE_BASE, code, sizeof code);
    /* translated blocks of the previous case must not survive the new code */
    uc_ctl_remove_cache(u->uc, DIFF_CODE_BASE, DIFF_CODE_BASE + sizeof code);
    static const int sreg_ids[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                    UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS};
    if (u->code32) {
        uint64_t gdt[DIFF_GDT_N];
        for (int i = 0; i < DIFF_GDT_N; i++)
            gdt[i] = diff_gdt_entry(i);
        uc_mem_write(u->uc, DIFF_GDT_BASE, gdt, sizeof gdt);
        uc_x86_mmr m = {.base = DIFF_GDT_BASE, .limit = sizeof gdt - 1};
        uc_reg_write(u->uc, UC_X86_REG_GDTR, &m);
    }
    for (int s = 0; s < 6; s++)
        wr(u, sreg_ids[s], u->code32 ? diff_sel_prot[s] : diff_sel_real[s]);
    r->set(r, regs);
    return 0;
}

static void ucr_set(struct runner *r, const struct diff_regs *in)
{
    struct ucr *u = r->impl;
    for (int i = 0; i < 8; i++)
        wr(u, gpr_ids[i], in->gpr[i]);
    wr(u, UC_X86_REG_EFLAGS, in->eflags);
    wr(u, UC_X86_REG_EIP, in->eip + cs_base(u));
}

static void ucr_get(struct runner *r, struct diff_regs *out)
{
    struct ucr *u = r->impl;
    for (int i = 0; i < 8; i++)
        out->gpr[i] = rd(u, gpr_ids[i]);
    out->eflags = rd(u, UC_X86_REG_EFLAGS);
    out->eip = get_ip(u);
}

/* A string instruction (after its prefixes) stays at its EIP until the count runs out. */
static bool is_string_insn(struct ucr *u, uint32_t lin)
{
    uint8_t b[16];
    uc_mem_read(u->uc, lin, b, sizeof b);
    for (int i = 0; i < 15; i++) {
        switch (b[i]) {
        case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
        case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
            continue;
        default:
            return (b[i] >= 0xA4 && b[i] <= 0xA7) || (b[i] >= 0xAA && b[i] <= 0xAF);
        }
    }
    return false;
}

static int ucr_step(struct runner *r, int *vec, char *err, unsigned errlen)
{
    struct ucr *u = r->impl;
    uint32_t start = get_ip(u);
    u->vec = -1;
    /* A REP string instruction runs one iteration per count and stays at the same EIP:
     * keep stepping until EIP moves (generated code never jumps to itself). */
    for (int iter = 0; iter < 1000000; iter++) {
        uint32_t eip = get_ip(u);
        uc_err e = uc_emu_start(u->uc, cs_base(u) + eip, 0xFFFFFFFFu, 0, 1);
        if (u->vec >= 0) {
            u->dirty = true;
            *vec = u->vec;
            return 0;
        }
        if (e != UC_ERR_OK) {
            snprintf(err, errlen, "unicorn: %s at eip %08x", uc_strerror(e), eip);
            return -1;
        }
        if (get_ip(u) != start)
            break;
        if (!is_string_insn(u, cs_base(u) + eip)) {
            snprintf(err, errlen, "unicorn made no progress at eip %08x", eip);
            return -1;
        }
    }
    *vec = DIFF_NO_EXC;
    return 0;
}

static void ucr_read(struct runner *r, uint32_t addr, void *dst, uint32_t len)
{
    struct ucr *u = r->impl;
    uc_mem_read(u->uc, addr, dst, len);
}

static const uint8_t *ucr_mem(struct runner *r)
{
    struct ucr *u = r->impl;
    return u->mem;
}

static void ucr_destroy(struct runner *r)
{
    struct ucr *u = r->impl;
    uc_close(u->uc);
    free(u->mem);
    free(u);
}

int runner_unicorn_create(struct runner *r, bool code32, char *err, unsigned errlen)
{
    struct ucr *u = calloc(1, sizeof *u);
    if (!u)
        return -1;
    u->code32 = code32;
    u->mem = calloc(1, UC_MEM_SIZE);
    uc_err e = u->mem ? engine_open(u) : UC_ERR_NOMEM;
    if (e != UC_ERR_OK) {
        snprintf(err, errlen, "uc_open: %s", uc_strerror(e));
        free(u->mem);
        free(u);
        return -1;
    }
    *r = (struct runner){.name = "unicorn", .impl = u, .load = ucr_load, .step = ucr_step,
                         .get = ucr_get, .set = ucr_set, .read = ucr_read,
                         .mem = ucr_mem, .destroy = ucr_destroy};
    return 0;
}
