#!/usr/bin/env bats
# labs/msgtype-filter: typed-send, typed-recv, queue-stat (articles 000, 003, 004).
# Every statement of LABS.md for this lab, run for real.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup() { lab_setup msgtype-filter; }
teardown() { lab_teardown; }


# send TYPE:TEXT...: fill the test's queue, quietly.
send() { lab typed-send -k "$KEY" "$@" >/dev/null; }

# stat_value NAME: one value from queue-stat.
stat_value() {
	lab queue-stat -k "$KEY" | sed -n "s/^$1: //p"
}

# ------------------------------------------------------------ typed-send

# bats test_tags=points:1
@test "typed-send: stdin lines get types 1, 2, 1, ... as in article 000" {
	run --separate-stderr lab typed-send -k "$KEY" <<<$'first\nsecond\nthird'
	assert_success
	assert_output $'send mtype=1, mtext=first\nsend mtype=2, mtext=second\nsend mtype=1, mtext=third'
	assert_equal "$stderr" ""
	assert_equal "$(queue_field "$KEY" qnum)" 3
	# msgsz is the text length: no NUL, no mtype counted.
	assert_equal "$(queue_field "$KEY" cbytes)" $((5 + 6 + 5))
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-send: prompts only when stdin is a terminal" {
	run --separate-stderr lab_tty typed-send -k "$KEY" <<<$'one\ntwo'
	assert_success
	assert_equal "$(grep -c '^Enter the message text:' <<<"${output//$'\r'/}")" 3
	assert_line --partial "send mtype=2, mtext=two"
	run --separate-stderr lab typed-send -k "$KEY" <<<'three'
	assert_output "send mtype=1, mtext=three"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-send: there is no end word; the end of input ends it" {
	run --separate-stderr lab typed-send -k "$KEY" < <(printf 'end\nexit\nlast')
	assert_success
	assert_output $'send mtype=1, mtext=end\nsend mtype=2, mtext=exit\nsend mtype=1, mtext=last'
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-send: TYPE:TEXT arguments, the text may hold colons or be empty" {
	run --separate-stderr lab typed-send -k "$KEY" 7:seven 1:a:b:c 3:
	assert_success
	assert_output $'send mtype=7, mtext=seven\nsend mtype=1, mtext=a:b:c\nsend mtype=3, mtext='
	assert_equal "$(queue_field "$KEY" qnum)" 3
	assert_equal "$(queue_field "$KEY" cbytes)" $((5 + 5 + 0))
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-send: a text over 50 bytes is split, each piece with the same type" {
	local text
	text="$(repeat a 50)$(repeat b 50)cc"
	run --separate-stderr lab typed-send -k "$KEY" "5:$text"
	assert_success
	assert_output "send mtype=5, mtext=$(repeat a 50)
send mtype=5, mtext=$(repeat b 50)
send mtype=5, mtext=cc"
	run --separate-stderr lab typed-recv -k "$KEY" -t 5 -n -r
	assert_success
	assert_output "rcv rcv_ret=50, mtype=5, mtext=$(repeat a 50)
rcv rcv_ret=50, mtype=5, mtext=$(repeat b 50)
rcv rcv_ret=2, mtype=5, mtext=cc"
}

# bats test_tags=points:1
@test "typed-send: malformed and non-positive types are bad usage, before any queue" {
	local arg
	for arg in 0:zero -1:negative x:letters 1x:junk :empty 1.5:float nocolon \
		99999999999999999999:huge ' 1:blank' +1:plus -0:minus-zero; do
		run --separate-stderr lab typed-send -k "$KEY" 1:good "$arg"
		assert_failure 2
		assert_output ""
		[[ $stderr == *"bad message '$arg'"* ]] || fail "$arg: $stderr"
	done
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-send: the queue gets mode 0600, or -m MODE" {
	send 1:x
	assert_equal "$(queue_field "$KEY" perms)" 600
	in_ns ipcrm -Q "$KEY_HEX"
	lab typed-send -k "$KEY" -m 0666 1:x >/dev/null
	assert_equal "$(queue_field "$KEY" perms)" 666
	in_ns ipcrm -Q "$KEY_HEX"
}

# ------------------------------------------------------------ typed-recv

# bats test_tags=points:1
@test "typed-recv: by default takes type 2 only, as article 000's reader" {
	lab typed-send -k "$KEY" <<<$'a\nb\nc\nd' >/dev/null
	run --separate-stderr lab typed-recv -k "$KEY" -n
	assert_success
	assert_output $'rcv rcv_ret=1, mtype=2, mtext=b\nrcv rcv_ret=1, mtype=2, mtext=d'
	# The type 1 messages are still there.
	assert_equal "$(queue_field "$KEY" qnum)" 2
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -t 0 takes the first message, whatever its type" {
	send 3:c 1:a 2:b
	run --separate-stderr lab typed-recv -k "$KEY" -t 0 -n -r
	assert_success
	assert_output $'rcv rcv_ret=1, mtype=3, mtext=c\nrcv rcv_ret=1, mtype=1, mtext=a\nrcv rcv_ret=1, mtype=2, mtext=b'
}

# bats test_tags=points:1
@test "typed-recv: -t N takes the first of type N, in order" {
	send 3:x 1:first 3:y 1:second
	run --separate-stderr lab typed-recv -k "$KEY" -t 1 -n
	assert_success
	assert_output $'rcv rcv_ret=5, mtype=1, mtext=first\nrcv rcv_ret=6, mtype=1, mtext=second'
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: negative msgtyp takes the lowest type <= |msgtyp| first" {
	send 3:c1 2:b1 4:d1 1:a1 2:b2 1:a2
	run --separate-stderr lab typed-recv -k "$KEY" -t -3 -n
	assert_success
	assert_output "rcv rcv_ret=2, mtype=1, mtext=a1
rcv rcv_ret=2, mtype=1, mtext=a2
rcv rcv_ret=2, mtype=2, mtext=b1
rcv rcv_ret=2, mtype=2, mtext=b2
rcv rcv_ret=2, mtype=3, mtext=c1"
	# Type 4 is above |-3|: it stays.
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -x (MSG_EXCEPT) takes every type but MSGTYP" {
	send 1:a 2:b 3:c 1:d
	run --separate-stderr lab typed-recv -k "$KEY" -t 1 -x -n
	assert_success
	assert_output $'rcv rcv_ret=1, mtype=2, mtext=b\nrcv rcv_ret=1, mtype=3, mtext=c'
	assert_equal "$(queue_field "$KEY" qnum)" 2
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -c COUNT stops after COUNT messages" {
	send 2:a 2:b 2:c
	run --separate-stderr lab typed-recv -k "$KEY" -c 2
	assert_success
	assert_output $'rcv rcv_ret=1, mtype=2, mtext=a\nrcv rcv_ret=1, mtype=2, mtext=b'
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -n on an empty queue prints nothing and exits 0" {
	send 1:only-type-1
	run --separate-stderr lab typed-recv -k "$KEY" -n
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: rcv_ret is the text length and the bytes are printed as they are" {
	send '2:%s %d' $'2:tab\there'
	run --separate-stderr lab typed-recv -k "$KEY" -n -r
	assert_success
	assert_output $'rcv rcv_ret=5, mtype=2, mtext=%s %d\nrcv rcv_ret=8, mtype=2, mtext=tab\there'
}

# bats test_tags=points:1
@test "typed-recv: the text is printed up to its first NUL, less one trailing newline; rcv_ret is all" {
	# What article 003's msg2.c sends: a line, its newline, a NUL, stale bytes.
	send $'1:hi\n'
	printf 'x\0stale bytes\n' | send
	lab typed-recv -k "$KEY" -t 0 -n -r >"$BATS_TEST_TMPDIR/out"
	assert_file_text "$BATS_TEST_TMPDIR/out" $'rcv rcv_ret=3, mtype=1, mtext=hi\nrcv rcv_ret=13, mtype=1, mtext=x\n'
}

# bats test_tags=points:1
@test "typed-recv: a message over -b BYTES is E2BIG, exit 1, and stays queued" {
	send 2:0123456789abcdef
	run --separate-stderr lab typed-recv -k "$KEY" -b 10
	assert_failure 1
	assert_output ""
	[[ $stderr == "typed-recv: msgrcv queue "*": Argument list too long (E2BIG)" ]] || fail "stderr: $stderr"
	# Nothing is lost: the message is still there, whole.
	assert_equal "$(queue_field "$KEY" qnum)" 1
	assert_equal "$(queue_field "$KEY" cbytes)" 16
	run --separate-stderr lab typed-recv -k "$KEY" -b 16 -n
	assert_success
	assert_output "rcv rcv_ret=16, mtype=2, mtext=0123456789abcdef"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -e (MSG_NOERROR) cuts the message to -b BYTES" {
	send 2:0123456789abcdef
	run --separate-stderr lab typed-recv -k "$KEY" -b 10 -e -n
	assert_success
	assert_output "rcv rcv_ret=10, mtype=2, mtext=0123456789"
	assert_equal "$(queue_field "$KEY" qnum)" 0
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: the default buffer is 50 bytes of text (mtype not counted)" {
	send "2:$(repeat x 50)"
	run --separate-stderr lab typed-recv -k "$KEY" -n -r
	assert_success
	assert_output "rcv rcv_ret=50, mtype=2, mtext=$(repeat x 50)"
}

# bats test_tags=points:1
@test "typed-recv: a queue that does not exist is ENOENT" {
	run --separate-stderr lab typed-recv -k "$KEY"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "typed-recv: msgget key $KEY_HEX: No such file or directory (ENOENT)"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-recv: -r removes the queue on exit 0 only" {
	send 2:a 2:0123456789abcdef
	run --separate-stderr lab typed-recv -k "$KEY" -b 10 -r
	assert_failure 1
	assert_output "rcv rcv_ret=1, mtype=2, mtext=a"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	run --separate-stderr lab typed-recv -k "$KEY" -b 16 -c 1 -r
	assert_success
	queue_gone "$KEY"
}

start_recv_waiting() {
	lab_bg_receiving recv typed-recv -k "$KEY" "$@"
	RECV_PID=$PROGRAM_PID
}

# bats test_tags=points:1
@test "typed-recv: blocks until a message of its type arrives" {
	send 1:not-for-you
	start_recv_waiting -c 1
	send 2:for-you
	wait_bg recv
	assert_equal "$status" 0
	assert_file_lines "$BATS_TEST_TMPDIR/recv.out" "rcv rcv_ret=7, mtype=2, mtext=for-you"
	in_ns ipcrm -Q "$KEY_HEX"
}

recv_r_stopped_by() {
	local signal=$1 code=$2
	send 1:x
	start_recv_waiting -r
	kill "-$signal" "$RECV_PID"
	wait_bg recv
	assert_equal "$status" "$code"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-recv -r: SIGTERM while blocked removes the queue" {
	recv_r_stopped_by TERM 143
}

# bats test_tags=points:1
@test "typed-recv -r: SIGINT while blocked removes the queue" {
	recv_r_stopped_by INT 130
}

# bats test_tags=points:1
@test "typed-recv -r: SIGHUP while blocked removes the queue" {
	recv_r_stopped_by HUP 129
}

# bats test_tags=points:1
@test "typed-recv -r: a closed output pipe (SIGPIPE) removes the queue too" {
	send 2:first
	# Its stdout is a FIFO we read one line from, then close, like `| head -1`.
	mkfifo "$BATS_TEST_TMPDIR/recv.out"
	lab_bg recv typed-recv -k "$KEY" -r
	exec {out}<"$BATS_TEST_TMPDIR/recv.out"
	read -r -u "$out" line
	exec {out}<&-
	assert_equal "$line" "rcv rcv_ret=5, mtype=2, mtext=first"
	RECV_PID=$(program_pid recv)
	wait_for recv "typed-recv to block in msgrcv" is_blocked_in "$RECV_PID" do_msgrcv
	send 2:second
	wait_bg recv
	assert_equal "$status" $((128 + 13))
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-recv: a queue removed under a blocked reader is EIDRM, exit 1" {
	send 1:x
	start_recv_waiting
	in_ns ipcrm -Q "$KEY_HEX"
	wait_bg recv
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/recv.err"
	assert_output --regexp '^typed-recv: msgrcv queue [0-9]+ \(the queue was removed\): Identifier removed \(EIDRM\)$'
}

# bats test_tags=points:1
@test "typed-recv: output that cannot be written stops it after one message; the rest stay queued" {
	send 2:one 2:two 2:three
	local code=0
	lab typed-recv -k "$KEY" -n -r >/dev/full 2>"$BATS_TEST_TMPDIR/err" || code=$?
	assert_equal "$code" 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "typed-recv: write standard output (1 message taken off the queue was not printed): No space left on device (ENOSPC)"
	# -r removes only on exit 0: the queue and two messages are still there.
	assert_equal "$(queue_field "$KEY" qnum)" 2
	run --separate-stderr lab typed-recv -k "$KEY" -n -r
	assert_output $'rcv rcv_ret=3, mtype=2, mtext=two\nrcv rcv_ret=5, mtype=2, mtext=three'
}

# bats test_tags=points:1
@test "typed-recv: a closed pipe with SIGPIPE ignored is EPIPE, exit 1, the rest stay queued" {
	send 2:one 2:two 2:three
	# A FIFO nobody reads any more: opened read-write first, so that the
	# write end opens without blocking, then the read end is closed.
	local code=0 fifo=$BATS_TEST_TMPDIR/pipe
	mkfifo "$fifo"
	(
		trap '' PIPE # as a shell that ignores SIGPIPE
		# shellcheck disable=SC2094 # one FIFO, both ends, on purpose
		exec 7<>"$fifo" 8>"$fifo" 7<&-
		lab typed-recv -k "$KEY" -n >&8 8>&- 2>"$BATS_TEST_TMPDIR/err"
	) || code=$?
	assert_equal "$code" 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "typed-recv: write standard output (1 message taken off the queue was not printed): Broken pipe (EPIPE)"
	assert_equal "$(queue_field "$KEY" qnum)" 2
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -t accepts every long, LONG_MIN included (lowest type of all)" {
	send 3:c 1:a
	run --separate-stderr lab typed-recv -k "$KEY" -t -9223372036854775808 -n -r
	assert_success
	assert_output $'rcv rcv_ret=1, mtype=1, mtext=a\nrcv rcv_ret=1, mtype=3, mtext=c'
}

# bats test_tags=points:1
@test "typed-recv without -r: SIGTERM leaves the queue and its messages" {
	send 1:kept
	start_recv_waiting
	kill -TERM "$RECV_PID"
	wait_bg recv
	assert_equal "$status" 143
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
}

# ------------------------------------------------------------ queue-stat

# bats test_tags=points:1
@test "queue-stat: prints the queue's msqid_ds, one name: value line each" {
	send 1:hello 2:hi
	lab typed-recv -k "$KEY" -c 1 >/dev/null
	run --separate-stderr lab queue-stat -k "$KEY"
	assert_success
	assert_line "key: $KEY_HEX"
	assert_line "msqid: $(queue_field "$KEY" msqid)"
	assert_line "perms: 0600"
	assert_line "messages: 1"
	assert_line "bytes: 5"
	assert_line "max bytes: $(in_ns cat /proc/sys/kernel/msgmnb)"
	assert_line "last msgsnd pid: $(queue_field "$KEY" lspid)"
	assert_line "last msgrcv pid: $(queue_field "$KEY" lrpid)"
	refute_line "last msgrcv pid: 0"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "queue-stat: a new queue has no receiver yet; -m shows in perms" {
	lab typed-send -k "$KEY" -m 0640 1:x >/dev/null
	run --separate-stderr lab queue-stat -k "$KEY"
	assert_success
	assert_line "perms: 0640"
	assert_line "last msgrcv pid: 0"
	assert_line "last msgrcv time: never"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "queue-stat -r: prints, then removes the queue" {
	send 1:x
	run --separate-stderr lab queue-stat -k "$KEY" -r
	assert_success
	assert_line "messages: 1"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "queue-stat: a queue that does not exist is ENOENT" {
	run --separate-stderr lab queue-stat -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "queue-stat: msgget key $KEY_HEX: No such file or directory (ENOENT)"
}

# bats test_tags=points:1
@test "queue-stat -r: output that cannot be written keeps the queue" {
	send 1:x
	local code=0
	lab queue-stat -k "$KEY" -r >/dev/full 2>"$BATS_TEST_TMPDIR/err" || code=$?
	assert_equal "$code" 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "queue-stat: write standard output: No space left on device (ENOSPC)"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
}

# ------------------------------------------------------------- security

# as_user USER PROG ARGS...: a lab program run by another user, in the
# test's namespace (root only).
as_user() { in_ns runuser -u "$1" -- "$LAB_DIR/$2" "${@:3}"; }

require_other_users() {
	if [ "$(id -u)" != 0 ] || ! command -v runuser >/dev/null; then
		skip "needs root to run programs as nobody and daemon"
	fi
	have_namespace || skip "needs a private IPC namespace"
}

# bats test_tags=points:1
@test "another user's queue, even mode 0666, is refused by typed-send and typed-recv unless -o" {
	require_other_users
	as_user nobody typed-send -k "$KEY" -m 0666 2:planted >/dev/null
	local refused="msgget key $KEY_HEX (the queue belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
	run --separate-stderr as_user daemon typed-send -k "$KEY" 2:secret
	assert_failure 1
	assert_equal "$stderr" "typed-send: $refused"
	run --separate-stderr as_user daemon typed-recv -k "$KEY" -n
	assert_failure 1
	assert_equal "$stderr" "typed-recv: $refused"
	# Nothing was sent or taken.
	assert_equal "$(queue_field "$KEY" qnum)" 1
	# -o: daemon takes the risk, and is still warned.
	run --separate-stderr as_user daemon typed-recv -k "$KEY" -n -o
	assert_success
	assert_output "rcv rcv_ret=7, mtype=2, mtext=planted"
	assert_equal "$stderr" "typed-recv: warning: the queue with key $KEY_HEX can be read or written by other users (mode 0666)"
	# queue-stat only looks: it shows another user's queue, with the warning.
	run --separate-stderr as_user daemon queue-stat -k "$KEY"
	assert_success
	assert_line "owner uid: 65534"
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "another user's queue of mode 0600: the kernel refuses, and the message says what to do" {
	require_other_users
	as_user nobody typed-send -k "$KEY" 2:private >/dev/null
	run --separate-stderr as_user daemon typed-recv -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "typed-recv: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	in_ns ipcrm -Q "$KEY_HEX"
}

# ---------------------------------------------------------------- keys

# bats test_tags=points:1
@test "the article's key 0x121212 is the default, IPC_LAB_KEY overrides it" {
	require_namespace
	run --separate-stderr lab typed-send 2:default
	assert_success
	queue_exists 0x121212
	IPC_LAB_KEY=$KEY_HEX lab typed-send 2:env >/dev/null
	run --separate-stderr lab typed-recv -n -r
	assert_output "rcv rcv_ret=7, mtype=2, mtext=default"
	queue_gone 0x121212
	IPC_LAB_KEY=$KEY run --separate-stderr lab queue-stat -r
	assert_line "key: $KEY_HEX"
	queue_gone "$KEY"
}

# ---------------------------------------------------------------- usage

# bats test_tags=points:1
@test "-h prints usage on stdout and exits 0" {
	local prog
	for prog in typed-send typed-recv queue-stat; do
		assert_help "$prog" "usage: $prog [-k KEY]"
	done
}

# bats test_tags=points:1
@test "bad usage: usage on stderr, exit 2, and no queue is touched" {
	local prog args
	send 2:untouched
	for prog in typed-send typed-recv queue-stat; do
		for args in "-z" "-k" "-k zz" "-k 0" "-k 1e3"; do
			# shellcheck disable=SC2086 # split the arguments on purpose
			assert_bad_usage "$prog" $args
		done
	done
	for args in "-t x" "-t 1.5" "-t" "-t +2" "-t -9223372036854775809" "-b -1" "-b x" "-b +5" "-b -0" \
		"-c 0" "-c -2" "-c +1" "-x -t 0" "-x -t -2" "extra" "-m 0600"; do
		# shellcheck disable=SC2086
		assert_bad_usage typed-recv -k "$KEY" $args
	done
	for args in "-m 8" "-m x" "-m 01000" "-m +600" "-m -0"; do
		# shellcheck disable=SC2086
		assert_bad_usage typed-send -k "$KEY" $args 1:x
	done
	assert_bad_usage queue-stat -k "$KEY" extra
	assert_bad_usage typed-send -k "$KEY" -m ' 600' 1:x
	assert_bad_usage typed-recv -k "$KEY" -b ' 5'
	assert_bad_usage typed-recv -k "$KEY" -t ' 2'
	# The queue was not read, written, or removed.
	assert_equal "$(queue_field "$KEY" qnum)" 1
	assert_equal "$(queue_field "$KEY" lrpid)" 0
	in_ns ipcrm -Q "$KEY_HEX"
}
