/* bench-partner.c - the partner process of ipc-bench: the child's loop
 * (child_main: receive, checksum, echo when asked, on command), and the
 * parent's watch on its children, so that a child that ends in the middle of
 * a run is one error line saying how it ended, never a wait forever.
 */
#define _GNU_SOURCE
#include "bench-partner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t partner_gone;
static struct ring_header *volatile watched_ring[2];
static volatile sig_atomic_t watched_msqid = -1;
pid_t children[N_MECHANISMS];
char run_label[128];

/* ---- the child ---- */

_Noreturn void child_main(struct channel *ch, int command_fd, int report_fd, pid_t parent)
{
    /* If the parent is killed, end too, rather than wait forever on a ring
     * or a queue; if it died before this line, getppid() has changed. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
        die("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent)
        _exit(1);
    pin_to_cpu(settings.cpu[1]);

    struct command cmd;
    while (read_all(command_fd, &cmd, sizeof cmd) && cmd.count > 0) {
        struct report rep = { { { 0 }, { 0 } }, 0 };
        char ready = 'r';
        write_all(report_fd, &ready, 1);
        for (uint64_t i = 0; i < cmd.count; i++) {
            size_t len = (size_t)cmd.size;
            const unsigned char *msg = receive_message(ch, DOWN, &len);
            if (len != cmd.size)
                child_failed("a message of the wrong size");
            checksum_add(&rep.sum, msg, len);
            if (cmd.echo)
                send_message(ch, UP, msg, len, false);
            release_message(ch, DOWN);
        }
        rep.end_ns = now_ns();
        write_all(report_fd, &rep, sizeof rep);
    }
    /* _exit: the stdio buffers are copies of the parent's. */
    _exit(0);
}

/* ---- the watch on the children ---- */

/* SIGCHLD while runs are in progress: a child died (the normal ends come
 * only after the parent stopped watching, see stop_watching).  Without this
 * the parent could wait forever: nothing else wakes a sem_wait on a ring or
 * a msgrcv on a queue that the dead child would have filled.  So: note it,
 * remove the queue (msgsnd and msgrcv then fail with EIDRM), and post every
 * semaphore (sem_wait returns; the waiter checks partner_gone).  msgctl and
 * sem_post are async-signal-safe. */
static void on_child_exit(int sig)
{
    int saved = errno;

    (void)sig;
    partner_gone = 1;
    if (watched_msqid != -1)
        (void)msgctl(watched_msqid, IPC_RMID, NULL);
    for (int i = 0; i < 2; i++) {
        if (watched_ring[i] != NULL) {
            (void)sem_post(&watched_ring[i]->free_slots);
            (void)sem_post(&watched_ring[i]->full_slots);
        }
    }
    errno = saved;
}

void watch_children(void)
{
    /* No SA_RESTART: a blocked read, msgrcv or sem_wait returns EINTR.
     * SA_NOCLDSTOP: a child stopped with Ctrl-Z has not ended. */
    struct sigaction sa = { .sa_handler = on_child_exit, .sa_flags = SA_NOCLDSTOP };

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction SIGCHLD");
}

/* The child about to be forked is the one to watch: its queue, or the
 * rings of its semaphores. */
void watch_channel(const struct channel *ch)
{
    partner_gone = 0;
    if (ch->mechanism == MSGQUEUE)
        watched_msqid = ch->msqid;
    if (ch->mechanism == SHM_SEM) {
        watched_ring[DOWN] = ch->ring[DOWN].shared;
        watched_ring[UP] = ch->ring[UP].shared;
    }
}

void stop_watching(void)
{
    watched_msqid = -1;
    watched_ring[0] = watched_ring[1] = NULL;
}

/* waitpid, again when a signal interrupts it. */
pid_t wait_for_child(pid_t pid, int *status, int options)
{
    pid_t result;

    do
        result = waitpid(pid, status, options);
    while (result == -1 && errno == EINTR);
    return result;
}

/* How a child ended, for the error line. */
void describe_end(char *text, size_t capacity, enum mechanism m, int status)
{
    if (WIFEXITED(status))
        snprintf(text, capacity, " (the %s child exited with status %d)", mechanism_name[m],
                 WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, capacity, " (the %s child was killed by SIG%s)", mechanism_name[m],
                 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
}

static char ended_how[96];   /* " (the pipe child was killed by SIGKILL)" */

/* Note how the child pid ended, if it is one of ours (the first one only). */
static void note_end(pid_t pid, int status)
{
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (pid > 0 && children[m] == pid) {
            if (ended_how[0] == '\0')
                describe_end(ended_how, sizeof ended_how, m, status);
            children[m] = 0;
        }
    }
}

/* A child ended in the middle of a run, or sent something impossible: say
 * which and how it ended, end the others, and stop (removing what the
 * parent created). */
_Noreturn void child_failed(const char *what)
{
    int status = 0;

    stop_watching();
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (children[m] > 0) {
            pid_t pid = wait_for_child(children[m], &status, WNOHANG);
            note_end(pid, status);
        }
    }
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (children[m] > 0) {
            (void)kill(children[m], SIGKILL);
            (void)wait_for_child(children[m], &status, 0);
            children[m] = 0;
        }
    }
    fail("%s: %s%s", run_label, what, ended_how);
}

/* The other end of a pipe or socket is closed: in the parent, the child is
 * ending.  The kernel closes a dying process's files before it makes it a
 * zombie, so child_failed's WNOHANG wait could miss it and not say how it
 * ended.  So wait for it first: for any child, since the others are alive,
 * each waiting on its command pipe, and the first to end is this one.  (In
 * a child, which has no children, the wait fails at once with ECHILD.) */
_Noreturn void peer_closed(const char *what)
{
    int status = 0;

    pid_t pid = wait_for_child(-1, &status, 0);
    note_end(pid, status);
    child_failed(what);
}

/* The parent checks partner_gone after every wait: a semaphore posted by
 * on_child_exit is not a message. */
void check_partner(void)
{
    if (partner_gone)
        child_failed("the child ended in the middle of the run");
}

/* msgsnd or msgrcv returned -1: EINTR is retried, unless the child has
 * ended, when on_child_exit has removed the queue (EIDRM).  In the child, a
 * removed queue (EIDRM, or EINVAL when it was gone before the call) means
 * the parent stopped: a signal (nothing to add), or an error it reports
 * itself; one failure, one line, so the child ends without a word. */
void queue_call_failed(const char *call, const struct channel *ch)
{
    if (ch->is_child && (errno == EIDRM || errno == EINVAL))
        _exit(1);
    if (errno == EINTR || partner_gone)
        check_partner();
    else
        die("%s queue %d", call, ch->msqid);
}
