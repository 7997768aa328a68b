/* shm-consumer - print the lines shm-producer hands over through shared memory.
 *
 * Follows article 003, section 5.3 (shm1.c): open or create the segment
 * with key 1234, then print each text the producer puts there as
 * "You wrote: TEXT", until a text starting with "end"; then detach and
 * remove the segment.  The article polled written_by_you in a loop without
 * any pause, burning a whole core while it waited; here the consumer
 * sleeps on a semaphore in the segment (see shm_com.h).  Out of sight, in
 * shm-support.c: the waits (wait_until_ready, wait_turn), the owner check
 * and the error for a segment of another size; in common/cleanup.c, the
 * removal on a signal.
 *
 *     make && ./shm-consumer &        # or in a second terminal
 *     printf 'hello\nend\n' | ./shm-producer
 */
#define _GNU_SOURCE
#include "lab.h"
#include "shm-support.h"

#include <errno.h>
#include <stdio.h>
#include <sys/shm.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: shm-consumer [-k KEY] [-m MODE] [-o]\n"
    "  Prints 'You wrote: TEXT' for each text shm-producer puts in the\n"
    "  segment, until one starts with 'end'; then removes the segment.\n"
    "  -k KEY   segment key (strtol base 0); default $IPC_LAB_KEY, else 1234\n"
    "  -m MODE  permissions if the segment is created, octal (default 0600)\n"
    "  -o       use a segment another user owns (refused by default)\n"
    "  -h       this help\n";

int main(int argc, char *argv[])
{
    key_t key;
    int mode;
    bool others_allowed; /* -o */

    lab_init(usage_text);
    parse_peer_options(argc, argv, SHM_KEY,
                       "shm-producer could never find that segment",
                       &key, &mode, &others_allowed);

    /* lesson: create or open, shmat, set up or wait; print each text; remove */
    /* Step 1: create the segment, or open the one the producer made: either
     * may start first, or both at once.  IPC_EXCL tells which: the creator
     * alone calls sem_init (a second sem_init on a semaphore in use is
     * undefined).  We are the remover: a stop signal removes it too, but an
     * error leaves it, and the texts in it, as they are. */
    signals_hold(); /* until the segment is registered for removal */
    struct shared_use_st *shared;
    int shmid;
    bool creator;
    do {
        shmid = shmget(key, sizeof *shared, IPC_CREAT | IPC_EXCL | mode);
        creator = shmid != -1;
        if (!creator && errno == EEXIST)
            shmid = shmget(key, 0, 0); /* ENOENT: removed meanwhile, start again */
    } while (shmid == -1 && errno == ENOENT);
    if (shmid == -1)
        die_shmget(key);
    if (!creator) /* not ours: anyone may have made it */
        check_segment_owner(shmid, key, others_allowed);
    /* A segment of another size is not ours (shm-write's, say): using it
     * would read its bytes as semaphores.  Only now is it ours to remove. */
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) == -1)
        die("shmctl IPC_STAT segment %d", shmid);
    if (ds.shm_segsz != sizeof *shared)
        die_wrong_size(key, shmid, ds.shm_segsz);
    cleanup_segment(shmid, ON_SIGNAL);

    /* Step 2: attach.  The creator sets the semaphores up (pshared 1: shared
     * between processes, so they live in the segment), then publishes
     * SEGMENT_READY with a release store; the other side waits for it. */
    shared = shmat(shmid, NULL, 0);
    if (shared == (void *)-1)
        die("shmat segment %d", shmid);
    if (creator) {
        if (sem_init(&shared->buffer_free, 1, 1) == -1 ||
            sem_init(&shared->text_written, 1, 0) == -1)
            die("sem_init segment %d", shmid);
        atomic_store_explicit(&shared->ready, SEGMENT_READY, memory_order_release);
    } else {
        wait_until_ready(shared, shmid, key);
    }

    /* Step 3: take each text, in the order it was written. */
    for (;;) {
        /* Sleep until the producer has written (written_by_you == 1). */
        wait_turn(&shared->text_written, shmid, "the producer");
        size_t len = shared->length;
        if (len > TEXT_SZ)
            len = TEXT_SZ; /* never trust shared memory to stay in bounds */
        print_text_line("You wrote: ", shared->some_text, len);
        /* Not printed (a full disk, a closed pipe): give the text back, so
         * that the next consumer prints it, and stop before taking more. */
        if ((fflush(stdout) == EOF || ferror(stdout)) &&
            sem_post(&shared->text_written) == -1)
            die("sem_post segment %d", shmid);
        check_stdout("the text stays in the segment for the next shm-consumer");

        /* Look at the text before handing the buffer back: after sem_post
         * the producer may overwrite it at once. */
        bool end = starts_with(shared->some_text, len, END_WORD);
        if (sem_post(&shared->buffer_free) == -1) /* written_by_you = 0 */
            die("sem_post segment %d", shmid);
        if (end)
            break;
    }

    /* Steps 4 and 5: mark the segment for removal while still attached,
     * then detach; the last detach (ours, or the producer's) destroys it.
     * In this order, a producer that starts meanwhile creates a new segment
     * instead of writing into this one just before it goes. */
    if (shmctl(shmid, IPC_RMID, NULL) == -1)
        die("shmctl IPC_RMID segment %d", shmid);
    cleanup_forget();
    if (shmdt(shared) == -1)
        die("shmdt segment %d", shmid);
    return 0;
    /* end of lesson */
}
