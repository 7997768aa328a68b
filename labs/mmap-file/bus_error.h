/* bus_error.h - one line, not a silent death, when a mapped file shrinks.
 *
 * A mapping does not shrink with its file.  If another process truncates
 * the file while mmap-read or mmap-write has it mapped, touching a page past
 * the new end raises SIGBUS, whose default action kills the program with no
 * word (status 135 in the shell).  catch_bus_error installs a handler that
 * says so instead, in the suite's format, and exits 1:
 *     mmap-read: read FILE: SIGBUS, the file shrank while mapped: No data available (ENODATA)
 * or, when the file is still long enough (a page that could not be read or
 * written: a disk error), "...: SIGBUS: Input/output error (EIO)".
 * The lines are written beforehand: a handler may only call
 * async-signal-safe functions (fstat, write, _exit), not printf.
 * mmap-copy, which goes on to remove its temporary file, jumps out of its
 * memcpy instead (sigsetjmp); mmap-fork's parent reports its child's
 * SIGBUS through waitpid.
 */
#ifndef BUS_ERROR_H
#define BUS_ERROR_H

#include "lab.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int bus_error_fd;
static off_t bus_error_size;          /* the bytes mapped */
static char bus_error_shrank[512], bus_error_io[512];
static int bus_error_shrank_len, bus_error_io_len;

static void on_bus_error(int sig)
{
    struct stat st;
    bool shrank = fstat(bus_error_fd, &st) == 0 && st.st_size < bus_error_size;

    (void)sig;
    if (shrank)
        (void)!write(STDERR_FILENO, bus_error_shrank, (size_t)bus_error_shrank_len);
    else
        (void)!write(STDERR_FILENO, bus_error_io, (size_t)bus_error_io_len);
    _exit(1);
}

static int bus_error_line(char *line, size_t room, const char *what, const char *path,
                          const char *why, int err)
{
    int len = snprintf(line, room, "%s: %s %s: SIGBUS%s: %s (%s)\n",
                       program_invocation_short_name, what, path, why,
                       strerror(err), strerrorname_np(err));
    if (len < 0)
        die("snprintf");
    if ((size_t)len >= room) { /* a very long path: end the cut line */
        len = (int)room - 1;
        line[len - 1] = '\n';
    }
    return len;
}

/* After mapping size bytes of the open file path: a SIGBUS from here on is
 * one line, "PROG: WHAT PATH: SIGBUS...", and exit 1.  WHAT is what the
 * program does with the mapping ("read", "write").
 * Test hook, for tests/mmap-file.bats only: with MMAP_FILE_TEST_STOP=1 set,
 * the program stops itself (SIGSTOP) here, so that a test can truncate the
 * file and then let it go on with SIGCONT.  Without it, a race. */
static void catch_bus_error(int fd, const char *path, size_t size, const char *what)
{
    struct sigaction sa = { .sa_handler = on_bus_error };

    bus_error_fd = fd;
    bus_error_size = (off_t)size;
    bus_error_shrank_len = bus_error_line(bus_error_shrank, sizeof bus_error_shrank, what,
                                          path, ", the file shrank while mapped", ENODATA);
    bus_error_io_len = bus_error_line(bus_error_io, sizeof bus_error_io, what, path, "", EIO);
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) == -1)
        die("sigaction SIGBUS");

    const char *stop = getenv("MMAP_FILE_TEST_STOP");
    if (stop != NULL && strcmp(stop, "1") == 0)
        raise(SIGSTOP);
}

#endif
