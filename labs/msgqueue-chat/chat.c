/* chat - "talk to yourself" through a System V message queue.
 *
 * Follows article 001 (LMOS, "应用间通信（二）", the message queue part), its
 * steps in order in main: 1. create a queue; 2. fork: the child prints each
 * message of type 041375 (receive_main); 3. the parent sends each line you
 * type (send_line), until "exit"; 4. remove the queue (the article forgot).
 *
 *     make && printf 'hi\nexit\n' | ./chat   # new message: hi, new message: exit, chat ended
 *     ./chat -k 0     # IPC_PRIVATE: a queue no other program can open
 *
 * The armour is out of sight: chat-child.c (the child dies with its parent;
 * watch_child_exit removes the queue the moment the child ends, so a parent
 * blocked in msgsnd or read stops; chat's exit status), and common/lab.c:
 * check_message_fits refuses a message too big for the queue.
 */
#define _GNU_SOURCE
#include "lab.h"
#include "chat-child.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_KEY  752364   /* the article's key (decimal, 0x000b7aec) */
#define MSG_TYPE 041375   /* the article's message type (octal, 17149) */
#define MSG_SIZE 256      /* bytes of text in one message */
#define END_WORD "exit"

/* The article's msg_t: a long type first, as msgsnd/msgrcv require. */
typedef struct {
    long type;
    char body[MSG_SIZE];
} msg_t;

static const char usage_text[] =
    "usage: chat [-k KEY] [-m MODE]\n"
    "  Sends each line of standard input through a new message queue to a\n"
    "  forked child, which prints it.  A line starting with 'exit', or the\n"
    "  end of input, ends the chat.\n"
    "  -k KEY   queue key (strtol base 0; 0 = IPC_PRIVATE); default\n"
    "           $IPC_LAB_KEY, else 752364\n"
    "  -m MODE  permissions of the new queue, octal (default 0600)\n"
    "  -h       this help\n";

/* The child's step and the parent's sending, below main. */
static int receive_main(int msqid, pid_t parent);
static bool send_line(int msqid, const char *line, size_t len);

int main(int argc, char *argv[])
{
    key_t key;
    int mode;

    lab_init(usage_text);
    int first_arg = parse_key_mode_options(argc, argv, MSG_KEY, &key, &mode, NULL);
    if (first_arg < argc)
        usage_bad("unexpected argument '%s'", argv[first_arg]);

    /* lesson: msgget, fork, send, wait for the child, msgctl IPC_RMID */
    /* Step 1: create the queue.  IPC_EXCL (the article has only IPC_CREAT):
     * ours and empty, not one a killed run left with its old messages. */
    signals_hold();
    int msqid = msgget(key, IPC_CREAT | IPC_EXCL | mode);
    if (msqid == -1)
        die_msgget(key);
    cleanup_queue(msqid, ON_SIGNAL | ON_ERROR | ON_CHILD_EXIT);

    /* Step 2: fork; the child receives.  watch_child_exit first, to notice a
     * child that dies at once; stdout is line-buffered: nothing half-written. */
    watch_child_exit();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        exit(receive_main(msqid, parent));

    /* Step 3, the parent: send each line until "exit"; at the end of input,
     * "exit" as if typed (the article's scanf loop spun forever there).  If
     * the child ends first (`./chat | head -1`), send_line returns false. */
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;
    while ((len = read_line(stdin, &line, &capacity)) != -1)
        if (!send_line(msqid, line, (size_t)len) || starts_with(line, (size_t)len, END_WORD))
            break;
    if (len == -1 && !child_has_ended()) /* end of input, not SIGCHLD's EINTR */
        send_line(msqid, END_WORD, strlen(END_WORD));
    free(line);

    /* The queue goes only after the child has read "exit": no sleep. */
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %d", (int)pid);

    /* Step 4: remove the queue (the article does not); EINVAL: removed already
     * by the SIGCHLD handler, the moment the child ended. */
    if (msgctl(msqid, IPC_RMID, NULL) == -1 && !(errno == EINVAL && child_has_ended()))
        die("msgctl IPC_RMID queue %d", msqid);
    cleanup_forget();

    return child_result(pid, status, msqid); /* the child's, or why it died */
    /* end of lesson */
}

/* Step 2, the child: receive and print until a message starts with "exit".
 * No MSG_NOERROR (the article's): a message too big is E2BIG, not cut. */
static int receive_main(int msqid, pid_t parent)
{
    msg_t msg;
    end_with_parent(parent); /* not left in msgrcv if the parent is killed */

    /* lesson: msgrcv type MSG_TYPE and print, until END_WORD */
    for (;;) {
        ssize_t n = msgrcv(msqid, &msg, MSG_SIZE, MSG_TYPE, 0);
        /* The queue removed under us: by the parent, which has said why, or by
         * another program, which the parent reports (child_result).  Quiet. */
        if (n == -1 && (errno == EIDRM || errno == EINVAL))
            return QUEUE_REMOVED;
        if (n == -1)
            die("msgrcv queue %d", msqid);
        print_message_line("new message: ", msg.body, (size_t)n);
        check_stdout("1 message taken off the queue was not printed");
        if (starts_with(msg.body, (size_t)n, END_WORD)) {
            printf("chat ended\n");
            return 0;
        }
    }
    /* end of lesson */
}

/* Step 3: send one line, in as many messages as it needs; msgsz is the
 * text's length (no type field, no NUL).  false: the child has ended, and
 * its SIGCHLD interrupted msgsnd (EINTR) or removed the queue (EINVAL). */
static bool send_line(int msqid, const char *line, size_t len)
{
    /* lesson: msgsnd the line, MSG_SIZE bytes at most a message */
    msg_t msg = { .type = MSG_TYPE };
    size_t sent = 0;

    do {
        size_t piece = next_piece_length(line + sent, len - sent, MSG_SIZE, END_WORD);
        memcpy(msg.body, line + sent, piece);
        check_message_fits(msqid, piece);
        if (msgsnd(msqid, &msg, piece, 0) == -1) {
            if (child_has_ended())
                return false;
            die_queue("msgsnd", msqid);
        }
        sent += piece;
        /* A line starting with the end word: the child reads no more. */
        if (starts_with(line, len, END_WORD))
            return true;
    } while (sent < len);
    return true;
    /* end of lesson */
}
