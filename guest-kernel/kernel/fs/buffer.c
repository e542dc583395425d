/*
 * buffer.c - the buffer cache: 1 KiB file-system blocks kept between LOW_MEM and
 * buffer_memory_end (those pages are USED in mem_map). Least recently used is replaced.
 * Read-only file system and synchronous disk reads: no dirty buffers, no locking.
 */
#include "fs.h"

#define MAX_BUFFERS 1024

struct buffer_head {
	u32 block;              /* file-system block number + 1, 0 = empty */
	u32 last_use;
	u8 *data;
};

static struct buffer_head buffers[MAX_BUFFERS];
static u32 nr_buffers, use_clock;
u32 fs_start_lba;               /* partition 1 start, from the MBR */

void buffer_init(u32 start, u32 end)
{
	for (u32 a = start; a + BLOCK_SIZE <= end && nr_buffers < MAX_BUFFERS; a += BLOCK_SIZE)
		buffers[nr_buffers++].data = (u8 *)a;
	printk("%u buffers = %u bytes buffer space\n", nr_buffers, nr_buffers * BLOCK_SIZE);
}

u8 *bread(u32 block)
{
	struct buffer_head *victim = &buffers[0];
	for (u32 i = 0; i < nr_buffers; i++) {
		struct buffer_head *b = &buffers[i];
		if (b->block == block + 1) {
			b->last_use = ++use_clock;
			return b->data;
		}
		if (b->last_use < victim->last_use)
			victim = b;
	}
	victim->block = 0;
	if (hd_read(fs_start_lba + block * 2, 2, victim->data) < 0)
		return NULL;
	victim->block = block + 1;
	victim->last_use = ++use_clock;
	return victim->data;
}
