/* The command line: `pagewalk [options] [image]`.
 *
 * Parsing only fills struct pw_options and validates syntax and ranges; files are opened
 * later (disk.c), so the unit tests can exercise every error without touching the disk. */
#ifndef PW_EMU_OPTIONS_H
#define PW_EMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

/* One disk given as FILE[,rw][,chs=C/H/S]. */
struct pw_drive_opt {
    const char *path;  /* NULL: no drive */
    char path_buf[512];
    bool rw;
    bool has_chs;
    unsigned c, h, s;
};

enum pw_clock { PW_CLOCK_VIRTUAL, PW_CLOCK_HOST };

struct pw_options {
    bool help, version;
    struct pw_drive_opt fd[2]; /* A:, B: */
    struct pw_drive_opt hd[2]; /* C: (primary master), D: (primary slave) */
    const char *image;         /* the positional image (becomes fd[0] or hd[0] in main) */
    char boot;                 /* 'a', 'c' or 0 (automatic: c when there is a hard disk) */
    unsigned mem_mib;          /* 1..3072, default 16 */
    int cpu_model;             /* 386 or 486 */
    bool tlb_set;
    struct mmu_tlb_config tlb;
    bool tlb_check;
    const char *append;
    const char *serial, *serial2, *debugcon; /* "stdio", "none" or a file name; NULL: default */
    bool headless;
    uint64_t max_insns;        /* 0: unlimited */
    bool stats;
    enum pw_clock clock;
    const char *type_text;
    const char *screen_dump;
    const char *bios;
    /* Looking at the machine (emu/session.h) */
    bool monitor;              /* --monitor: start paused in the monitor */
    const char *script;        /* --script FILE: monitor commands */
    const char *symbols;       /* --symbols FILE: ELF or System.map */
    const char *snapshot;      /* --snapshot FILE.png: the overlay at the end of the run */
    const char *trace;         /* --trace FILE.jsonl */
    const char *trace_chrome;  /* --trace-chrome FILE.json */
    const char *stats_json;    /* --stats-json FILE */
    const char *compare[2];    /* --compare "OPTIONS A" "OPTIONS B" */
};

/* Fills o from argv. Returns 0, or -1 with a one-line message (no trailing newline) in err.
 * --help and --version set the flags and stop parsing. */
int options_parse(int argc, char **argv, struct pw_options *o, char *err, size_t errlen);
/* Parses FILE[,rw][,chs=C/H/S] into d. Returns 0 or -1 with err. */
int options_parse_drive(const char *arg, struct pw_drive_opt *d, char *err, size_t errlen);
/* The --help text. */
extern const char options_usage[];

#endif
