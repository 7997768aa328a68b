/* regular_file.h - the check mmap-fork, mmap-write and mmap-read make
 * before they map a file.
 *
 * mmap maps regular files: a FIFO or a device would fail there (ENODEV), or
 * worse, map something that is not a file at all (/dev/zero).  Saying so
 * right after open gives one clear line instead.
 */
#ifndef REGULAR_FILE_H
#define REGULAR_FILE_H

#include "lab.h"

#include <errno.h>
#include <sys/stat.h>

/* fstat the open file PATH; exit 1 with one line unless it is a regular
 * file (EISDIR for a folder, else ENODEV: mmap's own word). */
static inline struct stat fstat_regular_file(int fd, const char *path)
{
    struct stat st;

    if (fstat(fd, &st) == -1)
        die("fstat %s", path);
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
        die("mmap %s (not a regular file)", path);
    }
    return st;
}

#endif
