# ipc-labs: build every lab, run them, test them, check them.
#
#   make            build every lab (each into its own folder)
#   make demo       build, then run each lab once with scripted input
#   make test       the bats suite; ends with "N passed, N failed"
#                   (make test JOBS=4 runs four tests at a time)
#   make check      -Werror builds under gcc and clang, cppcheck, shellcheck
#   make clean      remove every built file
#
# A lab is any folder labs/NAME with a Makefile: adding one needs no edit here.
# CC, CFLAGS and friends are passed down: make CC=clang, make CFLAGS+=-O0.

LABS := $(patsubst %/Makefile,%,$(sort $(wildcard labs/*/Makefile)))
JOBS ?= 1

.PHONY: all demo test check clean $(LABS)

all: $(LABS)

$(LABS):
	@scripts/bootstrap build
	$(MAKE) -C $@

demo: all
	@scripts/demo

test: all
	@JOBS=$(JOBS) scripts/run-tests

check:
	@scripts/check

clean:
	@for lab in $(LABS); do $(MAKE) -s -C $$lab clean || exit 1; done
