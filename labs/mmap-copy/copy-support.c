/* copy-support.c - mmap-copy's armour: options, refusals, the SIGBUS guard,
 * write-behind.
 *
 * None of this is in article 002's copy (section 5.1.6); all of it is what
 * keeps a copy from losing data.  mmap-copy.c, the article's steps, calls
 * it; copy-support.h says what each function promises.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64   /* off_t of 64 bits, even on a 32-bit system */
#include "lab.h"
#include "copy-support.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_WINDOW_MIB 64
#define MAX_WINDOW_MIB     1024

/* ---- the command line ---- */

const char copy_usage_text[] =
    "usage: mmap-copy [-v] [-w MIB] SRC DST\n"
    "  Copies the regular file SRC to DST by mapping both and copying memory.\n"
    "  DST appears only once the copy is complete and on disk (a temporary\n"
    "  file in DST's folder, fsync, rename); it gets SRC's permission bits.\n"
    "  -v      print 'copied N bytes' at the end\n"
    "  -w MIB  map MIB mebibytes of each file at a time, 1 to 1024 (default 64)\n"
    "  -h      this help\n";

void parse_copy_request(int argc, char *argv[], struct copy_request *request)
{
    long window_mib = DEFAULT_WINDOW_MIB;
    int opt;

    request->verbose = false;
    while ((opt = getopt(argc, argv, "+:vw:h")) != -1) {
        switch (opt) {
        case 'v': request->verbose = true; break;
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
    request->src = argv[optind];
    request->dst = argv[optind + 1];
    request->window = (size_t)window_mib * MIB; /* a multiple of the page size */

    /* DST's folder and name: the temporary file goes in that folder. */
    const char *dst = request->dst, *slash = strrchr(dst, '/');
    request->dst_name = slash != NULL ? slash + 1 : dst;
    request->dst_folder = slash == NULL ? strdup(".")
                        : slash == dst  ? strdup("/")
                                        : strndup(dst, (size_t)(slash - dst));
    if (request->dst_folder == NULL)
        die("strdup");
}

/* The temporary file's name, for mkstemp: hidden, and it says what it is
 * if a SIGKILL ever leaves one behind.  NAME is cut to stay under NAME_MAX. */
char *temp_template(const struct copy_request *request)
{
    char *template;

    if (asprintf(&template, "%s/.%.200s.mmap-copy-XXXXXX", request->dst_folder,
                 request->dst_name) == -1)
        die("asprintf");
    return template;
}

/* ---- what is refused before any file is created ---- */

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))  return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode))  return "a character device";
    if (S_ISBLK(mode))  return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

void require_regular_source(const char *src, const struct stat *src_st)
{
    if (!S_ISREG(src_st->st_mode)) {
        /* /dev/zero would even map; a FIFO or a directory would not. */
        errno = S_ISDIR(src_st->st_mode) ? EISDIR : EINVAL;
        die("source '%s' is %s, not a regular file", src, file_kind(src_st->st_mode));
    }
}

/* "The same file" is the same device and inode, after following symbolic
 * links, so a second path, a hard link or a symlink to SRC are all caught.
 * (The article's truncate+write on such a DST would damage the source; a
 * copy that opens DST with O_TRUNC would empty it.) */
void refuse_destination(const struct copy_request *request, const struct stat *src_st)
{
    const char *src = request->src, *dst = request->dst;
    struct stat st;

    if (stat(dst, &st) == -1) {
        if (errno != ENOENT)
            die("stat destination '%s'", dst);
        /* else a new file (or a dangling symlink, replaced) */
    } else if (st.st_dev == src_st->st_dev && st.st_ino == src_st->st_ino) {
        errno = EINVAL;
        die("'%s' and '%s' are the same file (inode %ju), nothing was copied",
            src, dst, (uintmax_t)st.st_ino);
    } else if (S_ISDIR(st.st_mode)) {
        const char *src_name = strrchr(src, '/') != NULL ? strrchr(src, '/') + 1 : src;
        errno = EISDIR;
        die("destination '%s' is a directory: name the copy, e.g. '%s/%s'",
            dst, dst, src_name);
    } else if (!S_ISREG(st.st_mode)) {
        /* rename would replace a FIFO or a device node (as root, /dev/null)
         * with a regular file: a copy only replaces a regular file. */
        errno = EINVAL;
        die("destination '%s' is %s, not a regular file: it is not replaced",
            dst, file_kind(st.st_mode));
    }
    if (*request->dst_name == '\0') {
        errno = EISDIR;
        die("destination '%s' ends with '/': name the copy", dst);
    }
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
static int guarded_src_fd;
static const char *guarded_src, *guarded_copy;

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
    (void)context;
    if (!bus_error_armed) {
        /* Not in copy_bytes: a bug.  Return with the default action, so
         * the faulting instruction runs again and we die of SIGBUS. */
        cleanup_now(ON_ERROR);
        signal(sig, SIG_DFL);
        return;
    }
    bus_error_armed = 0;
    bus_error_address = info->si_addr;
    siglongjmp(bus_error_jump, 1);
}

void guard_copy_against_sigbus(int src_fd, const char *src, const char *copy_path)
{
    struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

    guarded_src_fd = src_fd;
    guarded_src = src;
    guarded_copy = copy_path;
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

/* After SIGBUS at address fault, copying len bytes at offset from `from`
 * to `to`: say which file and which byte, and why if we can. */
static _Noreturn void die_bus_error(const char *fault, const char *from, const char *to,
                                    size_t len, off_t offset)
{
    /* As integers: < between pointers into different mappings is undefined. */
    uintptr_t address = (uintptr_t)fault, source = (uintptr_t)from;
    bool in_source = address >= source && address - source < len;
    off_t at = offset + (off_t)(address - (in_source ? source : (uintptr_t)to));
    struct stat st;

    if (in_source && fstat(guarded_src_fd, &st) == 0 && st.st_size <= at) {
        /* The fault's own byte is not the one to report: memcpy need not
         * go front to back (glibc's, on some CPUs, reads the last bytes of
         * a large copy first), so it may be anywhere past the new end.
         * The first byte of this step that the file no longer has is. */
        off_t lost = st.st_size > offset ? st.st_size : offset;
        errno = ENODATA;
        die("read source '%s' at byte %jd: SIGBUS, the file shrank to %jd bytes "
            "during the copy", guarded_src, (intmax_t)lost, (intmax_t)st.st_size);
    }
    /* Pages that are still in the file: a read or a write that failed. */
    errno = EIO;
    die("%s '%s' at byte %jd: SIGBUS", in_source ? "read source" : "write",
        in_source ? guarded_src : guarded_copy, (intmax_t)at);
}

void copy_guarded(char *to, const char *from, size_t len, off_t offset)
{
    const char *fault = copy_bytes(to, from, len);

    if (fault != NULL)
        die_bus_error(fault, from, to, len, offset);
}

/* ---- write-behind ----
 * A window just copied is only dirty page cache.  Left there, a 1 GiB copy
 * keeps 1 GiB of new pages until the end: memory taken from everything else,
 * and, in a virtual machine whose free memory goes back to the host, fresh
 * pages that cost far more to fill the first time (docs/mmap-copy.md, "How
 * fast?").  So each window is sent to disk as soon as it is copied, and the
 * one before it, written while we copied this one, is waited for and then
 * dropped: its freed pages serve the next window.  Neither call is a promise
 * that the data is safe (no metadata, no disk cache flush): fsync is. */
void write_behind(int fd, const char *path, off_t offset, size_t len)
{
    const unsigned int wait_and_write = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                                        | SYNC_FILE_RANGE_WAIT_AFTER;

    if (sync_file_range(fd, offset, (off_t)len, SYNC_FILE_RANGE_WRITE) == -1)
        die("sync_file_range '%s'", path);
    if (offset == 0)
        return;
    /* Everything before this window: already dropped, but for the last. */
    if (sync_file_range(fd, 0, offset, wait_and_write) == -1)
        die("sync_file_range '%s'", path);
    int err = posix_fadvise(fd, 0, offset, POSIX_FADV_DONTNEED); /* returns the errno */
    if (err != 0) {
        errno = err;
        die("posix_fadvise '%s'", path);
    }
}

/* ---- the tests' hook ----
 * So that a test can act on a copy half done (truncate the source, send a
 * signal) and then let it go on with SIGCONT.  Without it, a race. */
void test_hook_stop(void)
{
    const char *value = getenv("MMAP_COPY_TEST_STOP");

    if (value != NULL && strcmp(value, "1") == 0)
        raise(SIGSTOP);
}
