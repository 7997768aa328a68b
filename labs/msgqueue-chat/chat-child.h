/* chat-child.h - the armour around chat's forked child (chat-child.c).
 *
 * Not the lesson: chat.c makes the queue calls.  These keep the child from
 * outliving a parent killed with SIGKILL, stop the parent the moment the
 * child ends, and turn the child's end into the parent's exit status, with
 * one line when the child could not say why.
 */
#ifndef CHAT_CHILD_H
#define CHAT_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/* The child's exit status when its queue was removed under it. */
#define QUEUE_REMOVED 3

/* First thing in the child: die with the parent (PR_SET_PDEATHSIG), so that
 * a parent killed with SIGKILL does not leave the child in msgrcv forever.
 * If the parent has already died (getppid() is no longer parent), exit 1. */
void end_with_parent(pid_t parent);

/* The parent's exit status, after waitpid(pid, &status) on the child: 1 and
 * "chat: msgrcv queue N (the queue was removed by another program): ..."
 * when the child returned QUEUE_REMOVED, else child_exit_code's. */
int child_result(pid_t pid, int status, int msqid);

/* Call before fork(): a SIGCHLD handler (SA_NOCLDSTOP, no SA_RESTART) that
 * notes the child's end, removes at once what was registered ON_CHILD_EXIT
 * (cleanup_now), and puts /dev/null on stdin.  Whenever the child dies, a
 * msgsnd waiting on the full queue then fails (EINTR, or EINVAL for the
 * removed queue) instead of waiting forever, and a read of stdin returns
 * EINTR or the end of input, even one that was just about to start. */
void watch_child_exit(void);

/* True once the watched child has ended (exited or killed). */
bool child_has_ended(void);

#endif
