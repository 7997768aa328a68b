/* bench-channel.h - a channel: one mechanism, both directions, as each
 * process sees it.  ipc-bench.c creates, uses and removes its System V
 * objects and its rings; bench-channel.c holds the plumbing around them:
 * the buffers, the pipes and the socket, whole reads and writes, and one
 * send and receive for every mechanism.
 */
#ifndef BENCH_CHANNEL_H
#define BENCH_CHANNEL_H

#include "bench-ring.h"

enum direction { DOWN, UP }; /* DOWN: parent to child; UP: child to parent */

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

/* ---- in ipc-bench.c: the System V objects and the rings ---- */

void open_channel(struct channel *ch, enum mechanism mechanism, size_t capacity);
void close_channel(struct channel *ch);
void queue_send(struct channel *ch, enum direction dir, const unsigned char *data, size_t len);
const unsigned char *queue_receive(struct channel *ch, enum direction dir, size_t *len);
void sem_ring_send(struct ring *r, const unsigned char *data, size_t len, bool more);
const unsigned char *sem_ring_receive(struct ring *r, size_t *len);
void sem_ring_release(struct ring *r);
void spin_ring_send(struct ring *r, const unsigned char *data, size_t len);
const unsigned char *spin_ring_receive(struct ring *r, size_t *len);
void spin_ring_release(struct ring *r);

/* ---- in bench-channel.c: the plumbing ---- */

/* A channel of no object yet, with its buffers (capacity: the largest
 * message); channel_free frees them. */
void channel_init(struct channel *ch, enum mechanism mechanism, size_t capacity);
void channel_free(struct channel *ch);

/* The pipes (two, of 1 MiB each) or the Unix socket pair. */
void open_streams(struct channel *ch);

/* After the fork, each process closes the ends that are the other's: a
 * read then sees the end of file when the other process is gone. */
void keep_own_ends(struct channel *ch, bool is_child);

/* Whole writes and reads, for the pipes and the socket.  read_all returns
 * false at end of file before the first byte. */
void write_all(int fd, const void *data, size_t len);
bool read_all(int fd, void *data, size_t len);

/* more: the sender has another message to send at once (see shm-sem). */
void send_message(struct channel *ch, enum direction dir, const unsigned char *data, size_t len,
                  bool more);
/* The next message, of *len bytes for the byte streams (which keep no
 * message boundaries).  The shared memory rings return the slot itself: the
 * receiver reads the message where the sender put it, with no copy; call
 * release_message when done with it. */
const unsigned char *receive_message(struct channel *ch, enum direction dir, size_t *len);
void release_message(struct channel *ch, enum direction dir);

#endif
