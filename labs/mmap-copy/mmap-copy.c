/* mmap-copy - copy a file through two mappings: memcpy from one to the other.
 *
 * Follows article 002, section 5.1.6 (内存映射实现文件拷贝), in its steps:
 * 1. map the source; 2. create the new file and give it the source's size;
 * 3. map the new file; 4. memcpy from one mapping to the other; 5. release.
 * What the article leaves out is here too, each where its step needs it:
 * an empty source, refusing to copy a file onto itself, a window of 64 MiB
 * at a time instead of the whole file, the source's permission bits, space
 * reserved before the first byte is written (ENOSPC, not SIGBUS), a source
 * that shrinks under us (SIGBUS caught), and a copy that appears under its
 * name only once it is complete and on disk (temporary file, fsync, rename).
 *
 *     make && ./mmap-copy -v /etc/services services.copy   # copied N bytes
 *     ./mmap-copy -w 1 big.img big.copy                    # 1 MiB windows
 */
#define _GNU_SOURCE            /* sync_file_range */
#define _FILE_OFFSET_BITS 64   /* off_t of 64 bits, even on a 32-bit system */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_WINDOW_MIB 64
#define MAX_WINDOW_MIB     1024
#define MIB                (1024 * 1024)
/* Inside a window the copy goes a step at a time, and the source pages of
 * each step are dropped from this process once copied (see copy_window). */
#define STEP               (1 * MIB)

static const char usage_text[] =
    "usage: mmap-copy [-v] [-w MIB] SRC DST\n"
    "  Copies the regular file SRC to DST by mapping both and copying memory.\n"
    "  DST appears only once the copy is complete and on disk (a temporary\n"
    "  file in DST's folder, fsync, rename); it gets SRC's permission bits.\n"
    "  -v      print 'copied N bytes' at the end\n"
    "  -w MIB  map MIB mebibytes of each file at a time, 1 to 1024 (default 64)\n"
    "  -h      this help\n";

/* ---- the temporary file: removed on any error and on a stop signal ---- */

static char *temp_path;                  /* DST's folder/.NAME.mmap-copy-XXXXXX */
static volatile sig_atomic_t temp_exists; /* set once mkstemp made it, cleared at rename */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };

/* unlink is async-signal-safe: this runs in the handler and at exit. */
static void remove_temp(void)
{
    if (temp_exists) {
        temp_exists = 0;
        (void)unlink(temp_path);
    }
}

static void on_stop_signal(int sig)
{
    remove_temp();
    /* Die of the same signal, so the shell sees it: it is blocked while we
     * are in here and is delivered, with the default action, on return. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static sigset_t stop_set(void)
{
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&set, stop_signals[i]);
    return set;
}

/* die() exits through exit(), which runs atexit functions: every error
 * after mkstemp removes the temporary file.  A stop signal does it in its
 * handler; one ignored at start (nohup) is left ignored. */
static void remove_temp_on_exit_and_signals(void)
{
    struct sigaction sa = { .sa_handler = on_stop_signal }, old;

    if (atexit(remove_temp) != 0) {
        errno = ENOMEM; /* atexit does not set errno */
        die("atexit");
    }
    sa.sa_mask = stop_set();
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        if (sigaction(stop_signals[i], NULL, &old) == -1)
            die("sigaction");
        if (old.sa_handler != SIG_IGN && sigaction(stop_signals[i], &sa, NULL) == -1)
            die("sigaction");
    }
}

static void hold_stop_signals(int how)
{
    sigset_t set = stop_set();

    if (sigprocmask(how, &set, NULL) == -1)
        die("sigprocmask");
}

/* ---- SIGBUS: touching a page of a mapping that the file no longer has ----
 *
 * A mapping does not shrink with its file.  If another process truncates
 * the source while we copy, reading a page past the new end of file raises
 * SIGBUS, whose default action kills the process (the article's copy dies
 * there, leaving a DST of the right size but with a hole of zeros).  Here
 * the handler jumps back out of memcpy to copy_bytes, which reports where
 * the fault was.  siglongjmp out of a handler is allowed when the code it
 * interrupted is async-signal-safe, as memcpy is; sigsetjmp(..., 1) saves
 * the signal mask, so SIGBUS, blocked during its handler, is unblocked
 * again by the jump. */

static sigjmp_buf bus_error_jump;
static volatile sig_atomic_t bus_error_armed; /* only inside copy_bytes */
static char *volatile bus_error_address;

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
    (void)context;
    if (!bus_error_armed) {
        /* Not in copy_bytes: a bug.  Return with the default action, so
         * the faulting instruction runs again and we die of SIGBUS. */
        remove_temp();
        signal(sig, SIG_DFL);
        return;
    }
    bus_error_armed = 0;
    bus_error_address = info->si_addr;
    siglongjmp(bus_error_jump, 1);
}

static void catch_sigbus(void)
{
    struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) == -1)
        die("sigaction SIGBUS");
}

/* memcpy, or the address whose page raised SIGBUS (NULL when all went well). */
static char *copy_bytes(char *to, const char *from, size_t len)
{
    if (sigsetjmp(bus_error_jump, 1) != 0)
        return bus_error_address;
    bus_error_armed = 1;
    /* Keep the copy between the two flags: the compiler may not move it
     * across these fences (they cost nothing at run time). */
    atomic_signal_fence(memory_order_seq_cst);
    memcpy(to, from, len);
    atomic_signal_fence(memory_order_seq_cst);
    bus_error_armed = 0;
    return NULL;
}

/* ---- the steps ---- */

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))  return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode))  return "a character device";
    if (S_ISBLK(mode))  return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* Step 1a: open the source read-only (the article asks for O_RDWR, so it
 * cannot copy a file it may only read).  O_NONBLOCK: opening a FIFO would
 * otherwise wait for a writer before fstat could tell us it is one. */
static int open_source(const char *src, struct stat *st)
{
    int fd = open(src, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd == -1)
        die("open source '%s'", src);
    if (fstat(fd, st) == -1)
        die("fstat source '%s'", src);
    if (!S_ISREG(st->st_mode)) {
        /* /dev/zero would even map; a FIFO or a directory would not. */
        errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        die("source '%s' is %s, not a regular file", src, file_kind(st->st_mode));
    }
    return fd;
}

/* Before anything is created: "the same file" is the same device and inode,
 * after following symbolic links, so a second path, a hard link or a symlink
 * to SRC are all caught.  (The article's truncate+write on such a DST would
 * damage the source; a copy that opens DST with O_TRUNC would empty it.) */
static void refuse_same_file(const char *src, const struct stat *src_st,
                             const char *dst, const char *src_name)
{
    struct stat st;

    if (stat(dst, &st) == -1) {
        if (errno == ENOENT)
            return; /* a new file (or a dangling symlink, replaced) */
        die("stat destination '%s'", dst);
    }
    if (st.st_dev == src_st->st_dev && st.st_ino == src_st->st_ino) {
        errno = EINVAL;
        die("'%s' and '%s' are the same file (inode %ju), nothing was copied",
            src, dst, (uintmax_t)st.st_ino);
    }
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        die("destination '%s' is a directory: name the copy, e.g. '%s/%s'",
            dst, dst, src_name);
    }
    /* rename would replace a FIFO or a device node (as root, /dev/null)
     * with a regular file: a copy only replaces a regular file. */
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        die("destination '%s' is %s, not a regular file: it is not replaced",
            dst, file_kind(st.st_mode));
    }
}

/* Step 2: the new file.  Not DST itself but a temporary file beside it (a
 * rename only works within one file system), with SRC's permission bits,
 * and with all its blocks reserved by posix_fallocate: with the article's
 * truncate, the file has the right size but no blocks, and when the disk
 * turns out to be full it is the memcpy into the mapping that fails, with
 * SIGBUS.  posix_fallocate also sets the size, as truncate did. */
static int create_temp(const char *dst, const char *dst_folder, const char *dst_name,
                       const struct stat *src_st)
{
    /* ".NAME.mmap-copy-XXXXXX": hidden, and says what it is if a SIGKILL
     * ever leaves one behind.  NAME is cut to stay under NAME_MAX. */
    if (asprintf(&temp_path, "%s/.%.200s.mmap-copy-XXXXXX", dst_folder, dst_name) == -1)
        die("asprintf");

    /* No stop signal between mkstemp and temp_exists = 1. */
    hold_stop_signals(SIG_BLOCK);
    int fd = mkstemp(temp_path);   /* O_RDWR | O_CREAT | O_EXCL, mode 0600 */
    if (fd == -1)
        die("create a temporary file in '%s' (for '%s')", dst_folder, dst);
    temp_exists = 1;
    hold_stop_signals(SIG_UNBLOCK);

    /* The rwx bits for user, group and others; not set-user-ID and friends
     * (cp without -p drops them too).  fchmod ignores the umask. */
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
}

/* After SIGBUS at address fault, copying the step of len bytes at offset
 * from `from` to `to`: say which file and which byte, and why if we can. */
static _Noreturn void die_bus_error(const char *fault, const char *from, const char *to,
                                    size_t len, off_t offset, int src_fd, const char *src)
{
    /* As integers: < between pointers into different mappings is undefined. */
    uintptr_t address = (uintptr_t)fault, source = (uintptr_t)from;
    bool in_source = address >= source && address - source < len;
    off_t at = offset + (off_t)(address - (in_source ? source : (uintptr_t)to));
    struct stat st;

    if (in_source && fstat(src_fd, &st) == 0 && st.st_size <= at) {
        /* The fault's own byte is not the one to report: memcpy need not
         * go front to back (glibc's, on some CPUs, reads the last bytes of
         * a large copy first), so it may be anywhere past the new end.
         * The first byte of this step that the file no longer has is. */
        off_t lost = st.st_size > offset ? st.st_size : offset;
        errno = ENODATA;
        die("read source '%s' at byte %jd: SIGBUS, the file shrank to %jd bytes "
            "during the copy", src, (intmax_t)lost, (intmax_t)st.st_size);
    }
    /* Pages that are still in the file: a read or a write that failed. */
    errno = EIO;
    die("%s '%s' at byte %jd: SIGBUS", in_source ? "read source" : "write",
        in_source ? src : temp_path, (intmax_t)at);
}

/* Steps 3 and 4 for one window: map len bytes at offset of both files, copy,
 * unmap.  Unmapping each window keeps this process small: the pages stay in
 * the page cache, shared with every other reader of the file, but no longer
 * count in our resident set (RSS). */
static void copy_window(int src_fd, const char *src, int dst_fd, off_t offset,
                        size_t len)
{
    /* lesson: mmap this window of both files, copy_bytes a step at a time, munmap both */
    char *from = mmap(NULL, len, PROT_READ, MAP_SHARED, src_fd, offset);
    if (from == MAP_FAILED)
        die("mmap source '%s' at byte %jd", src, (intmax_t)offset);
    char *to = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dst_fd, offset);
    if (to == MAP_FAILED)
        die("mmap '%s' at byte %jd", temp_path, (intmax_t)offset);
    /* A hint: read ahead of us, as we go through the source in order. */
    if (madvise(from, len, MADV_SEQUENTIAL) == -1)
        die("madvise source '%s'", src);

    for (size_t done = 0; done < len; done += STEP) {
        size_t step = len - done < STEP ? len - done : STEP;
        const char *fault = copy_bytes(to + done, from + done, step);
        if (fault != NULL)
            die_bus_error(fault, from + done, to + done, step, offset + (off_t)done,
                          src_fd, src);
        /* Drop the source pages just copied from our page tables (the page
         * cache keeps them): then the window of the copy and one step of the
         * source are all that is resident here, not two whole windows. */
        if (madvise(from + done, step, MADV_DONTNEED) == -1)
            die("madvise source '%s'", src);
    }

    if (munmap(from, len) == -1)
        die("munmap source '%s'", src);
    if (munmap(to, len) == -1)
        die("munmap '%s'", temp_path);
    /* Start writing this window to disk now, while we copy the next one,
     * instead of all of it at the final fsync.  It does not wait, and it
     * is no promise: fsync is. */
    if (sync_file_range(dst_fd, offset, (off_t)len, SYNC_FILE_RANGE_WRITE) == -1)
        die("sync_file_range '%s'", temp_path);
    /* end of lesson */
}

/* Test hook, for tests/mmap-copy.bats only: with MMAP_COPY_TEST_STOP=1 set,
 * the program stops itself (SIGSTOP) after its first window, so that a test
 * can act on a copy half done (truncate the source, send a signal) and then
 * let it go on with SIGCONT.  Without it, such a test would be a race. */
static void test_hook_stop(void)
{
    const char *value = getenv("MMAP_COPY_TEST_STOP");

    if (value != NULL && strcmp(value, "1") == 0)
        raise(SIGSTOP);
}

/* Step 5, which the article reduces to munmap and close: munmap does not
 * write anything to disk.  fsync does, then rename puts the complete copy
 * under DST's name in one step (a reader, or a crash, sees the old DST or
 * the new one, never half of one), then fsync of the folder makes the
 * rename itself durable. */
static void finish_copy(int dst_fd, const char *dst, const char *dst_folder)
{
    /* lesson: fsync the temporary file, rename it to DST, fsync the folder */
    if (fsync(dst_fd) == -1)
        die("fsync '%s'", temp_path);
    if (close(dst_fd) == -1)
        die("close '%s'", temp_path);

    hold_stop_signals(SIG_BLOCK); /* the file is either temp or DST */
    if (rename(temp_path, dst) == -1)
        die("rename '%s' to '%s'", temp_path, dst);
    temp_exists = 0;
    hold_stop_signals(SIG_UNBLOCK);

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
    bool verbose = false;
    long window_mib = DEFAULT_WINDOW_MIB;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:vw:h")) != -1) {
        switch (opt) {
        case 'v': verbose = true; break;
        case 'w':
            if (!parse_long(optarg, 1, MAX_WINDOW_MIB, &window_mib))
                usage_bad("bad window '%s': expected 1 to %d (MiB)", optarg, MAX_WINDOW_MIB);
            break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (argc - optind < 2)
        usage_bad("missing %s", argc == optind ? "SRC and DST" : "DST");
    if (argc - optind > 2)
        usage_bad("unexpected argument '%s'", argv[optind + 2]);
    const char *src = argv[optind], *dst = argv[optind + 1];
    size_t window = (size_t)window_mib * MIB; /* a multiple of the page size */

    /* DST's folder and name: the temporary file goes in that folder. */
    const char *slash = strrchr(dst, '/');
    const char *dst_name = slash != NULL ? slash + 1 : dst;
    char *dst_folder = slash == NULL ? strdup(".")
                     : slash == dst  ? strdup("/")
                                     : strndup(dst, (size_t)(slash - dst));
    if (dst_folder == NULL)
        die("strdup");
    const char *src_name = strrchr(src, '/') != NULL ? strrchr(src, '/') + 1 : src;

    /* Step 1: open the source (its mapping is made a window at a time, in
     * copy_window), and refuse what must be refused before any file is
     * created. */
    struct stat src_st;
    int src_fd = open_source(src, &src_st);
    refuse_same_file(src, &src_st, dst, src_name);
    if (*dst_name == '\0') {
        errno = EISDIR;
        die("destination '%s' ends with '/': name the copy", dst);
    }

    /* Step 2: the new file, with the source's size, its blocks reserved. */
    remove_temp_on_exit_and_signals();
    catch_sigbus();
    int dst_fd = create_temp(dst, dst_folder, dst_name, &src_st);

    /* Steps 3 and 4, a window at a time (an empty file has no window: the
     * article's mmap of length 0 fails with EINVAL). */
    for (off_t offset = 0; offset < src_st.st_size; offset += (off_t)window) {
        off_t left = src_st.st_size - offset;
        copy_window(src_fd, src, dst_fd, offset, left < (off_t)window ? (size_t)left : window);
        if (offset == 0)
            test_hook_stop();
    }
    if (close(src_fd) == -1)
        die("close source '%s'", src);

    /* Step 5: on disk, then under its name. */
    finish_copy(dst_fd, dst, dst_folder);
    free(dst_folder);
    if (verbose) {
        printf("copied %jd bytes\n", (intmax_t)src_st.st_size);
        check_stdout(NULL);
    }
    return 0;
}
