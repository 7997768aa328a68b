/* shm-stat - show what the kernel keeps about a shared memory segment.
 *
 * shmctl(IPC_STAT) fills a struct shmid_ds (article 002, section 5.5): the
 * owner and permissions (its ipc_perm), the size, how many processes have
 * it attached (shm_nattch: article 002's question 1), who attached or
 * detached last, and whether IPC_RMID has marked it for removal (question
 * 2: a marked segment lives on, with key 0, until the last detach).  Out
 * of sight: the key in shm_key.h, the owner check in shm-support.c.
 *
 *     make && ./shm-write && ./shm-stat     # attached: 0, marked for removal: no
 *     ./shm-stat -i SHMID                  # by id: also a segment already marked
 *     ./shm-stat -r                        # print, then remove the segment
 */
#define _GNU_SOURCE /* SHM_DEST */
#include "lab.h"
#include "shm-support.h" /* and shm_key.h */

#include <limits.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: shm-stat [-k KEY | -p PATH | -i SHMID] [-r]\n"
    "  Prints the segment's struct shmid_ds, one 'name: value' line each.\n"
    "  -k KEY    segment key (strtol base 0)\n"
    "  -p PATH   key ftok(PATH, 'a')\n"
    "            without -k, -p or -i: $IPC_LAB_KEY, else ftok(\".\", 'a')\n"
    "  -i SHMID  the segment with this id: the only way to reach one that is\n"
    "            marked for removal, since its key is then 0\n"
    "  -r        then remove the segment\n"
    "  -h        this help\n";

int main(int argc, char *argv[])
{
    const char *key_text = NULL, *path = NULL;
    long id = -1;
    bool remove_segment = false;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:k:p:i:rh")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'p': path = optarg; break;
        case 'i':
            if (!parse_long(optarg, 0, INT_MAX, &id))
                usage_bad("bad segment id '%s': expected 0 to %d", optarg, INT_MAX);
            break;
        case 'r': remove_segment = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    key_options_check(key_text, path);
    if (id != -1 && (key_text != NULL || path != NULL))
        usage_bad("-i names the segment by id: give no -k or -p with it");
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    key_t key = id == -1 ? key_from_options(key_text, path) : IPC_PRIVATE;

    /* lesson: shmget (or -i), shmctl IPC_STAT, print; -r: IPC_RMID */
    if (remove_segment)
        signals_hold();
    int shmid = (int)id;
    if (id == -1) {
        shmid = shmget(key, 0, 0);
        if (shmid == -1)
            die_shmget(key);
        /* Looking is harmless (ipcs shows every segment too): another
         * user's is shown, not refused; one anyone can write is pointed out. */
        check_segment_owner(shmid, key, true);
    }

    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) == -1)
        die("shmctl IPC_STAT segment %d", shmid);
    if (remove_segment)
        cleanup_segment(shmid, ON_SIGNAL); /* -r: a signal must not skip it */

    printf("key: 0x%08x\n", (unsigned)ds.shm_perm.__key);
    printf("shmid: %d\n", shmid);
    printf("owner uid: %u\n", (unsigned)ds.shm_perm.uid);
    printf("owner gid: %u\n", (unsigned)ds.shm_perm.gid);
    printf("creator uid: %u\n", (unsigned)ds.shm_perm.cuid);
    printf("creator gid: %u\n", (unsigned)ds.shm_perm.cgid);
    printf("perms: %04o\n", (unsigned)ds.shm_perm.mode & 0777);
    printf("size: %zu\n", (size_t)ds.shm_segsz);
    printf("attached: %lu\n", (unsigned long)ds.shm_nattch);
    printf("creator pid: %d\n", (int)ds.shm_cpid);
    printf("last pid: %d\n", (int)ds.shm_lpid);
    print_time_line("last attach time", ds.shm_atime);
    print_time_line("last detach time", ds.shm_dtime);
    print_time_line("last change time", ds.shm_ctime);
    /* IPC_RMID on an attached segment only sets this bit (and makes the
     * key 0); the segment goes at the last detach. */
    printf("marked for removal: %s\n", (ds.shm_perm.mode & SHM_DEST) ? "yes" : "no");

    if (remove_segment) {
        check_stdout("the segment is kept"); /* no removal without its report */
        if (shmctl(shmid, IPC_RMID, NULL) == -1)
            die("shmctl IPC_RMID segment %d", shmid);
        cleanup_forget();
    }
    return 0;
    /* end of lesson */
}
