/*
 * ulib.h - the tiny C library of the bundled kernel's user programs: system call wrappers
 * (ABI.md; a negative result becomes -1 with errno set), strings, a printf subset, malloc
 * over brk. Freestanding: only the compiler's own stddef.h / stdarg.h / stdint.h are used.
 */
#ifndef ULIB_H
#define ULIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_abi.h"

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define PAGE_SIZE 4096u
#define HZ 100                          /* timer ticks per second (pw_sleep units) */

/* Wait status decoding (Linux layout, pw_abi.h). */
#define WIFEXITED(s)   (((s) & 0x7F) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xFF)
#define WIFSIGNALED(s) (((s) & 0x7F) != 0)
#define WTERMSIG(s)    ((s) & 0x7F)

extern int errno;
extern char **environ;

/* Raw system call: returns what the kernel returned (negative errno on failure). */
static inline int sys_call3(int nr, int a, int b, int c)
{
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "0"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

int sys_result(int r);                  /* r < 0: errno = -r, return -1 */

/* fork() is inlined into its caller on purpose: with invalidate=none the parent keeps
 * writing through stale TLB entries into pages it now shares with the child until its
 * next task switch. A called wrapper would have its return address slot overwritten by
 * the parent's next call before the child returns through it; inline, the parent only
 * writes below the stack pointer the child resumes with. */
static inline __attribute__((always_inline)) int fork(void)
{
    return sys_result(sys_call3(PW_SYS_fork, 0, 0, 0));
}

_Noreturn void _exit(int status);
_Noreturn void exit(int status);
int read(int fd, void *buf, size_t n);
int write(int fd, const void *buf, size_t n);
int open(const char *path, int flags);
int close(int fd);
int waitpid(int pid, int *status, int options);
int wait(int *status);
int execve(const char *path, char *const argv[], char *const envp[]);
int time(int *t);
int stat(const char *path, struct pw_stat *st);
int getpid(void);
int getppid(void);
int alarm(int seconds);
int pause(void);
int kill(int pid, int sig);
int brk(void *addr);                    /* returns the new break (the kernel's answer) */
void *sbrk(int increment);              /* (void *)-1 with ENOMEM when refused */
int signal(int sig, int handler);       /* PW_SIG_DFL or PW_SIG_IGN only */
int pw_sleep(int ticks);
int pw_memstat(struct pw_memstat *ms);
int pw_tasks(struct pw_taskinfo *t, int max);
int pw_pageinfo(const volatile void *uaddr, struct pw_pageinfo *pi);
_Noreturn void pw_halt(int status);
int pw_cmdline(char *buf, int n);

/* Strings and memory. */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *d, const char *s);
char *strncpy(char *d, const char *s, size_t n);
char *strcat(char *d, const char *s);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int atoi(const char *s);
const char *strerror(int err);

/* Formatted output: %d %i %u %o %x %X %p %s %c %%, flags '-' '0', width, 'l' accepted.
 * printf/dprintf format into one buffer and write it with a single write(). */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int puts(const char *s);
void perror(const char *what);

/* malloc over sbrk: first fit with coalescing of neighbours. */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);

/* Linker-script symbols (user.ld). */
extern char _etext[], _data[], _edata[], _end[];

#endif
