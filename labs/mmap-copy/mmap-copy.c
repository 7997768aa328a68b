/* mmap-copy - copy a file through two mappings: memcpy from one to the other.
 *
 * Article 002, section 5.1.6 (内存映射实现文件拷贝), a function per step, called
 * in order by main: 1. open the source; 2. create the new file with its size;
 * 3. map both; 4. memcpy; 5. release, and make the copy durable (a temporary
 * file, renamed to DST once on disk).  The armour (options, refusals, SIGBUS
 * guard, write-behind): copy-support.c; removing the temp file: common/cleanup.c.
 *     make && ./mmap-copy -v /etc/services services.copy   # copied N bytes
 *     ./mmap-copy -w 1 big.img big.copy                    # 1 MiB windows
 */
#define _GNU_SOURCE            /* MADV_HUGEPAGE, MADV_POPULATE_WRITE */
#define _FILE_OFFSET_BITS 64   /* off_t of 64 bits, even on a 32-bit system */
#include "lab.h"
#include "copy-support.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define STEP (2 * MIB) /* a window is copied a step (one huge page) at a time */
static char *temp_path; /* the copy, until step 5 renames it to DST */

/* Step 1: the source, read-only (the article's O_RDWR cannot copy a file we
 * may only read).  O_NONBLOCK: a FIFO's open would wait for a writer. */
static int open_source(const char *src, struct stat *src_st)
{
    /* lesson: open SRC read-only, fstat it, require a regular file */
    int fd = open(src, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd == -1)
        die("open source '%s'", src);
    if (fstat(fd, src_st) == -1)
        die("fstat source '%s'", src);
    require_regular_source(src, src_st);
    return fd;
    /* end of lesson */
}

/* Step 2: the new file, a temporary one beside DST, with SRC's bits, its blocks
 * reserved (after the article's truncate, a full disk is a SIGBUS in memcpy). */
static int create_temp(const struct copy_request *request, const struct stat *src_st)
{
    /* lesson: mkstemp beside DST, cleanup_file it, fchmod, posix_fallocate */
    temp_path = temp_template(request); /* DST's folder/.NAME.mmap-copy-XXXXXX */
    signals_hold(); /* no stop signal between mkstemp and cleanup_file */
    int fd = mkstemp(temp_path); /* O_RDWR | O_CREAT | O_EXCL, mode 0600 */
    if (fd == -1)
        die("create a temporary file in '%s' (for '%s')", request->dst_folder, request->dst);
    cleanup_file(temp_path);

    /* The rwx bits only, as cp without -p.  fchmod ignores the umask. */
    if (fchmod(fd, src_st->st_mode & 0777) == -1)
        die("fchmod '%s'", temp_path);
    if (src_st->st_size > 0) {
        int err = posix_fallocate(fd, 0, src_st->st_size); /* returns the errno */
        if (err != 0) {
            errno = err;
            die("reserve %jd bytes for '%s'", (intmax_t)src_st->st_size, temp_path);
        }
    }
    return fd;
    /* end of lesson */
}

/* Steps 3, 4 for one window: map both files at offset, copy, unmap. */
static void copy_window(int src_fd, const char *src, int dst_fd, off_t offset, size_t len)
{
    /* lesson: mmap this window of both files, copy_guarded a step at a time, munmap both */
    char *from = mmap(NULL, len, PROT_READ, MAP_SHARED, src_fd, offset);
    if (from == MAP_FAILED)
        die("mmap source '%s' at byte %jd", src, (intmax_t)offset);
    char *to = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dst_fd, offset);
    if (to == MAP_FAILED)
        die("mmap '%s' at byte %jd", temp_path, (intmax_t)offset);
    if (madvise(from, len, MADV_SEQUENTIAL) == -1) /* read ahead of us */
        die("madvise source '%s'", src);
    /* The copy's new pages as 2 MiB ones, one mapping entry each, not 512
     * (EINVAL: no huge pages here; then 4 KiB ones, as without it). */
    if (madvise(to, len, MADV_HUGEPAGE) == -1 && errno != EINVAL)
        die("madvise '%s'", temp_path);

    for (size_t done = 0; done < len; done += STEP) {
        size_t step = len - done < STEP ? len - done : STEP;
        /* Fault the step's pages of the copy in with one call, not one
         * fault per page inside memcpy (EINVAL: a kernel before 5.14). */
        if (madvise(to + done, step, MADV_POPULATE_WRITE) == -1 && errno != EINVAL)
            die("fault in '%s' at byte %jd", temp_path, (intmax_t)(offset + (off_t)done));
        copy_guarded(to + done, from + done, step, offset + (off_t)done); /* memcpy */
        /* Drop the source pages just copied (the page cache keeps them):
         * one window of the copy and one step of the source stay resident. */
        if (madvise(from + done, step, MADV_DONTNEED) == -1)
            die("madvise source '%s'", src);
    }

    if (munmap(from, len) == -1)
        die("munmap source '%s'", src);
    if (munmap(to, len) == -1)
        die("munmap '%s'", temp_path);
    /* To disk while we copy the next; the window before leaves the cache. */
    write_behind(dst_fd, temp_path, offset, len);
    /* end of lesson */
}

/* Step 5, the article's munmap and close made durable: fsync, then rename
 * (old DST or new, never half of one), then fsync of the folder. */
static void finish_copy(const struct copy_request *request, int src_fd, int dst_fd)
{
    /* lesson: close SRC, fsync the temporary file, rename it to DST, fsync the folder */
    const char *dst = request->dst, *dst_folder = request->dst_folder;
    if (close(src_fd) == -1)
        die("close source '%s'", request->src);
    if (fsync(dst_fd) == -1)
        die("fsync '%s'", temp_path);
    if (close(dst_fd) == -1)
        die("close '%s'", temp_path);
    signals_hold(); /* the file is either temp_path, removed on a signal, or DST */
    if (rename(temp_path, dst) == -1)
        die("rename '%s' to '%s'", temp_path, dst);
    cleanup_file_forget();

    int folder_fd = open(dst_folder, O_RDONLY | O_DIRECTORY);
    if (folder_fd == -1)
        die("open folder '%s'", dst_folder);
    if (fsync(folder_fd) == -1)
        die("fsync folder '%s'", dst_folder);
    if (close(folder_fd) == -1)
        die("close folder '%s'", dst_folder);
    /* end of lesson */
}

int main(int argc, char *argv[])
{
    struct copy_request request;
    struct stat src_st;

    lab_init(copy_usage_text);
    parse_copy_request(argc, argv, &request);

    int src_fd = open_source(request.src, &src_st);  /* step 1 */
    refuse_destination(&request, &src_st);          /* before any file is created */
    int dst_fd = create_temp(&request, &src_st);    /* step 2 */
    guard_copy_against_sigbus(src_fd, request.src, temp_path);

    /* Steps 3, 4: window by window; an empty file has none (mmap of 0 bytes: EINVAL). */
    for (off_t offset = 0; offset < src_st.st_size; offset += (off_t)request.window) {
        off_t left = src_st.st_size - offset;
        copy_window(src_fd, request.src, dst_fd, offset,
                    left < (off_t)request.window ? (size_t)left : request.window);
        if (offset == 0)
            test_hook_stop();
    }
    finish_copy(&request, src_fd, dst_fd); /* step 5 */
    free(request.dst_folder);
    if (request.verbose) {
        printf("copied %jd bytes\n", (intmax_t)src_st.st_size);
        check_stdout(NULL);
    }
    return 0;
}
