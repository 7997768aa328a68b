/* ipc-bench - how fast each way of moving bytes between two processes is,
 * here: article 003 (5.1) says shared memory is very efficient, as nothing
 * is copied.  A parent sends messages to a forked child through two pipes, a
 * System V message queue, a Unix socket pair, or a System V shared memory
 * ring each way, with POSIX semaphores (shm-sem) or C11 atomics (shm-spin);
 * memcpy alone is the limit.  The child checksums every byte.
 *
 * Here: the System V objects and the rings, in a session's order (create,
 * fork, send and receive, detach and remove), and main.  Out of sight: the
 * rings' layout and protocols (bench-ring.h); the pipes, the socket, one send
 * for all (bench-channel.c); the child and the watch on it (bench-partner.c);
 * the timed runs, the figures (bench-runs.c); options, table (bench-support.c).
 */
#define _GNU_SOURCE
#include "bench-runs.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>

/* ---- create: the objects of a session ---- */

/* Create what the mechanism needs (capacity: the largest message): the
 * pipes or the socket (bench-channel.c); the queue; or the segment (removed
 * on a signal or an error until start_session removes it), with two rings. */
void open_channel(struct channel *ch, enum mechanism mechanism, size_t capacity)
{
    channel_init(ch, mechanism, capacity);
    if (mechanism == PIPE || mechanism == UNIX_SOCKET)
        open_streams(ch);
    if (mechanism == MSGQUEUE) {
        /* IPC_EXCL: a fresh, empty queue, ours only (IPC_PRIVATE by
         * default, which always makes a new one). */
        signals_hold();
        ch->msqid = msgget(settings.key, IPC_CREAT | IPC_EXCL | settings.mode);
        if (ch->msqid == -1)
            die_msgget(settings.key);
        cleanup_queue(ch->msqid, ON_SIGNAL | ON_ERROR);
    }
    if (mechanism != SHM_SEM && mechanism != SHM_SPIN)
        return;
    /* lesson: shmget IPC_EXCL, cleanup_segment, shmat, then each ring: its geometry, sem_init (pshared), atomic_init */
    signals_hold();
    ch->shmid = shmget(settings.key, ring_segment_bytes(), IPC_CREAT | IPC_EXCL | settings.mode);
    if (ch->shmid == -1)
        die_shmget(settings.key);
    cleanup_segment(ch->shmid, ON_SIGNAL | ON_ERROR);
    ch->segment = shmat(ch->shmid, NULL, 0);
    if (ch->segment == (void *)-1)
        die("shmat segment %d", ch->shmid);
    /* Each half of the segment: a ring's head, then its slots. */
    unsigned char *at = ch->segment;
    for (int dir = DOWN; dir <= UP; dir++) {
        struct ring *r = &ch->ring[dir];
        r->shared = (struct ring_header *)(void *)at;
        r->slots = at + sizeof(struct ring_header);
        /* A slot: one message (shm-spin), or one record (-B), or 8 KiB of
         * records (at least one). */
        size_t one_record = record_bytes(capacity);
        r->capacity = ch->mechanism == SHM_SPIN ? capacity
                      : settings.batching && one_record < BATCH_BYTES ? BATCH_BYTES : one_record;
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

/* ---- fork: the child inherits the channel, and the attachment ---- */

/* Create the mechanism's objects and fork its child, which inherits them
 * (the segment attached) and runs child_main until the session is over. */
void start_session(struct session *s, enum mechanism m, const struct source *src)
{
    *s = (struct session){ .mechanism = m, .src = src, .ran = true };
    open_channel(&s->ch, m, src->message_size);
    open_command_pipes(s);
    watch_channel(&s->ch);
    /* Nothing buffered may be copied into the child (it would be written
     * twice): stdout, and the CSV file. */
    if (fflush(NULL) == EOF)
        die("fflush");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        run_child(s, parent);
    children[m] = pid;
    keep_parent_ends(s);
    if (s->ch.shmid == -1)
        return;
    /* Both processes are attached now: remove the segment at once.  It goes
     * at the last detach, even if both are killed with SIGKILL: nothing is
     * left.  (cleanup_forget forgets every object: see start_sessions.) */
    /* lesson: shmctl IPC_RMID the segment while attached, then cleanup_forget */
    if (shmctl(s->ch.shmid, IPC_RMID, NULL) == -1)
        die("shmctl IPC_RMID segment %d", s->ch.shmid);
    cleanup_forget();
    /* end of lesson */
}

/* ---- send and receive: the queue ---- */

/* msgsnd wants the type just before the text: a copy the others do without. */
void queue_send(struct channel *ch, enum direction dir, const unsigned char *data, size_t len)
{
    ch->outgoing->type = dir + 1;
    memcpy(ch->outgoing->text, data, len);
    while (msgsnd(ch->msqid, ch->outgoing, len, 0) == -1)
        queue_call_failed("msgsnd", ch);
}

const unsigned char *queue_receive(struct channel *ch, enum direction dir, size_t *len)
{
    ssize_t n;

    while ((n = msgrcv(ch->msqid, ch->incoming, MAX_MESSAGE, dir + 1, 0)) == -1)
        queue_call_failed("msgrcv", ch);
    *len = (size_t)n;
    return ch->incoming->text;
}

/* ---- send and receive: shm-sem, the ring and two semaphores (bench-ring.h) ---- */

/* sem_wait, again after EINTR; on_child_exit posts too: check_partner. */
static void sem_wait_checked(sem_t *sem)
{
    /* lesson: sem_wait until it succeeds, check_partner after EINTR; check_partner at the end */
    while (sem_wait(sem) == -1) {
        if (errno != EINTR)
            die("sem_wait");
        check_partner();
    }
    check_partner();
    /* end of lesson */
}

/* Post the slots done but not posted yet. */
static void sem_ring_flush(struct ring *r, sem_t *sem)
{
    /* lesson: sem_post once for each slot done but not posted yet */
    for (; r->unposted > 0; r->unposted--)
        if (sem_post(sem) == -1)
            die("sem_post");
    /* end of lesson */
}

/* Take a slot from sem; before sleeping on it, post what we hold (to the
 * other semaphore, posted): the other side may be waiting for just that. */
static void sem_ring_take(struct ring *r, sem_t *sem, sem_t *posted)
{
    /* lesson: sem_trywait; when no slot is there, sem_ring_flush what we hold, then sem_wait_checked */
    if (sem_trywait(sem) == 0) { /* a slot at once: no sleep, no system call */
        check_partner();
        return;
    }
    if (errno != EAGAIN && errno != EINTR)
        die("sem_trywait");
    /* We may sleep: the other side must not be left waiting for what we hold. */
    sem_ring_flush(r, posted);
    sem_wait_checked(sem);
    /* end of lesson */
}

/* This side is done with its slot: the next one is ours to take. */
static void sem_ring_done(struct ring *r, sem_t *sem, bool now)
{
    /* lesson: ring_advance, one slot more unposted; sem_ring_flush when now, or when post_batch are unposted */
    ring_advance(r);
    r->open = false;
    r->unposted++;
    if (now || r->unposted >= r->post_batch)
        sem_ring_flush(r, sem);
    /* end of lesson */
}

void sem_ring_send(struct ring *r, const unsigned char *data, size_t len, bool more)
{
    /* lesson: a full slot is done (full_slots); take a free one (free_slots); copy the record in; done when it is the last */
    size_t record = record_bytes(len);
    uint64_t header = len;

    if (r->open && r->used + record > r->capacity) { /* no room left: the slot is done */
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
    /* Done now: nothing more for now, or -B, or no room for one more. */
    if (!more || !settings.batching || r->used + record > r->capacity) {
        *slot_length(r) = r->used;
        sem_ring_done(r, &r->shared->full_slots, !more);
    }
    /* end of lesson */
}

const unsigned char *sem_ring_receive(struct ring *r, size_t *len)
{
    /* lesson: take a full slot (full_slots) if none is open; check the record's length; return its bytes, in place */
    uint64_t header;

    if (!r->open) {
        sem_ring_take(r, &r->shared->full_slots, &r->shared->free_slots);
        r->open = true;
        r->used = 0;
    }
    /* The next record in the slot: its length, then its bytes. */
    const unsigned char *at = slot_data(r) + r->used;
    memcpy(&header, at, sizeof header);
    size_t filled = (size_t)*slot_length(r);
    /* A record that overruns its slot is a broken ring, not a message. */
    if (filled > r->capacity || r->used + sizeof header > filled ||
        header > filled - r->used - sizeof header)
        die("%s: a slot that makes no sense (message of %llu bytes)", run_label,
            (unsigned long long)header);
    *len = (size_t)header;
    r->last_record = record_bytes(*len);
    return at + sizeof header;
    /* end of lesson */
}

void sem_ring_release(struct ring *r)
{
    /* lesson: the record is read; when the slot's last one is, the slot is done (free_slots) */
    r->used += r->last_record;
    if (r->used < *slot_length(r)) /* more records in this slot */
        return;
    sem_ring_done(r, &r->shared->free_slots, false);
    /* end of lesson */
}

/* ---- send and receive: shm-spin, the ring and two atomic counters ---- */

/* One turn of a spin loop. */
static void spin_pause(unsigned *spins)
{
    /* lesson: the CPU's spin-loop hint, check_partner, and sched_yield every 4096 turns */
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
    /* end of lesson */
}

void spin_ring_send(struct ring *r, const unsigned char *data, size_t len)
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
    /* Release: whoever sees the new count sees the slot's bytes too. */
    atomic_store_explicit(&r->shared->written, r->count, memory_order_release);
    /* end of lesson */
}

const unsigned char *spin_ring_receive(struct ring *r, size_t *len)
{
    /* lesson: while empty, load written (acquire) and spin_pause; then the slot and its length */
    unsigned spins = 0;

    while (r->seen == r->count) { /* empty, as far as we know */
        r->seen = atomic_load_explicit(&r->shared->written, memory_order_acquire);
        if (r->seen == r->count)
            spin_pause(&spins);
    }
    /* The length was written with the bytes, before the count we saw. */
    *len = (size_t)*slot_length(r);
    if (*len > r->capacity)
        die("%s: a slot that makes no sense (message of %zu bytes)", run_label, *len);
    return slot_data(r);
    /* end of lesson */
}

void spin_ring_release(struct ring *r)
{
    /* lesson: the slot is read: advance, then store released (release) */
    ring_advance(r);
    /* Release: the slot is read before the sender may write it again. */
    atomic_store_explicit(&r->shared->released, r->count, memory_order_release);
    /* end of lesson */
}

/* ---- detach and remove, once the child has exited ---- */

/* The child has exited (end_sessions): remove the queue; destroy the
 * semaphores and detach the segment, removed since the fork: it goes. */
void close_channel(struct channel *ch)
{
    if (ch->mechanism == MSGQUEUE) {
        if (msgctl(ch->msqid, IPC_RMID, NULL) == -1)
            die("msgctl IPC_RMID queue %d", ch->msqid);
        cleanup_forget();
    }
    channel_free(ch);
    if (ch->mechanism != SHM_SEM && ch->mechanism != SHM_SPIN)
        return;
    /* lesson: sem_destroy each ring's two semaphores, then shmdt */
    for (int dir = DOWN; dir <= UP; dir++) {
        if (sem_destroy(&ch->ring[dir].shared->free_slots) == -1 ||
            sem_destroy(&ch->ring[dir].shared->full_slots) == -1)
            die("sem_destroy");
    }
    if (shmdt(ch->segment) == -1)
        die("shmdt segment %d", ch->shmid);
    /* end of lesson */
}

/* ---- the limit: memcpy alone ---- */

/* The limit of a shared memory transfer: the sender's half of its work
 * alone, copying each message into a private buffer shaped like the ring.
 * The compiler may not drop the copies: atomic_signal_fence makes it assume
 * that the buffer is read.  Returns the seconds. */
double run_memcpy_round(struct session *s, uint64_t count)
{
    /* lesson: copy count messages of the pool into copy_target, slot after slot of ring_stride, with atomic_signal_fence; time it with now_ns */
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
    /* end of lesson */
}

/* For each message size, then the large transfer: create the objects and
 * fork the children, run every mechanism in turn, end, report. */
int main(int argc, char *argv[])
{
    lab_init(usage_text);
    parse_options(argc, argv);
    prepare_runs();

    for (int i = 0; i < settings.n_sizes; i++) {
        struct source pool = message_pool(i);
        start_sessions(&pool, &pool);
        measure_size(&pool);
        end_sessions();
        report_size(i, &pool);
        free((void *)pool.data);
    }

    struct source big, big_for_queue;
    transfer_sources(&big, &big_for_queue);
    start_sessions(&big, &big_for_queue);
    measure_transfer(&big);
    end_sessions();
    report_transfer(&big);
    free((void *)big.data);
    progress_clear();

    print_targets();
    close_csv();
    return 0;
}
