/*
 * tlbdemo - catches the kernel using a stale TLB entry, i.e. a missing invalidation.
 *
 * The mechanism, from the 0.11 memory model: before fork the parent writes `word`, so the
 * TLB holds a writable (and dirty) translation for its page. fork's copy_page_tables then
 * clears R/W in the parent's PTE as well as the child's: from now on the frame is shared
 * copy-on-write, and the next write by either must fault so do_wp_page can copy it. That
 * only works because copy_page_tables ends with invalidate(): the TLB entry still says
 * "writable", and the CPU trusts a TLB hit without reading the PTE again (i386 PRM 5.2.5,
 * "the operating system must invalidate the TLB when it changes a page table entry").
 *
 * With invalidate=none and a TLB that keeps entries (an ideal one, as on hardware), the
 * parent's first store after fork returns hits that stale writable entry: no fault, no
 * copy, and the store lands in the frame the child still maps. The child (whose TLB was
 * flushed by the task switch that started it) then reads the parent's post-fork value
 * instead of the pre-fork one. With invalidate=cr3 or invlpg the store faults, the parent
 * gets its own copy, and the child sees the old value.
 *
 * The parent's store must come before its first task switch (a hardware task switch
 * reloads CR3 and flushes everything), so fork and the store are one asm block; a timer
 * tick in that window would hide the bug for one round, hence several rounds. Exit status
 * 1 when a stale translation was seen, 2 on an unexpected result, 0 otherwise.
 */
#include "ulib.h"

#define ROUNDS 5
#define BEFORE 0x0B5E55ED               /* written before fork */
#define AFTER 0x0BADC0DE                /* written by the parent right after fork */

/* Alone on its page, so nothing else the program does writes near it. */
static volatile unsigned word[PAGE_SIZE / 4] __attribute__((aligned(4096)));
static int child_status;

/* fork(); in the parent store AFTER into word[0] before anything else. Returns the pid
 * (0 in the child, negative errno on failure). */
static inline __attribute__((always_inline)) int fork_then_store(void)
{
    int r;
    __asm__ volatile(
        "int $0x80\n\t"
        "testl %%eax, %%eax\n\t"
        "jle 1f\n\t"
        "movl %2, %1\n"
        "1:"
        : "=a"(r), "=m"(word[0])
        : "i"(AFTER), "0"(PW_SYS_fork)
        : "memory");
    return r;
}

int main(void)
{
    static struct pw_memstat ms;
    pw_memstat(&ms);
    printf("tlbdemo: invalidate=%s; the parent writes a shared page right after fork\n", ms.invalidate);
    /* Stop at the first stale round: the output then does not depend on how many rounds
     * a timer tick happened to rescue. */
    for (int round = 1; round <= ROUNDS; round++) {
        word[0] = BEFORE;               /* a writable, dirty TLB entry for the page */
        int pid = fork_then_store();
        if (pid == 0) {
            /* Child: the frame still holds the pre-fork value unless the parent wrote
             * into it behind copy-on-write's back. */
            _exit(word[0] == BEFORE ? 0 : word[0] == AFTER ? 1 : 2);
        }
        if (pid < 0) {
            printf("tlbdemo: fork failed: %s\n", strerror(errno));
            return 2;
        }
        waitpid(pid, &child_status, 0);
        int code = WIFEXITED(child_status) ? WEXITSTATUS(child_status) : -1;
        if (code == 1) {
            printf("tlbdemo: STALE: the child sees the parent's post-fork write 0x%08x\n", AFTER);
            printf("tlbdemo: FAIL: the parent wrote through a stale TLB entry "
                   "(copy_page_tables made its PTE read-only without invalidating)\n");
            return 1;
        }
        if (code != 0) {
            printf("tlbdemo: the child saw neither value (status 0x%x)\n", child_status);
            return 2;
        }
    }
    printf("tlbdemo: OK: in %d rounds every post-fork write faulted and was copied; "
           "the child kept 0x%08x\n", ROUNDS, BEFORE);
    return 0;
}
