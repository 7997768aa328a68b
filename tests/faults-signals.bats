#!/usr/bin/env bats
# Faults (issue 8): signals during every blocking call, and the peer gone: the
# object removed under a blocked program, or chat's child ended.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# ------------------------------------------- signals during blocking calls

SIGNALS=(TERM INT HUP)

# bats test_tags=points:1
@test "chat's parent waiting in msgsnd on a full queue: SIGTERM, SIGINT, SIGHUP remove the queue, quietly" {
	local sig
	in_lab msgqueue-chat
	# Lines of 255 bytes, more than the queue holds.
	awk -v n=$(($(msgmnb) / 255 + 10)) 'BEGIN { for (i = 1; i <= n; i++) printf "%0255d\n", i }' \
		>"$BATS_TEST_TMPDIR/input"
	for sig in "${SIGNALS[@]}"; do
		start_chat_blocked_in_msgsnd "$BATS_TEST_TMPDIR/input"
		kill "-$sig" "$CHAT_PID"
		wait_bg chat
		close_input
		assert_equal "$status" "$(signal_status "$sig")"
		queue_gone "$KEY"
		# The stopped child goes with its parent (PR_SET_PDEATHSIG).
		wait_until "chat's child to end" process_gone "$CHILD_PID"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/chat.err")" ""
	done
}

# drain_chat_queue LINES-FILE: chat-recv prints exactly these lines, then the
# 'end' we add, and removes the queue.
drain_chat_queue() {
	lab chat-send -k "$KEY" <<<'end'
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output "$(sed 's/^/You wrote: /' "$1"; echo 'You wrote: end')"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat-send waiting in msgsnd on a full queue: SIGTERM, SIGINT, SIGHUP leave the queue and every line sent" {
	local sig fit
	in_lab msgqueue-chat
	# Lines of 500 bytes, 502 in a message with the newline and the NUL:
	# $fit of them fill the queue (32 in msgmnb's 16384).
	fit=$(($(msgmnb) / 502))
	awk -v n=$((fit + 10)) 'BEGIN { for (i = 1; i <= n; i++) printf "%06d %0493d\n", i, 0 }' \
		>"$BATS_TEST_TMPDIR/input"
	head -n "$fit" "$BATS_TEST_TMPDIR/input" >"$BATS_TEST_TMPDIR/queued"
	for sig in "${SIGNALS[@]}"; do
		lab_bg_started -i "$BATS_TEST_TMPDIR/input" send chat-send -k "$KEY"
		wait_for send "chat-send to wait in msgsnd on a full queue" msgsnd_waits_with "$PROGRAM_PID" qnum "$fit"
		killed_quietly send "$sig"
		assert_equal "$(queue_field "$KEY" cbytes)" $((fit * 502))
		drain_chat_queue "$BATS_TEST_TMPDIR/queued"
	done
}

# bats test_tags=points:1
@test "chat-send waiting for a line: SIGTERM, SIGINT, SIGHUP leave the queue and the line already sent" {
	local sig
	in_lab msgqueue-chat
	for sig in "${SIGNALS[@]}"; do
		lab_bg_on_fifo send chat-send -k "$KEY"
		echo "sent before SIG$sig" >&"$IN_FD"
		wait_for send "the line to be queued" queue_field_is "$KEY" qnum 1
		wait_for send "chat-send to wait for the next line" blocked_in_pipe_read "$PROGRAM_PID"
		killed_quietly send "$sig"
		close_input
		echo "sent before SIG$sig" >"$BATS_TEST_TMPDIR/queued"
		drain_chat_queue "$BATS_TEST_TMPDIR/queued"
	done
}

# lines_of_50 FILE N: N lines of exactly 50 bytes, numbered: one message each.
lines_of_50() {
	awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "line %04d %040d\n", i, 0 }' >"$1"
}

# assert_sent_is_queued: each "send" line typed-send printed is a message
# still in the queue, in order, and nothing else is: typed-recv takes them.
assert_sent_is_queued() {
	local expected
	expected=$(sed 's/^send /rcv rcv_ret=50, /' "$BATS_TEST_TMPDIR/send.out")
	run --separate-stderr lab typed-recv -k "$KEY" -t 0 -n -r
	assert_success
	assert_output "$expected"
}

# bats test_tags=points:1
@test "typed-send waiting in msgsnd on a full queue: SIGTERM, SIGINT, SIGHUP: each message it announced is queued" {
	local sig fit
	# Messages of 50 bytes: $fit of them fill the queue (327 in 16384 bytes).
	fit=$(($(msgmnb) / 50))
	lines_of_50 "$BATS_TEST_TMPDIR/input" $((fit + 10))
	for sig in "${SIGNALS[@]}"; do
		lab_bg_started -i "$BATS_TEST_TMPDIR/input" send typed-send -k "$KEY"
		wait_for send "typed-send to wait in msgsnd on a full queue" msgsnd_waits_with "$PROGRAM_PID" qnum "$fit"
		killed_quietly send "$sig"
		assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/send.out")" "$fit"
		assert_sent_is_queued
	done
}

# bats test_tags=points:1
@test "typed-send waiting for a line: SIGTERM, SIGINT, SIGHUP leave the queue and the message sent" {
	local sig
	for sig in "${SIGNALS[@]}"; do
		lab_bg_on_fifo send typed-send -k "$KEY"
		lines_of_50 "$BATS_TEST_TMPDIR/line" 1
		cat "$BATS_TEST_TMPDIR/line" >&"$IN_FD"
		wait_for send "the message to be queued" queue_field_is "$KEY" qnum 1
		wait_for send "typed-send to wait for the next line" blocked_in_pipe_read "$PROGRAM_PID"
		killed_quietly send "$sig"
		close_input
		assert_sent_is_queued
	done
}

# bats test_tags=points:1
@test "typed-recv without -r waiting in msgrcv: SIGINT and SIGHUP leave the queue and its messages" {
	local sig
	lab typed-send -k "$KEY" 1:kept 3:kept-too >/dev/null
	for sig in INT HUP; do
		lab_bg_receiving recv typed-recv -k "$KEY"
		killed_quietly recv "$sig"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/recv.out")" ""
		assert_equal "$(queue_field "$KEY" qnum)" 2
	done
	run --separate-stderr lab typed-recv -k "$KEY" -t 0 -n -r
	assert_output $'rcv rcv_ret=4, mtype=1, mtext=kept\nrcv rcv_ret=8, mtype=3, mtext=kept-too'
}

# bats test_tags=points:1
@test "shm-producer waiting for a line: SIGTERM, SIGINT, SIGHUP leave the segment; the waiting consumer loses nothing" {
	local sig
	in_lab shm-writer-reader
	lab_bg_started consumer shm-consumer -k "$KEY"
	CONSUMER_PID=$PROGRAM_PID
	wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$CONSUMER_PID"
	for sig in "${SIGNALS[@]}"; do
		lab_bg_on_fifo producer shm-producer -k "$KEY"
		echo "handed over before SIG$sig" >&"$IN_FD"
		wait_for consumer "the text to be printed" grep -q "before SIG$sig" "$BATS_TEST_TMPDIR/consumer.out"
		wait_for producer "shm-producer to wait for the next line" blocked_in_pipe_read "$PROGRAM_PID"
		killed_quietly producer "$sig"
		close_input
		assert_equal "$(segment_field "$KEY" nattch)" 1
		wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$CONSUMER_PID"
	done
	lab shm-producer -k "$KEY" <<<'end'
	wait_bg consumer
	assert_equal "$status" 0
	run cat "$BATS_TEST_TMPDIR/consumer.out"
	assert_output "You wrote: handed over before SIGTERM
You wrote: handed over before SIGINT
You wrote: handed over before SIGHUP
You wrote: end"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-producer waiting for 'end' to be taken: SIGTERM, SIGINT, SIGHUP leave the segment and 'end' for the consumer" {
	local sig
	in_lab shm-writer-reader
	for sig in "${SIGNALS[@]}"; do
		# No consumer yet: the producer creates the segment, puts 'end' in
		# it, and waits until someone takes it.
		lab_bg_started producer shm-producer -k "$KEY"
		wait_for producer "shm-producer to wait for 'end' to be taken" blocked_in_futex "$PROGRAM_PID"
		killed_quietly producer "$sig"
		assert_equal "$(segment_field "$KEY" nattch)" 0
		run --separate-stderr lab shm-consumer -k "$KEY"
		assert_success
		assert_output "You wrote: end"
		segment_gone "$KEY"
	done
}

# bats test_tags=points:1
@test "shm-check's parent waiting for its child (waitpid): SIGTERM, SIGINT, SIGHUP remove the segment; the child's check still holds" {
	local sig parent child id
	in_lab shm-fork-check
	for sig in "${SIGNALS[@]}"; do
		start_held_check
		parent=$PROGRAM_PID child=$CHILD_PID
		id=$(segment_field "$KEY" shmid)
		assert_equal "$(segment_field "$KEY" nattch)" 2
		kill "-$sig" "$parent"
		wait_bg check
		assert_equal "$status" "$(signal_status "$sig")"
		# Removed: no longer under the key, but still attached by the child.
		segment_gone "$KEY"
		assert_equal "$(segment_id_field "$id" nattch)" 1
		release_held_child
		wait_until "the child to end" process_gone "$child"
		segment_id_gone "$id"
		run cat "$BATS_TEST_TMPDIR/check.out"
		assert_line --index 2 "check ok: $((4096 - $(getconf LONG_BIT) / 8))"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/check.err")" ""
	done
}

# bats test_tags=points:1
@test "shm-check's child waiting: SIGTERM, SIGINT, SIGHUP kill only the child; the parent says so in one line, exit 1, no segment" {
	local sig parent child
	declare -A described=([TERM]=Terminated [INT]=Interrupt [HUP]=Hangup)
	in_lab shm-fork-check
	for sig in "${SIGNALS[@]}"; do
		start_held_check
		parent=$PROGRAM_PID child=$CHILD_PID
		kill "-$sig" "$child"
		wait_bg check
		close_hold
		assert_equal "$status" 1
		file_one_line "$BATS_TEST_TMPDIR/check.err" \
			"shm-check: the child (pid $child) was killed: ${described[$sig]} (SIG$sig)"
		run cat "$BATS_TEST_TMPDIR/check.out"
		assert_output --regexp '^parent attached at 0x[0-9a-f]+$'
		no_objects
	done
}

# bats test_tags=points:1
@test "queue-stat -r and shm-stat -r waiting to write their report: SIGTERM, SIGINT, SIGHUP remove the object" {
	local sig
	full_fifo stat.out
	for sig in "${SIGNALS[@]}"; do
		in_lab msgtype-filter
		lab typed-send -k "$KEY" 1:x >/dev/null
		lab_bg_started stat queue-stat -k "$KEY" -r
		wait_for stat "queue-stat to wait in write" blocked_in_pipe_write "$PROGRAM_PID"
		killed_quietly stat "$sig"
		queue_gone "$KEY"
		in_lab shm-writer-reader
		lab shm-write -k "$KEY" >/dev/null
		lab_bg_started stat shm-stat -k "$KEY" -r
		wait_for stat "shm-stat to wait in write" blocked_in_pipe_write "$PROGRAM_PID"
		killed_quietly stat "$sig"
		segment_gone "$KEY"
	done
}

# -------------------- the peer gone: the object removed, or chat's child ended

# bats test_tags=points:1
@test "chat's child ends just before the parent's first message: one line, the child's end, exit 1, the queue removed" {
	local child
	in_lab msgqueue-chat
	echo hello >"$BATS_TEST_TMPDIR/input"
	SHIM_STAT_AFTER_CHILD_EXIT=1 LD_PRELOAD=$SHIM lab_bg_started -i "$BATS_TEST_TMPDIR/input" chat chat -k "$KEY"
	CHAT_PID=$PROGRAM_PID
	wait_chat_child_in_msgrcv
	child=$CHILD_PID
	# The parent has read "hello" and is held before its first msgsnd.
	wait_for chat "the parent to be held before its first message" blocked_in_waitpid "$CHAT_PID"
	kill -KILL "$child"
	wait_bg chat
	assert_equal "$status" 1
	queue_gone "$KEY"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/chat.out")" ""
	file_one_line "$BATS_TEST_TMPDIR/chat.err" \
		"chat: the child printing the messages (pid $child) was killed: Killed (SIGKILL)"
}

# bats test_tags=points:1
@test "chat's child ends before the parent first reads: the parent ends too, without waiting for input" {
	local child
	in_lab msgqueue-chat
	SHIM_FORK_RETURNS_AFTER_CHILD_EXIT=chat LD_PRELOAD=$SHIM lab_bg_on_fifo chat chat -k "$KEY"
	CHAT_PID=$PROGRAM_PID
	wait_chat_child_in_msgrcv
	child=$CHILD_PID
	# The parent is held in fork, before its first read of the input.
	wait_for chat "the parent to be held in fork" blocked_in_waitpid "$CHAT_PID"
	kill -KILL "$child"
	# Input stays open: either chat ends by itself, or it waits for a line
	# that may never come, its child long gone.
	wait_until "chat to end, or to wait for input" ended_or chat blocked_in_pipe_read "$CHAT_PID"
	if ! process_gone "$CHAT_PID"; then
		close_input
		wait_bg chat
		fail "chat's parent missed its child's end (SIGCHLD before its first read of stdin): it waited for input"
	fi
	wait_bg chat
	assert_equal "$status" 1
	file_one_line "$BATS_TEST_TMPDIR/chat.err" \
		"chat: the child printing the messages (pid $child) was killed: Killed (SIGKILL)"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-send waiting in msgsnd when the queue is removed: one line, exit 1; it announced only what was queued" {
	local fit=$(($(msgmnb) / 50))
	lines_of_50 "$BATS_TEST_TMPDIR/input" $((fit + 10))
	lab_bg_started -i "$BATS_TEST_TMPDIR/input" send typed-send -k "$KEY"
	wait_for send "typed-send to wait in msgsnd on a full queue" msgsnd_waits_with "$PROGRAM_PID" qnum "$fit"
	in_ns ipcrm -Q "$KEY_HEX"
	wait_bg send
	assert_equal "$status" 1
	file_one_line_like "$BATS_TEST_TMPDIR/send.err" \
		'^typed-send: msgsnd queue [0-9]+ \(the queue was removed\): (Identifier removed \(EIDRM\)|Invalid argument \(EINVAL\))$'
	run diff <(head -n "$fit" "$BATS_TEST_TMPDIR/input" | awk '{ print "send mtype=" (NR - 1) % 2 + 1 ", mtext=" $0 }') \
		"$BATS_TEST_TMPDIR/send.out"
	assert_success
}

# bats test_tags=points:1
@test "chat-recv waiting in msgrcv when the queue is removed: the documented line, exit 1" {
	in_lab msgqueue-chat
	lab_bg_receiving recv chat-recv -k "$KEY"
	in_ns ipcrm -Q "$KEY_HEX"
	wait_bg recv
	assert_equal "$status" 1
	file_one_line_like "$BATS_TEST_TMPDIR/recv.err" \
		'^chat-recv: msgrcv queue [0-9]+ \(the queue was removed\): (Identifier removed \(EIDRM\)|Invalid argument \(EINVAL\))$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/recv.out")" ""
}

# bats test_tags=points:1
@test "shm-check: the segment removed by another program while the parent waits: the check holds, exit 0" {
	local id
	in_lab shm-fork-check
	start_held_check
	id=$(segment_field "$KEY" shmid)
	in_ns ipcrm -M "$KEY_HEX"
	release_held_child
	wait_bg check
	local code=$status
	segment_id_gone "$id"
	run cat "$BATS_TEST_TMPDIR/check.out"
	assert_line --index 2 "check ok: $((4096 - $(getconf LONG_BIT) / 8))"
	# Removing a segment that is already marked for removal is allowed:
	# shm-check removes, then detaches, and takes it in its stride.
	assert_equal "$code" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/check.err")" ""
}

# bats test_tags=points:1
@test "shm-producer waiting for a line when the segment is removed: it ends with EIDRM, exit 1, not a silent 0" {
	in_lab shm-writer-reader
	lab_bg_on_fifo producer shm-producer -k "$KEY"
	wait_for producer "shm-producer to wait for a line" blocked_in_pipe_read "$PROGRAM_PID"
	in_ns ipcrm -M "$KEY_HEX"
	echo 'nobody will read this' >&"$IN_FD"
	close_input
	wait_bg producer
	assert_equal "$status" 1
	file_one_line_like "$BATS_TEST_TMPDIR/producer.err" \
		'^shm-producer: waiting for the consumer: segment [0-9]+ was removed: Identifier removed \(EIDRM\)$'
	segment_gone "$KEY"
}
