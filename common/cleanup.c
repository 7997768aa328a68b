/* cleanup.c - remove the program's System V objects, and its temporary
 * file, when it is stopped or gives up.
 *
 * A queue or a segment outlives the process that made it, so a program that
 * owns one removes it even when Ctrl-C, kill, a closed terminal or a closed
 * pipe stops it.  The handlers do only async-signal-safe work: read a small
 * fixed table, msgctl/shmctl(IPC_RMID), unlink; then the stop handler
 * re-raises the signal, so the shell still sees "killed by SIGTERM".  An
 * exit with a failure status (die, fail) removes what is ON_ERROR: on_exit,
 * so that lab.c's die() needs nothing from here.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
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

/* At exit: a failure status removes what is ON_ERROR; the file goes always. */
static void remove_at_exit(int status, void *unused)
{
    (void)unused;
    if (status != 0)
        remove_owned(ON_ERROR);
    remove_owned_file();
}

/* The first registration installs the handlers and the exit-time removal.
 * A signal ignored when the program started stays ignored: whoever ran us
 * with nohup, or from a shell with trap '' HUP, asked for that. */
static void take_charge(void)
{
    static bool installed;
    struct sigaction sa = { .sa_handler = on_stop_signal }, old;

    owner_pid = getpid();
    if (installed)
        return;
    installed = true;
    if (on_exit(remove_at_exit, NULL) != 0) {
        remove_at_exit(1, NULL);
        errno = ENOMEM; /* on_exit does not set errno */
        die("on_exit");
    }
    sa.sa_mask = stop_set(); /* one removal at a time */
    for (int i = 0; i < N_STOP_SIGNALS; i++) {
        if (sigaction(stop_signals[i], NULL, &old) == -1)
            die("sigaction");
        if (old.sa_handler != SIG_IGN && sigaction(stop_signals[i], &sa, NULL) == -1)
            die("sigaction");
    }
}

static void release_signals(void)
{
    sigset_t set = stop_set();

    if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
        die("sigprocmask");
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
    take_charge();
    struct owned_object *slot = free_slot();
    slot->id = id;
    slot->when = when;
    slot->kind = kind; /* last: the slot is complete when seen */
    release_signals();
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

void cleanup_file(const char *path)
{
    owned_file_path = path;
    owned_file_set = 1; /* last: the path is complete when seen */
    take_charge();
    release_signals();
}

void cleanup_file_forget(void)
{
    owned_file_set = 0;
    release_signals();
}

void cleanup_now(int when)
{
    remove_owned(when);
    remove_owned_file();
}
