/*
 * memory.c - Linux 0.11's memory model (see docs and include/mm.h): sharing page tables
 * copy-on-write at fork, freeing them at exit, and the two page-fault paths.
 *
 *   write to a present read-only page  -> do_wp_page -> un_wp_page (reuse if count 1, else copy)
 *   access to a not-present page       -> do_no_page -> zero page | share | read from executable
 */
#include "mm.h"
#include "sched.h"
#include "fs.h"

struct mm_stats mm_stats;
int mm_inval_mode = INVAL_CR3;
int mm_write_verify_on = 1;
int mm_memcheck_on;

/* The AC flag (EFLAGS bit 18) exists from the 486 on: a 386 will not let it be set. */
static int cpu_is_486(void)
{
	u32 diff;
	__asm__ volatile(
		"pushfl\n\tpopl %%eax\n\tmovl %%eax, %%ecx\n\t"
		"xorl $0x40000, %%eax\n\tpushl %%eax\n\tpopfl\n\t"
		"pushfl\n\tpopl %%eax\n\tpushl %%ecx\n\tpopfl\n\t"
		"xorl %%ecx, %%eax\n\tandl $0x40000, %%eax"
		: "=a"(diff) :: "ecx", "cc");
	return diff != 0;
}

void mm_options(void)
{
	if (cmdline_is("invalidate", "none"))
		mm_inval_mode = INVAL_NONE;
	else if (cmdline_is("invalidate", "invlpg")) {
		if (cpu_is_486())
			mm_inval_mode = INVAL_INVLPG;
		else
			printk("invalidate=invlpg needs a 486 (no AC flag): using cr3\n");
	}
	if (cmdline_is("write_verify", "off"))
		mm_write_verify_on = 0;
	if (cmdline_is("memcheck", "on"))
		mm_memcheck_on = 1;
}

/* Reloading CR3 flushes every TLB entry (PRM 5.2.5): 0.11's invalidate(). */
void invalidate(void)
{
	if (mm_inval_mode != INVAL_CR3)
		return;
	mm_stats.invalidations++;
	__asm__ volatile("movl %0, %%cr3" :: "r"(0) : "memory");
}

/* The 486's INVLPG drops one page's entry (i486 PRM 10.5.5). */
void invalidate_page(u32 linear)
{
	if (mm_inval_mode != INVAL_INVLPG)
		return;
	mm_stats.invalidations++;
	__asm__ volatile("invlpg (%0)" :: "r"(linear) : "memory");
}

u32 *pte_lookup(u32 linear)
{
	u32 pde = pg_dir[linear >> 22];
	if (!(pde & PTE_P))
		return NULL;
	return (u32 *)(pde & ~0xFFFu) + ((linear >> 12) & 0x3FF);
}

static _Noreturn void oom(void)
{
	printk("out of memory\n");
	mm_stats.oom_kills++;
	do_exit(PW_SIGSEGV);
}

/* Print the free count and, for each present directory entry from 2 up, how many
 * present entries its table has (0.11's calc_mem). */
void calc_mem(void)
{
	printk("%u pages free (of %u)\n", nr_free_pages(), (HIGH_MEMORY - LOW_MEM) >> 12);
	for (u32 i = 2; i < 1024; i++) {
		if (!(pg_dir[i] & PTE_P))
			continue;
		u32 *pt = (u32 *)(pg_dir[i] & ~0xFFFu), k = 0;
		for (u32 j = 0; j < 1024; j++)
			if (pt[j] & PTE_P)
				k++;
		printk("Pg-dir[%u] uses %u pages\n", i, k);
	}
}

/*
 * fork: share every present page of [from, from+size) with [to, to+size), read-only in
 * both, counts + 1, so the first write to either copy faults into un_wp_page. Copying
 * from linear 0 (task 0, the kernel's own map) takes only the first 640 KiB and leaves
 * them writable in the parent: low memory is never copy-on-write for the kernel.
 */
int copy_page_tables(u32 from, u32 to, u32 size)
{
	if ((from & 0x3FFFFF) || (to & 0x3FFFFF))
		panic("copy_page_tables called with wrong alignment");
	u32 *from_dir = pg_dir + (from >> 22), *to_dir = pg_dir + (to >> 22);
	u32 ndir = (size + 0x3FFFFF) >> 22;
	for (u32 d = 0; d < ndir; d++, from_dir++, to_dir++) {
		if (*to_dir & PTE_P)
			panic("copy_page_tables: already exist");
		if (!(*from_dir & PTE_P))
			continue;
		u32 *from_pt = (u32 *)(*from_dir & ~0xFFFu);
		u32 *to_pt = (u32 *)get_free_page();
		if (!to_pt)
			return -1;
		*to_dir = (u32)to_pt | PTE_FLAGS_USER;
		u32 n = from == 0 ? 0xA0 : 1024;
		for (u32 j = 0; j < n; j++) {
			u32 e = from_pt[j];
			if (!(e & PTE_P))
				continue;
			e &= ~PTE_RW;
			to_pt[j] = e;
			if ((e & ~0xFFFu) >= LOW_MEM) {
				from_pt[j] = e;
				page_ref(e & ~0xFFFu);
				invalidate_page(from + (d << 22) + (j << 12));
			}
		}
	}
	invalidate();
	return 0;
}

/* exit/exec: free every page mapped in [from, from+size) and the tables themselves. */
int free_page_tables(u32 from, u32 size)
{
	if (from & 0x3FFFFF)
		panic("free_page_tables called with wrong alignment");
	if (!from)
		panic("Trying to free up swapper memory space");
	u32 *dir = pg_dir + (from >> 22);
	u32 ndir = (size + 0x3FFFFF) >> 22;
	for (u32 d = 0; d < ndir; d++, dir++) {
		if (!(*dir & PTE_P))
			continue;
		u32 *pt = (u32 *)(*dir & ~0xFFFu);
		for (u32 j = 0; j < 1024; j++) {
			if (pt[j] & PTE_P) {
				free_page(pt[j] & ~0xFFFu);
				invalidate_page(from + (d << 22) + (j << 12));
			}
			pt[j] = 0;
		}
		free_page((u32)pt);
		*dir = 0;
	}
	/* invalidate=none keeps this one flush: exec maps its new stack where the old one
	 * was, and a stale entry there would kill every program before it starts. The bug on
	 * show is the missing flush after permission changes (fork, COW, sharing). */
	if (mm_inval_mode == INVAL_NONE)
		__asm__ volatile("movl %0, %%cr3" :: "r"(0) : "memory");
	invalidate();
	return 0;
}

/* Map page at linear address. A not-present entry is never cached by the TLB, so no
 * invalidation is needed. Returns page, or 0 when a page table could not be had. */
u32 put_page(u32 page, u32 address)
{
	if (page < LOW_MEM || page >= HIGH_MEMORY)
		printk("Trying to put page %p at %p\n", page, address);
	else if (page_count(page) != 1)
		printk("mem_map disagrees with %p at %p\n", page, address);
	u32 *pde = &pg_dir[address >> 22], *pt;
	if (*pde & PTE_P)
		pt = (u32 *)(*pde & ~0xFFFu);
	else {
		u32 t = get_free_page();
		if (!t)
			return 0;
		*pde = t | PTE_FLAGS_USER;
		pt = (u32 *)t;
	}
	pt[(address >> 12) & 0x3FF] = page | PTE_FLAGS_USER;
	return page;
}

/* Write to a shared read-only page: the last user keeps it, the others get a copy. */
void un_wp_page(u32 *pte, u32 linear)
{
	u32 old = *pte & ~0xFFFu;
	if (old >= LOW_MEM && page_count(old) == 1) {
		*pte |= PTE_RW;
		mm_stats.wp_reuse++;
		invalidate_page(linear);
		invalidate();
		return;
	}
	u32 new = get_free_page();
	if (!new)
		oom();
	if (old >= LOW_MEM)
		free_page(old);         /* count >= 2 here: only drops our reference */
	*pte = new | PTE_FLAGS_USER;
	mm_stats.wp_copy++;
	invalidate_page(linear);
	invalidate();
	memcpy((void *)new, (void *)old, PAGE_SIZE);
}

void do_wp_page(u32 error_code, u32 address)
{
	u32 *pte = pte_lookup(address);
	if (!pte || !(*pte & PTE_P))
		panic("do_wp_page: no page at %p", address);
	un_wp_page(pte, address & ~0xFFFu);
}

/*
 * The 386 ignores R/W in ring 0, so a kernel write into user memory would land in a page
 * still shared copy-on-write. Check first. Not-present pages are faulted in before the
 * check, so a page that do_no_page shares read-only is also split before the write.
 */
void write_verify(u32 linear)
{
	u32 *pte = pte_lookup(linear);
	if (!pte || !(*pte & PTE_P)) {
		do_no_page(2, linear);
		pte = pte_lookup(linear);
	}
	if ((*pte & (PTE_P | PTE_RW)) == PTE_P)
		un_wp_page(pte, linear & ~0xFFFu);
}

void verify_area(u32 linear, u32 size)
{
	if (!mm_write_verify_on || !size)
		return;
	for (u32 a = linear & ~0xFFFu; a < linear + size; a += PAGE_SIZE)
		write_verify(a);
}

void get_empty_page(u32 address)
{
	u32 page = get_free_page();
	if (!page || !put_page(page, address)) {
		free_page(page);
		oom();
	}
}

/* Take p's page at task offset addr if it is present and clean: both read-only. */
static int try_to_share(u32 addr, struct task_struct *p)
{
	u32 from = p->start_code + addr, to = current->start_code + addr;
	u32 *from_pte = pte_lookup(from);
	if (!from_pte || (*from_pte & (PTE_P | PTE_D)) != PTE_P)
		return 0;
	u32 phys = *from_pte & ~0xFFFu;
	if (phys < LOW_MEM || phys >= HIGH_MEMORY)
		return 0;
	u32 *pde = &pg_dir[to >> 22];
	if (!(*pde & PTE_P)) {
		u32 t = get_free_page();
		if (!t)
			return 0;
		*pde = t | PTE_FLAGS_USER;
	}
	u32 *to_pte = pte_lookup(to);
	if (*to_pte & PTE_P)
		panic("try_to_share: to_page already exists");
	*from_pte &= ~PTE_RW;
	*to_pte = *from_pte;
	invalidate_page(from);
	invalidate();
	page_ref(phys);
	return 1;
}

static int share_page(u32 addr)
{
	struct m_inode *exe = current->executable;
	if (!exe || exe->i_count < 2)
		return 0;
	for (int i = 0; i < NR_TASKS; i++) {
		struct task_struct *p = task[i];
		if (!p || p == current || p->executable != exe || p->state == TASK_ZOMBIE)
			continue;
		if (try_to_share(addr, p))
			return 1;
	}
	return 0;
}

/* Demand paging: zero page past the end of data, else share, else read the executable
 * (file offset 1024 + addr: blocks 1 + addr/1024 .. +3, see ABI.md). */
void do_no_page(u32 error_code, u32 address)
{
	address &= ~0xFFFu;
	if (address < current->start_code || address - current->start_code >= TASK_SIZE) {
		if (!(error_code & 4))
			panic("page fault at %p outside task %d", address, current->nr);
		printk("segfault: pid %d at %p\n", current->pid, address);
		do_exit(PW_SIGSEGV);
	}
	u32 tmp = address - current->start_code;
	if (!current->executable || tmp >= current->end_data) {
		get_empty_page(address);
		mm_stats.np_zero++;
		return;
	}
	if (share_page(tmp)) {
		mm_stats.np_shared++;
		return;
	}
	u32 page = get_free_page();
	if (!page)
		oom();
	u32 block = 1 + tmp / BLOCK_SIZE;
	for (u32 i = 0; i < 4; i++) {
		u32 nr = bmap(current->executable, block + i);
		if (!nr)
			continue;               /* hole or past the end: stays zero */
		u8 *b = bread(nr);
		if (!b) {
			free_page(page);
			printk("I/O error paging in pid %d\n", current->pid);
			do_exit(PW_SIGSEGV);
		}
		memcpy((u8 *)page + i * BLOCK_SIZE, b, BLOCK_SIZE);
	}
	if (tmp + PAGE_SIZE > current->end_data) {
		u32 keep = current->end_data - tmp;
		memset((u8 *)page + keep, 0, PAGE_SIZE - keep);
	}
	if (put_page(page, address)) {
		mm_stats.np_read++;
		return;
	}
	free_page(page);
	oom();
}
