#!/usr/bin/env bats
# scripts/grade attacked as a student would attack it.  Each test submits a
# hostile source (tests/attacks/*.c) and checks what an instructor relies
# on: the attacker gets no point it did not earn, nothing of the machine
# leaks into the report, nothing outside the grading's work tree changes,
# nothing keeps running and nothing stays in /tmp.  The labs are cut down
# to one or two quick tests (cut_down): what is attacked is the grader.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load grade_helper

ANON_QUICK="^anon-share: the child prints the parent's 'hello, world'\$"

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root: grading runs the students' code as grader users"
	grade_setup
	cut_down mmap-anon "$ANON_QUICK"
	SCRATCH=$BATS_TEST_TMPDIR/tmp # grade's TMPDIR (grade_alone): its work tree goes there
	mkdir "$SCRATCH"
}

# attack NAME [MACRO=VALUE...]: tests/attacks/NAME.c, after a #define line
# for each MACRO (a C string), as the submission's anon-share.c.
attack() {
	local name=$1 define
	shift
	mkdir -p "$SUB/labs/mmap-anon"
	for define in "$@"; do
		printf '#define %s "%s"\n' "${define%%=*}" "${define#*=}"
	done >"$SUB/labs/mmap-anon/anon-share.c"
	cat "$TOP/tests/attacks/$name.c" >>"$SUB/labs/mmap-anon/anon-share.c"
}

# add_test NAME BODY: a test worth 1 point at the end of the cut-down
# mmap-anon.bats (written with printf: a line of this file that begins
# with the word @test would be a test of this file).
add_test() {
	printf '\n# bats test_tags=points:1\n@%s "%s" {\n%s\n}\n' test "$1" "$2" \
		>>"$GRADE_TOP/tests/mmap-anon.bats"
}

# assert_anon_scored_zero STATUS: grade_alone's report ends with grade's
# STATUS, and gives mmap-anon no point.
assert_anon_scored_zero() {
	assert_line "status $1"
	assert_line "mmap-anon: 0/$(max_points mmap-anon)"
}

# assert_clean: nothing left running, and grade's work tree gone.
assert_clean() {
	refute_line --partial "LEFT: "
	run ls -A "$SCRATCH"
	assert_output ""
}

# bats test_tags=points:1
@test "grade-attacks: an empty submission scores 0, each lab 'not submitted', never the reference" {
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	assert_line --partial "not submitted: none of mmap-anon's files (anon-share.c) is in the submission"
	assert_line "mmap-anon: files: anon-share.c from the handout"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: a misnamed file is not taken: the lab is not submitted and scores 0" {
	mkdir -p "$SUB/labs/mmap-anon"
	cp "$TOP/labs/mmap-anon/anon-share.c" "$SUB/labs/mmap-anon/anon_share.c"
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	[[ $stderr == *"mmap-anon: not submitted (scores 0)"* ]] || fail "grade did not say so: $stderr"
}

# bats test_tags=points:1
@test "grade-attacks: a file not submitted comes from the handout's stub, and the report says which came from where" {
	cut_down msgtype-filter "$QUICK_FILTER_TESTS"
	submit msgtype-filter typed-send.c  # typed-recv.c is left out: the handout's stub
	run --separate-stderr grade_alone --submission "$SUB" msgtype-filter
	assert_line "status 1"
	assert_line --regexp '^msgtype-filter: files: .*typed-recv\.c from the handout; typed-send\.c from the submission \(labs/msgtype-filter/typed-send\.c\)$'
	assert_line "msgtype-filter: typed-recv: -t 0 takes the first message, whatever its type: FAIL"
	refute_line "msgtype-filter: $(max_points msgtype-filter)/$(max_points msgtype-filter)"
}

# bats test_tags=points:1
@test "grade-attacks: two files for one are refused, both named; a file over 1 MiB is refused" {
	mkdir -p "$SUB/labs/mmap-anon" "$SUB/old"
	cp "$TOP/labs/mmap-anon/anon-share.c" "$SUB/labs/mmap-anon/"
	cp "$TOP/labs/mmap-anon/anon-share.c" "$SUB/old/"
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 2
	[[ $stderr == *"two files for mmap-anon/anon-share.c: labs/mmap-anon/anon-share.c and old/anon-share.c; submit one"* ]] ||
		fail "the refusal does not name both: $stderr"
	rm -r "$SUB/old"
	truncate -s 2G "$SUB/labs/mmap-anon/anon-share.c"  # sparse: the compiler would read 2 GB
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 2"
	[[ $stderr == *"labs/mmap-anon/anon-share.c: larger than 1 MiB"* ]] || fail "$stderr"
}

# bats test_tags=points:1
@test "grade-attacks: a program that fails but writes 'ok' lines from a daemon gets nothing, and the daemon dies" {
	attack forge-verdict
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	refute_line --partial "forged"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: a test number seen twice in the TAP stream fails that test, 'tampered with'" {
	# A test that writes an extra verdict line on bats's fd 3 itself, as a
	# program that inherited fd 3 would.
	add_test "a test whose verdict is written twice" \
		'	echo "ok 2 a test whose verdict is written twice" >&3
	false'
	run --separate-stderr grade_alone mmap-anon
	assert_line "status 1"
	assert_line "mmap-anon: a test whose verdict is written twice: FAIL"
	assert_line "    the tests' output was tampered with: this test's result came twice"
	assert_line "mmap-anon: 1/2"
}

# bats test_tags=points:1
@test "grade-attacks: the compiler runs in the sandbox: no #include of the instructor's tree, no .incbin of /etc/shadow" {
	mkdir -p "$SUB/labs/mmap-anon"
	printf '#include "%s/labs/mmap-anon/anon-share.c"\n' "$TOP" >"$SUB/labs/mmap-anon/anon-share.c"
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	assert_line --partial "mmap-anon does not compile"
	printf 'int main(void) { return 0; }\n__asm__(".incbin \\"/etc/shadow\\"");\n' \
		>"$SUB/labs/mmap-anon/anon-share.c"
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "mmap-anon: 0/$(max_points mmap-anon)"
	refute_output --partial "root:"
	refute_output --regexp 'root:[^ ]*:[0-9]+:'
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: the program sees neither the instructor's tree, /root, secrets, nor other gradings' work" {
	local canary=$BATS_TEST_TMPDIR/canary
	echo "a secret of the instructor's" >"$canary"
	attack read-secrets SECRETS="$canary\", \"$TOP\", \"$TOP/labs/mmap-anon/anon-share.c"
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 1"
	refute_output --partial "LEAK"
	refute_output --partial "a secret of the instructor's"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: links planted where the tests write their files turn no write of root's, even with --unsafe" {
	local target=$BATS_TEST_TMPDIR/root-file
	echo "root's own" >"$target"
	chmod 0600 "$target"
	cut_down shm-writer-reader "^consumer first: "
	mkdir -p "$SUB/labs/shm-writer-reader"
	{
		printf '#define TARGET "%s"\n' "$target"
		cat "$TOP/tests/attacks/plant-links.c" "$TOP/labs/shm-writer-reader/shm-consumer.c"
	} >"$SUB/labs/shm-writer-reader/shm-consumer.c"
	cp "$TOP/labs/shm-writer-reader/shm-producer.c" "$SUB/labs/shm-writer-reader/"
	# --unsafe: no sandbox hides the target, so only the folders' owners
	# and modes stand between the student and root's writes.  The grader
	# user must then reach grade's work tree in $SCRATCH.
	chmod a+x "$BATS_TEST_TMPDIR" "$BATS_RUN_TMPDIR" "$(dirname "$BATS_TEST_TMPDIR")"
	run --separate-stderr grade_alone --unsafe --submission "$SUB" shm-writer-reader
	assert_line "status 0"
	assert_line --partial "Note: graded WITHOUT the sandbox (--unsafe)"
	assert_equal "$(cat "$target")" "root's own"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: lock files live in a folder only root can write; a link or an open folder there is refused" {
	local state=$BATS_TEST_TMPDIR/state
	mkdir -m 1777 "$state"
	attack hog HOG=none
	IPC_LAB_GRADE_STATE=$state run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 2"
	[[ $stderr == *"$state is not a folder only root can write: refusing to use it"* ]] || fail "$stderr"
	rmdir "$state"
	mkdir -m 0700 "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$state"
	IPC_LAB_GRADE_STATE=$state run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 2"
	run ls -A "$BATS_TEST_TMPDIR/elsewhere"
	assert_output ""
}

# bats test_tags=points:1
@test "grade-attacks: a skipped test scores 0, and grade says first what a missing tool costs" {
	add_test "a test that skips" '	skip "a tool is missing"'
	run --separate-stderr grade_alone mmap-anon
	assert_line "status 1"
	assert_line "mmap-anon: a test that skips: FAIL"
	assert_line "    skipped: a tool is missing; a skipped test scores 0 when grading"
	cut_down msgqueue-chat "^chat: the article's key 752364 is the default$"
	IPC_LAB_NO_NAMESPACE=1 run --separate-stderr grade_alone msgqueue-chat
	[[ $stderr == *"grade: this machine lacks private IPC namespaces (unshare -i): 1 test is skipped and score 0 (msgqueue-chat 1)"* ]] ||
		fail "grade did not say what namespaces cost: $stderr; $output"
}

# bats test_tags=points:1
@test "grade-attacks: a program that ignores SIGTERM is killed at its own time limit, not the lab's" {
	attack hog HOG=sigterm
	LAB_TIMEOUT=2 run --separate-stderr grade_alone --lab-timeout 200 --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	refute_line --partial "ran past 200 s"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: 4 GiB of memory, 800 MB in /var/tmp: limited, nothing left on the machine" {
	attack hog HOG=memory
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	attack hog HOG=disk
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 1"
	[ ! -e /var/tmp/ipc-lab-hog ] || fail "the student's file is in the machine's /var/tmp"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: a stdout flood fails the test; grade's report stays small" {
	attack hog HOG=flood
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_anon_scored_zero 1
	((${#output} < 100000)) || fail "a report of ${#output} bytes"
	assert_clean
}

# bats test_tags=points:1
@test "grade-attacks: the students' programs run with umask 022 at least" {
	attack hog HOG=umask
	run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 1"
	assert_line --regexp '^ +output : umask 00[2-7][2-7]$'
}

# bats test_tags=points:1
@test "grade-attacks: where the sandbox cannot run, grade refuses (status 3) unless --unsafe, and says so" {
	attack hog HOG=none
	IPC_LAB_BWRAP=no-such-bwrap run --separate-stderr grade_alone --submission "$SUB" mmap-anon
	assert_line "status 3"
	[[ $stderr == *"no-such-bwrap is not installed"*"Give --unsafe to grade all the same."* ]] || fail "$stderr"
	refute_line --partial "mmap-anon:"
	IPC_LAB_BWRAP=no-such-bwrap run --separate-stderr grade_alone --unsafe --format json --submission "$SUB" mmap-anon
	assert_line "status 1"
	assert_line --partial '"graded WITHOUT the sandbox (--unsafe): no-such-bwrap is not installed'
}
