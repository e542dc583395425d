/*
 * tty.c - the one terminal: keyboard and COM1 input go through a canonical line
 * discipline (echo, backspace, Ctrl-C, Ctrl-D); complete lines wait in a queue for read().
 */
#include "kernel.h"
#include "sched.h"

#define QSIZE 1024

static char line[256];
static u32 line_len;
static char queue[QSIZE];
static u32 q_head, q_tail;      /* q_tail == q_head: empty */
static int eof_pending;
static struct task_struct *readers;

static void queue_put(char c)
{
	if ((q_head + 1) % QSIZE != q_tail) {
		queue[q_head] = c;
		q_head = (q_head + 1) % QSIZE;
	}
}

/* Interrupt context (IRQ1 / IRQ4). */
void tty_input(char c)
{
	if (c == 127 || c == '\b') {
		if (line_len) {
			line_len--;
			con_write("\b \b", 3);
		}
		return;
	}
	if (c == 3) {                   /* Ctrl-C: interrupt every user task but init */
		con_write("^C\n", 3);
		line_len = 0;
		for (int i = 2; i < NR_TASKS; i++)
			if (task[i] && task[i]->pid > 1 && task[i]->state != TASK_ZOMBIE)
				send_sig(task[i], PW_SIGINT);
		wake_up(&readers);
		return;
	}
	if (c == 4) {                   /* Ctrl-D: end of file (the pending line, or 0 bytes) */
		for (u32 i = 0; i < line_len; i++)
			queue_put(line[i]);
		if (!line_len)
			eof_pending = 1;
		line_len = 0;
		wake_up(&readers);
		return;
	}
	if (c == '\n') {
		con_write("\n", 1);
		for (u32 i = 0; i < line_len; i++)
			queue_put(line[i]);
		queue_put('\n');
		line_len = 0;
		wake_up(&readers);
		return;
	}
	if ((u8)c < ' ' && c != '\t')
		return;
	if (line_len < sizeof line - 1) {
		line[line_len++] = c;
		con_write(&c, 1);
	}
}

/* read(): wait for a line; return at most n bytes, up to and including the newline. */
int tty_read(u32 ubuf, u32 n)
{
	u32 got = 0;
	if (!n)
		return 0;
	cli();
	while (q_head == q_tail && !eof_pending) {
		if (signal_pending(current)) {
			sti();
			return -PW_EINTR;
		}
		interruptible_sleep_on(&readers);
		cli();
	}
	if (q_head == q_tail) {
		eof_pending = 0;
		sti();
		return 0;
	}
	char tmp[256];
	while (got < n && got < sizeof tmp && q_head != q_tail) {
		char c = queue[q_tail];
		q_tail = (q_tail + 1) % QSIZE;
		tmp[got++] = c;
		if (c == '\n')
			break;
	}
	sti();
	if (copy_to_user(ubuf, tmp, got))
		return -PW_EFAULT;
	return got;
}

int tty_write(u32 ubuf, u32 n)
{
	char tmp[128];
	u32 done = 0;
	while (done < n) {
		u32 k = n - done > sizeof tmp ? sizeof tmp : n - done;
		if (copy_from_user(tmp, ubuf + done, k))
			return done ? (int)done : -PW_EFAULT;
		con_write(tmp, k);
		done += k;
	}
	return done;
}
