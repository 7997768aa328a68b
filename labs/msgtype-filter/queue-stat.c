/* queue-stat - show what the kernel keeps about a message queue.
 *
 * msgctl(IPC_STAT) fills a struct msqid_ds (article 004, "消息队列结构"):
 * owner and permissions (its ipc_perm), how many messages and bytes are
 * queued, the byte limit (MSGMNB by default), and who sent and received last.
 *
 *     make && ./typed-send 1:hello && ./queue-stat
 *     ./queue-stat -r          # print, then remove the queue
 *
 * The armour is in common/: check_queue_owner (lab.c); with -r, signals_hold
 * and cleanup_queue (cleanup.c) remove the queue even if a signal stops us.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

#define MSG_KEY 0x121212

static const char usage_text[] =
    "usage: queue-stat [-k KEY] [-r]\n"
    "  Prints the queue's struct msqid_ds, one 'name: value' line each.\n"
    "  -k KEY  queue key (strtol base 0); default $IPC_LAB_KEY, else 0x121212\n"
    "  -r      then remove the queue\n"
    "  -h      this help\n";

int main(int argc, char *argv[])
{
    const char *key_text = NULL;
    bool remove_queue = false;
    int opt;

    lab_init(usage_text);
    while ((opt = getopt(argc, argv, "+:k:rh")) != -1) {
        switch (opt) {
        case 'k': key_text = optarg; break;
        case 'r': remove_queue = true; break;
        case 'h': usage_help();
        default: usage_bad_option(opt);
        }
    }
    if (optind < argc)
        usage_bad("unexpected argument '%s'", argv[optind]);
    key_t key = key_from_option_env_or(key_text, MSG_KEY);
    if (key == IPC_PRIVATE)
        usage_bad("key 0 is IPC_PRIVATE: it names no existing queue");

    /* lesson: msgget, msgctl IPC_STAT and print; -r: IPC_RMID */
    if (remove_queue)
        signals_hold();
    int msqid = msgget(key, 0);
    if (msqid == -1)
        die_msgget(key);
    /* Looking is harmless (ipcs shows every queue too): another user's queue
     * is shown, not refused; one anyone can write is still pointed out. */
    check_queue_owner(msqid, key, true);
    if (remove_queue)
        cleanup_queue(msqid, ON_SIGNAL); /* -r: a signal must not skip it */

    struct msqid_ds ds;
    if (msgctl(msqid, IPC_STAT, &ds) == -1)
        die("msgctl IPC_STAT queue %d", msqid);

    printf("key: 0x%08x\n", (unsigned)ds.msg_perm.__key);
    printf("msqid: %d\n", msqid);
    printf("owner uid: %u\n", (unsigned)ds.msg_perm.uid);
    printf("owner gid: %u\n", (unsigned)ds.msg_perm.gid);
    printf("creator uid: %u\n", (unsigned)ds.msg_perm.cuid);
    printf("creator gid: %u\n", (unsigned)ds.msg_perm.cgid);
    printf("perms: %04o\n", (unsigned)ds.msg_perm.mode & 0777);
    printf("messages: %lu\n", (unsigned long)ds.msg_qnum);
    printf("bytes: %lu\n", (unsigned long)ds.__msg_cbytes);
    printf("max bytes: %lu\n", (unsigned long)ds.msg_qbytes);
    printf("last msgsnd pid: %d\n", (int)ds.msg_lspid);
    printf("last msgrcv pid: %d\n", (int)ds.msg_lrpid);
    print_time_line("last msgsnd time", ds.msg_stime);
    print_time_line("last msgrcv time", ds.msg_rtime);
    print_time_line("last change time", ds.msg_ctime);

    /* What could not be printed must not be followed by the removal. */
    check_stdout(NULL);
    if (remove_queue) {
        if (msgctl(msqid, IPC_RMID, NULL) == -1)
            die("msgctl IPC_RMID queue %d", msqid);
        cleanup_forget();
    }
    return 0;
    /* end of lesson */
}
