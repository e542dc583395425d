/*
 * alloc.c - the physical page allocator, chosen at boot with alloc=:
 *
 *   byte  (default) Linux 0.11: mem_map, one byte count per page, scanned from the top
 *         with `std; repne scasb` for a free (0) entry.
 *   short Linux 0.01: the same over 16-bit counts with `repne scasw`. The byte mem_map
 *         mirrors the counts so debuggers and the page-map view read one array.
 *   buddy modern Linux: free lists for orders 0..10; allocation splits the smallest
 *         free block that fits, freeing merges with the buddy (index XOR 2^order) while
 *         the buddy is a free block of the same order. Counts stay in mem_map.
 *
 * mem_map[i] describes physical page LOW_MEM + i*4096; USED marks pages never handed out
 * (the buffer cache, memory holes, pages beyond the end of RAM).
 */
#include "mm.h"

unsigned char mem_map[PAGING_PAGES];
static u16 mem_map16[PAGING_PAGES];
u32 HIGH_MEMORY;
int mm_alloc_mode = ALLOC_BYTE;

#define MAX_ORDER 11
#define NONE 0xFFFF
static u16 free_head[MAX_ORDER];
static u16 bnext[PAGING_PAGES], bprev[PAGING_PAGES];
static u8 border[PAGING_PAGES];         /* order of the free block starting here, or 0xFF */

void alloc_select(void)
{
	if (cmdline_is("alloc", "short"))
		mm_alloc_mode = ALLOC_SHORT;
	else if (cmdline_is("alloc", "buddy"))
		mm_alloc_mode = ALLOC_BUDDY;
	else
		mm_alloc_mode = ALLOC_BYTE;
}

const char *alloc_name(void)
{
	static const char *const names[] = { "byte", "short", "buddy" };
	return names[mm_alloc_mode];
}

static void buddy_push(u32 i, u32 order)
{
	bprev[i] = NONE;
	bnext[i] = free_head[order];
	if (free_head[order] != NONE)
		bprev[free_head[order]] = i;
	free_head[order] = i;
	border[i] = order;
}

static void buddy_remove(u32 i, u32 order)
{
	if (bprev[i] != NONE)
		bnext[bprev[i]] = bnext[i];
	else
		free_head[order] = bnext[i];
	if (bnext[i] != NONE)
		bprev[bnext[i]] = bprev[i];
	border[i] = 0xFF;
}

/* Returns the first page index of a free 2^order block, or NONE. */
static u32 buddy_alloc(u32 order)
{
	u32 k = order;
	while (k < MAX_ORDER && free_head[k] == NONE)
		k++;
	if (k == MAX_ORDER)
		return NONE;
	u32 i = free_head[k];
	buddy_remove(i, k);
	while (k > order) {             /* split: the upper half goes back one order down */
		k--;
		buddy_push(i + (1u << k), k);
	}
	return i;
}

static void buddy_free(u32 i, u32 order)
{
	while (order < MAX_ORDER - 1) {
		u32 b = i ^ (1u << order);
		if (b >= PAGING_PAGES || border[b] != order)
			break;
		buddy_remove(b, order);
		if (b < i)
			i = b;
		order++;
	}
	buddy_push(i, order);
}

/* Free pages [first, last) enter the lists as the largest naturally aligned blocks. */
static void buddy_init(u32 first, u32 last)
{
	for (u32 k = 0; k < MAX_ORDER; k++)
		free_head[k] = NONE;
	memset(border, 0xFF, sizeof border);
	for (u32 i = first; i < last;) {
		u32 k = MAX_ORDER - 1;
		while ((i & ((1u << k) - 1)) || i + (1u << k) > last)
			k--;
		buddy_push(i, k);
		i += 1u << k;
	}
}

void mem_init(u32 start_mem, u32 end_mem)
{
	HIGH_MEMORY = end_mem;
	for (u32 i = 0; i < PAGING_PAGES; i++) {
		mem_map[i] = USED;
		mem_map16[i] = USED;
	}
	for (u32 i = MAP_NR(start_mem); i < MAP_NR(end_mem); i++) {
		mem_map[i] = 0;
		mem_map16[i] = 0;
	}
	if (mm_alloc_mode == ALLOC_BUDDY)
		buddy_init(MAP_NR(start_mem), MAP_NR(end_mem));
	/* tell outside viewers which array holds the counts */
	if (mm_alloc_mode == ALLOC_SHORT)
		pw_layout_init(mem_map16, 2);
	else
		pw_layout_init(mem_map, 1);
}

static void zero_page(u32 page)
{
	u32 d0, d1;
	__asm__ volatile("cld; rep stosl" : "=D"(d0), "=c"(d1) : "0"(page), "1"(1024), "a"(0)
			 : "memory");
}

/* 0.11: scan downward from the last entry for a 0 byte; ECX ends as the index found. */
static u32 scan_byte(void)
{
	u32 idx, d0;
	__asm__ volatile(
		"std\n\t"
		"repne scasb\n\t"
		"cld\n\t"
		"jne 1f\n\t"
		"movb $1, 1(%%edi)\n\t"         /* EDI stopped one entry below the match */
		"jmp 2f\n"
		"1:\tmovl $-1, %%ecx\n"
		"2:"
		: "=c"(idx), "=D"(d0)
		: "0"(PAGING_PAGES), "1"((u32)(mem_map + PAGING_PAGES - 1)), "a"(0)
		: "memory", "cc");
	return idx;
}

/* 0.01: the same over 16-bit counts. */
static u32 scan_short(void)
{
	u32 idx, d0;
	__asm__ volatile(
		"std\n\t"
		"repne scasw\n\t"
		"cld\n\t"
		"jne 1f\n\t"
		"movw $1, 2(%%edi)\n\t"
		"jmp 2f\n"
		"1:\tmovl $-1, %%ecx\n"
		"2:"
		: "=c"(idx), "=D"(d0)
		: "0"(PAGING_PAGES), "1"((u32)(mem_map16 + PAGING_PAGES - 1)), "a"(0)
		: "memory", "cc");
	if (idx != (u32)-1)
		mem_map[idx] = 1;
	return idx;
}

/* Returns the physical address of a zeroed page with count 1, or 0 when none is free. */
u32 get_free_page(void)
{
	u32 idx;
	if (mm_alloc_mode == ALLOC_SHORT)
		idx = scan_short();
	else if (mm_alloc_mode == ALLOC_BUDDY) {
		idx = buddy_alloc(0);
		if (idx == NONE)
			idx = (u32)-1;
		else {
			if (mem_map[idx])
				panic("buddy: page %u handed out twice", idx);
			mem_map[idx] = 1;
		}
	} else
		idx = scan_byte();
	if (idx == (u32)-1)
		return 0;
	u32 page = LOW_MEM + (idx << 12);
	zero_page(page);
	return page;
}

void free_page(u32 addr)
{
	if (addr < LOW_MEM)
		return;
	if (addr >= HIGH_MEMORY)
		panic("trying to free nonexistent page %p", addr);
	u32 i = MAP_NR(addr);
	if (mm_alloc_mode == ALLOC_SHORT) {
		if (!mem_map16[i])
			panic("trying to free free page %p", addr);
		mem_map16[i]--;
		mem_map[i] = mem_map16[i] > 255 ? 255 : mem_map16[i];
		return;
	}
	if (!mem_map[i])
		panic("trying to free free page %p", addr);
	if (--mem_map[i] == 0 && mm_alloc_mode == ALLOC_BUDDY)
		buddy_free(i, 0);
}

void page_ref(u32 addr)
{
	u32 i = MAP_NR(addr);
	if (mm_alloc_mode == ALLOC_SHORT) {
		mem_map16[i]++;
		mem_map[i] = mem_map16[i] > 255 ? 255 : mem_map16[i];
	} else
		mem_map[i]++;
}

u32 page_count(u32 addr)
{
	if (addr < LOW_MEM || addr >= HIGH_MEMORY)
		return 0;
	u32 i = MAP_NR(addr);
	return mm_alloc_mode == ALLOC_SHORT ? mem_map16[i] : mem_map[i];
}

u32 nr_free_pages(void)
{
	u32 n = 0;
	for (u32 i = 0; i < PAGING_PAGES; i++)
		if ((mm_alloc_mode == ALLOC_SHORT ? mem_map16[i] : mem_map[i]) == 0)
			n++;
	return n;
}
