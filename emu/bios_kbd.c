/* The keyboard: the IRQ1 handler (set-1 scancodes from port 60h to the BIOS data area's
 * 16-word buffer, shift states) and int 16h (read, status, shift flags). US layout.
 * (IBM PC/AT Technical Reference, "Keyboard BIOS": buffer at 40:1E, head 40:1A, tail 40:1C,
 * flags at 40:17/40:18/40:96; character codes table.) */
#include <string.h>

#include "emu/bios_internal.h"

/* Shift flags (40:17). */
#define KF_RSHIFT 0x01
#define KF_LSHIFT 0x02
#define KF_CTRL 0x04
#define KF_ALT 0x08
#define KF_SCROLL 0x10
#define KF_NUM 0x20
#define KF_CAPS 0x40
#define KF_INSERT 0x80
/* 40:96 bit 1: the last byte was the E0h prefix. */
#define KF3_E0 0x02

/* ASCII for set-1 make codes 00h-39h, without and with shift. */
static const char normal_map[0x3A] =
    "\0\x1b" "1234567890-=" "\b\t" "qwertyuiop[]" "\r\0" "asdfghjkl;'`" "\0\\" "zxcvbnm,./" "\0*\0 ";
static const char shift_map[0x3A] =
    "\0\x1b" "!@#$%^&*()_+" "\b\t" "QWERTYUIOP{}" "\r\0" "ASDFGHJKL:\"~" "\0|" "ZXCVBNM<>?" "\0*\0 ";
/* Keypad 47h-53h with Num Lock. */
static const char keypad_map[] = "789-456+1230.";

static bool buffer_put(struct pc *pc, uint16_t key)
{
    uint16_t start = bios_rd16(pc, BDA_KBD_START), end = bios_rd16(pc, BDA_KBD_END);
    uint16_t head = bios_rd16(pc, BDA_KBD_HEAD), tail = bios_rd16(pc, BDA_KBD_TAIL);
    uint16_t next = (uint16_t)(tail + 2);
    if (next >= end)
        next = start;
    if (next == head)
        return false;                     /* full: the key is lost (a real BIOS beeps) */
    bios_wr16(pc, 0x400u + tail, key);
    bios_wr16(pc, BDA_KBD_TAIL, next);
    return true;
}

static bool buffer_peek(struct pc *pc, uint16_t *key)
{
    uint16_t head = bios_rd16(pc, BDA_KBD_HEAD), tail = bios_rd16(pc, BDA_KBD_TAIL);
    if (head == tail)
        return false;
    *key = bios_rd16(pc, 0x400u + head);
    return true;
}

static void buffer_drop(struct pc *pc)
{
    uint16_t start = bios_rd16(pc, BDA_KBD_START), end = bios_rd16(pc, BDA_KBD_END);
    uint16_t head = (uint16_t)(bios_rd16(pc, BDA_KBD_HEAD) + 2);
    if (head >= end)
        head = start;
    bios_wr16(pc, BDA_KBD_HEAD, head);
}

/* Translates one make code (with the shift state) into the scan/ASCII word. */
static uint16_t translate(uint8_t code, uint8_t flags, bool e0)
{
    uint16_t scan = (uint16_t)(code << 8);
    if (e0) {
        if (code == 0x1C)
            return 0x1C0D;                /* keypad Enter */
        if (code == 0x35)
            return 0x352F;                /* keypad / */
        return (uint16_t)(scan | 0xE0);   /* grey cursor keys: E0h marks them extended */
    }
    if (code < 0x3A) {
        char ch = normal_map[code];
        bool shifted = flags & (KF_LSHIFT | KF_RSHIFT);
        if (ch >= 'a' && ch <= 'z' && (flags & KF_CAPS))
            shifted = !shifted;
        if (shifted)
            ch = shift_map[code];
        if (flags & KF_ALT)
            return scan;                  /* Alt+key: scan code only */
        if (flags & KF_CTRL) {
            if (ch >= 'a' && ch <= 'z')
                return (uint16_t)(scan | (ch - 'a' + 1));
            if (ch >= 'A' && ch <= 'Z')
                return (uint16_t)(scan | (ch - 'A' + 1));
            if (code == 0x1C)
                return 0x1C0A;            /* Ctrl+Enter = LF */
            return scan;
        }
        if (code == 0x0F && shifted)
            return 0x0F00;                /* Shift+Tab */
        return (uint16_t)(scan | (uint8_t)ch);
    }
    if (code >= 0x47 && code <= 0x53) {
        bool num = (flags & KF_NUM) != 0;
        if (flags & (KF_LSHIFT | KF_RSHIFT))
            num = !num;
        if (num)
            return (uint16_t)(scan | (uint8_t)keypad_map[code - 0x47]);
        if (code == 0x4A || code == 0x4E)
            return (uint16_t)(scan | (uint8_t)keypad_map[code - 0x47]);  /* - and + */
        return scan;
    }
    return scan;                          /* F1-F12 and others: scan code, ASCII 0 */
}

void bios_irq1(struct pc *pc)
{
    uint8_t code = bios_inb(pc, 0x60);
    uint8_t f1 = bios_rd8(pc, BDA_KBD_FLAGS1), f2 = bios_rd8(pc, BDA_KBD_FLAGS2);
    uint8_t f3 = bios_rd8(pc, BDA_KBD_FLAGS3);
    bool e0 = (f3 & KF3_E0) != 0;
    f3 &= (uint8_t)~KF3_E0;
    if (code == 0xE0) {
        bios_wr8(pc, BDA_KBD_FLAGS3, f3 | KF3_E0);
        return;
    }
    bios_wr8(pc, BDA_KBD_FLAGS3, f3);
    /* Keyboard answers and the Pause prefix carry no key. (0xAA is also the self-test
     * answer, but in a key stream it is the left Shift break, which must be seen.) */
    if (code == 0xFA || code == 0xFE || code == 0xE1 || code == 0x00 || code == 0xFF)
        return;
    bool brk = code & 0x80;
    uint8_t make = code & 0x7F;
    uint8_t bit = 0, toggle = 0;
    switch (make) {
    case 0x2A: bit = e0 ? 0 : KF_LSHIFT; break;   /* E0 2A: fake shift of grey keys */
    case 0x36: bit = e0 ? 0 : KF_RSHIFT; break;
    case 0x1D: bit = KF_CTRL; break;
    case 0x38: bit = KF_ALT; break;
    case 0x3A: toggle = KF_CAPS; break;
    case 0x45: toggle = e0 ? 0 : KF_NUM; break;
    case 0x46: toggle = e0 ? 0 : KF_SCROLL; break;
    case 0x52: if (!e0 && !(f1 & KF_NUM)) toggle = KF_INSERT; else if (e0) toggle = KF_INSERT; break;
    }
    if (bit) {
        f1 = brk ? (uint8_t)(f1 & ~bit) : (uint8_t)(f1 | bit);
        bios_wr8(pc, BDA_KBD_FLAGS1, f1);
        return;
    }
    if (make == 0x2A || make == 0x36)
        return;
    if (toggle && toggle != KF_INSERT) {
        /* Lock keys toggle on the make; 40:18 remembers that the key is down. */
        if (!brk && !(f2 & toggle))
            f1 ^= toggle;
        f2 = brk ? (uint8_t)(f2 & ~toggle) : (uint8_t)(f2 | toggle);
        bios_wr8(pc, BDA_KBD_FLAGS1, f1);
        bios_wr8(pc, BDA_KBD_FLAGS2, f2);
        return;
    }
    if (brk)
        return;
    if (toggle == KF_INSERT)
        bios_wr8(pc, BDA_KBD_FLAGS1, f1 ^ KF_INSERT);
    buffer_put(pc, translate(make, f1, e0));
}

void bios_int16(struct pc *pc)
{
    struct cpu *c = &pc->cpu;
    uint8_t ah = RH(c, R_EAX);
    uint16_t key;
    switch (ah) {
    case 0x00:                            /* read a key, waiting for one */
    case 0x10:
        if (!buffer_peek(pc, &key)) {
            bios_goto(pc, pc->bios.wait16_off);   /* sti; hlt; ask again */
            return;
        }
        buffer_drop(pc);
        if (ah == 0x00 && (key & 0xFF) == 0xE0)
            key &= 0xFF00;                /* the old call hides the extended marker */
        SET16(c, R_EAX, key);
        break;
    case 0x01:                            /* status: ZF=1 when empty, else AX = next key */
    case 0x11:
        if (buffer_peek(pc, &key)) {
            if (ah == 0x01 && (key & 0xFF) == 0xE0)
                key &= 0xFF00;
            SET16(c, R_EAX, key);
            bios_set_zf(pc, false);
        } else {
            bios_set_zf(pc, true);
        }
        break;
    case 0x02:                            /* shift flags */
        SETL(c, R_EAX, bios_rd8(pc, BDA_KBD_FLAGS1));
        break;
    case 0x12:
        SETL(c, R_EAX, bios_rd8(pc, BDA_KBD_FLAGS1));
        SETH(c, R_EAX, bios_rd8(pc, BDA_KBD_FLAGS2));
        break;
    case 0x05:                            /* store a key (CX) in the buffer: AL 0 ok, 1 full */
        SETL(c, R_EAX, buffer_put(pc, R16(c, R_ECX)) ? 0 : 1);
        break;
    default:                              /* typematic rate etc.: accepted */
        break;
    }
}
