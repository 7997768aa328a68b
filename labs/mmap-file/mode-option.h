/* mode-option.h - the options of mmap-file's programs (mode-option.c):
 * -m MODE for mmap-write, which creates its file; -h alone for the others.
 * Not the lesson: option parsing. */
#ifndef MODE_OPTION_H
#define MODE_OPTION_H

/* Parses -m MODE (octal, into *mode, which holds the default) and -h; bad
 * usage exits 2 (usage_bad), -h exits 0.  Returns the index in argv of the
 * first argument after the options. */
int parse_mode_option(int argc, char *argv[], int *mode);

/* For the programs whose only option is -h: parses it (bad usage exits 2)
 * and returns the index in argv of the first argument. */
int parse_help_option(int argc, char *argv[]);

#endif
