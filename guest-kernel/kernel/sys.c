/*
 * sys.c - the system call table (int $0x80: number in EAX, arguments in EBX, ECX, EDX,
 * result or -errno in EAX; numbers from ABI.md) and the small calls, plus user-memory
 * access for every call that takes a pointer.
 */
#include "kernel.h"
#include "sched.h"
#include "mm.h"
#include "fs.h"

u32 startup_time;

/* ---- user memory: task-relative addresses, checked against the LDT segment limit ---- */

int user_ok(u32 uaddr, u32 n)
{
	return uaddr <= current->seg_limit && n <= current->seg_limit - uaddr;
}

int copy_to_user(u32 uaddr, const void *src, u32 n)
{
	if (!user_ok(uaddr, n))
		return -PW_EFAULT;
	verify_area(current->start_code + uaddr, n);
	memcpy(uptr(uaddr), src, n);
	return 0;
}

int copy_from_user(void *dst, u32 uaddr, u32 n)
{
	if (!user_ok(uaddr, n))
		return -PW_EFAULT;
	memcpy(dst, uptr(uaddr), n);
	return 0;
}

int strncpy_from_user(char *dst, u32 uaddr, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		if (!user_ok(uaddr + i, 1))
			return -PW_EFAULT;
		dst[i] = *(char *)uptr(uaddr + i);
		if (!dst[i])
			return i;
	}
	return n;
}

/* ---- the small calls ---- */

static int sys_fork(u32 a, u32 b, u32 c, struct regs *r) { return copy_process(r); }
static int sys_execve(u32 a, u32 b, u32 c, struct regs *r) { return do_execve(r, a, b, c); }
static int sys_getpid(u32 a, u32 b, u32 c) { return current->pid; }
static int sys_getppid(u32 a, u32 b, u32 c) { return current->ppid; }

static int sys_time(u32 ut, u32 b, u32 c)
{
	u32 t = startup_time + jiffies / HZ;
	if (ut && copy_to_user(ut, &t, 4))
		return -PW_EFAULT;
	return t;
}

static int sys_alarm(u32 seconds, u32 b, u32 c)
{
	u32 old = current->alarm > jiffies ? (current->alarm - jiffies) / HZ : 0;
	current->alarm = seconds ? jiffies + seconds * HZ : 0;
	return old;
}

/* Task 0 pauses as the idle loop: halt until the next interrupt instead of sleeping. */
static int sys_pause(u32 a, u32 b, u32 c)
{
	if (current->nr == 0) {
		__asm__ volatile("sti; hlt");
		schedule();
		return 0;
	}
	current->state = TASK_INTERRUPTIBLE;
	schedule();
	return -PW_EINTR;
}

static int sys_sleep(u32 ticks, u32 b, u32 c)
{
	if (!ticks)
		return 0;
	current->wake_at = jiffies + ticks;
	current->state = TASK_INTERRUPTIBLE;
	schedule();
	current->wake_at = 0;
	return signal_pending(current) ? -PW_EINTR : 0;
}

/* brk(addr): move the end of the data segment; brk(0) or a bad address reports it.
 * Pages appear on first touch (do_no_page), as 0.11's sys_brk. */
static int sys_brk(u32 addr, u32 b, u32 c)
{
	if (addr >= current->end_data && addr < TASK_SIZE - STACK_RESERVE)
		current->brk = addr;
	return current->brk;
}

static int sys_halt(u32 status, u32 b, u32 c)
{
	printk("pw_halt(%u)\n", status);
	outb(status, 0xF4);             /* isa-debug-exit */
	cli();
	for (;;)
		__asm__ volatile("hlt");
}

static int sys_cmdline(u32 ubuf, u32 n, u32 c)
{
	u32 len = strlen(cmdline) + 1;
	if (n < len)
		return -PW_EINVAL;
	if (copy_to_user(ubuf, cmdline, len))
		return -PW_EFAULT;
	return len - 1;
}

int sys_exit(u32, u32, u32);
int sys_waitpid(u32, u32, u32);
int sys_kill(u32, u32, u32);
int sys_signal(u32, u32, u32);
int sys_memstat(u32, u32, u32);
int sys_tasks(u32, u32, u32);
int sys_pageinfo(u32, u32, u32);

typedef int (*syscall_fn)(u32, u32, u32, struct regs *);
#define S(f) [PW_SYS_##f] = (syscall_fn)sys_##f

static const syscall_fn sys_call_table[256] = {
	S(exit), S(fork), S(read), S(write), S(open), S(close), S(waitpid), S(execve),
	S(time), S(stat), S(getpid), S(alarm), S(pause), S(kill), S(brk), S(signal),
	S(getppid), S(sleep), S(memstat), S(tasks), S(pageinfo), S(halt), S(cmdline),
};

void syscall_dispatch(struct regs *r)
{
	syscall_fn f = r->eax < 256 ? sys_call_table[r->eax] : NULL;
	if (!f) {
		r->eax = -PW_ENOSYS;
		return;
	}
	r->eax = f(r->ebx, r->ecx, r->edx, r);
}
