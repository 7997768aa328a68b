/* chat - "talk to yourself" through a System V message queue.
 *
 * Follows article 001 (LMOS, "应用间通信（二）", the message queue part): the
 * parent creates a queue and forks; the child waits for messages of type
 * 041375 and prints them; the parent sends each line you type.  Typing
 * "exit" (or ending the input) ends the chat; the parent then removes the
 * queue, which the article forgot to do.
 *
 *     make && ./chat                  # type lines, then exit
 *     printf 'hi\nexit\n' | ./chat    # new message: hi / new message: exit / chat ended
 *     ./chat -k 0                     # IPC_PRIVATE: a queue no other program can open
 *
 * The message queue calls are all here.  Two helpers from common/ do the
 * plumbing around them: watch_child_exit (cleanup.c) removes the queue the
 * moment the child ends, so a parent blocked in msgsnd or read stops at
 * once; check_message_fits (lab.c) refuses a message larger than the queue
 * can ever hold, which msgsnd would otherwise wait on for ever.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_KEY  752364   /* the article's key (decimal, 0x000b7aec) */
#define MSG_TYPE 041375   /* the article's message type (octal, 17149) */
#define MSG_SIZE 256      /* bytes of text in one message */
#define END_WORD "exit"
#define QUEUE_REMOVED 3   /* the child's exit status when its queue vanished */

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

/* Step 2, the child: receive and print until a message starts with "exit".
 * Without MSG_NOERROR (the article passes it): a message too big for
 * body would be cut silently; here it is an E2BIG error instead. */
static int receive_main(int msqid, pid_t parent)
{
    msg_t msg;

    /* If the parent is killed with SIGKILL, nobody would ever send "exit" or
     * remove the queue: end with it instead of waiting in msgrcv forever.
     * (If it died before this line, getppid() has changed already.) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
        die("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent)
        return 1;

    /* lesson: msgrcv type MSG_TYPE and print, until END_WORD */
    for (;;) {
        ssize_t n = msgrcv(msqid, &msg, MSG_SIZE, MSG_TYPE, 0);
        /* The queue removed under us: by the parent, which has said why (or
         * a signal stopped it), or by another program, which the parent
         * will report (child_result).  Either way, not a word here. */
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

/* Send one line, in as many messages as it needs.  msgsnd's msgsz is the
 * text's length: it never counts the type field, and no NUL is sent.
 * Returns false when the child has ended: the SIGCHLD handler interrupted a
 * msgsnd waiting on a full queue (EINTR), or had removed the queue before
 * the call (EINVAL), so we never wait forever for a reader that is gone. */
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
        /* A line starting with the end word ends the chat after its first
         * message, exactly where the child stops reading. */
        if (starts_with(line, len, END_WORD))
            return true;
    } while (sent < len);
    return true;
    /* end of lesson */
}

/* Step 3, the parent: send each line until "exit".  At the end of input it
 * sends "exit" as if typed, so the child always ends (the article's scanf
 * loop spun forever there, and never consumed the newline).  It stops early
 * if the child ends first (killed, or its output closed: `./chat | head -1`). */
static void send_main(int msqid)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;

    while ((len = read_line(stdin, &line, &capacity)) != -1) {
        if (!send_line(msqid, line, (size_t)len) || starts_with(line, (size_t)len, END_WORD))
            break;
    }
    /* len == -1: the end of input, or a read interrupted by SIGCHLD. */
    if (len == -1 && !child_has_ended())
        send_line(msqid, END_WORD, strlen(END_WORD));
    free(line);
}

/* The parent's exit status: the child's.  A child that exited non-zero has
 * printed its own error line; one killed by a signal could not, so say it. */
static int child_result(pid_t pid, int status, int msqid)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == QUEUE_REMOVED) {
        fprintf(stderr, "chat: msgrcv queue %d (the queue was removed by another "
                "program): %s (EIDRM)\n", msqid, strerror(EIDRM));
        return 1;
    }
    return child_exit_code(pid, status, "the child printing the messages");
}

int main(int argc, char *argv[])
{
    key_t key;
    int mode;

    lab_init(usage_text);
    int first_arg = parse_key_mode_options(argc, argv, MSG_KEY, &key, &mode);
    if (first_arg < argc)
        usage_bad("unexpected argument '%s'", argv[first_arg]);

    /* lesson: msgget, fork, send, wait for the child, msgctl IPC_RMID */
    /* Step 1: create the queue.  IPC_EXCL (the article has only IPC_CREAT)
     * makes sure it is ours and empty: a queue left by a killed run would
     * otherwise feed its old messages into this chat. */
    signals_hold();
    int msqid = msgget(key, IPC_CREAT | IPC_EXCL | mode);
    if (msqid == -1)
        die_msgget(key);
    cleanup_queue(msqid, ON_SIGNAL | ON_ERROR | ON_CHILD_EXIT);

    /* Step 2: fork.  stdout is line-buffered (lab_init), so no half-written
     * output is copied into the child.  watch_child_exit first: a child that
     * dies at once must still be noticed. */
    watch_child_exit();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        exit(receive_main(msqid, parent));

    send_main(msqid);

    /* wait() orders the end: the queue goes only after the child has read
     * "exit", so no message is lost and no sleep is needed. */
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %d", (int)pid);

    /* Step 4: remove the queue (missing in the article).  The SIGCHLD
     * handler removed it already, the moment the child ended; this call is
     * what a program without that handler would need. */
    if (msgctl(msqid, IPC_RMID, NULL) == -1 && !(errno == EINVAL && child_has_ended()))
        die("msgctl IPC_RMID queue %d", msqid);
    cleanup_forget();

    return child_result(pid, status, msqid);
    /* end of lesson */
}
