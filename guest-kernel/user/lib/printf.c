/*
 * printf.c - a small formatter: %d %i %u %o %x %X %p %s %c %% with '-' and '0' flags, a
 * width, and an ignored 'l'. Output goes through one buffer and one write() per call, so
 * lines from concurrently running programs do not interleave mid-line.
 */
#include "ulib.h"

struct out {
    char *buf;
    size_t cap, len;                    /* len counts every byte, even those cut off */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

/* One converted field: digits (or text) with width, left or zero padding. */
static void field(struct out *o, const char *s, size_t n, int width, int left, int zero, int neg)
{
    int fill = width - (int)n - neg;
    if (!left && !zero)
        pad(o, ' ', fill);
    if (neg)
        put(o, '-');
    if (!left && zero)
        pad(o, '0', fill);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        pad(o, ' ', fill);
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct out o = { buf, cap, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        int left = 0, zero = 0, width = 0;
        for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
            *fmt == '-' ? (left = 1) : (zero = 1);
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        char tmp[12];
        size_t n = 0;
        unsigned v, base = 10;
        const char *digits = "0123456789abcdef";
        int neg = 0;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int sv = va_arg(ap, int);
            neg = sv < 0;
            v = neg ? 0u - (unsigned)sv : (unsigned)sv;
            goto number;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            v = (unsigned)va_arg(ap, void *);
            base = 16;
            if (!width)
                width = 8, zero = 1;
            goto number;
        case 'o':
            base = 8;
            v = va_arg(ap, unsigned);
            goto number;
        case 'X':
            digits = "0123456789ABCDEF";
            /* fall through */
        case 'x':
            base = 16;
            /* fall through */
        case 'u':
            v = va_arg(ap, unsigned);
        number:
            do {
                tmp[sizeof tmp - ++n] = digits[v % base];
                v /= base;
            } while (v);
            field(&o, tmp + sizeof tmp - n, n, width, left, zero, neg);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            field(&o, s, strlen(s), width, left, 0, 0);
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            field(&o, tmp, 1, width, left, 0, 0);
            break;
        case '%':
            put(&o, '%');
            break;
        case 0:
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
        }
    }
    if (cap)
        buf[o.len < cap ? o.len : cap - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static int vdprintf_(int fd, const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n >= (int)sizeof buf)
        n = sizeof buf - 1;
    return write(fd, buf, (size_t)n);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vdprintf_(STDOUT_FILENO, fmt, ap);
    va_end(ap);
    return r;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vdprintf_(fd, fmt, ap);
    va_end(ap);
    return r;
}

int puts(const char *s)
{
    return printf("%s\n", s);
}

void perror(const char *what)
{
    dprintf(STDERR_FILENO, "%s: %s\n", what, strerror(errno));
}
