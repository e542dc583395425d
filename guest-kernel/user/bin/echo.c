/* echo - prints its arguments separated by spaces. */
#include "ulib.h"

int main(int argc, char **argv)
{
    char buf[512];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (n + len + 2 > sizeof buf)
            break;
        if (i > 1)
            buf[n++] = ' ';
        memcpy(buf + n, argv[i], len);
        n += len;
    }
    buf[n++] = '\n';
    write(STDOUT_FILENO, buf, n);
    return 0;
}
