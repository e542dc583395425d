/*
 * kernel.h - what every kernel file needs: fixed types, port I/O, string helpers,
 * printk/panic and the boot parameter block left by boot/setup.S.
 */
#ifndef KERNEL_H
#define KERNEL_H

typedef unsigned int   u32;
typedef unsigned short u16;
typedef unsigned char  u8;
typedef int            s32;
typedef unsigned long long u64;
#define NULL ((void *)0)

/* Boot parameter block at 0x90000 (written by boot/setup.S, read once by main). */
#define BOOT_PARAMS     0x90000
#define BP_CURSOR       (*(u16 *)(BOOT_PARAMS + 0))   /* low byte column, high byte row */
#define BP_EXT_MEM_K    (*(u16 *)(BOOT_PARAMS + 2))   /* KiB of memory above 1 MiB */
#define BP_VIDEO_PAGE   (*(u8 *)(BOOT_PARAMS + 5))
#define BP_VIDEO_MODE   (*(u8 *)(BOOT_PARAMS + 6))
#define BP_VIDEO_COLS   (*(u8 *)(BOOT_PARAMS + 7))
#define BP_KERNEL_SECTS (*(u16 *)(BOOT_PARAMS + 8))
#define BP_HD0_PARAMS   ((u8 *)(BOOT_PARAMS + 0x80))  /* 16 bytes from int 41h */
#define BP_CMDLINE      ((char *)(BOOT_PARAMS + 0x200)) /* "CMDLINE:" + text */

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

static inline void outb(u8 v, u16 port) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outw(u16 v, u16 port) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u32 v, u16 port) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline void insw(u16 port, void *buf, u32 words)
{
	__asm__ volatile("cld; rep insw" : "+D"(buf), "+c"(words) : "d"(port) : "memory");
}
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline u32 save_flags_cli(void)
{
	u32 f;
	__asm__ volatile("pushfl; popl %0; cli" : "=r"(f) :: "memory");
	return f;
}
static inline void restore_flags(u32 f) { __asm__ volatile("pushl %0; popfl" :: "r"(f) : "memory", "cc"); }

/* lib.c */
void *memcpy(void *d, const void *s, u32 n);
void *memset(void *d, int c, u32 n);
void *memmove(void *d, const void *s, u32 n);
int memcmp(const void *a, const void *b, u32 n);
u32 strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, u32 n);
char *strncpy(char *d, const char *s, u32 n);
typedef __builtin_va_list va_list;
#define va_start(v, l) __builtin_va_start(v, l)
#define va_end(v)      __builtin_va_end(v)
#define va_arg(v, t)   __builtin_va_arg(v, t)
int vsnprintf(char *buf, u32 size, const char *fmt, va_list ap);
int snprintf(char *buf, u32 size, const char *fmt, ...);

/* printk.c */
int printk(const char *fmt, ...);
_Noreturn void panic(const char *fmt, ...);

/* console.c / serial.c: the console is VGA text mirrored to COM1 */
void con_init(void);
void con_write(const char *s, u32 n);
void serial_init(void);
void serial_putc(char c);
void serial_intr(void);
void kbd_intr(void);

/* tty.c: one terminal fed by keyboard and COM1 */
void tty_input(char c);
int tty_read(u32 ubuf, u32 n);
int tty_write(u32 ubuf, u32 n);

/* cmdline.c */
extern char cmdline[512];
void cmdline_init(void);
const char *cmdline_get(const char *key);   /* value of key=..., NULL if absent */
int cmdline_is(const char *key, const char *value);

/* hd.c */
void hd_init(void);
int hd_read(u32 lba, u32 count, void *buf);

/* time */
extern volatile u32 jiffies;
extern u32 startup_time;
#define HZ 100

#endif
