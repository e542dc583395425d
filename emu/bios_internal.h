/* Shared by the BIOS's C services (bios.c, bios_video.c, bios_disk.c, bios_kbd.c): register
 * and memory access for code that runs between two guest instructions, in real mode. */
#ifndef PW_EMU_BIOS_INTERNAL_H
#define PW_EMU_BIOS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/pc.h"

/* BIOS data area (segment 0040h), as absolute addresses. (IBM PC/AT Technical Reference,
 * "BIOS Data Area".) */
#define BDA_COM1 0x400
#define BDA_LPT1 0x408
#define BDA_EBDA_SEG 0x40E
#define BDA_EQUIPMENT 0x410
#define BDA_MEMSIZE 0x413
#define BDA_KBD_FLAGS1 0x417
#define BDA_KBD_FLAGS2 0x418
#define BDA_KBD_HEAD 0x41A
#define BDA_KBD_TAIL 0x41C
#define BDA_KBD_BUF 0x41E
#define BDA_FD_RECAL 0x43E
#define BDA_FD_MOTOR 0x43F
#define BDA_FD_STATUS 0x441
#define BDA_VIDEO_MODE 0x449
#define BDA_VIDEO_COLS 0x44A
#define BDA_VIDEO_PAGESIZE 0x44C
#define BDA_VIDEO_PAGESTART 0x44E
#define BDA_CURSOR_POS 0x450     /* 8 words: col, row per page */
#define BDA_CURSOR_SHAPE 0x460   /* word: end line (low), start line (high) */
#define BDA_VIDEO_PAGE 0x462
#define BDA_CRTC_BASE 0x463
#define BDA_VIDEO_MSR 0x465
#define BDA_VIDEO_PAL 0x466
#define BDA_TICKS 0x46C
#define BDA_MIDNIGHT 0x470
#define BDA_RESET_FLAG 0x472
#define BDA_HD_STATUS 0x474
#define BDA_HD_COUNT 0x475
#define BDA_HD_CONTROL 0x476
#define BDA_VIDEO_ROWS 0x484     /* rows - 1 */
#define BDA_CHAR_HEIGHT 0x485
#define BDA_VIDEO_CTL 0x487
#define BDA_VIDEO_SWITCHES 0x488
#define BDA_VGA_FLAGS 0x489
#define BDA_KBD_START 0x480
#define BDA_KBD_END 0x482
#define BDA_KBD_FLAGS3 0x496
#define BDA_KBD_LEDS 0x497

#define BIOS_TICKS_PER_DAY 0x1800B0u  /* 18.2065 Hz x 86400 s */

/* ---- registers of the interrupted code ---- */
static inline uint16_t R16(const struct cpu *c, int r) { return (uint16_t)c->gpr[r]; }
static inline uint8_t RL(const struct cpu *c, int r) { return (uint8_t)c->gpr[r]; }
static inline uint8_t RH(const struct cpu *c, int r) { return (uint8_t)(c->gpr[r] >> 8); }
static inline void SET16(struct cpu *c, int r, uint16_t v) { c->gpr[r] = (c->gpr[r] & 0xFFFF0000u) | v; }
static inline void SETL(struct cpu *c, int r, uint8_t v) { c->gpr[r] = (c->gpr[r] & 0xFFFFFF00u) | v; }
static inline void SETH(struct cpu *c, int r, uint8_t v) { c->gpr[r] = (c->gpr[r] & 0xFFFF00FFu) | ((uint32_t)v << 8); }

/* ---- guest memory (real mode: linear = physical through the A20 gate) ---- */
uint8_t bios_rd8(struct pc *pc, uint32_t lin);
uint16_t bios_rd16(struct pc *pc, uint32_t lin);
uint32_t bios_rd32(struct pc *pc, uint32_t lin);
void bios_wr8(struct pc *pc, uint32_t lin, uint8_t v);
void bios_wr16(struct pc *pc, uint32_t lin, uint16_t v);
void bios_wr32(struct pc *pc, uint32_t lin, uint32_t v);
void bios_read_block(struct pc *pc, uint32_t lin, void *dst, uint32_t len);
void bios_write_block(struct pc *pc, uint32_t lin, const void *src, uint32_t len);
static inline uint32_t bios_seg_off(uint16_t seg, uint16_t off) { return ((uint32_t)seg << 4) + off; }

/* ---- the IRET frame of the service call: IP, CS, FLAGS at SS:SP ---- */
void bios_set_cf(struct pc *pc, bool on);
void bios_set_zf(struct pc *pc, bool on);
void bios_set_if_in_frame(struct pc *pc, bool on);

/* Sends the guest into the ROM loop at off (a wait loop, or the halt loop). */
void bios_goto(struct pc *pc, uint16_t off);

/* Port access as the ROM code would do it. */
static inline uint8_t bios_inb(struct pc *pc, uint16_t port) { return (uint8_t)iobus_read(&pc->iobus, port, 1); }
static inline void bios_outb(struct pc *pc, uint16_t port, uint8_t v) { iobus_write(&pc->iobus, port, 1, v); }

/* ---- services (one file each) ---- */
void bios_int10(struct pc *pc);
void bios_int13(struct pc *pc);
void bios_int16(struct pc *pc);
void bios_irq1(struct pc *pc);
/* Video helpers for POST and int 18h/19h messages. */
void bios_video_set_mode3(struct pc *pc, bool clear);
void bios_video_puts(struct pc *pc, const char *s);
/* Disk helpers for int 19h: reads one 512-byte sector by CHS-free LBA. */
struct disk *bios_drive(struct pc *pc, uint8_t dl);

#endif
