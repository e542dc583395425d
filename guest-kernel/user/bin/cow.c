/*
 * cow - copy-on-write after fork, step by step, on one page of data:
 *
 *   1. the parent writes the page: present, writable, count 1;
 *   2. fork: copy_page_tables shares every page read-only, so parent and child now map
 *      the same frame, count 2;
 *   3. the child writes: a write-protect fault, do_wp_page sees count 2, copies the page to
 *      a new frame (count 1, writable) and drops the old frame to count 1;
 *   4. the parent's PTE is still read-only; its next write faults too, but now the count is
 *      1, so un_wp_page just sets R/W again on the same frame (no copy).
 */
#include "ulib.h"

static char page[PAGE_SIZE] __attribute__((aligned(4096))) = "initialised data";
static struct pw_memstat ms;            /* bss: touched before the fork, its own page */

static void show(const char *who, const char *when)
{
    struct pw_pageinfo pi;
    if (pw_pageinfo(page, &pi) < 0) {
        perror("cow: pw_pageinfo");
        return;
    }
    printf("cow: %-6s %-13s frame 0x%08x count %u %s\n", who, when, pi.phys, pi.count,
           pi.writable ? "writable" : "read-only");
}

/* Write-protect faults so far: sampled around one store, the difference is that store.
 * The first call after fork may itself fault (the kernel's write_verify on `ms`, which is
 * copy-on-write too), after the kernel took its snapshot, so sample twice. */
static unsigned wp(unsigned *copies)
{
    pw_memstat(&ms);
    pw_memstat(&ms);
    *copies = ms.wp_copy;
    return ms.wp_reuse;
}

int main(void)
{
    page[0] = 'I';
    pw_memstat(&ms);
    show("parent", "before fork");
    int pid = fork();
    if (pid < 0) {
        perror("cow: fork");
        return 1;
    }
    if (pid == 0) {
        unsigned c0, c1, r0, r1;
        show("child", "after fork");
        r0 = wp(&c0);
        page[1] = 'c';
        r1 = wp(&c1);
        show("child", "after write");
        printf("cow: the child's write cost %u copy, %u reuse\n", c1 - c0, r1 - r0);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    unsigned c0, c1, r0, r1;
    show("parent", "child gone");
    r0 = wp(&c0);
    page[1] = 'p';
    r1 = wp(&c1);
    show("parent", "after write");
    printf("cow: the parent's write cost %u copy, %u reuse\n", c1 - c0, r1 - r0);
    printf("cow: parent sees \"%c%c%s\": its own two writes, not the child's\n", page[0], page[1], page + 2);
    return 0;
}
