# common/lab.mk - the make rules every lab shares.
#
# A lab's Makefile names its programs, includes this file, and lists its demo:
#     PROGRAMS = chat chat-send chat-recv
#     include ../../common/lab.mk
#     demo-steps: all
#     	printf 'hi\nexit\n' | ./chat
# Each program PROG is built from PROG.c plus the helpers in common/, straight
# into the lab folder.  A lab whose programs are split into several files
# names the others before the include; they are linked into each program:
#     LAB_SOURCES = bench-support.c
# Override as usual: make CC=clang, make CFLAGS+=-O0.

COMMON := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TOP    := $(abspath $(COMMON)/..)
LAB    := $(notdir $(CURDIR))

# The language, the warnings and the defaults live here, not in CFLAGS, so
# they stay when CFLAGS is set on the command line; CFLAGS comes last, so
# make CFLAGS=-O0 and make CFLAGS+=-fsanitize=address both do what they say.
LAB_CFLAGS := -std=c11 -Wall -Wextra -O2 -g -I$(COMMON)
COMMON_SRC := $(COMMON)/lab.c $(COMMON)/cleanup.c
# make test FILTER=REGEX: the recipe reads it from the environment, so that
# a quote in REGEX is no shell syntax.
export FILTER

.PHONY: all demo demo-steps test clean
all: $(PROGRAMS)

# A lab's own sources (LAB_SOURCES) and headers (shm_com.h, ...) are
# prerequisites of all its programs.
$(PROGRAMS): %: %.c $(LAB_SOURCES) $(COMMON_SRC) $(COMMON)/lab.h $(wildcard *.h)
	$(CC) $(LAB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LAB_SOURCES) $(COMMON_SRC) $(LDFLAGS) $(LDLIBS)

# The demo runs where `make demo` at the top runs it: in a private IPC
# namespace when the machine allows one (scripts/demo says which).
demo: all
	@$(TOP)/scripts/demo $(LAB)

# This lab's tests only (the bats file named after the lab folder);
# FILTER=REGEX: only the tests whose name matches.
test: all
	@$(TOP)/scripts/run-tests $(if $(FILTER),-f "$$FILTER") $(TOP)/tests/$(LAB).bats

clean:
	rm -f $(PROGRAMS)
