#!/usr/bin/env bats
# Faults (issue 8): other users: squatted keys, another user's objects, a mode
# that shuts out its own owner, a fork the kernel refuses.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# --------------------------------------------------------- other users

# bats test_tags=points:1
@test "squatted key: chat meets nobody's queue under its -k: EEXIST with the ipcrm command, the queue untouched" {
	require_root
	in_lab msgqueue-chat
	as nobody lab chat-send -k "$KEY" <<<'planted'
	as daemon run --separate-stderr lab chat -k "$KEY" <<<'secret'
	assert_error_only "chat: msgget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -Q $KEY_HEX): File exists (EEXIST)"
	assert_equal "$(queue_field "$KEY" qnum)" 2
	assert_equal "$(queue_field "$KEY" lrpid)" 0
	as nobody run --separate-stderr lab chat-recv -k "$KEY"
	assert_output $'You wrote: planted\nYou wrote: end'
}

# bats test_tags=points:1
@test "squatted key: shm-check meets nobody's segment under its -k: EEXIST with the ipcrm command, untouched" {
	require_root
	in_lab shm-writer-reader
	as nobody lab shm-write -k "$KEY" planted >/dev/null
	in_lab shm-fork-check
	as daemon run --separate-stderr lab shm-check -k "$KEY"
	assert_error_only "shm-check: shmget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -M $KEY_HEX): File exists (EEXIST)"
	assert_equal "$(segment_field "$KEY" nattch)" 0
	in_lab shm-writer-reader
	as nobody run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: planted"
}

# bats test_tags=points:1
@test "squatted key: nobody's chat-recv waits on a 0666 queue; daemon's chat-send refuses it, nothing is stolen" {
	require_root
	in_lab msgqueue-chat
	as nobody lab_bg_started squatter chat-recv -k "$KEY" -m 0666
	wait_for squatter "the squatter to wait in msgrcv" blocked_in_msgrcv "$PROGRAM_PID"
	as daemon run --separate-stderr lab chat-send -k "$KEY" <<<'my secret'
	assert_error_only "chat-send: msgget key $KEY_HEX (the queue belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
	assert_equal "$(queue_field "$KEY" lspid)" 0
	# The squatter, ended by its own user, never saw the secret.
	as nobody lab chat-send -k "$KEY" <<<'end'
	wait_bg squatter
	assert_equal "$status" 0
	file_one_line "$BATS_TEST_TMPDIR/squatter.out" "You wrote: end"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "squatted key: nobody's shm-consumer waits on a 0666 segment; daemon's shm-producer refuses it, unless -o" {
	require_root
	in_lab shm-writer-reader
	as nobody lab_bg_started squatter shm-consumer -k "$KEY" -m 0666
	wait_for squatter "the squatter to wait for a text" blocked_in_futex "$PROGRAM_PID"
	as daemon run --separate-stderr lab shm-producer -k "$KEY" <<<'my secret'
	assert_error_only "shm-producer: shmget key $KEY_HEX (the segment belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
	assert_equal "$(segment_field "$KEY" nattch)" 1
	# -o: daemon hands its text over on purpose, and is warned.
	as daemon run --separate-stderr lab shm-producer -k "$KEY" -o <<<'shared on purpose'
	assert_success
	assert_one_line "shm-producer: warning: the segment with key $KEY_HEX can be read or written by other users (mode 0666)"
	wait_bg squatter
	assert_equal "$status" 0
	run cat "$BATS_TEST_TMPDIR/squatter.out"
	assert_output $'You wrote: shared on purpose\nYou wrote: end'
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "permission denied: daemon's 0600 queue opened by nobody: EACCES in one line from all five, the queue untouched" {
	require_root
	local args lspid
	as daemon lab typed-send -k "$KEY" 2:private >/dev/null
	lspid=$(queue_field "$KEY" lspid)
	for args in msgqueue-chat:chat-send msgqueue-chat:chat-recv msgtype-filter:typed-send \
		"msgtype-filter:typed-recv -r -n" "msgtype-filter:queue-stat -r"; do
		in_lab "${args%%:*}"
		args=${args#*:}
		# shellcheck disable=SC2086 # split the arguments on purpose
		as nobody run --separate-stderr lab $args -k "$KEY" <<<'from nobody'
		assert_error_only "${args%% *}: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	done
	assert_equal "$(queue_field "$KEY" qnum)" 1
	assert_equal "$(queue_field "$KEY" lspid)" "$lspid"
	assert_equal "$(queue_field "$KEY" lrpid)" 0
	in_lab msgtype-filter
	as daemon run --separate-stderr lab typed-recv -k "$KEY" -n -r
	assert_output "rcv rcv_ret=7, mtype=2, mtext=private"
}

# bats test_tags=points:1
@test "permission denied: daemon's 0600 segment opened by nobody: EACCES in one line from all six, untouched" {
	require_root
	local args id
	in_lab shm-writer-reader
	as daemon lab shm-write -k "$KEY" private >/dev/null
	id=$(segment_field "$KEY" shmid)
	for args in shm-write "shm-write -w" "shm-read" "shm-stat -r" shm-producer shm-consumer; do
		# shellcheck disable=SC2086 # split the arguments on purpose
		as nobody run --separate-stderr lab $args -k "$KEY" <<<'end'
		assert_error_only "${args%% *}: shmget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	done
	as nobody run --separate-stderr lab shm-stat -i "$id" -r
	assert_error_only "shm-stat: shmctl IPC_STAT segment $id: Permission denied (EACCES)"
	assert_equal "$(segment_field "$KEY" nattch)" 0
	assert_equal "$(segment_field "$KEY" lpid)" "$(segment_field "$KEY" cpid)"
	as daemon run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: private"
}

# bats test_tags=points:1
@test "a mode that shuts out its own owner: one line, exit 1; what the program owns is removed, what it leaves stays" {
	unprivileged
	# chat-send -m 0200 may send; its own chat-recv may not read: it says
	# so, and, failing, leaves the queue and the messages.
	in_lab msgqueue-chat
	lab chat-send -k "$KEY" -m 0200 <<<'hello'
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_error_only "chat-recv: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	assert_equal "$(queue_field "$KEY" qnum)" 2
	in_ns ipcrm -Q "$KEY_HEX"
	# shm-write -w -m 0400: it cannot attach what it made; -w removes it.
	in_lab shm-writer-reader
	run --separate-stderr lab shm-write -k "$KEY" -w -m 0400 </dev/null
	assert_error_only_like '^shm-write: shmat segment [0-9]+: Permission denied \(EACCES\)$'
	segment_gone "$KEY"
	# typed-send -m 0200 sends; its own typed-recv may not read: the
	# message stays.
	in_lab msgtype-filter
	lab typed-send -k "$KEY" -m 0200 2:unread >/dev/null
	run --separate-stderr lab typed-recv -k "$KEY" -r
	assert_error_only "typed-recv: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "fork refused (RLIMIT_NPROC): chat, shm-check, mmap-fork, anon-share: one line, exit 1, nothing left" {
	unprivileged
	local RUN_AS=("${RUN_AS[@]}" prlimit --nproc=1 --)
	in_lab msgqueue-chat
	run --separate-stderr lab chat -k "$KEY" <<<'hello'
	assert_error_only "chat: fork: Resource temporarily unavailable (EAGAIN)"
	in_lab shm-fork-check
	run --separate-stderr lab shm-check -k "$KEY"
	assert_error_only "shm-check: fork: Resource temporarily unavailable (EAGAIN)"
	no_objects
	in_lab mmap-file
	student_dir "$BATS_TEST_TMPDIR/files"  # mmap-fork opens its file for writing
	printf 'a text of more than sixteen bytes\n' >"$BATS_TEST_TMPDIR/files/test.txt"
	run --separate-stderr lab mmap-fork "$BATS_TEST_TMPDIR/files/test.txt"
	assert_error_only "mmap-fork: fork: Resource temporarily unavailable (EAGAIN)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/files/test.txt")" "a text of more than sixteen bytes"
	in_lab mmap-anon
	run --separate-stderr lab anon-share
	assert_error_only "anon-share: fork: Resource temporarily unavailable (EAGAIN)"
}
