/* lab.h - the small, boring helpers two or more labs share.
 *
 * The lesson's calls (msgget, msgsnd, shmat, mmap...) stay in the labs.  Here
 * is the plumbing around them: errors, options, checked output, lines of any
 * length, the owner of an object we open (lab.c, IPC_STAT), and removing what
 * the program owns when it is stopped or gives up (cleanup.c, IPC_RMID).
 * cleanup.c uses lab.c (die), never the other way round.
 */
#ifndef IPC_LABS_LAB_H
#define IPC_LABS_LAB_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/ipc.h>   /* key_t, struct ipc_perm */
#include <sys/types.h>
#include <time.h>

/* ---- start-up, usage and options (lab.c) ---- */

/* Call first in main: remembers the usage text, line-buffers stdout and
 * stderr, and at exit flushes and closes stdout, checked (a failed final
 * write exits 1 with one error line, never 0). */
void lab_init(const char *usage_text);

/* -h: the usage text on stdout, exit 0. */
_Noreturn void usage_help(void);

/* Bad usage: "PROG: WHY" (unless fmt is NULL) and the usage text on stderr,
 * exit 2.  Called before any IPC object is created or opened. */
_Noreturn void usage_bad(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A bad option from getopt with "+:" options: "PROG: unknown option -z" or
 * "PROG: option -k needs a value", then as usage_bad. */
_Noreturn void usage_bad_option(int getopt_result);

/* Objects are created owner-only unless -m says otherwise. */
#define DEFAULT_MODE 0600

/* -k KEY, -m MODE, -h, and -o when others_allowed is not NULL (see
 * check_queue_owner).  The key as key_from_option_env_or reads it.  Returns
 * the index in argv of the first argument. */
int parse_key_mode_options(int argc, char *argv[], key_t article_key,
                           key_t *key, int *mode, bool *others_allowed);

/* For the programs that meet a peer under a shared key and take no
 * arguments: parse_key_mode_options with -o, then an argument, or key 0
 * ("key 0 is IPC_PRIVATE: WHY_NOT_PRIVATE"), is bad usage. */
void parse_peer_options(int argc, char *argv[], key_t article_key,
                        const char *why_not_private, key_t *key, int *mode,
                        bool *others_allowed);

/* ---- errors (lab.c) ---- */

/* A failed call: "PROG: WHAT: strerror text (ENAME)" on stderr, exit 1.
 * WHAT names the call and the object: die("msgget key 0x%08x", key). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A failure without errno: "PROG: WHAT" on stderr, exit 1. */
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The handout's stub for a lesson region: "PROG: not written yet: WHAT". */
_Noreturn void todo(const char *what);

/* die() after a failed msgget/shmget on key, saying what to do on EEXIST
 * (ipcrm) and EACCES, and, on the article's key, "choose a key of your own
 * with -k KEY or IPC_LAB_KEY". */
_Noreturn void die_msgget(key_t key);
_Noreturn void die_shmget(key_t key);

/* die() after a failed msgsnd/msgrcv/msgctl (call) on queue msqid, with
 * "(the queue was removed)" for EIDRM, and for EINVAL when it is gone. */
_Noreturn void die_queue(const char *call, int msqid);

/* Before msgsnd of len bytes: more than the queue's msg_qbytes can never
 * fit (msgsnd would wait for ever): "... can never fit ...", EMSGSIZE. */
void check_message_fits(int msqid, size_t len);

/* After opening by key an object this program did not create (IPC_STAT):
 * another user's is refused (EPERM, exit 1) unless others_allowed (-o); one
 * that others may read or write gets a warning.  check_owner is the common
 * part, for a kind ("segment") whose get call ("shmget") a lab makes. */
void check_queue_owner(int msqid, key_t key, bool others_allowed);
void check_owner(const char *call, const char *kind, key_t key,
                 const struct ipc_perm *perm, bool others_allowed);

/* ---- parsing (lab.c); each returns false on junk, never guesses ---- */

/* The key: -k TEXT (NULL if not given), else $IPC_LAB_KEY, else the
 * article's.  Junk is bad usage (exit 2), naming where it came from. */
key_t key_from_option_env_or(const char *option_text, key_t article_key);

/* strtol base 0 (752364, 0x121212, 041375), 0 to 0xffffffff; no sign. */
bool parse_key(const char *text, key_t *key);

/* Octal digits only, 0 to 0777 ("0600", "666"). */
bool parse_mode(const char *text, int *mode);

/* Decimal in [min, max]; '-' only when min is negative; no blank or '+'. */
bool parse_long(const char *text, long min, long max, long *value);

/* ---- input and output (lab.c) ---- */

/* One line of any length from in, without its newline, into *line (grown as
 * needed; free it at the end).  Returns its length; -1 at end of input, or
 * with errno EINTR when a handler without SA_RESTART interrupted it. */
ssize_t read_line(FILE *in, char **line, size_t *capacity);

/* Prompts only when stdin and stdout are both terminals; after Ctrl-D at a
 * prompt, prompt_end_of_input ends its line. */
void prompt(const char *text);
void prompt_end_of_input(void);

/* How many bytes of text[0..len) go in the next message of at most capacity
 * (>= 2) bytes; one fewer when the next piece would begin with end_word
 * (may be NULL), so only a typed line can end the conversation. */
size_t next_piece_length(const char *text, size_t len, size_t capacity,
                         const char *end_word);

/* True when the message text begins with word (the articles' strncmp). */
bool starts_with(const char *text, size_t len, const char *word);

/* prefix, exactly len bytes of text (any bytes), a newline. */
void print_text_line(const char *prefix, const char *text, size_t len);

/* As the articles' receivers print a message with printf("%s"): the text up
 * to its first NUL, less one trailing newline. */
void print_message_line(const char *prefix, const char *text, size_t len);

/* After a result line, before taking more data: if stdout failed, exit 1
 * with "PROG: write standard output (LOST): ...", LOST saying what is gone
 * ("1 message taken off the queue was not printed"; NULL: no parenthesis). */
void check_stdout(const char *lost);

/* "NAME: VALUE" for a time of msqid_ds/shmid_ds: "YYYY-MM-DD HH:MM:SS",
 * "never" for 0, or the seconds. */
void print_time_line(const char *name, time_t t);

/* After waitpid: the child's exit status, or 1 and "PROG: CHILD (pid N) was
 * killed: Terminated (SIGTERM)" when a signal killed it. */
int child_exit_code(pid_t pid, int status, const char *child);

/* ---- removing what the program owns (cleanup.c) ---- */

enum cleanup_when {
    ON_SIGNAL     = 1, /* SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGQUIT */
    ON_ERROR      = 2, /* an exit with a failure status: die(), fail() */
    ON_CHILD_EXIT = 4, /* when the lab calls cleanup_now(ON_CHILD_EXIT) */
};

/* Block the stop signals until the object about to be created is
 * registered: none can slip in between msgget/shmget and cleanup_queue. */
void signals_hold(void);

/* Remove this queue (segment) as `when` says, in the registering process
 * only; releases the signals held.  A stop signal ignored at start stays
 * ignored.  The normal path is the lab's own IPC_RMID, then
 * cleanup_forget().  At most 4 objects. */
void cleanup_queue(int msqid, int when);
void cleanup_segment(int shmid, int when);
void cleanup_forget(void);

/* The same for one file, removed on a stop signal and at every exit while
 * registered.  Create it between signals_hold() and cleanup_file(path);
 * path must stay valid.  cleanup_file_forget: ours no more (renamed into
 * place), and the signals held around the rename are released. */
void cleanup_file(const char *path);
void cleanup_file_forget(void);

/* Remove now what is registered for `when`, and the file.
 * Async-signal-safe: for another signal's handler. */
void cleanup_now(int when);

#endif
