/* sem-init-stop.c - the shim of tests/shm-writer-reader.bats: it stops a
 * program in its first sem_init (SHIM_STOP_IN_SEM_INIT=1): the creator of
 * the segment is then caught between shmget and "ready", the moment when
 * both programs starting together would race. */
#define _GNU_SOURCE
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>

#include "shim.h"

int sem_init(sem_t *sem, int pshared, unsigned value)
{
    static int stopped;
    int (*real_sem_init)(sem_t *, int, unsigned);
    NEXT(real_sem_init, "sem_init");

    if (!stopped && getenv("SHIM_STOP_IN_SEM_INIT") != NULL) {
        stopped = 1;
        raise(SIGSTOP);
    }
    return real_sem_init(sem, pshared, value);
}
