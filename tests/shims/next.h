/* next.h - how a shim calls the function it stands in for.
 *
 * A shim (an LD_PRELOAD library, see build_shim in tests/lab_helper.bash)
 * defines a libc function to catch a moment in a lab program, then calls
 * the definition it hides: dlsym(RTLD_NEXT, NAME) finds it.  dlsym returns
 * an object pointer, which ISO C may not convert to a function pointer:
 * its bytes are copied instead, as POSIX allows (dlsym(3p)). */
#ifndef SHIMS_NEXT_H
#define SHIMS_NEXT_H

#include <dlfcn.h>
#include <string.h>

/* NEXT(pointer, "name"): pointer = the next definition of name. */
#define NEXT(pointer, name)                                  \
    do {                                                     \
        void *next_found = dlsym(RTLD_NEXT, name);           \
        memcpy(&(pointer), &next_found, sizeof next_found);  \
    } while (0)

#endif
