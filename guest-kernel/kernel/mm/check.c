/*
 * check.c - memcheck=on invariant, and the views behind pw_memstat/pw_tasks/pw_pageinfo.
 *
 * Invariant (after every fork and exit): the sum of all mem_map counts equals the
 * references the kernel can find: one per task page, one per page table in a task slot
 * (directory entries 16..1023; 0..15 are the kernel's identity map), one per present PTE
 * in those tables that maps a frame of the paging area.
 */
#include "mm.h"
#include "sched.h"

void mem_check(const char *when)
{
	if (!mm_memcheck_on)
		return;
	u32 sum = 0, refs = 0;
	for (u32 a = LOW_MEM; a < HIGH_MEMORY; a += PAGE_SIZE) {
		u32 c = page_count(a);
		if (c != USED)
			sum += c;
	}
	for (int i = 1; i < NR_TASKS; i++)
		if (task[i])
			refs++;
	for (u32 d = 16; d < 1024; d++) {
		if (!(pg_dir[d] & PTE_P))
			continue;
		refs++;
		u32 *pt = (u32 *)(pg_dir[d] & ~0xFFFu);
		for (u32 j = 0; j < 1024; j++) {
			u32 f = pt[j] & ~0xFFFu;
			if ((pt[j] & PTE_P) && f >= LOW_MEM && f < HIGH_MEMORY)
				refs++;
		}
	}
	if (sum != refs)
		panic("memcheck after %s: mem_map counts sum to %u, references found %u",
		      when, sum, refs);
}

int sys_memstat(u32 ubuf, u32 b, u32 c)
{
	static struct pw_memstat st;
	memset(&st, 0, sizeof st);
	st.free_pages = nr_free_pages();
	st.paging_pages = (HIGH_MEMORY - LOW_MEM) >> 12;
	st.low_mem = LOW_MEM;
	st.high_mem = HIGH_MEMORY;
	st.buffer_end = buffer_memory_end;
	strncpy(st.allocator, alloc_name(), sizeof st.allocator);
	static const char *const inv[] = { "cr3", "invlpg", "none" };
	strncpy(st.invalidate, inv[mm_inval_mode], sizeof st.invalidate);
	st.write_verify = mm_write_verify_on;
	st.memcheck = mm_memcheck_on;
	st.wp_reuse = mm_stats.wp_reuse;
	st.wp_copy = mm_stats.wp_copy;
	st.np_zero = mm_stats.np_zero;
	st.np_shared = mm_stats.np_shared;
	st.np_read = mm_stats.np_read;
	st.oom_kills = mm_stats.oom_kills;
	st.invalidations = mm_stats.invalidations;
	for (u32 d = 0; d < 1024; d++) {
		if (!(pg_dir[d] & PTE_P)) {
			st.pt_used[d] = PW_PDE_NONE;
			continue;
		}
		u32 *pt = (u32 *)(pg_dir[d] & ~0xFFFu), k = 0;
		for (u32 j = 0; j < 1024; j++)
			if (pt[j] & PTE_P)
				k++;
		st.pt_used[d] = k;
	}
	return copy_to_user(ubuf, &st, sizeof st);
}

int sys_tasks(u32 ubuf, u32 max, u32 c)
{
	int n = 0;
	for (u32 i = 0; i < NR_TASKS && n < (int)max; i++) {
		struct task_struct *p = task[i];
		if (!p)
			continue;
		struct pw_taskinfo ti;
		memset(&ti, 0, sizeof ti);
		ti.nr = i;
		ti.pid = p->pid;
		ti.ppid = p->ppid;
		ti.state = p->state;
		ti.priority = p->priority;
		ti.counter = p->counter;
		ti.brk = p->brk;
		strncpy(ti.name, p->comm, sizeof ti.name - 1);
		if (i) {
			for (u32 d = i * 16; d < i * 16 + 16; d++) {
				if (!(pg_dir[d] & PTE_P))
					continue;
				u32 *pt = (u32 *)(pg_dir[d] & ~0xFFFu);
				for (u32 j = 0; j < 1024; j++) {
					if (!(pt[j] & PTE_P))
						continue;
					ti.pages++;
					if (page_count(pt[j] & ~0xFFFu) > 1)
						ti.shared++;
				}
			}
		}
		int r = copy_to_user(ubuf + n * sizeof ti, &ti, sizeof ti);
		if (r)
			return r;
		n++;
	}
	return n;
}

int sys_pageinfo(u32 uaddr, u32 ubuf, u32 c)
{
	struct pw_pageinfo pi;
	memset(&pi, 0, sizeof pi);
	if (uaddr >= current->seg_limit)
		return -PW_EFAULT;
	pi.linear = current->start_code + uaddr;
	pi.pde = pg_dir[pi.linear >> 22];
	u32 *pte = pte_lookup(pi.linear);
	if (pte) {
		pi.pte = *pte;
		pi.present = *pte & PTE_P;
		pi.writable = !!(*pte & PTE_RW);
		pi.user = !!(*pte & PTE_US);
		pi.accessed = !!(*pte & PTE_A);
		pi.dirty = !!(*pte & PTE_D);
		if (pi.present) {
			pi.phys = *pte & ~0xFFFu;
			pi.count = page_count(pi.phys);
		}
	}
	return copy_to_user(ubuf, &pi, sizeof pi);
}
