/* mmap-write - write a text into a file through a shared mapping.
 *
 * Article 002's homework (section 5.1.4): two unrelated processes talk
 * through a file that both map.  This is the writing side: open or create
 * FILE, make it long enough for TEXT and its NUL, map it MAP_SHARED, copy the
 * text in, msync, unmap.  mmap-read is the other side.
 *
 *     make && ./mmap-write shared.txt 'hello through a file'
 *     ./mmap-read shared.txt         # hello through a file
 *
 * Nothing in mmap itself makes a reader wait for a writer ("mmap
 * communication does not block", says the article), so both programs take
 * an flock on the file: a reader running at the same time as a writer sees
 * the old text or the new one, never half of each.
 */
#define _GNU_SOURCE
#include "lab.h"
#include "bus_error.h"
#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:m:h")) != -1) {
        switch (opt) {
        case 'm':
            if (!parse_mode(optarg, &mode))
                usage_bad("bad mode '%s': expected octal such as 0600", optarg);
            break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (argc - optind < 2)
        usage_bad(argc == optind ? "missing FILE and TEXT" : "missing TEXT");
    if (argc - optind > 2)
        usage_bad("unexpected argument '%s'", argv[optind + 2]);
    const char *path = argv[optind];
    const char *text = argv[optind + 1];
    size_t need = strlen(text) + 1; /* the text and its NUL */

    /* lesson: open, flock, grow, mmap MAP_SHARED, copy the text in, msync */
    /* Step 1: open or create the file, read-write: a MAP_SHARED mapping
     * with PROT_WRITE needs O_RDWR (article 5.1.5). */
    int fd = open(path, O_RDWR | O_CREAT, (mode_t)mode);
    if (fd == -1)
        die("open %s", path);
    /* One writer at a time, and no reader meanwhile (see mmap-read). */
    if (flock(fd, LOCK_EX) == -1)
        die("flock %s", path);
    fstat_regular_file(fd, path); /* only a regular file can be mapped */

    /* Step 2: make room.  mmap cannot make a file longer (article 5.1.3),
     * and using a mapped page that lies wholly past the end of the file
     * raises SIGBUS: grow it first.  The article says ftruncate;
     * posix_fallocate grows the file the same way and also reserves its disk
     * blocks (a longer file may have holes), so a full disk is ENOSPC here
     * instead of a SIGBUS in memcpy.  It never makes a file shorter. */
    int err = posix_fallocate(fd, 0, (off_t)need);
    if (err != 0) {
        errno = err; /* posix_fallocate returns the error, errno is unset */
        die("posix_fallocate %s, %zu bytes", path, need);
    }

    /* Step 3: map the bytes we write, copy the text in, and ask for it on
     * disk now: other processes see it at once without msync (they map the
     * same page cache pages), msync is for a crash or a power cut. */
    char *ptr = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED)
        die("mmap %s", path);
    catch_bus_error(fd, path, need, "write"); /* the file cut under us: SIGBUS */
    memcpy(ptr, text, need);
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
