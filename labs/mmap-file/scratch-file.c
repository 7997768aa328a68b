/* scratch-file.c - mmap-pitfalls' scratch files: see scratch-file.h. */
#define _GNU_SOURCE
#include "lab.h"
#include "scratch-file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int scratch_file(off_t size, int open_flags)
{
    const char *dir = getenv("TMPDIR");
    char path[PATH_MAX];
    sigset_t stop_signals, old_mask;

    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    if (snprintf(path, sizeof path, "%s/mmap-pitfalls.XXXXXX", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        die("scratch file in %s", dir);
    }
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    sigaddset(&stop_signals, SIGQUIT);
    if (sigprocmask(SIG_BLOCK, &stop_signals, &old_mask) == -1)
        die("sigprocmask");

    int made = mkstemp(path); /* O_RDWR | O_CREAT | O_EXCL, mode 0600 */
    if (made == -1)
        die("mkstemp %s/mmap-pitfalls.XXXXXX", dir);
    int fd = open(path, open_flags);
    int open_errno = errno;
    if (unlink(path) == -1)
        die("unlink %s", path);
    if (sigprocmask(SIG_SETMASK, &old_mask, NULL) == -1)
        die("sigprocmask");

    errno = open_errno;
    if (fd == -1)
        die("open %s", path);
    if (ftruncate(made, size) == -1)
        die("ftruncate %s to %jd bytes", path, (intmax_t)size);
    if (close(made) == -1)
        die("close %s", path);
    return fd;
}
