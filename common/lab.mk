# common/lab.mk - the make rules every lab shares.  A lab's Makefile names
# its programs (PROGRAMS = chat chat-send), its support files, linked into
# each program (LAB_SOURCES = chat-child.c), includes this file and lists
# its demo-steps.  Each PROG is built from PROG.c, LAB_SOURCES and common/.

COMMON := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TOP    := $(abspath $(COMMON)/..)
LAB    := $(notdir $(CURDIR))

# Not in CFLAGS, so they stay when CFLAGS is set; CFLAGS comes last, so
# make CFLAGS=-O0 and CFLAGS+=-fsanitize=address do what they say.
LAB_CFLAGS := -std=c11 -Wall -Wextra -O2 -g -I$(COMMON)
COMMON_SRC := $(COMMON)/lab.c $(COMMON)/cleanup.c
# make test FILTER=REGEX: read from the environment (a quote is no syntax).
export FILTER

.PHONY: all demo demo-steps test clean
all: $(PROGRAMS)

$(PROGRAMS): %: %.c $(LAB_SOURCES) $(COMMON_SRC) $(COMMON)/lab.h $(wildcard *.h)
	$(CC) $(LAB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LAB_SOURCES) $(COMMON_SRC) $(LDFLAGS) $(LDLIBS)

# In a private IPC namespace when the machine allows one (scripts/demo).
demo: all
	@$(TOP)/scripts/demo $(LAB)

# This lab's tests only (tests/LAB.bats).
test: all
	@$(TOP)/scripts/run-tests $(if $(FILTER),-f "$$FILTER") $(TOP)/tests/$(LAB).bats

clean:
	rm -f $(PROGRAMS)
