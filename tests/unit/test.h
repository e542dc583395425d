/* A tiny unit-test harness: CHECK-style assertions that keep going, a summary line that
 * ctest shows on failure, and exit status 1 when anything failed. */
#ifndef PW_TEST_H
#define PW_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            test_passed++;                                                           \
        } else {                                                                     \
            test_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);                               \
        if (va_ == vb_) {                                                                \
            test_passed++;                                                               \
        } else {                                                                         \
            test_failed++;                                                               \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")\n", \
                    __FILE__, __LINE__, #a, #b, va_, vb_);                               \
        }                                                                                \
    } while (0)

/* Prints "N passed, N failed" and returns the exit status for main(). */
static inline int test_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif
