/* mmap-write - write a text into a file through a shared mapping.
 *
 * Article 002's homework (section 5.1.4), the writing side: open or create
 * FILE, grow it to hold TEXT and its NUL, map it MAP_SHARED, copy the text
 * in, msync, unmap.  mmap-read is the other side.
 *
 *     make && ./mmap-write shared.txt 'hello through a file'
 *     ./mmap-read shared.txt         # hello through a file
 *
 * Out of sight: mode-option.c (-m), regular_file.h (only a regular file is
 * mapped), bus_error.h (a SIGBUS, the file cut short under us, is one line).
 */
#define _GNU_SOURCE
#include "lab.h"
#include "bus_error.h"
#include "mode-option.h"
#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: mmap-write [-m MODE] FILE TEXT\n"
    "  Writes TEXT and a NUL at the start of FILE through a MAP_SHARED mapping,\n"
    "  then msyncs it to disk.  FILE is created if missing, and grown if it is\n"
    "  shorter than TEXT and its NUL; it is never made shorter.  Prints nothing.\n"
    "  -m MODE  permissions of a new FILE, octal (default 0600, less the umask)\n"
    "  -h       this help\n";

int main(int argc, char *argv[])
{
    int mode = DEFAULT_MODE;

    lab_init(usage_text);
    int first_arg = parse_mode_option(argc, argv, &mode);
    if (argc - first_arg < 2)
        usage_bad(argc == first_arg ? "missing FILE and TEXT" : "missing TEXT");
    if (argc - first_arg > 2)
        usage_bad("unexpected argument '%s'", argv[first_arg + 2]);
    const char *path = argv[first_arg];
    const char *text = argv[first_arg + 1];
    size_t need = strlen(text) + 1; /* the text and its NUL */

    /* lesson: open, flock, grow, mmap MAP_SHARED, copy the text in, msync */
    /* Step 1: open or create it read-write, as MAP_SHARED and PROT_WRITE need (5.1.5). */
    int fd = open(path, O_RDWR | O_CREAT, (mode_t)mode);
    if (fd == -1)
        die("open %s", path);
    /* One writer, and no reader meanwhile: nothing in mmap makes a reader wait
     * ("mmap communication does not block"); mmap-read takes a shared lock. */
    if (flock(fd, LOCK_EX) == -1)
        die("flock %s", path);
    fstat_regular_file(fd, path); /* only a regular file can be mapped */

    /* Step 2: make room: mmap cannot make a file longer (article 5.1.3), and a
     * page wholly past its end raises SIGBUS.  posix_fallocate grows it as the
     * article's ftruncate would, and reserves the disk blocks: a full disk is
     * ENOSPC here, not a SIGBUS in memcpy.  It never makes a file shorter. */
    int err = posix_fallocate(fd, 0, (off_t)need);
    if (err != 0) {
        errno = err; /* posix_fallocate returns the error, errno is unset */
        die("posix_fallocate %s, %zu bytes", path, need);
    }

    /* Step 3: map the bytes we write, and copy the text in. */
    char *ptr = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED)
        die("mmap %s", path);
    catch_bus_error(fd, path, need, "write"); /* the file cut under us: SIGBUS */
    memcpy(ptr, text, need);
    /* Others see it at once (they map the same page cache pages): msync asks
     * for it on disk now, against a crash or a power cut. */
    if (msync(ptr, need, MS_SYNC) == -1)
        die("msync %s", path);

    /* Step 4: unmap and close (which drops the lock). */
    if (munmap(ptr, need) == -1)
        die("munmap %s", path);
    if (close(fd) == -1)
        die("close %s", path);
    return 0;
    /* end of lesson */
}
