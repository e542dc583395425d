/* pw_diff: differential test of pagewalk's CPU against Unicorn.
 *
 *   pw_diff [--mode 32|16|both] [--cpu 386|486] [--group NAME|all] [--count N] [--seed S]
 *           [--case K] [--max-fail N] [--self] [--run]
 *
 * Generates random cases (gen.c), runs each on both CPUs from identical state one instruction
 * at a time, and after every instruction compares the general registers, EIP, EFLAGS (minus
 * the flags the instruction leaves undefined: flags.md) and the whole data area (data, stack
 * and guard: 128 KiB, one memcmp through both CPUs' host memory). After each comparison the reference's
 * values of undefined flags are copied into the device under test, so a later PUSHF, LAHF,
 * SETcc or Jcc does not turn an allowed difference into a reported one.
 *
 * Case K of seed S is reproducible alone with --seed S --case K. --self compares Unicorn
 * against a second Unicorn (a check of the harness itself, used before the CPU linked).
 *
 * --run: pagewalk runs the stream with cpu_run (its block run loop, cpu/dc_exec.c), not
 * cpu_step, so that Unicorn checks the blocks too. Unicorn steps ahead and marks the
 * checkpoints: after an instruction that leaves flags or a register undefined (pagewalk
 * stops there, is compared, and gets the reference's choice, as above), after an
 * exception (the case ends), at the end of the case, and after a random number of
 * instructions (1, 2, 3, 5, 8, 13, 40 or all: budgets that end inside blocks and budgets
 * that hold many). Pagewalk then runs that many instructions in one cpu_run budget and
 * the states are compared as above. The same cases as without --run (same seeds), so a
 * case that fails only with --run points at the run loop. Registered as diff_run_* (a
 * short run per mode and CPU model); the long run is not a ctest:
 *   pw_diff --run --count 2000000 --seed 20261124   (or: cmake --build . --target diff-run-long) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/diff/gen.h"
#include "tests/diff/runner.h"

#define FLAGS_COMPARED 0x00007FD7u /* CF..OF, IOPL, NT, bit 1 (TF is never set; RF/VM/AC not) */

struct opts {
    int modes;          /* bit 0: 32-bit, bit 1: 16-bit */
    uint32_t groups;
    uint64_t count;     /* instructions per mode */
    uint64_t seed;
    int64_t only_case;
    int max_fail;
    bool self;
    bool verbose;
    int model;          /* 386 or 486 */
    bool run;           /* --run: the device under test runs checkpoints with cpu_run */
};

struct stats {
    uint64_t passed, failed, cases, exceptions;
    uint64_t per_group[G_NGROUPS];
};

static const char *const reg_names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

static void dump_regs(const char *who, const struct diff_regs *r)
{
    fprintf(stderr, "  %-9s", who);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " %s=%08x", reg_names[i], r->gpr[i]);
    fprintf(stderr, " eip=%08x efl=%08x\n", r->eip, r->eflags);
}

static void dump_bytes(const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        fprintf(stderr, "%02x%s", b[i], i + 1 < n ? " " : "");
}

static uint64_t case_seed(uint64_t seed, uint64_t k) { return seed * 0x100000001B3ull ^ (k + 1) * 0x9E3779B97F4A7C15ull; }

static uint32_t code_eip0(bool code32) { return code32 ? DIFF_CODE_BASE : 0; }

/* Reports one disagreement with everything needed to reproduce it. */
static void report(const struct opts *o, bool code32, uint64_t k, const struct gen_case *gc,
                   const struct gen_insn *gi, const char *what, const struct diff_regs *before,
                   const struct diff_regs *ref, const struct diff_regs *dut, uint32_t undef)
{
    fprintf(stderr, "FAIL %s: mode %d seed %" PRIu64 " case %" PRIu64 " (rerun: pw_diff%s --mode %d --seed %" PRIu64 " --case %" PRIu64 ")\n",
            what, code32 ? 32 : 16, o->seed, k, o->run ? " --run" : "", code32 ? 32 : 16, o->seed, k);
    if (gi) {
        fprintf(stderr, "  insn %s at +%u: ", gi->name, gi->off);
        dump_bytes(gc->code + gi->off, gi->len);
        fprintf(stderr, "   (undefined flags masked: %03x)\n", undef);
    }
    fprintf(stderr, "  case code: ");
    dump_bytes(gc->code, gc->len);
    fprintf(stderr, "\n");
    if (before)
        dump_regs("before", before);
    if (ref)
        dump_regs("unicorn", ref);
    if (dut)
        dump_regs("pagewalk", dut);
}

/* The first differing bytes of the data area: value at the start of the case, then each
 * CPU's. Returns the address, or -1 when the areas agree. */
static long mem_diff(struct runner *ref, struct runner *dut)
{
    const uint8_t *a = ref->mem(ref) + DIFF_DATA_BASE, *b = dut->mem(dut) + DIFF_DATA_BASE;
    if (memcmp(a, b, DIFF_DATA_SIZE) == 0)
        return -1;
    uint32_t i = 0;
    while (a[i] == b[i])
        i++;
    return (long)i;
}

static void report_mem(struct runner *ref, struct runner *dut, const uint8_t *data, uint32_t at)
{
    uint32_t from = at & ~3u, n = from + 8 <= DIFF_DATA_SIZE ? 8 : DIFF_DATA_SIZE - from;
    fprintf(stderr, "  memory %05x: case start ", from);
    dump_bytes(data + from, n);
    fprintf(stderr, ", unicorn ");
    dump_bytes(ref->mem(ref) + DIFF_DATA_BASE + from, n);
    fprintf(stderr, ", pagewalk ");
    dump_bytes(dut->mem(dut) + DIFF_DATA_BASE + from, n);
    fprintf(stderr, "\n");
}

/* Draws case k (the program, registers and data) and loads it into both runners; the same
 * case for step and --run mode. *data_out: the initial data (for reports). */
static const struct gen_case *load_case(const struct opts *o, bool code32, uint64_t k,
                                        struct runner *ref, struct runner *dut, struct stats *st,
                                        const uint8_t **data_out)
{
    static struct gen_case gc;
    static uint8_t data[DIFF_DATA_SIZE];
    struct gen_rng rng = {case_seed(o->seed, k) ^ (code32 ? 0 : 0x5555)};
    int ninsn = 1 + (int)(gen_rand(&rng) % 24);
    gen_case(&rng, code32, o->groups, ninsn, &gc);

    struct diff_regs init;
    for (int i = 0; i < 8; i++)
        init.gpr[i] = (gen_rand(&rng) << 16) ^ gen_rand(&rng);
    init.gpr[4] = DIFF_STACK_TOP - (gen_rand(&rng) % 0x800);
    init.eip = code_eip0(code32);
    init.eflags = 0x2u | (gen_rand(&rng) & 0x8D5u) | (gen_rand(&rng) & 1 ? 0x200u : 0);
    for (uint32_t i = 0; i < DIFF_DATA_SIZE; i += 2) {
        uint32_t v = gen_rand(&rng);
        data[i] = (uint8_t)v;
        data[i + 1] = (uint8_t)(v >> 8);
    }
    ref->load(ref, &gc, &init, data);
    dut->load(dut, &gc, &init, data);
    st->cases++;
    *data_out = data;
    return &gc;
}

/* Compares the two states after one step (ninsn 0) or after a --run checkpoint of ninsn
 * instructions; 'gi' and 'before' describe the last instruction (its undefined flags and an
 * undefined BSF/BSR destination are masked, then the reference's values are handed to the
 * DUT). Returns 0, or 1 after a report. */
static int compare_at(const struct opts *o, bool code32, uint64_t k, const struct gen_case *gc,
                      const struct gen_insn *gi, const struct diff_regs *before, struct runner *ref,
                      struct runner *dut, const uint8_t *data, uint32_t ninsn, struct stats *st)
{
    struct diff_regs r1, r2;
    ref->get(ref, &r1);
    dut->get(dut, &r2);
    uint32_t undef = gi ? gen_undef_flags(gi, before->gpr[1]) : 0;
    uint32_t regmask = 0xFF;
    /* BSF/BSR with a zero source leave the destination undefined (SDM BSF/BSR) */
    if (gi && gi->rule == FR_BSX && (r1.eflags & 0x40u))
        regmask &= ~(1u << gi->dst_reg);
    const char *what = NULL;
    if (r1.eip != r2.eip)
        what = "eip";
    for (int i = 0; i < 8 && !what; i++)
        if ((regmask >> i & 1) && r1.gpr[i] != r2.gpr[i])
            what = reg_names[i];
    if (!what && ((r1.eflags ^ r2.eflags) & FLAGS_COMPARED & ~undef))
        what = "eflags";
    long md = what ? -1 : mem_diff(ref, dut);
    if (md >= 0) {
        static char m[64];
        snprintf(m, sizeof m, "memory at %05lx", md);
        what = m;
    }
    if (what) {
        char w[128];
        if (ninsn)
            snprintf(w, sizeof w, "%s (cpu_run of %u instructions ending with this one)", what, ninsn);
        else
            snprintf(w, sizeof w, "%s", what);
        report(o, code32, k, gc, gi, w, before, &r1, &r2, undef);
        if (md >= 0)
            report_mem(ref, dut, data, (uint32_t)md);
        st->failed++;
        return 1;
    }
    if (undef || regmask != 0xFF) {
        r2.eflags = (r2.eflags & ~undef) | (r1.eflags & undef);
        for (int i = 0; i < 8; i++)
            if (!(regmask >> i & 1))
                r2.gpr[i] = r1.gpr[i];
        dut->set(dut, &r2);
    }
    return 0;
}

/* Runs one case; returns the number of failing instructions (0 or 1: a case stops at its
 * first disagreement since the states have diverged). */
static int run_case(const struct opts *o, bool code32, uint64_t k, struct runner *ref,
                    struct runner *dut, struct stats *st)
{
    const uint8_t *data;
    const struct gen_case *gc = load_case(o, code32, k, ref, dut, st, &data);

    char err[200];
    for (int steps = 0; steps < DIFF_MAX_INSNS * 4; steps++) {
        struct diff_regs before;
        ref->get(ref, &before);
        uint32_t off = before.eip - code_eip0(code32);
        if (off >= gc->len)
            break;
        const struct gen_insn *gi = gen_find(gc, off);
        int v1, v2;
        if (ref->step(ref, &v1, err, sizeof err) != 0) {
            report(o, code32, k, gc, gi, err, &before, NULL, NULL, 0);
            st->failed++;
            return 1;
        }
        if (dut->step(dut, &v2, err, sizeof err) != 0) {
            report(o, code32, k, gc, gi, err, &before, NULL, NULL, 0);
            st->failed++;
            return 1;
        }
        if (v1 != DIFF_NO_EXC || v2 != DIFF_NO_EXC) {
            if (v1 != v2) {
                char what[64];
                snprintf(what, sizeof what, "exception vector: unicorn %d, pagewalk %d", v1, v2);
                report(o, code32, k, gc, gi, what, &before, NULL, NULL, 0);
                st->failed++;
                return 1;
            }
            st->passed++;
            st->exceptions++;
            if (getenv("PW_DIFF_TRACE_EXC"))
                fprintf(stderr, "exception %d at %s\n", v1, gi ? gi->name : "?");
            return 0; /* the CPUs do not share an IDT: the case ends here */
        }
        if (compare_at(o, code32, k, gc, gi, &before, ref, dut, data, 0, st))
            return 1;
        st->passed++;
        if (gi)
            st->per_group[gi->group]++;
    }
    return 0;
}

/* run_case with --run: see the file header. */
static int run_case_run(const struct opts *o, bool code32, uint64_t k, struct runner *ref,
                        struct runner *dut, struct stats *st)
{
    const uint8_t *data;
    const struct gen_case *gc = load_case(o, code32, k, ref, dut, st, &data);
    /* checkpoint lengths: their own generator, so the cases stay those of run_case */
    struct gen_rng crng = {case_seed(o->seed ^ 0xC0FFEE, k)};
    static const uint32_t lens[] = {1, 2, 3, 5, 8, 13, 40, DIFF_MAX_INSNS * 4};

    char err[200];
    int steps = 0;
    bool end = false;
    while (!end && steps < DIFF_MAX_INSNS * 4) {
        uint32_t want = lens[gen_rand(&crng) % (sizeof lens / sizeof lens[0])], n = 0;
        struct diff_regs before, start;
        const struct gen_insn *gi = NULL;
        int v1 = DIFF_NO_EXC, v2;
        ref->get(ref, &start);
        before = start;
        while (n < want && steps < DIFF_MAX_INSNS * 4) {
            struct diff_regs b;
            ref->get(ref, &b);
            uint32_t off = b.eip - code_eip0(code32);
            if (off >= gc->len) {
                end = true;
                break;
            }
            before = b;
            gi = gen_find(gc, off);
            if (ref->step(ref, &v1, err, sizeof err) != 0) {
                report(o, code32, k, gc, gi, err, &before, NULL, NULL, 0);
                st->failed++;
                return 1;
            }
            n++;
            steps++;
            if (gi)
                st->per_group[gi->group]++;
            if (v1 != DIFF_NO_EXC) {
                end = true;
                break;
            }
            /* a checkpoint after an instruction that leaves something undefined */
            if (gi && (gen_undef_flags(gi, b.gpr[1]) || gi->rule == FR_BSX))
                break;
        }
        if (n == 0)
            break;
        if (dut->run(dut, n, &v2, err, sizeof err) != 0) {
            report(o, code32, k, gc, gi, err, &start, NULL, NULL, 0);
            st->failed++;
            return 1;
        }
        if (v1 != DIFF_NO_EXC || v2 != DIFF_NO_EXC) {
            if (v1 != v2) {
                char what[96];
                snprintf(what, sizeof what, "exception vector: unicorn %d, pagewalk %d (cpu_run of %u)", v1, v2, n);
                report(o, code32, k, gc, gi, what, &before, NULL, NULL, 0);
                st->failed++;
                return 1;
            }
            st->passed += n;
            st->exceptions++;
            return 0; /* the CPUs do not share an IDT: the case ends here */
        }
        if (compare_at(o, code32, k, gc, gi, &before, ref, dut, data, n, st))
            return 1;
        st->passed += n;
    }
    return 0;
}

static int parse_groups(const char *s, uint32_t *out)
{
    if (!strcmp(s, "all")) {
        *out = 0; /* every group of the selected model */
        return 0;
    }
    *out = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        int i;
        for (i = 0; i < G_NGROUPS; i++)
            if (!strcmp(t, gen_group_names[i]))
                break;
        if (i == G_NGROUPS)
            return -1;
        *out |= 1u << i;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: pw_diff [--mode 32|16|both] [--cpu 386|486] [--group NAME[,NAME..]|all] "
                    "[--count N] [--seed S] [--case K] [--max-fail N] [--self] [--run]\ngroups:");
    for (int i = 0; i < G_NGROUPS; i++)
        fprintf(stderr, " %s", gen_group_names[i]);
    fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
    struct opts o = {.modes = 3, .groups = 0, .count = 20000, .seed = 1,
                     .only_case = -1, .max_fail = 10, .model = 386};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--self")) {
            o.self = true;
            continue;
        }
        if (!strcmp(a, "--run")) {
            o.run = true;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (!strcmp(a, "--mode"))
            o.modes = !strcmp(v, "32") ? 1 : !strcmp(v, "16") ? 2 : 3;
        else if (!strcmp(a, "--group")) {
            if (parse_groups(v, &o.groups) != 0) {
                usage();
                return 2;
            }
        } else if (!strcmp(a, "--count"))
            o.count = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--case"))
            o.only_case = strtoll(v, NULL, 0);
        else if (!strcmp(a, "--cpu"))
            o.model = atoi(v) == 486 ? 486 : 386;
        else if (!strcmp(a, "--max-fail"))
            o.max_fail = atoi(v);
        else {
            usage();
            return 2;
        }
    }
    if (o.run && o.self) {
        fprintf(stderr, "pw_diff: --run needs pagewalk's run loop (not with --self)\n");
        return 2;
    }
    if (!o.groups)
        o.groups = o.model == 486 ? (1u << G_NGROUPS) - 1 : GEN_GROUPS_386;
    struct stats total = {0};
    for (int m = 0; m < 2; m++) {
        if (!(o.modes >> m & 1))
            continue;
        bool code32 = m == 0;
        struct runner ref, dut;
        char err[200];
        if (runner_unicorn_create(&ref, code32, err, sizeof err) != 0 ||
            (o.self ? runner_unicorn_create(&dut, code32, err, sizeof err)
                    : runner_pagewalk_create(&dut, code32, o.model, err, sizeof err)) != 0) {
            fprintf(stderr, "pw_diff: %s\n", err);
            return 2;
        }
        struct stats st = {0};
        if (o.only_case >= 0) {
            (o.run ? run_case_run : run_case)(&o, code32, (uint64_t)o.only_case, &ref, &dut, &st);
        } else {
            uint64_t next_report = 1000000;
            for (uint64_t k = 0; st.passed + st.failed < o.count; k++) {
                (o.run ? run_case_run : run_case)(&o, code32, k, &ref, &dut, &st);
                if (st.passed + st.failed >= next_report) {
                    /* progress for long runs, on stderr so the summary stays clean */
                    fprintf(stderr, "mode %d: %" PRIu64 " instructions, %" PRIu64 " failed so far\n",
                            code32 ? 32 : 16, st.passed + st.failed, st.failed);
                    next_report += 1000000;
                }
                if ((int)st.failed >= o.max_fail)
                    break;
            }
        }
        printf("mode %d: %" PRIu64 " cases, %" PRIu64 " instructions (%" PRIu64 " ended in an exception):",
               code32 ? 32 : 16, st.cases, st.passed + st.failed, st.exceptions);
        for (int i = 0; i < G_NGROUPS; i++)
            if (st.per_group[i])
                printf(" %s=%" PRIu64, gen_group_names[i], st.per_group[i]);
        printf("\n");
        total.passed += st.passed;
        total.failed += st.failed;
        ref.destroy(&ref);
        dut.destroy(&dut);
    }
    printf("%" PRIu64 " passed, %" PRIu64 " failed\n", total.passed, total.failed);
    return total.failed ? 1 : 0;
}
