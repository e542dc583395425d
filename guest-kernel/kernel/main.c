/*
 * main.c - from head.S to user mode: console, command line, memory, interrupts, tasks,
 * disk and root file system; then task 0 drops to ring 3, forks task 1 and idles, and
 * task 1 executes /bin/init (or init= from the command line).
 *
 * Physical memory:
 *   0x00000 page directory | 0x1000-0x4FFF kernel page tables | 0x5000 kernel ...
 *   0x90000 boot parameters | 640K-1M BIOS/VGA | 1M .. buffer_memory_end buffer cache
 *   buffer_memory_end .. HIGH_MEMORY  paging area (mem_map)
 */
#include "kernel.h"
#include "sched.h"
#include "mm.h"
#include "fs.h"

u32 buffer_memory_end;
static char init_path[64] = "/bin/init";

static u8 cmos(u8 reg)
{
	outb(reg, 0x70);
	return inb(0x71);
}

static int rtc_binary;          /* status register B bit 2: values are binary, not BCD */
static u32 bcd(u8 v) { return rtc_binary ? v : (v & 15) + (v >> 4) * 10u; }

/* Seconds since 1970 from the RTC (24-hour mode assumed; MC146818 datasheet: registers
 * 0/2/4/7/8/9, BCD unless status register B bit 2). */
static void time_init(void)
{
	u32 sec, min, hour, day, mon, year;
	rtc_binary = cmos(0x0B) & 0x04;
	do {
		sec = bcd(cmos(0));
		min = bcd(cmos(2));
		hour = bcd(cmos(4));
		day = bcd(cmos(7));
		mon = bcd(cmos(8));
		year = bcd(cmos(9));
	} while (sec != bcd(cmos(0)));
	year += year < 70 ? 2000 : 1900;
	static const u16 mdays[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	u32 days = (year - 1970) * 365 + (year - 1969) / 4 + mdays[(mon - 1) % 12] + day - 1;
	if (mon > 2 && year % 4 == 0)
		days++;
	startup_time = ((days * 24 + hour) * 60 + min) * 60 + sec;
}

/* Runs in ring 3 as task 1, still inside the kernel image (read-only, copy-on-write). */
static inline int user_syscall3(int nr, u32 a, u32 b, u32 c)
{
	int r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

void task1_main(void)
{
	static const char *argv[] = { init_path, NULL };
	static const char *envp[] = { "PATH=/bin", NULL };
	argv[0] = init_path;
	int r = user_syscall3(PW_SYS_execve, (u32)init_path, (u32)argv, (u32)envp);
	static const char msg[] = "init: cannot execute ";
	user_syscall3(PW_SYS_write, 1, (u32)msg, sizeof msg - 1);
	user_syscall3(PW_SYS_write, 1, (u32)init_path, strlen(init_path));
	user_syscall3(PW_SYS_write, 1, (u32)"\n", 1);
	user_syscall3(PW_SYS_exit, -r, 0, 0);
}

void main(void)
{
	u32 memory_end = LOW_MEM + ((u32)BP_EXT_MEM_K << 10);
	if (memory_end > 16 * 1024 * 1024)
		memory_end = 16 * 1024 * 1024;
	memory_end &= ~0xFFFu;
	cmdline_init();
	con_init();
	printk("pagewalk kernel: %u KiB memory, command line \"%s\"\n", memory_end >> 10, cmdline);
	const char *ip = cmdline_get("init");
	if (ip) {
		u32 n = 0;
		while (ip[n] && ip[n] != ' ' && n < sizeof init_path - 1)
			n++;
		memcpy(init_path, ip, n);
		init_path[n] = 0;
	}
	/* buffer cache: 0.11's sizes, starting at LOW_MEM */
	if (memory_end > 12 * 1024 * 1024)
		buffer_memory_end = 4 * 1024 * 1024;
	else if (memory_end > 6 * 1024 * 1024)
		buffer_memory_end = 2 * 1024 * 1024;
	else
		buffer_memory_end = LOW_MEM + 512 * 1024;
	if (memory_end <= buffer_memory_end + 64 * PAGE_SIZE)
		panic("not enough memory (%u KiB)", memory_end >> 10);
	alloc_select();
	mm_options();
	mem_init(buffer_memory_end, memory_end);
	printk("mm: allocator %s, invalidate %s, write_verify %s%s\n", alloc_name(),
	       mm_inval_mode == INVAL_CR3 ? "cr3" : mm_inval_mode == INVAL_INVLPG ? "invlpg" : "none",
	       mm_write_verify_on ? "on" : "off", mm_memcheck_on ? ", memcheck on" : "");
	calc_mem();
	trap_init();
	sched_init();
	time_init();
	buffer_init(LOW_MEM, buffer_memory_end);
	hd_init();
	if (mount_root() < 0)
		panic("unable to mount root");
	struct file *tty = get_tty_file();
	for (int i = 0; i < 3; i++) {
		current->filp[i] = tty;
		if (i)
			tty->f_count++;
	}
	move_to_user_mode();
}
