/* bench-ring.h - the two rings in ipc-bench's shared memory segment: their
 * layout (a head, then the slots), a slot's geometry, and the protocols of
 * the two mechanisms that use them, written in ipc-bench.c.
 *
 * shm-sem is the classic bounded buffer: free_slots counts the slots the
 * sender may fill, full_slots the slots the receiver may read.  sem_wait
 * sleeps when the count is 0, and sem_post/sem_wait also order memory: what
 * the sender wrote in a slot before sem_post is seen by the receiver after
 * its sem_wait, and the receiver is done with a slot before it posts it free.
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
 * turns both off: one message per slot, one post per message.
 *
 * shm-spin: the same ring, two atomic counters, no system call.  The sender
 * alone writes `written`, the receiver alone `released`.  The sender fills
 * a slot, then stores written + 1 with release order; the receiver loads
 * written with acquire order, so when it sees the new count it also sees the
 * slot's bytes.  Back the other way, the receiver reads the slot before its
 * release store of `released`, and the sender's acquire load of `released`
 * makes the slot free to overwrite.  Each side keeps the other one's count
 * as last read (seen), and reads the shared counter again only when that one
 * says full (or empty), so a cache line crosses between the CPUs only when
 * needed.
 */
#ifndef BENCH_RING_H
#define BENCH_RING_H

#include "bench-support.h"

#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#define RING_BYTES     (1u << 20)   /* each ring: 1 MiB of slots */
#define CACHE_LINE     64

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

/* Inline: they run for every message, in the timed loops. */
static inline size_t ring_stride(size_t capacity)
{
    return (capacity + sizeof(uint64_t) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
}

/* A message in a shm-sem slot: its length (8 bytes), then its bytes, padded
 * to a multiple of 8. */
static inline size_t record_bytes(size_t len)
{
    return sizeof(uint64_t) + (len + 7) / 8 * 8;
}

/* Without -B, a shm-sem slot holds 8 KiB of records, or one larger one. */
#define BATCH_BYTES 8192

static inline size_t ring_segment_bytes(void)
{
    return 2 * (sizeof(struct ring_header) + RING_BYTES);
}

static inline unsigned char *slot_data(const struct ring *r)
{
    return r->slots + r->slot * r->stride;
}

static inline uint64_t *slot_length(const struct ring *r)
{
    /* The offset is a multiple of 8 in a page-aligned segment. */
    return (uint64_t *)(void *)(slot_data(r) + r->stride - sizeof(uint64_t));
}

static inline void ring_advance(struct ring *r)
{
    r->count++;
    if (++r->slot == r->n_slots)
        r->slot = 0;
}

#endif
