/* The monitor: a command interpreter over a running machine, for the terminal (interactive),
 * for --script files, and for the overlay's keys. Breakpoints are event subscribers (and a
 * step hook only while EIP/instruction-count breakpoints exist); nothing in cpu/ or mmu/
 * knows the monitor exists. */
#ifndef PW_EMU_MONITOR_H
#define PW_EMU_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emu/fault_explain.h"
#include "emu/guest.h"
#include "emu/pt_history.h"
#include "emu/symbols.h"

struct pc;

/* Runs the machine for at most max instructions (UINT64_MAX: until something stops it).
 * Returns 0 when it stopped because the CPU was asked to (a breakpoint, a step budget),
 * 1 when the machine ended (guest exit, shutdown, ...; the reason is the runner's to print). */
typedef int (*monitor_run_fn)(void *opaque, uint64_t max);

enum monitor_result { MON_OK, MON_ERROR, MON_RESUME, MON_QUIT };

enum bp_kind { BP_FAULT, BP_CR3, BP_INVLPG, BP_TASKSWITCH, BP_EXC, BP_LIN, BP_PHYS, BP_EIP, BP_ICOUNT, BP_STALE };

struct breakpoint {
    int id;
    enum bp_kind kind;
    uint32_t lo, hi;           /* address range (fault, lin, phys, eip: lo only) */
    uint32_t err_mask, err_val;/* fault: error-code filter */
    int vec;                   /* exc */
    bool rd, wr;               /* lin/phys watch */
    int task;                  /* -1 any, else the task slot (0.11 task nr) */
    uint32_t cr3;              /* 0 any, else only while CR3 equals it */
    uint16_t ldt;              /* 0 any, else only while LDTR holds this selector */
    bool temp;                 /* deleted when hit */
    uint64_t hits;
};

#define MON_MAX_BP 32
#define MON_FAULT_LOG 16

struct monitor {
    struct pc *pc;
    struct cpu *cpu;
    const struct symtab *syms;
    struct guest guest;
    struct pt_history hist;
    bool hist_on;
    FILE *out;
    monitor_run_fn run;
    void *run_opaque;
    /* "snapshot FILE.png": provided by whoever owns an overlay (NULL: unavailable). */
    int (*snapshot)(void *opaque, const char *path);
    void *snapshot_opaque;

    struct breakpoint bp[MON_MAX_BP];
    int nbp, next_id;
    bool hook_on;

    /* why the last run stopped */
    bool stopped;
    char stop_why[512];

    /* recent page faults */
    struct fault_record faults[MON_FAULT_LOG];
    int nfaults, fault_head;
    struct fault_record *last_fault;

    /* finish-fault in progress */
    bool finishing;
    struct fault_record fin;
    uint64_t fin_fills, fin_flushes, fin_flushed, fin_evicts;
};

int monitor_init(struct monitor *m, struct pc *pc, const struct symtab *syms, FILE *out);
void monitor_free(struct monitor *m);
void monitor_set_runner(struct monitor *m, monitor_run_fn run, void *opaque);
/* Executes one command line. */
enum monitor_result monitor_command(struct monitor *m, const char *line);
/* Reads commands from f until EOF or quit/continue-forever; echoes them when echo. Returns
 * the last result. */
enum monitor_result monitor_script(struct monitor *m, FILE *f, bool echo);
/* Prints where the machine is now (after a stop). */
void monitor_where(struct monitor *m);

#endif
