/*
 * ps - one line per task from pw_tasks(): pid, parent, state, the user pages mapped in its
 * 64 MiB slot and how many of those are shared (mem_map count > 1: copy-on-write after
 * fork, or text shared with another run of the same program), and the program name.
 */
#include "ulib.h"

static const char *state_name(unsigned s)
{
    static const char *names[] = { "running", "sleeping", "blocked", "zombie", "stopped" };
    return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int main(void)
{
    static struct pw_taskinfo t[PW_NR_TASKS];
    int n = pw_tasks(t, PW_NR_TASKS);
    if (n < 0) {
        perror("ps");
        return 1;
    }
    printf("  PID  PPID STATE    SLOT PAGES SHARED NAME\n");
    for (int i = 0; i < n; i++)
        printf("%5u %5u %-8s %4u %5u %6u %s\n", t[i].pid, t[i].ppid, state_name(t[i].state),
               t[i].nr, t[i].pages, t[i].shared, t[i].name);
    return 0;
}
