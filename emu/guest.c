#include "emu/guest.h"

#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"

/* Linux 0.11's task_struct (include/linux/sched.h), for kernels described only by a
 * System.map: state, counter, priority, signal (4 longs, 0x00-0x0F), sigaction[32] (16 bytes
 * each, 0x10-0x20F), blocked 0x210, exit_code 0x214, start_code 0x218, end_code 0x21C,
 * end_data 0x220, brk 0x224, start_stack 0x228, pid 0x22C, father 0x230. It has no name
 * field. mem_map is a byte per page from LOW_MEM = 1 MiB, PAGING_PAGES = 3840, USED = 100. */
static const struct guest_layout_image linux011 = {
    .magic = GUEST_LAYOUT_MAGIC,
    .map_elem = 1,
    .low_mem = 0x100000,
    .npages = 3840,
    .used_value = 100,
    .nr_tasks = 64,
    .off_state = 0,
    .off_start_code = 0x218,
    .off_end_data = 0x220,
    .off_brk = 0x224,
    .off_pid = 0x22C,
    .off_ppid = 0x230,
    .comm_len = 0,
    .slot_size = 64u << 20,
};

static bool rd32(struct guest *g, uint32_t lin, uint32_t *v)
{
    return cpu_peek_lin(g->cpu, lin, v, 4);
}

int guest_init(struct guest *g, struct cpu *cpu, const struct symtab *syms)
{
    memset(g, 0, sizeof *g);
    g->cpu = cpu;
    g->syms = syms;
    if (!syms || !syms->n) {
        snprintf(g->why, sizeof g->why, "no guest symbols (give --symbols kernel.elf or System.map)");
        return -1;
    }
    uint32_t a;
    if (symtab_lookup(syms, "pw_layout", &a, NULL) == 0) {
        g->layout_addr = a;
        g->have_layout = true;
        return 0;
    }
    uint32_t mm, task, cur;
    if (symtab_lookup(syms, "mem_map", &mm, NULL) == 0 && symtab_lookup(syms, "task", &task, NULL) == 0) {
        g->l = linux011;
        g->l.map_addr = mm;
        g->l.task_array = task;
        g->l.current = symtab_lookup(syms, "current", &cur, NULL) == 0 ? cur : 0;
        g->have_layout = true;
        return 0;
    }
    snprintf(g->why, sizeof g->why, "the symbols have neither pw_layout nor mem_map + task");
    return -1;
}

bool guest_refresh(struct guest *g)
{
    if (!g->have_layout)
        return false;
    if (!g->layout_addr)
        return true;
    struct guest_layout_image l;
    if (!cpu_peek_lin(g->cpu, g->layout_addr, &l, sizeof l) || l.magic != GUEST_LAYOUT_MAGIC) {
        snprintf(g->why, sizeof g->why, "pw_layout at 0x%08x is not readable yet (kernel not started?)",
                 g->layout_addr);
        return false;
    }
    if ((l.map_elem != 1 && l.map_elem != 2) || l.npages > (1u << 20) || l.nr_tasks > 1024) {
        snprintf(g->why, sizeof g->why, "pw_layout at 0x%08x holds implausible values", g->layout_addr);
        return false;
    }
    g->l = l;
    return true;
}

uint32_t guest_read_counts(struct guest *g, uint16_t *counts, uint32_t max)
{
    if (!guest_refresh(g) || !g->l.map_addr)
        return 0;
    uint32_t n = g->l.npages < max ? g->l.npages : max;
    uint32_t bytes = n * g->l.map_elem;
    uint8_t *buf = malloc(bytes ? bytes : 1);
    if (!buf)
        return 0;
    if (!cpu_peek_lin(g->cpu, g->l.map_addr, buf, bytes)) {
        free(buf);
        snprintf(g->why, sizeof g->why, "mem_map at 0x%08x is not readable", g->l.map_addr);
        return 0;
    }
    for (uint32_t i = 0; i < n; i++)
        counts[i] = g->l.map_elem == 1 ? buf[i] : (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
    free(buf);
    return n;
}

int guest_read_tasks(struct guest *g, struct guest_task *out, int max)
{
    if (!guest_refresh(g) || !g->l.task_array)
        return 0;
    uint32_t cur = 0;
    if (g->l.current)
        rd32(g, g->l.current, &cur);
    int n = 0;
    for (uint32_t i = 0; i < g->l.nr_tasks && n < max; i++) {
        uint32_t p;
        if (!rd32(g, g->l.task_array + 4 * i, &p) || !p)
            continue;
        struct guest_task *t = &out[n];
        memset(t, 0, sizeof *t);
        t->slot = (int)i;
        t->addr = p;
        uint32_t v;
        if (rd32(g, p + g->l.off_state, &v)) t->state = (int32_t)v;
        if (rd32(g, p + g->l.off_pid, &v)) t->pid = (int32_t)v;
        if (rd32(g, p + g->l.off_ppid, &v)) t->ppid = (int32_t)v;
        rd32(g, p + g->l.off_start_code, &t->start_code);
        rd32(g, p + g->l.off_end_data, &t->end_data);
        rd32(g, p + g->l.off_brk, &t->brk);
        if (g->l.comm_len) {
            uint32_t len = g->l.comm_len < 16 ? g->l.comm_len : 16;
            if (!cpu_peek_lin(g->cpu, p + g->l.off_comm, t->comm, len))
                t->comm[0] = 0;
            t->comm[len] = 0;
        }
        t->current = p == cur;
        n++;
    }
    return n;
}

/* One page directory for everyone (0.11): slot k covers PDEs [k*16, k*16+16). Task 0's slot
 * is the kernel's identity map and is not counted. */
static void for_each_user_pte(struct guest *g, void (*fn)(void *, uint32_t pde_i, uint32_t pte_i, uint32_t pde,
                                                          uint32_t pte), void *opaque)
{
    struct phys *ph = g->cpu->mmu->phys;
    uint32_t pd = g->cpu->cr3 & PAGE_MASK;
    uint32_t first = g->l.slot_size ? g->l.slot_size >> 22 : 16;
    for (uint32_t i = first; i < 1024; i++) {
        uint32_t pde = phys_read(ph, pd + 4 * i, 4);
        if (!(pde & PTE_P))
            continue;
        fn(opaque, i, 1024, pde, 0); /* the table itself */
        for (uint32_t j = 0; j < 1024; j++) {
            uint32_t pte = phys_read(ph, (pde & PAGE_MASK) + 4 * j, 4);
            if (pte & PTE_P)
                fn(opaque, i, j, pde, pte);
        }
    }
}

struct refs_ctx {
    struct guest *g;
    uint16_t *refs;
    uint8_t *is_table;
    uint32_t npages;
};

static void count_one(void *opaque, uint32_t pde_i, uint32_t pte_i, uint32_t pde, uint32_t pte)
{
    struct refs_ctx *r = opaque;
    uint32_t frame = pte_i == 1024 ? pde & PAGE_MASK : pte & PAGE_MASK;
    if (frame < r->g->l.low_mem)
        return;
    uint32_t idx = (frame - r->g->l.low_mem) >> PAGE_SHIFT;
    if (idx >= r->npages)
        return;
    if (pte_i == 1024)
        r->is_table[idx] = 1;
    else if (r->refs[idx] < 0xFFFF)
        r->refs[idx]++;
}

void guest_count_refs(struct guest *g, uint16_t *refs, uint8_t *is_table, uint32_t npages)
{
    memset(refs, 0, npages * sizeof *refs);
    memset(is_table, 0, npages);
    struct refs_ctx r = {g, refs, is_table, npages};
    for_each_user_pte(g, count_one, &r);
}

int guest_memcheck(struct guest *g, FILE *out)
{
    if (!guest_refresh(g)) {
        fprintf(out, "memcheck: %s\n", g->why);
        return -1;
    }
    uint32_t n = g->l.npages;
    uint16_t *counts = calloc(n, sizeof *counts), *refs = calloc(n, sizeof *refs);
    uint8_t *table = calloc(n, 1), *kobj = calloc(n, 1);
    if (!counts || !refs || !table || !kobj || guest_read_counts(g, counts, n) != n) {
        fprintf(out, "memcheck: %s\n", g->why[0] ? g->why : "out of memory");
        free(counts), free(refs), free(table), free(kobj);
        return -1;
    }
    guest_count_refs(g, refs, table, n);
    /* Kernel objects that hold a count but no PTE: each task's own page (task struct and
     * kernel stack). */
    struct guest_task tasks[64];
    int nt = guest_read_tasks(g, tasks, 64);
    for (int i = 0; i < nt; i++)
        if (tasks[i].addr >= g->l.low_mem && ((tasks[i].addr - g->l.low_mem) >> PAGE_SHIFT) < n)
            kobj[(tasks[i].addr - g->l.low_mem) >> PAGE_SHIFT] = 1;
    int bad = 0;
    uint32_t used = 0, mapped = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (counts[i] == g->l.used_value) {
            used++;
            continue;
        }
        uint32_t expect = refs[i] + table[i] + kobj[i];
        mapped += refs[i] != 0;
        if (counts[i] != expect) {
            if (bad < 20)
                fprintf(out, "  frame 0x%08x: mem_map says %u, the tables explain %u (%u PTE%s%s%s)\n",
                        g->l.low_mem + (i << PAGE_SHIFT), counts[i], expect, refs[i], refs[i] == 1 ? "" : "s",
                        table[i] ? " + page table" : "", kobj[i] ? " + task struct" : "");
            bad++;
        }
    }
    fprintf(out, "memcheck: %u pages checked (%u reserved), %u mapped by user page tables, %d disagree%s\n", n,
            used, mapped, bad, bad > 20 ? " (first 20 shown)" : "");
    free(counts), free(refs), free(table), free(kobj);
    return bad;
}

struct who_ctx {
    uint32_t frame;
    uint32_t *lin;
    int *slot;
    int max, n;
    uint32_t slot_pdes;
};

static void who_one(void *opaque, uint32_t pde_i, uint32_t pte_i, uint32_t pde, uint32_t pte)
{
    struct who_ctx *w = opaque;
    if (pte_i == 1024 || (pte & PAGE_MASK) != w->frame || w->n >= w->max)
        return;
    w->lin[w->n] = (pde_i << 22) | (pte_i << 12);
    w->slot[w->n] = (int)(pde_i / w->slot_pdes);
    w->n++;
}

int guest_who_maps(struct guest *g, uint32_t frame, uint32_t *lin, int *task_slot, int max)
{
    if (!guest_refresh(g))
        return 0;
    struct who_ctx w = {frame & PAGE_MASK, lin, task_slot, max, 0, g->l.slot_size ? g->l.slot_size >> 22 : 16};
    for_each_user_pte(g, who_one, &w);
    return w.n;
}
