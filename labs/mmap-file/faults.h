/* faults.h - what mmap-pitfalls' experiments run into, named and survived
 * (faults.c).  Not the lesson: mmap-pitfalls.c makes the calls and forks the
 * child that touches a mapping; these name the result, and make the child's
 * death by a fault a clean one. */
#ifndef FAULTS_H
#define FAULTS_H

/* The name of errno, after a failed call: "EINVAL". */
const char *errno_name(void);

/* In the child, before it touches the mapping: no core file (the signal we
 * expect would dump "core" in the current directory, on many systems), and
 * SIGBUS and SIGSEGV at their default action, whatever handler we may have
 * inherited (a sanitizer's, say), so a fault kills the child, visibly.  A
 * failure is one line and exit 1 (die). */
void let_a_fault_kill_this_child(void);

/* "SIGBUS" for SIGBUS: the signal's name, in a static buffer. */
const char *signal_name(int sig);

#endif
