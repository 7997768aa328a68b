/* mmap-fork - a parent and its child share a file through mmap.
 *
 * Article 002, section 5.1.4: open test.txt, map the whole file MAP_SHARED,
 * fork; the child writes "nihao a, son!!!" at the start of the mapping; the
 * parent waits for it, then reads the text through its own copy of the
 * mapping: the same page cache pages, so it sees the child's write.
 *
 *     make && echo 'a line of text that is long enough' > test.txt
 *     ./mmap-fork                    # read data : nihao a, son!!!
 * Out of sight: regular_file.h (only regular files), mode-option.c (-h).
 */
#define _GNU_SOURCE /* strnlen */
#include "lab.h"
#include "mode-option.h"
#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_FILE "test.txt"            /* the article's file */
static const char child_text[] = "nihao a, son!!!"; /* sizeof counts its NUL */

static const char usage_text[] =
    "usage: mmap-fork [FILE]\n"
    "  Maps FILE (default test.txt) MAP_SHARED and forks.  The child writes\n"
    "  'nihao a, son!!!' and a NUL at the start of the mapping; the parent\n"
    "  waits for it, then prints 'read data : TEXT', TEXT being what it finds\n"
    "  there up to the first NUL.  FILE must exist and not be empty; a file\n"
    "  shorter than the text and its NUL (16 bytes) is grown to 16 bytes.\n"
    "  -h  this help\n";

int main(int argc, char *argv[])
{
    lab_init(usage_text);
    int first_arg = parse_help_option(argc, argv);
    if (argc - first_arg > 1)
        usage_bad("unexpected argument '%s'", argv[first_arg + 1]);
    const char *path = first_arg < argc ? argv[first_arg] : DEFAULT_FILE;

    /* lesson: open, mmap MAP_SHARED, fork: the child writes, the parent waits and prints */
    /* Step 1: open read-write (MAP_SHARED with PROT_WRITE); its size (the article's lseek). */
    int fd = open(path, O_RDWR);
    if (fd == -1)
        die("open %s", path);
    struct stat st = fstat_regular_file(fd, path);
    if ((uintmax_t)st.st_size > SIZE_MAX)
        die("mmap %s (%jd bytes: more than this process can map)", path, (intmax_t)st.st_size);
    /* mmap cannot make a file longer (5.1.3): a short one is grown first, so
     * the text and its NUL land in it; posix_fallocate reserves the blocks, so
     * a full disk is ENOSPC here, not a SIGBUS in the child.  Empty: see mmap. */
    if (st.st_size > 0) {
        int err = posix_fallocate(fd, 0, (off_t)sizeof child_text);
        if (err != 0) {
            errno = err; /* posix_fallocate returns the error, errno is unset */
            die("posix_fallocate %s, %zu bytes", path, sizeof child_text);
        }
        if (st.st_size < (off_t)sizeof child_text)
            st.st_size = (off_t)sizeof child_text;
    }
    size_t size = (size_t)st.st_size;

    /* Step 2: map all of it.  A length of 0 is EINVAL (article 5.1.5). */
    char *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED && size == 0)
        die("mmap %s (the file is empty: there is nothing to map; put some text in it)", path);
    if (ptr == MAP_FAILED)
        die("mmap %s", path);
    /* The mapping keeps the file open: the descriptor is no longer needed
     * (the article's last question in 5.1.5). */
    if (close(fd) == -1)
        die("close %s", path);

    /* Step 3: fork.  The child inherits the mapping: the same pages. */
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        memcpy(ptr, child_text, sizeof child_text); /* the article's strcpy */
        if (munmap(ptr, size) == -1)
            die("munmap %s", path);
        exit(0);
    }

    /* The parent reads only after the child has ended: waitpid is the
     * synchronisation (the article's wait(NULL)), so no sleep is needed. */
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %d", (int)pid);
    if (status != 0)
        return child_exit_code(pid, status, "the child");
    /* Up to the first NUL, but never past the mapping: the article copied
     * with strcpy into char buf[64], which overflows on a file with no NUL
     * in its first 64 bytes. */
    print_text_line("read data : ", ptr, strnlen(ptr, size));
    check_stdout(NULL);

    /* Step 4: unmap.  Nothing to flush by hand: the page cache is the file,
     * and the kernel writes it back (msync would force it now). */
    if (munmap(ptr, size) == -1)
        die("munmap %s", path);
    return 0;
    /* end of lesson */
}
