/* shm-read - print the text shm-write left in a shared memory segment.
 *
 * Follows article 000 (共享内存的实现步骤, the reader) and article 002,
 * section 5.6 (read_shm.c): the same ftok(".", 'a') key as the writer, open
 * the existing segment, attach, print the text, and remove the segment.
 * Unlike the articles, it never creates one: article 002's
 * shmget(100, 0, IPC_CREAT) makes a new, empty segment when the writer has
 * not run (or fails with EINVAL, since size 0 is too small for a new one).
 * Out of sight: the key (-k, -p, ftok) in shm_key.h; the owner check in
 * shm-support.c; the removal on a stop signal in common/cleanup.c.
 *
 *     make && ./shm-write && ./shm-read     # Message from shared memory: Hello, world!
 *     ./shm-write hi && ./shm-read -K       # -K: read, and keep the segment
 */
#define _GNU_SOURCE
#include "lab.h"
#include "shm-support.h" /* and shm_key.h */

#include <errno.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: shm-read [-k KEY | -p PATH] [-K] [-o]\n"
    "  Prints 'Message from shared memory: TEXT', TEXT being what the\n"
    "  segment holds up to its first NUL, then removes the segment.\n"
    "  -k KEY   segment key (strtol base 0)\n"
    "  -p PATH  key ftok(PATH, 'a')\n"
    "           without either: $IPC_LAB_KEY, else ftok(\".\", 'a')\n"
    "  -K       keep the segment (do not remove it)\n"
    "  -o       read a segment another user owns (refused by default)\n"
    "  -h       this help\n";

int main(int argc, char *argv[])
{
    const char *key_text = NULL, *path = NULL;
    bool keep = false, others_allowed = false;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:k:p:Koh")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'p': path = optarg; break;
        case 'K': keep = true; break;
        case 'o': others_allowed = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    key_options_check(key_text, path);
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    key_t key = key_from_options(key_text, path);

    /* lesson: shmget (no IPC_CREAT), shmat read-only, print, remove, shmdt */
    /* Step 1: open the segment: no IPC_CREAT, and size 0 ("any size"). */
    if (!keep)
        signals_hold(); /* until the segment is registered for removal */
    int shmid = shmget(key, 0, 0);
    if (shmid == -1 && errno == ENOENT)
        die("shmget key 0x%08x (no segment has this key: run shm-write first, "
            "in the same folder or with the same -k or -p)", (unsigned)key);
    if (shmid == -1)
        die_shmget(key);
    check_segment_owner(shmid, key, others_allowed); /* anyone may have made it */
    /* Removed when a signal stops us, but not after an error: a message
     * that could not be printed stays for another try. */
    if (!keep)
        cleanup_segment(shmid, ON_SIGNAL);

    /* The segment's size, to read no further than its end. */
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) == -1)
        die("shmctl IPC_STAT segment %d", shmid);

    /* Step 2: attach, read-only: a reader has no business writing. */
    const char *shmaddr = shmat(shmid, NULL, SHM_RDONLY);
    if (shmaddr == (void *)-1)
        die("shmat segment %d", shmid);

    /* Step 3: read.  The articles printed with "%s", which runs past the
     * end of the segment (and crashes) when no NUL is there: stop at the
     * first NUL or at the last byte of the segment. */
    print_text_line("Message from shared memory: ", shmaddr,
                    strnlen(shmaddr, ds.shm_segsz));
    check_stdout("the segment is kept: run shm-read again");

    /* Steps 4 and 5: mark the segment for removal while still attached,
     * then detach; the last detach destroys it.  In this order a writer
     * that comes meanwhile creates a new segment instead of writing into
     * this one just before it goes, and a segment that someone else removed
     * meanwhile is no error (removing twice is allowed, article 002). */
    if (!keep) {
        if (shmctl(shmid, IPC_RMID, NULL) == -1)
            die("shmctl IPC_RMID segment %d", shmid);
        cleanup_forget();
    }
    if (shmdt(shmaddr) == -1)
        die("shmdt segment %d", shmid);
    return 0;
    /* end of lesson */
}
