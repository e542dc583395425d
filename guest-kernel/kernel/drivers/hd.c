/*
 * hd.c - ATA PIO on the primary channel (ports 0x1F0-0x1F7, control 0x3F6), LBA28, master.
 *
 * Polled: nIEN is set so IRQ14 never fires, and each sector is taken when the status
 * register shows BSY clear and DRQ set (ATA-1 PIO data-in protocol). The kernel is not
 * preemptive and a read finishes before anything else runs, so the buffer cache needs
 * no locks.
 */
#include "kernel.h"

#define ATA_DATA   0x1F0
#define ATA_COUNT  0x1F2
#define ATA_LBA0   0x1F3
#define ATA_LBA1   0x1F4
#define ATA_LBA2   0x1F5
#define ATA_DRIVE  0x1F6
#define ATA_STATUS 0x1F7
#define ATA_CMD    0x1F7
#define ATA_CTRL   0x3F6

#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF  0x20
#define ST_BSY 0x80

static int wait_not_busy(void)
{
	for (u32 i = 0; i < 10000000; i++) {
		u8 s = inb(ATA_STATUS);
		if (!(s & ST_BSY))
			return s;
	}
	return -1;
}

void hd_init(void)
{
	outb(0x02, ATA_CTRL);           /* nIEN: no interrupts, we poll */
	const u8 *p = BP_HD0_PARAMS;
	printk("hd0: BIOS geometry %u cylinders, %u heads, %u sectors\n",
	       p[0] | (p[1] << 8), p[2], p[14]);
}

int hd_read(u32 lba, u32 count, void *buf)
{
	if (wait_not_busy() < 0)
		return -1;
	outb(0xE0 | ((lba >> 24) & 0x0F), ATA_DRIVE);
	outb(count, ATA_COUNT);
	outb(lba & 0xFF, ATA_LBA0);
	outb((lba >> 8) & 0xFF, ATA_LBA1);
	outb((lba >> 16) & 0xFF, ATA_LBA2);
	outb(0x20, ATA_CMD);            /* READ SECTORS */
	for (u32 n = 0; n < count; n++) {
		(void)inb(ATA_CTRL);    /* alternate status reads: the 400 ns settle */
		(void)inb(ATA_CTRL);
		(void)inb(ATA_CTRL);
		(void)inb(ATA_CTRL);
		int s = wait_not_busy();
		if (s < 0 || (s & (ST_ERR | ST_DF)) || !(s & ST_DRQ)) {
			printk("hd: read error lba %u status %x\n", lba + n, s);
			return -1;
		}
		insw(ATA_DATA, (u8 *)buf + n * 512, 256);
	}
	return 0;
}
