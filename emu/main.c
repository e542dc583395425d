/* pagewalk: entry point. (The full command line and run loop are built in emu/.) */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("pagewalk %s\n", PAGEWALK_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help")) {
            printf("usage: pagewalk [options] [image]\n");
            return 0;
        }
        fprintf(stderr, "pagewalk: unknown option '%s' (try --help)\n", argv[i]);
        return 2;
    }
    fprintf(stderr, "pagewalk: the machine is not assembled yet\n");
    return 1;
}
