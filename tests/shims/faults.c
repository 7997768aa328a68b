/* faults.c - the fault tests' shim (tests/faults-*.bats), for four moments
 * no test could catch otherwise, each chosen by an environment variable:
 * - SHIM_CHILD_WAIT=FIFO: shm-check's child, right after its shmat, sleeps
 *   in a read of FIFO until the test writes a byte there: the parent is
 *   then seen waiting in waitpid.  (Not SIGSTOP: a stopped child, orphaned
 *   when its parent dies, would get SIGHUP from the kernel.)
 * - SHIM_FORK_RETURNS_AFTER_CHILD_EXIT=PROG: in PROG, fork returns to the
 *   parent only once the child has ended (waitid WNOWAIT: the child stays
 *   for the program's own waitpid): the parent then learns of its child's
 *   end before it does anything else.
 * - SHIM_CHILD_CLOSES_THEN_WAITS=FIFO: ipc-bench's child, at its third read,
 *   closes every file but stdin, stdout and stderr, reads a byte from FIFO,
 *   then kills itself with SIGKILL: a child dying slowly, whose pipes are
 *   closed well before it can be reaped (as in the kernel's own exit, where
 *   the files are closed first).
 * - SHIM_STAT_AFTER_CHILD_EXIT=1: the program's first msgctl(IPC_STAT)
 *   waits until one of its children has ended (waitid WNOWAIT: the child
 *   stays for the program's own waitpid), so that chat's parent is caught
 *   between reading a line and sending it when its child dies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

void *shmat(int shmid, const void *addr, int flags)
{
    void *(*real_shmat)(int, const void *, int);
    NEXT(real_shmat, "shmat");
    void *shm = real_shmat(shmid, addr, flags);
    const char *fifo = getenv("SHIM_CHILD_WAIT");

    if (shm != (void *)-1 && getpid() != first_pid && fifo != NULL) {
        char byte;
        int fd = open(fifo, O_RDONLY);
        if (fd != -1) {
            while (read(fd, &byte, 1) == -1)
                ;
            close(fd);
        }
    }
    return shm;
}

pid_t fork(void)
{
    pid_t (*real_fork)(void);
    NEXT(real_fork, "fork");
    const char *program = getenv("SHIM_FORK_RETURNS_AFTER_CHILD_EXIT");
    pid_t pid = real_fork();

    /* Only in the program named: never in timeout, which forks too. */
    if (pid > 0 && program != NULL && strcmp(program, program_invocation_short_name) == 0) {
        siginfo_t info;
        int saved = errno;
        while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == -1 && errno == EINTR)
            ;
        errno = saved;
    }
    return pid;
}

ssize_t read(int fd, void *buf, size_t count)
{
    static int calls;
    ssize_t (*real_read)(int, void *, size_t);
    NEXT(real_read, "read");
    const char *fifo = getenv("SHIM_CHILD_CLOSES_THEN_WAITS");
    if (fifo != NULL && getpid() != first_pid &&
        strcmp(program_invocation_short_name, "ipc-bench") == 0 && ++calls == 3) {
        char byte;
        for (int i = 3; i < 1024; i++)
            close(i);
        int held = open(fifo, O_RDONLY);
        if (held != -1)
            while (real_read(held, &byte, 1) == -1)
                ;
        raise(SIGKILL);
    }
    return real_read(fd, buf, count);
}

int msgctl(int msqid, int cmd, struct msqid_ds *buf)
{
    static int done;
    int (*real_msgctl)(int, int, struct msqid_ds *);
    NEXT(real_msgctl, "msgctl");

    if (cmd == IPC_STAT && !done && getpid() == first_pid &&
        getenv("SHIM_STAT_AFTER_CHILD_EXIT") != NULL) {
        siginfo_t info;
        int saved = errno;
        done = 1;
        while (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == -1 && errno == EINTR)
            ;
        errno = saved;
    }
    return real_msgctl(msqid, cmd, buf);
}
