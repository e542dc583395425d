/*
 * exit.c - exit, waitpid, and signals with default actions only (signal() accepts
 * SIG_DFL and SIG_IGN). A task leaves its slot's pages at exit; its task page (and the
 * wait status in it) stays until the parent collects it.
 */
#include "kernel.h"
#include "sched.h"
#include "mm.h"
#include "fs.h"

void release(struct task_struct *p)
{
	for (int i = 1; i < NR_TASKS; i++)
		if (task[i] == p) {
			task[i] = NULL;
			free_page((u32)p);
			return;
		}
	panic("trying to release non-existent task");
}

void send_sig(struct task_struct *p, int sig)
{
	if (p && sig > 0 && sig <= PW_NSIG)
		p->signal |= 1u << (sig - 1);
}

static struct task_struct *find_pid(s32 pid)
{
	for (int i = 0; i < NR_TASKS; i++)
		if (task[i] && task[i]->pid == pid)
			return task[i];
	return NULL;
}

_Noreturn void do_exit(s32 code)
{
	if (current->nr == 0)
		panic("task 0 exiting");
	free_page_tables(current->start_code, TASK_SIZE);
	for (int i = 0; i < NR_OPEN; i++)
		if (current->filp[i]) {
			close_file(current->filp[i]);
			current->filp[i] = NULL;
		}
	iput(current->executable);
	current->executable = NULL;
	/* orphans go to init (pid 1), which reaps them */
	struct task_struct *init = find_pid(1);
	for (int i = 1; i < NR_TASKS; i++) {
		struct task_struct *p = task[i];
		if (p && p->ppid == current->pid) {
			p->ppid = 1;
			if (p->state == TASK_ZOMBIE)
				send_sig(init, PW_SIGCHLD);
		}
	}
	current->state = TASK_ZOMBIE;
	current->exit_code = code;
	struct task_struct *parent = find_pid(current->ppid);
	if (parent) {
		send_sig(parent, PW_SIGCHLD);
		if (parent->state == TASK_INTERRUPTIBLE)
			parent->state = TASK_RUNNING;
	}
	mem_check("exit");
	schedule();
	panic("zombie scheduled");
}

int sys_exit(u32 status, u32 b, u32 c)
{
	do_exit((status & 0xFF) << 8);
}

int sys_waitpid(u32 upid, u32 ustatus, u32 options)
{
	s32 pid = (s32)upid;
	if (ustatus && !user_ok(ustatus, 4))
		return -PW_EFAULT;
	for (;;) {
		int have = 0;
		for (int i = 1; i < NR_TASKS; i++) {
			struct task_struct *p = task[i];
			if (!p || p == current || p->ppid != current->pid)
				continue;
			if (pid > 0 && p->pid != pid)
				continue;
			have = 1;
			if (p->state != TASK_ZOMBIE)
				continue;
			s32 got = p->pid, code = p->exit_code;
			current->utime += p->utime;
			current->stime += p->stime;
			release(p);
			mem_check("wait");
			if (ustatus && copy_to_user(ustatus, &code, 4))
				return -PW_EFAULT;
			return got;
		}
		if (!have)
			return -PW_ECHILD;
		if (options & PW_WNOHANG)
			return 0;
		current->signal &= ~(1u << (PW_SIGCHLD - 1));
		current->state = TASK_INTERRUPTIBLE;
		schedule();
		current->signal &= ~(1u << (PW_SIGCHLD - 1));
		if (signal_pending(current))
			return -PW_EINTR;
	}
}

int sys_kill(u32 upid, u32 sig, u32 c)
{
	s32 pid = (s32)upid;
	if (sig > PW_NSIG)
		return -PW_EINVAL;
	if (pid <= 0)
		return -PW_EINVAL;
	struct task_struct *p = find_pid(pid);
	if (!p || p->nr == 0 || p->state == TASK_ZOMBIE)
		return -PW_ESRCH;
	if (sig) {
		send_sig(p, sig);
		if (p->state == TASK_INTERRUPTIBLE)
			p->state = TASK_RUNNING;
	}
	return 0;
}

int sys_signal(u32 sig, u32 handler, u32 c)
{
	if (!sig || sig > PW_NSIG || sig == PW_SIGKILL)
		return -PW_EINVAL;
	if (handler != PW_SIG_DFL && handler != PW_SIG_IGN)
		return -PW_EINVAL;
	u32 bit = 1u << (sig - 1);
	int old = !!(current->sig_ignored & bit);
	if (handler == PW_SIG_IGN)
		current->sig_ignored |= bit;
	else
		current->sig_ignored &= ~bit;
	return old;
}

/* On the way back to user mode: default actions. SIGCHLD is ignored by default;
 * everything else (and SIGKILL always) terminates with the signal number as status. */
void do_signal(struct regs *r)
{
	u32 pending = current->signal & ~current->blocked;
	for (int sig = 1; sig <= PW_NSIG; sig++) {
		u32 bit = 1u << (sig - 1);
		if (!(pending & bit))
			continue;
		current->signal &= ~bit;
		if (sig != PW_SIGKILL && ((current->sig_ignored & bit) || sig == PW_SIGCHLD))
			continue;
		do_exit(sig);
	}
}
