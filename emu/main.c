/* pagewalk: the program. Parses the command line, opens the disks, assembles the machine,
 * runs it and reports why it stopped.
 *
 * Exit status: the guest's (v << 1) | 1 when it wrote v to port 0xF4; 0 for the other
 * normal stops (budget, halt, Ctrl-C, window closed); 3 after a triple fault; 2 for bad
 * options or images; 1 when the machine could not be built. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/console.h"
#include "emu/disk.h"
#include "emu/options.h"
#include "emu/pc.h"
#include "emu/runloop.h"
#include "emu/screenlog.h"
#include "emu/compare.h"
#include "emu/session.h"

/* The RTC's time at virtual time 0 on the virtual clock: fixed, so runs are reproducible
 * (2026-01-01 00:00:00 UTC). */
#define PW_FIXED_EPOCH 1767225600

struct sink {
    FILE *f;
    bool is_stdout;
};

static void sink_byte(void *opaque, uint8_t b)
{
    struct sink *s = opaque;
    if (s->f)
        fputc(b, s->f);
    if (s->is_stdout && (b == '\n' || b == '\r'))
        fflush(s->f);
}

/* "stdio", "none" or a file name. Returns 0 or -1 with a message. */
static int sink_open(struct sink *s, const char *spec, const char *opt, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (!spec || !strcmp(spec, "none"))
        return 0;
    if (!strcmp(spec, "stdio")) {
        s->f = stdout;
        s->is_stdout = true;
        return 0;
    }
    s->f = fopen(spec, "w");
    if (!s->f) {
        snprintf(err, errlen, "%s %s: %s", opt, spec, strerror(errno));
        return -1;
    }
    return 0;
}

static bool is_floppy_size(const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return false;
    switch (st.st_size) {
    case 368640: case 737280: case 1228800: case 1474560: case 2949120:
        return true;
    default:
        return false;
    }
}

static int die2(const char *msg)
{
    fprintf(stderr, "pagewalk: %s\n", msg);
    return 2;
}

static void print_stats(const struct pc *pc)
{
    const struct mmu_tlb_stats st = mmu_stats(&pc->mmu), *s = &st;
    fprintf(stderr, "instructions: %llu\n", (unsigned long long)pc->cpu.icount);
    fprintf(stderr, "virtual time: %.3f ms (%.3f ms idle in HLT)\n", pc_now_ns(pc) / 1e6,
            pc->idle_ns / 1e6);
    fprintf(stderr,
            "TLB: lookups %llu, hits %llu, misses %llu, walks %llu, fills %llu, evictions %llu\n",
            (unsigned long long)s->lookups, (unsigned long long)s->hits,
            (unsigned long long)s->misses, (unsigned long long)s->walks,
            (unsigned long long)s->fills, (unsigned long long)s->evictions);
    static const char *const causes[PW_FLUSH_NCAUSES] = {"CR3", "INVLPG", "task switch",
                                                         "CR0", "CR4", "host"};
    fprintf(stderr, "TLB flushes:");
    for (int i = 0; i < PW_FLUSH_NCAUSES; i++)
        fprintf(stderr, "%s %s %llu (%llu entries)", i ? "," : "", causes[i],
                (unsigned long long)s->flushes[i], (unsigned long long)s->flushed[i]);
    fprintf(stderr, "\npage faults: %llu, stale TLB uses: %llu\n",
            (unsigned long long)s->page_faults, (unsigned long long)s->stale_uses);
}

/* The visible VGA text, all 25 rows, honouring the CRTC start address. */
static int write_screen(const struct pc *pc, FILE *f)
{
    size_t need = vga_screen_text(&pc->vga, NULL, 0);
    char *buf = malloc(need + 1);
    if (!buf)
        return -1;
    vga_screen_text(&pc->vga, buf, need + 1);
    fputs(buf, f);
    free(buf);
    return 0;
}

static void screen_before_scroll(void *opaque, struct pc *pc)
{
    screenlog_poll(opaque, &pc->vga, pc_now_ns(pc), pc->com[0].tx_count > 0, true);
}

int main(int argc, char **argv)
{
    struct pw_options o;
    char err[512];
    if (options_parse(argc, argv, &o, err, sizeof err))
        return die2(err);
    if (o.help) {
        fputs(options_usage, stdout);
        return 0;
    }
    if (o.version) {
        printf("pagewalk %s\n", PAGEWALK_VERSION);
        return 0;
    }
    if (o.compare[0]) {
        /* The same run twice: every other option is common to both. */
        char **common = calloc((size_t)argc, sizeof *common);
        int n = 0;
        for (int i = 1; common && i < argc; i++) {
            if (!strcmp(argv[i], "--compare")) {
                i += 2;
                continue;
            }
            if (!strncmp(argv[i], "--compare=", 10)) {
                i += 1;
                continue;
            }
            common[n++] = argv[i];
        }
        char self[4096];
        ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
        if (len <= 0)
            snprintf(self, sizeof self, "%s", argv[0]);
        else
            self[len] = 0;
        int st = common ? compare_run(self, o.compare[0], o.compare[1], n, common, stdout) : 1;
        free(common);
        return st;
    }

    /* The positional image: a floppy when it has a floppy's size, else the first hard disk. */
    if (o.image) {
        bool fd = is_floppy_size(o.image) && !o.fd[0].path;
        struct pw_drive_opt *d = fd ? &o.fd[0] : &o.hd[0];
        if (d->path)
            return die2("an image was given both as --hda and as the positional image");
        if (options_parse_drive(o.image, d, err, sizeof err))
            return die2(err);
    }
    bool bundled = false;
    /* No disk at all: the bundled one, unless a firmware image was given (firmware may
     * well run without any disk). */
    if (!o.fd[0].path && !o.fd[1].path && !o.hd[0].path && !o.hd[1].path && !o.bios) {
        if (access(PW_DEFAULT_DISK, F_OK)) {
            fprintf(stderr, "pagewalk: no image given and the bundled disk %s is missing "
                            "(build it with 'make', or pass an image)\n", PW_DEFAULT_DISK);
            return 2;
        }
        options_parse_drive(PW_DEFAULT_DISK, &o.hd[0], err, sizeof err);
        bundled = true;
    }

    static struct disk disks[PC_NDRIVES];
    struct disk *drives[PC_NDRIVES] = {0};
    const struct pw_drive_opt *dopts[PC_NDRIVES] = {&o.fd[0], &o.fd[1], &o.hd[0], &o.hd[1]};
    for (int i = 0; i < PC_NDRIVES; i++) {
        const struct pw_drive_opt *d = dopts[i];
        if (!d->path)
            continue;
        struct disk_geometry chs = {d->c, d->h, d->s};
        if (disk_open(&disks[i], d->path, i < PC_HDA ? DISK_FLOPPY : DISK_HARD, d->rw,
                      d->has_chs ? &chs : NULL, err, sizeof err))
            return die2(err);
        drives[i] = &disks[i];
    }
    if (o.append) {
        if (!drives[PC_HDA])
            return die2("--append needs the bundled kernel's disk as the first hard disk");
        if (disk_set_cmdline(drives[PC_HDA], o.append, err, sizeof err))
            return die2(err);
    }

    struct pc_config cfg = {0};
    cfg.ram_bytes = o.mem_mib * 1024u * 1024u;
    cfg.cpu_model = o.cpu_model;
    cfg.tlb = o.tlb;
    cfg.tlb_check = o.tlb_check;
    cfg.rtc_epoch = o.clock == PW_CLOCK_HOST ? (int64_t)time(NULL) : PW_FIXED_EPOCH;
    if (o.boot == 'a' && !drives[PC_FDA])
        return die2("--boot a: no floppy image (--fda FILE)");
    if (o.boot == 'c' && !drives[PC_HDA])
        return die2("--boot c: no hard-disk image (--hda FILE)");
    cfg.boot_drive = o.boot == 'a' ? 0x00 : o.boot == 'c' ? 0x80 : drives[PC_HDA] ? 0x80 : 0x00;

    uint8_t *rom = NULL;
    if (o.bios) {
        FILE *f = fopen(o.bios, "rb");
        if (!f) {
            snprintf(err, sizeof err, "--bios %s: %s", o.bios, strerror(errno));
            return die2(err);
        }
        rom = malloc(0x20001);
        size_t n = rom ? fread(rom, 1, 0x20001, f) : 0;
        fclose(f);
        if (n != 0x10000 && n != 0x20000) {
            snprintf(err, sizeof err, "--bios %s: a firmware image is 64 KiB or 128 KiB, not %zu bytes",
                     o.bios, n);
            free(rom);
            return die2(err);
        }
        cfg.bios_image = rom;
        cfg.bios_size = (uint32_t)n;
    }

    struct sink com1, com2, dbg;
    struct run_ctx rc;
    memset(&rc, 0, sizeof rc);
    if (typer_init(&rc.typer, o.type_text)) {
        free(rom);
        return die2("--type: the text is too long (at most 1024 keys)");
    }
    if (sink_open(&com1, o.serial ? o.serial : "stdio", "--serial", err, sizeof err) ||
        sink_open(&com2, o.serial2 ? o.serial2 : "none", "--serial2", err, sizeof err) ||
        sink_open(&dbg, o.debugcon ? o.debugcon : "none", "--debugcon", err, sizeof err)) {
        free(rom);
        return die2(err);
    }
    rc.max_insns = o.max_insns;
    rc.host_clock = o.clock == PW_CLOCK_HOST;
    /* Headless: no window exists yet (the SDL2 overlay is another piece of work), so the
     * terminal is the console whatever --headless says. */

    struct pc *pc = calloc(1, sizeof *pc);
    if (!pc) {
        fprintf(stderr, "pagewalk: out of memory\n");
        return 1;
    }
    if (pc_init(pc, &cfg, drives, err, sizeof err)) {
        fprintf(stderr, "pagewalk: %s\n", err);
        free(rom);
        pc_free(pc);
        free(pc);
        return 1;
    }
    free(rom);
    pc->serial_out[0] = sink_byte;
    pc->serial_opaque[0] = &com1;
    pc->serial_out[1] = sink_byte;
    pc->serial_opaque[1] = &com2;
    pc->debugcon_out = sink_byte;
    pc->debugcon_opaque = &dbg;

    /* Headless with the terminal as the console: if the guest writes only to the VGA
     * screen, its lines are copied to the terminal (unless stdout carries the debug
     * console, whose transcript must stay clean). */
    static struct screenlog screen;
    screenlog_init(&screen, com1.is_stdout && !dbg.is_stdout ? stdout : NULL);
    rc.screen = &screen;
    pc->before_scroll = screen_before_scroll;
    pc->before_scroll_opaque = &screen;

    struct console con;
    console_open(&con, com1.is_stdout);
    rc.con = &con;
    if (con.raw)
        fprintf(stderr, "pagewalk: the terminal is the guest's console (COM1); Ctrl-A x quits\r\n");
    rc.stdin_uart = com1.is_stdout ? 0 : -1;
    (void)bundled;

    struct session_opts so = {
        .symbols = o.symbols, .bundled = bundled, .monitor = o.monitor, .script = o.script,
        .headless = o.headless, .snapshot = o.snapshot, .trace = o.trace,
        .trace_chrome = o.trace_chrome, .stats_json = o.stats_json,
    };
    static struct session sess;
    if (session_open(&sess, pc, &rc, &so, err, sizeof err)) {
        console_close(&con);
        fprintf(stderr, "pagewalk: %s\n", err);
        return 2;
    }
    enum pc_stop why = session_run(&sess);
    bool status_files_failed = false;
    console_close(&con);
    fflush(stdout);
    if (com1.f && !com1.is_stdout)
        fclose(com1.f);
    if (com2.f && !com2.is_stdout)
        fclose(com2.f);
    if (dbg.f && !dbg.is_stdout)
        fclose(dbg.f);

    /* The guest never used COM1 and the terminal is its console: the rest of the screen. */
    screenlog_finish(&screen, &pc->vga, pc->com[0].tx_count > 0);
    screenlog_free(&screen);
    fflush(stdout);
    if (o.screen_dump) {
        FILE *f = fopen(o.screen_dump, "w");
        if (!f || write_screen(pc, f))
            fprintf(stderr, "pagewalk: --screen-dump %s: %s\n", o.screen_dump, strerror(errno));
        if (f)
            fclose(f);
    }

    if (con.tty && pc->com[0].tx_count)
        fputc('\n', stderr);                 /* the guest's prompt has no newline yet */
    fprintf(stderr, "pagewalk: %s\n", pc->stop_msg[0] ? pc->stop_msg : "stopped");
    if (pc->sys.post_seen)
        fprintf(stderr, "pagewalk: last POST code %02Xh\n", pc->sys.post_code);
    if (o.stats)
        print_stats(pc);
    if (session_close(&sess, o.stats))
        status_files_failed = true;

    int status = status_files_failed ? 1 : 0;
    if (why == PC_STOP_EXIT)
        status = pc->exit_status;
    else if (why == PC_STOP_SHUTDOWN)
        status = 3;
    pc_free(pc);
    free(pc);
    for (int i = 0; i < PC_NDRIVES; i++)
        if (drives[i])
            disk_close(drives[i]);
    return status;
}
