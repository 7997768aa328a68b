/* shm-write - leave a text in a System V shared memory segment.
 *
 * Follows article 000 (共享内存的实现步骤, the writer) and article 002,
 * section 5.6 (write_shm.c): make a key with ftok(".", 'a'), create or open
 * a segment of 1024 bytes (article 000; -s SIZE for article 002's 4096),
 * attach it, copy the text with its NUL, and print
 * its id.  Then, as in article 000, exit and leave the segment for
 * shm-read; or, with -w, wait for Enter as write_shm.c does, then detach and
 * remove it.
 *
 *     make && ./shm-write && ./shm-read     # Message from shared memory: Hello, world!
 *     ./shm-write -w 'still here'           # shm-stat in another terminal, then Enter
 *     ./shm-write -k 100 -s 4096 helloworld # article 002's run
 */
#define _GNU_SOURCE
#include "lab.h"
#include "shm_key.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#define SHM_SIZE 1024             /* article 000's SHM_SIZE (-s changes it) */
#define MAX_SIZE (1L << 30)       /* -s above 1 GiB is surely a typo */
#define DEFAULT_TEXT "Hello, world!"

static const char usage_text[] =
    "usage: shm-write [-k KEY | -p PATH] [-m MODE] [-s SIZE] [-w] [-o] [TEXT]\n"
    "  Copies TEXT (default 'Hello, world!') with its NUL into a segment of\n"
    "  SIZE bytes, created if missing, and prints 'shmid : N'.  The segment\n"
    "  is left for shm-read, unless -w.\n"
    "  -k KEY   segment key (strtol base 0)\n"
    "  -p PATH  key ftok(PATH, 'a')\n"
    "           without either: $IPC_LAB_KEY, else ftok(\".\", 'a')\n"
    "  -m MODE  permissions if the segment is created, octal (default 0600)\n"
    "  -s SIZE  segment size in bytes, 1 to 1073741824 (default 1024); an\n"
    "           existing segment must have at least SIZE bytes\n"
    "  -w       then wait for a line (Enter) or the end of input, detach and\n"
    "           remove the segment\n"
    "  -o       write into a segment another user owns (refused by default)\n"
    "  -h       this help\n";

/* shmget fails with EINVAL when a segment smaller than size already
 * has the key: say how big it is, and how to remove it. */
_Noreturn static void die_too_small(key_t key, long size)
{
    struct shmid_ds ds;
    int shmid = shmget(key, 0, 0);

    if (shmid != -1 && shmctl(shmid, IPC_STAT, &ds) == 0) {
        errno = EINVAL;
        die("shmget key 0x%08x (segment %d under this key has %zu bytes, fewer "
            "than %ld; remove it with: ipcrm -M 0x%08x)",
            (unsigned)key, shmid, (size_t)ds.shm_segsz, size, (unsigned)key);
    }
    errno = EINVAL;
    die_shmget(key);
}

int main(int argc, char *argv[])
{
    const char *key_text = NULL, *path = NULL;
    int mode = DEFAULT_MODE;
    long shm_size = SHM_SIZE;
    bool wait_then_remove = false, others_allowed = false;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:k:p:m:s:woh")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'p': path = optarg; break;
        case 'm':
            if (!parse_mode(optarg, &mode))
                usage_bad("bad mode '%s': expected octal such as 0600", optarg);
            break;
        case 's':
            if (!parse_long(optarg, 1, MAX_SIZE, &shm_size))
                usage_bad("bad size '%s': expected 1 to %ld bytes", optarg, MAX_SIZE);
            break;
        case 'w': wait_then_remove = true; break;
        case 'o': others_allowed = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    key_options_check(key_text, path);
    const char *text = DEFAULT_TEXT;
    if (optind < argc)
        text = argv[optind++];
    if (optind < argc)
        usage_bad("unexpected argument '%s' (quote a TEXT with spaces)", argv[optind]);
    /* The text goes with its NUL, so that shm-read knows where it ends. */
    size_t size = strlen(text) + 1;
    if (size > (size_t)shm_size)
        usage_bad("text too long: %zu bytes, at most %ld fit with the NUL",
                  size - 1, shm_size - 1);
    key_t key = key_from_options(key_text, path);

    /* lesson: shmget, shmat, copy TEXT with its NUL; -w: wait, remove, shmdt */
    /* Step 1: create the segment, or open it if it exists (IPC_CREAT, as in
     * both articles).  IPC_EXCL tells which: one we did not create may be
     * anyone's, so check_segment_owner looks before we write into it.  A
     * segment already there keeps its own mode and size; one smaller than
     * shm_size bytes cannot be opened with this size. */
    if (wait_then_remove)
        signals_hold(); /* until the segment is registered for removal */
    int shmid = shmget(key, (size_t)shm_size, IPC_CREAT | IPC_EXCL | mode);
    if (shmid == -1 && errno == EEXIST && (shmid = shmget(key, (size_t)shm_size, 0)) != -1)
        check_segment_owner(shmid, key, others_allowed);
    if (shmid == -1 && errno == EINVAL)
        die_too_small(key, shm_size);
    if (shmid == -1)
        die_shmget(key);
    if (wait_then_remove)
        cleanup_segment(shmid, ON_SIGNAL | ON_ERROR);

    /* Step 2: attach it where the kernel chooses (NULL). */
    char *shmaddr = shmat(shmid, NULL, 0);
    if (shmaddr == (void *)-1)
        die("shmat segment %d", shmid);

    /* Step 3: write.  Article 000 copied message.size() bytes, without the
     * NUL: a reader then printed whatever followed in the segment. */
    memcpy(shmaddr, text, size);
    printf("shmid : %d\n", shmid);

    if (!wait_then_remove) {
        /* Leave the segment for shm-read: detach only. */
        if (shmdt(shmaddr) == -1)
            die("shmdt segment %d", shmid);
        return 0;
    }

    /* -w: article 002's "press any key": wait for a line or the end. */
    char *line = NULL;
    size_t capacity = 0;
    prompt("Press Enter to detach and remove the segment: ");
    if (read_line(stdin, &line, &capacity) == -1)
        prompt_end_of_input();
    free(line);

    /* Steps 4 and 5: mark the segment for removal while still attached,
     * then detach; the last detach destroys it.  This order cannot fail if
     * someone (ipcrm, shm-read) removed it meanwhile: removing a marked
     * segment again is allowed (article 002, question 2), whereas after our
     * shmdt it might be gone, and IPC_RMID would fail with EINVAL. */
    if (shmctl(shmid, IPC_RMID, NULL) == -1)
        die("shmctl IPC_RMID segment %d", shmid);
    cleanup_forget();
    if (shmdt(shmaddr) == -1)
        die("shmdt segment %d", shmid);
    return 0;
    /* end of lesson */
}
