/* copy-support.h - mmap-copy's armour, out of the way of the article's steps.
 *
 * mmap-copy.c holds the steps (open, create, mmap, memcpy, munmap, fsync,
 * rename); copy-support.c what a careful copy needs around them: the
 * options, the refusals made before any file is created, the SIGBUS guard
 * around memcpy, the write-behind that keeps the page cache to two windows,
 * and the tests' hook.  The temporary file's removal on a
 * stop signal or an error is common/cleanup.c's cleanup_file.
 */
#ifndef COPY_SUPPORT_H
#define COPY_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MIB (1024 * 1024)

/* What the command line asks for. */
struct copy_request {
    const char *src, *dst;
    char *dst_folder;     /* DST's folder ("." or "/" included): the temporary file goes there */
    const char *dst_name; /* DST's last component; "" when DST ends with '/' */
    size_t window;        /* bytes of each file mapped at a time (-w MIB, default 64 MiB) */
    bool verbose;         /* -v: print "copied N bytes" */
};

/* mmap-copy's usage, for lab_init (-h, bad usage). */
extern const char copy_usage_text[];

/* Options and arguments; bad usage exits 2 (lab_init must come first). */
void parse_copy_request(int argc, char *argv[], struct copy_request *request);

/* "DST's folder/.NAME.mmap-copy-XXXXXX", malloc'd: mkstemp's template. */
char *temp_template(const struct copy_request *request);

/* After fstat of the open source: anything but a regular file is refused
 * (EISDIR for a folder, EINVAL for the rest). */
void require_regular_source(const char *src, const struct stat *src_st);

/* Before anything is created: DST the same file as SRC (same st_dev and
 * st_ino, after following symbolic links), a folder, a FIFO, a device or a
 * socket, or a name ending in '/', is refused with one line, exit 1. */
void refuse_destination(const struct copy_request *request, const struct stat *src_st);

/* From here on, a SIGBUS inside copy_guarded is one line and exit 1, not a
 * silent death: the source (src_fd, src) shrank, or a page of it or of the
 * copy (copy_path) could not be read or written. */
void guard_copy_against_sigbus(int src_fd, const char *src, const char *copy_path);

/* memcpy(to, from, len) of the bytes at offset in both files, under that
 * guard: on SIGBUS it names the file and the byte, and exits 1 through die(). */
void copy_guarded(char *to, const char *from, size_t len, off_t offset);

/* After the window [offset, offset + len) of the copy (fd, path) is
 * written in memory: start writing it to disk, wait for the windows before
 * it, and drop them from the page cache.  Exits 1 through die() on error. */
void write_behind(int fd, const char *path, off_t offset, size_t len);

/* Test hook, for tests/mmap-copy.bats only: with MMAP_COPY_TEST_STOP=1 set,
 * the program stops itself (SIGSTOP) here, after its first window. */
void test_hook_stop(void);

#endif
