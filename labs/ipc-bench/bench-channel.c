/* bench-channel.c - the plumbing of a channel, around the System V objects
 * that ipc-bench.c creates: the buffers; the pipes and the socket, made here,
 * and their ends after the fork; whole reads and writes; and one send and
 * receive over every mechanism (a switch, so each mechanism's calls sit side
 * by side).
 */
#define _GNU_SOURCE
#include "bench-partner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

void channel_init(struct channel *ch, enum mechanism mechanism, size_t capacity)
{
    *ch = (struct channel){ .mechanism = mechanism, .msqid = -1, .shmid = -1 };
    ch->buffer = malloc(capacity);
    ch->outgoing = malloc(sizeof *ch->outgoing);
    ch->incoming = malloc(sizeof *ch->incoming);
    if (ch->buffer == NULL || ch->outgoing == NULL || ch->incoming == NULL)
        die("malloc");
}

void open_streams(struct channel *ch)
{
    if (ch->mechanism == PIPE) {
        for (int dir = DOWN; dir <= UP; dir++) {
            if (pipe(ch->pipe_fd[dir]) == -1)
                die("pipe");
            /* 1 MiB of buffer, as the shared memory ring has (default
             * 64 KiB); /proc/sys/fs/pipe-max-size may forbid it. */
            if (fcntl(ch->pipe_fd[dir][1], F_SETPIPE_SZ, (int)RING_BYTES) == -1 && errno != EPERM)
                die("fcntl F_SETPIPE_SZ");
        }
    }
    if (ch->mechanism == UNIX_SOCKET && socketpair(AF_UNIX, SOCK_STREAM, 0, ch->socket_fd) == -1)
        die("socketpair AF_UNIX");
}

void channel_free(struct channel *ch)
{
    free(ch->buffer);
    free(ch->outgoing);
    free(ch->incoming);
}

void keep_own_ends(struct channel *ch, bool is_child)
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

/* ---- whole reads and writes, for the pipes and the socket ---- */

void write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && errno == EINTR) {
            check_partner();
            continue;
        }
        if (n == -1 && errno == EPIPE) /* SIGPIPE is ignored: see prepare_runs */
            peer_closed("the other end of the pipe or socket is closed");
        if (n == -1)
            die("write fd %d", fd);
        p += n;
        len -= (size_t)n;
    }
}

bool read_all(int fd, void *data, size_t len)
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

/* ---- send and receive, whatever the mechanism ---- */

void send_message(struct channel *ch, enum direction dir, const unsigned char *data, size_t len,
                  bool more)
{
    switch (ch->mechanism) {
    case PIPE:
        write_all(ch->pipe_fd[dir][1], data, len);
        break;
    case UNIX_SOCKET:
        write_all(ch->socket_fd[ch->is_child], data, len);
        break;
    case MSGQUEUE:
        queue_send(ch, dir, data, len);
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

const unsigned char *receive_message(struct channel *ch, enum direction dir, size_t *len)
{
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
        return queue_receive(ch, dir, len);
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

void release_message(struct channel *ch, enum direction dir)
{
    if (ch->mechanism == SHM_SEM)
        sem_ring_release(&ch->ring[dir]);
    else if (ch->mechanism == SHM_SPIN)
        spin_ring_release(&ch->ring[dir]);
}
