/* The command line (see options.h and the usage text below). */
#include "emu/options.h"
#include "emu/errmsg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char options_usage[] =
    "usage: pagewalk [options] [image]\n"
    "\n"
    "A full-system i386 PC emulator that makes memory management visible.\n"
    "With no image, boots the bundled kernel disk. A positional image is a floppy when its\n"
    "size is a floppy size (360K/720K/1.2M/1.44M/2.88M), else a hard disk.\n"
    "\n"
    "Disks (read-only unless FILE,rw: guest writes go to an in-memory overlay, lost at exit):\n"
    "  --fda FILE, --fdb FILE      floppy images (geometry from the size)\n"
    "  --hda SPEC, --hdb SPEC      hard-disk images, SPEC = FILE[,rw][,chs=C/H/S]\n"
    "                              (derived geometry: 16 heads x 63 sectors, whole cylinders)\n"
    "  --boot a|c                  boot drive (default: c when there is a hard disk)\n"
    "  --bios FILE                 use a 64 KiB/128 KiB firmware image instead of the built-in BIOS\n"
    "Machine:\n"
    "  --mem MiB                   RAM size, 1..3072 (default 16)\n"
    "  --cpu 386|486               CPU model (default 386)\n"
    "  --tlb SPEC                  TLB model: off, ideal, entries=N,ways=W[,policy=lru|fifo|random|plru]\n"
    "  --tlb-check                 re-walk on every TLB hit and report stale translations\n"
    "  --append TEXT               kernel command line (bundled kernel's disk; written in the overlay)\n"
    "Consoles and input:\n"
    "  --serial stdio|FILE|none    COM1 (default: stdio, the terminal in raw mode; Ctrl-A x quits)\n"
    "  --serial2 stdio|FILE|none   COM2 (default: none)\n"
    "  --debugcon stdio|FILE|none  port 0xE9 debug console (default: none)\n"
    "  --type TEXT                 type TEXT on the PS/2 keyboard once the guest reads it;\n"
    "                              escapes: \\n Enter, \\t Tab, \\b Backspace, \\e Esc, \\\\, \\p pause\n"
    "                              (terminal input goes to COM1, --type to the keyboard only)\n"
    "  --headless                  no window: the guest console is the terminal (COM1; a guest\n"
    "                              that only writes to the VGA screen has its lines copied there)\n"
    "  --screen-dump FILE          write the VGA text screen to FILE when the run ends\n"
    "Seeing it:\n"
    "  (a window with the console, the page map, page tables, TLB and faults opens when a\n"
    "   display works and --headless is not given)\n"
    "  --monitor                   start paused in the monitor (help lists its commands);\n"
    "                              Ctrl-A c in the terminal or F11 in the window enters it\n"
    "  --script FILE               run monitor commands from FILE, then let the run finish\n"
    "  --symbols FILE              guest symbols (ELF or System.map; default: the bundled\n"
    "                              kernel's when booting the bundled disk)\n"
    "  --snapshot FILE.png         write the overlay picture at the end of the run\n"
    "  --trace FILE.jsonl          every machine event as one JSON object per line\n"
    "  --trace-chrome FILE.json    page faults, TLB flushes, task switches and counters in\n"
    "                              Chrome trace format (Perfetto, chrome://tracing)\n"
    "  --stats-json FILE           the run statistics as JSON\n"
    "  --compare \"A\" \"B\"          run twice, with options A then B (plus the others given),\n"
    "                              and print the statistics side by side\n"
    "Running:\n"
    "  --max-instructions N        stop after N instructions\n"
    "  --clock virtual|host        device time from the instruction count (default, reproducible)\n"
    "                              or paced to the wall clock\n"
    "  --stats                     print instruction count and TLB statistics at exit\n"
    "  --help, --version\n"
    "\n"
    "Exit status: the guest's status when it exits through port 0xF4 ((v << 1) | 1),\n"
    "0 for other normal stops, 3 after a triple fault, 2 for bad options or images.\n";

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

int options_parse_drive(const char *arg, struct pw_drive_opt *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!arg || !*arg)
        return pw_fail(err, errlen, "empty disk image name");
    if (strlen(arg) >= sizeof d->path_buf)
        return pw_fail(err, errlen, "disk image name too long: %.40s...", arg);
    strcpy(d->path_buf, arg);
    /* Options follow the last comma-separated words that look like options; a file name
     * containing a comma still works as long as its tail is not "rw" or "chs=...". */
    for (;;) {
        char *comma = strrchr(d->path_buf, ',');
        if (!comma)
            break;
        const char *opt = comma + 1;
        if (!strcmp(opt, "rw")) {
            d->rw = true;
        } else if (!strcmp(opt, "ro")) {
            d->rw = false;
        } else if (!strncmp(opt, "chs=", 4)) {
            unsigned c, h, s;
            char tail;
            if (sscanf(opt + 4, "%u/%u/%u%c", &c, &h, &s, &tail) != 3)
                return pw_fail(err, errlen, "bad geometry '%s' (expected chs=C/H/S)", opt);
            d->has_chs = true;
            d->c = c;
            d->h = h;
            d->s = s;
        } else {
            break;
        }
        *comma = '\0';
    }
    if (!d->path_buf[0])
        return pw_fail(err, errlen, "empty disk image name in '%s'", arg);
    d->path = d->path_buf;
    return 0;
}

static bool console_spec_ok(const char *s) { return s && *s; }

int options_parse(int argc, char **argv, struct pw_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->mem_mib = 16;
    o->cpu_model = 386;
    o->clock = PW_CLOCK_VIRTUAL;
    const char *tlb_spec = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            if (o->image)
                return pw_fail(err, errlen, "more than one image given ('%s' and '%s')", o->image, a);
            o->image = a;
            continue;
        }
        /* Accept both --opt value and --opt=value. */
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }

        /* Flags without a value. */
        static const char *const flags[] = {"--help", "-h", "--version", "--tlb-check",
                                            "--headless", "--stats", "--monitor", NULL};
        bool is_flag = false;
        for (int k = 0; flags[k]; k++)
            is_flag |= !strcmp(name, flags[k]);
        if (is_flag) {
            if (val)
                return pw_fail(err, errlen, "option '%s' takes no value", name);
            if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
                o->help = true;
                return 0;
            }
            if (!strcmp(name, "--version")) {
                o->version = true;
                return 0;
            }
            if (!strcmp(name, "--tlb-check"))
                o->tlb_check = true;
            else if (!strcmp(name, "--headless"))
                o->headless = true;
            else if (!strcmp(name, "--stats"))
                o->stats = true;
            else if (!strcmp(name, "--monitor"))
                o->monitor = true;
            continue;
        }

        static const char *const valued[] = {
            "--fda", "--fdb", "--hda", "--hdb", "--boot", "--mem", "--cpu", "--tlb", "--append",
            "--serial", "--serial2", "--debugcon", "--max-instructions", "--clock", "--type",
            "--screen-dump", "--bios", "--script", "--symbols", "--snapshot", "--trace",
            "--trace-chrome", "--stats-json", "--compare", NULL};
        bool known = false;
        for (int k = 0; valued[k]; k++)
            known |= !strcmp(name, valued[k]);
        if (!known)
            return pw_fail(err, errlen, "unknown option '%s' (try --help)", name);
        if (!val) {
            if (i + 1 >= argc)
                return pw_fail(err, errlen, "option '%s' needs a value (try --help)", name);
            val = argv[++i];
        }

        if (!strcmp(name, "--fda") || !strcmp(name, "--fdb")) {
            struct pw_drive_opt *d = &o->fd[name[4] - 'a'];
            if (options_parse_drive(val, d, err, errlen))
                return -1;
            if (d->has_chs)
                return pw_fail(err, errlen, "%s: floppy geometry comes from the image size (no chs=)", name);
        } else if (!strcmp(name, "--hda") || !strcmp(name, "--hdb")) {
            if (options_parse_drive(val, &o->hd[name[4] - 'a'], err, errlen))
                return -1;
        } else if (!strcmp(name, "--boot")) {
            if (strcmp(val, "a") && strcmp(val, "c"))
                return pw_fail(err, errlen, "--boot: expected a or c, got '%s'", val);
            o->boot = val[0];
        } else if (!strcmp(name, "--mem")) {
            uint64_t v;
            if (!parse_uint(val, 3072, &v) || v < 1)
                return pw_fail(err, errlen, "--mem: expected a size in MiB from 1 to 3072, got '%s'", val);
            o->mem_mib = (unsigned)v;
        } else if (!strcmp(name, "--cpu")) {
            if (!strcmp(val, "386"))
                o->cpu_model = 386;
            else if (!strcmp(val, "486"))
                o->cpu_model = 486;
            else
                return pw_fail(err, errlen, "--cpu: expected 386 or 486, got '%s'", val);
        } else if (!strcmp(name, "--tlb")) {
            tlb_spec = val;
        } else if (!strcmp(name, "--append")) {
            if (strlen(val) > 500)
                return pw_fail(err, errlen, "--append: the command line is longer than 500 characters");
            o->append = val;
        } else if (!strcmp(name, "--serial") || !strcmp(name, "--serial2") ||
                   !strcmp(name, "--debugcon")) {
            if (!console_spec_ok(val))
                return pw_fail(err, errlen, "%s: expected stdio, none or a file name", name);
            if (!strcmp(name, "--serial"))
                o->serial = val;
            else if (!strcmp(name, "--serial2"))
                o->serial2 = val;
            else
                o->debugcon = val;
        } else if (!strcmp(name, "--max-instructions")) {
            uint64_t v;
            if (!parse_uint(val, UINT64_MAX / 2, &v) || v == 0)
                return pw_fail(err, errlen, "--max-instructions: expected a positive count, got '%s'", val);
            o->max_insns = v;
        } else if (!strcmp(name, "--clock")) {
            if (!strcmp(val, "virtual"))
                o->clock = PW_CLOCK_VIRTUAL;
            else if (!strcmp(val, "host"))
                o->clock = PW_CLOCK_HOST;
            else
                return pw_fail(err, errlen, "--clock: expected virtual or host, got '%s'", val);
        } else if (!strcmp(name, "--type")) {
            o->type_text = val;
        } else if (!strcmp(name, "--screen-dump")) {
            if (!*val)
                return pw_fail(err, errlen, "--screen-dump: empty file name");
            o->screen_dump = val;
        } else if (!strcmp(name, "--compare")) {
            if (i + 1 >= argc)
                return pw_fail(err, errlen, "--compare needs two option strings: --compare \"A\" \"B\"");
            o->compare[0] = val;
            o->compare[1] = argv[++i];
        } else if (!strcmp(name, "--script") || !strcmp(name, "--symbols") || !strcmp(name, "--snapshot") ||
                   !strcmp(name, "--trace") || !strcmp(name, "--trace-chrome") || !strcmp(name, "--stats-json")) {
            if (!*val)
                return pw_fail(err, errlen, "%s: empty file name", name);
            if (!strcmp(name, "--script"))
                o->script = val;
            else if (!strcmp(name, "--symbols"))
                o->symbols = val;
            else if (!strcmp(name, "--snapshot"))
                o->snapshot = val;
            else if (!strcmp(name, "--trace"))
                o->trace = val;
            else if (!strcmp(name, "--trace-chrome"))
                o->trace_chrome = val;
            else
                o->stats_json = val;
        } else if (!strcmp(name, "--bios")) {
            if (!*val)
                return pw_fail(err, errlen, "--bios: empty file name");
            o->bios = val;
        }
    }

    /* The TLB spec depends on the CPU model for its defaults, so it is parsed last. */
    o->tlb = mmu_tlb_default(o->cpu_model);
    if (tlb_spec) {
        char terr[160];
        if (mmu_tlb_parse(tlb_spec, &o->tlb, terr, sizeof terr))
            return pw_fail(err, errlen, "%s%s", strncmp(terr, "--tlb", 5) ? "--tlb: " : "", terr);
        o->tlb_set = true;
    }
    return 0;
}
