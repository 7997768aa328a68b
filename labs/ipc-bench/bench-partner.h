/* bench-partner.h - the partner process: the child's loop (child_main),
 * the commands and reports on its pipes, and the parent's watch on it, so
 * that a child that ends in the middle of a run is one error line, never a
 * wait forever.  All in bench-partner.c.
 */
#ifndef BENCH_PARTNER_H
#define BENCH_PARTNER_H

#include "bench-channel.h"

#include <signal.h>

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

extern volatile sig_atomic_t partner_gone;     /* set by on_child_exit */
extern pid_t children[N_MECHANISMS];           /* the child of each mechanism; 0: none */
extern char run_label[128];                    /* what runs now: "shm-sem 64 B rtt" */

/* The child: pins itself, then runs the commands it reads on command_fd
 * (receive, checksum, echo when asked), answering on report_fd. */
_Noreturn void child_main(struct channel *ch, int command_fd, int report_fd, pid_t parent);

/* SIGCHLD while runs are in progress: on_child_exit notes it, removes the
 * watched queue and posts the watched ring's semaphores, so that no wait
 * is forever.  watch_channel: the channel of the child about to be forked;
 * stop_watching: from here the children's exits are the expected ones. */
void watch_children(void);
void watch_channel(const struct channel *ch);
void stop_watching(void);

/* waitpid, again when a signal interrupts it. */
pid_t wait_for_child(pid_t pid, int *status, int options);
/* How a child ended, for the error line: " (the pipe child exited with
 * status 1)". */
void describe_end(char *text, size_t capacity, enum mechanism m, int status);

/* A child ended in the middle of a run, or sent something impossible: say
 * which and how it ended, end the others, and stop (exit 1). */
_Noreturn void child_failed(const char *what);
/* The other end of a pipe or socket is closed: wait for the child that
 * closed it, then child_failed. */
_Noreturn void peer_closed(const char *what);
/* child_failed if partner_gone: the parent checks after every wait. */
void check_partner(void);
/* msgsnd or msgrcv (call) returned -1: retry on EINTR, else end. */
void queue_call_failed(const char *call, const struct channel *ch);

#endif
