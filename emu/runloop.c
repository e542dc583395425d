/* The run loop (see runloop.h). */
#include "emu/runloop.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* At most this many instructions between two looks at the host (input, Ctrl-C, window):
 * 1 ms of virtual time. It never changes what the guest sees, only how often we look. */
#define SLICE_INSNS 100000u
/* Virtual time between two typed keys, and for a \p pause. */
#define TYPE_KEY_NS 2000000ull      /* 2 ms */
#define TYPE_PAUSE_NS 100000000ull  /* 100 ms */
/* Halted without a single instruction for this long, with no input to come: give up. */
#define IDLE_GIVE_UP_NS 3600000000000ull

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
    nanosleep(&ts, NULL);
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ------------------------------------------------------------------ --type */

int typer_init(struct typer *t, const char *text)
{
    memset(t, 0, sizeof *t);
    if (!text)
        return 0;
    for (const char *s = text; *s; s++) {
        int k = (unsigned char)*s;
        if (*s == '\\' && s[1]) {
            s++;
            switch (*s) {
            case 'n': k = '\n'; break;
            case 't': k = '\t'; break;
            case 'b': k = '\b'; break;
            case 'e': k = 0x1B; break;
            case 'p': k = -1; break;
            default: k = (unsigned char)*s; break;   /* \\ and anything else: literal */
            }
        }
        if (t->n >= sizeof t->keys / sizeof t->keys[0])
            return -1;
        t->keys[t->n++] = k;
    }
    return 0;
}

/* The guest reads the keyboard once it asked int 16h, read port 60h, or idles in protected
 * mode with interrupts on (a kernel waiting for input, or for anything). */
static bool guest_reads_keyboard(const struct pc *pc)
{
    const struct cpu *c = &pc->cpu;
    return pc->bios.kbd_polled || pc->kbd.data_reads > 0 ||
           (c->halted && cpu_protected(c) && (c->eflags & FL_IF));
}

/* A line is typed once the guest has idled this long: longer than one 100 Hz timer tick,
 * which a kernel may sleep while it waits for a disk during boot. */
#define TYPE_IDLE_NS 30000000u
/* Instructions a waiting guest may run in that time beyond one per microsecond. */
#define TYPE_IDLE_SLACK 20000u

static uint64_t typer_next(const struct pc *pc, const struct typer *t)
{
    if (!t->started || t->pos >= t->n || !kbd_idle(&pc->kbd))
        return VTIME_NEVER;
    if (!t->mid_line) /* waiting for the guest to idle: its own timer wakes the check */
        return t->idle_from_ns ? t->idle_from_ns + TYPE_IDLE_NS : VTIME_NEVER;
    return t->next_ns;
}

static void typer_poll(struct pc *pc, struct typer *t, uint64_t now)
{
    if (t->pos >= t->n)
        return;
    if (!t->started) {
        if (!guest_reads_keyboard(pc))
            return;
        t->started = true;
        t->next_ns = now;
    }
    /* A line starts only when the guest waits for input, as a person types at a prompt
     * rather than into a busy program's output: over the last TYPE_IDLE_NS of virtual time
     * it ran next to nothing (a waiting kernel runs a few hundred instructions per timer
     * tick; a busy one about one per 10 ns). */
    if (!t->mid_line) {
        uint64_t ic = pc->cpu.icount;
        if (!t->idle_from_ns ||
            ic - t->idle_from_icount > (now - t->idle_from_ns) / 1000 + TYPE_IDLE_SLACK) {
            t->idle_from_ns = now ? now : 1;
            t->idle_from_icount = ic;
            return;
        }
        if (now - t->idle_from_ns < TYPE_IDLE_NS)
            return;
    }
    /* One key at a time: the next only after the guest has read the previous one. */
    while (t->pos < t->n && now >= t->next_ns && kbd_idle(&pc->kbd)) {
        int k = t->keys[t->pos];
        if (k < 0) {
            t->pos++;
            t->next_ns = now + TYPE_PAUSE_NS;
            return;
        }
        uint8_t codes[8];
        size_t len = kbd_char_to_scancodes((char)k, codes);
        if (len > kbd_queue_space(&pc->kbd))
            return;
        for (size_t i = 0; i < len; i++)
            kbd_push_scancode(&pc->kbd, codes[i]);
        t->mid_line = k != '\n';
        t->idle_from_ns = 0;
        t->pos++;
        t->next_ns = now + TYPE_KEY_NS;
        return;
    }
}

/* ------------------------------------------------------------------ host side */

static void host_poll(struct pc *pc, struct run_ctx *r)
{
    /* Guest output without a newline (a shell prompt) must reach a pipe before the guest
     * waits for input: flush whenever the host side is polled (cheap when nothing is
     * buffered). */
    fflush(stdout);
    if (console_interrupted()) {
        pc_request_stop(pc, PC_STOP_INTERRUPT, "interrupted (Ctrl-C or a signal)");
        return;
    }
    if (r->con && r->stdin_uart >= 0) {
        /* Bytes go in once the guest listens: its receive interrupt is enabled and it has
         * since idled in HLT with interrupts on (a byte sent while its driver and PIC are
         * being set up would be swallowed, as on a real PC). Then one at a time as the
         * guest takes them, as a person typing would. */
        struct uart *u = &pc->com[r->stdin_uart];
        if (!(u->ier & UART_IER_RDI))
            r->serial_listening = false;
        else if (pc->cpu.halted && (pc->cpu.eflags & FL_IF))
            r->serial_listening = true;
        if (r->serial_listening && u->rx_count == 0 && uart_can_receive(u)) {
            uint8_t buf[UART_FIFO];
            size_t n = console_poll(r->con, buf, 1);   /* one byte at a time: no loss */
            for (size_t i = 0; i < n; i++)
                uart_receive(u, buf[i]);
        }
        if (r->con->monitor) {
            r->con->monitor = false;
            pc_request_stop(pc, PC_STOP_BREAK, "monitor (Ctrl-A c)");
            return;
        }
        if (r->con->quit) {
            pc_request_stop(pc, PC_STOP_INTERRUPT, "quit (Ctrl-A x)");
            return;
        }
    }
    if (r->ui_poll && !r->ui_poll(r->ui_opaque, pc))
        pc_request_stop(pc, PC_STOP_CLOSED, "window closed");
    typer_poll(pc, &r->typer, pc_now_ns(pc));
    if (r->screen)
        screenlog_poll(r->screen, &pc->vga, pc_now_ns(pc), pc->com[0].tx_count > 0, false);
}

/* Can input still reach the guest? Terminal bytes only go to a UART whose receive
 * interrupt the guest enabled; a window always can. */
static bool input_possible(const struct pc *pc, const struct run_ctx *r)
{
    if (r->ui_poll)
        return true;
    return r->con && r->stdin_uart >= 0 && !r->con->eof && !r->con->quit &&
           (pc->com[r->stdin_uart].ier & UART_IER_RDI);
}

/* ------------------------------------------------------------------ the loop */

enum pc_stop pc_run(struct pc *pc, struct run_ctx *r)
{
    struct cpu *c = &pc->cpu;
    uint64_t wall0 = wall_ns(), virt0 = pc_now_ns(pc);
    /* Idle time since the CPU last retired an instruction: a guest halted with interrupts
     * on whose interrupts never arrive (all masked) would otherwise idle forever, past any
     * instruction budget. */
    uint64_t idle_icount = UINT64_MAX, idle_since_ns = 0;
    fflush(stdout);

    while (pc->stop == PC_RUNNING) {
        if (r->max_insns && c->icount >= r->max_insns) {
            char msg[96];
            snprintf(msg, sizeof msg, "instruction budget reached (%llu instructions)",
                     (unsigned long long)c->icount);
            pc_request_stop(pc, PC_STOP_BUDGET, msg);
            break;
        }
        host_poll(pc, r);
        if (pc->stop != PC_RUNNING)
            break;
        pc_advance_devices(pc);

        uint64_t now = pc_now_ns(pc);
        uint64_t next = min64(pc_next_event(pc), typer_next(pc, &r->typer));
        uint64_t limit = c->icount + SLICE_INSNS;
        if (next != VTIME_NEVER) {
            uint64_t n = next > now ? (next - now + pc->ns_per_insn - 1) / pc->ns_per_insn : 1;
            limit = min64(limit, c->icount + n);
        }
        if (r->max_insns)
            limit = min64(limit, r->max_insns);
        if (r->host_clock) {
            uint64_t virt = now - virt0, wall = wall_ns() - wall0;
            if (virt > wall + 1000000)
                sleep_ns(virt - wall);
        }

        enum cpu_stop s = cpu_run(c, limit);

        bool board_request = pc->bios.trap_pending || pc->reset_requested ||
                             pc->stop != PC_RUNNING;
        if (board_request && c->stop_request) {
            /* The request was the board's but the run ended before it was seen (budget,
             * HLT): withdraw it, or the next run would stop at once for nothing.
             * (cpu_set_intr recomputes the CPU's pending mask.) */
            c->stop_request = false;
            cpu_set_intr(c, c->intr);
        }
        if (pc->bios.trap_pending)
            bios_run_trap(pc);
        if (pc->reset_requested) {
            pc_guest_reset(pc);
            continue;
        }
        if (pc->stop != PC_RUNNING)
            break;

        if (s == CPU_STOP_SHUTDOWN) {
            /* A program that set a CMOS resume code triple-faults on purpose to get back
             * to real mode (the 286 way): the board resets the CPU and the BIOS resumes it.
             * Any other triple fault ends the run with the CPU's report. */
            uint8_t code = cmos_get_byte(&pc->cmos, CMOS_SHUTDOWN);
            if (pc->bios.builtin && (code == 0x05 || code == 0x0A || code == 0x0B || code == 0x0C)) {
                pc_guest_reset(pc);
                continue;
            }
            char msg[200];
            const char *why = c->shutdown_msg[0] ? c->shutdown_msg
                              : c->shutdown_reason ? c->shutdown_reason : "no further detail";
            /* The CPU's message may already say what it is. */
            snprintf(msg, sizeof msg, "%s%s",
                     strncmp(why, "triple fault", 12) && strncmp(why, "livelock", 8) ? "triple fault: " : "", why);
            pc_request_stop(pc, PC_STOP_SHUTDOWN, msg);
            break;
        }
        if (s == CPU_STOP_REQUEST && !board_request) {
            /* The step hook (debugger) or someone with cpu_request_stop() asked. */
            pc_request_stop(pc, PC_STOP_BREAK, "stopped on request");
            c->stop_request = false;         /* pc_request_stop asked the CPU again */
            cpu_set_intr(c, c->intr);
            break;
        }
        if (s != CPU_STOP_HALT)
            continue;

        /* HLT. With interrupts off nothing but NMI or RESET can wake the CPU. */
        if (!(c->eflags & FL_IF) && !c->nmi_pending) {
            char msg[sizeof pc->stop_msg + 80];
            snprintf(msg, sizeof msg, "the CPU halted with interrupts disabled at %04X:%08X%s%.*s",
                     c->seg[SEG_CS].sel, c->eip, pc->stop_msg[0] ? " after " : "",
                     (int)sizeof pc->stop_msg - 70, pc->stop_msg);
            pc_request_stop(pc, PC_STOP_HALT, msg);
            break;
        }
        pc_advance_devices(pc);
        now = pc_now_ns(pc);
        if (c->intr)
            continue;                        /* the interrupt is taken on the next run */
        if (bios_wake_due(pc, now)) {
            c->halted = false;
            continue;
        }
        host_poll(pc, r);
        if (c->intr || pc->stop != PC_RUNNING)
            continue;                        /* input arrived (a typed key, a byte) */
        next = min64(pc_next_event(pc), typer_next(pc, &r->typer));
        if (next == VTIME_NEVER) {
            if (!input_possible(pc, r)) {
                pc_request_stop(pc, PC_STOP_IDLE,
                                "the CPU halted with interrupts enabled and nothing can wake it");
                break;
            }
            /* Waiting for the user: sleep until input may have come. */
            if (r->con)
                console_wait(r->con, 10);
            else
                sleep_ns(10000000);
            continue;
        }
        if (c->icount != idle_icount) {
            idle_icount = c->icount;
            idle_since_ns = now;
        } else if (now - idle_since_ns > IDLE_GIVE_UP_NS && !input_possible(pc, r)) {
            pc_request_stop(pc, PC_STOP_IDLE, "the CPU halted with interrupts enabled and no "
                                              "interrupt came for an hour of virtual time");
            break;
        }
        if (next > now) {
            /* Idle while a person can still type (stdin, the window): time passes as it
             * does for them, so a guest waiting 20 s for the next command waits 20 s, and an
             * idle prompt costs no host CPU. Without interactive input (--type, scripts)
             * idle time is skipped and the run stays reproducible. */
            if (r->host_clock || input_possible(pc, r)) {
                uint64_t virt = next - virt0, wall = wall_ns() - wall0;
                if (virt > wall) {
                    uint64_t d = min64(virt - wall, 10000000);
                    if (r->con)
                        console_wait(r->con, (int)(d / 1000000) + 1);
                    else
                        sleep_ns(d);
                    /* Time the host slept is time that passed, up to the event. */
                    uint64_t w = wall_ns() - wall0 + virt0;
                    if (w > now)
                        pc->idle_ns += min64(w, next) - now;
                    continue;
                }
            } else if (r->con && r->con->tty) {
                /* Interactive but on the virtual clock: do not spin a host core while the
                 * guest idles (what the guest sees is unchanged). */
                console_wait(r->con, 1);
            }
            pc->idle_ns += next - now;
        } else {
            /* A device says its event is due but advancing did not consume it: let a
             * little time pass rather than spin on the same instant. */
            pc->idle_ns += pc->ns_per_insn;
        }
    }
    return pc->stop;
}
