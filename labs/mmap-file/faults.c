/* faults.c - what mmap-pitfalls' experiments run into: see faults.h. */
#define _GNU_SOURCE /* strerrorname_np, sigabbrev_np */
#include "lab.h"
#include "faults.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

const char *errno_name(void)
{
    const char *name = strerrorname_np(errno);

    return name != NULL ? name : "unknown errno";
}

void let_a_fault_kill_this_child(void)
{
    struct rlimit no_core = { 0, 0 };

    if (setrlimit(RLIMIT_CORE, &no_core) == -1)
        die("setrlimit RLIMIT_CORE");
    if (signal(SIGBUS, SIG_DFL) == SIG_ERR || signal(SIGSEGV, SIG_DFL) == SIG_ERR)
        die("signal");
}

const char *signal_name(int sig)
{
    static char name[32];
    const char *abbrev = sigabbrev_np(sig);

    snprintf(name, sizeof name, "SIG%s", abbrev != NULL ? abbrev : "?");
    return name;
}
