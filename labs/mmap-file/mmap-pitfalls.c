/* mmap-pitfalls - article 002's questions about mmap, asked of the kernel.
 *
 * Section 5.1.5 of the article answers six questions from memory: what if
 * ptr++ is passed to munmap, what if the file was opened O_RDONLY, an offset
 * of 1000, a length of 0, PROT_WRITE alone, a new empty file, closing the
 * descriptor after mmap.  Here each one is an experiment on a scratch file,
 * and each prints one line
 *
 *     QUESTION: RESULT
 *
 * RESULT being `ok` (the call worked, or the mapping could be used), the
 * name of the errno the call failed with (EINVAL, EACCES...), or the signal
 * that using the mapping raised (SIGBUS), caught in a child process that is
 * allowed to die of it.  Nothing is written in advance: a different kernel
 * or machine may answer differently, and then this program says so.
 *
 *     make && ./mmap-pitfalls
 *     TMPDIR=/dev/shm ./mmap-pitfalls   # the scratch files on tmpfs
 */
#define _GNU_SOURCE /* strerrorname_np, sigabbrev_np */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: mmap-pitfalls [-h]\n"
    "  Runs each question of article 002's section 5.1.5 as an experiment on\n"
    "  scratch files in $TMPDIR (default /tmp), removed as soon as they are\n"
    "  made, and prints 'QUESTION: RESULT', RESULT being 'ok', the errno name\n"
    "  the call failed with, or the signal that using the mapping raised.\n"
    "  -h  this help\n";

static size_t page; /* the page size: the unit of offsets and mappings */

/* ---- the results ---- */

/* The name of errno, after a failed call: "EINVAL". */
static const char *errno_name(void)
{
    const char *name = strerrorname_np(errno);

    return name != NULL ? name : "unknown errno";
}

/* What mmap returned: "ok" (the mapping is removed again) or the errno. */
static const char *mmap_result(void *ptr, size_t length)
{
    if (ptr == MAP_FAILED)
        return errno_name();
    if (munmap(ptr, length) == -1)
        die("munmap");
    return "ok";
}

/* Use the mapping at ptr: read a byte, then write one.  It is done
 * in a child, so that a fault kills the child and not us; the child's fate
 * is the result: "ok", or the signal's name ("SIGBUS"). */
static const char *touch_result(volatile char *ptr)
{
    /* lesson: fork a child that reads and writes *ptr; its fate is the result */
    static char result[32];
    int status;

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        /* The signal we expect would dump core ("core" in the current
         * directory, on many systems): not a file we want to leave. */
        struct rlimit no_core = { 0, 0 };
        if (setrlimit(RLIMIT_CORE, &no_core) == -1)
            die("setrlimit RLIMIT_CORE");
        /* The default action, whatever handler we may have inherited (a
         * sanitizer's, say): the fault must kill the child, visibly. */
        if (signal(SIGBUS, SIG_DFL) == SIG_ERR || signal(SIGSEGV, SIG_DFL) == SIG_ERR)
            die("signal");
        ptr[0] = (char)(ptr[0] + 1); /* a read, then a write */
        _exit(0);
    }
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %d", (int)pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        exit(1); /* setrlimit or signal failed: the child has said so */
    if (WIFEXITED(status))
        return "ok";
    const char *abbrev = sigabbrev_np(WTERMSIG(status));
    snprintf(result, sizeof result, "SIG%s", abbrev != NULL ? abbrev : "?");
    return result;
    /* end of lesson */
}

static void print_answer(const char *question, const char *result)
{
    printf("%s: %s\n", question, result);
    check_stdout(NULL);
}

/* ---- the scratch files ---- */

/* A new file of `size` zero bytes in $TMPDIR (or /tmp), opened with
 * open_flags (O_RDONLY, O_WRONLY or O_RDWR).  Its name is removed before
 * this returns: the file lives only as long as the descriptor and the
 * mappings that use it, so nothing is left behind.  The stop signals wait
 * while the name exists, so Ctrl-C cannot leave it either. */
static int scratch_file(off_t size, int open_flags)
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

/* mmap `length` bytes at `offset` of a new file of `file_size` bytes opened
 * with open_flags: "ok" or the errno. */
static const char *try_mmap(off_t file_size, int open_flags,
                            size_t length, int prot, int flags, off_t offset)
{
    /* lesson: mmap the scratch file as asked; mmap_result */
    int fd = scratch_file(file_size, open_flags);
    const char *result = mmap_result(mmap(NULL, length, prot, flags, fd, offset), length);

    if (close(fd) == -1)
        die("close");
    return result;
    /* end of lesson */
}

/* ---- the experiments that need more than one call ---- */

/* Question 1: ptr++, then munmap(ptr, len).  munmap wants a page-aligned
 * address; the article's answer is to keep the pointer mmap returned. */
static const char *munmap_moved_pointer(void)
{
    /* lesson: map a page, munmap(ptr + 1), keep its result, munmap the saved ptr */
    int fd = scratch_file((off_t)page, O_RDWR);
    char *ptr = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED)
        die("mmap a scratch file");
    if (close(fd) == -1)
        die("close");

    char *moved = ptr + 1; /* the article's ptr++ */
    const char *result = munmap(moved, page) == -1 ? errno_name() : "ok";
    if (munmap(ptr, page) == -1) /* the saved address: always right */
        die("munmap");
    return result;
    /* end of lesson */
}

/* Map `length` bytes of a new file of `file_size` bytes, read-write, shared,
 * and use the byte at `at`.  With close_first, the descriptor is closed
 * before the mapping is used. */
static const char *touch_file(off_t file_size, size_t length, size_t at,
                              int prot, bool close_first)
{
    /* lesson: map the scratch file, close first if asked, touch_result, clean up */
    int fd = scratch_file(file_size, O_RDWR);
    char *ptr = mmap(NULL, length, prot, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED) {
        const char *result = errno_name();
        if (close(fd) == -1)
            die("close");
        return result;
    }
    if (close_first && close(fd) == -1)
        die("close");

    const char *result = touch_result(ptr + at);

    if (munmap(ptr, length) == -1)
        die("munmap");
    if (!close_first && close(fd) == -1)
        die("close");
    return result;
    /* end of lesson */
}

int main(int argc, char *argv[])
{
    const int rw = PROT_READ | PROT_WRITE;
    char question[100];

    lab_init(usage_text);
    int first_arg = parse_help_option(argc, argv);
    if (first_arg < argc)
        usage_bad("unexpected argument '%s'", argv[first_arg]);
    long page_size = sysconf(_SC_PAGESIZE);
    if (page_size == -1)
        die("sysconf _SC_PAGESIZE");
    page = (size_t)page_size;
    const off_t one_page = (off_t)page;

    /* 1. ptr++ before munmap. */
    print_answer("munmap(ptr + 1, len)", munmap_moved_pointer());

    /* 2. O_RDONLY, with PROT_READ|PROT_WRITE.  MAP_SHARED would write to a
     * file we may not write; MAP_PRIVATE never writes to the file. */
    print_answer("mmap PROT_READ|PROT_WRITE, MAP_SHARED, O_RDONLY fd",
                 try_mmap(one_page, O_RDONLY, page, rw, MAP_SHARED, 0));
    print_answer("mmap PROT_READ|PROT_WRITE, MAP_PRIVATE, O_RDONLY fd",
                 try_mmap(one_page, O_RDONLY, page, rw, MAP_PRIVATE, 0));

    /* 3. An offset of 1000; and one of a page, for comparison. */
    print_answer("mmap offset 1000",
                 try_mmap(2 * one_page, O_RDWR, page, rw, MAP_SHARED, 1000));
    snprintf(question, sizeof question, "mmap offset %zu (the page size)", page);
    print_answer(question, try_mmap(2 * one_page, O_RDWR, page, rw, MAP_SHARED, one_page));

    /* 4. When does mmap fail?  A length of 0; PROT_WRITE alone; a file
     * opened O_WRONLY. */
    print_answer("mmap length 0", try_mmap(one_page, O_RDWR, 0, rw, MAP_SHARED, 0));
    print_answer("mmap PROT_WRITE alone, MAP_SHARED, O_RDWR fd",
                 try_mmap(one_page, O_RDWR, page, PROT_WRITE, MAP_SHARED, 0));
    print_answer("mapping with PROT_WRITE alone, read and written",
                 touch_file(one_page, page, 0, PROT_WRITE, false));
    print_answer("mmap PROT_READ|PROT_WRITE, MAP_SHARED, O_WRONLY fd",
                 try_mmap(one_page, O_WRONLY, page, rw, MAP_SHARED, 0));
    print_answer("mmap PROT_WRITE alone, MAP_SHARED, O_WRONLY fd",
                 try_mmap(one_page, O_WRONLY, page, PROT_WRITE, MAP_SHARED, 0));

    /* 5. A new file (O_CREAT) of 0 bytes: mmap accepts a length beyond the
     * end of the file; using the page is another matter.  Grown first
     * (ftruncate), it works.  Past the end but inside the last page is
     * fine too; a whole page past the end is not. */
    print_answer("mmap one page of a new 0-byte file",
                 try_mmap(0, O_RDWR, page, rw, MAP_SHARED, 0));
    print_answer("one page of a new 0-byte file, read and written",
                 touch_file(0, page, 0, rw, false));
    print_answer("one page of a new file grown by ftruncate, read and written",
                 touch_file(one_page, page, 0, rw, false));
    snprintf(question, sizeof question, "a 100-byte file, byte %zu read and written", page - 1);
    print_answer(question, touch_file(100, 2 * page, page - 1, rw, false));
    snprintf(question, sizeof question, "a 100-byte file, byte %zu read and written", page);
    print_answer(question, touch_file(100, 2 * page, page, rw, false));

    /* 6. close(fd) right after mmap, then the mapping used. */
    print_answer("close(fd) after mmap, then the mapping read and written",
                 touch_file(one_page, page, 0, rw, true));
    return 0;
}
