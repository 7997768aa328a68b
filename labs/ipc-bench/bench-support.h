/* bench-support.h - what ipc-bench's other files take from bench-support.c:
 * the mechanisms' names, the settings and their options, CPU pinning, the
 * clock, the messages sent and their checksum, progress, the table and CSV.
 */
#ifndef BENCH_SUPPORT_H
#define BENCH_SUPPORT_H

#include "lab.h"

#include <stdint.h>

#define MAX_MESSAGE    8192         /* the largest message: the default msgmax */
#define MAX_SIZES      16
#define MAX_REPEATS    1000
#define MAX_TRANSFER_MIB 4096L

enum mechanism { MEMCPY, PIPE, MSGQUEUE, UNIX_SOCKET, SHM_SEM, SHM_SPIN, N_MECHANISMS };

extern const char *const mechanism_name[N_MECHANISMS];

enum metric { THROUGHPUT, RATE, RTT, N_METRICS };

/* ---- settings, read from the options ---- */

struct settings {
    const char *run_name;
    long repeats;
    double round_seconds;   /* how long one timed run of a message size lasts */
    long transfer_mib;
    size_t sizes[MAX_SIZES];
    int n_sizes;
    int cpu[2];             /* [0] the parent's CPU, [1] the child's; -1: not pinned */
    key_t key;
    int mode;
    size_t msgmax;          /* the kernel's largest message */
    bool batching;          /* shm-sem: one semaphore post for several messages */
    bool selected[N_MECHANISMS]; /* -M */
};

extern struct settings settings;

extern const char usage_text[]; /* for lab_init */

/* Fills settings from the options; bad usage exits 2. */
void parse_options(int argc, char *argv[]);

/* ---- pinning ---- */

/* Pin this process to cpu (-1: leave it free to move). */
void pin_to_cpu(int cpu);

/* shm-spin runs only with the two processes on two different CPUs. */
bool spin_allowed(void);

/* ---- time, and the checksum that keeps every run honest ---- */

/* CLOCK_MONOTONIC in nanoseconds: one clock for both processes. */
int64_t now_ns(void);

/* A Fletcher-style checksum over 64-bit words, in four lanes (word i goes to
 * lane i % 4) so that the receiver computes it faster than memcpy copies:
 * a += word; b += a.  b depends on the order of the words, so a message lost,
 * repeated, torn or delivered out of order changes it.  Messages are a
 * multiple of 32 bytes, so a word's lane does not depend on how the stream
 * is cut into messages. */
struct checksum {
    uint64_t a[4], b[4];
};

void checksum_add(struct checksum *sum, const unsigned char *data, size_t len);
bool checksum_equal(const struct checksum *x, const struct checksum *y);

/* ---- what is sent: a pool of distinct messages, sent in turn ---- */

struct source {
    const unsigned char *data;
    size_t message_size;
    uint64_t n_messages;      /* message i is data + (i % n_messages) * size */
    struct checksum whole;    /* of all n_messages, from zero */
    bool transfer;            /* the large transfer, not a pool sent in turn */
};

struct source make_source(size_t message_size, uint64_t n_messages, uint64_t seed);
struct checksum expected_checksum(const struct source *src, uint64_t count);

/* ---- progress on stderr: "[step/steps] what runs now" ---- */

void progress_start(int steps);
void progress(const char *label);
void progress_clear(void);

/* ---- the table on stdout, and the CSV (-o) ---- */

void open_csv(void);
void print_heading(void);
/* One line of the table (and a CSV row): the median, min and max of values,
 * one per repeat, which it sorts. */
void report_figure(enum mechanism m, int size_index, size_t bytes, enum metric metric,
                   double *values);
void print_targets(void);
void close_csv(void);

#endif
