/* shm-producer - hand lines to shm-consumer through shared memory.
 *
 * Follows article 003, section 5.3 (shm2.c): open or create the segment
 * with key 1234, then copy each line you type into it, one at a time, each
 * only once the consumer has taken the previous one; a line starting with
 * "end" is the last.  The article's busy flag (written_by_you, polled with
 * sleep(1)) is replaced by two semaphores in the segment: see shm_com.h.
 * Out of sight, in shm-support.c: the waits (wait_until_ready, wait_turn),
 * the owner check and the error for a segment of another size.
 * Start shm-consumer in another terminal, before or after.
 *
 *     make && ./shm-consumer &        # or in a second terminal
 *     printf 'hello\nend\n' | ./shm-producer
 */
#define _GNU_SOURCE
#include "lab.h"
#include "shm-support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: shm-producer [-k KEY] [-m MODE] [-o]\n"
    "  Copies each line of standard input into the segment shm-consumer\n"
    "  reads, waiting each time until it has been taken; stops after a line\n"
    "  starting with 'end' or at the end of input (then 'end' is sent).\n"
    "  -k KEY   segment key (strtol base 0); default $IPC_LAB_KEY, else 1234\n"
    "  -m MODE  permissions if the segment is created, octal (default 0600)\n"
    "  -o       use a segment another user owns (refused by default)\n"
    "  -h       this help\n";

static void send_line(struct shared_use_st *shared, int shmid, const char *line, size_t len);

int main(int argc, char *argv[])
{
    key_t key;
    int mode;
    bool others_allowed; /* -o */

    lab_init(usage_text);
    parse_peer_options(argc, argv, SHM_KEY,
                       "shm-consumer could never find that segment",
                       &key, &mode, &others_allowed);

    /* lesson: create or open, shmat, set up or wait; send each line; shmdt */
    /* Step 1: create the segment, or open the one the consumer made: either
     * may start first, or both at once.  IPC_EXCL tells which: the creator
     * alone calls sem_init (a second sem_init on a semaphore in use is
     * undefined).  The consumer removes the segment, not us. */
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
     * would read its bytes as semaphores. */
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) == -1)
        die("shmctl IPC_STAT segment %d", shmid);
    if (ds.shm_segsz != sizeof *shared)
        die_wrong_size(key, shmid, ds.shm_segsz);

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

    /* Step 3: send each line, until "end". */
    char *line = NULL;
    size_t capacity = 0;
    for (;;) {
        /* The line is read before waiting for the consumer: we hold no
         * turn while a person types, so a Ctrl-C here leaves the segment
         * as it was, for the next producer. */
        prompt("Enter some text: "); /* only on a terminal */
        ssize_t len = read_line(stdin, &line, &capacity);
        if (len == -1) {
            /* End of input: "end" as if typed, so the consumer finishes
             * (the article's fgets loop resent the old buffer forever). */
            prompt_end_of_input();
            send_line(shared, shmid, END_WORD, strlen(END_WORD));
            break;
        }
        send_line(shared, shmid, line, (size_t)len);
        if (starts_with(line, (size_t)len, END_WORD))
            break;
    }
    free(line);

    /* "end" is sent: wait until the consumer has taken it, so that when we
     * exit every line has been consumed.  The consumer then removes the
     * segment. */
    wait_turn(&shared->buffer_free, shmid, "the consumer to take 'end'");

    /* Step 4: detach. */
    if (shmdt(shared) == -1)
        die("shmdt segment %d", shmid);
    return 0;
    /* end of lesson */
}

/* Step 3, one line, in as many hand-offs as it needs: a line longer than
 * the article's TEXT_SZ is not cut (strncpy dropped the rest), but sent in
 * pieces of at most TEXT_SZ bytes, the cut never falling just before "end".
 * The length travels with the text, so no NUL is needed. */
static void send_line(struct shared_use_st *shared, int shmid, const char *line, size_t len)
{
    /* lesson: wait for the free buffer, copy a piece, post text_written */
    size_t sent = 0;

    do {
        size_t piece = next_piece_length(line + sent, len - sent, TEXT_SZ, END_WORD);

        /* Wait until the consumer has taken the previous text (the
         * article's while (written_by_you == 1) sleep(1);). */
        wait_turn(&shared->buffer_free, shmid, "the consumer");
        memcpy(shared->some_text, line + sent, piece);
        shared->length = piece;
        /* Hand it over (written_by_you = 1): sem_post makes the text above
         * visible to the consumer's sem_wait. */
        if (sem_post(&shared->text_written) == -1)
            die("sem_post segment %d", shmid);
        sent += piece;
        if (starts_with(line, len, END_WORD))
            return; /* the consumer stops at this piece: send no more */
    } while (sent < len);
    /* end of lesson */
}
