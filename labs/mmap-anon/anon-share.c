/* anon-share - an anonymous shared mapping across fork.
 *
 * Follows article 002, section 5.1.7: map 4096 bytes MAP_SHARED |
 * MAP_ANONYMOUS (no file at all), fork; the parent writes "hello, world"
 * into the mapping, and the child prints what it finds there.  The article
 * made the child sleep(1) and hoped the parent had written by then; here the
 * parent tells the child through a pipe, so the child never reads too early
 * and never waits longer than it must.  main is the steps in order, the
 * child's side (child_main) after it; the plumbing is in common/lab.c.
 *
 * -P maps MAP_PRIVATE instead, with everything else the same: after fork the
 * page is copy on write, the parent's write lands in a copy of its own, and
 * the child still sees the page as it was, all zero bytes.
 *
 *     make && ./anon-share      # hello, world
 *     ./anon-share -P           # (4096 zero bytes)
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, sigabbrev_np */
#include "lab.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LENGTH 4096 /* the article's len */
static const char parent_text[] = "hello, world";

static const char usage_text[] =
    "usage: anon-share [-P]\n"
    "  Maps 4096 anonymous bytes MAP_SHARED and forks; the parent writes\n"
    "  'hello, world' into them, and the child prints the text it finds there.\n"
    "  -P  MAP_PRIVATE instead: the child does not see the parent's write,\n"
    "      and prints '(4096 zero bytes)', the page as it was before fork\n"
    "  -h  this help\n";

/* Step 3, the child: wait for the parent's word, then print what it sees. */
static int child_main(const char *ptr, int ready_fd);

int main(int argc, char *argv[])
{
    int sharing = MAP_SHARED;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:Ph")) != -1) {
        switch (opt) {
        case 'P': sharing = MAP_PRIVATE; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);

    /* lesson: mmap anonymous, pipe, fork; the parent writes, tells the child, waits */
    /* Step 1: the anonymous mapping: fd -1, offset 0, zero-filled. */
    char *ptr = mmap(NULL, MAP_LENGTH, PROT_READ | PROT_WRITE,
                     sharing | MAP_ANONYMOUS, -1, 0);
    if (ptr == MAP_FAILED)
        die("mmap %d anonymous bytes", MAP_LENGTH);

    /* The pipe that says "written": the parent keeps the write end, the
     * child the read end. */
    int ready[2];
    if (pipe(ready) == -1)
        die("pipe");

    /* Step 2: fork.  The child inherits the mapping: with MAP_SHARED the
     * same page, with MAP_PRIVATE the same page until one side writes. */
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        /* Our copy of the write end must go, or read() could never see the
         * end of file that a dead parent leaves. */
        if (close(ready[1]) == -1)
            die("close pipe");
        exit(child_main(ptr, ready[0]));
    }
    if (close(ready[0]) == -1)
        die("close pipe");
    /* A child gone before we tell it leaves a pipe with no reader: our
     * write would raise SIGPIPE and kill us without a word.  Ignored, the
     * write fails with EPIPE and waitpid says how the child ended.  Only
     * the parent ignores it: the child keeps SIGPIPE as it was at start. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    /* Step 3, the parent: write the text (the article's strcpy), then tell
     * the child.  A failed write means the child is gone: waitpid says how. */
    memcpy(ptr, parent_text, sizeof parent_text);
    if (write(ready[1], "w", 1) == -1 && errno != EPIPE)
        die("write pipe");
    if (close(ready[1]) == -1)
        die("close pipe");

    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %d", (int)pid);

    /* Step 4: unmap; an anonymous mapping simply goes away. */
    if (munmap(ptr, MAP_LENGTH) == -1)
        die("munmap");
    return child_exit_code(pid, status, "the child");
    /* end of lesson */
}

/* The child's line: the text at the start of the mapping, up to its first
 * NUL; or, when the whole mapping is still zero bytes (nothing was written
 * that this process can see), "(4096 zero bytes)" rather than an empty line. */
static void print_what_child_sees(const char *ptr, size_t length)
{
    size_t text_length = strnlen(ptr, length);
    size_t zeros = 0;

    while (text_length == 0 && zeros < length && ptr[zeros] == '\0')
        zeros++;
    if (text_length == 0 && zeros == length)
        printf("(%zu zero bytes)\n", length);
    else
        print_text_line("", ptr, text_length);
    check_stdout(NULL);
}

/* The child: wait until the parent says it has written, then look.
 * Why a pipe, not a semaphore or an atomic flag in the mapping: it must also
 * work with -P, where nothing written to the mapping after fork reaches the
 * other process; read() sleeps in the kernel, with no busy loop; and if the
 * parent dies before writing, read() returns 0 (end of file) instead of
 * leaving the child waiting for ever.  The kernel's pipe lock orders the
 * parent's store before its write() and our load after our read(). */
static int child_main(const char *ptr, int ready_fd)
{
    /* lesson: read the parent's byte from the pipe, then print_what_child_sees */
    char byte;
    ssize_t n;

    do
        n = read(ready_fd, &byte, 1);
    while (n == -1 && errno == EINTR);
    if (n == -1)
        die("read pipe");
    if (n == 0) {
        errno = EPIPE;
        die("read pipe (the parent ended without writing)");
    }
    print_what_child_sees(ptr, MAP_LENGTH);
    return 0;
    /* end of lesson */
}
