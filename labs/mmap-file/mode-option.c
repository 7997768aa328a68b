/* mode-option.c - the options of mmap-file's programs: see mode-option.h. */
#define _GNU_SOURCE
#include "lab.h"
#include "mode-option.h"

#include <unistd.h>

int parse_mode_option(int argc, char *argv[], int *mode)
{
    int opt;

    while ((opt = getopt(argc, argv, "+:m:h")) != -1) {
        switch (opt) {
        case 'm': *mode = mode_option(optarg); break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    return optind;
}

int parse_help_option(int argc, char *argv[])
{
    int opt;

    /* "+": stop at the first argument: what follows it is not an option. */
    while ((opt = getopt(argc, argv, "+:h")) != -1) {
        if (opt == 'h')
            usage_help();
        usage_bad_option(opt);
    }
    return optind;
}
