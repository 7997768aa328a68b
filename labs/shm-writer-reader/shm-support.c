/* shm-support.c - the plumbing around this lab's lessons (see
 * shm-support.h): the owner check, shm-write's options, the long error
 * lines, and the waits of shm-producer and shm-consumer. */
#define _GNU_SOURCE
#include "lab.h"
#include "shm-support.h"
#include "shm_key.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

void check_segment_owner(int shmid, key_t key, bool others_allowed)
{
    struct shmid_ds ds;

    if (shmctl(shmid, IPC_STAT, &ds) == -1) {
        if (errno == EACCES) /* not even allowed to look: another user's */
            die_shmget(key);
        die("shmctl IPC_STAT segment %d", shmid);
    }
    check_owner("shmget", "segment", key, &ds.shm_perm, others_allowed);
}

/* ---- shm-write ---- */

#define SHM_SIZE 1024             /* article 000's SHM_SIZE (-s changes it) */
#define MAX_SIZE (1L << 30)       /* -s above 1 GiB is surely a typo */
#define DEFAULT_TEXT "Hello, world!"

void parse_write_options(int argc, char *argv[], struct write_options *options)
{
    const char *key_text = NULL, *path = NULL;
    long shm_size = SHM_SIZE;
    int opt;

    options->mode = DEFAULT_MODE;
    options->wait_then_remove = options->others_allowed = false;
    while ((opt = getopt(argc, argv, "+:k:p:m:s:woh")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'p': path = optarg; break;
        case 'm': options->mode = mode_option(optarg); break;
        case 's':
            if (!parse_long(optarg, 1, MAX_SIZE, &shm_size))
                usage_bad("bad size '%s': expected 1 to %ld bytes", optarg, MAX_SIZE);
            break;
        case 'w': options->wait_then_remove = true; break;
        case 'o': options->others_allowed = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    key_options_check(key_text, path);
    options->text = DEFAULT_TEXT;
    if (optind < argc)
        options->text = argv[optind++];
    if (optind < argc)
        usage_bad("unexpected argument '%s' (quote a TEXT with spaces)", argv[optind]);
    /* The text goes with its NUL, so that shm-read knows where it ends. */
    size_t size = strlen(options->text) + 1;
    if (size > (size_t)shm_size)
        usage_bad("text too long: %zu bytes, at most %ld fit with the NUL",
                  size - 1, shm_size - 1);
    options->size = (size_t)shm_size;
    options->key = key_from_options(key_text, path);
}

void die_too_small(key_t key, size_t size)
{
    struct shmid_ds ds;
    int shmid = shmget(key, 0, 0);

    if (shmid != -1 && shmctl(shmid, IPC_STAT, &ds) == 0) {
        errno = EINVAL;
        die("shmget key 0x%08x (segment %d under this key has %zu bytes, fewer "
            "than %zu; remove it with: ipcrm -M 0x%08x)",
            (unsigned)key, shmid, (size_t)ds.shm_segsz, size, (unsigned)key);
    }
    errno = EINVAL;
    die_shmget(key);
}

/* ---- shm-producer and shm-consumer ---- */

void die_wrong_size(key_t key, int shmid, size_t size)
{
    errno = EINVAL;
    die("shmget key 0x%08x (segment %d under this key has %zu bytes, not %zu: "
        "it was made by another program; remove it with: ipcrm -M 0x%08x)",
        (unsigned)key, shmid, size, sizeof(struct shared_use_st), (unsigned)key);
}

/* True when IPC_RMID has marked the segment (we are attached, so it still
 * exists: it only goes at the last detach). */
static bool segment_removed(int shmid)
{
    struct shmid_ds ds;

    if (shmctl(shmid, IPC_STAT, &ds) == 0)
        return (ds.shm_perm.mode & SHM_DEST) != 0;
    if (errno == EINVAL || errno == EIDRM)
        return true;
    die("shmctl IPC_STAT segment %d", shmid);
}

/* There is nothing to sleep on yet (the semaphores are what is being made),
 * so wait_until_ready looks again and again, asleep in nanosleep in between:
 * first after 1 ms, then each pause twice the last, up to 200 ms.  The
 * creator needs microseconds for two sem_init calls, so this is one look,
 * unless the creator was stopped; then it is five looks a second, as in
 * wait_turn.  (A fixed 10 ms pause was a hundred wake-ups a second: a loaded
 * machine charged that to the waiter as 5% of a core.) */
#define READY_PAUSE_FIRST_NS (1000 * 1000L)
#define READY_PAUSE_MAX_NS   (200 * 1000 * 1000L)

void wait_until_ready(struct shared_use_st *shared, int shmid, key_t key)
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

/* Because a POSIX semaphore cannot report that its segment was removed, the
 * sleep is cut into 200 ms slices (sem_clockwait), and between two slices
 * IPC_STAT says whether the segment is marked for removal: then the other
 * side has gone (the consumer removes it when it ends or is stopped), and
 * waiting longer would be forever.  Five cheap system calls a second: no
 * busy loop. */
#define WATCH_NS (200 * 1000 * 1000L)

void wait_turn(sem_t *sem, int shmid, const char *waiting_for)
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
