/* Headless VGA console: when the guest writes only to the screen (not to COM1), its text
 * lines are copied to the terminal as they are completed, following scrolling, so a user
 * without the overlay window still sees what the guest prints.
 *
 * Sampled on virtual time (every 20 ms, and by the BIOS before it scrolls), so the output
 * is the same on every run. Nothing is written before 0.5 s of virtual time (rows are held
 * back), and the copy stops for good, dropping what was held, as soon as the guest sends a
 * byte to COM1 (then COM1 is the console). A row counts as complete once the cursor has
 * moved below it; at the end of the run the rest of the screen down to the last non-blank
 * row is printed. A guest that writes video memory directly and scrolls more than a
 * screenful within 20 ms loses lines here (the overlay and --screen-dump still show all). */
#ifndef PW_EMU_SCREENLOG_H
#define PW_EMU_SCREENLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/vga_text.h"

struct screenlog {
    bool active;
    FILE *out;
    char prev[VGA_ROWS][VGA_COLS + 1];  /* the screen at the last sample */
    int done;                           /* rows of prev already printed (from the top) */
    uint64_t next_ns;
    char *held;                         /* rows held back before FIRST_NS */
    size_t held_len, held_cap;
};

void screenlog_init(struct screenlog *s, FILE *out);
/* Samples the screen when due (force: now, e.g. before a scroll). com1_used: the guest has
 * sent something to COM1. */
void screenlog_poll(struct screenlog *s, const struct vga *v, uint64_t now_ns, bool com1_used,
                    bool force);
/* End of the run: prints what is left on the screen. */
void screenlog_finish(struct screenlog *s, const struct vga *v, bool com1_used);
void screenlog_free(struct screenlog *s);

#endif
