# ipc-labs: build every lab, run them, test them, check them.  `make help`
# lists the targets and settings.
#
# A lab is any folder labs/NAME with a Makefile: adding one needs no edit here.
# CC, CFLAGS and friends are passed down: make CC=clang, make CFLAGS+=-O0.

LAB_DIRS := $(patsubst %/Makefile,%,$(sort $(wildcard labs/*/Makefile)))
LAB_NAMES := $(notdir $(LAB_DIRS))
JOBS ?= 1
# make test FILTER=REGEX: the recipe reads it from the environment, so that
# a quote in REGEX is no shell syntax.
export FILTER
# The students' handout (make handout) has no grader, nor the tools below
# that only instructors and developers use: there, those targets do not exist.
INSTRUCTORS := $(wildcard scripts/grade)
INSTRUCTOR_TARGETS := check grade handout gradescope sanitize valgrind fuzz

.PHONY: all help demo test test-all clean bench $(LAB_DIRS) $(LAB_NAMES) $(INSTRUCTOR_TARGETS)

all: $(LAB_DIRS)

help:
	@echo 'make                build every lab (each into its own folder)'
	@echo 'make LAB            build one lab: $(LAB_NAMES)'
	@echo 'make demo           build, then run each lab once with scripted input'
	@echo 'make test           the labs'"'"' tests; the last line is "N passed, N failed"'
ifneq ($(INSTRUCTORS),)
	@echo 'make test-all       the labs'"'"' tests, the grader'"'"'s tests and the fault matrix'
endif
	@echo 'make clean          remove every built file (and build/)'
	@echo 'make bench          measure the IPC mechanisms (labs/ipc-bench): CSV and chart in build/bench/'
ifneq ($(INSTRUCTORS),)
	@echo 'make check          -Werror builds under gcc and clang, cppcheck, shellcheck'
	@echo 'make grade          score this tree with the suite (scripts/grade -h for a student'"'"'s)'
	@echo 'make handout        the students'"'"' starter tree in build/handout (lessons as TODO stubs)'
	@echo 'make gradescope     the Gradescope autograder zip in build/gradescope/'
	@echo 'make sanitize       every lab built with ASan and UBSan, and the suite run against that build'
	@echo 'make valgrind       each lab'"'"'s demo under valgrind memcheck'
	@echo 'make fuzz           the libFuzzer harnesses of tests/fuzz, FUZZ_TIME seconds each (default 60)'
endif
	@echo 'make -C labs/LAB [demo|test]   the same for one lab'
	@echo
	@echo 'Settings (make VAR=value, or in the environment):'
	@echo '  JOBS=N            test files run at once by make test (default 1)'
	@echo '  FILTER=REGEX      make test runs only the tests whose name matches'
	@echo '  LAB_TIMEOUT=S     seconds any one program may run in a test (default 10)'
	@echo '  WAIT_TIMEOUT=S    seconds a test waits for a condition (default 5)'
	@echo '  CC=cc, CFLAGS=    compiler and extra flags (make CC=clang, make CFLAGS+=-O0)'

$(LAB_NAMES): %: labs/%

$(LAB_DIRS):
	@scripts/bootstrap build
	$(MAKE) -C $@

demo: all
	@scripts/demo

# The summary line is the suite's last line; when a test failed, make adds its
# own "*** [Makefile:...: test] Error 1" line after it.  test runs the labs'
# tests (tests/LAB.bats for each labs/LAB); test-all adds every other file
# of tests/ (the grader's tests, the fault matrix), as .ci/run does.
test: all
	@scripts/run-tests -j $(JOBS) $(if $(FILTER),-f "$$FILTER")

test-all: all
	@scripts/run-tests -a -j $(JOBS) $(if $(FILTER),-f "$$FILTER")

bench:
	@scripts/bench

ifneq ($(INSTRUCTORS),)
check:
	@scripts/check

grade: all
	@scripts/grade --jobs $(JOBS)

handout:
	@scripts/handout

gradescope:
	@scripts/gradescope-zip

sanitize:
	@scripts/sanitize -j $(JOBS)

valgrind:
	@scripts/valgrind

fuzz:
	@scripts/fuzz
else
$(INSTRUCTOR_TARGETS):
	@echo "make $@: not part of the students' handout" >&2; exit 1
endif

clean:
	@for lab in $(LAB_DIRS); do $(MAKE) -s -C $$lab clean || exit 1; done
	rm -rf build
