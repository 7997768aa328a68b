/* typed-recv - take messages off a System V message queue by type.
 *
 * Follows article 000 ("消息队列实现步骤", step 3): receive the messages of
 * type 2 from the queue with key 0x121212, with every msgtyp rule and flag
 * that articles 003 and 004 describe available as an option:
 *
 *     msgtyp  0   the first message in the queue
 *     msgtyp  n   the first message of type n       (-x: of any type but n)
 *     msgtyp -n   the first message of the lowest type <= n
 *
 *     make && printf 'a\nb\nc\nd\n' | ./typed-send
 *     ./typed-recv -n          # b, d (type 2), then stops: nothing left
 *     ./typed-recv -t 0 -n -r  # a, c, then removes the queue
 *
 * The options are parsed out of sight, in typed-options.c.
 */
#define _GNU_SOURCE
#include "lab.h"
#include "typed-options.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/msg.h>
#include <unistd.h>

#define MSG_KEY   0x121212
#define TEXT_SIZE 50

static const char usage_text[] =
    "usage: typed-recv [-k KEY] [-t MSGTYP] [-x] [-n] [-e] [-b BYTES] [-c COUNT] [-r] [-o]\n"
    "  Receives messages and prints 'rcv rcv_ret=N, mtype=T, mtext=TEXT' for each.\n"
    "  -k KEY     queue key (strtol base 0); default $IPC_LAB_KEY, else 0x121212\n"
    "  -t MSGTYP  0: first message; n > 0: first of type n; n < 0: lowest\n"
    "             type <= |n| (default 2)\n"
    "  -x         MSG_EXCEPT: first message whose type is not MSGTYP (> 0)\n"
    "  -n         IPC_NOWAIT: stop (exit 0) when no message matches\n"
    "  -e         MSG_NOERROR: cut a message longer than BYTES instead of failing\n"
    "  -b BYTES   text buffer size given to msgrcv as msgsz (default 50)\n"
    "  -c COUNT   stop after COUNT messages\n"
    "  -r         remove the queue before a successful exit\n"
    "  -o         take from a queue another user owns (refused by default)\n"
    "  -h         this help\n";

int main(int argc, char *argv[])
{
    struct recv_options opt = { .msgtyp = 2, .bytes = TEXT_SIZE, .count = -1 };

    lab_init(usage_text);
    parse_recv_options(argc, argv, MSG_KEY, &opt);

    /* lesson: msgget, msgrcv as the options say, print; -r: IPC_RMID */
    /* Step 1: open the queue; no IPC_CREAT, so a missing one is ENOENT
     * instead of a new empty queue to wait on forever. */
    if (opt.remove_queue)
        signals_hold(); /* until the queue is registered for removal */
    int msqid = msgget(opt.key, 0);
    if (msqid == -1)
        die_msgget(opt.key);
    check_queue_owner(msqid, opt.key, opt.others_allowed); /* anyone may have made it */
    if (opt.remove_queue)
        cleanup_queue(msqid, ON_SIGNAL); /* -r: also when a signal stops us */

    /* The buffer: a long for mtype, then opt.bytes (-b) bytes of text.  msgsz
     * is opt.bytes alone (the article added sizeof(long), which is wrong). */
    struct { long mtype; char mtext[]; } *msg = malloc(sizeof(long) + (size_t)opt.bytes);
    if (msg == NULL)
        die("malloc %ld bytes", opt.bytes);

    /* Step 3: receive, one message per call. */
    for (long received = 0; opt.count < 0 || received < opt.count; received++) {
        ssize_t n = msgrcv(msqid, msg, (size_t)opt.bytes, opt.msgtyp, opt.flags);
        if (n == -1 && errno == ENOMSG)
            break; /* -n and nothing matches: done */
        if (n == -1 && errno == E2BIG)
            die("msgrcv queue %d: the message is longer than %ld bytes and stays "
                "queued (-e cuts it, -b gives a bigger buffer)", msqid, opt.bytes);
        if (n == -1)
            die_queue("msgrcv", msqid); /* EIDRM: the queue was removed */
        printf("rcv rcv_ret=%zd, mtype=%ld, mtext=", n, msg->mtype);
        print_message_line("", msg->mtext, (size_t)n);
        /* A line that could not be written stops us before the next msgrcv:
         * one message is lost, the rest stay queued. */
        check_stdout("1 message taken off the queue was not printed");
    }
    free(msg);

    if (opt.remove_queue) {
        if (msgctl(msqid, IPC_RMID, NULL) == -1)
            die("msgctl IPC_RMID queue %d", msqid);
        cleanup_forget();
    }
    return 0;
    /* end of lesson */
}
