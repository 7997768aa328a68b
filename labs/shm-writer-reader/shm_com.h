/* shm_com.h - what shm-producer and shm-consumer share: the segment's
 * layout (article 003 includes a shm_com.h but never shows it: the struct
 * is rebuilt from what shm1.c and shm2.c use, and TEXT_SZ is chosen), plus the two steps both programs take
 * the same way: opening the segment (set up exactly once, whoever comes
 * first) and waiting for their turn.
 *
 * The article's struct shared_use_st had an int written_by_you that both
 * sides polled: shm1.c in a loop without any pause, burning a whole core,
 * shm2.c with sleep(1).  A plain int written by one process while another
 * reads it is a data race: the compiler may keep it in a register and never
 * see the change (at -O2 the consumer's loop can become `for (;;);`), and
 * nothing orders the text before the flag.  Here the flag is two semaphores.
 *
 * Why process-shared POSIX semaphores, inside the segment, rather than a
 * System V semaphore set: they live in the segment, so the consumer's one
 * shmctl(IPC_RMID) removes everything, and no second kernel object has to
 * be created, found and removed on every path.  sem_wait sleeps in the
 * kernel until sem_post, using no CPU, and the pair orders memory: what the
 * producer wrote before sem_post is what the consumer reads after sem_wait.
 * What they cannot do is tell a sleeper that the segment was removed (a
 * System V semop would fail with EIDRM): see wait_turn.
 */
#ifndef SHM_COM_H
#define SHM_COM_H

#include "lab.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/shm.h>
#include <time.h>

#define SHM_KEY  1234   /* the article's (key_t)1234 */
#define TEXT_SZ  2048   /* chosen (the article never shows its value): bytes per hand-off */
#define END_WORD "end"

/* ready holds this once the creator has initialised the semaphores; a
 * magic number, not 1, so that a stray segment is not taken for ours. */
#define SEGMENT_READY 0x73686d33u

struct shared_use_st {
    atomic_uint ready;        /* SEGMENT_READY: the semaphores may be used */
    sem_t buffer_free;        /* 1: some_text may be written (written_by_you == 0) */
    sem_t text_written;       /* 1: some_text holds a text (written_by_you == 1) */
    size_t length;            /* bytes of text in some_text; no NUL */
    char some_text[TEXT_SZ];
};

/* ready is read and written by two processes: only a lock-free atomic is
 * shared correctly through memory (a lock would live in one process). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic_uint must be lock-free");

/* True when IPC_RMID has marked the segment (we are attached, so it still
 * exists: it only goes at the last detach). */
static inline bool segment_removed(int shmid)
{
    struct shmid_ds ds;

    if (shmctl(shmid, IPC_STAT, &ds) == 0)
        return (ds.shm_perm.mode & SHM_DEST) != 0;
    if (errno == EINVAL || errno == EIDRM)
        return true;
    die("shmctl IPC_STAT segment %d", shmid);
}

/* The creator sets the semaphores up, then publishes SEGMENT_READY. */
static inline void set_up_segment(struct shared_use_st *shared, int shmid)
{
    /* pshared = 1: the semaphore is shared between processes, so it must
     * live in shared memory, as it does here. */
    if (sem_init(&shared->buffer_free, 1, 1) == -1)
        die("sem_init segment %d", shmid);
    if (sem_init(&shared->text_written, 1, 0) == -1)
        die("sem_init segment %d", shmid);
    /* Release: whoever reads SEGMENT_READY with an acquire load also sees
     * both initialised semaphores. */
    atomic_store_explicit(&shared->ready, SEGMENT_READY, memory_order_release);
}

/* The other side waits until the creator has published SEGMENT_READY.
 * There is nothing to sleep on yet (the semaphores are what is being made),
 * so it looks again and again, asleep in nanosleep in between: first after
 * 1 ms, then each pause twice the last, up to 200 ms.  The creator needs
 * microseconds for two sem_init calls, so this is one look, unless the
 * creator was stopped; then it is five looks a second, as in wait_turn.  (A
 * fixed 10 ms pause was a hundred wake-ups a second: a loaded machine
 * charged that to the waiter as 5% of a core.)  It gives up if the segment
 * is removed, or if its creator (shm_cpid) has died without finishing,
 * instead of waiting forever. */
#define READY_PAUSE_FIRST_NS (1000 * 1000L)
#define READY_PAUSE_MAX_NS   (200 * 1000 * 1000L)

static inline void wait_until_ready(struct shared_use_st *shared, int shmid, key_t key)
{
    struct timespec pause = { .tv_nsec = READY_PAUSE_FIRST_NS };

    while (atomic_load_explicit(&shared->ready, memory_order_acquire) != SEGMENT_READY) {
        struct shmid_ds ds;

        if (shmctl(shmid, IPC_STAT, &ds) == -1)
            die("shmctl IPC_STAT segment %d", shmid);
        if (ds.shm_perm.mode & SHM_DEST) {
            errno = EIDRM;
            die("segment %d was removed before it was set up", shmid);
        }
        if (kill(ds.shm_cpid, 0) == -1 && errno == ESRCH &&
            atomic_load_explicit(&shared->ready, memory_order_acquire) != SEGMENT_READY)
            die("segment %d: its creator, pid %d, ended before setting it up "
                "(remove it with: ipcrm -M 0x%08x)", shmid, (int)ds.shm_cpid, (unsigned)key);
        if (nanosleep(&pause, NULL) == -1 && errno != EINTR)
            die("nanosleep");
        pause.tv_nsec = pause.tv_nsec * 2 < READY_PAUSE_MAX_NS ? pause.tv_nsec * 2
                                                               : READY_PAUSE_MAX_NS;
    }
}

/* Open the segment, creating and setting it up if it does not exist yet;
 * returns its id, and its address in *shared.  Either program may start
 * first, or both at the same moment: the one whose
 * shmget(IPC_CREAT | IPC_EXCL) succeeds is the creator, and it alone calls
 * sem_init (a second sem_init on a semaphore in use is undefined).  The
 * other one gets EEXIST, opens the segment, checks its owner (-o accepts
 * another user's) and waits until it is ready.
 * A remover (the consumer) registers the segment for removal on a stop
 * signal as soon as it has its id. */
static inline int open_segment(key_t key, int mode, bool remover, bool others_allowed,
                               struct shared_use_st **shared)
{
    const size_t size = sizeof(struct shared_use_st);

    if (remover)
        signals_hold(); /* until the segment is registered for removal */
    for (;;) {
        int shmid = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
        bool creator = shmid != -1;

        if (!creator && errno != EEXIST)
            die_shmget(key);
        if (!creator) {
            shmid = shmget(key, 0, 0);
            if (shmid == -1 && errno == ENOENT)
                continue; /* removed since our first shmget: start again */
            if (shmid == -1)
                die_shmget(key);
            /* Not ours: anyone may have made it (see check_segment_owner). */
            check_segment_owner(shmid, key, others_allowed);
        }
        /* A segment of another size is not ours (shm-write's, say): using
         * it would read its bytes as semaphores. */
        struct shmid_ds ds;
        if (shmctl(shmid, IPC_STAT, &ds) == -1)
            die("shmctl IPC_STAT segment %d", shmid);
        if (ds.shm_segsz != size) {
            errno = EINVAL;
            die("shmget key 0x%08x (segment %d under this key has %zu bytes, not %zu: "
                "it was made by another program; remove it with: ipcrm -M 0x%08x)",
                (unsigned)key, shmid, (size_t)ds.shm_segsz, size, (unsigned)key);
        }
        /* Only now is it ours to remove: never another program's segment. */
        if (remover)
            cleanup_segment(shmid, ON_SIGNAL);

        *shared = shmat(shmid, NULL, 0);
        if (*shared == (void *)-1)
            die("shmat segment %d", shmid);
        if (creator)
            set_up_segment(*shared, shmid);
        else
            wait_until_ready(*shared, shmid, key);
        return shmid;
    }
}

/* Sleep until sem is posted, then take it (sem_wait).  Because a POSIX
 * semaphore cannot report that its segment was removed, the sleep is cut
 * into 200 ms slices (sem_clockwait), and between two slices IPC_STAT says
 * whether the segment is marked for removal: then the other side has gone
 * (the consumer removes it when it ends or is stopped), and waiting longer
 * would be forever.  Five cheap system calls a second: no busy loop. */
#define WATCH_NS (200 * 1000 * 1000L)

static inline void wait_turn(sem_t *sem, int shmid, const char *waiting_for)
{
    for (;;) {
        struct timespec deadline;

        if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1)
            die("clock_gettime");
        deadline.tv_nsec += WATCH_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        if (sem_clockwait(sem, CLOCK_MONOTONIC, &deadline) == 0)
            return;
        if (errno == EINTR)
            continue;
        if (errno != ETIMEDOUT)
            die("sem_wait segment %d", shmid);
        /* A post made just before the removal still counts. */
        if (segment_removed(shmid) && sem_trywait(sem) == -1) {
            errno = EIDRM;
            die("waiting for %s: segment %d was removed", waiting_for, shmid);
        }
    }
}

#endif
