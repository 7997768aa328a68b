/* typed-options.h - the options and arguments of typed-send and typed-recv
 * (typed-options.c).  Not the lesson: the queue calls are in typed-send.c
 * and typed-recv.c; this is the parsing before them.  Bad usage exits 2
 * (usage_bad), before any queue is touched; -h exits 0. */
#ifndef TYPED_OPTIONS_H
#define TYPED_OPTIONS_H

#include "lab.h"

/* typed-recv's options; the caller fills in the defaults. */
struct recv_options {
    key_t key;           /* -k, else $IPC_LAB_KEY, else the article's key; never 0 */
    long msgtyp;         /* -t: msgrcv's msgtyp */
    long bytes;          /* -b: the text buffer, msgrcv's msgsz */
    long count;          /* -c: how many messages at most; -1: no limit */
    int flags;           /* -x MSG_EXCEPT, -n IPC_NOWAIT, -e MSG_NOERROR */
    bool remove_queue;   /* -r */
    bool others_allowed; /* -o */
};

/* typed-recv: parses -k -t -x -n -e -b -c -r -o -h into *options.  No
 * argument is taken; -x needs a positive -t (the kernel would ignore it). */
void parse_recv_options(int argc, char *argv[], key_t article_key,
                        struct recv_options *options);

/* typed-send: parses -k -m -o -h, then checks every TYPE:TEXT argument, so
 * a bad one is refused before the queue is touched; key 0 is refused too.
 * Returns the index in argv of the first TYPE:TEXT argument. */
int parse_send_options(int argc, char *argv[], key_t article_key,
                       key_t *key, int *mode, bool *others_allowed);

/* "TYPE:TEXT" -> type and text; false if TYPE is not a positive integer.
 * The text is what follows the first colon (it may hold colons, or be
 * empty). */
bool split_argument(char *arg, long *type, const char **text);

#endif
