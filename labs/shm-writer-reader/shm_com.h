/* shm_com.h - the segment's layout, which shm-producer and shm-consumer
 * share (article 003 includes a shm_com.h but never shows it: the struct is
 * rebuilt from what shm1.c and shm2.c use, and TEXT_SZ is chosen).  Their
 * waits are in shm-support.c.
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
 * System V semop would fail with EIDRM): see wait_turn in shm-support.c.
 */
#ifndef SHM_COM_H
#define SHM_COM_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>

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

#endif
