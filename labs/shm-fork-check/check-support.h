/* check-support.h - shm-check's plumbing, kept out of shm-check.c so that
 * the lesson reads as article 001's program: the options, and the child's
 * rule "one failure, one line" (check-support.c says how it knows). */
#ifndef CHECK_SUPPORT_H
#define CHECK_SUPPORT_H

#include <stddef.h>
#include <sys/ipc.h> /* key_t */

/* Call first in main: lab_init with shm-check's usage text, then -k KEY,
 * -m MODE, -s SIZE (more than sizeof(long), at most 1 GiB) and -h; bad usage
 * exits 2.  KEY defaults as key_from_option_env_or says, MODE to
 * DEFAULT_MODE, SIZE to default_size. */
void parse_check_options(int argc, char *argv[], key_t article_key, long default_size,
                         key_t *key, int *mode, size_t *size);

/* die_shmget after a shmget(IPC_CREAT | IPC_EXCL) of size bytes: EINVAL,
 * there, is a size over the kernel's limit, and a bare "Invalid argument"
 * would not say which: "shmget key 0x..., N bytes (more than kernel.shmmax,
 * the largest segment allowed: M bytes, see /proc/sys/kernel/shmmax)". */
_Noreturn void die_shmget_size(key_t key, size_t size);

/* The child, after a failed call: exit 1 without a word if the parent has
 * already given up (and said why); else return, errno unchanged. */
void child_exit_if_parent_gave_up(int shmid, int doorbell);

/* The child found status != body_size at the end of the pipe: the parent
 * ended without publishing.  Says so on stderr unless the parent gave up
 * (then it exits 1 quietly); either way the child exits 1 (fail). */
int child_parent_ended_early(int shmid, int doorbell, long status, size_t body_size);

/* The child's check_stdout: its stdout is the parent's, so a write that
 * fails there fails in both, and only the parent says so. */
void child_check_stdout(int shmid, int doorbell);

#endif
