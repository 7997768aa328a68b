/* shm-check-stop.c - the shim of tests/shm-fork-check.bats: it stops
 * shm-check's parent right after it attaches (SHIM_STOP=1), or spoils the
 * first N bytes of the body after the parent has filled it (SHIM_SPOIL=N):
 * that is how a test sees the segment while it exists, watches the child
 * wait, and makes the check fail. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "shim.h"

static unsigned char *body;    /* the parent's (first_pid's) view of the body */

void *shmat(int shmid, const void *addr, int flags)
{
    void *(*real_shmat)(int, const void *, int);
    NEXT(real_shmat, "shmat");
    void *shm = real_shmat(shmid, addr, flags);

    if (shm != (void *)-1 && getpid() == first_pid) {
        body = (unsigned char *)shm + sizeof(long);
        if (getenv("SHIM_STOP") != NULL)
            raise(SIGSTOP);
    }
    return shm;
}

/* The parent's first close after attaching is the pipe's write end, once
 * the body is filled and the status stored. */
int close(int fd)
{
    int (*real_close)(int);
    NEXT(real_close, "close");
    const char *spoil = getenv("SHIM_SPOIL");

    if (spoil != NULL && body != NULL && getpid() == first_pid) {
        memset(body, 0, (size_t)atol(spoil));
        body = NULL;
    }
    return real_close(fd);
}
