/* pagewalk --compare "OPTIONS A" "OPTIONS B" [common options]: runs the same (scripted)
 * guest run twice, each in a child pagewalk with its own options plus the common ones, and
 * prints the statistics side by side. Virtual time makes both runs reproducible to the
 * count. */
#ifndef PW_EMU_COMPARE_H
#define PW_EMU_COMPARE_H

#include <stdio.h>

/* self: path of the pagewalk binary; common: the options both runs share (argv style).
 * Returns the exit status for main (0 when both runs completed). */
int compare_run(const char *self, const char *opts_a, const char *opts_b, int ncommon, char **common, FILE *out);

/* Splits a string into words (spaces; single and double quotes group). Returns the count,
 * or -1 when more than max words or an unterminated quote. Words point into buf. */
int compare_split(char *buf, char **words, int max);

#endif
