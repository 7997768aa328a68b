#!/usr/bin/env bats
# Faults (issue 8): kernel limits (msgmax, msgmnb, msgmni, shmmax, shmall,
# shmmni) shrunk inside the test's own IPC namespace, full queues, missing
# objects and objects of the wrong size.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# ------------------------------------------------------------ kernel limits

# A message over msgmax: msgsnd fails with EINVAL while the queue is still
# there.  The error says what is wrong (not that the queue was removed), and
# what was sent before stays queued.
msgmax_line() {
	echo "$1: msgsnd queue $2 (the message is longer than msgmax, /proc/sys/kernel/msgmax): Invalid argument (EINVAL)"
}

# bats test_tags=points:1
@test "msgmax: typed-send with a message over msgmax: one line, exit 1, the queue and what was sent stay" {
	set_ipc_limit msgmax 10
	run --separate-stderr lab typed-send -k "$KEY" 1:short 2:0123456789abc 3:never
	assert_failure 1
	assert_output "send mtype=1, mtext=short"
	assert_one_line "$(msgmax_line typed-send "$(queue_field "$KEY" msqid)")"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	assert_equal "$(queue_field "$KEY" cbytes)" 5
	run --separate-stderr lab typed-recv -k "$KEY" -t 0 -n -r
	assert_output "rcv rcv_ret=5, mtype=1, mtext=short"
}

# bats test_tags=points:1
@test "msgmax: chat-send with a line over msgmax: one line, exit 1, the queue and the lines before stay" {
	in_lab msgqueue-chat
	set_ipc_limit msgmax 10
	run --separate-stderr lab chat-send -k "$KEY" <<<$'short\n0123456789abcdef\nnever'
	assert_error_only "$(msgmax_line chat-send "$(queue_field "$KEY" msqid)")"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	# "short", its newline and a NUL.
	assert_equal "$(queue_field "$KEY" cbytes)" 7
	# The line that fits is there for chat-recv (with an end of our own).
	lab chat-send -k "$KEY" <<<'end'
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output $'You wrote: short\nYou wrote: end'
}

# bats test_tags=points:1
@test "msgmax: chat with a line over msgmax: one line, exit 1, its queue removed" {
	in_lab msgqueue-chat
	set_ipc_limit msgmax 10
	run --separate-stderr lab chat -k "$KEY" <<<$'short\n0123456789abcdef\nnever'
	assert_failure 1
	assert_one_line_like '^chat: msgsnd queue [0-9]+ \(the message is longer than msgmax, /proc/sys/kernel/msgmax\): Invalid argument \(EINVAL\)$'
	queue_gone "$KEY"
	# The child may or may not have taken "short" before its parent gave up
	# and removed the queue; nothing after it was sent.
	[ -z "$output" ] || assert_output "new message: short"
}

# A message larger than the queue's msg_qbytes (kernel.msgmnb when it was
# made) can never go in, however empty the queue: msgsnd would wait for
# ever.  The senders say so instead.
# bats test_tags=points:1
@test "msgmnb: a message bigger than the whole queue (msg_qbytes) is EMSGSIZE in one line, not a wait for ever" {
	local id
	set_ipc_limit msgmnb 40
	# (Should it wait for ever again, timeout ends it: status 124.)
	run --separate-stderr lab typed-send -k "$KEY" 1:fits "2:$(repeat x 45)"
	assert_failure 1
	assert_output "send mtype=1, mtext=fits"
	id=$(queue_field "$KEY" msqid)
	assert_one_line "typed-send: msgsnd queue $id (a message of 45 bytes can never fit: the queue holds at most 40 bytes, its msg_qbytes): Message too long (EMSGSIZE)"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
	in_lab msgqueue-chat
	run --separate-stderr lab chat-send -k "$KEY" <<<$'fits\n'"$(repeat x 45)"
	assert_failure 1
	assert_output ""
	id=$(queue_field "$KEY" msqid)
	# 45 bytes of text, the newline and a NUL.
	assert_one_line "chat-send: msgsnd queue $id (a message of 47 bytes can never fit: the queue holds at most 40 bytes, its msg_qbytes): Message too long (EMSGSIZE)"
	lab chat-send -k "$KEY" <<<'end'
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_output $'You wrote: fits\nYou wrote: end'
	run --separate-stderr lab chat -k "$KEY" <<<"$(repeat x 45)"
	assert_error_only_like '^chat: msgsnd queue [0-9]+ \(a message of 45 bytes can never fit: the queue holds at most 40 bytes, its msg_qbytes\): Message too long \(EMSGSIZE\)$'
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "shmmax: shm-check -s over shmmax is EINVAL naming the limit: one line, exit 1, nothing made; shmmax itself fits" {
	in_lab shm-fork-check
	set_ipc_limit shmmax 4096
	run --separate-stderr lab shm-check -k "$KEY" -s 4097
	assert_error_only "shm-check: shmget key $KEY_HEX, 4097 bytes (more than kernel.shmmax, the largest segment allowed: 4096 bytes, see /proc/sys/kernel/shmmax): Invalid argument (EINVAL)"
	no_objects
	run --separate-stderr lab shm-check -k "$KEY" -s 4096
	assert_success
	assert_line "check ok: $((4096 - $(getconf LONG_BIT) / 8))"
	no_objects
}

# bats test_tags=points:1
@test "shmmax: below the fixed sizes of shm-write, shm-producer, shm-consumer: EINVAL, one line, exit 1" {
	local args
	in_lab shm-writer-reader
	set_ipc_limit shmmax 1000
	for args in shm-write "shm-write -w" shm-producer shm-consumer; do
		# shellcheck disable=SC2086 # split the arguments on purpose
		run --separate-stderr lab $args -k "$KEY" <<<'end'
		assert_error_only "${args%% *}: shmget key $KEY_HEX: Invalid argument (EINVAL)"
	done
	no_objects
}

# bats test_tags=points:1
@test "shmall: shm-check over the pages left is the kernel's ENOSPC: one line, exit 1, nothing made" {
	in_lab shm-fork-check
	set_ipc_limit shmall 1
	local page
	page=$(getconf PAGESIZE)
	run --separate-stderr lab shm-check -k "$KEY" -s $((page + 1))
	assert_error_only "shm-check: shmget key $KEY_HEX: No space left on device (ENOSPC)"
	no_objects
	run --separate-stderr lab shm-check -k "$KEY" -s "$page"
	assert_success
	no_objects
}

# bats test_tags=points:1
@test "msgmni: no queue left: the four creators say ENOSPC in one line, exit 1; the other queue is untouched" {
	local filler=$((KEY + 1)) args
	set_ipc_limit msgmni 1
	lab typed-send -k "$filler" 1:filler >/dev/null
	for args in msgqueue-chat:chat msgqueue-chat:chat-send msgqueue-chat:chat-recv msgtype-filter:typed-send; do
		in_lab "${args%%:*}"
		run --separate-stderr lab "${args#*:}" -k "$KEY" <<<'exit'
		assert_error_only "${args#*:}: msgget key $KEY_HEX: No space left on device (ENOSPC)"
	done
	queue_gone "$KEY"
	in_lab msgtype-filter
	run --separate-stderr lab typed-recv -k "$filler" -t 0 -n -r
	assert_output "rcv rcv_ret=6, mtype=1, mtext=filler"
}

# bats test_tags=points:1
@test "shmmni: no segment left: the five creators say ENOSPC in one line, exit 1; the other segment is untouched" {
	local filler=$((KEY + 1)) args
	set_ipc_limit shmmni 1
	in_lab shm-writer-reader
	lab shm-write -k "$filler" filler >/dev/null
	for args in shm-fork-check:shm-check shm-writer-reader:shm-write "shm-writer-reader:shm-write -w" \
		shm-writer-reader:shm-producer shm-writer-reader:shm-consumer; do
		in_lab "${args%%:*}"
		# shellcheck disable=SC2086 # split the arguments on purpose
		run --separate-stderr lab ${args#*:} -k "$KEY" <<<'end'
		assert_failure 1
		assert_output ""
		args=${args#*:}
		assert_one_line "${args%% *}: shmget key $KEY_HEX: No space left on device (ENOSPC)"
	done
	segment_gone "$KEY"
	in_lab shm-writer-reader
	run --separate-stderr lab shm-read -k "$filler"
	assert_output "Message from shared memory: filler"
}

# bats test_tags=points:1
@test "full queue (msgmnb 100): typed-send waits in msgsnd, and once typed-recv drains, all 30 arrive in order" {
	set_ipc_limit msgmnb 100
	local i messages=() expected=()
	for ((i = 10; i < 40; i++)); do
		messages+=("$((i % 3 + 1)):message$i")
		expected+=("rcv rcv_ret=9, mtype=$((i % 3 + 1)), mtext=message$i")
	done
	lab_bg_started send typed-send -k "$KEY" "${messages[@]}"
	wait_for send "typed-send to wait in msgsnd on a full queue" \
		msgsnd_waits_with "$PROGRAM_PID" cbytes 99
	# 11 messages of 9 bytes: 99 bytes, the twelfth would make 108.
	assert_equal "$(queue_field "$KEY" qnum)" 11
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/send.out")" 11
	run --separate-stderr lab typed-recv -k "$KEY" -t 0 -c 30 -r
	assert_success
	assert_output "$(printf '%s\n' "${expected[@]}")"
	wait_bg send
	assert_equal "$status" 0
	run cat "$BATS_TEST_TMPDIR/send.out"
	assert_output "$(printf '%s\n' "${expected[@]}" | sed 's/^rcv rcv_ret=9,/send/')"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "full queue (msgmnb 100): chat-send waits in msgsnd, and once chat-recv drains, every line arrives" {
	in_lab msgqueue-chat
	set_ipc_limit msgmnb 100
	seq -f 'line %02g of the full queue test' 12 >"$BATS_TEST_TMPDIR/input"
	lab_bg_started -i "$BATS_TEST_TMPDIR/input" send chat-send -k "$KEY"
	# 3 lines of 30 bytes, each with its newline and a NUL: 96 bytes; the
	# fourth would make 128.
	wait_for send "chat-send to wait in msgsnd on a full queue" \
		msgsnd_waits_with "$PROGRAM_PID" qnum 3
	assert_equal "$(queue_field "$KEY" cbytes)" 96
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output "$(sed 's/^/You wrote: /' "$BATS_TEST_TMPDIR/input"; echo 'You wrote: end')"
	wait_bg send
	assert_equal "$status" 0
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "full queue (msgmnb 100): chat's parent waits in msgsnd, and once the child reads, every line arrives" {
	in_lab msgqueue-chat
	set_ipc_limit msgmnb 100
	seq -f 'line %02g of the full queue test' 12 >"$BATS_TEST_TMPDIR/input"
	start_chat_blocked_in_msgsnd "$BATS_TEST_TMPDIR/input"
	assert_equal "$(queue_field "$KEY" qnum)" 3
	kill -CONT "$CHILD_PID"
	close_input
	wait_bg chat
	assert_equal "$status" 0
	run cat "$BATS_TEST_TMPDIR/chat.out"
	assert_output "$(sed 's/^/new message: /' "$BATS_TEST_TMPDIR/input"; printf 'new message: exit\nchat ended')"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/chat.err")" ""
	queue_gone "$KEY"
}

# ------------------------------------------- missing objects, wrong sizes

# bats test_tags=points:1
@test "missing objects: the programs that only open say so in one line, exit 1, and create nothing" {
	run --separate-stderr lab typed-recv -k "$KEY" -r
	assert_failure 1
	assert_one_line "typed-recv: msgget key $KEY_HEX: No such file or directory (ENOENT)"
	run --separate-stderr lab queue-stat -k "$KEY" -r
	assert_error_only "queue-stat: msgget key $KEY_HEX: No such file or directory (ENOENT)"
	in_lab shm-writer-reader
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_error_only "shm-read: shmget key $KEY_HEX (no segment has this key: run shm-write first, in the same folder or with the same -k or -p): No such file or directory (ENOENT)"
	run --separate-stderr lab shm-stat -k "$KEY" -r
	assert_error_only "shm-stat: shmget key $KEY_HEX: No such file or directory (ENOENT)"
	no_objects
}

# make_segment KEY SIZE TEXT: a segment made by another program (perl), mode
# 0600, owned by the user the lab programs run as, TEXT at its start.
make_segment() {
	# shellcheck disable=SC2016 # perl's $id, $ARGV and $!, not the shell's
	in_ns "${RUN_AS[@]}" perl -e '
		my $id = shmget($ARGV[0], $ARGV[1], 01600);
		defined $id or die "shmget: $!\n";
		shmwrite($id, $ARGV[2], 0, length $ARGV[2]) or die "shmwrite: $!\n"' "$@"
}

# bats test_tags=points:1
@test "wrong size: a bigger segment under the key is refused by shm-producer and shm-consumer, and left as it was" {
	local prog id
	in_lab shm-writer-reader
	make_segment "$KEY" 4096 "not a producer's segment"
	id=$(segment_field "$KEY" shmid)
	for prog in shm-producer shm-consumer; do
		run --separate-stderr lab "$prog" -k "$KEY" <<<'end'
		assert_error_only_like "^$prog: shmget key $KEY_HEX \\(segment $id under this key has 4096 bytes, not [0-9]+: it was made by another program; remove it with: ipcrm -M $KEY_HEX\\): Invalid argument \\(EINVAL\\)$"
	done
	assert_equal "$(segment_field "$KEY" nattch)" 0
	assert_equal "$(segment_field "$KEY" size)" 4096
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: not a producer's segment"
}
