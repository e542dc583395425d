#include "devices/kbd8042.h"

#include <string.h>

/* Keyboard responses (IBM PS/2 keyboard technical reference, "Commands from the system"). */
#define KB_ACK 0xFA
#define KB_RESEND 0xFE
#define KB_BAT_OK 0xAA
#define KB_ECHO 0xEE

/* ----- output buffer ------------------------------------------------------------------- */

static void update_irq(struct kbd *k)
{
    bool level = (k->status & KBD_ST_OBF) && !k->obuf_aux && (k->cmd_byte & KBD_CB_INT);
    if (level != k->irq_level) {
        k->irq_level = level;
        irq_set(&k->irq1, level);
    }
}

/* Moves the next byte into an empty output buffer: controller responses first, keyboard
 * bytes only while the keyboard interface is enabled. */
static void refill(struct kbd *k)
{
    if (k->status & KBD_ST_OBF)
        return;
    if (k->ctl_count) {
        k->obuf = k->ctl_q[0];
        memmove(k->ctl_q, k->ctl_q + 1, --k->ctl_count);
        k->obuf_aux = false;
        k->status |= KBD_ST_OBF;
        k->status &= ~KBD_ST_AUXB;
    } else if (k->q_count && !(k->cmd_byte & KBD_CB_DISABLE)) {
        k->obuf = k->q[k->q_head];
        k->q_head = (k->q_head + 1) % KBD_QUEUE;
        k->q_count--;
        k->obuf_aux = false;
        k->status |= KBD_ST_OBF;
        k->status &= ~KBD_ST_AUXB;
    }
    update_irq(k);
}

static void ctl_respond(struct kbd *k, uint8_t v)
{
    if (k->ctl_count < sizeof k->ctl_q)
        k->ctl_q[k->ctl_count++] = v;
    refill(k);
}

static void kq_push_back(struct kbd *k, uint8_t v)
{
    if (k->q_count >= KBD_QUEUE)
        return;
    k->q[(k->q_head + k->q_count) % KBD_QUEUE] = v;
    k->q_count++;
}

static void kq_push_front(struct kbd *k, uint8_t v)
{
    if (k->q_count >= KBD_QUEUE)
        k->q_count--; /* the newest key is lost rather than the response */
    k->q_head = (k->q_head + KBD_QUEUE - 1) % KBD_QUEUE;
    k->q[k->q_head] = v;
    k->q_count++;
}

/* Keyboard command responses go ahead of queued keys, in order. */
static void kb_respond(struct kbd *k, const uint8_t *bytes, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        kq_push_front(k, bytes[i]);
    refill(k);
}

static void kb_respond1(struct kbd *k, uint8_t v)
{
    kb_respond(k, &v, 1);
}

/* ----- output port: A20 and reset ------------------------------------------------------ */

static void set_output_port(struct kbd *k, uint8_t v)
{
    uint8_t old = k->out_port;
    k->out_port = v;
    if (((old ^ v) & KBD_OP_A20) && k->hooks.a20)
        k->hooks.a20(k->hooks.opaque, (v & KBD_OP_A20) != 0);
    if (!(v & KBD_OP_RESET)) {
        /* The reset line is active low: the CPU is reset, and the line returns high. */
        k->out_port |= KBD_OP_RESET;
        if (k->hooks.reset)
            k->hooks.reset(k->hooks.opaque);
    }
}

/* ----- lifecycle ----------------------------------------------------------------------- */

void kbd_init(struct kbd *k, struct irq_line irq1, const struct kbd_hooks *hooks)
{
    memset(k, 0, sizeof *k);
    k->irq1 = irq1;
    if (hooks)
        k->hooks = *hooks;
    kbd_reset(k);
}

void kbd_reset(struct kbd *k)
{
    struct irq_line irq1 = k->irq1;
    struct kbd_hooks hooks = k->hooks;
    uint64_t reads = k->data_reads;
    bool was_high = k->irq_level;
    memset(k, 0, sizeof *k);
    k->irq1 = irq1;
    k->hooks = hooks;
    k->data_reads = reads;
    k->cmd_byte = KBD_CB_INT | KBD_CB_SYS | KBD_CB_XLATE;
    k->ram[0] = k->cmd_byte;
    k->status = KBD_ST_SYS | KBD_ST_INH;
    k->out_port = 0xCD; /* reset line high, A20 off, keyboard clock/data high */
    k->kbd_enabled = true;
    k->typematic = 0x2B;
    if (was_high)
        irq_lower(&k->irq1);
}

/* ----- the keyboard -------------------------------------------------------------------- */

static void keyboard_command(struct kbd *k, uint8_t v)
{
    if (k->kbd_pending) {
        uint8_t cmd = k->kbd_pending;
        k->kbd_pending = 0;
        if (cmd == 0xED) {
            k->leds = v & 7;
        } else if (cmd == 0xF3) {
            k->typematic = v & 0x7F;
        } else if (cmd == 0xF0 && v == 0) {
            /* Report the scancode set: 2, seen through the translation as 0x41. */
            const uint8_t r[2] = {KB_ACK, (k->cmd_byte & KBD_CB_XLATE) ? 0x41 : 0x02};
            kb_respond(k, r, 2);
            return;
        }
        kb_respond1(k, KB_ACK);
        return;
    }
    switch (v) {
    case 0xED: /* set LEDs: argument follows */
    case 0xF3: /* set typematic rate: argument follows */
    case 0xF0: /* scancode set: argument follows */
        k->kbd_pending = v;
        kb_respond1(k, KB_ACK);
        break;
    case 0xEE:
        kb_respond1(k, KB_ECHO);
        break;
    case 0xF2: { /* identify: MF2 keyboard, AB 83 (83 reads as 41 through the translation) */
        const uint8_t r[3] = {KB_ACK, 0xAB, (k->cmd_byte & KBD_CB_XLATE) ? 0x41 : 0x83};
        kb_respond(k, r, 3);
        break;
    }
    case 0xF4: /* enable scanning; the keyboard's buffer is cleared */
        k->q_count = 0;
        k->kbd_enabled = true;
        kb_respond1(k, KB_ACK);
        break;
    case 0xF5: /* default parameters, scanning disabled */
        k->q_count = 0;
        k->kbd_enabled = false;
        k->typematic = 0x2B;
        kb_respond1(k, KB_ACK);
        break;
    case 0xF6: /* default parameters */
        k->typematic = 0x2B;
        kb_respond1(k, KB_ACK);
        break;
    case 0xFF: { /* reset: ACK, then the basic assurance test passed */
        k->q_count = 0;
        k->kbd_enabled = true;
        k->leds = 0;
        k->typematic = 0x2B;
        const uint8_t r[2] = {KB_ACK, KB_BAT_OK};
        kb_respond(k, r, 2);
        break;
    }
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        kb_respond1(k, KB_ACK); /* typematic/make-break modes: accepted, ignored */
        break;
    case 0xFE: /* resend: nothing was lost */
        kb_respond1(k, KB_ACK);
        break;
    default:
        kb_respond1(k, KB_RESEND);
        break;
    }
}

/* ----- the controller ------------------------------------------------------------------ */

static void controller_command(struct kbd *k, uint8_t v)
{
    if (v >= 0x20 && v <= 0x3F) { /* read controller RAM */
        ctl_respond(k, v == 0x20 ? k->cmd_byte : k->ram[v & 0x1F]);
        return;
    }
    if (v >= 0x60 && v <= 0x7F) { /* write controller RAM: data follows */
        k->pending_cmd = v;
        return;
    }
    if (v >= 0xF0) {
        /* Pulse output port bits 0-3 low for 6 us where the command's bit is 0: bit 0 is
         * the CPU reset line (0xFE is the usual "reset the machine"). */
        if (!(v & 1) && k->hooks.reset)
            k->hooks.reset(k->hooks.opaque);
        return;
    }
    switch (v) {
    case 0xA1: ctl_respond(k, 0x00); break;  /* controller version */
    case 0xA7: k->cmd_byte |= KBD_CB_DISABLE2; break;
    case 0xA8: k->cmd_byte &= ~KBD_CB_DISABLE2; break;
    case 0xA9: ctl_respond(k, 0x00); break;  /* aux interface test: no error */
    case 0xAA:                               /* self test */
        k->status |= KBD_ST_SYS;
        ctl_respond(k, 0x55);
        break;
    case 0xAB: ctl_respond(k, 0x00); break;  /* keyboard interface test: no error */
    case 0xAD: k->cmd_byte |= KBD_CB_DISABLE; break;
    case 0xAE:
        k->cmd_byte &= ~KBD_CB_DISABLE;
        refill(k);
        break;
    case 0xC0: ctl_respond(k, 0xA0); break;  /* input port: keyboard not inhibited, colour */
    case 0xD0: ctl_respond(k, k->out_port); break;
    case 0xD1: case 0xD2: case 0xD3: case 0xD4:
        k->pending_cmd = v;                  /* data follows at 0x60 */
        break;
    case 0xDD: set_output_port(k, k->out_port & ~KBD_OP_A20); break;
    case 0xDF: set_output_port(k, k->out_port | KBD_OP_A20); break;
    case 0xE0: ctl_respond(k, 0x00); break;  /* test inputs */
    default: break;
    }
    k->ram[0] = k->cmd_byte;
}

static void controller_data(struct kbd *k, uint8_t cmd, uint8_t v)
{
    if (cmd >= 0x60 && cmd <= 0x7F) {
        k->ram[cmd & 0x1F] = v;
        if (cmd == 0x60) {
            k->cmd_byte = v;
            k->status = (uint8_t)((k->status & ~KBD_ST_SYS) | (v & KBD_CB_SYS));
            refill(k);
            update_irq(k);
        }
        return;
    }
    switch (cmd) {
    case 0xD1:
        set_output_port(k, v);
        break;
    case 0xD2: /* as if the keyboard sent v */
        kq_push_front(k, v);
        refill(k);
        break;
    case 0xD3: /* as if the aux device sent v: no IRQ1 */
        if (!(k->status & KBD_ST_OBF)) {
            k->obuf = v;
            k->obuf_aux = true;
            k->status |= KBD_ST_OBF | KBD_ST_AUXB;
            update_irq(k);
        }
        break;
    default: /* 0xD4: to the aux device, which is absent */
        break;
    }
}

/* ----- ports --------------------------------------------------------------------------- */

static uint32_t kbd_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct kbd *k = opaque;
    if (port == 0x64)
        return k->status;
    k->data_reads++;
    uint8_t v = k->obuf;
    if (k->status & KBD_ST_OBF) {
        k->status &= ~(KBD_ST_OBF | KBD_ST_AUXB);
        k->obuf_aux = false;
        update_irq(k);
        refill(k);
    }
    return v;
}

static void kbd_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct kbd *k = opaque;
    uint8_t v = (uint8_t)val;
    if (port == 0x64) {
        k->status |= KBD_ST_A2;
        k->pending_cmd = 0;
        controller_command(k, v);
        return;
    }
    k->status &= ~KBD_ST_A2;
    if (k->pending_cmd) {
        uint8_t cmd = k->pending_cmd;
        k->pending_cmd = 0;
        controller_data(k, cmd, v);
        return;
    }
    /* Sending to the keyboard enables its interface (the controller releases the clock). */
    k->cmd_byte &= ~KBD_CB_DISABLE;
    k->ram[0] = k->cmd_byte;
    keyboard_command(k, v);
}

int kbd_attach(struct kbd *k, struct iobus *bus)
{
    if (iobus_register(bus, 0x60, 1, kbd_port_read, kbd_port_write, k, "kbd-data") ||
        iobus_register(bus, 0x64, 1, kbd_port_read, kbd_port_write, k, "kbd-ctl"))
        return -1;
    return 0;
}

/* ----- host input ---------------------------------------------------------------------- */

/* Set-1 make code -> the set-2 code the keyboard really sends (IBM keyboard technical
 * reference, scan code tables). Index = set-1 code; 0 = no such key. */
static const uint8_t set1_to_set2[0x59] = {
    0x00, 0x76, 0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45, 0x4E, 0x55, 0x66, 0x0D,
    0x15, 0x1D, 0x24, 0x2D, 0x2C, 0x35, 0x3C, 0x43, 0x44, 0x4D, 0x54, 0x5B, 0x5A, 0x14, 0x1C, 0x1B,
    0x23, 0x2B, 0x34, 0x33, 0x3B, 0x42, 0x4B, 0x4C, 0x52, 0x0E, 0x12, 0x5D, 0x1A, 0x22, 0x21, 0x2A,
    0x32, 0x31, 0x3A, 0x41, 0x49, 0x4A, 0x59, 0x7C, 0x11, 0x29, 0x58, 0x05, 0x06, 0x04, 0x0C, 0x03,
    0x0B, 0x83, 0x0A, 0x01, 0x09, 0x77, 0x7E, 0x6C, 0x75, 0x7D, 0x7B, 0x6B, 0x73, 0x74, 0x79, 0x69,
    0x72, 0x7A, 0x70, 0x71, 0x00, 0x00, 0x00, 0x78, 0x07,
};

int kbd_push_scancode(struct kbd *k, uint8_t code)
{
    if (!k->kbd_enabled)
        return 0; /* scanning disabled: the key is simply not seen */
    bool xlate = (k->cmd_byte & KBD_CB_XLATE) || code == 0xE0;
    /* One slot stays free for a keyboard response pushed in front of the keys. */
    if (k->q_count + ((xlate || !(code & 0x80)) ? 1u : 2u) > KBD_QUEUE - 1)
        return -1;
    if (xlate) {
        kq_push_back(k, code);
    } else {
        /* Translation off: the guest sees set 2 as the keyboard sends it, a break being
         * F0h followed by the make code. */
        uint8_t make = code & 0x7F;
        uint8_t s2 = make < sizeof set1_to_set2 ? set1_to_set2[make] : 0;
        if (!s2)
            return 0;
        if (code & 0x80)
            kq_push_back(k, 0xF0);
        kq_push_back(k, s2);
    }
    refill(k);
    return 0;
}

unsigned kbd_queue_space(const struct kbd *k)
{
    return k->q_count >= KBD_QUEUE - 1 ? 0 : KBD_QUEUE - 1 - k->q_count;
}

bool kbd_idle(const struct kbd *k)
{
    return k->q_count == 0 && k->ctl_count == 0 && !(k->status & KBD_ST_OBF);
}

/* Set-1 make codes of a US keyboard for printable ASCII: the unshifted and shifted
 * character on each key (IBM PC AT keyboard layout, scan code set 1). */
struct key_map {
    uint8_t code;
    char plain, shifted;
};
static const struct key_map keys[] = {
    {0x02, '1', '!'}, {0x03, '2', '@'}, {0x04, '3', '#'}, {0x05, '4', '$'},
    {0x06, '5', '%'}, {0x07, '6', '^'}, {0x08, '7', '&'}, {0x09, '8', '*'},
    {0x0A, '9', '('}, {0x0B, '0', ')'}, {0x0C, '-', '_'}, {0x0D, '=', '+'},
    {0x10, 'q', 'Q'}, {0x11, 'w', 'W'}, {0x12, 'e', 'E'}, {0x13, 'r', 'R'},
    {0x14, 't', 'T'}, {0x15, 'y', 'Y'}, {0x16, 'u', 'U'}, {0x17, 'i', 'I'},
    {0x18, 'o', 'O'}, {0x19, 'p', 'P'}, {0x1A, '[', '{'}, {0x1B, ']', '}'},
    {0x1E, 'a', 'A'}, {0x1F, 's', 'S'}, {0x20, 'd', 'D'}, {0x21, 'f', 'F'},
    {0x22, 'g', 'G'}, {0x23, 'h', 'H'}, {0x24, 'j', 'J'}, {0x25, 'k', 'K'},
    {0x26, 'l', 'L'}, {0x27, ';', ':'}, {0x28, '\'', '"'}, {0x29, '`', '~'},
    {0x2B, '\\', '|'}, {0x2C, 'z', 'Z'}, {0x2D, 'x', 'X'}, {0x2E, 'c', 'C'},
    {0x2F, 'v', 'V'}, {0x30, 'b', 'B'}, {0x31, 'n', 'N'}, {0x32, 'm', 'M'},
    {0x33, ',', '<'}, {0x34, '.', '>'}, {0x35, '/', '?'}, {0x39, ' ', ' '},
    {0x1C, '\n', '\n'}, {0x0F, '\t', '\t'}, {0x0E, '\b', '\b'}, {0x01, 0x1B, 0x1B},
};

#define SC_LSHIFT 0x2A
#define SC_BREAK 0x80

size_t kbd_char_to_scancodes(char c, uint8_t out[8])
{
    if (c == '\r')
        c = '\n';
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key_map *m = &keys[i];
        if (m->plain == c) {
            out[0] = m->code;
            out[1] = m->code | SC_BREAK;
            return 2;
        }
        if (m->shifted == c) {
            out[0] = SC_LSHIFT;
            out[1] = m->code;
            out[2] = m->code | SC_BREAK;
            out[3] = SC_LSHIFT | SC_BREAK;
            return 4;
        }
    }
    return 0;
}

size_t kbd_text_to_scancodes(const char *text, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; *text; text++) {
        uint8_t seq[8];
        size_t len = kbd_char_to_scancodes(*text, seq);
        for (size_t i = 0; i < len; i++, n++)
            if (n < cap)
                out[n] = seq[i];
    }
    return n;
}
