#!/usr/bin/env bats
# labs/msgqueue-chat: chat (article 001), chat-send and chat-recv (article 003).
# Every statement of LABS.md for this lab, run for real.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup() { lab_setup msgqueue-chat; }
teardown() {
	[ -z "${IN_FD:-}" ] || close_input  # start_chat_waiting's FIFO
	lab_teardown
}


# ---------------------------------------------------------------- chat

# chat_prints INPUT MESSAGE...: chat, given INPUT, prints "new message: M"
# for each MESSAGE, then "chat ended", and nothing more; exit 0.
chat_prints() {
	local input=$1 message expected=()
	shift
	for message in "$@"; do expected+=("new message: $message"); done
	run --separate-stderr lab chat -k "$KEY" <<<"$input"
	assert_success
	assert_output_lines "${expected[@]}" "chat ended"
}

# bats test_tags=points:1
@test "chat: the contract's example prints three lines and removes its queue" {
	run --separate-stderr lab chat -k "$KEY" <<<$'hi\nexit'
	assert_success
	assert_output $'new message: hi\nnew message: exit\nchat ended'
	assert_equal "$stderr" ""
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: end of input without 'exit' sends exit as if typed" {
	run --separate-stderr lab chat -k "$KEY" < <(printf 'one\ntwo')
	assert_success
	assert_output $'new message: one\nnew message: two\nnew message: exit\nchat ended'
}

# bats test_tags=points:1
@test "chat: empty input still ends the chat" {
	run --separate-stderr lab chat -k "$KEY" </dev/null
	assert_success
	assert_output $'new message: exit\nchat ended'
}

# bats test_tags=points:1
@test "chat: the end word is matched at the start of a message, as strncmp does" {
	run --separate-stderr lab chat -k "$KEY" <<<$' exit is not first\nexiting now\nnever sent'
	assert_success
	assert_output $'new message:  exit is not first\nnew message: exiting now\nchat ended'
}

# bats test_tags=points:1
@test "chat: an empty line is an empty message, and bytes are printed as they are" {
	run --separate-stderr lab chat -k "$KEY" <<<$'\n%s %d\ttab\nexit'
	assert_success
	assert_output $'new message: \nnew message: %s %d\ttab\nnew message: exit\nchat ended'
}

# bats test_tags=points:1
@test "chat: a line longer than 256 bytes arrives whole, in 256-byte messages" {
	chat_prints "$(repeat a 256)$(repeat b 256)$(repeat c 100)"$'\nexit' \
		"$(repeat a 256)" "$(repeat b 256)" "$(repeat c 100)" exit
}

# bats test_tags=points:1
@test "chat: 'exit' inside a long line does not end the chat where the line is cut" {
	chat_prints "$(repeat a 256)exit and more"$'\nlast\nexit' \
		"$(repeat a 255)" "aexit and more" last exit
}

# bats test_tags=points:1
@test "chat: -k 0 uses a private queue (IPC_PRIVATE)" {
	run --separate-stderr lab chat -k 0 <<<$'private\nexit'
	assert_success
	assert_output $'new message: private\nnew message: exit\nchat ended'
}

# bats test_tags=points:1
@test "chat: IPC_LAB_KEY chooses the key when -k is absent" {
	lab chat-send -k "$KEY" <<<'end' # a stale queue under $KEY
	IPC_LAB_KEY=$KEY run --separate-stderr lab chat </dev/null
	assert_failure 1
	assert_equal "$stderr" "chat: msgget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -Q $KEY_HEX): File exists (EEXIST)"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "chat: a stale queue under its key is EEXIST, and the message names the ipcrm command" {
	lab chat-send -k "$KEY" <<<'old message'
	run --separate-stderr lab chat -k "$KEY" <<<'exit'
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "chat: msgget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -Q $KEY_HEX): File exists (EEXIST)"
	# The stale queue is not ours: chat leaves it, with its messages.
	assert_equal "$(queue_field "$KEY" qnum)" 2
	# The command it names does remove it.
	in_ns ipcrm -Q "$KEY_HEX"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: the article's key 752364 is the default" {
	require_namespace
	lab chat-send -k 752364 <<<'end'
	run --separate-stderr lab chat </dev/null
	assert_failure 1
	assert_equal "$stderr" "chat: msgget key 0x000b7aec (in use, or left by a killed run? remove it with: ipcrm -Q 0x000b7aec; or choose a key of your own with -k KEY or IPC_LAB_KEY): File exists (EEXIST)"
	in_ns ipcrm -Q 0x000b7aec
}

# Start chat in the background, reading from a pipe we hold open, and wait
# until both processes are blocked: the parent reading, the child in msgrcv.
start_chat_waiting() {
	lab_bg_on_fifo chat chat -k "$KEY" "$@"
	CHAT_PID=$PROGRAM_PID
	wait_for chat "chat's child" pgrep -P "$CHAT_PID"
	CHILD_PID=$(pgrep -P "$CHAT_PID")
	wait_for chat "the child to block in msgrcv" is_blocked_in "$CHILD_PID" do_msgrcv
	wait_for chat "the queue" queue_exists "$KEY"
}

# bats test_tags=points:1
@test "chat: the queue is created with mode 0600, or -m MODE" {
	start_chat_waiting
	assert_equal "$(queue_field "$KEY" perms)" 600
	echo exit >&"$IN_FD"
	close_input
	wait_bg chat
	assert_equal "$status" 0

	start_chat_waiting -m 0640
	assert_equal "$(queue_field "$KEY" perms)" 640
	close_input
	wait_bg chat
	assert_equal "$status" 0
}

# bats test_tags=points:1
@test "chat: messages carry the text without a NUL (msgsz = text length)" {
	start_chat_waiting
	# Stopped, the child is out of msgrcv, so the message has to be queued
	# (msgsnd hands a message straight to a receiver waiting in msgrcv).
	kill -STOP "$CHILD_PID"
	wait_for chat "the child to stop" is_stopped "$CHILD_PID"
	printf 'hello\n' >&"$IN_FD"
	wait_for chat "the message to be queued" queue_field_is "$KEY" qnum 1
	assert_equal "$(queue_field "$KEY" cbytes)" 5
	kill -CONT "$CHILD_PID"
	close_input
	wait_bg chat
	assert_equal "$status" 0
	assert_file_lines "$BATS_TEST_TMPDIR/chat.out" "new message: hello" "new message: exit" "chat ended"
}

# bats test_tags=points:1
@test "chat: a message is printed up to its first NUL byte" {
	lab chat -k "$KEY" < <(printf 'a\0b\nexit\n') >"$BATS_TEST_TMPDIR/out"
	assert_file_text "$BATS_TEST_TMPDIR/out" $'new message: a\nnew message: exit\nchat ended\n'
}

chat_stopped_by() {
	local signal=$1 code=$2
	start_chat_waiting
	printf 'before the signal\n' >&"$IN_FD"
	wait_for chat "the message to be printed" grep -q 'before the signal' "$BATS_TEST_TMPDIR/chat.out"
	kill "-$signal" "$CHAT_PID"
	wait_bg chat
	close_input
	assert_equal "$status" "$code"
	queue_gone "$KEY"
	# The child, left with no queue, ends too, and quietly: the queue was
	# removed by its parent, there is nothing more to say.
	wait_until "the child to end" test ! -e "/proc/$CHILD_PID"
	run cat "$BATS_TEST_TMPDIR/chat.err"
	assert_output ""
}

# bats test_tags=points:1
@test "chat: SIGTERM while blocked removes the queue" {
	chat_stopped_by TERM 143
}

# bats test_tags=points:1
@test "chat: SIGINT while blocked removes the queue" {
	chat_stopped_by INT 130
}

# bats test_tags=points:1
@test "chat: SIGHUP while blocked removes the queue" {
	chat_stopped_by HUP 129
}

# bats test_tags=points:1
@test "chat: a child killed by its closed output (| head -1) ends the chat, with one line" {
	local codes
	seq 100000 | lab chat -k "$KEY" 2>"$BATS_TEST_TMPDIR/err" | head -n 1 >"$BATS_TEST_TMPDIR/out" ||
		true
	codes=("${PIPESTATUS[@]}")
	assert_file_lines "$BATS_TEST_TMPDIR/out" "new message: 1"
	# 1, not 124: chat noticed its child's end instead of waiting for timeout.
	assert_equal "${codes[1]}" 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp '^chat: the child printing the messages \(pid [0-9]+\) was killed \(its output was closed\): Broken pipe \(SIGPIPE\)$'
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: a child killed while the parent waits on a full queue ends the chat" {
	start_chat_waiting
	kill -STOP "$CHILD_PID"
	wait_for chat "the child to stop" is_stopped "$CHILD_PID"
	# 100 lines of 255 bytes: more than msgmnb (16384) can hold.
	for _ in $(seq 100); do repeat x 255; echo; done >&"$IN_FD"
	wait_for chat "the parent to block in msgsnd" is_blocked_in "$CHAT_PID" do_msgsnd
	kill -KILL "$CHILD_PID"
	wait_bg chat
	close_input
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/chat.err"
	assert_output --regexp '^chat: the child printing the messages \(pid [0-9]+\) was killed: Killed \(SIGKILL\)$'
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: a child killed while the parent waits for input ends the chat" {
	start_chat_waiting
	kill -TERM "$CHILD_PID"
	wait_bg chat
	close_input
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/chat.err"
	assert_output --regexp '^chat: the child printing the messages \(pid [0-9]+\) was killed: Terminated \(SIGTERM\)$'
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: a parent killed with SIGKILL takes its child with it (no orphan in msgrcv)" {
	start_chat_waiting
	kill -KILL "$CHAT_PID"
	wait_bg chat
	assert_equal "$status" $((128 + 9))
	wait_until "the child to end" test ! -e "/proc/$CHILD_PID"
	close_input
	# SIGKILL is the one way to leave the queue behind, as documented.
	queue_exists "$KEY"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "chat: one failure, one line: an unreadable stdin is reported once" {
	run --separate-stderr lab chat -k "$KEY" </
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "chat: read standard input: Is a directory (EISDIR)"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: output that cannot be written is an error, exit 1, not a silent loss" {
	local code=0
	lab chat -k "$KEY" <<<$'hi\nexit' >/dev/full 2>"$BATS_TEST_TMPDIR/err" || code=$?
	assert_equal "$code" 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "chat: write standard output (1 message taken off the queue was not printed): No space left on device (ENOSPC)"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: a line starting with 'exit' ends the chat after its first message" {
	run --separate-stderr lab chat -k "$KEY" < <(printf 'exit'; repeat x 600; echo)
	assert_success
	assert_output "new message: exit$(repeat x 252)
chat ended"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: a queue removed by another program ends the chat, with one line" {
	start_chat_waiting
	in_ns ipcrm -Q "$KEY_HEX"
	wait_bg chat
	close_input
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/chat.err"
	assert_output --regexp '^chat: msgrcv queue [0-9]+ \(the queue was removed by another program\): Identifier removed \(EIDRM\)$'
}

# bats test_tags=points:1
@test "chat: SIGQUIT (Ctrl-\\) removes the queue too" {
	chat_stopped_by QUIT 131
}

# ------------------------------------------------------- chat-send/recv

# bats test_tags=points:1
@test "chat-send first, then chat-recv: the queue waits for the reader" {
	run --separate-stderr lab chat-send -k "$KEY" <<<$'hello\nsecond line\nend'
	assert_success
	assert_output ""
	assert_equal "$(queue_field "$KEY" qnum)" 3
	# Each line, its newline, a NUL, no padding to MAX_TEXT: 7 + 13 + 5 bytes.
	assert_equal "$(queue_field "$KEY" cbytes)" 25

	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output $'You wrote: hello\nYou wrote: second line\nYou wrote: end'
	queue_gone "$KEY"
}

start_recv_waiting() {
	lab_bg_receiving recv chat-recv -k "$KEY" "$@"
	RECV_PID=$PROGRAM_PID
	queue_exists "$KEY"
}

# bats test_tags=points:1
@test "chat-recv first, then chat-send: the reader waits for messages" {
	start_recv_waiting
	assert_equal "$(queue_field "$KEY" perms)" 600
	run --separate-stderr lab chat-send -k "$KEY" <<<$'hello\nend'
	assert_success
	wait_bg recv
	assert_equal "$status" 0
	assert_file_lines "$BATS_TEST_TMPDIR/recv.out" "You wrote: hello" "You wrote: end"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat-send: end of input without 'end' sends end, so chat-recv finishes" {
	start_recv_waiting
	run --separate-stderr lab chat-send -k "$KEY" < <(printf 'no end word\nlast line without newline')
	assert_success
	wait_bg recv
	assert_equal "$status" 0
	assert_file_lines "$BATS_TEST_TMPDIR/recv.out" "You wrote: no end word" \
		"You wrote: last line without newline" "You wrote: end"
}

# bats test_tags=points:1
@test "chat-send: stops after the line starting with 'end'" {
	run --separate-stderr lab chat-send -k "$KEY" <<<$'one\nendgame\nnot sent'
	assert_success
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output $'You wrote: one\nYou wrote: endgame'
}

# bats test_tags=points:1
@test "chat-send: a line longer than 512 bytes arrives whole" {
	local long
	# 510 bytes of text a message: room for the newline and the NUL.
	long="$(repeat x 510)$(repeat y 510)$(repeat z 3)"
	lab chat-send -k "$KEY" <<<"$long"
	assert_equal "$(queue_field "$KEY" qnum)" 4
	assert_equal "$(queue_field "$KEY" cbytes)" $((511 + 511 + 5 + 5))
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output "You wrote: $(repeat x 510)
You wrote: $(repeat y 510)
You wrote: zzz
You wrote: end"
}

# bats test_tags=points:1
@test "chat-send: -m sets the mode of a queue it creates" {
	lab chat-send -k "$KEY" -m 0604 <<<'end'
	assert_equal "$(queue_field "$KEY" perms)" 604
	lab chat-recv -k "$KEY"
}

# bats test_tags=points:1
@test "chat-send and chat-recv: the article's key 1234 is the default, IPC_LAB_KEY overrides it" {
	require_namespace
	lab chat-send <<<'end'
	queue_exists 1234
	IPC_LAB_KEY=$KEY lab chat-send <<<'end'
	queue_exists "$KEY"
	run --separate-stderr lab chat-recv
	assert_success
	assert_output "You wrote: end"
	queue_gone 1234
	IPC_LAB_KEY=$KEY run --separate-stderr lab chat-recv
	assert_success
	queue_gone "$KEY"
}

# ---------------------------- with article 003's own msg1.c and msg2.c

# article_program NAME: compile article 003's NAME.c as printed
# (tests/articles/003-NAME.c) into the test's folder; `article NAME` runs
# it as `lab` runs ours.  Its key is 1234, fixed: only in a namespace.
article_program() {
	require_namespace
	cc -w -o "$BATS_TEST_TMPDIR/$1" "$TOP/tests/articles/003-$1.c" ||
		fail "the article's $1.c does not compile"
}
article() { timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "${RUN_AS[@]}" "$BATS_TEST_TMPDIR/$1" "${@:2}"; }

# bats test_tags=points:1
@test "article 003's msg2.c, then chat-recv: each line once, without the stale bytes msg2 sends" {
	article_program msg2
	run article msg2 <<<$'hello world\nhi\nend'
	assert_failure 1 # the article's exit(EXIT_FAILURE)
	# msg2.c sends all 512 bytes of its buffer, whatever was typed.
	assert_equal "$(queue_field 1234 cbytes)" $((3 * 512))
	lab chat-recv >"$BATS_TEST_TMPDIR/out"
	assert_file_text "$BATS_TEST_TMPDIR/out" $'You wrote: hello world\nYou wrote: hi\nYou wrote: end\n'
	queue_gone 1234
}

# bats test_tags=points:1
@test "chat-send, then article 003's msg1.c: its printf(\"%s\") shows each line once" {
	article_program msg1
	lab chat-send <<<$'hello world\nhi\nend'
	run article msg1
	assert_failure 1 # the article's exit(EXIT_FAILURE)
	assert_output $'You wrote:hello world\nYou wrote:hi\nYou wrote:end'
	queue_gone 1234
}

# bats test_tags=points:1
@test "chat-recv first, then article 003's msg2.c: the reader prints as it receives" {
	article_program msg2
	lab_bg_receiving recv chat-recv
	run article msg2 <<<$'a longer line first\nshort\nend'
	assert_failure 1
	wait_bg recv
	assert_equal "$status" 0
	assert_file_text "$BATS_TEST_TMPDIR/recv.out" $'You wrote: a longer line first\nYou wrote: short\nYou wrote: end\n'
	queue_gone 1234
}

recv_stopped_by() {
	local signal=$1 code=$2
	start_recv_waiting
	kill "-$signal" "$RECV_PID"
	wait_bg recv
	assert_equal "$status" "$code"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat-recv: SIGTERM while blocked removes the queue" {
	recv_stopped_by TERM 143
}

# bats test_tags=points:1
@test "chat-recv: SIGINT while blocked removes the queue" {
	recv_stopped_by INT 130
}

# bats test_tags=points:1
@test "chat-recv: SIGHUP while blocked removes the queue" {
	recv_stopped_by HUP 129
}

# bats test_tags=points:1
@test "chat-send and chat-recv: a queue of one's own that others can write is used, with a warning" {
	lab chat-send -k "$KEY" -m 0622 <<<'open to all'
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output $'You wrote: open to all\nYou wrote: end'
	assert_equal "$stderr" "chat-recv: warning: the queue with key $KEY_HEX can be read or written by other users (mode 0622)"
}

# bats test_tags=points:1
@test "chat-send: a queue removed while it waits on a full queue says so" {
	# A receiver that never reads: fill the queue until chat-send blocks.
	lab_bg_started -i <(for _ in $(seq 100); do repeat x 500; echo; done) send chat-send -k "$KEY"
	SEND_PID=$PROGRAM_PID
	wait_for send "chat-send to block in msgsnd" is_blocked_in "$SEND_PID" do_msgsnd
	in_ns ipcrm -Q "$KEY_HEX"
	wait_bg send
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/send.err"
	# EIDRM, or EINVAL: this kernel rechecks the id when the sender wakes.
	assert_output --regexp '^chat-send: msgsnd queue [0-9]+ \(the queue was removed\): (Identifier removed \(EIDRM\)|Invalid argument \(EINVAL\))$'
}

# bats test_tags=points:1
@test "chat-recv: a SIGHUP ignored at start (nohup) stays ignored" {
	lab_bg_receiving -s HUP recv chat-recv -k "$KEY"
	kill -HUP "$PROGRAM_PID"
	# Had SIGHUP killed it, the queue would be gone and this would create one.
	lab chat-send -k "$KEY" <<<'still here'
	wait_bg recv
	assert_equal "$status" 0
	assert_file_lines "$BATS_TEST_TMPDIR/recv.out" "You wrote: still here" "You wrote: end"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat-recv: output that cannot be written stops it; the rest stays queued" {
	lab chat-send -k "$KEY" <<<$'one\ntwo\nend'
	local code=0
	lab chat-recv -k "$KEY" >/dev/full 2>"$BATS_TEST_TMPDIR/err" || code=$?
	assert_equal "$code" 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "chat-recv: write standard output (1 message taken off the queue was not printed): No space left on device (ENOSPC)"
	# "one" is lost, as the message says; "two" and "end" wait for a retry.
	assert_equal "$(queue_field "$KEY" qnum)" 2
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_success
	assert_output $'You wrote: two\nYou wrote: end'
}

# bats test_tags=points:1
@test "chat-recv: two receivers on one queue: the one left over says the queue was removed" {
	lab_bg_receiving first chat-recv -k "$KEY"
	lab_bg_receiving second chat-recv -k "$KEY"
	lab chat-send -k "$KEY" <<<'end'
	wait_bg first
	local first=$status
	wait_bg second
	local second=$status
	# Which one gets "end" is the kernel's choice; exactly one does.
	assert_equal "$((first + second))" 1
	local loser=first
	[ "$first" -eq 0 ] && loser=second
	run cat "$BATS_TEST_TMPDIR/$loser.err"
	assert_output --regexp '^chat-recv: msgrcv queue [0-9]+ \(the queue was removed\): (Identifier removed \(EIDRM\)|Invalid argument \(EINVAL\))$'
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat-send: prompts only when stdin is a terminal" {
	run --separate-stderr lab_tty chat-send -k "$KEY" <<<$'hello\nend'
	assert_success
	# The terminal echoes what is typed; the prompt comes once per line read.
	assert_equal "$(grep -o 'Enter some text: ' <<<"$output" | wc -l)" 2
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_output $'You wrote: hello\nYou wrote: end'
	# Piped, as in every other test here: no prompt at all.
	run --separate-stderr lab chat-send -k "$KEY" <<<'end'
	assert_output ""
	lab chat-recv -k "$KEY"
}

# bats test_tags=points:1
@test "chat-send: no prompt when stdout is not a terminal, even if stdin is" {
	local command
	command=$(printf '%q ' "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/chat-send" -k "$KEY")
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" script -qec "$command >$BATS_TEST_TMPDIR/out" /dev/null <<<'end' >/dev/null
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output ""
	lab chat-recv -k "$KEY"
}

# bats test_tags=points:1
@test "chat-send: input ending at a prompt (Ctrl-D) ends the prompt's line" {
	lab_tty chat-send -k "$KEY" < <(printf 'hello\n') >"$BATS_TEST_TMPDIR/tty"
	# The second prompt met the end of input: a newline (CR LF on the
	# terminal) follows it, so the shell's prompt starts on a line of its own.
	run bash -c 'tail -c 19 "$1" | od -An -c | tr -s " "' _ "$BATS_TEST_TMPDIR/tty"
	assert_output "$(printf 'Enter some text: \r\n' | od -An -c | tr -s ' ')"
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_output $'You wrote: hello\nYou wrote: end'
}

# bats test_tags=points:1
@test "the article's key taken by another user: the error says to choose a key of your own" {
	require_namespace
	if [ "$(id -u)" != 0 ] || ! command -v runuser >/dev/null; then
		skip "needs root to run the squatter and the student as two other users"
	fi
	# nobody squats key 1234 (chat-send's default) with mode 0600 ...
	in_ns runuser -u nobody -- "$LAB_DIR/chat-send" <<<'mine'
	# ... and daemon, another ordinary user, meets it.
	run --separate-stderr in_ns runuser -u daemon -- "$LAB_DIR/chat-recv"
	assert_failure 1
	assert_equal "$stderr" "chat-recv: msgget key 0x000004d2 (owned by another user? choose a key of your own with -k KEY or IPC_LAB_KEY): Permission denied (EACCES)"
	# With mode 0666 the kernel would let daemon in: chat-recv refuses.
	in_ns ipcrm -Q 0x000004d2
	in_ns runuser -u nobody -- "$LAB_DIR/chat-send" -m 0666 <<<'read me, then be stolen'
	run --separate-stderr in_ns runuser -u daemon -- "$LAB_DIR/chat-recv"
	assert_failure 1
	assert_equal "$stderr" "chat-recv: msgget key 0x000004d2 (the queue belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
	assert_equal "$(queue_field 1234 qnum)" 2
	# chat creates with IPC_EXCL: its default key squatted too.
	in_ns runuser -u nobody -- "$LAB_DIR/chat-send" -k 752364 <<<'mine'
	run --separate-stderr in_ns runuser -u daemon -- "$LAB_DIR/chat" </dev/null
	assert_failure 1
	assert_equal "$stderr" "chat: msgget key 0x000b7aec (in use, or left by a killed run? remove it with: ipcrm -Q 0x000b7aec; or choose a key of your own with -k KEY or IPC_LAB_KEY): File exists (EEXIST)"
	# With a key of its own, daemon is fine.
	run --separate-stderr in_ns runuser -u daemon -- "$LAB_DIR/chat" -k "$KEY" <<<'exit'
	assert_success
	in_ns ipcrm -Q 0x000004d2
	in_ns ipcrm -Q 0x000b7aec
}

# ---------------------------------------------------------------- usage

# bats test_tags=points:1
@test "-h prints usage on stdout and exits 0" {
	local prog
	for prog in chat chat-send chat-recv; do
		run --separate-stderr lab "$prog" -h
		assert_success
		if [ "$prog" = chat ]; then
			assert_line -n 0 "usage: chat [-k KEY] [-m MODE]"
		else
			assert_line -n 0 "usage: $prog [-k KEY] [-m MODE] [-o]"
		fi
		assert_equal "$stderr" ""
	done
}

# bats test_tags=points:1
@test "bad usage: usage on stderr, exit 2, and no queue is created" {
	local prog args
	for prog in chat chat-send chat-recv; do
		for args in "-z" "-k" "-k zz" "-k 12x" "-k 0x" "-k +5" "-k -5" "-m 0999" "-m rw" "extra" \
			"-m +600" "-m -0" "-m 0x1ff"; do
			# shellcheck disable=SC2086 # split the arguments on purpose
			assert_bad_usage "$prog" $args
		done
	done
	IPC_LAB_KEY=junk run --separate-stderr lab chat-send </dev/null
	assert_failure 2
	[[ $stderr == "chat-send: bad key 'junk' from IPC_LAB_KEY"* ]] || fail "stderr: $stderr"
	for prog in chat-send chat-recv; do
		assert_bad_usage "$prog" -k 0
		assert_bad_usage "$prog" -m ' 600'
		assert_bad_usage "$prog" -k ' 5'
	done
	assert_equal "$(sysvipc msg | awk -v a="$KEY" '$1 == a || $1 == 0' | wc -l)" 0
}

# bats test_tags=points:1
@test "keys are read with strtol base 0: decimal, hex and octal" {
	lab chat-send -k "$KEY" <<<'end'
	lab chat-send -k "$KEY_HEX" <<<'end'
	lab chat-send -k "$(printf '0%o' "$KEY")" <<<'end'
	assert_equal "$(queue_field "$KEY" qnum)" 3
	in_ns ipcrm -Q "$KEY_HEX"
}
