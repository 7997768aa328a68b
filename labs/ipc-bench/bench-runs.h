/* bench-runs.h - the sessions and their timed runs: what main calls, in
 * bench-runs.c; and what bench-runs.c calls in ipc-bench.c: start_session,
 * which creates a session's objects and forks its child, and memcpy's run.
 */
#ifndef BENCH_RUNS_H
#define BENCH_RUNS_H

#include "bench-partner.h"

#define PIECE          (64u << 10)  /* the large transfer moves 64 KiB pieces */

/* One mechanism with its child, for one message size (or the large
 * transfer).  The child lives for the whole session and waits for each run
 * on the command pipe; so every mechanism of a size can be kept ready, and
 * each repeat runs them all in turn (see measure_size). */
struct session {
    enum mechanism mechanism;
    const struct source *src;
    bool ran;                      /* started for this size (or transfer) */
    struct channel ch;
    int command[2], report[2];     /* the pipes to the child: [0] read end, [1] write end */
    unsigned char *copy_target;    /* memcpy: a private buffer shaped like the ring */
    uint64_t count[2];             /* messages in a timed run: [0] one way, [1] round trip */
    double seconds[2][MAX_REPEATS];
};

extern struct session sessions[N_MECHANISMS];

/* ---- in ipc-bench.c: a session's IPC ---- */

/* Create the mechanism's objects and fork its child. */
void start_session(struct session *s, enum mechanism m, const struct source *src);
/* memcpy's run: no second process, the limit.  Returns the seconds. */
double run_memcpy_round(struct session *s, uint64_t count);

/* ---- in bench-runs.c ---- */

/* Before the first session: SIGPIPE ignored, SIGCHLD watched, the CSV
 * opened, the parent pinned, progress counted, the table's heading. */
void prepare_runs(void);

/* The messages of message size number i; the large transfer's, in 64 KiB
 * pieces and (big_for_queue) in pieces the queue takes.  Free src->data. */
struct source message_pool(int i);
void transfer_sources(struct source *big, struct source *big_for_queue);

/* A session for each mechanism that runs at this size (start_session), the
 * queue last: cleanup_forget, after the fork, forgets every object, and the
 * queue stays until close_channel. */
void start_sessions(const struct source *src, const struct source *queue_src);
/* Tell each child the session is over, wait for it, remove what was made
 * (close_channel). */
void end_sessions(void);
/* Between start_sessions and end_sessions: the session of m is on. */
bool session_started(enum mechanism m);

/* The timed runs of one message size, then its figures (table and CSV);
 * the same for the large transfer. */
void measure_size(const struct source *pool);
void report_size(int size_index, const struct source *pool);
void measure_transfer(const struct source *big);
void report_transfer(const struct source *big);

/* Around the fork: the command and report pipes; in the parent, keep its
 * ends of them and of the channel; in the child, close the ends of the
 * other sessions (they are its parent's) and of this one that are not its
 * own, then child_main.  close_parent_ends: at the end of the session. */
void open_command_pipes(struct session *s);
void keep_parent_ends(struct session *s);
_Noreturn void run_child(struct session *s, pid_t parent);
void close_parent_ends(struct session *s);

#endif
