/* shm-check - a System V shared memory segment shared across fork.
 *
 * Follows article 001 (LMOS, "应用间通信（二）", the shared memory part): the
 * parent creates a segment { long status; char body[]; } and forks; the
 * parent attaches, fills the body with 0xff and sets status; the child
 * attaches, waits for status and checks every byte of the body.  The
 * article's child polled a plain long with sleep(2): a data race, and up to
 * two seconds lost.  Here status is a C11 atomic published with a release
 * store, and the child sleeps in read() on a pipe until the parent is done
 * (see wait_for_status).  The parent then removes the segment, which the
 * article never did.
 *
 *     make && ./shm-check         # parent attached at 0x..., child attached
 *                                 # at 0x..., check ok: 4088
 *     ./shm-check -k 0 -s 64      # IPC_PRIVATE, a 64-byte segment: check ok: 56
 */
#define _GNU_SOURCE
#include "lab.h"

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
#define MAX_SIZE (1L << 30)    /* -s above 1 GiB is surely a typo */

/* The article's shm_t, with a body of SIZE - sizeof(long) bytes.  status is
 * an atomic long: the parent writes it while the child reads it, and only an
 * atomic makes that well defined.  It must be lock-free to work between
 * processes (a lock would live in one process only), and have the size of a
 * plain long, so that the layout is still { long; char body[]; }. */
typedef struct {
    _Atomic long status;
    unsigned char body[];
} shm_t;

_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "atomic long must be lock-free");
_Static_assert(sizeof(_Atomic long) == sizeof(long), "status must be a long");
_Static_assert(offsetof(shm_t, body) == sizeof(long), "body must follow status");

static const char usage_text[] =
    "usage: shm-check [-k KEY] [-m MODE] [-s SIZE]\n"
    "  Creates a segment of SIZE bytes { long status; char body[]; } and forks.\n"
    "  The parent fills the body with 0xff and publishes status; the child\n"
    "  waits for it and checks every byte: 'check ok: N' or\n"
    "  'check failed: K of N bytes wrong' (exit 1).  The parent then removes\n"
    "  the segment and exits with the child's status.\n"
    "  -k KEY   segment key (strtol base 0; 0 = IPC_PRIVATE); default\n"
    "           $IPC_LAB_KEY, else 752364\n"
    "  -m MODE  permissions of the new segment, octal (default 0600)\n"
    "  -s SIZE  segment size in bytes, more than sizeof(long) (default 4096)\n"
    "  -h       this help\n";

/* Step 2 in the child: sleep until the parent has published the status.
 *
 * The parent closes its end of a pipe once status is stored; until then the
 * child sleeps in read(), using no CPU (a loop on the atomic would keep a
 * core busy and, on one CPU, take time slices from the very parent it waits
 * for).  read()
 * returns 0 (end of file) when the parent closes the pipe, and also when it
 * dies before publishing: then status is still 0, and the child says so
 * instead of waiting forever.  The pipe only wakes the child; what makes the
 * 0xff bytes visible is the atomic pair: the acquire load that reads the
 * value of the release store sees every write made before that store. */
static long wait_for_status(shm_t *shm, int doorbell)
{
    /* lesson: read until the pipe's end of file, then load status (acquire) */
    char byte;
    ssize_t n;

    do
        n = read(doorbell, &byte, 1);
    while (n == -1 && errno == EINTR);
    if (n == -1)
        die("read pipe from the parent");
    return atomic_load_explicit(&shm->status, memory_order_acquire);
    /* end of lesson */
}

/* One failure, one line: the parent that gives up says why and removes the
 * segment (die), or dies of a stop signal, which removes it too: the signal
 * is the whole story.  So once its end of the pipe is closed, a segment
 * that is gone, or marked for removal (SHM_DEST: it lives on while the child
 * is attached), means the parent has spoken, and the child keeps quiet.
 * Only a parent killed outright (SIGKILL) leaves it to the child. */
static bool parent_gave_up(int shmid, int doorbell)
{
    char byte;
    ssize_t n;
    struct shmid_ds ds;

    do
        n = read(doorbell, &byte, 1);
    while (n == -1 && errno == EINTR);
    return shmctl(shmid, IPC_STAT, &ds) == -1 || (ds.shm_perm.mode & SHM_DEST);
}

/* The child's check_stdout.  Its stdout is the parent's: a write that fails
 * (./shm-check > /dev/full) fails in both, and the parent says so.  The child
 * speaks only when the parent went on without it. */
static void child_check_stdout(int shmid, int doorbell)
{
    if (fflush(stdout) != EOF && !ferror(stdout))
        return;
    int err = errno;
    if (parent_gave_up(shmid, doorbell))
        _exit(1); /* not exit: its stdout flush would say it again */
    errno = err;
    check_stdout(NULL);
}

/* The child: attach, wait for the status, check every byte of the body. */
static int child_main(int shmid, size_t body_size, int doorbell)
{
    /* lesson: shmat read-only, wait for status, count bytes not 0xff, shmdt */
    /* SHM_RDONLY: the child only reads, so it asks for no more. */
    shm_t *shm = shmat(shmid, NULL, SHM_RDONLY);
    if (shm == (void *)-1) {
        int err = errno;
        if (parent_gave_up(shmid, doorbell))
            return 1;
        errno = err;
        die("shmat segment %d", shmid);
    }
    printf("child attached at %p\n", (void *)shm);
    child_check_stdout(shmid, doorbell);

    long status = wait_for_status(shm, doorbell);
    if (status != (long)body_size && parent_gave_up(shmid, doorbell))
        return 1;
    if (status != (long)body_size) {
        fprintf(stderr, "%s: the parent ended without publishing the status "
                "(status %ld, expected %zu)\n",
                program_invocation_short_name, status, body_size);
        return 1;
    }

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

/* The parent: attach, fill the body, publish the status, ring the child. */
static shm_t *parent_main(int shmid, size_t body_size, int doorbell)
{
    /* lesson: shmat, fill the body, store status (release), close the pipe */
    shm_t *shm = shmat(shmid, NULL, 0);
    if (shm == (void *)-1)
        die("shmat segment %d", shmid);
    printf("parent attached at %p\n", (void *)shm);
    check_stdout(NULL); /* output that fails stops us now: ON_ERROR removes */

    /* Step 3: write.  Only the body: the article's memset covered status
     * too, writing it with plain stores while the child was reading it. */
    memset(shm->body, 0xff, body_size);
    /* Release: every write above is visible to whoever reads this value
     * with an acquire load.  A plain store gives no such promise; the
     * compiler or the CPU may make status visible before the body. */
    atomic_store_explicit(&shm->status, (long)body_size, memory_order_release);
    if (close(doorbell) == -1)
        die("close pipe to the child");
    return shm;
    /* end of lesson */
}

int main(int argc, char *argv[])
{
    const char *key_text = NULL;
    int mode = DEFAULT_MODE;
    long size = SHM_SIZE;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:k:m:s:h")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'm':
            if (!parse_mode(optarg, &mode))
                usage_bad("bad mode '%s': expected octal such as 0600", optarg);
            break;
        case 's':
            if (!parse_long(optarg, (long)sizeof(long) + 1, MAX_SIZE, &size))
                usage_bad("bad size '%s': expected %zu to %ld bytes",
                          optarg, sizeof(long) + 1, MAX_SIZE);
            break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    key_t key = key_from_option_env_or(key_text, SHM_KEY);
    size_t body_size = (size_t)size - sizeof(long);

    /* lesson: shmget IPC_EXCL, pipe, fork, wait, shmdt, shmctl IPC_RMID */
    /* Step 1: create the segment.  IPC_EXCL (the article has only
     * IPC_CREAT): a segment left by a killed run could hold 0xff bytes and
     * a status already, and the check would pass without the parent. */
    signals_hold();
    int shmid = shmget(key, (size_t)size, IPC_CREAT | IPC_EXCL | mode);
    if (shmid == -1)
        die_shmget_size(key, (size_t)size); /* EINVAL: over kernel.shmmax */
    cleanup_segment(shmid, ON_SIGNAL | ON_ERROR);

    int doorbell[2];
    if (pipe(doorbell) == -1)
        die("pipe");

    /* Step 2: fork.  Each process attaches on its own, after the fork, as
     * in the article (an attached segment would be inherited too). */
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
    shm_t *shm = parent_main(shmid, body_size, doorbell[1]);

    /* wait() orders the end: the child has checked and detached before the
     * segment goes, and the article's sleep is not needed anywhere. */
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid %d", (int)pid);

    /* Step 4: remove (missing in the article), then detach.  In this order
     * the removal cannot fail when another program removed the segment
     * first: a segment marked for removal lives on until its last detach,
     * and marking it again is harmless. */
    if (shmctl(shmid, IPC_RMID, NULL) == -1)
        die("shmctl IPC_RMID segment %d", shmid);
    cleanup_forget();
    if (shmdt(shm) == -1)
        die("shmdt segment %d", shmid);

    return child_exit_code(pid, status, "the child");
    /* end of lesson */
}
