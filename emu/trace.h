/* Trace writers, both event subscribers:
 *  --trace FILE.jsonl         every event as one JSON object per line;
 *  --trace-chrome FILE.json   Chrome trace format (Perfetto, chrome://tracing): page faults,
 *                             TLB flushes and task switches as instant events; free pages, TLB
 *                             hit rate and page faults per second as counters, over virtual
 *                             time (1 instruction = the board's ns per instruction). */
#ifndef PW_EMU_TRACE_H
#define PW_EMU_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "emu/guest.h"

struct pc;

struct trace {
    struct pc *pc;
    struct guest guest;
    FILE *jsonl, *chrome;
    bool chrome_first;
    uint64_t next_sample_ns, sample_every_ns;
    uint64_t last_lookups, last_hits, faults_since;
    uint64_t last_sample_ns;
};

/* Either path may be NULL. Returns 0, or -1 with a one-line reason. */
int trace_open(struct trace *t, struct pc *pc, const struct symtab *syms, const char *jsonl_path,
               const char *chrome_path, char *err, size_t errlen);
/* Samples counters if due; the run loop calls it now and then. */
void trace_sample(struct trace *t);
void trace_close(struct trace *t);

#endif
