/* bench-runs.c - the sessions of ipc-bench and their timed runs: which
 * mechanisms run, the pipes that carry each run's command and report, the
 * parent's side of a run and the length of one, the repeats in turn, the
 * figures they give, and what is done before the first session.  The IPC
 * of a session (start_session, end_sessions) is in ipc-bench.c.
 */
#define _GNU_SOURCE
#include "bench-runs.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct session sessions[N_MECHANISMS];

/* Whether m runs at this message size, with these options. */
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

/* The large transfer through the queue: the largest piece it takes. */
static size_t queue_piece(void)
{
    size_t piece = MAX_MESSAGE;
    while (piece > settings.msgmax)
        piece /= 2;
    return piece;
}

void prepare_runs(void)
{
    /* A pipe or socket whose reader has gone: write fails with EPIPE, which
     * child_failed explains, instead of SIGPIPE killing us silently.
     * (Ignored now, it stays ignored when cleanup_queue installs its
     * handlers.) */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    watch_children();
    open_csv();

    pin_to_cpu(settings.cpu[0]);
    int steps = 1 + settings.repeats * (settings.n_sizes + 1); /* preparing, the rounds */
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        for (int i = 0; i < settings.n_sizes; i++)
            if (mechanism_runs(m, settings.sizes[i]))
                steps += m == MEMCPY ? 1 : 2;
        steps += mechanism_runs(m, m == MSGQUEUE ? queue_piece() : PIECE);
    }
    progress_start(steps);
    print_heading();
}

struct source message_pool(int i)
{
    /* One message more than a ring can hold: the message that was in a
     * place one lap of the ring ago is never the one that should be there
     * now, so a receiver reading a stale slot gets wrong bytes, and the
     * checksum says so.  About 1 MiB, like the ring. */
    return make_source(settings.sizes[i], RING_BYTES / settings.sizes[i] + 1, (uint64_t)i + 1);
}

void transfer_sources(struct source *big, struct source *big_for_queue)
{
    /* Distinct bytes all the way (not a pool sent in turn), more than the
     * caches hold. */
    size_t total = (size_t)settings.transfer_mib << 20;
    progress("preparing the large transfer");
    *big = make_source(PIECE, total / PIECE, 99);
    big->transfer = true;
    *big_for_queue = *big;
    big_for_queue->message_size = queue_piece();
    big_for_queue->n_messages = total / queue_piece();
}

/* ---- a session's start and end, around its IPC ---- */

/* The command and report pipes of a session: [0] the read end, [1] the
 * write end. */
void open_command_pipes(struct session *s)
{
    if (pipe(s->command) == -1 || pipe(s->report) == -1)
        die("pipe");
}

/* The parent's ends of a session's pipes and socket: closed by the parent
 * at the end, and at once by every child of a later session, which would
 * otherwise hold them open. */
void close_parent_ends(struct session *s)
{
    if (close(s->command[1]) == -1 || close(s->report[0]) == -1)
        die("close pipe");
    if (s->mechanism == PIPE &&
        (close(s->ch.pipe_fd[DOWN][1]) == -1 || close(s->ch.pipe_fd[UP][0]) == -1))
        die("close pipe");
    if (s->mechanism == UNIX_SOCKET && close(s->ch.socket_fd[0]) == -1)
        die("close socket");
}

void keep_parent_ends(struct session *s)
{
    if (close(s->command[0]) == -1 || close(s->report[1]) == -1)
        die("close pipe");
    keep_own_ends(&s->ch, false);
}

_Noreturn void run_child(struct session *s, pid_t parent)
{
    /* The child has no children: the table is its parent's (and
     * child_failed would kill the siblings). */
    for (enum mechanism other = PIPE; other < N_MECHANISMS; other++) {
        if (children[other] > 0)
            close_parent_ends(&sessions[other]);
        children[other] = 0;
    }
    snprintf(run_label, sizeof run_label, "the %s child", mechanism_name[s->mechanism]);
    if (close(s->command[1]) == -1 || close(s->report[0]) == -1)
        die("close pipe");
    keep_own_ends(&s->ch, true);
    child_main(&s->ch, s->command[0], s->report[1], parent);
}

/* memcpy has no child: a private buffer shaped like the ring. */
static void start_memcpy_session(struct session *s, const struct source *src)
{
    *s = (struct session){ .mechanism = MEMCPY, .src = src, .ran = true };
    s->copy_target = malloc(RING_BYTES);
    if (s->copy_target == NULL)
        die("malloc");
    memset(s->copy_target, 0, RING_BYTES); /* touch every page now */
}

void start_sessions(const struct source *src, const struct source *queue_src)
{
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++)
        sessions[m].ran = false;
    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (m == MSGQUEUE || !mechanism_runs(m, src->message_size))
            continue;
        if (m == MEMCPY)
            start_memcpy_session(&sessions[m], src);
        else
            start_session(&sessions[m], m, src);
    }
    if (mechanism_runs(MSGQUEUE, queue_src->message_size))
        start_session(&sessions[MSGQUEUE], MSGQUEUE, queue_src);
}

bool session_started(enum mechanism m)
{
    return m == MEMCPY ? sessions[m].copy_target != NULL : children[m] > 0;
}

/* Tell each child the session is over, wait for it, remove what was made. */
void end_sessions(void)
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
        write_all(s->command[1], &stop, sizeof stop);
        if (wait_for_child(children[m], &status, 0) == -1)
            die("waitpid %d", (int)children[m]);
        children[m] = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char how[96] = "";
            describe_end(how, sizeof how, m, status);
            fail("the end of the %s session failed%s", mechanism_name[m], how);
        }
        close_parent_ends(s);
        close_channel(&s->ch);
    }
}

/* ---- the timed runs ---- */

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
    write_all(s->command[1], &cmd, sizeof cmd);
    if (!read_all(s->report[0], &ready, 1))
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
    if (!read_all(s->report[0], &rep, sizeof rep))
        peer_closed("the child ended without a report");
    struct checksum expected = expected_checksum(src, count);
    if (!checksum_equal(&rep.sum, &expected) || (round_trip && !checksum_equal(&echoed, &expected)))
        child_failed("the bytes that arrived are not the bytes sent (checksum)");
    if (!round_trip)
        end = rep.end_ns;
    return (double)(end - start) / 1e9;
}

static double timed_round(struct session *s, bool round_trip, uint64_t count)
{
    set_label(s, round_trip);
    return s->mechanism == MEMCPY ? run_memcpy_round(s, count) : run_round(s, round_trip, count);
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

/* One message size, its sessions started: the length of a timed run for
 * each mechanism, then settings.repeats rounds in which every mechanism
 * runs in turn.  Taking turns, rather than all the runs of one mechanism
 * and then the next, makes a slow moment of the machine (another program, a
 * neighbour on the same host) fall on all the mechanisms alike, so that
 * the ratios of one run compare like with like. */
void measure_size(const struct source *pool)
{
    size_t size = pool->message_size;
    char label[128];

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
}

/* Its sessions ended: a table line and a CSV row for each figure. */
void report_size(int size_index, const struct source *pool)
{
    size_t size = pool->message_size;
    double values[MAX_REPEATS] = { 0 };

    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        const struct session *s = &sessions[m];
        if (!s->ran)
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
void measure_transfer(const struct source *big)
{
    size_t total = big->message_size * big->n_messages;
    char label[128];

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
}

void report_transfer(const struct source *big)
{
    size_t total = big->message_size * big->n_messages;
    double values[MAX_REPEATS] = { 0 };

    for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
        if (!sessions[m].ran)
            continue;
        for (long r = 0; r < settings.repeats; r++)
            values[r] = (double)total / sessions[m].seconds[0][r] / (1 << 20);
        report_figure(m, settings.n_sizes, total, THROUGHPUT, values);
    }
}
