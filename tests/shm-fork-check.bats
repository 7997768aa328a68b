#!/usr/bin/env bats
# labs/shm-fork-check: shm-check (article 001, the shared memory part).
# Every statement of LABS.md for this lab, run for real.
#
# Some tests preload a small shim (tests/shims/shm-check-stop.c) that stops the
# parent right after it attaches (SHIM_STOP=1), or spoils bytes of the body
# after the parent has filled it (SHIM_SPOIL=N): that is how a test sees the
# segment while it exists, watches the child wait, and makes the check fail.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup_file() { build_shim shm-check-stop; }

setup() { lab_setup shm-fork-check; }
teardown() { lab_teardown; }

# check_output_is BODY_SIZE: $output is the two attach lines, in either
# order, then "check ok: BODY_SIZE".
check_output_is() {
	assert_equal "${#lines[@]}" 3
	assert_line --regexp '^parent attached at 0x[0-9a-f]+$'
	assert_line --regexp '^child attached at 0x[0-9a-f]+$'
	assert_equal "${lines[2]}" "check ok: $1"
}

# start_stopped ARGS...: shm-check in the background, its parent stopped
# just after shmat; PARENT_PID and CHILD_PID are set, and the child is
# asleep waiting for the status.
start_stopped() {
	LD_PRELOAD=$SHIM SHIM_STOP=1 lab_bg_started check shm-check "$@"
	PARENT_PID=$PROGRAM_PID
	wait_for check "the parent to stop after shmat" is_stopped "$PARENT_PID"
	wait_for check "the child to start" pgrep -P "$PARENT_PID"
	CHILD_PID=$(pgrep -P "$PARENT_PID")
	wait_for check "the child to sleep in read" blocked_in_pipe_read "$CHILD_PID"
}

# resume_and_finish: let the stopped parent go; the run ends as usual.
resume_and_finish() {
	kill -CONT "$PARENT_PID"
	wait_bg check
	assert_equal "$status" 0
	run cat "$BATS_TEST_TMPDIR/check.out"
	check_output_is "${1:-4088}"
}

# ---------------------------------------------------------------- the check

# bats test_tags=points:1
@test "shm-check: the parent fills 4088 bytes with 0xff, the child checks them all" {
	run --separate-stderr lab shm-check -k "$KEY"
	assert_success
	check_output_is 4088
	assert_equal "$stderr" ""
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-check: -s SIZE makes the body SIZE - sizeof(long) bytes" {
	local size
	for size in 9 16 100 65536 1000000; do
		run --separate-stderr lab shm-check -k "$KEY" -s "$size"
		assert_success
		check_output_is $((size - 8))
	done
}

# bats test_tags=points:1
@test "shm-check: the segment is SIZE bytes, mode 0600, attached by both, then removed" {
	start_stopped -k "$KEY"
	assert_equal "$(segment_field "$KEY" size)" 4096
	assert_equal "$(segment_field "$KEY" perms)" 600
	assert_equal "$(segment_field "$KEY" nattch)" 2
	resume_and_finish
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-check: -m MODE sets the segment's permissions" {
	start_stopped -k "$KEY" -m 0640 -s 100
	assert_equal "$(segment_field "$KEY" perms)" 640
	assert_equal "$(segment_field "$KEY" size)" 100
	resume_and_finish 92
}

# bats test_tags=points:1
@test "shm-check: the child sleeps, without using the CPU, until the status is published" {
	start_stopped -k "$KEY"
	# The parent is stopped before it fills the body: the child must wait.
	assert_idle "$CHILD_PID"
	blocked_in_pipe_read "$CHILD_PID"
	run cat "$BATS_TEST_TMPDIR/check.out"
	assert_output --regexp '^child attached at 0x[0-9a-f]+$'
	resume_and_finish
}

# bats test_tags=points:1
@test "shm-check: a wrong byte fails the check: exit 1, and the segment is removed" {
	SHIM_SPOIL=5 LD_PRELOAD=$SHIM run --separate-stderr lab shm-check -k "$KEY"
	assert_failure 1
	assert_equal "${lines[2]}" "check failed: 5 of 4088 bytes wrong"
	SHIM_SPOIL=8 LD_PRELOAD=$SHIM run --separate-stderr lab shm-check -k "$KEY" -s 16
	assert_failure 1
	assert_equal "${lines[2]}" "check failed: 8 of 8 bytes wrong"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-check: 100 runs in a row pinned to one CPU (taskset -c 0)" {
	local i
	(
		taskset -pc 0 "$BASHPID" >/dev/null
		for ((i = 0; i < 100; i++)); do
			lab shm-check -k "$KEY" || echo "run $i: exit $?"
		done
	) >"$BATS_TEST_TMPDIR/runs" 2>&1
	run grep -vc '^check ok: 4088$\|^parent attached\|^child attached' "$BATS_TEST_TMPDIR/runs"
	assert_output 0
	run grep -c '^check ok: 4088$' "$BATS_TEST_TMPDIR/runs"
	assert_output 100
}

# bats test_tags=points:1
@test "shm-check: nothing sleeps on a clock (strace): the article's sleep(2) is gone" {
	# With the article's sleep(2), 100 runs would take minutes; said with a
	# trace, not in seconds, which depend on the machine's load.  (That the
	# child waits without using the CPU is tested by "the child sleeps".)
	# Key 0: a private segment, as strace runs it outside the test's namespace.
	require_strace
	run --separate-stderr traced clone,clone3,fork,vfork,nanosleep,clock_nanosleep shm-check -k 0
	assert_success
	assert_line "check ok: 4088"
	grep -Eq '(clone|clone3|fork|vfork)\(' "$BATS_TEST_TMPDIR/trace" ||
		fail "no fork in the trace: $(cat "$BATS_TEST_TMPDIR/trace")"
	run grep -E 'nanosleep\(' "$BATS_TEST_TMPDIR/trace"
	assert_output ""
}

# ------------------------------------------------------------- signals

# parent_stopped_by SIGNAL STATUS: a stop signal reaches the parent while
# the child waits; the parent removes the segment and dies of the signal; the
# child wakes (the pipe's end of file), sees no status and the segment marked
# for removal, and ends quietly: the signal is the whole story.
parent_stopped_by() {
	local signal=$1 code=$2 id
	start_stopped -k "$KEY"
	id=$(segment_field "$KEY" shmid)
	kill "-$signal" "$PARENT_PID"
	kill -CONT "$PARENT_PID"
	wait_bg check
	assert_equal "$status" "$code"
	segment_gone "$KEY"
	wait_until "the child to end" process_gone "$CHILD_PID"
	run ! segment_id_field "$id" shmid
	# Not a word from either: the parent died of the signal, and the child
	# saw the segment marked for removal, the parent's doing.
	run cat "$BATS_TEST_TMPDIR/check.err"
	assert_output ""
	run cat "$BATS_TEST_TMPDIR/check.out"
	refute_output --partial "check"
}

# bats test_tags=points:1
@test "shm-check: SIGTERM to the parent removes the segment" {
	parent_stopped_by TERM 143
}

# bats test_tags=points:1
@test "shm-check: SIGINT to the parent removes the segment" {
	parent_stopped_by INT 130
}

# bats test_tags=points:1
@test "shm-check: SIGHUP to the parent removes the segment" {
	parent_stopped_by HUP 129
}

# bats test_tags=points:1
@test "shm-check: SIGQUIT to the parent removes the segment" {
	parent_stopped_by QUIT 131
}

# bats test_tags=points:1
@test "shm-check: SIGPIPE to the parent removes the segment" {
	parent_stopped_by PIPE 141
}

# bats test_tags=points:1
@test "shm-check: a parent killed outright (SIGKILL): the child says it ended without publishing" {
	start_stopped -k "$KEY"
	kill -KILL "$PARENT_PID"
	wait_bg check
	assert_equal "$status" 137
	wait_until "the child to end" process_gone "$CHILD_PID"
	assert_file_lines "$BATS_TEST_TMPDIR/check.err" \
		"shm-check: the parent ended without publishing the status (status 0, expected 4088)"
	# SIGKILL cannot be caught: the segment stays, for ipcrm.
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "shm-check: the child killed while it waits: the parent says so, exits 1, removes the segment" {
	start_stopped -k "$KEY"
	kill -KILL "$CHILD_PID"
	kill -CONT "$PARENT_PID"
	wait_bg check
	assert_equal "$status" 1
	assert_file_lines "$BATS_TEST_TMPDIR/check.err" \
		"shm-check: the child (pid $CHILD_PID) was killed: Killed (SIGKILL)"
	run cat "$BATS_TEST_TMPDIR/check.out"
	refute_output --partial "check"
	segment_gone "$KEY"
}

# --------------------------------------------------------------- keys

# bats test_tags=points:1
@test "shm-check: a segment already under the key is refused (EEXIST) and left alone" {
	# Made by another program (perl), as the user the lab programs run as.
	# shellcheck disable=SC2016 # perl's $ARGV and $!, not the shell's
	in_ns "${RUN_AS[@]}" perl -e 'defined shmget($ARGV[0], 4096, 01600) or die "shmget: $!\n"' "$KEY"
	run --separate-stderr lab shm-check -k "$KEY"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "shm-check: shmget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -M $KEY_HEX): File exists (EEXIST)"
	assert_equal "$(segment_field "$KEY" nattch)" 0
	assert_equal "$(segment_field "$KEY" lpid)" 0
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "shm-check: the article's key 752364 is the default, IPC_LAB_KEY overrides it" {
	require_namespace
	start_stopped
	segment_exists 752364
	resume_and_finish
	segment_gone 752364
	IPC_LAB_KEY=$KEY_HEX start_stopped
	segment_exists "$KEY"
	resume_and_finish
}

# bats test_tags=points:1
@test "shm-check: -k 0 is IPC_PRIVATE: a segment with key 0, two runs at once" {
	local first
	start_stopped -k 0
	first=$PARENT_PID
	assert_equal "$(sysvipc shm | awk '$1 == 0' | wc -l)" 1
	# A second run at the same time gets a segment of its own.
	run --separate-stderr lab shm-check -k 0
	assert_success
	check_output_is 4088
	PARENT_PID=$first
	resume_and_finish
}

# --------------------------------------------------------------- usage

# bats test_tags=points:1
@test "shm-check: a size over kernel.shmmax: the error names the limit and its value" {
	require_namespace
	in_ns sh -c 'echo 4096 >/proc/sys/kernel/shmmax' 2>/dev/null ||
		skip "cannot set kernel.shmmax in the test's namespace"
	run --separate-stderr lab shm-check -k "$KEY" -s 8192
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "shm-check: shmget key $KEY_HEX, 8192 bytes (more than kernel.shmmax, the largest segment allowed: 4096 bytes, see /proc/sys/kernel/shmmax): Invalid argument (EINVAL)"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-check: -h prints usage on stdout and exits 0" {
	run --separate-stderr lab shm-check -h
	assert_success
	assert_line -n 0 "usage: shm-check [-k KEY] [-m MODE] [-s SIZE]"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "shm-check: bad usage: usage on stderr, exit 2, no segment" {
	local args
	for args in "-z" "-k" "-k zz" "-k -1" "-m 8" "-m x" "-s" "-s 8" "-s 0" "-s -9" \
		"-s x" "-s 4k" "-s 1073741825" "extra"; do
		# shellcheck disable=SC2086 # split the arguments on purpose
		assert_bad_usage shm-check -k "$KEY" $args
	done
	assert_equal "$(sysvipc shm)" ""
}

lab_into_full() { lab "$@" >/dev/full; }

# bats test_tags=points:1
@test "shm-check: output that cannot be written: one line, exit 1, the segment still removed" {
	local i
	# One failure, one line: the parent's.  Its child writes to the same
	# stdout, fails too, and keeps quiet once it sees the parent gave up.
	# Five runs: which process fails first is up to the scheduler.
	for i in 1 2 3 4 5; do
		run --separate-stderr lab_into_full shm-check -k "$KEY"
		assert_failure 1
		assert_equal "$stderr" "shm-check: write standard output: No space left on device (ENOSPC)"
		# The parent stopped at once; its child ends as soon as it sees that.
		wait_until "the child to detach" test -z "$(sysvipc shm)"
	done
}
