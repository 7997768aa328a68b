/* lab.h - the plumbing two or more labs share around the lesson's calls:
 * lab.c (errors, options, parsing, output, owner checks with IPC_STAT) and
 * cleanup.c (IPC_RMID when stopped or failing; it uses lab.c, not back). */
#ifndef IPC_LABS_LAB_H
#define IPC_LABS_LAB_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/ipc.h> /* key_t, struct ipc_perm */
#include <sys/types.h>
#include <time.h>

#define DEFAULT_MODE 0600 /* objects are owner-only unless -m says otherwise */

/* First in main: keeps the usage text, line-buffers stdout and stderr, and
 * checks the final flush and close of stdout (a failure exits 1, not 0). */
void lab_init(const char *usage_text);

/* -h: usage on stdout, exit 0.  Bad usage, before any IPC object exists:
 * "PROG: WHY" and usage on stderr, exit 2; getopt's ':' or
 * '?' ("+:" options): "option -k needs a value", "unknown option -z". */
_Noreturn void usage_help(void);
_Noreturn void usage_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void usage_bad_option(int getopt_result);

/* -k KEY, -m MODE, -h, and -o when others_allowed is not NULL; returns the
 * first argument's index.  parse_peer_options (programs meeting a peer by key)
 * also refuses an argument, and key 0 ("key 0 is IPC_PRIVATE: WHY_NOT_PRIVATE"). */
int parse_key_mode_options(int argc, char *argv[], key_t article_key,
                           key_t *key, int *mode, bool *others_allowed);
void parse_peer_options(int argc, char *argv[], key_t article_key,
                        const char *why_not_private, key_t *key, int *mode,
                        bool *others_allowed);

/* Exit 1 with one line on stderr: die "PROG: WHAT: strerror (ENAME)", WHAT
 * naming the call and object (die("msgget key 0x%08x", key)); fail "PROG: WHAT"
 * (no errno); todo, the handout's stub of a lesson: "PROG: not written yet: WHAT". */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void todo(const char *what);

/* die() after a failed msgget/shmget, saying what to do on EEXIST (ipcrm)
 * and EACCES, and on the article's key "choose a key of your own".  die_queue
 * after a failed msgsnd/msgrcv/msgctl (call): "(the queue was removed)" on
 * EIDRM, or EINVAL when it is gone. */
_Noreturn void die_msgget(key_t key);
_Noreturn void die_shmget(key_t key);
_Noreturn void die_queue(const char *call, int msqid);

/* Before msgsnd: len over the queue's msg_qbytes can never fit (msgsnd would
 * wait for ever): "... can never fit ...", EMSGSIZE, exit 1. */
void check_message_fits(int msqid, size_t len);

/* An object opened by key that we did not create: another user's is refused
 * (EPERM) unless others_allowed (-o); one others may use gets a warning.
 * check_owner, for a lab's own IPC_STAT: call "shmget", kind "segment". */
void check_queue_owner(int msqid, key_t key, bool others_allowed);
void check_owner(const char *call, const char *kind, key_t key,
                 const struct ipc_perm *perm, bool others_allowed);

/* The key: -k TEXT (NULL if none), else $IPC_LAB_KEY, else the article's;
 * junk is bad usage.  The parsers return false on junk, never guess: a key
 * (strtol base 0, 0 to 0xffffffff), a mode (octal, at most 0777), a decimal
 * in [min, max] ('-' only when min < 0; no blank, no '+'). */
key_t key_from_option_env_or(const char *option_text, key_t article_key);
bool parse_key(const char *text, key_t *key);
bool parse_mode(const char *text, int *mode);
int mode_option(const char *text); /* -m TEXT: parse_mode, or bad usage */
bool parse_long(const char *text, long min, long max, long *value);

/* A line of any length, without its newline, into *line (free it at the
 * end); its length, or -1 at the end of input or with errno EINTR (a handler
 * without SA_RESTART).  Prompts only when stdin and stdout are terminals. */
ssize_t read_line(FILE *in, char **line, size_t *capacity);
void prompt(const char *text);
void prompt_end_of_input(void);

/* Bytes of text[0..len) for the next message of capacity (>= 2) bytes, one
 * fewer when the next piece would begin with end_word (may be NULL): only a
 * typed line ends the conversation.  starts_with: the articles' strncmp. */
size_t next_piece_length(const char *text, size_t len, size_t capacity,
                         const char *end_word);
bool starts_with(const char *text, size_t len, const char *word);

/* prefix, len bytes of text, newline; a message as printf("%s") shows it
 * (up to a NUL, less one trailing newline); "NAME: YYYY-MM-DD HH:MM:SS" or
 * "never" for an IPC time.  check_stdout after a result line: if stdout
 * failed, exit 1, "write standard output (LOST)" saying what is gone. */
void print_text_line(const char *prefix, const char *text, size_t len);
void print_message_line(const char *prefix, const char *text, size_t len);
void print_time_line(const char *name, time_t t);
void check_stdout(const char *lost);

/* After waitpid: its status, or 1, "PROG: CHILD (pid N) was killed: ...". */
int child_exit_code(pid_t pid, int status, const char *child);

/* cleanup.c.  signals_hold() before msgget/shmget/mkstemp, released by the
 * registration.  Removed as `when` says, by the registering process only.
 * Normally: the lab's own IPC_RMID, then cleanup_forget.  4 objects at most. */
enum cleanup_when {
    ON_SIGNAL     = 1, /* SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGQUIT */
    ON_ERROR      = 2, /* an exit with a failure status: die(), fail() */
    ON_CHILD_EXIT = 4, /* when the lab calls cleanup_now(ON_CHILD_EXIT) */
};
void signals_hold(void);
void cleanup_queue(int msqid, int when);
void cleanup_segment(int shmid, int when);
void cleanup_forget(void);

/* One file (path stays valid), removed on a stop signal and at every exit
 * until cleanup_file_forget (renamed into place: ours no more). */
void cleanup_file(const char *path);
void cleanup_file_forget(void);

/* Remove now what is registered for `when`, and the file (async-signal-safe). */
void cleanup_now(int when);

#endif
