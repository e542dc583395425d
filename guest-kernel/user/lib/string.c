/*
 * string.c - string and memory functions (also the memcpy/memset the compiler may call
 * for structure copies).
 */
#include "ulib.h"

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++)
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    return 0;
}

char *strcpy(char *d, const char *s)
{
    char *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}

char *strncpy(char *d, const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i]; i++)
        d[i] = s[i];
    for (; i < n; i++)
        d[i] = 0;
    return d;
}

char *strcat(char *d, const char *s)
{
    strcpy(d + strlen(d), s);
    return d;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp < sp)
        return memcpy(d, s, n);
    while (n--)
        dp[n] = sp[n];
    return d;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *ap = a, *bp = b;
    for (; n; n--, ap++, bp++)
        if (*ap != *bp)
            return *ap - *bp;
    return 0;
}

int atoi(const char *s)
{
    int neg = 0, v = 0;
    while (*s == ' ')
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

const char *strerror(int err)
{
    switch (err) {
    case PW_EPERM: return "not permitted";
    case PW_ENOENT: return "no such file or directory";
    case PW_ESRCH: return "no such process";
    case PW_EINTR: return "interrupted";
    case PW_EIO: return "I/O error";
    case PW_E2BIG: return "argument list too long";
    case PW_ENOEXEC: return "not an executable";
    case PW_EBADF: return "bad file descriptor";
    case PW_ECHILD: return "no child processes";
    case PW_EAGAIN: return "try again";
    case PW_ENOMEM: return "out of memory";
    case PW_EFAULT: return "bad address";
    case PW_ENOTDIR: return "not a directory";
    case PW_EISDIR: return "is a directory";
    case PW_EINVAL: return "invalid argument";
    case PW_EMFILE: return "too many open files";
    case PW_EROFS: return "read-only file system";
    case PW_ENOSYS: return "not implemented";
    default: return "unknown error";
    }
}
