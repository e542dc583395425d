/*
 * forkstorm N - a copy-on-write benchmark: N times, fork a child that writes one byte in
 * each of PAGES data pages (each write a write-protect fault that copies the page) and
 * exits; the parent waits. Prints the faults counted by the kernel (pw_memstat) and the
 * rate over the wall time measured with time() (whole seconds; the first and last second
 * are partial, so short runs are rough).
 */
#include "ulib.h"

#define PAGES 8

static volatile char data[PAGES][PAGE_SIZE] __attribute__((aligned(4096))) = { "forkstorm" };
static struct pw_memstat ms;

static unsigned faults(void)
{
    pw_memstat(&ms);
    return ms.wp_copy + ms.wp_reuse + ms.np_zero + ms.np_shared + ms.np_read;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (n <= 0) {
        printf("usage: forkstorm N\n");
        return 2;
    }
    for (int p = 0; p < PAGES; p++)
        data[p][1] = 1;                 /* present and dirty in the parent */
    unsigned f0 = faults();
    int t0 = time(NULL), failed = 0;
    for (int i = 0; i < n; i++) {
        int pid = fork();
        if (pid == 0) {
            for (int p = 0; p < PAGES; p++)
                data[p][2] = (char)i;
            _exit(0);
        }
        if (pid < 0) {
            failed++;
            continue;
        }
        int status;
        waitpid(pid, &status, 0);
    }
    int secs = time(NULL) - t0;
    unsigned f = faults() - f0;
    /* Copies versus reuses depend on whether parent or child writes a shared stack page
     * first (timer ticks decide), so only the total is printed. */
    printf("forkstorm: %d forks, %u page faults\n", n - failed, f);
    if (secs > 0)
        printf("forkstorm: %u faults in %d s: %u faults/s\n", f, secs, f / (unsigned)secs);
    else
        printf("forkstorm: %u faults in under 1 s: more than %u faults/s\n", f, f);
    return failed ? 1 : 0;
}
