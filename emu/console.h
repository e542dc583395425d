/* The terminal as the guest's console (headless): stdin in raw mode when it is a tty
 * (restored at exit, also on fatal signals), Ctrl-A x to quit, Ctrl-A c for the monitor, Ctrl-A a for a literal
 * Ctrl-A, and SIGINT/SIGTERM turned into a polite stop request. */
#ifndef PW_EMU_CONSOLE_H
#define PW_EMU_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console {
    bool read_stdin;     /* stdin feeds the guest (COM1) */
    bool tty;            /* stdin is a terminal (raw mode while running) */
    bool raw;            /* raw mode is on */
    bool eof;            /* stdin reached end of file */
    bool escape;         /* the previous byte was Ctrl-A */
    bool quit;           /* Ctrl-A x seen */
    bool monitor;        /* Ctrl-A c seen: enter the monitor */
};

/* Installs the signal handlers; puts the terminal in raw mode when read_stdin and a tty. */
void console_open(struct console *con, bool read_stdin);
/* Restores the terminal (idempotent). */
void console_close(struct console *con);
/* Reads what stdin has now (never blocks), after Ctrl-A processing. Returns the number of
 * bytes for the guest in buf. */
size_t console_poll(struct console *con, uint8_t *buf, size_t cap);
/* Waits up to ms milliseconds for stdin to become readable (used while the guest idles). */
void console_wait(struct console *con, int ms);
/* True once SIGINT/SIGTERM/SIGHUP arrived. */
bool console_interrupted(void);

#endif
