/*
 * demand - demand paging of a large bss. exec maps nothing: the first touch of each page
 * of `big` is a not-present fault past end_data, which do_no_page answers with a zeroed
 * page (get_empty_page). Free pages fall by exactly one per page touched.
 */
#include "ulib.h"

#define BIG_PAGES 256                   /* 1 MiB of bss */
#define SHOWN 6

static volatile char big[BIG_PAGES][PAGE_SIZE] __attribute__((aligned(4096)));
static struct pw_memstat ms;

static unsigned free_pages(void)
{
    pw_memstat(&ms);
    return ms.free_pages;
}

int main(void)
{
    static unsigned before[BIG_PAGES], after[BIG_PAGES];
    struct pw_pageinfo pi;
    /* Fault in our own bookkeeping first, so the loop below only faults on big[]. */
    memset(before, 0, sizeof before);
    memset(after, 0, sizeof after);
    pw_pageinfo(big[0], &pi);
    printf("demand: %d pages of bss at 0x%x; first page present: %s\n", BIG_PAGES, (unsigned)big,
           pi.present ? "yes" : "no");
    free_pages();
    unsigned zero0 = ms.np_zero;
    for (int i = 0; i < BIG_PAGES; i++) {
        before[i] = free_pages();
        big[i][i] = 1;                  /* the touch */
        after[i] = free_pages();
    }
    for (int i = 0; i < SHOWN; i++)
        printf("demand: touch page %3d: free %u -> %u (%d)\n", i, before[i], after[i],
               (int)after[i] - (int)before[i]);
    int ones = 0;
    for (int i = 0; i < BIG_PAGES; i++)
        ones += before[i] - after[i] == 1;
    printf("demand: %d of %d touches took exactly one page; no-page zero faults +%u\n", ones,
           BIG_PAGES, ms.np_zero - zero0);
    pw_pageinfo(big[BIG_PAGES - 1], &pi);
    printf("demand: last page present %s, count %u; exit gives them back\n",
           pi.present ? "yes" : "no", pi.count);
    return 0;
}
