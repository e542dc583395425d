#include "emu/session.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/pc.h"

/* ------------------------------------------------------------ the monitor's runner --- */

/* Ends a run the monitor had paused (pc->stop may hold PC_STOP_BREAK). */
static void end_run(struct pc *pc, const char *why)
{
    if (pc->stop == PC_RUNNING || pc->stop == PC_STOP_BREAK || pc->stop == PC_STOP_BUDGET) {
        pc->stop = PC_RUNNING;
        pc_request_stop(pc, PC_STOP_INTERRUPT, why);
    }
}

/* The terminal: raw while the guest runs (keys go to it, Ctrl-A works), cooked while the
 * monitor reads a command line. */
static void term_raw(struct session *s)
{
    if (s->rc->con && s->con_stdin)
        console_open(s->rc->con, true);
}

static void term_cooked(struct session *s)
{
    if (s->rc->con)
        console_close(s->rc->con);
}

/* Runs at most n instructions. 0: stopped by the monitor or the step budget (the machine
 * may go on); 1: the run ended. */
static int monitor_runner(void *opaque, uint64_t n)
{
    struct session *s = opaque;
    struct pc *pc = s->pc;
    term_raw(s);
    uint64_t start = pc->cpu.icount;
    uint64_t step_end = n == UINT64_MAX ? 0 : start + n;
    uint64_t limit = step_end;
    if (s->user_budget && (!limit || s->user_budget < limit))
        limit = s->user_budget;
    s->rc->max_insns = limit;
    pc->stop = PC_RUNNING;
    pc->stop_msg[0] = 0;
    pc->cpu.stop_request = false; /* the request that ended the previous run is served */
    cpu_set_intr(&pc->cpu, pc->cpu.intr);
    enum pc_stop why = pc_run(pc, s->rc);
    term_cooked(s);
    if (why == PC_STOP_BREAK)
        return 0;
    if (why == PC_STOP_BUDGET && step_end && pc->cpu.icount >= step_end &&
        (!s->user_budget || pc->cpu.icount < s->user_budget))
        return 0;
    if (why == PC_STOP_INTERRUPT && s->mon_on && !(s->rc->con && s->rc->con->quit)) {
        /* Ctrl-C (not Ctrl-A x) while running under the monitor returns to it */
        fprintf(s->mon.out, "interrupted\n");
        return 0;
    }
    return 1; /* main reports why */
}

/* Interactive monitor on the terminal. Returns true when the user wants the machine to go
 * on running freely (continue without breakpoints is handled inside), false to end. */
static bool monitor_interactive(struct session *s)
{
    char line[512];
    for (;;) {
        fprintf(s->mon.out, "(pagewalk) ");
        fflush(s->mon.out);
        if (!fgets(line, sizeof line, stdin))
            return false;
        enum monitor_result r = monitor_command(&s->mon, line);
        if (r == MON_QUIT)
            return false;
        if (s->pc->stop != PC_RUNNING && s->pc->stop != PC_STOP_BREAK && s->pc->stop != PC_STOP_BUDGET)
            return false; /* the machine ended while running */
    }
}

/* The monitor's "snapshot": the overlay exists when a window or --snapshot asked for it;
 * otherwise it is made on first use. */
static int session_snapshot(void *opaque, const char *path)
{
    struct session *s = opaque;
    if (!s->ov_on) {
        if (overlay_init(&s->ov, s->pc, &s->syms))
            return -1;
        s->ov_on = true;
    }
    if (s->mon_on && s->mon.stop_why[0])
        snprintf(s->ov.status, sizeof s->ov.status, "stopped: %.110s", s->mon.stop_why);
    else if (s->mon_on)
        snprintf(s->ov.status, sizeof s->ov.status, "paused in the monitor");
    return overlay_snapshot(&s->ov, path);
}

/* ------------------------------------------------------------ the window ------------ */

static void on_fault(void *opaque, const struct pw_event *ev)
{
    struct session *s = opaque;
    if (ev->kind == PW_EV_PAGE_FAULT && s->run_to_fault) {
        s->run_to_fault = false;
        s->paused = true;
        snprintf(s->ov.status, sizeof s->ov.status, "stopped at a page fault");
        cpu_request_stop(&s->pc->cpu); /* back to the loop, which polls the window */
    }
}

static bool ui_poll(void *opaque, struct pc *pc)
{
    struct session *s = opaque;
    enum overlay_action a = overlay_window_poll(&s->win, false);
    for (;;) {
        switch (a) {
        case OV_QUIT:
            return false;
        case OV_TOGGLE_PAUSE:
            s->paused = !s->paused;
            s->run_to_fault = false;
            break;
        case OV_STEP:
            if (s->paused)
                cpu_step(&pc->cpu);
            s->paused = true;
            break;
        case OV_NEXT_FAULT:
            s->paused = false;
            s->run_to_fault = true;
            break;
        case OV_MONITOR:
            s->paused = false;
            pc_request_stop(pc, PC_STOP_BREAK, "monitor requested from the window");
            return true;
        default:
            break;
        }
        s->ov.paused = s->paused;
        if (!s->paused) {
            if (!s->run_to_fault)
                s->ov.status[0] = 0;
            return true;
        }
        if (!s->ov.status[0] || !strncmp(s->ov.status, "paused", 6))
            snprintf(s->ov.status, sizeof s->ov.status, "paused");
        usleep(15000);
        a = overlay_window_poll(&s->win, true);
    }
}

/* ------------------------------------------------------------ open / run / close ---- */

int session_open(struct session *s, struct pc *pc, struct run_ctx *rc, const struct session_opts *o, char *err,
                 size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->pc = pc;
    s->rc = rc;
    s->o = *o;
    s->user_budget = rc->max_insns;
    s->con_stdin = rc->con && rc->con->read_stdin;
    if (o->script && access(o->script, R_OK) != 0) {
        snprintf(err, errlen, "--script %s: cannot read it", o->script);
        return -1;
    }
    const char *sym = o->symbols ? o->symbols : (o->bundled && access(PW_DEFAULT_SYMBOLS, R_OK) == 0 ? PW_DEFAULT_SYMBOLS : NULL);
    if (sym && symtab_load(&s->syms, sym, err, errlen))
        return -1;
    if (runstats_init(&s->stats, pc, &s->syms) == 0)
        s->stats_on = true;
    if (o->trace || o->trace_chrome) {
        if (trace_open(&s->trace, pc, &s->syms, o->trace, o->trace_chrome, err, errlen))
            return -1;
        s->trace_on = true;
    }
    if (o->monitor || o->script) {
        monitor_init(&s->mon, pc, &s->syms, stdout);
        monitor_set_runner(&s->mon, monitor_runner, s);
        s->mon.snapshot = session_snapshot;
        s->mon.snapshot_opaque = s;
        s->mon_on = true;
    }
    bool display = getenv("DISPLAY") || getenv("WAYLAND_DISPLAY");
    /* The monitor can take snapshots: its overlay must see the faults from the start. */
    if (o->snapshot || o->monitor || o->script || (display && !o->headless)) {
        if (overlay_init(&s->ov, pc, &s->syms)) {
            snprintf(err, errlen, "out of memory for the overlay");
            return -1;
        }
        s->ov_on = true;
    }
    if (s->ov_on && display && !o->headless) {
        char why[256];
        if (overlay_window_open(&s->win, &s->ov, why, sizeof why) == 0) {
            s->win_on = true;
            rc->ui_poll = ui_poll;
            rc->ui_opaque = s;
            pw_events_subscribe(&pc->events, PW_EV_BIT(PW_EV_PAGE_FAULT), on_fault, s);
        } else {
            fprintf(stderr, "pagewalk: %s; running in the terminal\n", why);
        }
    }
    return 0;
}

enum pc_stop session_run(struct session *s)
{
    struct pc *pc = s->pc;
    if (s->o.script) {
        FILE *f = fopen(s->o.script, "r");
        if (!f) {
            fprintf(stderr, "pagewalk: --script %s: cannot open it\n", s->o.script);
            pc_request_stop(pc, PC_STOP_INTERRUPT, "script missing");
            return pc->stop;
        }
        enum monitor_result r = monitor_script(&s->mon, f, true);
        fclose(f);
        if (r == MON_QUIT || (pc->stop != PC_RUNNING && pc->stop != PC_STOP_BREAK && pc->stop != PC_STOP_BUDGET)) {
            end_run(pc, "the monitor script ended the run");
            return pc->stop;
        }
        if (!s->o.monitor) {
            /* the script is done: let the machine finish its run */
            if (monitor_runner(s, UINT64_MAX) == 0)
                end_run(pc, "stopped by the monitor after the script");
            return pc->stop;
        }
    }
    if (s->o.monitor) {
        term_cooked(s);
        fprintf(stdout, "pagewalk monitor: the machine is paused before its first instruction (help lists the "
                        "commands, continue runs it)\n");
        monitor_where(&s->mon);
        if (!monitor_interactive(s))
            end_run(pc, "quit from the monitor");
        return pc->stop;
    }
    for (;;) {
        enum pc_stop why = pc_run(pc, s->rc);
        if (why != PC_STOP_BREAK)
            return why;
        /* Ctrl-A c or F11: the monitor, then back to running */
        if (!s->mon_on) {
            monitor_init(&s->mon, pc, &s->syms, stdout);
            monitor_set_runner(&s->mon, monitor_runner, s);
            s->mon.snapshot = session_snapshot;
            s->mon.snapshot_opaque = s;
            s->mon_on = true;
        }
        fprintf(stdout, "\npagewalk monitor (continue resumes the guest, quit ends the run)\n");
        monitor_where(&s->mon);
        /* the monitor reads whole lines: the terminal leaves raw mode meanwhile */
        term_cooked(s);
        bool go_on = monitor_interactive(s);
        term_raw(s);
        if (!go_on) {
            end_run(pc, "quit from the monitor");
            return pc->stop;
        }
        pc->stop = PC_RUNNING;
    }
}

int session_close(struct session *s, bool print_stats)
{
    int rc = 0;
    if (s->o.snapshot && s->ov_on) {
        snprintf(s->ov.status, sizeof s->ov.status, "snapshot");
        /* with a window, the picture is read back from the window itself */
        if (s->win_on ? overlay_window_capture(&s->win, s->o.snapshot) : overlay_snapshot(&s->ov, s->o.snapshot)) {
            fprintf(stderr, "pagewalk: --snapshot %s: cannot write it\n", s->o.snapshot);
            rc = -1;
        }
    }
    if (print_stats && s->stats_on)
        runstats_print_faults(&s->stats, stderr);
    if (s->o.stats_json && s->stats_on && runstats_write_json(&s->stats, s->o.stats_json)) {
        fprintf(stderr, "pagewalk: --stats-json %s: cannot write it\n", s->o.stats_json);
        rc = -1;
    }
    if (s->trace_on)
        trace_close(&s->trace);
    if (s->win_on)
        overlay_window_close(&s->win);
    if (s->ov_on)
        overlay_free(&s->ov);
    if (s->mon_on)
        monitor_free(&s->mon);
    if (s->stats_on)
        runstats_free(&s->stats);
    symtab_free(&s->syms);
    return rc;
}
