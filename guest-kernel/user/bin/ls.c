/*
 * ls - lists directories (read() on a directory gives raw 16-byte MINIX entries, ABI.md)
 * or names files. "ls -l" adds the inode, the mode and the size from stat(). No argument
 * lists "/". Entries appear in directory order, "." and ".." left out.
 */
#include "ulib.h"

static int show(const char *path, const char *name, int longfmt)
{
    struct pw_stat st;
    if (stat(path, &st) < 0) {
        printf("ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int dir = (st.st_mode & PW_S_IFMT) == PW_S_IFDIR;
    if (longfmt)
        printf("%4u %06o %7u %s%s\n", st.st_ino, st.st_mode, st.st_size, name, dir ? "/" : "");
    else
        printf("%s%s\n", name, dir ? "/" : "");
    return 0;
}

static int list(const char *path, int longfmt)
{
    struct pw_stat st;
    if (stat(path, &st) < 0) {
        printf("ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if ((st.st_mode & PW_S_IFMT) != PW_S_IFDIR)
        return show(path, path, longfmt);
    int fd = open(path, PW_O_RDONLY);
    if (fd < 0) {
        printf("ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct pw_dirent d;
    int rc = 0;
    while (read(fd, &d, sizeof d) == (int)sizeof d) {
        char name[PW_NAME_LEN + 1], full[128];
        if (!d.d_ino)
            continue;
        memcpy(name, d.d_name, PW_NAME_LEN);
        name[PW_NAME_LEN] = 0;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        size_t len = strlen(path);
        snprintf(full, sizeof full, "%s%s%s", path, len && path[len - 1] == '/' ? "" : "/", name);
        rc |= show(full, name, longfmt);
    }
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    int longfmt = 0, i = 1, rc = 0;
    if (i < argc && !strcmp(argv[i], "-l"))
        longfmt = 1, i++;
    if (i == argc)
        return list("/", longfmt);
    for (; i < argc; i++) {
        if (argc - i > 1 || i > 1 + longfmt)
            printf("%s:\n", argv[i]);
        rc |= list(argv[i], longfmt);
    }
    return rc;
}
