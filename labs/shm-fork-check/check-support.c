/* check-support.c - shm-check's plumbing (see check-support.h): its options,
 * its error for a segment over kernel.shmmax, and how its child keeps quiet
 * when the parent has already spoken. */
#define _GNU_SOURCE
#include "lab.h"
#include "check-support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <unistd.h>

#define MAX_SIZE (1L << 30) /* -s above 1 GiB is surely a typo */

static const char usage_text[] =
    "usage: shm-check [-k KEY] [-m MODE] [-s SIZE]\n"
    "  Creates a segment of SIZE bytes { long status; char body[]; } and forks.\n"
    "  The parent fills the body with 0xff and publishes status; the child\n"
    "  waits for it and checks every byte: 'check ok: N' or\n"
    "  'check failed: K of N bytes wrong' (exit 1).  The parent then removes\n"
    "  the segment and exits with the child's status.\n"
    "  -k KEY   segment key (strtol base 0; 0 = IPC_PRIVATE); default\n"
    "           $IPC_LAB_KEY, else 752364\n"
    "  -m MODE  permissions of the new segment, octal (default 0600)\n"
    "  -s SIZE  segment size in bytes, more than sizeof(long) (default 4096)\n"
    "  -h       this help\n";

void parse_check_options(int argc, char *argv[], key_t article_key, long default_size,
                         key_t *key, int *mode, size_t *size)
{
    const char *key_text = NULL;
    long size_option = default_size;
    int opt;

    lab_init(usage_text);
    *mode = DEFAULT_MODE;
    while ((opt = getopt(argc, argv, "+:k:m:s:h")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'm': *mode = mode_option(optarg); break;
        case 's':
            if (!parse_long(optarg, (long)sizeof(long) + 1, MAX_SIZE, &size_option))
                usage_bad("bad size '%s': expected %zu to %ld bytes",
                          optarg, sizeof(long) + 1, MAX_SIZE);
            break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    *key = key_from_option_env_or(key_text, article_key);
    *size = (size_t)size_option;
}

/* One failure, one line: the parent that gives up says why and removes the
 * segment (die), or dies of a stop signal, which removes it too: the signal
 * is the whole story.  So once its end of the pipe is closed, a segment
 * that is gone, or marked for removal (SHM_DEST: it lives on while the child
 * is attached), means the parent has spoken, and the child keeps quiet.
 * Only a parent killed outright (SIGKILL) leaves it to the child. */
static bool parent_gave_up(int shmid, int doorbell)
{
    char byte;
    ssize_t n;
    struct shmid_ds ds;

    do
        n = read(doorbell, &byte, 1);
    while (n == -1 && errno == EINTR);
    return shmctl(shmid, IPC_STAT, &ds) == -1 || (ds.shm_perm.mode & SHM_DEST);
}

void child_exit_if_parent_gave_up(int shmid, int doorbell)
{
    int err = errno;

    if (parent_gave_up(shmid, doorbell))
        exit(1);
    errno = err;
}

int child_parent_ended_early(int shmid, int doorbell, long status, size_t body_size)
{
    child_exit_if_parent_gave_up(shmid, doorbell);
    fail("the parent ended without publishing the status (status %ld, expected %zu)",
         status, body_size);
}

void child_check_stdout(int shmid, int doorbell)
{
    if (fflush(stdout) != EOF && !ferror(stdout))
        return;
    int err = errno;
    if (parent_gave_up(shmid, doorbell))
        _exit(1); /* not exit: its stdout flush would say it again */
    errno = err;
    check_stdout(NULL);
}

void die_shmget_size(key_t key, size_t size)
{
    int err = errno;
    unsigned long long shmmax = 0;
    FILE *f = err == EINVAL ? fopen("/proc/sys/kernel/shmmax", "r") : NULL;

    if (f != NULL) {
        if (fscanf(f, "%llu", &shmmax) != 1)
            shmmax = 0;
        fclose(f);
    }
    errno = err;
    if (shmmax > 0 && size > shmmax)
        die("shmget key 0x%08x, %zu bytes (more than kernel.shmmax, the largest segment "
            "allowed: %llu bytes, see /proc/sys/kernel/shmmax)", (unsigned)key, size, shmmax);
    die_shmget(key);
}
