/*
 * syscalls.c - system call wrappers (ABI.md, "System calls"): int $0x80 with the number in
 * EAX and arguments in EBX, ECX, EDX; a negative result is -errno.
 */
#include "ulib.h"

int errno;
char **environ;

int sys_result(int r)
{
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return r;
}

static int call(int nr, int a, int b, int c) { return sys_result(sys_call3(nr, a, b, c)); }

_Noreturn void _exit(int status)
{
    for (;;)
        sys_call3(PW_SYS_exit, status, 0, 0);
}

_Noreturn void exit(int status) { _exit(status); }

int read(int fd, void *buf, size_t n) { return call(PW_SYS_read, fd, (int)buf, (int)n); }
int write(int fd, const void *buf, size_t n) { return call(PW_SYS_write, fd, (int)buf, (int)n); }
int open(const char *path, int flags) { return call(PW_SYS_open, (int)path, flags, 0); }
int close(int fd) { return call(PW_SYS_close, fd, 0, 0); }
int waitpid(int pid, int *status, int options) { return call(PW_SYS_waitpid, pid, (int)status, options); }
int wait(int *status) { return waitpid(-1, status, 0); }
int time(int *t) { return call(PW_SYS_time, (int)t, 0, 0); }
int stat(const char *path, struct pw_stat *st) { return call(PW_SYS_stat, (int)path, (int)st, 0); }
int getpid(void) { return call(PW_SYS_getpid, 0, 0, 0); }
int getppid(void) { return call(PW_SYS_getppid, 0, 0, 0); }
int alarm(int seconds) { return call(PW_SYS_alarm, seconds, 0, 0); }
int pause(void) { return call(PW_SYS_pause, 0, 0, 0); }
int kill(int pid, int sig) { return call(PW_SYS_kill, pid, sig, 0); }
int signal(int sig, int handler) { return call(PW_SYS_signal, sig, handler, 0); }
int pw_sleep(int ticks) { return call(PW_SYS_sleep, ticks, 0, 0); }
int pw_memstat(struct pw_memstat *ms) { return call(PW_SYS_memstat, (int)ms, 0, 0); }
int pw_tasks(struct pw_taskinfo *t, int max) { return call(PW_SYS_tasks, (int)t, max, 0); }
int pw_pageinfo(const volatile void *uaddr, struct pw_pageinfo *pi)
{
    return call(PW_SYS_pageinfo, (int)uaddr, (int)pi, 0);
}
int pw_cmdline(char *buf, int n) { return call(PW_SYS_cmdline, (int)buf, n, 0); }

_Noreturn void pw_halt(int status)
{
    sys_call3(PW_SYS_halt, status, 0, 0);
    _exit(status);                      /* only reached if the machine did not power off */
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    return call(PW_SYS_execve, (int)path, (int)argv, (int)envp);
}

int brk(void *addr) { return sys_call3(PW_SYS_brk, (int)addr, 0, 0); }

/* Linux 0.11's brk returns the break it ended up with; asking for 0 reads it. */
void *sbrk(int increment)
{
    static unsigned cur;
    if (!cur)
        cur = (unsigned)brk(0);
    unsigned want = cur + (unsigned)increment;
    if (increment && (unsigned)brk((void *)want) != want) {
        errno = PW_ENOMEM;
        return (void *)-1;
    }
    unsigned old = cur;
    cur = want;
    return (void *)old;
}
