/*
 * oom - grows its heap a page at a time and touches each page (a demand-zero fault, one
 * free page gone) until get_free_page finds nothing: the kernel's oom() prints "out of
 * memory" and kills the task with SIGSEGV. Every page comes back through
 * free_page_tables at exit, and the shell carries on (run "free" afterwards).
 */
#include "ulib.h"

int main(void)
{
    static struct pw_memstat ms;
    pw_memstat(&ms);
    printf("oom: %u pages free; eating them\n", ms.free_pages);
    for (unsigned n = 1;; n++) {
        char *p = sbrk(PAGE_SIZE);
        if (p == (void *)-1) {
            printf("oom: brk refused after %u pages; the kernel never ran out\n", n - 1);
            return 1;
        }
        *(volatile char *)p = 1;
        if (n % 1024 == 0)
            printf("oom: %u pages (%u KiB)\n", n, n * 4);
    }
}
