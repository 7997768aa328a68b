/* typed-send - put messages of chosen types on a System V message queue.
 *
 * Follows article 000 ("消息队列实现步骤", steps 1 and 2): open or create the
 * queue with key 0x121212 and send messages whose type alternates 1, 2, 1...
 * so that typed-recv can pick one type out.  You can also name the types.
 *
 *     make && printf 'a\nb\nc\n' | ./typed-send    # types 1, 2, 1
 *     ./typed-send 3:urgent 1:normal              # explicit TYPE:TEXT
 *     ./typed-recv -n                             # takes the type 2 ones
 *
 * The options and arguments are parsed out of sight, in typed-options.c.
 */
#define _GNU_SOURCE
#include "lab.h"
#include "typed-options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#define MSG_KEY   0x121212  /* the article's key */
#define TEXT_SIZE 50        /* the article's char mtext[50] */

struct msgbuf_50 {
    long mtype;             /* must be > 0 */
    char mtext[TEXT_SIZE];
};

static const char usage_text[] =
    "usage: typed-send [-k KEY] [-m MODE] [-o] [TYPE:TEXT ...]\n"
    "  Sends each TYPE:TEXT (TYPE a positive integer); without arguments, sends\n"
    "  each line of standard input, line i with type i%2+1 (1, 2, 1, ...).\n"
    "  A text longer than 50 bytes goes out as several messages of that type.\n"
    "  -k KEY   queue key (strtol base 0); default $IPC_LAB_KEY, else 0x121212\n"
    "  -m MODE  permissions if the queue is created, octal (default 0600)\n"
    "  -o       use the queue even if another user owns it (refused by default)\n"
    "  -h       this help\n";

/* Send text with this type, in pieces of at most TEXT_SIZE bytes.  msgsz is
 * the piece's length: the article passed sizeof(text) + sizeof(long), which
 * counts the mtype field and sends 8 bytes past the end of mtext. */
static void send_typed(int msqid, long type, const char *text, size_t len)
{
    /* lesson: msgsnd the text, TEXT_SIZE bytes at most, print each */
    struct msgbuf_50 msg = { .mtype = type };
    size_t sent = 0;

    do {
        size_t piece = next_piece_length(text + sent, len - sent, TEXT_SIZE, NULL);
        memcpy(msg.mtext, text + sent, piece);
        check_message_fits(msqid, piece);
        if (msgsnd(msqid, &msg, piece, 0) == -1)
            die_queue("msgsnd", msqid);
        printf("send mtype=%ld, mtext=", msg.mtype);
        print_text_line("", msg.mtext, piece);
        check_stdout(NULL); /* the message is queued: only the line is lost */
        sent += piece;
    } while (sent < len);
    /* end of lesson */
}

int main(int argc, char *argv[])
{
    key_t key;
    int mode;
    bool others_allowed; /* -o */

    lab_init(usage_text);
    /* Every TYPE:TEXT argument is checked there, before the queue is touched. */
    int first_arg = parse_send_options(argc, argv, MSG_KEY, &key, &mode, &others_allowed);

    /* lesson: msgget, then send the arguments or the input lines */
    /* Step 1: create the queue, or open the one that exists (the article
     * passed O_CREAT, a flag for open(2), where msgget wants IPC_CREAT).
     * IPC_EXCL tells which: a queue we did not create may be anyone's, so
     * check_queue_owner looks before we send into it. */
    int msqid = msgget(key, IPC_CREAT | IPC_EXCL | mode);
    if (msqid == -1 && errno == EEXIST && (msqid = msgget(key, 0)) != -1)
        check_queue_owner(msqid, key, others_allowed);
    if (msqid == -1)
        die_msgget(key);

    /* Step 2: write messages. */
    if (first_arg < argc) {
        for (int i = first_arg; i < argc; i++) {
            long type;
            const char *text;
            split_argument(argv[i], &type, &text);
            send_typed(msqid, type, text, strlen(text));
        }
        return 0;
    }

    char *line = NULL;
    size_t capacity = 0;
    for (long i = 0;; i++) {
        prompt("Enter the message text:\n"); /* only on a terminal */
        ssize_t len = read_line(stdin, &line, &capacity);
        if (len == -1)
            break; /* no end word here: the end of input ends it */
        send_typed(msqid, i % 2 + 1, line, (size_t)len);
    }
    free(line);
    return 0;
    /* end of lesson */
}
