/* cat - copies each named file (or standard input when none) to standard output. */
#include "ulib.h"

static int copy(int fd, const char *name)
{
    char buf[1024];
    int n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        write(STDOUT_FILENO, buf, (size_t)n);
    if (n < 0) {
        printf("cat: %s: %s\n", name, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2)
        return copy(STDIN_FILENO, "stdin");
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], PW_O_RDONLY);
        if (fd < 0) {
            printf("cat: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
            continue;
        }
        rc |= copy(fd, argv[i]);
        close(fd);
    }
    return rc;
}
