/* ipc-bench - measure how fast each way of moving bytes between two
 * processes is, on the machine it runs on.
 *
 * The articles claim speed without a number: 003 (section 5.1) says shared
 * memory is a very efficient way to pass data because nothing is copied
 * between the processes, and 002 (sections 5.3 and 5.4) that shared memory
 * lives in main memory and is faster to read and write than a mapped file.
 * This program puts numbers on the first claim.  A parent sends messages to
 * a forked child through each mechanism in turn:
 *
 *   memcpy       no second process: the sender's copy alone, the limit a
 *                shared memory transfer can reach (see run_memcpy_round);
 *   pipe         two pipes, one each way, 1 MiB of buffer each;
 *   msgqueue     one System V message queue, type 1 down, type 2 up;
 *   unix-socket  a socketpair(AF_UNIX, SOCK_STREAM);
 *   shm-sem      a System V shared memory segment holding a 1 MiB ring of
 *                slots each way, with two process-shared POSIX semaphores
 *                per ring: the receiver sleeps when the ring is empty;
 *   shm-spin     the same rings, with C11 atomic counters that each side
 *                spins on (only with two CPUs: never spin on one).
 *
 * For each message size (64 B to 8 KiB, the default msgmax) it measures the
 * one-way throughput and message rate, and the round-trip time of a message
 * sent and echoed back; then one large transfer of each mechanism, 1 GiB with
 * -l (64 KiB pieces, so 1 GiB through the 1 MiB ring).  Every run is
 * repeated, the table shows median, min and max, and each figure's ratio to
 * memcpy and to the pipe.  The receiver checksums every byte it gets and the
 * parent compares with the checksum of what was sent, so a fast but wrong
 * transfer fails instead of winning.
 *
 * This file holds the IPC; bench-support.c holds the plumbing around it:
 * options, clock, checksum, CPU pinning, progress, the table and the CSV.
 *
 *     make && ./ipc-bench        # a few seconds; the table on stdout
 *     ./ipc-bench -q -o run.csv  # the quickest run, also written as CSV
 *     ./ipc-bench -l             # a minute or two: 1 GiB transfers
 *     ./ipc-bench -c 0,0         # both processes on CPU 0 (no shm-spin)
 */
#define _GNU_SOURCE
#include "bench-support.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define RING_BYTES     (1u << 20)   /* each ring: 1 MiB of slots */
#define PIECE          (64u << 10)  /* the large transfer moves 64 KiB pieces */
#define CACHE_LINE     64

enum direction { DOWN, UP }; /* DOWN: parent to child; UP: child to parent */

/* ---- the shared memory rings ---- */

/* The head of one ring, in the segment.  Each member used by both processes
 * has a cache line of its own, so that a write to one does not slow down the
 * reading of another (false sharing). */
struct ring_header {
    _Alignas(CACHE_LINE) sem_t free_slots;  /* shm-sem: slots the sender may fill */
    _Alignas(CACHE_LINE) sem_t full_slots;  /* shm-sem: slots the receiver may read */
    /* shm-spin: how many messages the sender has published, and how many the
     * receiver is done with; each written by one side only. */
    _Alignas(CACHE_LINE) atomic_ullong written;
    _Alignas(CACHE_LINE) atomic_ullong released;
    /* The slots follow, each `stride` bytes: the message, then its length
     * in the last 8 bytes. */
};

/* Atomics shared between processes must be lock-free: a lock would be a
 * private one in each process. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "atomic long long must be lock-free");

/* One process's view of one ring. */
struct ring {
    struct ring_header *shared;
    unsigned char *slots;
    size_t capacity;          /* bytes a slot holds, its length aside */
    size_t stride, n_slots;   /* stride: capacity and length, in whole cache lines */
    size_t slot;              /* the slot in use: count % n_slots, kept without dividing */
    unsigned long long count; /* slots this side has filled, or is done with */
    unsigned long long seen;  /* shm-spin: the other side's count, last read */
    bool open;                /* shm-sem: a slot is held (being filled, or read) */
    size_t used;              /* shm-sem: bytes of it filled, or read */
    size_t last_record;       /* shm-sem: bytes of the message being read */
    size_t unposted;          /* shm-sem: slots done with but not posted yet */
    size_t post_batch;        /* shm-sem: post them when there are this many */
};

static size_t ring_stride(size_t capacity)
{
    return (capacity + sizeof(uint64_t) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
}

/* A message in a shm-sem slot: its length (8 bytes), then its bytes, padded
 * to a multiple of 8. */
static size_t record_bytes(size_t len)
{
    return sizeof(uint64_t) + (len + 7) / 8 * 8;
}

/* Without -B, a shm-sem slot holds 8 KiB of messages, or one larger message. */
#define BATCH_BYTES 8192

static size_t slot_capacity(enum mechanism mechanism, size_t max_message)
{
    if (mechanism == SHM_SPIN)
        return max_message;
    size_t one = record_bytes(max_message);
    return settings.batching && one < BATCH_BYTES ? BATCH_BYTES : one;
}

static size_t ring_segment_bytes(void)
{
    return 2 * (sizeof(struct ring_header) + RING_BYTES);
}

static unsigned char *slot_data(const struct ring *r)
{
    return r->slots + r->slot * r->stride;
}

static uint64_t *slot_length(const struct ring *r)
{
    /* The offset is a multiple of 8 in a page-aligned segment. */
    return (uint64_t *)(void *)(slot_data(r) + r->stride - sizeof(uint64_t));
}

static void ring_advance(struct ring *r)
{
    r->count++;
    if (++r->slot == r->n_slots)
        r->slot = 0;
}

/* ---- a run in progress, and a child that ends in the middle of it ---- */

static volatile sig_atomic_t partner_gone;   /* set by on_child_exit */
static struct ring_header *volatile watched_ring[2];
static volatile sig_atomic_t watched_msqid = -1;
static pid_t children[N_MECHANISMS];           /* the child of each mechanism; 0: none */
static char run_label[128];                    /* what runs now: "shm-sem 64 B rtt" */

/* SIGCHLD while runs are in progress: a child died (the normal ends come
 * only after the parent stopped watching, see stop_watching).  Without this
 * the parent could wait forever: nothing else wakes a sem_wait on a ring or
 * a msgrcv on a queue that the dead child would have filled.  So: note it,
 * remove the queue (msgsnd and msgrcv then fail with EIDRM), and post every
 * semaphore (sem_wait returns; the waiter checks partner_gone).  msgctl and
 * sem_post are async-signal-safe. */
static void on_child_exit(int sig)
{
    int saved = errno;

    (void)sig;
    partner_gone = 1;
    if (watched_msqid != -1)
        (void)msgctl(watched_msqid, IPC_RMID, NULL);
    for (int i = 0; i < 2; i++) {
        if (watched_ring[i] != NULL) {
            (void)sem_post(&watched_ring[i]->free_slots);
            (void)sem_post(&watched_ring[i]->full_slots);
        }
    }
    errno = saved;
}

static void watch_children(void)
{
    /* No SA_RESTART: a blocked read, msgrcv or sem_wait returns EINTR.
     * SA_NOCLDSTOP: a child stopped with Ctrl-Z has not ended. */
    struct sigaction sa = { .sa_handler = on_child_exit, .sa_flags = SA_NOCLDSTOP };

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction SIGCHLD");
}

static void stop_watching(void)
{
    watched_msqid = -1;
    watched_ring[0] = watched_ring[1] = NULL;
}

/* waitpid, again when a signal interrupts it. */
static pid_t wait_for_child(pid_t pid, int *status, int options)
{
    pid_t result;

    do
        result = waitpid(pid, status, options);
    while (result == -1 && errno == EINTR);
    return result;
}

/* How a child ended, for the error line. */
static void describe_end(char *text, size_t capacity, enum mechanism m, int status)
{
    if (WIFEXITED(status))
        snprintf(text, capacity, " (the %s child exited with status %d)", mechanism_name[m],
                 WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, capacity, " (the %s child was killed by SIG%s)", mechanism_name[m],
                 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
}

static char ended_how[96];   /* " (the pipe child was killed by SIGKILL)" */

/* Note how the child pid ended, if it is one of ours (the first one only). */
static void note_end(pid_t pid, int status)
{
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (pid > 0 && children[m] == pid) {
            if (ended_how[0] == '\0')
                describe_end(ended_how, sizeof ended_how, m, status);
            children[m] = 0;
        }
    }
}

/* A child ended in the middle of a run, or sent something impossible: say
 * which and how it ended, end the others, and stop (removing what the
 * parent created). */
static _Noreturn void child_failed(const char *what)
{
    int status = 0;

    stop_watching();
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (children[m] > 0) {
            pid_t pid = wait_for_child(children[m], &status, WNOHANG);
            note_end(pid, status);
        }
    }
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (children[m] > 0) {
            (void)kill(children[m], SIGKILL);
            (void)wait_for_child(children[m], &status, 0);
            children[m] = 0;
        }
    }
    fprintf(stderr, "%s: %s: %s%s\n", program_invocation_short_name, run_label, what,
            ended_how);
    cleanup_after_error();
    exit(1);
}

/* The other end of a pipe or socket is closed: in the parent, the child is
 * ending.  The kernel closes a dying process's files before it makes it a
 * zombie, so child_failed's WNOHANG wait could miss it and not say how it
 * ended.  So wait for it first: for any child, since the others are alive,
 * each waiting on its command pipe, and the first to end is this one.  (In
 * a child, which has no children, the wait fails at once with ECHILD.) */
static _Noreturn void peer_closed(const char *what)
{
    int status = 0;

    pid_t pid = wait_for_child(-1, &status, 0);
    note_end(pid, status);
    child_failed(what);
}

/* The parent checks partner_gone after every wait: a semaphore posted by
 * on_child_exit is not a message. */
static void check_partner(void)
{
    if (partner_gone)
        child_failed("the child ended in the middle of the run");
}

/* ---- whole reads and writes, for the pipes and the socket ---- */

static void write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && errno == EINTR) {
            check_partner();
            continue;
        }
        if (n == -1 && errno == EPIPE) /* SIGPIPE is ignored: see main */
            peer_closed("the other end of the pipe or socket is closed");
        if (n == -1)
            die("write fd %d", fd);
        p += n;
        len -= (size_t)n;
    }
}

/* Returns false at end of file before the first byte. */
static bool read_all(int fd, void *data, size_t len)
{
    unsigned char *p = data;
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, p + done, len - done);
        if (n == -1 && errno == EINTR) {
            check_partner();
            continue;
        }
        if (n == -1)
            die("read fd %d", fd);
        if (n == 0) {
            if (done == 0)
                return false;
            peer_closed("the stream ended in the middle of a message");
        }
        done += (size_t)n;
    }
    return true;
}

/* ---- the channel: one mechanism, both directions ---- */

struct queue_message {
    long type;                        /* DOWN + 1 or UP + 1 */
    unsigned char text[MAX_MESSAGE];
};

struct channel {
    enum mechanism mechanism;
    bool is_child;
    int pipe_fd[2][2];                /* [direction][0 = read end, 1 = write end] */
    int socket_fd[2];                 /* [0] the parent's end, [1] the child's */
    int msqid;
    int shmid;
    void *segment;
    struct ring ring[2];              /* [direction], for shm-sem and shm-spin */
    struct queue_message *outgoing;   /* msgsnd's buffer */
    struct queue_message *incoming;   /* msgrcv's */
    unsigned char *buffer;            /* where read() puts a message */
};

/* The shared memory mechanisms: create the segment (removed on a signal or
 * an error until start_session removes it for good), attach it, and lay
 * out a ring in each half: the head, then the slots. */
static void open_segment(struct channel *ch, size_t capacity)
{
    /* lesson: shmget IPC_EXCL, cleanup_segment, shmat, then each ring: its geometry, sem_init (pshared), atomic_init */
    signals_hold();
    ch->shmid = shmget(settings.key, ring_segment_bytes(), IPC_CREAT | IPC_EXCL | settings.mode);
    if (ch->shmid == -1)
        die_shmget(settings.key);
    cleanup_segment(ch->shmid, ON_SIGNAL | ON_ERROR);
    ch->segment = shmat(ch->shmid, NULL, 0);
    if (ch->segment == (void *)-1)
        die("shmat segment %d", ch->shmid);
    unsigned char *at = ch->segment;
    for (int dir = DOWN; dir <= UP; dir++) {
        struct ring *r = &ch->ring[dir];
        r->shared = (struct ring_header *)(void *)at;
        r->slots = at + sizeof(struct ring_header);
        r->capacity = slot_capacity(ch->mechanism, capacity);
        r->stride = ring_stride(r->capacity);
        r->n_slots = RING_BYTES / r->stride;
        r->post_batch = settings.batching ? (r->n_slots + 7) / 8 : 1;
        at += sizeof(struct ring_header) + RING_BYTES;
        /* pshared = 1: the semaphores live in memory both processes map,
         * and both use them. */
        if (sem_init(&r->shared->free_slots, 1, (unsigned)r->n_slots) == -1)
            die("sem_init");
        if (sem_init(&r->shared->full_slots, 1, 0) == -1)
            die("sem_init");
        atomic_init(&r->shared->written, 0);
        atomic_init(&r->shared->released, 0);
    }
    /* end of lesson */
}

/* Create what the mechanism needs.  capacity: the largest message. */
static void open_channel(struct channel *ch, enum mechanism mechanism, size_t capacity)
{
    *ch = (struct channel){ .mechanism = mechanism, .msqid = -1, .shmid = -1 };
    ch->buffer = malloc(capacity);
    ch->outgoing = malloc(sizeof *ch->outgoing);
    ch->incoming = malloc(sizeof *ch->incoming);
    if (ch->buffer == NULL || ch->outgoing == NULL || ch->incoming == NULL)
        die("malloc");

    switch (mechanism) {
    case PIPE:
        for (int dir = DOWN; dir <= UP; dir++) {
            if (pipe(ch->pipe_fd[dir]) == -1)
                die("pipe");
            /* 1 MiB of buffer, as the shared memory ring has (default
             * 64 KiB); /proc/sys/fs/pipe-max-size may forbid it. */
            if (fcntl(ch->pipe_fd[dir][1], F_SETPIPE_SZ, (int)RING_BYTES) == -1 && errno != EPERM)
                die("fcntl F_SETPIPE_SZ");
        }
        break;
    case UNIX_SOCKET:
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, ch->socket_fd) == -1)
            die("socketpair AF_UNIX");
        break;
    case MSGQUEUE:
        /* IPC_EXCL: a fresh, empty queue, ours only (IPC_PRIVATE by
         * default, which always makes a new one). */
        signals_hold();
        ch->msqid = msgget(settings.key, IPC_CREAT | IPC_EXCL | settings.mode);
        if (ch->msqid == -1)
            die_msgget(settings.key);
        cleanup_queue(ch->msqid, ON_SIGNAL | ON_ERROR);
        break;
    case SHM_SEM:
    case SHM_SPIN:
        open_segment(ch, capacity);
        break;
    case MEMCPY:
    case N_MECHANISMS:
        break;
    }
}

/* After the fork, each process closes the ends that are the other's: a
 * read then sees the end of file when the other process is gone. */
static void keep_own_ends(struct channel *ch, bool is_child)
{
    ch->is_child = is_child;
    if (ch->mechanism == PIPE) {
        int mine = is_child ? UP : DOWN; /* the direction this process writes */
        if (close(ch->pipe_fd[mine][0]) == -1 || close(ch->pipe_fd[!mine][1]) == -1)
            die("close pipe");
    } else if (ch->mechanism == UNIX_SOCKET) {
        if (close(ch->socket_fd[is_child ? 0 : 1]) == -1)
            die("close socket");
    }
}

/* The end of the session: the child has exited.  The queue is removed; the
 * segment was removed just after the fork (see start_session), and is
 * detached here. */
static void close_channel(struct channel *ch)
{
    switch (ch->mechanism) {
    case PIPE:
    case UNIX_SOCKET:
        break; /* see close_parent_ends */
    case MSGQUEUE:
        if (msgctl(ch->msqid, IPC_RMID, NULL) == -1)
            die("msgctl IPC_RMID queue %d", ch->msqid);
        cleanup_forget();
        break;
    case SHM_SEM:
    case SHM_SPIN:
        for (int dir = DOWN; dir <= UP; dir++) {
            if (sem_destroy(&ch->ring[dir].shared->free_slots) == -1 ||
                sem_destroy(&ch->ring[dir].shared->full_slots) == -1)
                die("sem_destroy");
        }
        if (shmdt(ch->segment) == -1)
            die("shmdt segment %d", ch->shmid);
        break;
    case MEMCPY:
    case N_MECHANISMS:
        break;
    }
    free(ch->buffer);
    free(ch->outgoing);
    free(ch->incoming);
}

/* ---- shm-sem: a ring of slots, two semaphores ----
 *
 * The classic bounded buffer: free_slots counts the slots the sender may
 * fill, full_slots the slots the receiver may read.  sem_wait sleeps when
 * the count is 0, and sem_post/sem_wait also order memory: what the sender
 * wrote in a slot before sem_post is seen by the receiver after its
 * sem_wait, and the receiver is done with a slot before it posts it free.
 *
 * A semaphore is cheap while nobody sleeps on it (an atomic add), but a
 * sem_post that must wake a sleeper is a system call, and the sleeper takes
 * microseconds to run again (tens of them, in a virtual machine).  With one
 * post per message, 64-byte messages went only 3.6 times as fast as through
 * a message queue, and the faster side slept and was woken at every slot.
 * So, without -B:
 *  - the sender packs messages into a slot, each as a record (length,
 *    bytes), and a slot is done when the next message would not fit, or
 *    when the sender has nothing more to send for now (`more` is false: the
 *    last message of a run, every message of a round trip);
 *  - each side posts the slots it is done with in batches, an eighth of the
 *    ring at a time, and whatever it holds before it may sleep itself, so
 *    that the other side never waits for a slot that is ready; and at once
 *    when `more` is false.  (Bigger batches wake the other side less often
 *    but leave it fewer slots to work in: a quarter or a half of the ring
 *    measured slower, on the machine of docs/performance.md.)
 * The receiver still takes the messages one by one, where they lie.  -B
 * turns both off: one message per slot, one post per message. */

static void sem_wait_checked(sem_t *sem)
{
    while (sem_wait(sem) == -1) {
        if (errno != EINTR)
            die("sem_wait");
        check_partner();
    }
    check_partner();
}

static void sem_post_checked(sem_t *sem)
{
    if (sem_post(sem) == -1)
        die("sem_post");
}

/* Post the slots done but not posted yet. */
static void sem_ring_flush(struct ring *r, sem_t *sem)
{
    for (; r->unposted > 0; r->unposted--)
        sem_post_checked(sem);
}

/* Take a slot from sem; before sleeping on it, post what we hold (to the
 * other semaphore, posted): the other side may be waiting for just that. */
static void sem_ring_take(struct ring *r, sem_t *sem, sem_t *posted)
{
    /* lesson: sem_trywait; when no slot is there, sem_ring_flush what we hold, then sem_wait_checked */
    if (sem_trywait(sem) == 0) {
        check_partner();
        return;
    }
    if (errno != EAGAIN && errno != EINTR)
        die("sem_trywait");
    sem_ring_flush(r, posted);
    sem_wait_checked(sem);
    /* end of lesson */
}

/* This side is done with its slot: the next one is ours to take. */
static void sem_ring_done(struct ring *r, sem_t *sem, bool now)
{
    ring_advance(r);
    r->open = false;
    r->unposted++;
    if (now || r->unposted >= r->post_batch)
        sem_ring_flush(r, sem);
}

static void sem_ring_send(struct ring *r, const unsigned char *data, size_t len, bool more)
{
    size_t record = record_bytes(len);
    uint64_t header = len;

    if (r->open && r->used + record > r->capacity) {
        *slot_length(r) = r->used;
        sem_ring_done(r, &r->shared->full_slots, false);
    }
    if (!r->open) {
        sem_ring_take(r, &r->shared->free_slots, &r->shared->full_slots);
        r->open = true;
        r->used = 0;
    }
    unsigned char *at = slot_data(r) + r->used;
    memcpy(at, &header, sizeof header);
    memcpy(at + sizeof header, data, len);
    r->used += record;
    if (!more || !settings.batching || r->used + record > r->capacity) {
        *slot_length(r) = r->used;
        sem_ring_done(r, &r->shared->full_slots, !more);
    }
}

static const unsigned char *sem_ring_receive(struct ring *r, size_t *len)
{
    uint64_t header;

    if (!r->open) {
        sem_ring_take(r, &r->shared->full_slots, &r->shared->free_slots);
        r->open = true;
        r->used = 0;
    }
    const unsigned char *at = slot_data(r) + r->used;
    memcpy(&header, at, sizeof header);
    size_t filled = (size_t)*slot_length(r);
    if (filled > r->capacity || r->used + sizeof header > filled ||
        header > filled - r->used - sizeof header)
        die("%s: a slot that makes no sense (message of %llu bytes)", run_label,
            (unsigned long long)header);
    *len = (size_t)header;
    r->last_record = record_bytes(*len);
    return at + sizeof header;
}

static void sem_ring_release(struct ring *r)
{
    r->used += r->last_record;
    if (r->used < *slot_length(r))
        return;
    sem_ring_done(r, &r->shared->free_slots, false);
}

/* ---- shm-spin: the same ring, two atomic counters, no system call ----
 *
 * The sender alone writes `written`, the receiver alone `released`.  The
 * sender fills a slot, then stores written + 1 with release order; the
 * receiver loads written with acquire order, so when it sees the new count
 * it also sees the slot's bytes.  Back the other way, the receiver reads the
 * slot before its release store of `released`, and the sender's acquire load
 * of `released` makes the slot free to overwrite.  Each side keeps the other
 * one's count as last read (seen), and reads the shared counter again only
 * when that one says full (or empty), so a cache line crosses between the
 * CPUs only when needed. */

static void spin_pause(unsigned *spins)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause(); /* tells the CPU this is a spin loop */
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
    check_partner();
    /* Only with a CPU of our own (spin_allowed); still, every few thousand
     * turns, let whatever else wants this CPU run. */
    if (++*spins % 4096 == 0)
        sched_yield();
}

static void spin_ring_send(struct ring *r, const unsigned char *data, size_t len)
{
    /* lesson: while full, load released (acquire) and spin_pause; fill the slot; store written (release) */
    unsigned spins = 0;

    while (r->count - r->seen >= r->n_slots) { /* full, as far as we know */
        r->seen = atomic_load_explicit(&r->shared->released, memory_order_acquire);
        if (r->count - r->seen >= r->n_slots)
            spin_pause(&spins);
    }
    memcpy(slot_data(r), data, len);
    *slot_length(r) = len;
    ring_advance(r);
    atomic_store_explicit(&r->shared->written, r->count, memory_order_release);
    /* end of lesson */
}

static const unsigned char *spin_ring_receive(struct ring *r, size_t *len)
{
    /* lesson: while empty, load written (acquire) and spin_pause; then the slot and its length */
    unsigned spins = 0;

    while (r->seen == r->count) { /* empty, as far as we know */
        r->seen = atomic_load_explicit(&r->shared->written, memory_order_acquire);
        if (r->seen == r->count)
            spin_pause(&spins);
    }
    *len = (size_t)*slot_length(r);
    if (*len > r->capacity)
        die("%s: a slot that makes no sense (message of %zu bytes)", run_label, *len);
    return slot_data(r);
    /* end of lesson */
}

static void spin_ring_release(struct ring *r)
{
    /* lesson: the slot is read: advance, then store released (release) */
    ring_advance(r);
    atomic_store_explicit(&r->shared->released, r->count, memory_order_release);
    /* end of lesson */
}

/* ---- send and receive, whatever the mechanism ---- */

/* msgsnd or msgrcv returned -1: EINTR is retried, unless the child has
 * ended, when on_child_exit has removed the queue (EIDRM).  In the child, a
 * removed queue (EIDRM, or EINVAL when it was gone before the call) means
 * the parent stopped: a signal (nothing to add), or an error it reports
 * itself; one failure, one line, so the child ends without a word. */
static void queue_call_failed(const char *call, const struct channel *ch)
{
    if (ch->is_child && (errno == EIDRM || errno == EINVAL))
        _exit(1);
    if (errno == EINTR || partner_gone)
        check_partner();
    else
        die("%s queue %d", call, ch->msqid);
}

/* more: the sender has another message to send at once (see shm-sem). */
static void send_message(struct channel *ch, enum direction dir, const unsigned char *data,
                         size_t len, bool more)
{
    switch (ch->mechanism) {
    case PIPE:
        write_all(ch->pipe_fd[dir][1], data, len);
        break;
    case UNIX_SOCKET:
        write_all(ch->socket_fd[ch->is_child], data, len);
        break;
    case MSGQUEUE:
        /* msgsnd wants the type just before the text: one more copy, which
         * the other mechanisms do not need. */
        ch->outgoing->type = dir + 1;
        memcpy(ch->outgoing->text, data, len);
        while (msgsnd(ch->msqid, ch->outgoing, len, 0) == -1)
            queue_call_failed("msgsnd", ch);
        break;
    case SHM_SEM:
        sem_ring_send(&ch->ring[dir], data, len, more);
        break;
    case SHM_SPIN:
        spin_ring_send(&ch->ring[dir], data, len);
        break;
    case MEMCPY:
    case N_MECHANISMS:
        break;
    }
}

/* The next message, of len bytes for the byte streams (which keep no
 * message boundaries).  The shared memory rings return the slot itself: the
 * receiver reads the message where the sender put it, with no copy; call
 * release_message when done with it. */
static const unsigned char *receive_message(struct channel *ch, enum direction dir, size_t *len)
{
    ssize_t n;

    switch (ch->mechanism) {
    case PIPE:
        if (!read_all(ch->pipe_fd[dir][0], ch->buffer, *len))
            peer_closed("the pipe was closed");
        return ch->buffer;
    case UNIX_SOCKET:
        if (!read_all(ch->socket_fd[ch->is_child], ch->buffer, *len))
            peer_closed("the socket was closed");
        return ch->buffer;
    case MSGQUEUE:
        while ((n = msgrcv(ch->msqid, ch->incoming, MAX_MESSAGE, dir + 1, 0)) == -1)
            queue_call_failed("msgrcv", ch);
        *len = (size_t)n;
        return ch->incoming->text;
    case SHM_SEM:
        return sem_ring_receive(&ch->ring[dir], len);
    case SHM_SPIN:
        return spin_ring_receive(&ch->ring[dir], len);
    case MEMCPY:
    case N_MECHANISMS:
        break;
    }
    return NULL;
}

static void release_message(struct channel *ch, enum direction dir)
{
    if (ch->mechanism == SHM_SEM)
        sem_ring_release(&ch->ring[dir]);
    else if (ch->mechanism == SHM_SPIN)
        spin_ring_release(&ch->ring[dir]);
}

/* ---- the child: receive, checksum, echo when asked ---- */

/* What the parent asks for one run, and what the child answers. */
struct command {
    uint64_t count;        /* messages to receive; 0 = the session is over */
    uint64_t size;         /* bytes in each */
    uint64_t echo;         /* 1: send each message back (round trip) */
};

struct report {
    struct checksum sum;   /* of every byte received */
    int64_t end_ns;        /* CLOCK_MONOTONIC when the last one was done */
};

static _Noreturn void child_main(struct channel *ch, int command_fd, int report_fd, pid_t parent)
{
    /* If the parent is killed, end too, rather than wait forever on a ring
     * or a queue; if it died before this line, getppid() has changed. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
        die("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent)
        _exit(1);
    pin_to_cpu(settings.cpu[1]);

    struct command cmd;
    while (read_all(command_fd, &cmd, sizeof cmd) && cmd.count > 0) {
        struct report rep = { { { 0 }, { 0 } }, 0 };
        char ready = 'r';
        write_all(report_fd, &ready, 1);
        for (uint64_t i = 0; i < cmd.count; i++) {
            size_t len = (size_t)cmd.size;
            const unsigned char *msg = receive_message(ch, DOWN, &len);
            if (len != cmd.size)
                child_failed("a message of the wrong size");
            checksum_add(&rep.sum, msg, len);
            if (cmd.echo)
                send_message(ch, UP, msg, len, false);
            release_message(ch, DOWN);
        }
        rep.end_ns = now_ns();
        write_all(report_fd, &rep, sizeof rep);
    }
    /* _exit: the stdio buffers are copies of the parent's. */
    _exit(0);
}

/* ---- the parent: sessions of timed runs ---- */

static bool mechanism_runs(enum mechanism m, size_t size)
{
    if (!settings.selected[m])
        return false;
    if (m == SHM_SPIN && !spin_allowed())
        return false;
    if (m == MSGQUEUE && size > settings.msgmax)
        return false;
    return true;
}

/* One mechanism with its child, for one message size (or the large
 * transfer).  The child lives for the whole session and waits for each run
 * on the command pipe; so every mechanism of a size can be kept ready, and
 * each repeat runs them all in turn (see measure_size). */
struct session {
    enum mechanism mechanism;
    const struct source *src;
    struct channel ch;
    int command_fd, report_fd;
    unsigned char *copy_target;    /* memcpy: a private buffer shaped like the ring */
    uint64_t count[2];             /* messages in a timed run: [0] one way, [1] round trip */
    double seconds[2][MAX_REPEATS];
};

static struct session sessions[N_MECHANISMS];

static void set_label(const struct session *s, bool round_trip)
{
    if (s->src->transfer)
        snprintf(run_label, sizeof run_label, "%s %zu B transfer", mechanism_name[s->mechanism],
                 s->src->message_size * s->src->n_messages);
    else
        snprintf(run_label, sizeof run_label, "%s %zu B %s", mechanism_name[s->mechanism],
                 s->src->message_size, round_trip ? "rtt" : "one-way");
}

/* One run of count messages; returns its seconds.  One way, the run ends
 * when the child has checksummed the last message (its clock, the same
 * CLOCK_MONOTONIC); round trip, when the parent has the last echo. */
static double run_round(struct session *s, bool round_trip, uint64_t count)
{
    const struct source *src = s->src;
    size_t size = src->message_size;
    struct command cmd = { count, size, round_trip };
    struct checksum echoed = { { 0 }, { 0 } };
    const unsigned char *next = src->data, *end_of_pool = src->data + size * src->n_messages;

    /* The clock starts once the child is awake and ready to receive: waking
     * it up from the command pipe is no part of the mechanism's cost. */
    char ready;
    write_all(s->command_fd, &cmd, sizeof cmd);
    if (!read_all(s->report_fd, &ready, 1))
        peer_closed("the child ended without a report");
    int64_t start = now_ns();
    for (uint64_t i = 0; i < count; i++) {
        send_message(&s->ch, DOWN, next, size, !round_trip && i + 1 < count);
        if ((next += size) == end_of_pool)
            next = src->data;
        if (round_trip) {
            size_t len = size;
            const unsigned char *msg = receive_message(&s->ch, UP, &len);
            if (len != size)
                child_failed("an echo of the wrong size");
            checksum_add(&echoed, msg, len);
            release_message(&s->ch, UP);
        }
    }
    int64_t end = now_ns();

    struct report rep;
    if (!read_all(s->report_fd, &rep, sizeof rep))
        peer_closed("the child ended without a report");
    struct checksum expected = expected_checksum(src, count);
    if (!checksum_equal(&rep.sum, &expected) || (round_trip && !checksum_equal(&echoed, &expected)))
        child_failed("the bytes that arrived are not the bytes sent (checksum)");
    if (!round_trip)
        end = rep.end_ns;
    return (double)(end - start) / 1e9;
}

/* The limit of a shared memory transfer: the sender's half of its work
 * alone, copying each message into a private buffer shaped like the ring.
 * The compiler may not drop the copies: atomic_signal_fence makes it assume
 * that the buffer is read. */
static double run_memcpy_round(struct session *s, uint64_t count)
{
    const struct source *src = s->src;
    size_t size = src->message_size, stride = ring_stride(size);
    size_t n_slots = RING_BYTES / stride, slot = 0;
    const unsigned char *next = src->data, *end_of_pool = src->data + size * src->n_messages;

    int64_t start = now_ns();
    for (uint64_t i = 0; i < count; i++) {
        memcpy(s->copy_target + slot * stride, next, size);
        atomic_signal_fence(memory_order_seq_cst);
        if ((next += size) == end_of_pool)
            next = src->data;
        if (++slot == n_slots)
            slot = 0;
    }
    return (double)(now_ns() - start) / 1e9;
}

static double timed_round(struct session *s, bool round_trip, uint64_t count)
{
    set_label(s, round_trip);
    return s->mechanism == MEMCPY ? run_memcpy_round(s, count) : run_round(s, round_trip, count);
}

/* The parent's ends of a session's pipes and socket: closed by the parent
 * at the end, and at once by every child of a later session, which would
 * otherwise hold them open. */
static void close_parent_ends(struct session *s)
{
    if (close(s->command_fd) == -1 || close(s->report_fd) == -1)
        die("close pipe");
    if (s->mechanism == PIPE &&
        (close(s->ch.pipe_fd[DOWN][1]) == -1 || close(s->ch.pipe_fd[UP][0]) == -1))
        die("close pipe");
    if (s->mechanism == UNIX_SOCKET && close(s->ch.socket_fd[0]) == -1)
        die("close socket");
}

/* Both processes are attached now (the child inherited the attachment):
 * remove the segment at once.  It stays until the last detach, and then
 * goes even if both processes are killed with SIGKILL: nothing can be left
 * behind.  (cleanup_forget forgets every object: so the queue, which stays
 * until close_channel, is made after the segments, see start_sessions.) */
static void remove_segment_now(int shmid)
{
    /* lesson: shmctl IPC_RMID while attached, then cleanup_forget */
    if (shmctl(shmid, IPC_RMID, NULL) == -1)
        die("shmctl IPC_RMID segment %d", shmid);
    cleanup_forget();
    /* end of lesson */
}

/* Create the mechanism's objects and fork its child. */
static void start_session(struct session *s, enum mechanism m, const struct source *src)
{
    int command[2], report[2];

    *s = (struct session){ .mechanism = m, .src = src };
    if (m == MEMCPY) {
        s->copy_target = malloc(RING_BYTES);
        if (s->copy_target == NULL)
            die("malloc");
        memset(s->copy_target, 0, RING_BYTES); /* touch every page now */
        return;
    }
    open_channel(&s->ch, m, src->message_size);
    if (pipe(command) == -1 || pipe(report) == -1)
        die("pipe");

    partner_gone = 0;
    if (m == MSGQUEUE)
        watched_msqid = s->ch.msqid;
    if (m == SHM_SEM) {
        watched_ring[DOWN] = s->ch.ring[DOWN].shared;
        watched_ring[UP] = s->ch.ring[UP].shared;
    }
    /* Nothing buffered may be copied into the child (it would be written
     * twice): stdout, and the CSV file. */
    if (fflush(NULL) == EOF)
        die("fflush");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        /* The child has no children: the table is its parent's (and
         * child_failed would kill the siblings). */
        for (enum mechanism other = PIPE; other < N_MECHANISMS; other++) {
            if (children[other] > 0)
                close_parent_ends(&sessions[other]);
            children[other] = 0;
        }
        snprintf(run_label, sizeof run_label, "the %s child", mechanism_name[m]);
        if (close(command[1]) == -1 || close(report[0]) == -1)
            die("close pipe");
        keep_own_ends(&s->ch, true);
        child_main(&s->ch, command[0], report[1], parent);
    }
    children[m] = pid;
    if (close(command[0]) == -1 || close(report[1]) == -1)
        die("close pipe");
    s->command_fd = command[1];
    s->report_fd = report[0];
    keep_own_ends(&s->ch, false);

    if (s->ch.shmid != -1)
        remove_segment_now(s->ch.shmid);
}

/* Start a session for each mechanism that runs at this size, the queue
 * last (see start_session). */
static void start_sessions(const struct source *src, const struct source *queue_src)
{
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++)
        if (m != MSGQUEUE && mechanism_runs(m, src->message_size))
            start_session(&sessions[m], m, src);
    if (mechanism_runs(MSGQUEUE, queue_src->message_size))
        start_session(&sessions[MSGQUEUE], MSGQUEUE, queue_src);
}

static bool session_started(enum mechanism m)
{
    return m == MEMCPY ? sessions[m].copy_target != NULL : children[m] > 0;
}

/* Tell each child the session is over, wait for it, remove what was made. */
static void end_sessions(void)
{
    int status;

    stop_watching(); /* from here the children's exits are the expected ones */
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        struct session *s = &sessions[m];
        if (!session_started(m))
            continue;
        if (m == MEMCPY) {
            free(s->copy_target);
            s->copy_target = NULL;
            continue;
        }
        struct command stop = { 0, 0, 0 };
        write_all(s->command_fd, &stop, sizeof stop);
        if (wait_for_child(children[m], &status, 0) == -1)
            die("waitpid %d", (int)children[m]);
        children[m] = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char how[96] = "";
            describe_end(how, sizeof how, m, status);
            fprintf(stderr, "%s: the end of the %s session failed%s\n",
                    program_invocation_short_name, mechanism_name[m], how);
            cleanup_after_error();
            exit(1);
        }
        close_parent_ends(s);
        close_channel(&s->ch);
    }
}

/* How many messages make a timed run of about round_seconds: grow the
 * count (at most 8 times at a step) until a run takes half of that, then
 * scale.  Each run has a fixed cost too (the receiver's first wake-up), so
 * the estimates from the short runs are too low, not the last one.  These
 * first runs also warm the caches up and fault the pages in. */
static uint64_t find_run_length(struct session *s, bool round_trip)
{
    uint64_t count = 16;
    double target = settings.round_seconds;

    for (;;) {
        double t = timed_round(s, round_trip, count);
        double factor = t > 0 ? target / t : 8;
        if (t >= target / 2 || count >= (1ull << 40))
            return (uint64_t)((double)count * factor) + 1;
        count = (uint64_t)((double)count * (factor < 8 ? factor : 8)) + 1;
    }
}

/* ---- measuring ---- */

/* memcpy runs one way only; the others also a round trip (rt = 1). */
static int kinds(enum mechanism m)
{
    return m == MEMCPY ? 1 : 2;
}

/* One message size: a session for every mechanism, the length of a timed
 * run for each, then settings.repeats rounds in which every mechanism runs
 * in turn.  Taking turns, rather than all the runs of one mechanism and
 * then the next, makes a slow moment of the machine (another program, a
 * neighbour on the same host) fall on all the mechanisms alike, so that
 * the ratios of one run compare like with like. */
static void measure_size(int size_index, const struct source *pool)
{
    size_t size = pool->message_size;
    char label[128];
    bool ran[N_MECHANISMS];

    start_sessions(pool, pool);
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++)
        ran[m] = session_started(m);
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        for (int rt = 0; rt < kinds(m) && session_started(m); rt++) {
            snprintf(label, sizeof label, "%s %zu B %s", mechanism_name[m], size,
                     rt ? "rtt" : "one-way");
            progress(label);
            sessions[m].count[rt] = find_run_length(&sessions[m], rt);
        }
    }
    for (long r = 0; r < settings.repeats; r++) {
        snprintf(label, sizeof label, "%zu B: run %ld of %ld, every mechanism", size, r + 1,
                 settings.repeats);
        progress(label);
        for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++)
            for (int rt = 0; rt < kinds(m) && session_started(m); rt++)
                sessions[m].seconds[rt][r] = timed_round(&sessions[m], rt, sessions[m].count[rt]);
    }
    end_sessions();

    double values[MAX_REPEATS] = { 0 };
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        const struct session *s = &sessions[m];
        if (!ran[m])
            continue;
        for (long r = 0; r < settings.repeats; r++)
            values[r] = (double)s->count[0] * (double)size / s->seconds[0][r] / (1 << 20);
        report_figure(m, size_index, size, THROUGHPUT, values);
        for (long r = 0; r < settings.repeats; r++)
            values[r] = (double)s->count[0] / s->seconds[0][r];
        report_figure(m, size_index, size, RATE, values);
        if (m == MEMCPY)
            continue;
        for (long r = 0; r < settings.repeats; r++)
            values[r] = s->seconds[1][r] / (double)s->count[1] * 1e6;
        report_figure(m, size_index, size, RTT, values);
    }
}

/* The large transfer: every byte of the source once, in its messages
 * (64 KiB pieces; smaller for the queue), after one untimed run of a few
 * pieces; the mechanisms take turns as in measure_size. */
static void measure_transfer(const struct source *big, const struct source *big_for_queue)
{
    size_t total = big->message_size * big->n_messages;
    char label[128];
    bool ran[N_MECHANISMS];

    start_sessions(big, big_for_queue);
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++)
        ran[m] = session_started(m);
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (!session_started(m))
            continue;
        snprintf(label, sizeof label, "%s %zu B transfer", mechanism_name[m], total);
        progress(label);
        struct session *s = &sessions[m];
        s->count[0] = s->src->n_messages;
        timed_round(s, false, s->count[0] < 64 ? s->count[0] : 64);
    }
    for (long r = 0; r < settings.repeats; r++) {
        snprintf(label, sizeof label, "%zu B transfer: run %ld of %ld, every mechanism", total,
                 r + 1, settings.repeats);
        progress(label);
        for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++)
            if (session_started(m))
                sessions[m].seconds[0][r] = timed_round(&sessions[m], false, sessions[m].count[0]);
    }
    end_sessions();

    double values[MAX_REPEATS] = { 0 };
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (!ran[m])
            continue;
        for (long r = 0; r < settings.repeats; r++)
            values[r] = (double)total / sessions[m].seconds[0][r] / (1 << 20);
        report_figure(m, settings.n_sizes, total, THROUGHPUT, values);
    }
}

int main(int argc, char *argv[])
{
    lab_init(usage_text);
    parse_options(argc, argv);

    /* A pipe or socket whose reader has gone: write fails with EPIPE, which
     * child_failed explains, instead of SIGPIPE killing us silently.
     * (Ignored now, it stays ignored when cleanup_queue installs its
     * handlers.) */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    watch_children();
    open_csv();

    pin_to_cpu(settings.cpu[0]);
    size_t queue_piece = MAX_MESSAGE; /* the large transfer through the queue */
    while (queue_piece > settings.msgmax)
        queue_piece /= 2;
    int steps = 1 + settings.repeats * (settings.n_sizes + 1); /* preparing, the rounds */
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        for (int i = 0; i < settings.n_sizes; i++)
            if (mechanism_runs(m, settings.sizes[i]))
                steps += m == MEMCPY ? 1 : 2;
        steps += mechanism_runs(m, m == MSGQUEUE ? queue_piece : PIECE);
    }
    progress_start(steps);
    print_heading();

    /* Per message size; in the table memcpy and the pipe come first, the
     * references of the ratios. */
    for (int i = 0; i < settings.n_sizes; i++) {
        /* One message more than a ring can hold: the message that was in
         * a place one lap of the ring ago is never the one that should be
         * there now, so a receiver reading a stale slot gets wrong bytes,
         * and the checksum says so.  About 1 MiB, like the ring. */
        struct source pool = make_source(settings.sizes[i], RING_BYTES / settings.sizes[i] + 1,
                                         (uint64_t)i + 1);
        measure_size(i, &pool);
        free((void *)pool.data);
    }

    /* The large transfer: distinct bytes all the way (not a pool sent in
     * turn), more than the caches hold. */
    size_t total = (size_t)settings.transfer_mib << 20;
    progress("preparing the large transfer");
    struct source big = make_source(PIECE, total / PIECE, 99);
    big.transfer = true;
    struct source big_for_queue = big;
    big_for_queue.message_size = queue_piece;
    big_for_queue.n_messages = total / queue_piece;
    measure_transfer(&big, &big_for_queue);
    free((void *)big.data);
    progress_clear();

    print_targets();
    close_csv();
    return 0;
}
