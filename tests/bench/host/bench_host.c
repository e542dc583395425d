/* bench_host: how fast this core runs a fixed, throughput-bound loop right now.
 *
 * The loop does what an interpreter's inner loop does most (independent loads, adds,
 * shifts and stores, a few instructions per cycle on a modern core) and nothing that waits
 * long on one result. Such code slows down when another hardware thread shares the core
 * (the two split its issue slots and queues), while latency-bound code does not; pagewalk's
 * loops are of the first kind, so `make bench` (tests/bench/run.py) runs this once per round
 * and reports how far the host was from its best while the emulators were measured.
 *
 * Prints "host <milliseconds> <checksum>". Not a test: nothing asserts a time. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define WORDS 4096
#define ROUNDS 40000

static uint32_t buf[WORDS];

/* (kept scalar: a vector loop would measure something else) */
__attribute__((noinline, optimize("no-tree-vectorize"))) static uint32_t spin(void)
{
    uint32_t s0 = 1, s1 = 2, s2 = 3, s3 = 4;
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < WORDS; i += 4) {
            s0 += buf[i];
            s1 ^= buf[i + 1];
            s2 += buf[i + 2] << 1;
            s3 -= buf[i + 3];
            buf[i] = s1 + r;
            buf[i + 1] = s2;
            buf[i + 2] = s3;
            buf[i + 3] = s0;
        }
    }
    return s0 ^ s1 ^ s2 ^ s3;
}

int main(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t sum = spin();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("host %.3f %08x\n", ms, sum);
    return 0;
}
