/*
 * share - two runs of one program share their text pages. Run it twice, the first in
 * the background ("share &" then "share"):
 *
 *   - the first run (no older sibling alive) touches every text page and sleeps quietly;
 *   - the second run waits until the first sleeps, touches every text page too and checks
 *     the mem_map counts: when do_no_page faults in a text page it first asks share_page
 *     whether another task running the same executable has that page present and clean;
 *     if so both map the same frame read-only and its count becomes 2. Whichever of the two
 *     touched a page second found it in the other, so every text page ends at count 2.
 *     Then it stops the first run.
 */
#include "ulib.h"

#define MAX_WAIT_TICKS (20 * HZ)

static struct pw_taskinfo tasks[PW_NR_TASKS];

/* Reads one byte of every text page, so each is faulted in (or shared) now. */
static unsigned touch_text(void)
{
    volatile const char *p = (const char *)0;
    unsigned sum = 0, pages = ((unsigned)_etext + PAGE_SIZE - 1) / PAGE_SIZE;
    for (unsigned i = 0; i < pages; i++)
        sum += p[i * PAGE_SIZE];
    return sum;
}

/* The older sibling: a live task with our parent and a smaller pid, or 0. */
static int older_sibling(int *its_state, char *its_name)
{
    int n = pw_tasks(tasks, PW_NR_TASKS), me = getpid(), parent = getppid(), best = 0;
    for (int i = 0; i < n; i++) {
        struct pw_taskinfo *t = &tasks[i];
        if ((int)t->ppid != parent || (int)t->pid >= me || t->state == PW_TASK_ZOMBIE)
            continue;
        if ((int)t->pid > best) {
            best = (int)t->pid;
            *its_state = (int)t->state;
            memcpy(its_name, t->name, sizeof t->name);
        }
    }
    return best;
}

int main(void)
{
    char name[16];
    int state = 0;
    touch_text();
    int other = older_sibling(&state, name);
    if (!other) {
        /* First run: hold the pages until the second run stops us (or give up). */
        for (int t = 0; t < MAX_WAIT_TICKS; t += HZ)
            pw_sleep(HZ);
        return 0;
    }
    for (int t = 0; ; t++) {
        if (!strcmp(name, "share") && state == PW_TASK_INTERRUPTIBLE)
            break;
        if (t == MAX_WAIT_TICKS) {
            printf("share: pid %d never settled; start one copy with 'share &' first\n", other);
            return 1;
        }
        pw_sleep(1);
        if (!older_sibling(&state, name))
            return 1;
    }
    touch_text();
    unsigned pages = ((unsigned)_etext + PAGE_SIZE - 1) / PAGE_SIZE, twos = 0;
    struct pw_pageinfo pi;
    for (unsigned i = 0; i < pages; i++) {
        pw_pageinfo((const char *)(i * PAGE_SIZE), &pi);
        twos += pi.present && pi.count == 2 && !pi.writable;
    }
    int n = pw_tasks(tasks, PW_NR_TASKS), shared_mine = -1, shared_other = -1;
    for (int i = 0; i < n; i++) {
        if ((int)tasks[i].pid == getpid())
            shared_mine = (int)tasks[i].shared;
        if ((int)tasks[i].pid == other)
            shared_other = (int)tasks[i].shared;
    }
    printf("share: pid %d runs /bin/share too\n", other);
    printf("share: %s text pages are shared read-only with count 2\n", twos == pages ? "all" : "NOT all");
    printf("share: ps counts shared pages: mine %s, pid %d's %s\n",
           shared_mine >= (int)pages ? "include the text" : "miss text pages", other,
           shared_other >= (int)pages ? "include the text" : "miss text pages");
    kill(other, PW_SIGTERM);
    printf("share: stopped pid %d\n", other);
    return twos == pages ? 0 : 1;
}
