/*
 * sched.c - the task table, the GDT with a TSS and an LDT descriptor per task, the
 * scheduler (0.11's counters and priorities) and sleep/wake.
 *
 * Switching is done by the CPU: a far jump to a task's TSS selector saves every register
 * of the running task into its TSS and loads the other's (Intel 386 PRM 7.3), which also
 * reloads CR3 and therefore flushes the TLB.
 */
#include "kernel.h"
#include "sched.h"
#include "mm.h"

u64 gdt[256] __attribute__((aligned(8)));

/* Task 0 is static: its page holds task_struct and kernel stack like any other. */
static union task_union init_task __attribute__((section(".data.task0"), aligned(4096)));
/* Task 0's user-mode stack, inside its 640 KiB segment (task 1 inherits it copy-on-write). */
static u32 user_stack[1024] __attribute__((aligned(4096)));

struct task_struct *task[NR_TASKS];
struct task_struct *current;

u64 seg_desc(u32 base, u32 limit, u32 access, u32 flags)
{
	return (u64)(limit & 0xFFFF) | ((u64)(base & 0xFFFFFF) << 16) | ((u64)access << 40) |
	       ((u64)((limit >> 16) & 0xF) << 48) | ((u64)flags << 52) |
	       ((u64)(base >> 24) << 56);
}

/* TSS: type 9 (available 386 TSS), LDT: type 2; both DPL 0, byte granular (PRM 6.2.2). */
void set_tss_ldt_desc(int nr, struct task_struct *p)
{
	gdt[FIRST_TSS_ENTRY + 2 * nr] = seg_desc((u32)&p->tss, sizeof(struct tss) - 1, 0x89, 0);
	gdt[FIRST_TSS_ENTRY + 2 * nr + 1] = seg_desc((u32)&p->ldt, sizeof p->ldt - 1, 0x82, 0);
}

void sched_init(void)
{
	struct task_struct *p = &init_task.task;
	gdt[1] = seg_desc(0, 0xFFFFF, 0x9A, 0xC);       /* kernel code, flat 4 GiB */
	gdt[2] = seg_desc(0, 0xFFFFF, 0x92, 0xC);       /* kernel data, flat 4 GiB */
	p->state = TASK_RUNNING;
	p->counter = p->priority = 15;
	p->nr = 0;
	p->pid = 0;
	p->start_code = 0;
	p->seg_limit = 640 * 1024;
	strncpy(p->comm, "swapper", sizeof p->comm);
	/* user code and data: base 0, 640 KiB (page granular), DPL 3 */
	p->ldt[1] = seg_desc(0, (640 * 1024 >> 12) - 1, 0xFA, 0xC);
	p->ldt[2] = seg_desc(0, (640 * 1024 >> 12) - 1, 0xF2, 0xC);
	p->tss.esp0 = (u32)&init_task + PAGE_SIZE;
	p->tss.ss0 = KERNEL_DS;
	p->tss.cr3 = 0;
	p->tss.ldt = _LDT(0);
	p->tss.trace_bitmap = 0x80000000;       /* I/O map base beyond the limit: no I/O map */
	task[0] = current = p;
	set_tss_ldt_desc(0, p);

	struct { u16 limit; u32 base; } __attribute__((packed)) d = { sizeof gdt - 1, (u32)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"ljmp $0x08, $1f\n1:\n\t"
		"movw $0x10, %%ax\n\t"
		"movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
		"movw %%ax, %%fs\n\tmovw %%ax, %%gs"
		:: "m"(d) : "eax", "memory");
	__asm__ volatile("ltr %w0" :: "r"(_TSS(0)));
	__asm__ volatile("lldt %w0" :: "r"(_LDT(0)));
}

/* iret into ring 3 at task0_user on task 0's user stack, with interrupts enabled. */
void move_to_user_mode(void)
{
	extern char task0_user[];
	__asm__ volatile(
		"movw %w0, %%ax\n\t"
		"movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
		"pushl %0\n\t"          /* ss */
		"pushl %1\n\t"          /* esp */
		"pushl $0x202\n\t"      /* eflags: IF */
		"pushl %2\n\t"          /* cs */
		"pushl %3\n\t"          /* eip */
		"iret"
		:: "i"(USER_DS), "r"((u32)user_stack + sizeof user_stack), "i"(USER_CS),
		   "r"((u32)task0_user)
		: "eax", "memory");
}

static void switch_to(int n)
{
	struct task_struct *next = task[n];
	if (next == current)
		return;
	struct { u32 off; u16 sel; } __attribute__((packed)) far = { 0, _TSS(n) };
	current = next;
	__asm__ volatile("ljmp *%0" :: "m"(far) : "memory");
}

/*
 * 0.11's scheduler: wake sleepers whose alarm, timeout or signal has come; run the
 * runnable task with the largest remaining counter; when every runnable task has used
 * its slice, refill all counters with counter/2 + priority (sleepers get a bonus).
 */
void schedule(void)
{
	for (int i = 1; i < NR_TASKS; i++) {
		struct task_struct *p = task[i];
		if (!p)
			continue;
		if (p->alarm && p->alarm <= jiffies) {
			p->signal |= 1u << (PW_SIGALRM - 1);
			p->alarm = 0;
		}
		if (p->state == TASK_INTERRUPTIBLE) {
			if (signal_pending(p))
				p->state = TASK_RUNNING;
			else if (p->wake_at && p->wake_at <= jiffies) {
				p->wake_at = 0;
				p->state = TASK_RUNNING;
			}
		}
	}
	int next;
	for (;;) {
		s32 c = -1;
		next = 0;
		for (int i = NR_TASKS - 1; i > 0; i--) {
			struct task_struct *p = task[i];
			if (p && p->state == TASK_RUNNING && p->counter > c)
				c = p->counter, next = i;
		}
		if (c)
			break;
		for (int i = 1; i < NR_TASKS; i++)
			if (task[i])
				task[i]->counter = (task[i]->counter >> 1) + task[i]->priority;
	}
	switch_to(next);
}

/* 0.11's wait "queue": each sleeper remembers the one it displaced and wakes it in turn. */
void sleep_on(struct task_struct **p)
{
	if (current == task[0])
		panic("task[0] trying to sleep");
	struct task_struct *tmp = *p;
	*p = current;
	current->state = TASK_UNINTERRUPTIBLE;
	schedule();
	if (tmp)
		tmp->state = TASK_RUNNING;
}

void interruptible_sleep_on(struct task_struct **p)
{
	if (current == task[0])
		panic("task[0] trying to sleep");
	struct task_struct *tmp = *p;
	*p = current;
	current->state = TASK_INTERRUPTIBLE;
	schedule();
	if (*p == current)
		*p = NULL;
	if (tmp)
		tmp->state = TASK_RUNNING;
}

void wake_up(struct task_struct **p)
{
	if (*p) {
		(*p)->state = TASK_RUNNING;
		*p = NULL;
	}
}

/* Timer tick: charge the running task; preempt only user mode (the kernel is not
 * preemptible, which is what makes 0.11's unlocked data structures safe). */
void do_timer(struct regs *r)
{
	if ((r->cs & 3) == 3)
		current->utime++;
	else
		current->stime++;
	if (--current->counter > 0)
		return;
	current->counter = 0;
	if ((r->cs & 3) == 3)
		schedule();
}
