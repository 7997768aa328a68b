/* cleanup.c - remove the program's System V objects when it is stopped.
 *
 * A message queue or a shared memory segment outlives the process that made
 * it (it is "kernel persistent"), so a program that owns one must remove it
 * even when Ctrl-C, kill, a closed terminal or a closed pipe stops it.  The
 * handlers below do only async-signal-safe work: they read a small fixed
 * table and make the msgctl/shmctl(IPC_RMID) system calls; the stop handler
 * then re-raises the signal so the parent shell still sees "killed by
 * SIGTERM".  (The other IPC calls of common/ are lab.c's IPC_STAT.)
 */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>

enum { MAX_OBJECTS = 4 };

struct owned_object {
    volatile sig_atomic_t kind; /* 0 = free slot */
    volatile sig_atomic_t id;
    volatile sig_atomic_t when;
};

enum { KIND_QUEUE = 1, KIND_SEGMENT = 2 };

static struct owned_object owned[MAX_OBJECTS];
static volatile sig_atomic_t owner_pid; /* a forked child is not the owner */
static volatile sig_atomic_t child_ended;
/* The contract's three; SIGPIPE: `./chat-recv | head -1` must not leave the
 * queue behind when head goes away; SIGQUIT: Ctrl-\ is typed too. */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };
enum { N_STOP_SIGNALS = sizeof stop_signals / sizeof stop_signals[0] };

static void remove_owned(int when)
{
    if (owner_pid != getpid())
        return;
    for (int i = 0; i < MAX_OBJECTS; i++) {
        if (owned[i].kind == 0 || !(owned[i].when & when))
            continue;
        /* Errors are ignored on purpose: the object may be gone already. */
        if (owned[i].kind == KIND_QUEUE)
            (void)msgctl(owned[i].id, IPC_RMID, NULL);
        else
            (void)shmctl(owned[i].id, IPC_RMID, NULL);
        owned[i].kind = 0;
    }
}

/* A file to remove (cleanup_file): one at a time, the caller's string. */
static const char *owned_file_path;
static volatile sig_atomic_t owned_file_set;

/* unlink is async-signal-safe: this runs in the stop handler and at exit. */
static void remove_owned_file(void)
{
    if (owned_file_set && owner_pid == getpid()) {
        owned_file_set = 0;
        (void)unlink(owned_file_path);
    }
}

static void on_stop_signal(int sig)
{
    remove_owned(ON_SIGNAL);
    remove_owned_file();
    /* Die of the same signal: it is blocked while we are in here, so it is
     * delivered, with the default action, as soon as the handler returns. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static sigset_t stop_set(void)
{
    sigset_t set;

    sigemptyset(&set);
    for (int i = 0; i < N_STOP_SIGNALS; i++)
        sigaddset(&set, stop_signals[i]);
    return set;
}

void signals_hold(void)
{
    sigset_t set = stop_set();

    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        die("sigprocmask");
}

/* A signal ignored when the program started stays ignored: whoever ran us
 * with nohup, or from a shell with trap '' HUP, asked for that.  So the
 * dispositions are read once, before our first handler replaces any. */
static void install_handlers(void)
{
    static bool installed;
    struct sigaction sa = { .sa_handler = on_stop_signal }, old;

    if (installed)
        return;
    sa.sa_mask = stop_set(); /* one removal at a time */
    for (int i = 0; i < N_STOP_SIGNALS; i++) {
        if (sigaction(stop_signals[i], NULL, &old) == -1)
            die("sigaction");
        if (old.sa_handler == SIG_IGN)
            continue;
        if (sigaction(stop_signals[i], &sa, NULL) == -1)
            die("sigaction");
    }
    installed = true;
}

static struct owned_object *free_slot(void)
{
    for (int i = 0; i < MAX_OBJECTS; i++)
        if (owned[i].kind == 0)
            return &owned[i];
    /* A lab that owns more objects needs a bigger table: say so. */
    errno = ENOSPC;
    die("cleanup: more than %d objects to remove", MAX_OBJECTS);
}

static void add_owned(int kind, int id, int when)
{
    sigset_t set = stop_set();

    install_handlers();
    owner_pid = getpid();
    struct owned_object *slot = free_slot();
    slot->id = id;
    slot->when = when;
    slot->kind = kind; /* last: the slot is complete when seen */
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
        die("sigprocmask");
}

void cleanup_queue(int msqid, int when)
{
    add_owned(KIND_QUEUE, msqid, when);
}

void cleanup_segment(int shmid, int when)
{
    add_owned(KIND_SEGMENT, shmid, when);
}

void cleanup_forget(void)
{
    for (int i = 0; i < MAX_OBJECTS; i++)
        owned[i].kind = 0;
}

/* Called by die(). */
void cleanup_after_error(void)
{
    remove_owned(ON_ERROR);
}

/* exit() runs the atexit functions, and die() ends with exit(1): so every
 * error, and every other exit, removes the file while it is registered. */
void cleanup_file(const char *path)
{
    static bool removed_at_exit;
    sigset_t set = stop_set();

    owner_pid = getpid();
    owned_file_path = path;
    owned_file_set = 1; /* last: the path is complete when seen */
    if (!removed_at_exit) {
        if (atexit(remove_owned_file) != 0) {
            remove_owned_file();
            errno = ENOMEM; /* atexit does not set errno */
            die("atexit");
        }
        removed_at_exit = true;
    }
    install_handlers();
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
        die("sigprocmask");
}

void cleanup_file_forget(void)
{
    sigset_t set = stop_set();

    owned_file_set = 0;
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
        die("sigprocmask");
}

void cleanup_file_remove(void)
{
    remove_owned_file();
}

/* SIGCHLD: the child has ended.  Removing the objects here, in the handler,
 * leaves no window: a msgsnd that blocks just after the child died still
 * fails, because the queue is already gone (a flag checked before msgsnd
 * could be set just after the check, and the send would wait forever). */
static void on_child_exit(int sig)
{
    int saved = errno;

    (void)sig;
    child_ended = 1;
    remove_owned(ON_CHILD_EXIT);
    /* A read of stdin interrupted now returns EINTR; one about to start
     * would wait for input that nobody needs any more.  With /dev/null on
     * fd 0 it finds the end of input at once (open and dup2 are
     * async-signal-safe). */
    int null = open("/dev/null", O_RDONLY);
    if (null != -1) {
        (void)dup2(null, STDIN_FILENO);
        (void)close(null);
    }
    errno = saved;
}

void watch_child_exit(void)
{
    /* No SA_RESTART: a blocked read or msgsnd returns EINTR.  SA_NOCLDSTOP:
     * a child stopped with Ctrl-Z or SIGSTOP has not ended. */
    struct sigaction sa = { .sa_handler = on_child_exit, .sa_flags = SA_NOCLDSTOP };

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction SIGCHLD");
}

bool child_has_ended(void)
{
    return child_ended;
}
