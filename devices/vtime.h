/* Virtual time. Devices run on time derived from the retired-instruction count, so a run
 * with the same inputs is the same run every time. The board converts instructions to
 * nanoseconds; devices only ever see nanoseconds:
 *
 *   now_ns = icount * ns_per_insn          (default: VTIME_NS_PER_INSN)
 *
 * A device with timers exposes two functions, and the run loop runs the CPU until the
 * earliest event instead of polling devices per instruction:
 *
 *   uint64_t xxx_next_event(const struct xxx *d);   absolute ns, VTIME_NEVER if none
 *   void     xxx_advance(struct xxx *d, uint64_t now_ns);  bring state up to now
 */
#ifndef PW_DEVICES_VTIME_H
#define PW_DEVICES_VTIME_H

#include <stdint.h>

#define VTIME_NEVER UINT64_MAX
/* 10 ns per instruction: a nominal 100 MIPS machine. */
#define VTIME_NS_PER_INSN 10u

/* A device's view of the clock: the board supplies "what time is it now" (the current
 * instruction count converted to ns, exact even in the middle of a run slice), so a port
 * access can bring the device up to date before answering. A NULL now_ns reads as 0. */
struct vclock {
    uint64_t (*now_ns)(void *opaque);
    void *opaque;
};

static inline uint64_t vclock_now(const struct vclock *c)
{
    return c->now_ns ? c->now_ns(c->opaque) : 0;
}

#endif
