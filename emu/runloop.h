/* The run loop: runs the CPU until the earliest device event, advances the devices, and
 * repeats, until something ends the run (enum pc_stop in pc.h).
 *
 *   virtual time = retired instructions x ns_per_insn + time skipped in HLT
 *
 * With the virtual clock (default) a run with the same inputs is the same run every time.
 * HLT with interrupts enabled skips ahead to the next device event. --clock host sleeps
 * whenever virtual time runs ahead of the wall clock, for interactive use. */
#ifndef PW_EMU_RUNLOOP_H
#define PW_EMU_RUNLOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/console.h"
#include "emu/pc.h"
#include "emu/screenlog.h"

/* --type: text typed on the keyboard once the guest reads it. */
struct typer {
    int keys[1024];          /* characters; -1 = pause */
    unsigned n, pos;
    bool started;
    bool mid_line;           /* a line is being typed (false: wait for the guest to idle) */
    uint64_t idle_from_ns;   /* start of the idle window (0: none yet) */
    uint64_t idle_from_icount;
    uint64_t next_ns;        /* earliest time for the next key */
};

struct run_ctx {
    uint64_t max_insns;      /* 0: unlimited */
    bool host_clock;
    struct console *con;     /* NULL: no host input */
    int stdin_uart;          /* which UART stdin feeds (0 = COM1), -1: none */
    bool serial_listening;   /* the guest is ready for bytes on that UART */
    struct typer typer;
    struct screenlog *screen; /* headless VGA console, or NULL */
    /* A front end (the overlay window, later) polled once per slice; returns false when
     * the window was closed. NULL: headless. */
    bool (*ui_poll)(void *opaque, struct pc *pc);
    void *ui_opaque;
};

/* Parses --type TEXT (escapes \n \t \b \e \\ and \p = pause) into t. Returns 0, or -1
 * when the text is too long. */
int typer_init(struct typer *t, const char *text);

/* Runs until pc->stop is set; returns it. */
enum pc_stop pc_run(struct pc *pc, struct run_ctx *r);

#endif
