/* lab.h - the small, boring helpers every ipc-labs program shares.
 *
 * The lesson's calls (msgget, msgsnd, shmat, mmap...) stay in the labs, where
 * a student reads them.  What lives here is the plumbing a careful program
 * needs around them: error messages, option parsing, checked output, reading
 * lines of any length, checking who owns an object we open, and removing
 * what the program owns when a signal stops it.  Those two make IPC calls of
 * their own: check_queue_owner/check_segment_owner call msgctl/shmctl
 * (IPC_STAT), and cleanup.c calls msgctl/shmctl(IPC_RMID) from a signal
 * handler (see its comment).
 */
#ifndef IPC_LABS_LAB_H
#define IPC_LABS_LAB_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/ipc.h>   /* key_t */
#include <sys/types.h>
#include <time.h>

/* ---- start-up and usage (lab.c) ---- */

/* Call first in main: remembers the usage text for -h and bad usage,
 * line-buffers stdout so each result line is written as it happens (even into
 * a pipe, and none is lost when a grader kills the program), and arranges
 * that at exit stdout is flushed and closed, checked: a failed final write
 * exits 1 with one error line, never 0. */
void lab_init(const char *usage_text);

/* -h: print the usage text to stdout and exit 0. */
_Noreturn void usage_help(void);

/* Bad usage: "PROG: WHY" (when fmt is not NULL) and the usage text on
 * stderr, exit 2.  Called before any IPC object is created or opened. */
_Noreturn void usage_bad(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* What getopt returned for a bad option, with "+:" at the start of the
 * option string (stop at the first argument; report a missing value as ':'):
 * "PROG: unknown option -z" or "PROG: option -k needs a value", then as
 * usage_bad. */
_Noreturn void usage_bad_option(int getopt_result);

/* Objects are created owner-only unless -m says otherwise. */
#define DEFAULT_MODE 0600

/* For the programs whose only option is -h: parses it (bad usage exits 2)
 * and returns the index in argv of the first argument. */
int parse_help_option(int argc, char *argv[]);

/* For the programs whose options are just -k KEY, -m MODE and -h: parses
 * them (bad usage exits 2), resolves the key as key_from_option_env_or does,
 * and returns the index in argv of the first argument after the options. */
int parse_key_mode_options(int argc, char *argv[], key_t article_key,
                           key_t *key, int *mode);

/* The same, with -o for the programs that open an object another program may
 * have created: *others_allowed says whether -o was given (see
 * check_queue_owner). */
int parse_key_mode_owner_options(int argc, char *argv[], key_t article_key,
                                 key_t *key, int *mode, bool *others_allowed);

/* For the programs that meet a peer under a shared key and take no
 * arguments (chat-send and chat-recv, shm-producer and shm-consumer):
 * parse_key_mode_owner_options, then an argument or key 0 (IPC_PRIVATE) is
 * bad usage, "key 0 is IPC_PRIVATE: WHY_NOT_PRIVATE". */
void parse_peer_options(int argc, char *argv[], key_t article_key,
                        const char *why_not_private, key_t *key, int *mode,
                        bool *others_allowed);

/* ---- errors (lab.c) ---- */

/* A failed call: "PROG: WHAT: strerror text (ENAME)" on stderr, exit 1.
 * WHAT names the call and the object, e.g. die("msgget key 0x%08x", key). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* die() after a failed msgget/shmget on key, with what to do in WHAT:
 *   EEXIST  "msgget key 0x... (in use, or left by a killed run? remove it
 *           with: ipcrm -Q 0x...)" (ipcrm -M for a segment);
 *   EACCES  "(owned by another user? ...)";
 * and when the key is the article's default (no -k, no IPC_LAB_KEY), both
 * add "choose a key of your own with -k KEY or IPC_LAB_KEY": on a shared lab
 * machine another student may hold the article's key.  Other errors are
 * plain die("msgget key 0x..."). */
_Noreturn void die_msgget(key_t key);
_Noreturn void die_shmget(key_t key);

/* die_shmget after a shmget(IPC_CREAT | IPC_EXCL) of size bytes: EINVAL,
 * there, is a size over the kernel's limit, and a bare "Invalid argument"
 * would not say which:
 *   "shmget key 0x..., N bytes (more than kernel.shmmax, the largest segment
 *   allowed: M bytes, see /proc/sys/kernel/shmmax)". */
_Noreturn void die_shmget_size(key_t key, size_t size);

/* die() after a failed msgsnd/msgrcv/msgctl (call) on queue msqid: EIDRM
 * (removed while we waited) and EINVAL (removed before the call) both say
 * "CALL queue N (the queue was removed)"; other errors "CALL queue N". */
_Noreturn void die_queue(const char *call, int msqid);

/* Before msgsnd of len bytes: a message larger than the queue's msg_qbytes
 * (kernel.msgmnb by default) can never go in, and msgsnd would wait for
 * room for ever; this says so instead ("... can never fit ...", EMSGSIZE,
 * exit 1).  The limit is read once per queue with IPC_STAT. */
void check_message_fits(int msqid, size_t len);

/* The student's handout (make handout) replaces each lesson region of the
 * reference code by a call to this: "PROG: not written yet: WHAT", exit 1. */
_Noreturn void todo(const char *what);

/* ---- objects other programs made (lab.c) ---- */

/* After opening by key a queue (segment) that this program did not create:
 * IPC_STAT tells who owns it.  Another user's object is refused, as
 * "msgget key 0x... (the queue belongs to uid N, not to you: ...)", EPERM,
 * exit 1, unless others_allowed (-o): on a shared machine anyone can create
 * an object under the key you meant to use, and read or feed what you send
 * (key squatting); "ours" means we own it and created it (a creator keeps
 * its rights after IPC_SET gives the object away).  An object that others
 * (group or any user) can read or write gets a warning line on stderr,
 * whoever owns it. */
void check_queue_owner(int msqid, key_t key, bool others_allowed);
void check_segment_owner(int shmid, key_t key, bool others_allowed);

/* ---- parsing (lab.c); each returns false on junk, never guesses ---- */

/* The System V key: -k TEXT when given (pass NULL if not), else the
 * environment variable IPC_LAB_KEY, else the article's key.  Numbers are read
 * with strtol base 0 (752364, 0x121212, 041375); no sign, no blank.  Junk in
 * either place is bad usage and exits 2 with a message naming where it came
 * from. */
key_t key_from_option_env_or(const char *option_text, key_t article_key);

/* A key as key_from_option_env_or reads it: strtol base 0, 0 to 0xffffffff. */
bool parse_key(const char *text, key_t *key);

/* A permission mode: octal digits only, 0 to 0777 ("0600", "666"). */
bool parse_mode(const char *text, int *mode);

/* A decimal integer in [min, max]: digits only, with a leading '-' accepted
 * only when min is negative.  No blank, no '+', no trailing junk. */
bool parse_long(const char *text, long min, long max, long *value);

/* ---- input and output (lab.c) ---- */

/* Read one line of any length from in, without its newline, into *line
 * (grown as needed, free it at the end).  Returns its length, or -1 at end of
 * input, or -1 with errno EINTR when a signal handler installed without
 * SA_RESTART interrupted the read (see watch_child_exit).  A read error is
 * reported with die(). */
ssize_t read_line(FILE *in, char **line, size_t *capacity);

/* Prompts are for a person: printed (and flushed) only when stdin and stdout
 * are both terminals, so results sent to a file or a pipe never mix with
 * them.  prompt_end_of_input() ends the prompt's line when input ends at a
 * prompt (Ctrl-D), so the shell's next prompt starts on a line of its own. */
void prompt(const char *text);
void prompt_end_of_input(void);

/* How many bytes of text[0..len) to put in the next message of at most
 * capacity bytes.  A text longer than one message goes out as several; the
 * cut is moved one byte earlier when the following piece would begin with
 * end_word (may be NULL), so that only a line the user typed can end the
 * conversation.  capacity must be at least 2. */
size_t next_piece_length(const char *text, size_t len, size_t capacity,
                         const char *end_word);

/* True when the message text begins with word (the articles' strncmp). */
bool starts_with(const char *text, size_t len, const char *word);

/* Print prefix, then exactly len bytes of text (which need not end in NUL
 * and may hold any byte), then a newline. */
void print_text_line(const char *prefix, const char *text, size_t len);

/* How a receiver prints a message of len bytes: print_text_line of the text
 * up to its first NUL byte (all of it when there is none), less one trailing
 * newline.  So the articles' senders, which send a NUL and then stale bytes
 * (article 003's msg2.c sends all 512), print as their own receivers'
 * printf("%s") shows them, and ours print the same without a NUL. */
void print_message_line(const char *prefix, const char *text, size_t len);

/* Call after printing a result line, before taking more data off a queue or
 * segment: if stdout could not take it (a full disk, a closed pipe with
 * SIGPIPE ignored), stop at once with
 *     "PROG: write standard output (LOST): strerror text (ENAME)", exit 1,
 * LOST saying what was in hand and is now gone ("1 message taken off the
 * queue was not printed"), or without the parenthesis when lost is NULL. */
void check_stdout(const char *lost);

/* "NAME: VALUE" with VALUE a time of struct msqid_ds or shmid_ds: local
 * "YYYY-MM-DD HH:MM:SS", "never" for 0, or the seconds when it cannot be
 * converted. */
void print_time_line(const char *name, time_t t);

/* ---- a forked child (lab.c) ---- */

/* The exit status a parent passes on after waitpid(pid, &status): the
 * child's own when it exited (it has said why, if it failed); 1 when a
 * signal killed it, which it could not report, so this says it:
 * "PROG: CHILD (pid N) was killed: Terminated (SIGTERM)", with "(its output
 * was closed)" before the colon for SIGPIPE.  child: "the child", or what
 * it does ("the child printing the messages"). */
int child_exit_code(pid_t pid, int status, const char *child);

/* ---- removing what the program owns (cleanup.c) ---- */

/* When a registered object is removed by the cleanup code. */
enum cleanup_when {
    ON_SIGNAL     = 1, /* SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGQUIT stopped it */
    ON_ERROR      = 2, /* the program gave up through die() */
    ON_CHILD_EXIT = 4, /* the child forked after watch_child_exit() ended */
};

/* Block the stop signals until the object about to be created is
 * registered, so that no signal can slip in between msgget/shmget and
 * cleanup_queue/cleanup_segment and leave the object behind. */
void signals_hold(void);

/* Remove this queue (segment) when the program is stopped as `when` says.
 * Only the registering process removes it: a forked child inherits the list
 * but never acts on it.  Installs the signal handlers and releases the
 * signals held by signals_hold().  A stop signal that was ignored when the
 * program started (nohup, a shell's trap '' HUP) stays ignored.  The normal
 * path is the lab's own msgctl/shmctl(IPC_RMID) in main, followed by
 * cleanup_forget().  More than 4 objects is a bug, reported with die(). */
void cleanup_queue(int msqid, int when);
void cleanup_segment(int shmid, int when);

/* The program removed its objects itself: forget them all. */
void cleanup_forget(void);

/* For die(): remove what was registered with ON_ERROR. */
void cleanup_after_error(void);

/* The same for one file (a temporary file, say), removed with unlink: on a
 * stop signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGQUIT; one ignored when
 * the program started stays ignored), and at every exit, die() included,
 * while it is registered.  Create the file between signals_hold() and
 * cleanup_file(path), which releases the signals; path must stay valid.
 * Only the registering process removes it.  A second call replaces the
 * first file (it is then no longer removed). */
void cleanup_file(const char *path);

/* The file is ours no more (renamed into place, say): forget it, and release
 * the signals held by signals_hold() around the rename. */
void cleanup_file_forget(void);

/* Remove the registered file now.  Async-signal-safe: for the handler of
 * another signal (mmap-copy's SIGBUS, when it is a bug). */
void cleanup_file_remove(void);

/* Call before fork() in a parent that feeds its child: installs a SIGCHLD
 * handler (SA_NOCLDSTOP, no SA_RESTART) that notes the child's end, removes
 * at once what was registered ON_CHILD_EXIT, and puts /dev/null on stdin.
 * Whenever the child dies, a msgsnd waiting on the full queue then fails
 * (EINTR, or EINVAL for the removed queue) instead of waiting forever, and
 * a read of stdin returns EINTR or the end of input, even one that was
 * just about to start. */
void watch_child_exit(void);

/* True once the watched child has ended (exited or killed). */
bool child_has_ended(void);

#endif
