#include "emu/compare.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int compare_split(char *buf, char **words, int max)
{
    int n = 0;
    char *p = buf, *o = buf;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (n == max)
            return -1;
        words[n++] = o;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '"' || *p == '\'') {
                char q = *p++;
                while (*p && *p != q)
                    *o++ = *p++;
                if (*p != q)
                    return -1;
                p++;
            } else {
                *o++ = *p++;
            }
        }
        if (*p)
            p++;
        *o++ = 0;
    }
    return n;
}

struct result {
    char *json;
    int status;
};

/* The number after "key": in the JSON the child wrote (we wrote the format ourselves). */
static unsigned long long jnum(const char *json, const char *section, const char *key)
{
    const char *p = json;
    if (section && !(p = strstr(json, section)))
        return 0;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *k = strstr(p, pat);
    return k ? strtoull(k + strlen(pat), NULL, 10) : 0;
}

static int run_child(const char *self, const char *opts, int ncommon, char **common, const char *json_path,
                     struct result *r)
{
    char *buf = strdup(opts);
    char *words[64];
    int n = buf ? compare_split(buf, words, 64) : -1;
    if (n < 0) {
        fprintf(stderr, "pagewalk: --compare: cannot split options \"%s\"\n", opts);
        free(buf);
        return -1;
    }
    char **argv = calloc((size_t)(n + ncommon + 6), sizeof *argv);
    int a = 0;
    argv[a++] = (char *)self;
    for (int i = 0; i < ncommon; i++)
        argv[a++] = common[i];
    for (int i = 0; i < n; i++)
        argv[a++] = words[i];
    argv[a++] = "--headless";
    argv[a++] = "--stats-json";
    argv[a++] = (char *)json_path;
    argv[a] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* the guest's console output is not part of the comparison; the child's own
         * messages are kept aside and shown only if it fails */
        FILE *devnull = freopen("/dev/null", "w", stdout);
        FILE *nostdin = freopen("/dev/null", "r", stdin);
        (void)nostdin;
        char errpath[96];
        snprintf(errpath, sizeof errpath, "%s.err", json_path);
        FILE *errf = freopen(errpath, "w", stderr);
        (void)devnull;
        (void)errf;
        execv(self, argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
        free(argv);
        free(buf);
        return -1;
    }
    free(argv);
    free(buf);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    char errpath[96];
    snprintf(errpath, sizeof errpath, "%s.err", json_path);
    FILE *f = fopen(json_path, "r");
    if (!f) {
        FILE *e = fopen(errpath, "r");
        char line[512];
        while (e && fgets(line, sizeof line, e))
            fputs(line, stderr);
        if (e)
            fclose(e);
        unlink(errpath);
        return -1;
    }
    unlink(errpath);
    r->json = calloc(1, 65536);
    size_t got = r->json ? fread(r->json, 1, 65535, f) : 0;
    fclose(f);
    unlink(json_path);
    return got ? 0 : -1;
}

int compare_run(const char *self, const char *opts_a, const char *opts_b, int ncommon, char **common, FILE *out)
{
    char pa[64], pb[64];
    snprintf(pa, sizeof pa, "/tmp/pagewalk-compare-%d-a.json", (int)getpid());
    snprintf(pb, sizeof pb, "/tmp/pagewalk-compare-%d-b.json", (int)getpid());
    struct result ra = {0}, rb = {0};
    if (run_child(self, opts_a, ncommon, common, pa, &ra) < 0 || run_child(self, opts_b, ncommon, common, pb, &rb) < 0) {
        fprintf(stderr, "pagewalk: --compare: a run produced no statistics\n");
        free(ra.json);
        free(rb.json);
        return 1;
    }
    static const struct { const char *section, *key, *label; } rows[] = {
        {NULL, "instructions", "instructions"},
        {"\"faults\"", "cow-copy", "faults: copy-on-write copy"},
        {"\"faults\"", "cow-reuse", "faults: copy-on-write reuse"},
        {"\"faults\"", "demand-zero", "faults: demand-zero"},
        {"\"faults\"", "demand-load", "faults: demand-load"},
        {"\"faults\"", "not-present", "faults: other not-present"},
        {"\"faults\"", "protection", "faults: protection"},
        {NULL, "task_switches", "task switches"},
        {NULL, "cr3_writes", "CR3 writes"},
        {NULL, "invlpg", "INVLPG"},
        {"\"tlb\"", "lookups", "TLB lookups"},
        {"\"tlb\"", "hits", "TLB hits"},
        {"\"tlb\"", "misses", "TLB misses"},
        {"\"tlb\"", "walks", "page walks"},
        {"\"tlb\"", "evictions", "TLB evictions"},
        {"\"flushes\"", "cr3", "flushes: CR3 write"},
        {"\"flushes\"", "invlpg", "flushes: INVLPG"},
        {"\"flushes\"", "task_switch", "flushes: task switch"},
        {"\"flushed\"", "cr3", "entries flushed: CR3"},
        {"\"flushed\"", "invlpg", "entries flushed: INVLPG"},
        {"\"flushed\"", "task_switch", "entries flushed: task switch"},
        {"\"tlb\"", "stale_uses", "stale TLB uses"},
    };
    fprintf(out, "A: %s\nB: %s\n", opts_a, opts_b);
    if (ncommon) {
        fprintf(out, "both:");
        for (int i = 0; i < ncommon; i++)
            fprintf(out, " %s", common[i]);
        fprintf(out, "\n");
    }
    fprintf(out, "\n%-30s %20s %20s\n", "", "A", "B");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned long long a = jnum(ra.json, rows[i].section, rows[i].key);
        unsigned long long b = jnum(rb.json, rows[i].section, rows[i].key);
        fprintf(out, "%-30s %20llu %20llu%s\n", rows[i].label, a, b, a != b ? "   *" : "");
    }
    unsigned long long la = jnum(ra.json, "\"tlb\"", "lookups"), lb = jnum(rb.json, "\"tlb\"", "lookups");
    fprintf(out, "%-30s %19.2f%% %19.2f%%\n", "TLB hit rate",
            la ? 100.0 * (double)jnum(ra.json, "\"tlb\"", "hits") / (double)la : 0.0,
            lb ? 100.0 * (double)jnum(rb.json, "\"tlb\"", "hits") / (double)lb : 0.0);
    fprintf(out, "%-30s %20d %20d\n", "exit status", ra.status, rb.status);
    free(ra.json);
    free(rb.json);
    return 0;
}
