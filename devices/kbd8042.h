/* The 8042 keyboard controller of the PC/AT with its keyboard.
 *
 *   port 0x60  data: read = output buffer, write = to the keyboard (or a command's argument)
 *   port 0x64  read = status, write = controller command
 *
 * The keyboard speaks scancode set 2; the controller translates to set 1 (command byte bit
 * 6, on by default), so what the guest reads is set 1. The host side pushes set-1 codes
 * (kbd_push_scancode) as the translated stream a PC delivers. The controller's output port
 * holds the A20 gate (bit 1) and the CPU reset line (bit 0, active low); changes reach the
 * board through hooks. (IBM AT Technical Reference, "Keyboard Controller"; 8042 commands.) */
#ifndef PW_DEVICES_KBD8042_H
#define PW_DEVICES_KBD8042_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/iobus.h"
#include "devices/irq.h"

/* Status register (port 0x64 read). */
#define KBD_ST_OBF 0x01   /* output buffer full: a byte waits at 0x60 */
#define KBD_ST_IBF 0x02   /* input buffer full (never seen: writes complete at once) */
#define KBD_ST_SYS 0x04   /* system flag (command byte bit 2) */
#define KBD_ST_A2 0x08    /* last write was to 0x64 (command) */
#define KBD_ST_INH 0x10   /* 1 = keyboard not inhibited (keylock switch unlocked) */
#define KBD_ST_AUXB 0x20  /* output byte came from the auxiliary device */
#define KBD_ST_TIMEOUT 0x40
#define KBD_ST_PARITY 0x80

/* Command byte (controller RAM byte 0). */
#define KBD_CB_INT 0x01   /* IRQ1 when the output buffer fills with a keyboard byte */
#define KBD_CB_INT2 0x02  /* IRQ12 for auxiliary bytes */
#define KBD_CB_SYS 0x04
#define KBD_CB_DISABLE 0x10  /* keyboard interface disabled (clock held low) */
#define KBD_CB_DISABLE2 0x20
#define KBD_CB_XLATE 0x40    /* translate set 2 to set 1 */

/* Output port (commands 0xD0/0xD1). */
#define KBD_OP_RESET 0x01    /* 0 = CPU reset asserted */
#define KBD_OP_A20 0x02

#define KBD_QUEUE 64

struct kbd_hooks {
    void (*a20)(void *opaque, bool on);  /* output port bit 1 changed */
    void (*reset)(void *opaque);         /* CPU reset pulsed (0xFE, or bit 0 written 0) */
    void *opaque;
};

struct kbd {
    uint8_t status;
    uint8_t cmd_byte;
    uint8_t out_port;
    uint8_t obuf;            /* the byte in the output buffer (valid when OBF) */
    uint8_t ram[32];         /* controller RAM (0x20-0x3F / 0x60-0x7F), [0] is cmd_byte */
    uint8_t pending_cmd;     /* controller command waiting for its data byte at 0x60, or 0 */
    uint8_t kbd_pending;     /* keyboard command waiting for its argument (0xED, 0xF3), or 0 */
    bool kbd_enabled;        /* keyboard scanning (0xF4 / 0xF5) */
    bool irq_level;          /* IRQ1 as driven */
    uint8_t leds;
    uint8_t typematic;
    /* Controller responses (delivered first, even with the keyboard disabled), then the
     * keyboard's bytes: its command responses ahead of the keys still queued. */
    uint8_t ctl_q[4];
    unsigned ctl_count;
    uint8_t q[KBD_QUEUE];
    unsigned q_head, q_count;
    bool obuf_aux;           /* the byte in the output buffer came from the aux port */
    struct irq_line irq1;
    struct kbd_hooks hooks;
    uint64_t data_reads;     /* reads of port 0x60 (the --type pacing waits for the first) */
};

void kbd_init(struct kbd *k, struct irq_line irq1, const struct kbd_hooks *hooks);
/* The state a PC BIOS leaves: command byte 0x45 (IRQ1 on, system flag, translation), keyboard
 * enabled, A20 off, buffers empty. No hook is called. */
void kbd_reset(struct kbd *k);
/* Claims 0x60 and 0x64. Returns 0, or -1 on a port conflict. */
int kbd_attach(struct kbd *k, struct iobus *bus);

/* Host input: one set-1 byte (make, break = make | 0x80, 0xE0 prefixes as given). With the
 * controller's translation turned off the guest gets the set-2 bytes instead (F0h + make
 * for a break). Returns 0, or -1 when the queue is full (try again later). Dropped while
 * scanning is disabled. */
int kbd_push_scancode(struct kbd *k, uint8_t code);
/* Free room in the queue, and whether everything pushed has been read by the guest. */
unsigned kbd_queue_space(const struct kbd *k);
bool kbd_idle(const struct kbd *k);

/* Turns ASCII text into set-1 make/break sequences as a US keyboard produces them: shift
 * pressed around upper-case letters and shifted symbols, '\n' = Enter, '\t' = Tab, '\b' =
 * Backspace, 0x1B = Esc; characters with no key are skipped. Writes at most cap bytes and
 * returns the number of bytes the whole text needs (as snprintf does). */
size_t kbd_text_to_scancodes(const char *text, uint8_t *out, size_t cap);
/* The set-1 sequence for one character (make and break, with shift if needed) into out[8];
 * returns its length, 0 when the character has no key. */
size_t kbd_char_to_scancodes(char c, uint8_t out[8]);

#endif
