/* typed-options.c - the options and arguments of typed-send and typed-recv:
 * see typed-options.h. */
#define _GNU_SOURCE /* MSG_EXCEPT */
#include "lab.h"
#include "typed-options.h"

#include <limits.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

void parse_recv_options(int argc, char *argv[], key_t article_key,
                        struct recv_options *options)
{
    const char *key_text = NULL;
    int opt;

    while ((opt = getopt(argc, argv, "+:k:t:xneb:c:roh")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 't':
            if (!parse_long(optarg, LONG_MIN, LONG_MAX, &options->msgtyp))
                usage_bad("bad message type '%s': expected an integer", optarg);
            break;
        case 'x': options->flags |= MSG_EXCEPT; break;
        case 'n': options->flags |= IPC_NOWAIT; break;
        case 'e': options->flags |= MSG_NOERROR; break;
        case 'b':
            if (!parse_long(optarg, 0, 1L << 24, &options->bytes))
                usage_bad("bad buffer size '%s': expected 0 to %ld bytes", optarg, 1L << 24);
            break;
        case 'c':
            if (!parse_long(optarg, 1, LONG_MAX, &options->count))
                usage_bad("bad count '%s': expected a positive integer", optarg);
            break;
        case 'r': options->remove_queue = true; break;
        case 'o': options->others_allowed = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    /* The kernel ignores MSG_EXCEPT unless msgtyp > 0: say so, not nothing. */
    if ((options->flags & MSG_EXCEPT) && options->msgtyp <= 0)
        usage_bad("-x needs a positive -t: MSG_EXCEPT means 'any type but MSGTYP'");
    options->key = key_from_option_env_or(key_text, article_key);
    if (options->key == IPC_PRIVATE)
        usage_bad("key 0 is IPC_PRIVATE: that would be a new, empty queue");
}

int parse_send_options(int argc, char *argv[], key_t article_key,
                       key_t *key, int *mode, bool *others_allowed)
{
    int first_arg = parse_key_mode_options(argc, argv, article_key, key, mode,
                                           others_allowed);
    for (int i = first_arg; i < argc; i++) {
        long type;
        const char *text;
        if (!split_argument(argv[i], &type, &text))
            usage_bad("bad message '%s': expected TYPE:TEXT with TYPE a positive integer",
                      argv[i]);
    }
    if (*key == IPC_PRIVATE)
        usage_bad("key 0 is IPC_PRIVATE: no other program could open that queue");
    return first_arg;
}

bool split_argument(char *arg, long *type, const char **text)
{
    char *colon = strchr(arg, ':');

    *text = arg;
    if (colon == NULL)
        return false;
    *colon = '\0';
    bool ok = parse_long(arg, 1, LONG_MAX, type);
    *colon = ':';
    *text = colon + 1;
    return ok;
}
