/* shm_key.h - the key shm-write, shm-read and shm-stat agree on.
 *
 * Article 000 names its segment with ftok(".", 'a'): a key made from the
 * current directory's inode and device numbers, so a writer and a reader
 * started in the same folder meet.  -p PATH names another file, -k KEY a
 * number; IPC_LAB_KEY is the suite's usual override.  In that order:
 *
 *     -k KEY, else ftok(PATH, 'a') with -p, else $IPC_LAB_KEY, else ftok(".", 'a')
 */
#ifndef SHM_KEY_H
#define SHM_KEY_H

#include "lab.h"

#include <stdlib.h>
#include <sys/ipc.h>

#define FTOK_PROJ_ID 'a' /* article 000's ftok(".", 'a') */

/* Check -k and -p at option time: giving both is bad usage. */
static inline void key_options_check(const char *key_text, const char *path)
{
    if (key_text != NULL && path != NULL)
        usage_bad("-k and -p both give the key: use one of them");
}

/* The key, once every option has been checked.  Key 0 would be
 * IPC_PRIVATE: a new segment no other program could find, so it is bad
 * usage here.  ftok's only failure is a file it cannot stat. */
static inline key_t key_from_options(const char *key_text, const char *path)
{
    if (path == NULL && (key_text != NULL || getenv("IPC_LAB_KEY") != NULL)) {
        key_t key = key_from_option_env_or(key_text, IPC_PRIVATE);
        if (key == IPC_PRIVATE)
            usage_bad("key 0 is IPC_PRIVATE: no other program could find that segment");
        return key;
    }
    if (path == NULL)
        path = ".";
    key_t key = ftok(path, FTOK_PROJ_ID);
    if (key == -1)
        die("ftok %s", path);
    return key;
}

#endif
