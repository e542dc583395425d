/*
 * fork.c - copy_process: a new task page, a TSS that resumes the child in user mode right
 * after its int $0x80 with EAX = 0, an LDT at the child's 64 MiB slot, and the parent's
 * page tables shared copy-on-write (copy_page_tables).
 */
#include "kernel.h"
#include "sched.h"
#include "mm.h"
#include "fs.h"

static s32 last_pid;

static int find_empty_process(void)
{
	for (;;) {
		if (++last_pid < 0)
			last_pid = 1;
		int used = 0;
		for (int i = 0; i < NR_TASKS; i++)
			if (task[i] && task[i]->pid == last_pid)
				used = 1;
		if (!used)
			break;
	}
	for (int i = 1; i < NR_TASKS; i++)
		if (!task[i])
			return i;
	return -PW_EAGAIN;
}

int copy_process(struct regs *r)
{
	int nr = find_empty_process();
	if (nr < 0)
		return nr;
	struct task_struct *p = (struct task_struct *)get_free_page();
	if (!p)
		return -PW_EAGAIN;
	*p = *current;
	p->state = TASK_UNINTERRUPTIBLE;        /* not schedulable until complete */
	p->nr = nr;
	p->pid = last_pid;
	p->ppid = current->pid;
	p->counter = p->priority;
	p->signal = 0;
	p->alarm = p->wake_at = 0;
	p->utime = p->stime = 0;

	struct tss *t = &p->tss;
	memset(t, 0, sizeof *t);
	t->esp0 = (u32)p + PAGE_SIZE;
	t->ss0 = KERNEL_DS;
	t->eip = r->eip;
	t->eflags = r->eflags;
	t->eax = 0;                     /* fork() returns 0 in the child */
	t->ecx = r->ecx;
	t->edx = r->edx;
	t->ebx = r->ebx;
	t->esp = r->useresp;
	t->ebp = r->ebp;
	t->esi = r->esi;
	t->edi = r->edi;
	t->es = r->es & 0xFFFF;
	t->cs = r->cs & 0xFFFF;
	t->ss = r->uss & 0xFFFF;
	t->ds = r->ds & 0xFFFF;
	t->fs = r->fs & 0xFFFF;
	t->gs = r->gs & 0xFFFF;
	t->ldt = _LDT(nr);
	t->cr3 = 0;
	t->trace_bitmap = 0x80000000;

	/* the child's slot: same limit as the parent, base nr * 64 MiB */
	u32 new_base = nr * TASK_SIZE;
	p->start_code = new_base;
	p->ldt[1] = seg_desc(new_base, (p->seg_limit >> 12) - 1, 0xFA, 0xC);
	p->ldt[2] = seg_desc(new_base, (p->seg_limit >> 12) - 1, 0xF2, 0xC);
	if (copy_page_tables(current->start_code, new_base, p->seg_limit)) {
		free_page_tables(new_base, p->seg_limit);
		free_page((u32)p);
		return -PW_ENOMEM;
	}
	for (int i = 0; i < NR_OPEN; i++)
		if (p->filp[i])
			p->filp[i]->f_count++;
	if (p->executable)
		p->executable->i_count++;
	set_tss_ldt_desc(nr, p);
	task[nr] = p;
	p->state = TASK_RUNNING;
	mem_check("fork");
	return p->pid;
}
