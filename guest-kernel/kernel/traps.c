/*
 * traps.c - the IDT, the 8259 pair, the 8254 timer and the one C entry point for every
 * vector (trap_dispatch).
 *
 * Vectors 0-31 are CPU exceptions (Intel 386 PRM table 9-1); the PICs are remapped to
 * 0x20-0x2F so IRQs no longer collide with them; 0x80 is the system call gate, DPL 3 so
 * user code may use it, a trap gate so interrupts stay enabled during system calls.
 */
#include "kernel.h"
#include "sched.h"
#include "mm.h"

u64 idt[256] __attribute__((aligned(8)));
volatile u32 jiffies;

extern char isr0[], isr1[], isr2[], isr3[], isr4[], isr5[], isr6[], isr7[], isr8[], isr9[],
	isr10[], isr11[], isr12[], isr13[], isr14[], isr15[], isr16[], isr17[], isr32[], isr33[],
	isr34[], isr35[], isr36[], isr37[], isr38[], isr39[], isr40[], isr41[], isr42[], isr43[],
	isr44[], isr45[], isr46[], isr47[], isr128[], isr_unknown[];

static char *const stubs[48] = {
	isr0, isr1, isr2, isr3, isr4, isr5, isr6, isr7, isr8, isr9, isr10, isr11, isr12, isr13,
	isr14, isr15, isr16, isr17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	isr32, isr33, isr34, isr35, isr36, isr37, isr38, isr39, isr40, isr41, isr42, isr43,
	isr44, isr45, isr46, isr47,
};

static const char *const exc_names[18] = {
	"divide error", "debug", "nmi", "int3", "overflow", "bounds", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack segment", "general protection", "page fault", "reserved",
	"coprocessor error", "alignment check",
};

/* type: 0x8E interrupt gate DPL 0, 0xEF trap gate DPL 3 (PRM figure 9-3) */
static u64 gate(void *off, u32 type)
{
	u32 o = (u32)off;
	return (u64)(o & 0xFFFF) | ((u64)KERNEL_CS << 16) | ((u64)type << 40) |
	       ((u64)(o >> 16) << 48);
}

static void pic_init(void)
{
	/* ICW1 edge+ICW4, ICW2 base vector, ICW3 cascade on IRQ2, ICW4 8086 mode */
	outb(0x11, 0x20); outb(0x20, 0x21); outb(0x04, 0x21); outb(0x01, 0x21);
	outb(0x11, 0xA0); outb(0x28, 0xA1); outb(0x02, 0xA1); outb(0x01, 0xA1);
	/* unmask timer (0), keyboard (1), cascade (2), COM1 (4); the disk is polled */
	outb(0xE8, 0x21);
	outb(0xFF, 0xA1);
}

static void pit_init(void)
{
	u32 div = (1193182 + HZ / 2) / HZ;
	outb(0x36, 0x43);               /* channel 0, lo/hi, mode 3 */
	outb(div & 0xFF, 0x40);
	outb(div >> 8, 0x40);
}

void trap_init(void)
{
	for (int i = 0; i < 256; i++)
		idt[i] = gate(isr_unknown, 0x8E);
	for (int i = 0; i < 48; i++)
		if (stubs[i])
			idt[i] = gate(stubs[i], 0x8E);
	idt[0x80] = gate(isr128, 0xEF);
	struct { u16 limit; u32 base; } __attribute__((packed)) d = { sizeof idt - 1, (u32)idt };
	__asm__ volatile("lidt %0" :: "m"(d));
	pic_init();
	pit_init();
}

static void do_exception(struct regs *r)
{
	const char *name = r->vec < 18 ? exc_names[r->vec] : "unknown";
	if ((r->cs & 3) == 0)
		panic("%s in kernel: eip=%p err=%x task %d", name, r->eip, r->err, current->nr);
	printk("%s: pid %d eip=%p err=%x, killed\n", name, current->pid, r->eip, r->err);
	send_sig(current, PW_SIGSEGV);
}

static void do_page_fault(struct regs *r)
{
	u32 addr;
	__asm__ volatile("movl %%cr2, %0" : "=r"(addr));
	sti();          /* CR2 is safe now; handling may read the disk */
	if (r->err & 1)
		do_wp_page(r->err, addr);
	else
		do_no_page(r->err, addr);
}

void trap_dispatch(struct regs *r)
{
	u32 v = r->vec;
	if (v == 14)
		do_page_fault(r);
	else if (v < 32 || v == 255)
		do_exception(r);
	else if (v == 0x80)
		syscall_dispatch(r);
	else if (v >= 0x20 && v < 0x30) {
		u32 irq = v - 0x20;
		if (irq >= 8)
			outb(0x20, 0xA0);
		outb(0x20, 0x20);       /* EOI first: do_timer may switch tasks */
		if (irq == 0) {
			jiffies++;
			do_timer(r);
		} else if (irq == 1)
			kbd_intr();
		else if (irq == 4)
			serial_intr();
	}
	/* Back to user mode: reschedule if this task gave up the CPU, then deliver signals. */
	if ((r->cs & 3) == 3) {
		if (current->state != TASK_RUNNING || current->counter == 0)
			schedule();
		if (current->signal)
			do_signal(r);
	}
}
