/* chat-recv - print what chat-send sends through a System V message queue.
 *
 * Follows article 003, section 6.3 (msg1.c): open or create the queue with
 * key 1234, receive messages of any type (msgtyp 0) and print them until
 * one starts with "end", then remove the queue.
 *
 *     make && ./chat-recv              # then, in a second terminal:
 *     ./chat-send                      # type lines, then end
 */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <sys/msg.h>
#include <unistd.h>

#define MSG_KEY  1234
#define MAX_TEXT 512     /* as chat-send: the largest message we accept */
#define END_WORD "end"

struct my_msg_st {
    long int my_msg_type;
    char some_text[MAX_TEXT];
};

static const char usage_text[] =
    "usage: chat-recv [-k KEY] [-m MODE] [-o]\n"
    "  Prints 'You wrote: TEXT' for each message, until one starts with 'end';\n"
    "  then removes the queue.\n"
    "  -k KEY   queue key (strtol base 0); default $IPC_LAB_KEY, else 1234\n"
    "  -m MODE  permissions if the queue is created, octal (default 0600)\n"
    "  -o       use the queue even if another user owns it (refused by default)\n"
    "  -h       this help\n";

int main(int argc, char *argv[])
{
    key_t key;
    int mode;
    bool others_allowed; /* -o */

    lab_init(usage_text);
    parse_peer_options(argc, argv, MSG_KEY,
                       "chat-send could never open that queue",
                       &key, &mode, &others_allowed);

    /* lesson: msgget, msgrcv and print until END_WORD, IPC_RMID */
    /* Create the queue, or open the one chat-send made: either program may
     * start first.  IPC_EXCL tells which: a queue we did not create may be
     * anyone's, so check_queue_owner looks before we read from it.  We are
     * the one that removes the queue, so a signal that stops us must remove
     * it too. */
    signals_hold();
    int msqid = msgget(key, IPC_CREAT | IPC_EXCL | mode);
    if (msqid == -1 && errno == EEXIST && (msqid = msgget(key, 0)) != -1)
        check_queue_owner(msqid, key, others_allowed);
    if (msqid == -1)
        die_msgget(key);
    cleanup_queue(msqid, ON_SIGNAL);

    struct my_msg_st msg;
    for (;;) {
        /* msgtyp 0: the first message, whatever its type.  msgsz counts the
         * text only (the article passed BUFSIZ for a BUFSIZ array: right).
         * A message over MAX_TEXT is E2BIG and stays queued. */
        ssize_t n = msgrcv(msqid, &msg, MAX_TEXT, 0, 0);
        if (n == -1)
            die_queue("msgrcv", msqid); /* EIDRM: the queue was removed */
        print_message_line("You wrote: ", msg.some_text, (size_t)n);
        /* Output that cannot be written stops us before the next msgrcv:
         * the rest stays queued (and so does the queue) for another try. */
        check_stdout("1 message taken off the queue was not printed");
        if (starts_with(msg.some_text, (size_t)n, END_WORD))
            break;
    }

    /* The last step: remove the queue, and exit 0 (not EXIT_FAILURE). */
    if (msgctl(msqid, IPC_RMID, NULL) == -1)
        die("msgctl IPC_RMID queue %d", msqid);
    cleanup_forget();
    return 0;
    /* end of lesson */
}
