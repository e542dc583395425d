/* One-line error messages for the host side (bad options, images that do not open, board
 * wiring): functions that can fail fill a caller's buffer and return -1, and main() prints
 * the line and exits with status 2. */
#ifndef PW_EMU_ERRMSG_H
#define PW_EMU_ERRMSG_H

#include <stddef.h>

/* Formats the message into err (errlen bytes) and returns -1. */
int pw_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
