#!/usr/bin/env bats
# labs/mmap-anon: anon-share (article 002, section 5.1.7).  Every statement of
# the lab's contract, run for real.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup() { lab_setup mmap-anon; }
teardown() { lab_teardown; }

PRIVATE_LINE='(4096 zero bytes)'

# pinned_runs N ARGS...: anon-share N times, with this subshell and so every
# process it starts pinned to CPU 0, where parent and child take turns in
# whatever order the scheduler chooses.  Prints each run's output line;
# stops at the first run that fails.
pinned_runs() {
	(
		taskset -p -c 0 "$BASHPID" >/dev/null || exit 99
		count=$1
		shift
		for run in $(seq "$count"); do
			lab anon-share "$@" || { echo "run $run: exit $?"; exit 1; }
		done
	)
}

# bats test_tags=points:1
@test "anon-share: the child prints the parent's 'hello, world'" {
	run --separate-stderr lab anon-share
	assert_success
	assert_output "hello, world"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "anon-share: 100 runs pinned to one CPU, every one prints 'hello, world'" {
	require_taskset
	run --separate-stderr pinned_runs 100
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 100
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort | uniq -c | awk '{$1 = $1; print}')" "100 hello, world"
}

# bats test_tags=points:1
@test "anon-share -P: MAP_PRIVATE, the child sees only the zero bytes it had at fork" {
	run --separate-stderr lab anon-share -P
	assert_success
	assert_output "$PRIVATE_LINE"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "anon-share -P: 100 runs pinned to one CPU, the child never sees the write" {
	require_taskset
	run --separate-stderr pinned_runs 100 -P
	assert_success
	assert_equal "${#lines[@]}" 100
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort | uniq -c | awk '{$1 = $1; print}')" "100 $PRIVATE_LINE"
}

# check_trace SHARING: one anonymous mapping of 4096 bytes with SHARING, by
# the parent; a fork; the line written by the child, not the parent; and no
# sleep anywhere.
check_trace() {
	local trace=$BATS_TEST_TMPDIR/trace parent child
	parent=$(head -n 1 "$trace" | awk '{ print $1 }')
	child=$(sed -n -E 's/.*(clone|clone3|fork|vfork)\(.*= ([0-9]+)$/\2/p' "$trace")
	[ -n "$child" ] || fail "no fork in the trace: $(cat "$trace")"
	# One anonymous shared page (for MAP_SHARED); for MAP_PRIVATE none shared
	# and one private or more (a sanitizer's allocator maps private pages too).
	local shared private
	shared=$(grep -Ec "^$parent +mmap\(NULL, 4096, PROT_READ\|PROT_WRITE, MAP_SHARED\|MAP_ANONYMOUS, -1, 0\) *= 0x" "$trace" || true)
	private=$(grep -Ec "^$parent +mmap\(NULL, 4096, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) *= 0x" "$trace" || true)
	if [ "$1" = MAP_SHARED ]; then
		assert_equal "$shared" 1
	else
		assert_equal "$shared" 0
		[ "$private" -ge 1 ] || fail "no MAP_PRIVATE|MAP_ANONYMOUS mapping of 4096 bytes"
	fi
	grep -Eq "^$child +write\(1, " "$trace" || fail "the child did not print"
	! grep -Eq "^$parent +write\(1, " "$trace" || fail "the parent printed"
	! grep -q "sleep" "$trace" || fail "a sleep: $(grep sleep "$trace")"
}

# bats test_tags=points:1
@test "anon-share: MAP_SHARED|MAP_ANONYMOUS, fork, the child prints, nothing sleeps" {
	require_strace
	run --separate-stderr traced mmap,clone,clone3,fork,vfork,write,nanosleep,clock_nanosleep anon-share
	assert_success
	assert_output "hello, world"
	check_trace MAP_SHARED
}

# bats test_tags=points:1
@test "anon-share -P: the same steps, with MAP_PRIVATE|MAP_ANONYMOUS" {
	require_strace
	run --separate-stderr traced mmap,clone,clone3,fork,vfork,write,nanosleep,clock_nanosleep anon-share -P
	assert_success
	assert_output "$PRIVATE_LINE"
	check_trace MAP_PRIVATE
}

# to_full_disk PROG ARGS...: lab, with stdout on /dev/full (every write: ENOSPC).
to_full_disk() { lab "$@" >/dev/full; }

# bats test_tags=points:1
@test "anon-share: output that cannot be written is exit 1 with an error line" {
	run --separate-stderr to_full_disk anon-share
	assert_failure 1
	assert_equal "$stderr" "anon-share: write standard output: No space left on device (ENOSPC)"
}

# to_closed_pipe PROG ARGS...: PROG with stdout a pipe nobody reads, and
# SIGPIPE at its default action: its first write to stdout kills it.
to_closed_pipe() {
	# shellcheck disable=SC2016 # perl's own variables
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" perl -e '
		$SIG{PIPE} = "DEFAULT";
		pipe(my $read_end, my $write_end) or die "pipe: $!";
		close $read_end;
		open(STDOUT, ">&", $write_end) or die "dup: $!";
		exec @ARGV or die "exec: $!"' "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/$1" "${@:2}"
}

# bats test_tags=points:1
@test "anon-share: a child killed by a signal (SIGPIPE) makes the parent say so, exit 1" {
	run --separate-stderr to_closed_pipe anon-share
	assert_failure 1
	[[ $stderr =~ ^anon-share:\ the\ child\ \(pid\ [0-9]+\)\ was\ killed\ \(its\ output\ was\ closed\):\ Broken\ pipe\ \(SIGPIPE\)$ ]] ||
		fail "stderr: $stderr"
}

# held_write_started: anon-share under strace -D, which holds the parent's
# first write (the byte that tells the child) for a minute at its entry.
# strace -D is the tracer as a detached grandchild: the program stays the
# child of timeout, which gives us its exit status when the tracer is gone.
held_write_started() {
	# LeakSanitizer cannot work under ptrace (make sanitize): no leak check.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" strace -D -f -qq -o "$BATS_TEST_TMPDIR/trace" -e trace=write \
		-e inject=write:delay_enter=60s:when=1 "${RUN_AS[@]}" "$LAB_DIR/anon-share" \
		>"$BATS_TEST_TMPDIR/share.out" 2>"$BATS_TEST_TMPDIR/share.err" 3>&- &
	# shellcheck disable=SC2034 # lab_helper's table of background programs
	BG[share]=$!
}

# child_waiting: sets WAITING to "PARENT CHILD" once anon-share runs (the exec is
# done) and its child sleeps in read on the pipe.
child_waiting() {
	local parent child
	parent=$(program_pid share) || return 1
	# Its command line, not /proc/PID/exe: root without CAP_SYS_PTRACE (a
	# container) may not read another user's exe link.
	[ "$(tr '\0' '\n' <"/proc/$parent/cmdline" 2>/dev/null | head -n 1)" = "$LAB_DIR/anon-share" ] ||
		return 1
	child=$(pgrep -P "$parent" | head -n 1) && [ -n "$child" ] || return 1
	blocked_in_pipe_read "$child" || return 1
	WAITING="$parent $child" # wait_for runs this check in the test's shell
}

# bats test_tags=points:1
@test "anon-share: a child killed before the parent writes: the parent says so, exit 1 (no SIGPIPE)" {
	require_strace
	strace -D -qq -o /dev/null true 2>/dev/null ||
		skip "needs strace -D (a tracer that is not the program's parent) allowed here"
	held_write_started
	wait_for share "the child to wait in read" child_waiting
	# The pids seen when the child was waiting: a second look could come
	# at a moment it is not (where only its state can be read).
	read -r parent child <<<"$WAITING"
	tracer=$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$parent/status")
	[ "${tracer:-0}" != 0 ] || fail "anon-share (pid $parent) is not traced"
	kill -TERM "$child"
	wait_until "the child (pid $child) to die" process_gone "$child"
	# The tracer gone, the kernel lets the held write go on: to a pipe with
	# no reader now.
	kill -KILL "$tracer"
	wait_bg share
	[ "$status" = 1 ] || fail "anon-share: status $status, expected 1 (141 is death by SIGPIPE); stderr: $(cat "$BATS_TEST_TMPDIR/share.err")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/share.err")" "anon-share: the child (pid $child) was killed: Terminated (SIGTERM)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/share.out")" ""
}

# bats test_tags=points:1
@test "-h prints usage on stdout and exits 0" {
	run --separate-stderr lab anon-share -h
	assert_success
	assert_line -n 0 "usage: anon-share [-P]"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "bad usage: usage on stderr, exit 2" {
	local args
	for args in "-z" "-k 1" "extra" "-P extra" "-p"; do
		# shellcheck disable=SC2086 # split the arguments on purpose
		assert_bad_usage anon-share $args
	done
}
