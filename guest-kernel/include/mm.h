/*
 * mm.h - physical pages and the paging structures (kernel/mm/).
 *
 *   linear address:  | 31..22 PDX | 21..12 PTX | 11..0 offset |
 *
 * One page directory at physical 0 is shared by every task; task nr owns the 64 MiB
 * slice nr*64 MiB .. (nr+1)*64 MiB - 1, i.e. directory entries 16*nr .. 16*nr+15.
 */
#ifndef MM_H
#define MM_H
#include "kernel.h"

#define PAGE_SIZE      4096
#define LOW_MEM        0x100000
#define PAGING_MEMORY  (15 * 1024 * 1024)
#define PAGING_PAGES   (PAGING_MEMORY >> 12)       /* 3840 */
#define MAP_NR(addr)   (((addr) - LOW_MEM) >> 12)
#define USED           100

#define PTE_P   0x001
#define PTE_RW  0x002
#define PTE_US  0x004
#define PTE_A   0x020
#define PTE_D   0x040
#define PTE_FLAGS_USER 7

/* physical (= linear) 0; an absolute symbol from head.S, so the compiler cannot see a
 * null pointer here */
extern u32 pg_dir[1024];

extern unsigned char mem_map[PAGING_PAGES];
/* pw_layout.c: the description outside viewers read (ABI.md, "Introspection") */
void pw_layout_init(const void *map, u32 elem);
extern u32 HIGH_MEMORY;
extern u32 buffer_memory_end;

enum alloc_mode { ALLOC_BYTE, ALLOC_SHORT, ALLOC_BUDDY };
enum inval_mode { INVAL_CR3, INVAL_INVLPG, INVAL_NONE };
extern int mm_alloc_mode, mm_inval_mode, mm_write_verify_on, mm_memcheck_on;

struct mm_stats {
	u32 wp_reuse, wp_copy, np_zero, np_shared, np_read, oom_kills, invalidations;
};
extern struct mm_stats mm_stats;

/* alloc.c: the three page allocators behind one interface */
void mem_init(u32 start_mem, u32 end_mem);
u32 get_free_page(void);
void free_page(u32 addr);
void page_ref(u32 addr);        /* count + 1 (a new reference to a shared page) */
u32 page_count(u32 addr);       /* count of a frame in the paging area */
u32 nr_free_pages(void);
const char *alloc_name(void);
void alloc_select(void);        /* reads alloc= from the command line */

/* memory.c: 0.11's memory model */
void mm_options(void);
void calc_mem(void);
void invalidate(void);                  /* end of a batch of PTE changes: full flush (cr3 mode) */
void invalidate_page(u32 linear);       /* one PTE changed: invlpg in invlpg mode */
int copy_page_tables(u32 from, u32 to, u32 size);
int free_page_tables(u32 from, u32 size);
u32 put_page(u32 page, u32 address);
void un_wp_page(u32 *pte, u32 linear);
void do_wp_page(u32 error_code, u32 address);
void do_no_page(u32 error_code, u32 address);
void write_verify(u32 linear);
void get_empty_page(u32 address);
void verify_area(u32 linear, u32 size);
u32 *pte_lookup(u32 linear);            /* NULL when no page table */
void mem_check(const char *when);       /* memcheck=on invariant */

#endif
