/* lab.c - errors, usage, options, parsing and line input shared by the labs
 * (see lab.h).  Calls nothing in cleanup.c: exit() runs its removal (on_exit). */
#define _GNU_SOURCE /* program_invocation_short_name, strerrorname_np */
#include "lab.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *lab_name = "lab"; /* as it appears in messages */
static const char *usage_text = "";
static bool dying;                    /* an error line has said why */
static bool key_is_default;           /* the article's key: others use it too */

/* "PROG: WHAT", and ": strerror text (ENAME)" unless err is -1. */
__attribute__((format(printf, 2, 0)))
static void error_line(int err, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", lab_name);
    vfprintf(stderr, fmt, ap);
    if (err != -1)
        fprintf(stderr, ": %s (%s)", strerror(err),
                strerrorname_np(err) ? strerrorname_np(err) : "unknown errno");
    fputc('\n', stderr);
}

/* At exit, or `prog >/dev/full` would exit 0 having written nothing. */
static void close_stdout(void)
{
    errno = 0;
    bool failed = fflush(stdout) == EOF || ferror(stdout);
    if (fclose(stdout) == EOF) /* the last write's error (NFS, a pipe...) */
        failed = true;
    if (failed && !dying) {
        int err = errno != 0 ? errno : EIO; /* an earlier write's error */
        fprintf(stderr, "%s: write standard output: %s (%s)\n", lab_name,
                strerror(err), strerrorname_np(err) ? strerrorname_np(err) : "unknown errno");
        _exit(1); /* exit() may not be called again from an atexit handler */
    }
}

void lab_init(const char *text)
{
    lab_name = program_invocation_short_name;
    usage_text = text;
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Each error line in one write: a parent's and a child's never mix. */
    static char stderr_buffer[BUFSIZ];
    setvbuf(stderr, stderr_buffer, _IOLBF, sizeof stderr_buffer);
    if (atexit(close_stdout) != 0) {
        errno = ENOMEM;
        die("atexit");
    }
}

void usage_help(void)
{
    fputs(usage_text, stdout);
    exit(0);
}

void usage_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_line(-1, fmt, ap);
    va_end(ap);
    fputs(usage_text, stderr);
    exit(2);
}

void usage_bad_option(int getopt_result)
{
    usage_bad(getopt_result == ':' ? "option -%c needs a value" : "unknown option -%c",
              optopt);
}

int parse_key_mode_options(int argc, char *argv[], key_t article_key,
                           key_t *key, int *mode, bool *others_allowed)
{
    const char *key_text = NULL;
    int opt;
    *mode = DEFAULT_MODE;
    if (others_allowed != NULL)
        *others_allowed = false;
    /* "+": stop at the first argument ("-1:text"); ":": report ':' not '?'. */
    while ((opt = getopt(argc, argv, others_allowed ? "+:k:m:oh" : "+:k:m:h")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'm': *mode = mode_option(optarg); break;
        case 'o': *others_allowed = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    *key = key_from_option_env_or(key_text, article_key);
    return optind;
}

void parse_peer_options(int argc, char *argv[], key_t article_key,
                        const char *why_not_private, key_t *key, int *mode,
                        bool *others_allowed)
{
    int first_arg = parse_key_mode_options(argc, argv, article_key, key, mode,
                                           others_allowed);
    if (first_arg < argc)
        usage_bad("unexpected argument '%s'", argv[first_arg]);
    /* IPC_PRIVATE is always a new object, which the peer cannot find. */
    if (*key == IPC_PRIVATE)
        usage_bad("key 0 is IPC_PRIVATE: %s", why_not_private);
}

/* die and fail: exit() then runs cleanup.c's removal (ON_ERROR). */
#define ERROR_EXIT(err) do { va_list ap; dying = true; va_start(ap, fmt); \
        error_line(err, fmt, ap); va_end(ap); exit(1); } while (0)
void die(const char *fmt, ...) { ERROR_EXIT(errno); }
void fail(const char *fmt, ...) { ERROR_EXIT(-1); }
void todo(const char *what) { fail("not written yet: %s", what); }

_Noreturn static void die_get(const char *call, char ipcrm_option, key_t key)
{
    unsigned k = (unsigned)key;
    const char *own_key = key_is_default
        ? "; or choose a key of your own with -k KEY or IPC_LAB_KEY" : "";
    if (errno == EEXIST)
        die("%s key 0x%08x (in use, or left by a killed run? remove it with: "
            "ipcrm -%c 0x%08x%s)", call, k, ipcrm_option, k, own_key);
    if (errno == EACCES && key_is_default)
        die("%s key 0x%08x (owned by another user? choose a key of your own "
            "with -k KEY or IPC_LAB_KEY)", call, k);
    if (errno == EACCES)
        die("%s key 0x%08x (owned by another user, or its mode does not let you in)",
            call, k);
    die("%s key 0x%08x", call, k);
}

void die_msgget(key_t key) { die_get("msgget", 'Q', key); }
void die_shmget(key_t key) { die_get("shmget", 'M', key); }

void die_queue(const char *call, int msqid)
{
    int err = errno;
    struct msqid_ds ds;
    /* EINVAL is also a msgsnd over msgmax: then the queue is still there. */
    bool removed = err == EIDRM || (err == EINVAL && msgctl(msqid, IPC_STAT, &ds) == -1);
    errno = err;
    if (removed)
        die("%s queue %d (the queue was removed)", call, msqid);
    if (err == EINVAL && strcmp(call, "msgsnd") == 0)
        die("msgsnd queue %d (the message is longer than msgmax, "
            "/proc/sys/kernel/msgmax)", msqid);
    die("%s queue %d", call, msqid);
}

void check_message_fits(int msqid, size_t len)
{
    static int known_id = -1;
    static size_t qbytes;
    struct msqid_ds ds;
    if (known_id != msqid) {
        /* A queue we may not read (-m 0200), or gone: msgsnd decides. */
        known_id = msqid;
        qbytes = msgctl(msqid, IPC_STAT, &ds) == -1 ? SIZE_MAX : ds.msg_qbytes;
    }
    if (len > qbytes) {
        errno = EMSGSIZE;
        die("msgsnd queue %d (a message of %zu bytes can never fit: the queue holds "
            "at most %zu bytes, its msg_qbytes)", msqid, len, qbytes);
    }
}

void check_owner(const char *call, const char *kind, key_t key,
                 const struct ipc_perm *perm, bool others_allowed)
{
    uid_t me = geteuid();
    unsigned k = (unsigned)key;
    /* A creator keeps its rights after IPC_SET: one made by another is not ours. */
    if ((perm->uid != me || perm->cuid != me) && !others_allowed) {
        errno = EPERM;
        die("%s key 0x%08x (the %s belongs to uid %u, not to you: choose a key of "
            "your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway)",
            call, k, kind, (unsigned)perm->uid);
    }
    if (perm->mode & 0066)
        fprintf(stderr, "%s: warning: the %s with key 0x%08x can be read or written "
                "by other users (mode %04o)\n", lab_name, kind, k, (unsigned)perm->mode & 0777);
}

void check_queue_owner(int msqid, key_t key, bool others_allowed)
{
    struct msqid_ds ds;
    if (msgctl(msqid, IPC_STAT, &ds) == -1) {
        if (errno == EACCES) /* not even allowed to look: another user's */
            die_msgget(key);
        die("msgctl IPC_STAT queue %d", msqid);
    }
    check_owner("msgget", "queue", key, &ds.msg_perm, others_allowed);
}

/* strtoll with every failure caught: empty, trailing junk, overflow, and
 * what it would allow: leading blanks, '+', and '-' unless allow_minus. */
static bool parse_integer(const char *text, int base, bool allow_minus, long long *value)
{
    char *end;
    const char *digits = text;
    if (text == NULL)
        return false;
    if (allow_minus && *digits == '-')
        digits++;
    if (!isdigit((unsigned char)*digits))
        return false;
    errno = 0;
    *value = strtoll(text, &end, base);
    return errno == 0 && *end == '\0';
}

bool parse_key(const char *text, key_t *key)
{
    long long v;
    /* 32 bits, unsigned as ipcs shows it: 0xdeadbeef is welcome. */
    if (!parse_integer(text, 0, false, &v) || v > UINT32_MAX)
        return false;
    *key = (key_t)(uint32_t)v;
    return true;
}

key_t key_from_option_env_or(const char *option_text, key_t article_key)
{
    const char *text = option_text != NULL ? option_text : getenv("IPC_LAB_KEY");
    const char *from = option_text != NULL ? "-k" : "IPC_LAB_KEY";
    key_t key;
    key_is_default = text == NULL;
    if (text == NULL)
        return article_key;
    if (!parse_key(text, &key))
        usage_bad("bad key '%s' from %s: expected a number such as 752364, "
                  "0x121212 or 041375", text, from);
    return key;
}

bool parse_mode(const char *text, int *mode)
{
    long long v;
    if (!parse_integer(text, 8, false, &v) || v > 0777)
        return false;
    *mode = (int)v;
    return true;
}

int mode_option(const char *text)
{
    int mode;
    if (!parse_mode(text, &mode))
        usage_bad("bad mode '%s': expected octal such as 0600", text);
    return mode;
}

bool parse_long(const char *text, long min, long max, long *value)
{
    long long v;
    if (!parse_integer(text, 10, min < 0, &v) || v < min || v > max)
        return false;
    *value = (long)v;
    return true;
}

ssize_t read_line(FILE *in, char **line, size_t *capacity)
{
    errno = 0;
    ssize_t len = getline(line, capacity, in);
    if (len == -1 && ferror(in) && errno == EINTR)
        clearerr(in); /* a handler without SA_RESTART: the caller decides */
    else if (len == -1 && ferror(in))
        die("read standard input");
    else if (len > 0 && (*line)[len - 1] == '\n')
        (*line)[--len] = '\0';
    return len; /* -1 also at the end of input */
}

void prompt(const char *text)
{
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        fputs(text, stdout);
        check_stdout(NULL); /* also flushes: the prompt has no newline */
    }
}

void prompt_end_of_input(void)
{
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
        putchar('\n');
}

bool starts_with(const char *text, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && memcmp(text, word, n) == 0;
}

size_t next_piece_length(const char *text, size_t len, size_t capacity,
                         const char *end_word)
{
    if (len <= capacity)
        return len;
    /* One byte back always helps: no end word here ("exit", "end") has its
     * first letter equal to its second. */
    if (end_word != NULL && starts_with(text + capacity, len - capacity, end_word))
        return capacity - 1;
    return capacity;
}

void print_text_line(const char *prefix, const char *text, size_t len)
{
    fputs(prefix, stdout);
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
}

void print_message_line(const char *prefix, const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL)
        len = (size_t)(nul - text);
    if (len > 0 && text[len - 1] == '\n')
        len--;
    print_text_line(prefix, text, len);
}

void print_time_line(const char *name, time_t t)
{
    char text[32] = "never";
    struct tm *tm = localtime(&t);
    if (t != 0 && (tm == NULL || strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", tm) == 0))
        snprintf(text, sizeof text, "%lld", (long long)t); /* seconds, as a fallback */
    printf("%s: %s\n", name, text);
}

int child_exit_code(pid_t pid, int status, const char *child)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    int sig = WTERMSIG(status);
    fprintf(stderr, "%s: %s (pid %d) was killed%s: %s (SIG%s)\n", lab_name, child, (int)pid,
            sig == SIGPIPE ? " (its output was closed)" : "", strsignal(sig),
            sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    return 1;
}

void check_stdout(const char *lost)
{
    if (fflush(stdout) != EOF && !ferror(stdout))
        return;
    if (lost != NULL)
        die("write standard output (%s)", lost);
    die("write standard output");
}
