/* mmap-read - read the text a file holds, through a read-only mapping.
 *
 * Article 002's homework (section 5.1.4), the reading side: open FILE
 * read-only, map it PROT_READ, MAP_SHARED, and print what it holds up to the
 * first NUL or the end of the file.  mmap-write is the other side; the two
 * share nothing but the file's name.
 *
 *     make && ./mmap-write shared.txt 'hello through a file'
 *     ./mmap-read shared.txt         # hello through a file
 *     ./mmap-read /etc/hostname      # any file: no NUL, so all of it
 */
#define _GNU_SOURCE
#include "lab.h"
#include "bus_error.h"
#include "mode-option.h"
#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: mmap-read FILE\n"
    "  Maps FILE read-only and prints the text it holds, up to the first NUL\n"
    "  or the end of the file, and a newline.\n"
    "  -h  this help\n";

int main(int argc, char *argv[])
{
    lab_init(usage_text);
    int first_arg = parse_help_option(argc, argv);
    if (first_arg == argc)
        usage_bad("missing FILE");
    if (argc - first_arg > 1)
        usage_bad("unexpected argument '%s'", argv[first_arg + 1]);
    const char *path = argv[first_arg];

    /* lesson: open read-only, flock, mmap PROT_READ, print the text */
    /* Step 1: open read-only: PROT_READ needs no more.  O_NONBLOCK only so
     * that a FIFO given by mistake is refused below instead of hanging in
     * open until a writer comes. */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd == -1)
        die("open %s", path);
    /* A shared lock: mmap-write takes an exclusive one while it writes, so
     * we never print half of an old text and half of a new one. */
    if (flock(fd, LOCK_SH) == -1)
        die("flock %s", path);
    struct stat st = fstat_regular_file(fd, path);
    if ((uintmax_t)st.st_size > SIZE_MAX)
        die("mmap %s (%jd bytes: more than this process can map)", path, (intmax_t)st.st_size);
    size_t size = (size_t)st.st_size;

    /* Step 2: map the whole file, read-only.  A length of 0 is EINVAL
     * (article 5.1.5): an empty file has nothing to map. */
    char *ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED && size == 0)
        die("mmap %s (the file is empty: nothing has been written to it)", path);
    if (ptr == MAP_FAILED)
        die("mmap %s", path);
    /* The file cut shorter by another process now: SIGBUS at our first
     * touch of a page past its new end.  One line, exit 1 (bus_error.h). */
    catch_bus_error(fd, path, size, "read");

    /* Step 3: print the text, never reading past the end of the mapping. */
    print_text_line("", ptr, strnlen(ptr, size));
    check_stdout(NULL);

    /* Step 4: unmap and close (which drops the lock). */
    if (munmap(ptr, size) == -1)
        die("munmap %s", path);
    if (close(fd) == -1)
        die("close %s", path);
    return 0;
    /* end of lesson */
}
