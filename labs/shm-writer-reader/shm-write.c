/* shm-write - leave a text in a System V shared memory segment.
 *
 * Follows article 000 (共享内存的实现步骤, the writer) and article 002,
 * section 5.6 (write_shm.c): make a key with ftok(".", 'a'), create or open
 * a segment of 1024 bytes (article 000; -s SIZE for article 002's 4096),
 * attach it, copy the text with its NUL, and print its id.  Then, as in
 * article 000, exit and leave the segment for shm-read; or, with -w, wait
 * for Enter as write_shm.c does, then detach and remove it.  Out of sight:
 * the options (and the key they give), the owner check and the error for a
 * segment too small in shm-support.c, the removal on a signal in cleanup.c.
 *
 *     make && ./shm-write && ./shm-read     # Message from shared memory: Hello, world!
 *     ./shm-write -w 'still here'           # shm-stat in another terminal, then Enter
 *     ./shm-write -k 100 -s 4096 helloworld # article 002's run
 */
#define _GNU_SOURCE
#include "lab.h"
#include "shm-support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

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

int main(int argc, char *argv[])
{
    struct write_options options;

    lab_init(usage_text);
    parse_write_options(argc, argv, &options);
    key_t key = options.key;

    /* lesson: shmget, shmat, copy TEXT with its NUL; -w: wait, remove, shmdt */
    /* Step 1: create the segment, or open it if it exists (IPC_CREAT, as in
     * both articles).  IPC_EXCL tells which: one we did not create may be
     * anyone's, so check_segment_owner looks before we write into it.  A
     * segment already there keeps its own mode and size; one smaller than
     * options.size bytes cannot be opened with this size. */
    if (options.wait_then_remove)
        signals_hold(); /* until the segment is registered for removal */
    int shmid = shmget(key, options.size, IPC_CREAT | IPC_EXCL | options.mode);
    if (shmid == -1 && errno == EEXIST && (shmid = shmget(key, options.size, 0)) != -1)
        check_segment_owner(shmid, key, options.others_allowed);
    if (shmid == -1 && errno == EINVAL)
        die_too_small(key, options.size);
    if (shmid == -1)
        die_shmget(key);
    if (options.wait_then_remove)
        cleanup_segment(shmid, ON_SIGNAL | ON_ERROR);

    /* Step 2: attach it where the kernel chooses (NULL). */
    char *shmaddr = shmat(shmid, NULL, 0);
    if (shmaddr == (void *)-1)
        die("shmat segment %d", shmid);

    /* Step 3: write, with the NUL.  Article 000 copied message.size() bytes,
     * without it: a reader then printed whatever followed in the segment. */
    memcpy(shmaddr, options.text, strlen(options.text) + 1);
    printf("shmid : %d\n", shmid);

    if (!options.wait_then_remove) {
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
