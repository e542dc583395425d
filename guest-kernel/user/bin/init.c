/*
 * init - the first user program (pid 1). Prints /etc/motd, starts /bin/sh on the console
 * and waits: every orphan the kernel hands to pid 1 is reaped here, and when the shell
 * exits a new one is started, so "exit" in the shell gives a fresh shell, not a dead box.
 */
#include "ulib.h"

static int start_shell(void)
{
    static char *argv[] = { "sh", NULL };
    static char *envp[] = { "PATH=/bin", NULL };
    int pid = fork();
    if (pid == 0) {
        execve("/bin/sh", argv, envp);
        perror("init: /bin/sh");
        _exit(127);
    }
    if (pid < 0)
        perror("init: fork");
    return pid;
}

static void motd(void)
{
    char buf[512];
    int fd = open("/etc/motd", PW_O_RDONLY), n;
    if (fd < 0)
        return;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        write(STDOUT_FILENO, buf, (size_t)n);
    close(fd);
}

int main(void)
{
    motd();
    int shell = start_shell();
    for (;;) {
        int status, pid = wait(&status);
        if (pid < 0) {
            /* No children at all (the shell could not even be forked): try again later. */
            pw_sleep(HZ);
            if (shell <= 0)
                shell = start_shell();
            continue;
        }
        if (pid == shell) {
            printf("init: shell exited, starting a new one\n");
            shell = start_shell();
        }
    }
}
