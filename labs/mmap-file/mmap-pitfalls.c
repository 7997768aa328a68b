/* mmap-pitfalls - article 002's questions about mmap, asked of the kernel.
 *
 * Section 5.1.5 of the article answers its questions from memory; here each
 * is an experiment on a scratch file, answered on one line, QUESTION: RESULT:
 * `ok`, the errno the call failed with (EINVAL...), or the signal that using
 * the mapping raised (SIGBUS) in a child allowed to die of it.
 *
 *     make && ./mmap-pitfalls    # TMPDIR=/dev/shm ./mmap-pitfalls: on tmpfs
 *
 * The armour is out of sight: scratch-file.c (scratch files that leave
 * nothing behind), faults.c (result names, clean deaths), mode-option.c (-h).
 */
#include "lab.h"
#include "faults.h"
#include "mode-option.h"
#include "scratch-file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: mmap-pitfalls [-h]\n"
    "  Runs each question of article 002's section 5.1.5 as an experiment on\n"
    "  scratch files in $TMPDIR (default /tmp), removed as soon as they are\n"
    "  made, and prints 'QUESTION: RESULT', RESULT being 'ok', the errno name\n"
    "  the call failed with, or the signal that using the mapping raised.\n"
    "  -h  this help\n";

/* mmap `length` bytes at `offset` of a new file of `file_size` bytes opened
 * with open_flags: "ok" (the mapping is removed again) or the errno. */
static const char *try_mmap(off_t file_size, int open_flags,
                            size_t length, int prot, int flags, off_t offset)
{
    /* lesson: mmap the scratch file as asked; "ok" after munmap, or the errno */
    int fd = scratch_file(file_size, open_flags);
    char *ptr = mmap(NULL, length, prot, flags, fd, offset);
    const char *result = ptr == MAP_FAILED ? errno_name() : "ok";
    if (ptr != MAP_FAILED && munmap(ptr, length) == -1)
        die("munmap");
    if (close(fd) == -1)
        die("close");
    return result;
    /* end of lesson */
}

/* Map `length` bytes of a new `file_size`-byte file, shared; a child reads and
 * writes the byte at `at`, so that a fault kills it and not us: "ok", mmap's
 * errno, or the child's signal ("SIGBUS").  close_first: close before it. */
static const char *touch_file(off_t file_size, size_t length, size_t at,
                              int prot, bool close_first)
{
    /* lesson: mmap the scratch file, close it first if asked, a child reads and writes a byte */
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

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        let_a_fault_kill_this_child(); /* no core file, no inherited handler */
        volatile char *byte = ptr + at;
        *byte = (char)(*byte + 1); /* a read, then a write */
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %d", (int)pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        exit(1); /* let_a_fault_kill_this_child failed: the child has said so */
    if (munmap(ptr, length) == -1)
        die("munmap");
    if (!close_first && close(fd) == -1)
        die("close");
    return WIFEXITED(status) ? "ok" : signal_name(WTERMSIG(status));
    /* end of lesson */
}

static void print_answer(const char *question, const char *result)
{
    printf("%s: %s\n", question, result);
    check_stdout(NULL);
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
    const size_t page = (size_t)page_size; /* the unit of offsets and mappings */
    const off_t one_page = (off_t)page;

    /* lesson: ask the questions of 5.1.5 (try_mmap, touch_file...), print_answer each */
    /* 1. ptr++ before munmap: munmap wants a page-aligned address, so the
     * article's answer is to keep the pointer mmap returned. */
    int fd = scratch_file(one_page, O_RDWR);
    char *ptr = mmap(NULL, page, rw, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED)
        die("mmap a scratch file");
    if (close(fd) == -1)
        die("close");
    const char *result = munmap(ptr + 1, page) == -1 ? errno_name() : "ok"; /* ptr++ */
    if (munmap(ptr, page) == -1) /* the saved address: always right */
        die("munmap");
    print_answer("munmap(ptr + 1, len)", result);

    /* 2. O_RDONLY: MAP_SHARED may write to the file, MAP_PRIVATE never does. */
    print_answer("mmap PROT_READ|PROT_WRITE, MAP_SHARED, O_RDONLY fd",
                 try_mmap(one_page, O_RDONLY, page, rw, MAP_SHARED, 0));
    print_answer("mmap PROT_READ|PROT_WRITE, MAP_PRIVATE, O_RDONLY fd",
                 try_mmap(one_page, O_RDONLY, page, rw, MAP_PRIVATE, 0));
    /* 3. An offset of 1000; and one of a page, for comparison. */
    print_answer("mmap offset 1000", try_mmap(2 * one_page, O_RDWR, page, rw, MAP_SHARED, 1000));
    snprintf(question, sizeof question, "mmap offset %zu (the page size)", page);
    print_answer(question, try_mmap(2 * one_page, O_RDWR, page, rw, MAP_SHARED, one_page));
    /* 4. When does mmap fail?  A length of 0; PROT_WRITE alone; O_WRONLY. */
    print_answer("mmap length 0", try_mmap(one_page, O_RDWR, 0, rw, MAP_SHARED, 0));
    print_answer("mmap PROT_WRITE alone, MAP_SHARED, O_RDWR fd",
                 try_mmap(one_page, O_RDWR, page, PROT_WRITE, MAP_SHARED, 0));
    print_answer("mapping with PROT_WRITE alone, read and written",
                 touch_file(one_page, page, 0, PROT_WRITE, false));
    print_answer("mmap PROT_READ|PROT_WRITE, MAP_SHARED, O_WRONLY fd",
                 try_mmap(one_page, O_WRONLY, page, rw, MAP_SHARED, 0));
    print_answer("mmap PROT_WRITE alone, MAP_SHARED, O_WRONLY fd",
                 try_mmap(one_page, O_WRONLY, page, PROT_WRITE, MAP_SHARED, 0));
    /* 5. A new 0-byte file: mmap accepts it, using the page is another matter;
     * past the end of a file but inside its last page is fine. */
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
    /* end of lesson */
}
