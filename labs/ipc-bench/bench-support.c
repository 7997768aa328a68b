/* bench-support.c - the plumbing of ipc-bench that is not about IPC: the
 * options and the settings they give, CPU pinning, the clock, the messages
 * sent and their checksum, progress on stderr, and the table, the CSV and
 * the targets.  Read ipc-bench.c first: the IPC is there.
 */
#define _GNU_SOURCE
#include "bench-support.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char usage_text[] =
    "usage: ipc-bench [-q | -l] [-o CSV] [-s SIZES] [-r REPEATS] [-t MIB]\n"
    "                 [-M MECHANISMS] [-c CPU,CPU] [-B] [-k KEY] [-m MODE]\n"
    "  Measures memcpy, a pipe, a System V message queue, a Unix domain socket\n"
    "  and System V shared memory (a ring with semaphores; a ring with spinning,\n"
    "  given two CPUs) between a parent and a forked child: one-way throughput\n"
    "  and rate, and round-trip time, per message size; then a large transfer.\n"
    "  Prints a table with each figure's ratio to memcpy and to the pipe.\n"
    "  Progress goes to stderr.  Default: a few seconds (5 repeats, 128 MiB).\n"
    "  -q         quickest run: 3 short repeats, 16 MiB transfers (a second)\n"
    "  -l         long run: 7 repeats, 1 GiB transfers (a minute or two)\n"
    "  -o CSV     also write the figures to CSV, with the header\n"
    "             mechanism,bytes,metric,median,min,max,unit\n"
    "  -s SIZES   message sizes in bytes, comma-separated, each a multiple of 32\n"
    "             from 32 to 8192 (default 64,256,1024,4096,8192)\n"
    "  -r REPEATS runs of each measurement (1 to 1000)\n"
    "  -t MIB     size of the large transfer, in MiB (1 to 4096)\n"
    "  -M LIST    only these mechanisms, comma-separated (default: all of memcpy,\n"
    "             pipe,msgqueue,unix-socket,shm-sem,shm-spin)\n"
    "  -c A,B     pin the parent to CPU A and the child to CPU B (default: the\n"
    "             first two CPUs this process may use); A = B skips shm-spin\n"
    "  -B         shm-sem: one message per slot, one semaphore post per message\n"
    "             (default: small messages share 8 KiB slots, posted in batches)\n"
    "  -k KEY     key of the queue and the segment (strtol base 0); default\n"
    "             $IPC_LAB_KEY, else 0 = IPC_PRIVATE\n"
    "  -m MODE    permissions of the queue and the segment, octal (default 0600)\n"
    "  -h         this help\n";

const char *const mechanism_name[N_MECHANISMS] = {
    "memcpy", "pipe", "msgqueue", "unix-socket", "shm-sem", "shm-spin",
};

static const char *const metric_name[N_METRICS] = { "throughput", "rate", "rtt" };
static const char *const metric_unit[N_METRICS] = { "MiB/s", "msg/s", "us" };

struct settings settings;
static const char *csv_path; /* -o */

/* ---- options ---- */

static void parse_sizes(const char *text)
{
    char *copy = strdup(text), *save = NULL;
    if (copy == NULL)
        die("strdup");
    settings.n_sizes = 0;
    for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        long size;
        if (!parse_long(item, 32, MAX_MESSAGE, &size) || size % 32 != 0)
            usage_bad("bad size '%s': expected a multiple of 32 from 32 to %d", item, MAX_MESSAGE);
        if (settings.n_sizes == MAX_SIZES)
            usage_bad("more than %d sizes", MAX_SIZES);
        settings.sizes[settings.n_sizes++] = (size_t)size;
    }
    if (settings.n_sizes == 0 || text[strlen(text) - 1] == ',' || text[0] == ',' || strstr(text, ",,"))
        usage_bad("bad sizes '%s': expected sizes separated by commas", text);
    free(copy);
}

/* Names separated by commas: none empty (strtok_r would skip them, and -M ''
 * would run nothing and succeed), none twice. */
static void parse_mechanisms(const char *text)
{
    if (text[0] == '\0' || text[0] == ',' || text[strlen(text) - 1] == ',' || strstr(text, ",,"))
        usage_bad("bad mechanisms '%s': expected names separated by commas", text);
    char *copy = strdup(text), *save = NULL;
    if (copy == NULL)
        die("strdup");
    for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (enum mechanism m = MEMCPY; m < N_MECHANISMS; m++) {
            if (strcmp(item, mechanism_name[m]) == 0) {
                if (settings.selected[m])
                    usage_bad("mechanism '%s' named twice in '%s'", item, text);
                settings.selected[m] = true;
                known = true;
            }
        }
        if (!known)
            usage_bad("unknown mechanism '%s': expected memcpy, pipe, msgqueue, "
                      "unix-socket, shm-sem or shm-spin", item);
    }
    free(copy);
}

static void parse_cpus(const char *text)
{
    cpu_set_t allowed;
    long cpu[2];
    char first[32];
    char *second = NULL;

    if (strlen(text) < sizeof first) {
        strcpy(first, text);
        second = strchr(first, ',');
    }
    if (second != NULL)
        *second++ = '\0';
    if (second == NULL || !parse_long(first, 0, CPU_SETSIZE - 1, &cpu[0]) ||
        !parse_long(second, 0, CPU_SETSIZE - 1, &cpu[1]))
        usage_bad("bad CPUs '%s': expected two CPU numbers such as 0,1", text);
    if (sched_getaffinity(0, sizeof allowed, &allowed) == -1)
        die("sched_getaffinity");
    for (int i = 0; i < 2; i++) {
        if (!CPU_ISSET((int)cpu[i], &allowed))
            usage_bad("CPU %ld is not one this process may use (see nproc, taskset -p $$)", cpu[i]);
        settings.cpu[i] = (int)cpu[i];
    }
}

/* Without -c: the first two CPUs this process may use; with only one,
 * nothing is pinned (and there is no shm-spin). */
static void default_cpus(void)
{
    cpu_set_t allowed;
    int found = 0;

    settings.cpu[0] = settings.cpu[1] = -1;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == -1)
        die("sched_getaffinity");
    if (CPU_COUNT(&allowed) < 2)
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
        if (CPU_ISSET(cpu, &allowed))
            settings.cpu[found++] = cpu;
}

static size_t read_msgmax(void)
{
    FILE *f = fopen("/proc/sys/kernel/msgmax", "r");
    long value = MAX_MESSAGE;

    if (f != NULL) {
        if (fscanf(f, "%ld", &value) != 1 || value < 32)
            value = MAX_MESSAGE;
        fclose(f);
    }
    return (size_t)value;
}

void parse_options(int argc, char *argv[])
{
    const char *key_text = NULL, *sizes_text = "64,256,1024,4096,8192", *cpus_text = NULL;
    const char *mechanisms_text = "memcpy,pipe,msgqueue,unix-socket,shm-sem,shm-spin";
    long repeats = 0, transfer = 0;
    char run = 's';
    int opt;

    settings.mode = DEFAULT_MODE;
    settings.batching = true;
    while ((opt = getopt(argc, argv, "+:qlo:s:r:t:c:BM:k:m:h")) != -1) {
        switch (opt) {
        case 'q':
        case 'l':
            if (run != 's' && run != opt)
                usage_bad("-q and -l cannot go together");
            run = (char)opt;
            break;
        case 'o': csv_path = optarg; break;
        case 's': sizes_text = optarg; break;
        case 'r':
            if (!parse_long(optarg, 1, MAX_REPEATS, &repeats))
                usage_bad("bad repeats '%s': expected 1 to %d", optarg, MAX_REPEATS);
            break;
        case 't':
            if (!parse_long(optarg, 1, MAX_TRANSFER_MIB, &transfer))
                usage_bad("bad transfer size '%s': expected 1 to %ld MiB", optarg, MAX_TRANSFER_MIB);
            break;
        case 'c': cpus_text = optarg; break;
        case 'B': settings.batching = false; break;
        case 'M': mechanisms_text = optarg; break;
        case 'k': key_text = optarg; break;
        case 'm': settings.mode = mode_option(optarg); break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    if (csv_path != NULL && csv_path[0] == '\0')
        usage_bad("empty CSV file name");
    parse_sizes(sizes_text);
    parse_mechanisms(mechanisms_text);
    if (cpus_text != NULL)
        parse_cpus(cpus_text);
    else
        default_cpus();
    settings.key = key_from_option_env_or(key_text, IPC_PRIVATE);

    /* quick: what the tests run; default: make bench; long: the 1 GiB. */
    if (run == 'q')
        settings.run_name = "quick", settings.repeats = 3, settings.round_seconds = 0.002,
        settings.transfer_mib = 16;
    else if (run == 'l')
        settings.run_name = "long", settings.repeats = 7, settings.round_seconds = 0.1,
        settings.transfer_mib = 1024;
    else
        settings.run_name = "standard", settings.repeats = 5, settings.round_seconds = 0.01,
        settings.transfer_mib = 128;
    if (repeats > 0)
        settings.repeats = repeats;
    if (transfer > 0)
        settings.transfer_mib = transfer;
    settings.msgmax = read_msgmax();
}

/* ---- pinning ---- */

/* Each process is pinned to a CPU of its own (sched_setaffinity), the parent
 * to settings.cpu[0] and the child to settings.cpu[1].  Why: left alone, the
 * scheduler moves processes between CPUs, or runs both on one, differently
 * from run to run; each move costs cold caches, and the figures jump.  Two
 * CPUs make the sender and the receiver work at the same time, as two real
 * programs would; and shm-spin must not share a CPU with the process it
 * waits for, which could then not run to end its wait. */
void pin_to_cpu(int cpu)
{
    cpu_set_t set;

    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == -1)
        die("sched_setaffinity CPU %d", cpu);
}

bool spin_allowed(void)
{
    return settings.cpu[0] >= 0 && settings.cpu[1] >= 0 && settings.cpu[0] != settings.cpu[1];
}

/* ---- time, and the checksum that keeps every run honest ---- */

int64_t now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void checksum_add(struct checksum *sum, const unsigned char *data, size_t len)
{
    uint64_t a0 = sum->a[0], a1 = sum->a[1], a2 = sum->a[2], a3 = sum->a[3];
    uint64_t b0 = sum->b[0], b1 = sum->b[1], b2 = sum->b[2], b3 = sum->b[3];

    for (size_t i = 0; i < len; i += 32) {
        uint64_t w[4];
        memcpy(w, data + i, sizeof w); /* no alignment assumed */
        a0 += w[0]; b0 += a0;
        a1 += w[1]; b1 += a1;
        a2 += w[2]; b2 += a2;
        a3 += w[3]; b3 += a3;
    }
    *sum = (struct checksum){ { a0, a1, a2, a3 }, { b0, b1, b2, b3 } };
}

/* Append a block whose own checksum (from zero) is block and which holds
 * words_per_lane words in each lane: b grows by words_per_lane times the
 * a it starts from, plus the block's b; a by the block's a. */
static void checksum_append_block(struct checksum *sum, const struct checksum *block,
                                  uint64_t words_per_lane)
{
    for (int lane = 0; lane < 4; lane++) {
        sum->b[lane] += words_per_lane * sum->a[lane] + block->b[lane];
        sum->a[lane] += block->a[lane];
    }
}

bool checksum_equal(const struct checksum *x, const struct checksum *y)
{
    return memcmp(x, y, sizeof *x) == 0;
}

/* ---- what is sent: a pool of distinct messages, sent in turn ---- */

/* Pseudo-random bytes (splitmix64): every message differs from the others. */
static void fill_random(unsigned char *data, size_t len, uint64_t seed)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        memcpy(data + i, &z, len - i < 8 ? len - i : 8);
    }
}

/* n_messages distinct messages of message_size bytes, from seed. */
struct source make_source(size_t message_size, uint64_t n_messages, uint64_t seed)
{
    size_t len = message_size * n_messages;
    unsigned char *data = malloc(len);
    if (data == NULL)
        die("malloc %zu bytes", len);
    fill_random(data, len, seed);
    struct source src = { data, message_size, n_messages, { { 0 }, { 0 } }, false };
    checksum_add(&src.whole, data, len);
    return src;
}

/* The checksum of the first count messages of the stream, without reading
 * them all again: whole laps of the pool, then what is left. */
struct checksum expected_checksum(const struct source *src, uint64_t count)
{
    struct checksum sum = { { 0 }, { 0 } };
    uint64_t laps = count / src->n_messages, rest = count % src->n_messages;
    uint64_t words_per_lane = src->message_size * src->n_messages / 32;

    for (uint64_t i = 0; i < laps; i++)
        checksum_append_block(&sum, &src->whole, words_per_lane);
    checksum_add(&sum, src->data, rest * src->message_size);
    return sum;
}

/* ---- progress on stderr ---- */

static int step, n_steps;
static bool progress_on_tty;

/* On a terminal each step overwrites the last; elsewhere, a line each. */
void progress_start(int steps)
{
    n_steps = steps;
    progress_on_tty = isatty(STDERR_FILENO);
}

void progress(const char *label)
{
    step++;
    if (progress_on_tty)
        fprintf(stderr, "\r\033[K%s: [%d/%d] %s", program_invocation_short_name, step, n_steps, label);
    else
        fprintf(stderr, "%s: [%d/%d] %s\n", program_invocation_short_name, step, n_steps, label);
}

void progress_clear(void)
{
    if (progress_on_tty)
        fprintf(stderr, "\r\033[K");
}

/* ---- statistics, the table and the CSV ---- */

/* What the table has shown, for the ratios and the targets. */
struct figure {
    double median, min, max;
    bool present;
};

/* results[mechanism][size index][metric]; the large transfer is the size
 * index n_sizes. */
static struct figure results[N_MECHANISMS][MAX_SIZES + 1][N_METRICS];
static FILE *csv;

void open_csv(void)
{
    if (csv_path == NULL)
        return;
    csv = fopen(csv_path, "w");
    if (csv == NULL)
        die("open %s", csv_path);
    fprintf(csv, "mechanism,bytes,metric,median,min,max,unit\n");
}

void close_csv(void)
{
    if (csv != NULL && fclose(csv) == EOF)
        die("write %s", csv_path);
}

/* The run, where the two processes run, and the heads of the columns that
 * report_figure fills. */
void print_heading(void)
{
    printf("ipc-bench: %s run, %ld run%s of each measurement; ", settings.run_name,
           settings.repeats, settings.repeats == 1 ? "" : "s");
    if (settings.cpu[0] >= 0)
        printf("parent on CPU %d, child on CPU %d%s\n", settings.cpu[0], settings.cpu[1],
               spin_allowed() ? "" : " (the same CPU: no shm-spin)");
    else
        printf("one CPU, nothing pinned (no shm-spin)\n");
    printf("%-11s %10s %-10s %12s %12s %12s %-5s %9s %9s\n", "mechanism", "bytes", "metric",
           "median", "min", "max", "unit", "x memcpy", "x pipe");
}

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static struct figure summarize(double *values, long n)
{
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return (struct figure){ median, values[0], values[n - 1], true };
}

/* Whole messages per second; one decimal for MiB/s, three for microseconds.
 * Below 1 MiB/s, two significant digits: a short run on a loaded machine
 * (the tests' -q, with other suites beside it) can move 2 KiB in 40 ms, and
 * "0.0" would say that nothing moved at all. */
static void format_number(char *text, size_t capacity, enum metric metric, double value)
{
    if (metric == THROUGHPUT && value > 0 && value < 1) {
        int decimals = 2;
        for (double v = value; v < 0.1 && decimals < 12; v *= 10)
            decimals++;
        snprintf(text, capacity, "%.*f", decimals, value);
    } else if (metric == THROUGHPUT)
        snprintf(text, capacity, "%.1f", value);
    else if (metric == RATE)
        snprintf(text, capacity, "%.0f", value);
    else
        snprintf(text, capacity, "%.3f", value);
}

/* How many times better than the reference: for a time (rtt), smaller is
 * better, so the ratio is reference / this. */
static void print_ratio(enum metric metric, const struct figure *self, const struct figure *ref)
{
    if (!ref->present || self->median <= 0 || ref->median <= 0) {
        printf(" %9s", "-");
        return;
    }
    printf(" %9.2f", metric == RTT ? ref->median / self->median : self->median / ref->median);
}

void report_figure(enum mechanism m, int size_index, size_t bytes, enum metric metric,
                   double *values)
{
    struct figure *f = &results[m][size_index][metric];
    char median[32], min[32], max[32];

    *f = summarize(values, settings.repeats);
    progress_clear();
    format_number(median, sizeof median, metric, f->median);
    format_number(min, sizeof min, metric, f->min);
    format_number(max, sizeof max, metric, f->max);

    printf("%-11s %10zu %-10s %12s %12s %12s %-5s", mechanism_name[m], bytes,
           metric_name[metric], median, min, max, metric_unit[metric]);
    print_ratio(metric, f, &results[MEMCPY][size_index][metric]);
    print_ratio(metric, f, &results[PIPE][size_index][metric]);
    printf("\n");
    check_stdout(NULL);

    if (csv != NULL) {
        fprintf(csv, "%s,%zu,%s,%s,%s,%s,%s\n", mechanism_name[m], bytes, metric_name[metric],
                median, min, max, metric_unit[metric]);
        if (ferror(csv))
            die("write %s", csv_path);
    }
}

/* ---- the targets the issue set, checked within this run ---- */

static void print_target(const char *what, const struct figure *x, const struct figure *y,
                         enum metric metric, double target)
{
    if (!x->present || !y->present)
        return;
    double ratio = metric == RTT ? y->median / x->median : x->median / y->median;
    printf("target: %s = %.2f (at least %.2f: %s)\n", what, ratio, target,
           ratio >= target ? "met" : "missed");
}

void print_targets(void)
{
    int at64 = -1;

    for (int i = 0; i < settings.n_sizes; i++)
        if (settings.sizes[i] == 64)
            at64 = i;
    printf("\n");
    for (enum mechanism m = SHM_SEM; m <= SHM_SPIN; m++) {
        char what[96];
        snprintf(what, sizeof what, "%s transfer / memcpy", mechanism_name[m]);
        print_target(what, &results[m][settings.n_sizes][THROUGHPUT],
                     &results[MEMCPY][settings.n_sizes][THROUGHPUT], THROUGHPUT, 0.85);
        if (at64 >= 0) {
            snprintf(what, sizeof what, "%s rate at 64 B / msgqueue", mechanism_name[m]);
            print_target(what, &results[m][at64][RATE], &results[MSGQUEUE][at64][RATE], RATE, 5);
        }
    }
    /* The transfer target is about data that no cache holds. */
    if (settings.transfer_mib < 1024 && results[MEMCPY][settings.n_sizes][THROUGHPUT].present &&
        (results[SHM_SEM][settings.n_sizes][THROUGHPUT].present ||
         results[SHM_SPIN][settings.n_sizes][THROUGHPUT].present))
        printf("note: %ld MiB may partly fit in the caches, where memcpy is faster: "
               "judge the transfer on -l (1 GiB)\n", settings.transfer_mib);
    check_stdout(NULL);
}

