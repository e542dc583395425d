/*
 * sh - the shell: prompt, read a line (the kernel's tty does echo and backspace; stray
 * backspaces that reach us anyway are applied here), split it into words, and run
 * /bin/<word> with the rest as arguments. A trailing '&' runs the job in the background
 * ("[pid]" is printed, the job is reaped silently later). Built-ins: exit [n], halt [n]
 * (powers the machine off through pw_halt, so scripted test runs end).
 */
#include "ulib.h"

#define MAX_LINE 256
#define MAX_ARGS 32
#define PROMPT "pw$ "

/* Reads one line into buf (without the newline); returns -1 at end of input. */
static int read_line(char *buf, int cap)
{
    int n = 0;
    for (;;) {
        char c;
        int r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == PW_EINTR)
            return n ? n : 0;           /* Ctrl-C: drop the line, new prompt */
        if (r <= 0)
            return n ? n : -1;
        if (c == '\n' || c == '\r')
            break;
        if (c == '\b' || c == 127) {
            if (n)
                n--;
            continue;
        }
        if (n < cap - 1)
            buf[n++] = c;
    }
    buf[n] = 0;
    return n;
}

static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || argc == MAX_ARGS - 1)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = 0;
    }
    argv[argc] = NULL;
    return argc;
}

/* Collects finished background jobs without blocking and without printing, so output
 * does not depend on when they happened to end. */
static void reap_background(void)
{
    int status;
    while (waitpid(-1, &status, PW_WNOHANG) > 0)
        ;
}

static void report(int status)
{
    if (WIFSIGNALED(status))
        printf("[signal %d]\n", WTERMSIG(status));
    else if (WEXITSTATUS(status))
        printf("[exit %d]\n", WEXITSTATUS(status));
}

static void run(char **argv, int background)
{
    char path[64];
    if (strchr(argv[0], '/'))
        snprintf(path, sizeof path, "%s", argv[0]);
    else
        snprintf(path, sizeof path, "/bin/%s", argv[0]);
    struct pw_stat st;
    if (stat(path, &st) < 0 || (st.st_mode & PW_S_IFMT) != PW_S_IFREG) {
        printf("sh: %s: not found\n", argv[0]);
        return;
    }
    int pid = fork();
    if (pid == 0) {
        signal(PW_SIGINT, PW_SIG_DFL);
        execve(path, argv, environ);
        printf("sh: %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        perror("sh: fork");
        return;
    }
    if (background) {
        printf("[%d]\n", pid);
        return;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != PW_EINTR)
            return;
    report(status);
}

int main(void)
{
    char line[MAX_LINE];
    char *argv[MAX_ARGS];
    signal(PW_SIGINT, PW_SIG_IGN);      /* Ctrl-C stops the job, not the shell */
    for (;;) {
        reap_background();
        write(STDOUT_FILENO, PROMPT, sizeof PROMPT - 1);
        int n = read_line(line, sizeof line);
        if (n < 0)
            exit(0);
        int background = 0;
        char *amp = strrchr(line, '&');
        if (amp) {
            char *q = amp + 1;
            while (*q == ' ' || *q == '\t')
                q++;
            if (!*q) {
                background = 1;
                *amp = 0;
            }
        }
        int argc = split(line, argv);
        if (!argc)
            continue;
        if (!strcmp(argv[0], "exit"))
            exit(argc > 1 ? atoi(argv[1]) : 0);
        if (!strcmp(argv[0], "halt")) {
            printf("sh: powering off\n");
            pw_halt(argc > 1 ? atoi(argv[1]) : 0);
        }
        run(argv, background);
    }
}
