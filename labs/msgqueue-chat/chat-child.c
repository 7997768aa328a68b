/* chat-child.c - the armour around chat's forked child: see chat-child.h. */
#define _GNU_SOURCE
#include "lab.h"
#include "chat-child.h"

#include <errno.h>
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
