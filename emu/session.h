/* A run of the machine with everything that looks at it: guest symbols, the monitor
 * (--monitor, --script, Ctrl-A c, F11), the overlay window (when a display works and
 * --headless is not given), --snapshot, traces and statistics. main() builds the machine;
 * the session runs it. */
#ifndef PW_EMU_SESSION_H
#define PW_EMU_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "emu/monitor.h"
#include "emu/overlay.h"
#include "emu/overlay_sdl.h"
#include "emu/runloop.h"
#include "emu/runstats.h"
#include "emu/symbols.h"
#include "emu/trace.h"

struct session_opts {
    const char *symbols;      /* --symbols FILE; NULL: the bundled kernel's when booting it */
    bool bundled;             /* booting the bundled disk */
    bool monitor;             /* --monitor: start paused in the monitor */
    const char *script;       /* --script FILE */
    bool headless;            /* no window even if a display works */
    const char *snapshot;     /* --snapshot FILE.png at the end of the run */
    const char *trace, *trace_chrome;
    const char *stats_json;   /* --stats-json FILE */
};

struct session {
    struct pc *pc;
    struct run_ctx *rc;
    struct session_opts o;
    struct symtab syms;
    struct monitor mon;
    bool mon_on;
    struct overlay ov;
    bool ov_on;
    struct overlay_window win;
    bool win_on;
    struct trace trace;
    bool trace_on;
    struct runstats stats;
    bool stats_on;
    uint64_t user_budget;     /* --max-instructions (0: none) */
    bool paused, run_to_fault;
    bool con_stdin;           /* the terminal feeds the guest (raw mode while it runs) */
};

/* Returns 0, or -1 with a one-line message (bad symbols file, unwritable trace...). */
int session_open(struct session *s, struct pc *pc, struct run_ctx *rc, const struct session_opts *o, char *err,
                 size_t errlen);
/* Runs to the end: returns why the machine stopped for good. */
enum pc_stop session_run(struct session *s);
/* Writes what was asked at the end (snapshot, stats JSON); prints statistics when
 * print_stats. Returns 0, or -1 when an output file could not be written (message printed). */
int session_close(struct session *s, bool print_stats);

#endif
