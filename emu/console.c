/* The host terminal (see console.h). */
#include "emu/console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Host process state, not machine state: one terminal per process, and a signal handler
 * can only reach statics. */
static volatile sig_atomic_t interrupted;
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

bool console_interrupted(void)
{
    return interrupted != 0;
}

static void restore_tty(void)
{
    if (tio_saved) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
        tio_saved = 0;
    }
}

void console_open(struct console *con, bool read_stdin)
{
    memset(con, 0, sizeof *con);
    con->read_stdin = read_stdin;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (!read_stdin)
        return;
    con->tty = isatty(STDIN_FILENO);
    if (con->tty && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
        struct termios t = saved_tio;
        /* Raw input (no line editing, no echo, no signals: Ctrl-C goes to the guest), but
         * output processing stays on so the guest's '\n' still returns the carriage. */
        t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
        t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP);
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 0;
        tio_saved = 1;
        atexit(restore_tty);
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
            con->raw = true;
    }
}

void console_close(struct console *con)
{
    restore_tty();
    con->raw = false;
}

size_t console_poll(struct console *con, uint8_t *buf, size_t cap)
{
    if (!con->read_stdin || con->eof || con->quit || cap == 0)
        return 0;
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
        return 0;
    uint8_t raw[256];
    size_t want = cap < sizeof raw ? cap : sizeof raw;
    ssize_t n = read(STDIN_FILENO, raw, want);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        con->eof = true;
        return 0;
    }
    if (n < 0)
        return 0;
    size_t out = 0;
    for (ssize_t i = 0; i < n; i++) {
        uint8_t b = raw[i];
        if (con->tty && con->escape) {
            con->escape = false;
            if (b == 'x' || b == 'X') {
                con->quit = true;
                break;
            }
            if (b == 'c' || b == 'C') {
                con->monitor = true;   /* the run loop hands over to the monitor */
                break;
            }
            if (b != 0x01 && b != 'a')
                continue;             /* unknown escape: dropped */
            b = 0x01;
        } else if (con->tty && b == 0x01) {
            con->escape = true;
            continue;
        }
        buf[out++] = b;
    }
    return out;
}

void console_wait(struct console *con, int ms)
{
    if (!con->read_stdin || con->eof) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return;
    }
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    poll(&p, 1, ms);
}
