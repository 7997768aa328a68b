/* mmap-write-eperm.c - the shim of tests/mmap-file.bats: an mmap that
 * refuses PROT_WRITE alone with EPERM, as a stricter system might; every
 * other call goes to the kernel unchanged.  mmap-pitfalls must then answer
 * differently: its answers are observed, not written in. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    if (prot == PROT_WRITE) {
        errno = EPERM;
        return MAP_FAILED;
    }
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, offset);
}
