/*
 * pw_layout: how an outside observer (pagewalk's monitor and overlay) finds this kernel's
 * memory bookkeeping. Debuggers usually hard-code a kernel's structure layouts; here the
 * kernel says them itself, as data at a known symbol, so the viewers keep working when a
 * structure changes or the allocator chosen at boot uses a different map.
 *
 * The record's format is fixed (guest-kernel/ABI.md, "Introspection"): little-endian u32s.
 */
#include "kernel.h"
#include "mm.h"
#include "sched.h"

#define PW_LAYOUT_MAGIC 0x314C5750	/* "PWL1" */

struct pw_layout {
	u32 magic;
	u32 map_addr, map_elem;		/* the reference counts: address, 1 or 2 bytes each */
	u32 low_mem, npages, used_value;
	u32 task_array, nr_tasks, current;
	u32 off_state, off_pid, off_ppid, off_start_code, off_end_data, off_brk, off_comm;
	u32 comm_len;
	u32 slot_size;
};

struct pw_layout pw_layout;

/* Called by mem_init once the allocator is chosen: map is the array the allocator counts
 * in (the byte map, or the 16-bit map of alloc=short). */
void pw_layout_init(const void *map, u32 elem)
{
	pw_layout.map_addr = (u32)map;
	pw_layout.map_elem = elem;
	pw_layout.low_mem = LOW_MEM;
	pw_layout.npages = PAGING_PAGES;
	pw_layout.used_value = USED;
	pw_layout.task_array = (u32)task;
	pw_layout.nr_tasks = NR_TASKS;
	pw_layout.current = (u32)&current;
	pw_layout.off_state = __builtin_offsetof(struct task_struct, state);
	pw_layout.off_pid = __builtin_offsetof(struct task_struct, pid);
	pw_layout.off_ppid = __builtin_offsetof(struct task_struct, ppid);
	pw_layout.off_start_code = __builtin_offsetof(struct task_struct, start_code);
	pw_layout.off_end_data = __builtin_offsetof(struct task_struct, end_data);
	pw_layout.off_brk = __builtin_offsetof(struct task_struct, brk);
	pw_layout.off_comm = __builtin_offsetof(struct task_struct, comm);
	pw_layout.comm_len = sizeof(((struct task_struct *)0)->comm);
	pw_layout.slot_size = 64u << 20;
	pw_layout.magic = PW_LAYOUT_MAGIC;	/* last: the record is complete */
}
