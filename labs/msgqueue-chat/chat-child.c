/* chat-child.c - the armour around chat's forked child: see chat-child.h. */
#define _GNU_SOURCE
#include "lab.h"
#include "chat-child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void end_with_parent(pid_t parent)
{
    /* If the parent is killed with SIGKILL, nobody would ever send "exit" or
     * remove the queue: end with it instead of waiting in msgrcv forever.
     * (If it died before this call, getppid() has changed already.) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
        die("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent)
        exit(1);
}

/* A child that exited non-zero has printed its own error line; one killed
 * by a signal could not, so say it.  QUEUE_REMOVED: the child said nothing,
 * since the parent that removed the queue has said why; when the parent is
 * still here to read it, another program removed the queue. */
int child_result(pid_t pid, int status, int msqid)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == QUEUE_REMOVED) {
        fprintf(stderr, "chat: msgrcv queue %d (the queue was removed by another "
                "program): %s (EIDRM)\n", msqid, strerror(EIDRM));
        return 1;
    }
    return child_exit_code(pid, status, "the child printing the messages");
}

static volatile sig_atomic_t child_ended;

/* SIGCHLD: the child has ended.  Removing the queue here, in the handler,
 * leaves no window: a msgsnd that blocks just after the child died still
 * fails, because the queue is already gone (a flag checked before msgsnd
 * could be set just after the check, and the send would wait forever). */
static void on_child_exit(int sig)
{
    int saved = errno;

    (void)sig;
    child_ended = 1;
    cleanup_now(ON_CHILD_EXIT);
    /* A read of stdin interrupted now returns EINTR; one about to start
     * would wait for input that nobody needs any more.  With /dev/null on
     * fd 0 it finds the end of input at once (open and dup2 are
     * async-signal-safe). */
    int null = open("/dev/null", O_RDONLY);
    if (null != -1) {
        (void)dup2(null, STDIN_FILENO);
        (void)close(null);
    }
    errno = saved;
}

void watch_child_exit(void)
{
    /* No SA_RESTART: a blocked read or msgsnd returns EINTR.  SA_NOCLDSTOP:
     * a child stopped with Ctrl-Z or SIGSTOP has not ended. */
    struct sigaction sa = { .sa_handler = on_child_exit, .sa_flags = SA_NOCLDSTOP };

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction SIGCHLD");
}

bool child_has_ended(void)
{
    return child_ended;
}
