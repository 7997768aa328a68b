/* chat-send - send lines to chat-recv through a System V message queue.
 *
 * Follows article 003, section 6.3 (msg2.c): open or create the queue with
 * key 1234, then send each line you type as a message of type 1 until a line
 * starts with "end".  Start chat-recv in another terminal, before or after.
 *
 *     make && ./chat-recv &           # or in a second terminal
 *     printf 'hello\nend\n' | ./chat-send
 *
 * The armour is in common/lab.c: parse_peer_options, check_queue_owner,
 * check_message_fits (a message the queue can never hold), read_line.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#define MSG_KEY  1234    /* the article's (key_t)1234 */
#define MAX_TEXT 512     /* the article's MAX_TEXT: bytes per message */
#define TEXT_ROOM (MAX_TEXT - 2) /* of the line: room for "\n" and NUL */
#define END_WORD "end"

struct my_msg_st {
    long int my_msg_type;
    char some_text[MAX_TEXT];
};

static const char usage_text[] =
    "usage: chat-send [-k KEY] [-m MODE] [-o]\n"
    "  Sends each line of standard input as a type 1 message, until a line\n"
    "  starting with 'end' (sent too) or the end of input (then 'end' is sent).\n"
    "  -k KEY   queue key (strtol base 0); default $IPC_LAB_KEY, else 1234\n"
    "  -m MODE  permissions if the queue is created, octal (default 0600)\n"
    "  -o       use the queue even if another user owns it (refused by default)\n"
    "  -h       this help\n";

/* One line, in as many messages as it needs: what the article's msg2.c sends
 * without its stale tail.  Each message is a piece of the line, then (in the
 * last one) the newline fgets kept, then a NUL; msgsz counts up to the NUL.
 * msg2.c sent MAX_TEXT bytes whatever was typed: after the NUL, the end of
 * a longer line typed before, which a receiver must not print. */
static void send_line(int msqid, const char *line, size_t len, bool newline)
{
    /* lesson: msgsnd the line as type 1, then its newline and a NUL */
    struct my_msg_st msg = { .my_msg_type = 1 };
    size_t sent = 0;

    do {
        size_t piece = next_piece_length(line + sent, len - sent, TEXT_ROOM, END_WORD);
        memcpy(msg.some_text, line + sent, piece);
        sent += piece;
        if (sent == len && newline)
            msg.some_text[piece++] = '\n';
        msg.some_text[piece++] = '\0'; /* msg1.c prints with printf("%s") */
        check_message_fits(msqid, piece);
        if (msgsnd(msqid, &msg, piece, 0) == -1)
            die_queue("msgsnd", msqid);
        if (starts_with(line, len, END_WORD))
            return; /* chat-recv stops at this message: send no more */
    } while (sent < len);
    /* end of lesson */
}

int main(int argc, char *argv[])
{
    key_t key;
    int mode;
    bool others_allowed; /* -o */

    lab_init(usage_text);
    parse_peer_options(argc, argv, MSG_KEY,
                       "chat-recv could never open that queue",
                       &key, &mode, &others_allowed);

    /* lesson: msgget, then send each input line until END_WORD */
    /* Create the queue, or open the one chat-recv made: either program may
     * come first.  IPC_EXCL tells which: a queue we did not create may be
     * anyone's, so check_queue_owner looks before we send.  chat-recv
     * removes it, not us. */
    int msqid = msgget(key, IPC_CREAT | IPC_EXCL | mode);
    if (msqid == -1 && errno == EEXIST && (msqid = msgget(key, 0)) != -1)
        check_queue_owner(msqid, key, others_allowed);
    if (msqid == -1)
        die_msgget(key);

    char *line = NULL;
    size_t capacity = 0;

    for (;;) {
        prompt("Enter some text: "); /* only on a terminal */
        ssize_t len = read_line(stdin, &line, &capacity);
        if (len == -1) {
            /* End of input: say "end" for the user, so chat-recv finishes
             * (the article's fgets loop resent the old buffer forever). */
            prompt_end_of_input();
            send_line(msqid, END_WORD, strlen(END_WORD), true);
            break;
        }
        /* The last line may end without a newline: fgets keeps none. */
        send_line(msqid, line, (size_t)len, !feof(stdin));
        if (starts_with(line, (size_t)len, END_WORD))
            break;
    }
    free(line);
    return 0; /* the article exits with EXIT_FAILURE even on success */
    /* end of lesson */
}
