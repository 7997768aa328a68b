#!/usr/bin/env bats
# Faults (issue 8): the rest: removals not permitted, full disks for stdout,
# messages too big, unreadable stdin, RLIMIT_AS, whole error lines, a slow
# child.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# ------------------------------------------------------------ more faults

# bats test_tags=points:1
@test "a removal not permitted (another user's readable object): the report and the warning, then EPERM in one line, exit 1, kept" {
	require_root
	local id
	# Readable by others (0644), so nobody may look, and is warned so.
	as daemon lab typed-send -k "$KEY" -m 0644 2:kept >/dev/null
	id=$(queue_field "$KEY" msqid)
	as nobody run --separate-stderr lab queue-stat -k "$KEY" -r
	assert_failure 1
	assert_equal "${#lines[@]}" 15
	assert_line "owner uid: $(id -u daemon)"
	assert_equal "$stderr" "queue-stat: warning: the queue with key $KEY_HEX can be read or written by other users (mode 0644)
queue-stat: msgctl IPC_RMID queue $id: Operation not permitted (EPERM)"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
	in_lab shm-writer-reader
	as daemon lab shm-write -k "$KEY" -m 0644 kept >/dev/null
	id=$(segment_field "$KEY" shmid)
	as nobody run --separate-stderr lab shm-stat -k "$KEY" -r
	assert_failure 1
	assert_line "marked for removal: no"
	assert_equal "$stderr" "shm-stat: warning: the segment with key $KEY_HEX can be read or written by other users (mode 0644)
shm-stat: shmctl IPC_RMID segment $id: Operation not permitted (EPERM)"
	as nobody run --separate-stderr lab shm-read -k "$KEY" -o
	assert_failure 1
	assert_output "Message from shared memory: kept"
	assert_equal "$stderr" "shm-read: warning: the segment with key $KEY_HEX can be read or written by other users (mode 0644)
shm-read: shmctl IPC_RMID segment $id: Operation not permitted (EPERM)"
	assert_equal "$(segment_field "$KEY" nattch)" 0
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-send with a full disk for stdout: one line, exit 1; the message whose line failed is queued, none after it" {
	run --separate-stderr bash -c '"$@" >/dev/full' _ \
		timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/typed-send" -k "$KEY" 1:first 2:second
	assert_failure 1
	assert_one_line "typed-send: write standard output: No space left on device (ENOSPC)"
	run --separate-stderr lab typed-recv -k "$KEY" -t 0 -n -r
	assert_output "rcv rcv_ret=5, mtype=1, mtext=first"
}

# bats test_tags=points:1
@test "chat-recv meets a message over its 512 bytes (from another program): E2BIG in one line, exit 1, it stays queued" {
	in_lab msgqueue-chat
	# shellcheck disable=SC2016 # perl's $id and $!, not the shell's
	in_ns "${RUN_AS[@]}" perl -e '
		my $id = msgget($ARGV[0], 01600) // die "msgget: $!\n";
		msgsnd($id, pack("l! a*", 1, "x" x 513), 0) or die "msgsnd: $!\n"' "$KEY"
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_error_only_like '^chat-recv: msgrcv queue [0-9]+: Argument list too long \(E2BIG\)$'
	assert_equal "$(queue_field "$KEY" qnum)" 1
	assert_equal "$(queue_field "$KEY" cbytes)" 513
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "a standard input that cannot be read: one line, exit 1; shm-write -w removes its segment, the others leave theirs" {
	local args
	for args in msgqueue-chat:chat-send msgtype-filter:typed-send shm-writer-reader:shm-producer \
		"shm-writer-reader:shm-write -w"; do
		in_lab "${args%%:*}"
		args=${args#*:}
		# shellcheck disable=SC2086 # split the arguments on purpose
		run --separate-stderr lab $args -k "$KEY" </
		assert_failure 1
		assert_one_line "${args%% *}: read standard input: Is a directory (EISDIR)"
		case $args in
		chat-send | typed-send)
			assert_output ""
			assert_equal "$(queue_field "$KEY" qnum)" 0
			in_ns ipcrm -Q "$KEY_HEX" ;;
		shm-producer)
			assert_output ""
			assert_equal "$(segment_field "$KEY" nattch)" 0
			in_ns ipcrm -M "$KEY_HEX" ;;
		*)
			assert_output --regexp '^shmid : [0-9]+$'
			segment_gone "$KEY" ;;
		esac
	done
}

# bats test_tags=points:1
@test "shm-check: a segment this process may not map (RLIMIT_AS): one line, exit 1, the segment removed" {
	in_lab shm-fork-check
	local RUN_AS=("${RUN_AS[@]}" prlimit --as=$((256 * 1024 * 1024)) --)
	run --separate-stderr lab shm-check -k "$KEY" -s 1073741824
	local id
	assert_failure 1
	assert_output ""
	[[ $stderr =~ ^shm-check:\ shmat\ segment\ ([0-9]+): ]] || fail "stderr: $stderr"
	id=${BASH_REMATCH[1]}
	segment_gone "$KEY"
	wait_until "the child to detach" segment_id_gone "$id"
	# The child cannot map it either, or finds it removed: one failure, one
	# line, the parent's.
	assert_one_line_like '^shm-check: shmat segment [0-9]+: Cannot allocate memory \(ENOMEM\)$'
}

# stderr_writes: the byte counts of the traced program's writes to fd 2, in
# order, one per line (from $BATS_TEST_TMPDIR/trace; see traced).
stderr_writes() {
	sed -n 's/^[0-9]* *write(2, .*) = \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/trace"
}

# bats test_tags=points:1
@test "an error line goes out whole, in one write: a parent's and its child's lines, failing at once, cannot interleave" {
	require_strace
	in_lab mmap-file
	local missing=$BATS_TEST_TMPDIR/missing line
	# die: "PROG: WHAT: REASON (ENAME)".
	run --separate-stderr traced write mmap-read "$missing"
	assert_failure 1
	line="mmap-read: open $missing: No such file or directory (ENOENT)"
	assert_equal "$stderr" "$line"
	assert_equal "$(stderr_writes)" "$((${#line} + 1))"
	# usage_bad: its line first, whole; the usage text after it.
	run --separate-stderr traced write mmap-read
	assert_failure 2
	line="mmap-read: missing FILE"
	assert_equal "${stderr%%$'\n'*}" "$line"
	assert_equal "$(stderr_writes | head -n 1)" "$((${#line} + 1))"
	# The output's failure, said at exit.
	printf 'text\n' >"$BATS_TEST_TMPDIR/text"
	traced write mmap-read "$BATS_TEST_TMPDIR/text" >/dev/full 2>"$BATS_TEST_TMPDIR/err" && fail "mmap-read into /dev/full succeeded"
	line="mmap-read: write standard output: No space left on device (ENOSPC)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "$line"
	assert_equal "$(stderr_writes)" "$((${#line} + 1))"
}

# bats test_tags=points:1
@test "ipc-bench: a child whose pipes close before it can be reaped: the parent waits for it and says how it ended" {
	in_lab ipc-bench
	mkfifo "$BATS_TEST_TMPDIR/hold"
	# Open read-write: the child's open for reading does not wait for us.
	# shellcheck disable=SC2034 # HOLD_FD: release_held_child writes there
	exec {HOLD_FD}<>"$BATS_TEST_TMPDIR/hold"
	SHIM_CHILD_CLOSES_THEN_WAITS=$BATS_TEST_TMPDIR/hold LD_PRELOAD=$SHIM \
		lab_bg_started bench ipc-bench -q -r 1000 -s 64 -M pipe -k "$KEY"
	# The parent has met the closed pipe, and waits for the child to end.
	wait_for bench "ipc-bench to wait for its child" blocked_in_waitpid "$PROGRAM_PID"
	release_held_child
	wait_bg bench
	assert_equal "$status" 1
	# Progress lines, then one error line that says how the child ended.
	run grep -v '^ipc-bench: \[[0-9]*/[0-9]*\] ' "$BATS_TEST_TMPDIR/bench.err"
	assert_output --regexp '^ipc-bench: pipe 64 B one-way: .+ \(the pipe child was killed by SIGKILL\)$'
}
