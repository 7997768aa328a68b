/* shim.h - what the shims share.
 *
 * A shim (an LD_PRELOAD library, see build_shim in tests/lab_helper.bash)
 * defines a libc function to catch a moment in a lab program, then calls
 * the definition it hides: dlsym(RTLD_NEXT, NAME) finds it.  dlsym returns
 * an object pointer, which ISO C may not convert to a function pointer:
 * its bytes are copied instead, as POSIX allows (dlsym(3p)).  Most moments
 * belong to one process of the program, its first or the others: first_pid
 * tells them apart. */
#ifndef SHIMS_SHIM_H
#define SHIMS_SHIM_H

#include <dlfcn.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* NEXT(pointer, "name"): pointer = the next definition of name. */
#define NEXT(pointer, name)                                  \
    do {                                                     \
        void *next_found = dlsym(RTLD_NEXT, name);           \
        memcpy(&(pointer), &next_found, sizeof next_found);  \
    } while (0)

/* The program's first process: the one the library was loaded in. */
static pid_t first_pid;

__attribute__((constructor)) static void remember_first_pid(void)
{
    first_pid = getpid();
}

#endif
