/* Stand-in for the device under test while cpu/ and mmu/ are incomplete: pw_diff then only
 * runs with --self (Unicorn against Unicorn), which checks the harness. */
#include "tests/diff/runner.h"

#include <stdio.h>

int runner_pagewalk_create(struct runner *r, bool code32, int model, char *err, unsigned errlen)
{
    (void)model;
    (void)r;
    (void)code32;
    snprintf(err, errlen, "this build has no pagewalk CPU yet (cpu/ incomplete at configure time): use --self");
    return -1;
}
