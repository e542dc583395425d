/*
 * free - the kernel's calc_mem view through pw_memstat(): free pages of the paging area
 * (mem_map entries that are 0), the boot-time choices, the fault counters, and for every
 * present page-directory entry how many present PTEs its table holds. Directory entries
 * 0-3 are the kernel's identity map of the first 16 MiB; task nr owns entries
 * 16*nr .. 16*nr+15 (its 64 MiB slot).
 */
#include "ulib.h"

int main(void)
{
    static struct pw_memstat ms;
    if (pw_memstat(&ms) < 0) {
        perror("free");
        return 1;
    }
    printf("%u pages free (of %u), %u KiB free\n", ms.free_pages, ms.paging_pages, ms.free_pages * 4);
    printf("paging area 0x%08x-0x%08x, buffer cache ends at 0x%08x\n", ms.low_mem, ms.high_mem,
           ms.buffer_end);
    printf("alloc=%s invalidate=%s write_verify=%s memcheck=%s\n", ms.allocator, ms.invalidate,
           ms.write_verify ? "on" : "off", ms.memcheck ? "on" : "off");
    printf("faults: wp reuse %u, wp copy %u, no-page zero %u, shared %u, read %u; oom kills %u\n",
           ms.wp_reuse, ms.wp_copy, ms.np_zero, ms.np_shared, ms.np_read, ms.oom_kills);
    printf("page tables (directory entry: present PTEs):\n");
    int col = 0;
    for (int i = 0; i < 1024; i++) {
        if (ms.pt_used[i] == PW_PDE_NONE)
            continue;
        if (i < 4)
            printf("  %4d: %4u kernel", i, ms.pt_used[i]);
        else
            printf("  %4d: %4u task %2d", i, ms.pt_used[i], i / 16);
        if (++col % 4 == 0)
            printf("\n");
    }
    if (col % 4)
        printf("\n");
    return 0;
}
