/* Names for exceptions and registers, for reports (triple fault, monitor, traces). */
#include "cpu/names.h"

static const char *const exc_names[32] = {
    [0] = "#DE divide error",       [1] = "#DB debug",
    [2] = "NMI",                    [3] = "#BP breakpoint",
    [4] = "#OF overflow",           [5] = "#BR bound range",
    [6] = "#UD invalid opcode",     [7] = "#NM no coprocessor",
    [8] = "#DF double fault",       [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",       [11] = "#NP segment not present",
    [12] = "#SS stack fault",       [13] = "#GP general protection",
    [14] = "#PF page fault",        [16] = "#MF coprocessor error",
    [17] = "#AC alignment check",
};

const char *cpu_exception_name(int vec)
{
    if (vec >= 0 && vec < 32 && exc_names[vec])
        return exc_names[vec];
    return "reserved";
}

static const char *const r32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const sregs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

const char *cpu_reg_name(int r)
{
    return (r >= 0 && r < 8) ? r32[r] : "?";
}

const char *cpu_sreg_name(int s)
{
    return (s >= 0 && s < 6) ? sregs[s] : "?";
}
