/*
 * sched.h - tasks. Each task is one page: its task_struct at the bottom, its kernel stack
 * growing down from the top (esp0 in its TSS). The GDT holds one TSS and one LDT
 * descriptor per task; the LDT's code and data segments put the task at nr * 64 MiB.
 *
 *   GDT: 0 null | 1 kernel code 0x08 | 2 kernel data 0x10 | 3 unused
 *        4 TSS0 0x20 | 5 LDT0 0x28 | 6 TSS1 0x30 | 7 LDT1 0x38 | ...
 */
#ifndef SCHED_H
#define SCHED_H
#include "kernel.h"
#include "pw_abi.h"

#define NR_TASKS    PW_NR_TASKS
#define NR_OPEN     16
#define TASK_SIZE   PW_TASK_SLOT_SIZE
#define STACK_RESERVE (1024 * 1024)     /* brk may not grow into the top MiB (stack) */

#define TASK_RUNNING         PW_TASK_RUNNING
#define TASK_INTERRUPTIBLE   PW_TASK_INTERRUPTIBLE
#define TASK_UNINTERRUPTIBLE PW_TASK_UNINTERRUPTIBLE
#define TASK_ZOMBIE          PW_TASK_ZOMBIE

#define FIRST_TSS_ENTRY 4
#define _TSS(n) ((((u32)(n)) << 4) + (FIRST_TSS_ENTRY << 3))
#define _LDT(n) ((((u32)(n)) << 4) + ((FIRST_TSS_ENTRY + 1) << 3))
#define USER_CS 0x0F    /* LDT entry 1, RPL 3 */
#define USER_DS 0x17    /* LDT entry 2, RPL 3 */

/* 386 TSS (Intel 386 PRM, figure 7-1) */
struct tss {
	u32 back_link, esp0, ss0, esp1, ss1, esp2, ss2, cr3;
	u32 eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt, trace_bitmap;
};

/* The frame entry.S builds on the kernel stack for every interrupt, exception, syscall. */
struct regs {
	u32 edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	u32 gs, fs, es, ds;
	u32 vec, err;
	u32 eip, cs, eflags, useresp, uss;      /* last two only from user mode */
};

struct file;
struct m_inode;

struct task_struct {
	volatile s32 state;
	s32 counter, priority;
	u32 signal, blocked;
	u32 sig_ignored;                /* bit sig-1 set = SIG_IGN; no user handlers */
	s32 exit_code;
	u32 start_code;                 /* linear base of the slot (nr * 64 MiB) */
	u32 seg_limit;                  /* bytes the LDT segments cover */
	u32 end_code, end_data, brk;    /* task-relative */
	s32 pid, ppid, nr;
	u32 alarm, wake_at;             /* jiffies; 0 = none */
	u32 utime, stime;
	struct m_inode *executable;
	struct file *filp[NR_OPEN];
	char comm[16];
	u64 ldt[3];
	struct tss tss;
};

union task_union {
	struct task_struct task;
	char stack[4096];
};

extern struct task_struct *task[NR_TASKS];
extern struct task_struct *current;
extern u64 gdt[256];
extern u64 idt[256];

void sched_init(void);
void schedule(void);
void sleep_on(struct task_struct **p);
void interruptible_sleep_on(struct task_struct **p);
void wake_up(struct task_struct **p);
void do_timer(struct regs *r);
void move_to_user_mode(void);
u64 seg_desc(u32 base, u32 limit, u32 access, u32 flags);
void set_tss_ldt_desc(int nr, struct task_struct *p);

/* fork.c / exit.c / signal.c */
int copy_process(struct regs *r);
_Noreturn void do_exit(s32 code);
void release(struct task_struct *p);
void send_sig(struct task_struct *p, int sig);
void do_signal(struct regs *r);

/* traps.c */
void trap_init(void);
void trap_dispatch(struct regs *r);

/* syscall.c */
void syscall_dispatch(struct regs *r);

/* Signals that would act (terminate): not blocked, not ignored, and not SIGCHLD, whose
 * default is to be ignored. SIGKILL always acts. */
static inline u32 signal_pending(struct task_struct *p)
{
	u32 kill = 1u << (PW_SIGKILL - 1);
	return (p->signal & ~p->blocked & ~p->sig_ignored & ~(1u << (PW_SIGCHLD - 1))) |
	       (p->signal & kill);
}

/* user-space access: task-relative address -> kernel pointer (flat kernel segments) */
static inline void *uptr(u32 uaddr) { return (void *)(current->start_code + uaddr); }
int user_ok(u32 uaddr, u32 n);                  /* inside the task's segment */
int copy_to_user(u32 uaddr, const void *src, u32 n);    /* write_verify + copy; -EFAULT */
int copy_from_user(void *dst, u32 uaddr, u32 n);
int strncpy_from_user(char *dst, u32 uaddr, u32 n);     /* length or -errno */

#endif
