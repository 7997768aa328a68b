/* cleanup.c - a queue or a segment outlives the process that made it:
 * remove the program's objects, and its temporary file, when Ctrl-C, kill,
 * a closed terminal or pipe stops it (async-signal-safe handlers that then
 * re-raise the signal), or when it exits failing (on_exit: lab.c's die()
 * needs nothing from here; this file uses lab.c, not the other way round). */
#define _GNU_SOURCE /* on_exit */
#include "lab.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>

enum { MAX_OBJECTS = 4, KIND_QUEUE = 1, KIND_SEGMENT = 2 };

static struct { volatile sig_atomic_t kind, id, when; } owned[MAX_OBJECTS]; /* kind 0: free */
static const char *owned_file_path;      /* cleanup_file: one, the caller's */
static volatile sig_atomic_t owned_file_set;
static volatile sig_atomic_t owner_pid;  /* a forked child is not the owner */
/* SIGPIPE: `./chat-recv | head -1` must not leave the queue behind when
 * head goes away; SIGQUIT: Ctrl-\ is typed too. */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };
enum { N_STOP_SIGNALS = sizeof stop_signals / sizeof stop_signals[0] };

void cleanup_now(int when)
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
    if (owned_file_set) {
        owned_file_set = 0;
        (void)unlink(owned_file_path);
    }
}

static void on_stop_signal(int sig)
{
    cleanup_now(ON_SIGNAL);
    /* Die of the same signal: blocked in here, it is delivered with the
     * default action as soon as the handler returns. */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The file goes at every exit; the objects ON_ERROR at a failing one. */
static void remove_at_exit(int status, void *unused)
{
    (void)unused;
    cleanup_now(status != 0 ? ON_ERROR : 0);
}

static void change_stop_signals(int how)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < N_STOP_SIGNALS; i++)
        sigaddset(&set, stop_signals[i]);
    if (sigprocmask(how, &set, NULL) == -1)
        die("sigprocmask");
}

void signals_hold(void) { change_stop_signals(SIG_BLOCK); }

/* The first registration installs the handlers and the removal at exit.
 * A signal ignored at start stays ignored (nohup, trap '' HUP). */
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
    sigfillset(&sa.sa_mask); /* one removal at a time, nothing in between */
    for (int i = 0; i < N_STOP_SIGNALS; i++) {
        if (sigaction(stop_signals[i], NULL, &old) == -1)
            die("sigaction");
        if (old.sa_handler != SIG_IGN && sigaction(stop_signals[i], &sa, NULL) == -1)
            die("sigaction");
    }
}

static void add_owned(int kind, int id, int when)
{
    take_charge();
    for (int i = 0; i < MAX_OBJECTS; i++) {
        if (owned[i].kind == 0) {
            owned[i].id = id;
            owned[i].when = when;
            owned[i].kind = kind; /* last: the slot is complete when seen */
            change_stop_signals(SIG_UNBLOCK);
            return;
        }
    }
    errno = ENOSPC; /* a lab that owns more needs a bigger table: say so */
    die("cleanup: more than %d objects to remove", MAX_OBJECTS);
}

void cleanup_queue(int msqid, int when) { add_owned(KIND_QUEUE, msqid, when); }
void cleanup_segment(int shmid, int when) { add_owned(KIND_SEGMENT, shmid, when); }

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
    change_stop_signals(SIG_UNBLOCK);
}

void cleanup_file_forget(void)
{
    owned_file_set = 0;
    change_stop_signals(SIG_UNBLOCK);
}
