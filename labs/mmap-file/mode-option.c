/* mode-option.c - the -m MODE option: see mode-option.h. */
#define _GNU_SOURCE
#include "lab.h"
#include "mode-option.h"

#include <unistd.h>

int parse_mode_option(int argc, char *argv[], int *mode)
{
    int opt;

    while ((opt = getopt(argc, argv, "+:m:h")) != -1) {
        switch (opt) {
        case 'm':
            if (!parse_mode(optarg, mode))
                usage_bad("bad mode '%s': expected octal such as 0600", optarg);
            break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    return optind;
}
