/* The views on a real run: boots the bundled kernel's disk on a real board (pc_init +
 * pc_run, as the program does), types commands into its shell, and checks what the
 * monitor and the overlay say against the machine itself:
 *  - the overlay's page map draws each frame in the colour of its mem_map count;
 *  - `translate` names the frame an independent side-effect-free walk finds;
 *  - a copy-on-write fault is caught by `break fault w u`, explained as copy-on-write,
 *    and `finish-fault` reports the counts before and after (2 -> 1) and a new frame;
 *  - `memcheck` finds no disagreement on a healthy kernel;
 *  - a --snapshot PNG is written.
 * usage: test_views DISK KERNEL.ELF OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/disk.h"
#include "emu/monitor.h"
#include "emu/overlay.h"
#include "emu/pc.h"
#include "emu/runloop.h"
#include "emu/symbols.h"
#include "test.h"

static struct pc *boot(const char *disk_path, struct disk *d, const char *typed, struct run_ctx *rc,
                       uint64_t budget)
{
    char err[256];
    if (disk_open(d, disk_path, DISK_HARD, false, NULL, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
    struct disk *drives[PC_NDRIVES] = {NULL, NULL, d, NULL};
    struct pc_config cfg = {0};
    cfg.ram_bytes = 16u << 20;
    cfg.cpu_model = CPU_386;
    cfg.tlb = mmu_tlb_default(CPU_386);
    cfg.rtc_epoch = 1767225600;
    cfg.boot_drive = 0x80;
    struct pc *pc = calloc(1, sizeof *pc);
    if (!pc || pc_init(pc, &cfg, drives, err, sizeof err)) {
        fprintf(stderr, "pc_init: %s\n", err);
        exit(2);
    }
    memset(rc, 0, sizeof *rc);
    rc->stdin_uart = -1;
    rc->max_insns = budget;
    typer_init(&rc->typer, typed);
    return pc;
}

/* Runs a monitor command and returns what it printed. */
static char *mon(struct monitor *m, const char *cmd)
{
    static char *buf;
    static size_t len;
    free(buf);
    buf = NULL;
    FILE *f = open_memstream(&buf, &len);
    FILE *old = m->out;
    m->out = f;
    monitor_command(m, cmd);
    fclose(f);
    m->out = old;
    fprintf(stderr, "(pagewalk) %s\n%s", cmd, buf);
    return buf;
}

static struct pc *g_pc;
static struct run_ctx *g_rc;
static int runner(void *opaque, uint64_t n)
{
    struct pc *pc = g_pc;
    g_rc->max_insns = n == UINT64_MAX ? pc->cpu.icount + 200000000ull : pc->cpu.icount + n;
    pc->stop = PC_RUNNING;
    pc->cpu.stop_request = false; /* left over from the previous stop */
    cpu_set_intr(&pc->cpu, pc->cpu.intr);
    uint64_t before = pc->cpu.icount;
    enum pc_stop why = pc_run(pc, g_rc);
    fprintf(stderr, "[ran %llu instructions: stop %d %s]\n", (unsigned long long)(pc->cpu.icount - before), why,
            pc->stop_msg);
    return why == PC_STOP_BREAK || why == PC_STOP_BUDGET ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_views DISK KERNEL.ELF OUTDIR\n");
        return 2;
    }
    char err[256];
    struct symtab syms;
    CHECK(symtab_load(&syms, argv[2], err, sizeof err) == 0);

    /* Boot to the shell and let it sit at its prompt (the typer starts once the guest
     * reads the keyboard; an empty line just redraws the prompt). */
    struct disk d;
    struct run_ctx rc;
    struct pc *pc = boot(argv[1], &d, "\n", &rc, 30000000);
    g_pc = pc;
    g_rc = &rc;
    pc_run(pc, &rc);
    CHECK_EQ(pc->stop, PC_STOP_BUDGET);

    /* ---- overlay: every drawn frame has the colour of its count ---- */
    struct overlay ov;
    CHECK(overlay_init(&ov, pc, &syms) == 0);
    overlay_render(&ov);
    CHECK(guest_refresh(&ov.guest));
    uint32_t n = ov.guest.l.npages;
    uint16_t *counts = calloc(n, sizeof *counts);
    CHECK_EQ(guest_read_counts(&ov.guest, counts, n), n);
    int seen[5] = {0}, wrong = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t frame = (ov.guest.l.low_mem >> 12) + i;
        int x, y;
        if (!overlay_frame_pos(&ov, frame, &x, &y) || ov.frames_per_cell != 1)
            continue;
        uint32_t px = ov.fb[(y + 1) * OVERLAY_W + x + 1];
        uint32_t want = counts[i] == ov.guest.l.used_value ? OV_RESERVED : counts[i] == 0 ? OV_FREE
                      : ov.is_table[i] ? OV_PAGETABLE : counts[i] == 1 ? OV_ONE
                      : counts[i] == 2 ? OV_SHARED2 : OV_SHARED3;
        if (px != want && wrong++ < 5)
            fprintf(stderr, "frame %05x count %u: pixel %06x, expected %06x\n", frame, counts[i], px, want);
        seen[want == OV_FREE ? 0 : want == OV_ONE ? 1 : want == OV_RESERVED ? 2 : want == OV_PAGETABLE ? 3 : 4]++;
    }
    CHECK_EQ(wrong, 0);
    CHECK(seen[0] > 1000); /* free pages exist */
    CHECK(seen[1] > 0);    /* pages used once (the shell's, init's) */
    CHECK(seen[2] > 0);    /* the buffer cache is reserved */
    CHECK(seen[3] > 0);    /* user page tables */
    /* frames below LOW_MEM are the kernel's */
    int x, y;
    CHECK(overlay_frame_pos(&ov, 0x10, &x, &y));
    CHECK_EQ(ov.fb[(y + 1) * OVERLAY_W + x + 1], OV_LOWMEM);
    char path[600];
    snprintf(path, sizeof path, "%s/views-shell.png", argv[3]);
    CHECK(overlay_snapshot(&ov, path) == 0);

    /* ---- monitor ---- */
    struct monitor m;
    CHECK(monitor_init(&m, pc, &syms, stderr) == 0);
    monitor_set_runner(&m, runner, NULL);

    /* translate a user address of the current task against an independent probe */
    struct guest_task t[64];
    int nt = guest_read_tasks(&m.guest, t, 64);
    CHECK(nt >= 2); /* task 0 and init at least */
    uint32_t lin = 0;
    for (int i = 0; i < nt; i++)
        if (t[i].slot > 0 && t[i].current)
            lin = t[i].start_code; /* its first code page */
    if (!lin)
        for (int i = 0; i < nt; i++)
            if (t[i].slot > 0)
                lin = t[i].start_code;
    uint32_t phys = 0, pde, pte;
    bool present = mmu_probe(&pc->mmu, lin, PW_ACC_READ, true, &phys, &pde, &pte);
    char cmd[64], want[96];
    snprintf(cmd, sizeof cmd, "translate 0x%x", lin);
    char *out = mon(&m, cmd);
    if (present) {
        snprintf(want, sizeof want, "physical = frame 0x%08x", phys & 0xFFFFF000u);
        CHECK(strstr(out, want) != NULL);
    } else {
        CHECK(strstr(out, "not present") != NULL);
    }
    out = mon(&m, "memcheck");
    CHECK(strstr(out, " 0 disagree") != NULL);
    out = mon(&m, "info tasks");
    CHECK(strstr(out, "sh") != NULL);

    /* ---- a copy-on-write fault, caught, explained and finished ---- */
    typer_init(&rc.typer, "cow\n");
    rc.typer.started = true; /* the shell has been reading the keyboard all along */
    out = mon(&m, "break fault w u p");
    CHECK(strstr(out, "breakpoint 1 set") != NULL);
    out = mon(&m, "continue");
    CHECK(strstr(out, "page fault at linear") != NULL);
    CHECK(m.last_fault != NULL);
    if (m.last_fault) {
        out = mon(&m, "info fault");
        CHECK(strstr(out, "copy-on-write") != NULL);
        CHECK(strstr(out, "write by user code") != NULL);
        int before = m.last_fault->count;
        CHECK(before >= 2);
        out = mon(&m, "finish-fault");
        CHECK(strstr(out, "handled in") != NULL);
        snprintf(want, sizeof want, ": %d -> %d", before, before - 1);
        CHECK(strstr(out, want) != NULL);      /* the old frame lost one sharer */
        CHECK(strstr(out, "(new frame) -> 1") != NULL); /* the copy */
        CHECK(strstr(out, "RO") != NULL && strstr(out, "RW") != NULL);
    }
    out = mon(&m, "delete 1");
    out = mon(&m, "info tlbstats");
    CHECK(strstr(out, "lookups") != NULL);
    out = mon(&m, "step 3");
    CHECK(strstr(out, "=>") != NULL);

    snprintf(path, sizeof path, "%s/views-after-cow.png", argv[3]);
    CHECK(overlay_snapshot(&ov, path) == 0);
    monitor_free(&m);
    overlay_free(&ov);
    free(counts);
    symtab_free(&syms);
    pc_free(pc);
    free(pc);
    disk_close(&d);
    return test_summary("test_views");
}
