#!/usr/bin/env bats
# scripts/grade as an instructor uses it: scoring a submission with this
# tree's tests and points, each lab built and graded on its own, student code
# bounded.  Each test grades one or two small labs, for speed; the tests
# always come from this tree.  Only the first grades a lab's whole file: the
# others check the grader's own work, on a few quick tests (cut_down).  The
# report formats, the handout and a class are in grade-reports.bats.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load grade_helper

setup() { grade_setup; }

@test "grade: the reference scores full marks on every lab, in the sandbox, and exits 0" {
	# Every lab: a test that cannot run in the sandbox (a file it needs not
	# staged, a folder the grader user may not write) or that skips there
	# would cost the reference a point.
	progress "grading the reference, every lab, two at once: a minute or two"
	run --separate-stderr grade --jobs 2
	grep -A12 ': FAIL$' <<<"$output" >&2 || true
	assert_success
	local lab max total=0
	for lab in "$TOP"/labs/*/; do
		lab=$(basename "$lab")
		[ -f "$TOP/tests/$lab.bats" ] || continue
		max=$(max_points "$lab")
		assert_line "$lab: files: $(grade_files "$lab")"
		assert_line "$lab: $max/$max"
		total=$((total + max))
	done
	assert_line "Score: $total/$total"
	refute_line --partial ": FAIL"
	# Every test's name begins with its lab.
	run grep -c '^msgtype-filter: .*: OK$' <<<"$output"
	assert_output "$(max_points msgtype-filter)"
}

# grade_files LAB: the files line of the reference's report (the names in
# byte order, as grade sorts them).
grade_files() {
	local name line=
	for name in $(cd "$TOP/labs/$1" && shopt -s nullglob && printf '%s\n' *.c *.h | LC_ALL=C sort); do
		line+="${line:+; }$name from the reference"
	done
	echo "$line"
}

@test "grade: a lab that does not compile scores 0, with the compiler's errors; the others are graded" {
	submit msgqueue-chat chat.c 's/^int main(/int main(int broken /'
	submit_lab msgtype-filter
	cut_down msgtype-filter "$QUICK_FILTER_TESTS"
	run --separate-stderr grade --submission "$SUB" msgqueue-chat msgtype-filter
	assert_failure 1
	local chat filter
	chat=$(max_points msgqueue-chat)
	filter=$(max_points msgtype-filter)
	assert_line "msgqueue-chat: 0/$chat"
	assert_line "msgtype-filter: $filter/$filter"
	assert_line "Score: $filter/$((chat + filter))"
	assert_line --partial "    msgqueue-chat does not compile; the compiler's first errors:"
	assert_line --regexp '^    .*chat\.c:[0-9]+:[0-9]+: error: '
}

@test "grade: loose .c files are matched to their lab; a failing test shows its reason" {
	# A typed-recv that prints 'ret' for 'rcv_ret': every receiving test fails.
	cp "$TOP/labs/msgtype-filter/typed-send.c" "$TOP/labs/msgtype-filter/queue-stat.c" "$SUB/"
	sed 's/rcv rcv_ret=/rcv ret=/' "$TOP/labs/msgtype-filter/typed-recv.c" >"$SUB/typed-recv.c"
	cut_down msgtype-filter "$QUICK_FILTER_TESTS"
	run --separate-stderr grade --submission "$SUB" msgtype-filter
	assert_failure 1
	[[ $stderr == *"msgtype-filter: queue-stat.c from the submission (queue-stat.c); typed-options.c from the handout; typed-options.h from the handout; typed-recv.c from the submission (typed-recv.c); typed-send.c from the submission (typed-send.c)"* ]] ||
		fail "the file taken is not named: $stderr"
	assert_line "msgtype-filter: typed-recv: -t 0 takes the first message, whatever its type: FAIL"
	assert_line --regexp '^    .*rcv ret=1, mtype=3, mtext=c'
	assert_line "msgtype-filter: typed-send: TYPE:TEXT arguments, the text may hold colons or be empty: OK"
	refute_line "Score: $(max_points msgtype-filter)/$(max_points msgtype-filter)"
}

@test "grade: the tests come from this tree, never from the submission" {
	submit msgtype-filter typed-recv.c 's/rcv rcv_ret=/rcv ret=/'
	cut_down msgtype-filter '^typed-recv: -t 0 '
	# The submission's own tests, which would pass anything, are ignored.
	mkdir -p "$SUB/tests"
	printf '@test "anything" { true; }\n' >"$SUB/tests/msgtype-filter.bats"
	cp "$TOP/tests/lab_helper.bash" "$SUB/tests/"
	run --separate-stderr grade --submission "$SUB" msgtype-filter
	assert_failure 1
	assert_line --partial "typed-recv: -t 0 takes the first message, whatever its type: FAIL"
}

@test "grade: only regular files are taken: a fifo or a link named like a lab's source is passed over, the lab not submitted" {
	cut_down msgtype-filter '^typed-recv: -t 0 '
	mkfifo "$SUB/typed-recv.c"  # a copy would stop on it, or wait for a writer
	ln -s /etc/hostname "$SUB/typed-send.c"  # a link can point anywhere
	run --separate-stderr grade --submission "$SUB" msgtype-filter
	[ "$status" = 1 ] || fail "grade's status $status; its stderr: $(tail -n 5 <<<"$stderr")"
	[[ $stderr == *"msgtype-filter: not submitted (scores 0): queue-stat.c from the handout; typed-options.c from the handout; typed-options.h from the handout; typed-recv.c from the handout; typed-send.c from the handout"* ]] || fail "$stderr"
	assert_line "Score: 0/$(max_points msgtype-filter)"
}

@test "grade: a program that never ends or forks without end is bounded and scores 0; the other lab is graded" {
	# typed-send forks for ever, typed-recv and queue-stat spin for ever.
	submit msgtype-filter typed-send.c 's/^    lab_init(usage_text);/    for (;;) (void)fork();/'
	submit msgtype-filter typed-recv.c 's/^    lab_init(usage_text);/    for (;;) {}/'
	submit msgtype-filter queue-stat.c 's/^    lab_init(usage_text);/    for (;;) {}/'
	# The other lab is graded beside it, at the same time and under the same
	# time limit, with the endless lab's 64 processes taking the CPUs.  So
	# that the limit can only ever stop the endless lab, the other one brings
	# three of its quick tests, not its 100-run ones (a run of the whole file
	# on a busy machine got through 3 of its 10 tests in the 30 s): a tree of
	# this one's, with that lab's tests cut down.  The endless lab keeps all
	# its tests: the limit, not their number, must be what ends its run.
	local other=mmap-anon other_max
	submit_lab "$other"
	cut_down "$other" '^(anon-share: the child prints|-h prints|bad usage)'
	other_max=$(max_points "$other")
	assert_equal "$other_max" 3
	# In a PID namespace of its own, where what it leaves running is seen.
	progress "endless lab: grading a msgtype-filter that forks and spins without end, beside $other;" \
		"the lab's 30 s time limit must stop it (30 to 40 s on 2 quiet cores, longer on a loaded machine)"
	run --separate-stderr grade_alone --lab-timeout 30 --jobs 2 \
		--submission "$SUB" msgtype-filter "$other"
	assert_line "status 1"
	# Its limit stopped the endless lab (said so, not timed: the seconds
	# depend on the machine's load; grade's own 300 s limit is the guard).
	assert_line --partial "did not run: the lab's run was stopped (time limit)"
	# The other lab lost nothing (if it did, show what).
	grep -A12 "^$other: .*: FAIL\$" <<<"$output" >&2 || true
	assert_line "$other: $other_max/$other_max"
	assert_line --regexp "^msgtype-filter: 0/$(max_points msgtype-filter)$"
	# Nothing it started is left running.
	refute_line --partial "LEFT: "
}

# grade_bats_started: the grade started in BG[grade] (under timeout, so its
# pid comes from program_pid) has started its bats run, a child in a session
# of its own; its pid in bats_pid.
grade_bats_started() {
	local grade_pid
	grade_pid=$(program_pid grade) || return 1
	bats_pid=$(bats_run_of "$grade_pid")
}

# start_grade DIR [ENV-OPTIONS]: grade msgtype-filter in the background
# (BG[grade], under timeout), its work tree under DIR; then wait until its
# bats run has started.  Before that, grade builds the lab, which takes
# seconds on a loaded machine, not the split second a lab program takes to
# start: the wait's limit is grade's own (wait_for fails at once if grade
# ends).
start_grade() {
	mkdir "$1"
	TMPDIR=$1 timeout 300 env "${@:2}" "$GRADE_TOP/scripts/grade" msgtype-filter \
		>"$BATS_TEST_TMPDIR/grade.err" 2>&1 3>&- &
	BG[grade]=$!
	WAIT_TIMEOUT=300 wait_for grade "grade's bats run" grade_bats_started
}

@test "grade: SIGINT, SIGTERM or SIGHUP stops the lab's run with it, removes its work tree, and grade dies of the signal" {
	local sig bats_pid
	for sig in INT TERM HUP; do
		# A background job of bats has SIGINT ignored: give grade the default.
		start_grade "$BATS_TEST_TMPDIR/$sig" --default-signal=INT
		kill -"$sig" "${BG[grade]}"  # timeout passes it on to grade
		wait_bg grade
		[ "$status" = $((128 + $(kill -l "$sig"))) ] ||
			fail "SIG$sig: grade's status $status; its last words: $(tail -n 5 "$BATS_TEST_TMPDIR/grade.err")"
		# Nothing of the lab's run is left: its session is empty, and so is
		# the directory grade made its work tree in.
		assert_equal "$(ps -s "$bats_pid" -o pid=,args=)" ""
		assert_equal "$(ls -A "$BATS_TEST_TMPDIR/$sig")" ""
	done
}

# ---- scripts/sanitize, the suite's other long run that may be stopped

# sanitize_testing DIR: a test of sanitize's run has its temporary folder
# (a bats-run-*/test/N folder below DIR; DIR itself lies in this test's).
sanitize_testing() {
	[ -n "$(find "$1" -path "$1/*bats-run-*/test/*" -print -quit 2>/dev/null)" ]
}

@test "sanitize: SIGINT or SIGTERM to it in the middle ends its run, leaves no bats-run-*, and it dies of the signal" {
	command -v clang >/dev/null || skip "needs clang"
	local sig dir left
	for sig in INT TERM; do
		dir=$BATS_TEST_TMPDIR/$sig
		mkdir -p "$dir/tmp"
		# A background job of bats has SIGINT ignored: give sanitize the default.
		# --foreground: timeout passes a signal on to sanitize alone, as kill
		# PID does, not to its whole process group as Ctrl-C would.
		TMPDIR=$dir/tmp IPC_LAB_SANITIZE_DIR=$dir/build timeout --foreground 300 \
			env --default-signal=INT "$TOP/scripts/sanitize" msgtype-filter >"$dir/out" 2>&1 3>&- &
		BG[sanitize]=$!
		# It builds first: seconds on a loaded machine.
		WAIT_TIMEOUT=300 wait_for sanitize "a test of sanitize's run" sanitize_testing "$dir/tmp"
		kill -"$sig" "${BG[sanitize]}"
		wait_bg sanitize
		[ "$status" = $((128 + $(kill -l "$sig"))) ] ||
			fail "SIG$sig: sanitize's status $status; its last words: $(tail -n 5 "$dir/out")"
		assert_equal "$(ls -A "$dir/tmp")" ""
		# Nothing of its run is left running (they all had TMPDIR under dir).
		left=$(grep -lzE "^TMPDIR=$dir/tmp(/|\$)" /proc/[0-9]*/environ 2>/dev/null || true)
		assert_equal "$left" ""
	done
}

@test "grade: a signal ignored when it starts (nohup) stays ignored; the others are caught" {
	local bats_pid handling
	start_grade "$BATS_TEST_TMPDIR/work" --ignore-signal=HUP
	handling=$(signal_handling "$(program_pid grade)")
	kill -TERM "${BG[grade]}"
	wait_bg grade
	assert_equal "$status" 143
	assert_equal "$handling" "hup ignored 1, caught 0; term caught 1"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/work")" ""
}

@test "grade: a test without points, or two tests with one name, is refused" {
	local tree
	tree=$(copy_tree)
	# The first test of the file loses its points.
	sed -i '0,/^# bats test_tags=points:1$/{/^# bats test_tags=points:1$/d}' "$tree/tests/msgtype-filter.bats"
	run --separate-stderr "$tree/scripts/grade" msgtype-filter
	assert_failure 2
	[[ $stderr == *"has no '# bats test_tags=points:N' line above it"* ]] || fail "$stderr"
	cp "$TOP/tests/msgtype-filter.bats" "$tree/tests/"
	printf '\n# bats test_tags=points:1\n@test "queue-stat -r: prints, then removes the queue" { true; }\n' \
		>>"$tree/tests/msgtype-filter.bats"
	run --separate-stderr "$tree/scripts/grade" msgtype-filter
	assert_failure 2
	[[ $stderr == *"two tests named 'queue-stat -r: prints, then removes the queue'"* ]] || fail "$stderr"
}

@test "grade: usage errors exit 2" {
	run --separate-stderr grade --format nope
	assert_failure 2
	run --separate-stderr grade no-such-lab
	assert_failure 2
	run --separate-stderr grade --submission "$BATS_TEST_TMPDIR/missing"
	assert_failure 2
	run --separate-stderr grade -h
	assert_success
	assert_line --partial "usage: scripts/grade"
}
