/*
 * ktest.c - the kernel's self-test, run as init (init=/bin/ktest on a disk of its own).
 * It exercises the system calls and the memory model from user space and powers off with
 * pw_halt(status): status = number of failed checks, plus 100 when a kernel write through
 * read() leaked into a page still shared copy-on-write (the write_verify=off bug).
 * Built against the user C library (user/lib); not part of disk.img.
 */
#include "ulib.h"

static int fails;
#define T(c) do { if (!(c)) { printf("ktest: FAIL line %d: %s\n", __LINE__, #c); fails++; } } while (0)

static char big[8192] __attribute__((aligned(4096))) = "x";
static char *const envp0[] = { "KTEST=1", 0 };

/* Mode "exec": started by execve with arguments. */
static int exec_child(int argc, char **argv, char **envp)
{
    if (argc != 4 || strcmp(argv[2], "a1") || strcmp(argv[3], "b2"))
        return 1;
    if (!envp[0] || strcmp(envp[0], "KTEST=1") || envp[1])
        return 2;
    return 42;
}

/* Mode "share": the parent runs the same program with its text present and clean, so
 * do_no_page must share the frame (count 2, read-only) instead of reading the file. */
static int share_child(void)
{
    struct pw_pageinfo pi;
    volatile const char *text = (const char *)0;
    (void)text[0];
    if (pw_pageinfo((const void *)0, &pi) < 0)
        return 1;
    return pi.present && !pi.writable && pi.count >= 2 ? 0 : 3;
}

static void test_fork_limit(void)
{
    int pids[PW_NR_TASKS], n = 0, st, got = 0;
    for (int i = 0; i < PW_NR_TASKS; i++) {
        int p = fork();
        if (p == 0) {
            pause();
            exit(0);
        }
        if (p < 0)
            break;
        pids[n++] = p;
    }
    T(errno == PW_EAGAIN);
    T(n == PW_NR_TASKS - 2);                    /* task 0 and us */
    for (int i = 0; i < n; i++)
        T(kill(pids[i], PW_SIGTERM) == 0);
    while (waitpid(-1, &st, 0) > 0) {
        got++;
        T((st & 0x7F) == PW_SIGTERM);
    }
    T(got == n);
    T(waitpid(-1, &st, 0) == -1 && errno == PW_ECHILD);
}

static void test_wait_signals(void)
{
    int st, p = fork();
    if (!p)
        exit(42);
    T(waitpid(p, &st, 0) == p && (st >> 8) == 42);

    p = fork();
    if (!p) {
        pw_sleep(20);
        exit(1);
    }
    T(waitpid(p, &st, PW_WNOHANG) == 0);
    T(waitpid(p, &st, 0) == p && (st >> 8) == 1);

    signal(PW_SIGALRM, PW_SIG_IGN);
    alarm(1);
    pw_sleep(150);                              /* survives an ignored SIGALRM */
    signal(PW_SIGALRM, PW_SIG_DFL);
    p = fork();
    if (!p) {
        alarm(1);
        pause();
        exit(0);
    }
    T(waitpid(p, &st, 0) == p && (st & 0x7F) == PW_SIGALRM);
    T(kill(9999, 0) == -1 && errno == PW_ESRCH);
    T(getppid() == 0 && getpid() == 1);
}

static void test_memory(void)
{
    char *b0 = sbrk(0);
    T(sbrk(100000) == b0);
    b0[99999] = 7;
    T(b0[99999] == 7);

    struct pw_pageinfo pi;
    big[0] = 'x';                               /* present, private, dirty */
    T(pw_pageinfo(big, &pi) == 0 && pi.present && pi.writable && pi.count == 1);
    int p = fork();
    if (!p)
        exit(pw_pageinfo(big, &pi) == 0 && pi.count == 2 && !pi.writable ? 0 : 1);
    int st;
    T(waitpid(p, &st, 0) == p && st == 0);

    /* share: the child execs us again; its text should come from our frames */
    p = fork();
    if (!p) {
        char *av[] = { "/bin/ktest", "share", 0 };
        execve("/bin/ktest", av, envp0);
        exit(9);
    }
    T(waitpid(p, &st, 0) == p && st == 0);

    p = fork();
    if (!p) {
        char *av[] = { "/bin/ktest", "exec", "a1", "b2", 0 };
        execve("/bin/ktest", av, envp0);
        exit(9);
    }
    T(waitpid(p, &st, 0) == p && (st >> 8) == 42);
    T(execve("/nonexistent", 0, 0) == -1 && errno == PW_ENOENT);
}

static void test_files(void)
{
    int fd = open("/bin", 0), entries = 0;
    struct pw_dirent de;
    T(fd >= 0);
    while (read(fd, &de, sizeof de) == sizeof de)
        entries++;
    T(entries >= 3);                            /* ".", "..", "ktest" */
    T(close(fd) == 0);
    T(close(fd) == -1 && errno == PW_EBADF);
    struct pw_stat s;
    T(stat("/bin", &s) == 0 && (s.st_mode & PW_S_IFMT) == PW_S_IFDIR);
    T(stat("/bin/ktest", &s) == 0 && (s.st_mode & PW_S_IFMT) == PW_S_IFREG && s.st_size > 1024);
    T(stat("/nope", &s) == -1 && errno == PW_ENOENT);
    T(open("/bin/ktest", 1) == -1);
    T(read(99, big, 1) == -1 && errno == PW_EBADF);
    T(read(0, (void *)0x7FFFFFF0, 100) == -1 && errno == PW_EFAULT);
    T(time(0) > 1000000000);
}

/* A read() into a page shared copy-on-write must not reach the other task. */
static int test_write_verify(void)
{
    big[0] = 'x';
    int fd = open("/bin/ktest", 0), st;
    T(fd >= 0);
    int p = fork();
    if (!p)
        exit(read(fd, big, 4) == 4 && big[0] == 0x0B ? 0 : 1);   /* ZMAGIC's low byte */
    T(waitpid(p, &st, 0) == p && st == 0);
    close(fd);
    return big[0] != 'x';
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && !strcmp(argv[1], "exec"))
        return exec_child(argc, argv, envp);
    if (argc > 1 && !strcmp(argv[1], "share"))
        return share_child();
    test_fork_limit();
    test_wait_signals();
    test_memory();
    test_files();
    int leaked = test_write_verify();
    printf("ktest: %d failures%s\n", fails, leaked ? ", read() wrote into a shared page" : "");
    pw_halt(fails + (leaked ? 100 : 0));
    return 0;
}
