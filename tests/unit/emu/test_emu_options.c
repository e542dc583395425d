/* Command-line parsing: every error is one line (no newline) and -1; values land where the
 * program reads them. */
#include <string.h>

#include "emu/options.h"
#include "test.h"

static int parse(struct pw_options *o, char *err, size_t n, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"pagewalk";
    for (; args[argc - 1]; argc++)
        argv[argc] = (char *)args[argc - 1];
    err[0] = '\0';
    return options_parse(argc, argv, o, err, n);
}

#define PARSE(o, err, ...) parse((o), (err), sizeof(err), (const char *const[]){__VA_ARGS__, NULL})

static void check_error(struct pw_options *o, int r, const char *err, const char *needle)
{
    CHECK_EQ(r, -1);
    CHECK(err[0] != '\0');
    CHECK(strchr(err, '\n') == NULL);
    CHECK(strstr(err, needle) != NULL);
    (void)o;
}

int main(void)
{
    struct pw_options o;
    char err[256];

    /* Defaults. */
    CHECK_EQ(PARSE(&o, err, "disk.img"), 0);
    CHECK_EQ(o.mem_mib, 16);
    CHECK_EQ(o.cpu_model, 386);
    CHECK(o.image && !strcmp(o.image, "disk.img"));
    CHECK_EQ(o.clock, PW_CLOCK_VIRTUAL);
    CHECK(!o.stats && !o.headless && !o.tlb_check);
    CHECK_EQ(o.max_insns, 0);

    /* Values, in both spellings. */
    CHECK_EQ(PARSE(&o, err, "--mem", "64", "--cpu=486", "--boot", "a", "--fda", "f.img",
                   "--hda=h.img,rw,chs=20/16/63", "--hdb", "x,y.img", "--max-instructions",
                   "1000", "--stats", "--headless", "--tlb-check", "--clock", "host",
                   "--serial", "out.txt", "--debugcon", "stdio", "--type", "ls\\n",
                   "--append", "alloc=buddy", "--screen-dump", "s.txt"), 0);
    CHECK_EQ(o.mem_mib, 64);
    CHECK_EQ(o.cpu_model, 486);
    CHECK_EQ(o.boot, 'a');
    CHECK(o.fd[0].path && !strcmp(o.fd[0].path, "f.img") && !o.fd[0].rw);
    CHECK(o.hd[0].path && !strcmp(o.hd[0].path, "h.img"));
    CHECK(o.hd[0].rw && o.hd[0].has_chs);
    CHECK_EQ(o.hd[0].c, 20);
    CHECK_EQ(o.hd[0].h, 16);
    CHECK_EQ(o.hd[0].s, 63);
    CHECK(o.hd[1].path && !strcmp(o.hd[1].path, "x,y.img"));   /* a comma in a file name */
    CHECK_EQ(o.max_insns, 1000);
    CHECK(o.stats && o.headless && o.tlb_check);
    CHECK_EQ(o.clock, PW_CLOCK_HOST);
    CHECK(!strcmp(o.serial, "out.txt") && !strcmp(o.debugcon, "stdio"));
    CHECK(!strcmp(o.type_text, "ls\\n") && !strcmp(o.append, "alloc=buddy"));
    CHECK(!strcmp(o.screen_dump, "s.txt"));

    /* --help / --version stop parsing (a later bad option is not an error). */
    CHECK_EQ(PARSE(&o, err, "--help", "--bogus"), 0);
    CHECK(o.help);
    CHECK_EQ(PARSE(&o, err, "--version"), 0);
    CHECK(o.version);

    /* Errors: one line naming the problem. */
    check_error(&o, PARSE(&o, err, "--bogus"), err, "--bogus");
    check_error(&o, PARSE(&o, err, "-x"), err, "-x");
    check_error(&o, PARSE(&o, err, "--mem", "0"), err, "--mem");
    check_error(&o, PARSE(&o, err, "--mem", "3073"), err, "--mem");
    check_error(&o, PARSE(&o, err, "--mem", "12abc"), err, "--mem");
    check_error(&o, PARSE(&o, err, "--mem", "-5"), err, "--mem");
    check_error(&o, PARSE(&o, err, "--mem"), err, "needs a value");
    check_error(&o, PARSE(&o, err, "--cpu", "586"), err, "--cpu");
    check_error(&o, PARSE(&o, err, "--boot", "d"), err, "--boot");
    check_error(&o, PARSE(&o, err, "--clock", "fast"), err, "--clock");
    check_error(&o, PARSE(&o, err, "--max-instructions", "0"), err, "--max-instructions");
    check_error(&o, PARSE(&o, err, "--hda", "a.img,chs=1/2"), err, "chs=");
    check_error(&o, PARSE(&o, err, "--fda", "a.img,chs=80/2/18"), err, "floppy");
    check_error(&o, PARSE(&o, err, "--hda", ""), err, "empty");
    check_error(&o, PARSE(&o, err, "a.img", "b.img"), err, "more than one image");
    check_error(&o, PARSE(&o, err, "--stats=1"), err, "no value");
    check_error(&o, PARSE(&o, err, "--tlb", "sets=banana"), err, "--tlb");

    /* The TLB default follows the CPU model; a spec replaces it. */
    CHECK_EQ(PARSE(&o, err, "--tlb", "ideal"), 0);
    CHECK(o.tlb_set);
    CHECK_EQ(o.tlb.mode, TLB_IDEAL);

    return test_summary("test_emu_options");
}
