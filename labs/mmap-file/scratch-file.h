/* scratch-file.h - mmap-pitfalls' scratch files, which leave nothing behind
 * (scratch-file.c).  Not the lesson: each experiment of mmap-pitfalls.c maps
 * one of these files; making one and removing its name is the armour. */
#ifndef SCRATCH_FILE_H
#define SCRATCH_FILE_H

#include <sys/types.h>

/* A new file of `size` zero bytes in $TMPDIR (or /tmp), opened with
 * open_flags (O_RDONLY, O_WRONLY or O_RDWR).  Its name is removed before
 * this returns: the file lives only as long as the descriptor and the
 * mappings that use it, so nothing is left behind.  The stop signals wait
 * while the name exists, so Ctrl-C cannot leave it either.  A failure is
 * one line and exit 1 (die). */
int scratch_file(off_t size, int open_flags);

#endif
