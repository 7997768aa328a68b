/* shm-check - a System V shared memory segment shared across fork.
 *
 * Article 001 (LMOS, "应用间通信（二）", the shared memory part), in its
 * order: create a segment { long status; char body[]; } and fork; the parent
 * attaches, fills the body with 0xff and sets status (send_main); the child
 * attaches, waits for status and checks every byte (receive_main); the
 * parent waits for the child, then removes the segment, which the article
 * never did.  Its child polled a plain long with sleep(2): a data race, and
 * up to two seconds lost.  Here status is a C11 atomic published with a
 * release store, and the child sleeps in read() on a pipe until then.
 * Out of sight: the options, the kernel.shmmax error and the child's quiet
 * exits in check-support.c; the removal on a signal or an error in cleanup.c.
 *
 *     make && ./shm-check         # parent attached at 0x..., child attached
 *                                 # at 0x..., check ok: 4088
 *     ./shm-check -k 0 -s 64      # IPC_PRIVATE, a 64-byte segment: check ok: 56
 */
#define _GNU_SOURCE
#include "lab.h"
#include "check-support.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHM_KEY  752364        /* the article's SHM_KEY (0x000b7aec) */
#define SHM_SIZE 4096          /* the article's sizeof(shm_t): 8 + (4096 - 8) */

/* The article's shm_t, with a body of SIZE - sizeof(long) bytes.  status is
 * atomic (the parent writes it while the child reads it), lock-free (a lock
 * would live in one process only) and as big as a plain long. */
typedef struct {
    _Atomic long status;
    unsigned char body[];
} shm_t;

_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "atomic long must be lock-free");
_Static_assert(sizeof(_Atomic long) == sizeof(long), "status must be a long");
_Static_assert(offsetof(shm_t, body) == sizeof(long), "body must follow status");

static int child_main(int shmid, size_t body_size, int doorbell);

int main(int argc, char *argv[])
{
    key_t key;
    int mode;
    size_t size;

    parse_check_options(argc, argv, SHM_KEY, SHM_SIZE, &key, &mode, &size);
    size_t body_size = size - sizeof(long);

    /* lesson: shmget, fork; shmat, fill, publish status; wait, IPC_RMID, shmdt */
    /* Step 1: create the segment.  IPC_EXCL (the article has only
     * IPC_CREAT): a segment left by a killed run could hold 0xff bytes and
     * a status already, and the check would pass without the parent. */
    signals_hold();
    int shmid = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
    if (shmid == -1)
        die_shmget_size(key, size); /* EINVAL: over kernel.shmmax */
    cleanup_segment(shmid, ON_SIGNAL | ON_ERROR);

    int doorbell[2]; /* the parent closes its end once status is stored */
    if (pipe(doorbell) == -1)
        die("pipe");

    /* Step 2: fork.  Each process attaches after it, as in the article. */
    check_stdout(NULL); /* nothing buffered may be copied into the child */
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        /* The child's copy of the write end would keep the pipe open. */
        if (close(doorbell[1]) == -1)
            die("close pipe");
        exit(child_main(shmid, body_size, doorbell[0]));
    }
    if (close(doorbell[0]) == -1)
        die("close pipe");

    /* Step 3 in the parent (the article's send_main): attach, write, publish. */
    shm_t *shm = shmat(shmid, NULL, 0);
    if (shm == (void *)-1)
        die("shmat segment %d", shmid);
    printf("parent attached at %p\n", (void *)shm);
    check_stdout(NULL); /* output that fails stops us now: ON_ERROR removes */
    /* Only the body: the article's memset covered status too, writing it
     * with plain stores while the child was reading it. */
    memset(shm->body, 0xff, body_size);
    /* Release: every write above is visible to whoever reads this value
     * with an acquire load.  A plain store gives no such promise. */
    atomic_store_explicit(&shm->status, (long)body_size, memory_order_release);
    if (close(doorbell[1]) == -1)
        die("close pipe to the child");

    /* Step 4: wait (the article's wait(NULL)): the child has checked and
     * detached before the segment goes, with no sleep anywhere. */
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid %d", (int)pid);

    /* Step 5: remove (missing in the article), then detach: a segment
     * marked for removal lives on until its last detach, and marking it
     * again (another program removed it first) is harmless. */
    if (shmctl(shmid, IPC_RMID, NULL) == -1)
        die("shmctl IPC_RMID segment %d", shmid);
    cleanup_forget();
    if (shmdt(shm) == -1)
        die("shmdt segment %d", shmid);
    return child_exit_code(pid, status, "the child");
    /* end of lesson */
}

/* Step 3 in the child (the article's receive_main): attach, wait, check,
 * detach.  A failure the parent has reported ends it quietly. */
static int child_main(int shmid, size_t body_size, int doorbell)
{
    /* lesson: shmat read-only, wait for status, count bytes not 0xff, shmdt */
    shm_t *shm = shmat(shmid, NULL, SHM_RDONLY); /* it only reads */
    if (shm == (void *)-1) {
        child_exit_if_parent_gave_up(shmid, doorbell);
        die("shmat segment %d", shmid);
    }
    printf("child attached at %p\n", (void *)shm);
    child_check_stdout(shmid, doorbell);

    /* Sleep in read() until the parent closes its end (end of file), using
     * no CPU; a parent that dies first closes it too, and leaves status 0.
     * The acquire load then sees every byte written before the store. */
    char byte;
    ssize_t n;
    do
        n = read(doorbell, &byte, 1);
    while (n == -1 && errno == EINTR);
    if (n == -1)
        die("read pipe from the parent");
    long status = atomic_load_explicit(&shm->status, memory_order_acquire);
    if (status != (long)body_size)
        return child_parent_ended_early(shmid, doorbell, status, body_size);

    size_t wrong = 0;
    for (size_t i = 0; i < body_size; i++)
        if (shm->body[i] != 0xff)
            wrong++;
    if (wrong == 0)
        printf("check ok: %zu\n", body_size);
    else
        printf("check failed: %zu of %zu bytes wrong\n", wrong, body_size);
    child_check_stdout(shmid, doorbell);

    if (shmdt(shm) == -1)
        die("shmdt segment %d", shmid);
    return wrong == 0 ? 0 : 1;
    /* end of lesson */
}
