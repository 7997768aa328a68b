/* shm-support.h - what this lab's lessons keep out of sight, in
 * shm-support.c: the owner check of a segment opened by key; shm-write's
 * options and its error for a segment too small; shm-producer's and
 * shm-consumer's error for a segment of another size, and their waits (for
 * the segment to be set up, for their turn). */
#ifndef SHM_SUPPORT_H
#define SHM_SUPPORT_H

#include "shm_com.h"
#include "shm_key.h" /* the key shm-write, shm-read and shm-stat agree on */

#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/ipc.h> /* key_t */

/* ---- every program that opens a segment it did not create ---- */

/* check_owner (lab.h) for a segment: IPC_STAT tells who owns it; another
 * user's is refused unless others_allowed (-o), and one that others may
 * read or write gets a warning line. */
void check_segment_owner(int shmid, key_t key, bool others_allowed);

/* ---- shm-write ---- */

struct write_options {
    key_t key;             /* -k KEY, -p PATH, $IPC_LAB_KEY or ftok(".", 'a') */
    int mode;              /* -m MODE: permissions if the segment is created */
    size_t size;           /* -s SIZE: the segment's size (1024) */
    const char *text;      /* TEXT ("Hello, world!"): fits with its NUL */
    bool wait_then_remove; /* -w */
    bool others_allowed;   /* -o */
};

/* After lab_init: shm-write's options and TEXT; bad usage (a TEXT too long
 * for SIZE too) exits 2. */
void parse_write_options(int argc, char *argv[], struct write_options *options);

/* shmget fails with EINVAL when a segment smaller than size already has the
 * key: say how big it is, and how to remove it; exit 1. */
_Noreturn void die_too_small(key_t key, size_t size);

/* ---- shm-producer and shm-consumer ---- */

/* The segment under key has size bytes, not sizeof(struct shared_use_st):
 * another program made it.  One line naming both sizes, EINVAL, exit 1. */
_Noreturn void die_wrong_size(key_t key, int shmid, size_t size);

/* The side that did not create the segment waits until the creator has
 * published SEGMENT_READY; it gives up (exit 1) if the segment is removed,
 * or if its creator has died without finishing, instead of waiting forever. */
void wait_until_ready(struct shared_use_st *shared, int shmid, key_t key);

/* Sleep until sem is posted, then take it (sem_wait); exit 1 with one line
 * "waiting for WAITING_FOR: segment N was removed" if the segment is marked
 * for removal meanwhile (the other side has gone). */
void wait_turn(sem_t *sem, int shmid, const char *waiting_for);

#endif
