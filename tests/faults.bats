#!/usr/bin/env bats
# Bad input and faults, across the labs (issue 8): malformed and out-of-range
# numbers, kernel limits (msgmax, msgmnb, msgmni, shmmax, shmall, shmmni)
# shrunk inside the test's own IPC namespace, missing objects and objects of
# the wrong size, another user's objects, the end of input at every prompt,
# NUL bytes, CRLF and 1 MB lines, signals during every blocking call, the
# peer removing the object under a blocked program, read-only and full file
# systems, and a fork the kernel refuses.
#
# Each case asserts the one error line (exactly, or a tight regexp where the
# kernel decides between two errnos), the documented exit status, no crash,
# no object left behind (lab_teardown), and, where data is involved, that
# every byte sent arrives, or stays queued, exactly once.  The tests of each
# lab's own file (tests/LAB.bats) are not repeated here: these are the angles
# they do not take.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup_file() {
	# The shim of the moments no test could catch otherwise (tests/shims/faults.c).
	build_shim faults
	# Another user (IPC_LAB_RUN_AS) loads it too.
	chmod 755 "$BATS_FILE_TMPDIR"
	chmod 644 "$SHIM"
}

setup() {
	lab_setup msgtype-filter
	IN_FD=
	FULL_FD=
	HOLD_FD=
}

teardown() {
	# The FIFOs a test holds open (start_on_fifo, full_fifo, start_held_check).
	[ -z "${IN_FD:-}" ] || exec {IN_FD}>&-
	[ -z "${HOLD_FD:-}" ] || exec {HOLD_FD}>&-
	[ -z "${FULL_FD:-}" ] || exec {FULL_FD}>&-
	lab_teardown
}

# ------------------------------------------------------------------ helpers

# in_lab LAB: the programs of LAB from now on (lab, lab_bg, lab_tty).
in_lab() { LAB_DIR="${IPC_LAB_BUILD:-$TOP}/labs/$1"; }

# USAGE[PATH]: what the program PATH prints for -h, which bad usage prints
# after its one line (asked once per program and test).
declare -gA USAGE=()

# assert_usage_error LINE PROG ARGS...: bad usage, exit 2, before anything is
# touched: stderr is exactly LINE, then the usage; stdout is empty.
assert_usage_error() {
	local expected=$1 program=$LAB_DIR/$2
	shift
	[ -n "${USAGE[$program]:-}" ] || USAGE[$program]=$(lab "$1" -h)
	run --separate-stderr lab "$@" </dev/null
	[ "$status" -eq 2 ] || fail "$*: exit $status, expected 2; stderr: $stderr"
	[ -z "$output" ] || fail "$*: stdout should be empty: $output"
	[ "${stderr%%$'\n'*}" = "$expected" ] ||
		fail "$(printf '%s:\n  expected: %s\n  got:      %s' "$*" "$expected" "${stderr%%$'\n'*}")"
	[ "${stderr#*$'\n'}" = "${USAGE[$program]}" ] || fail "$*: the usage does not follow the line: $stderr"
}

# assert_one_line LINE: $stderr (from run --separate-stderr) is exactly LINE.
assert_one_line() {
	[ "$stderr" = "$1" ] || fail "$(printf 'stderr:\n  expected: %s\n  got:      %s' "$1" "$stderr")"
}

# assert_one_line_like REGEX: $stderr is one line matching REGEX.
assert_one_line_like() {
	[[ $stderr != *$'\n'* && $stderr =~ $1 ]] ||
		fail "$(printf 'stderr:\n  expected one line like: %s\n  got: %s' "$1" "$stderr")"
}

# file_one_line FILE LINE: FILE holds exactly one line, LINE.
file_one_line() {
	local got
	got=$(cat "$1")
	[ "$got" = "$2" ] || fail "$(printf '%s:\n  expected: %s\n  got:      %s' "${1##*/}" "$2" "$got")"
}

# file_one_line_like FILE REGEX.
file_one_line_like() {
	local got
	got=$(cat "$1")
	[[ $got != *$'\n'* && $got =~ $2 ]] ||
		fail "$(printf '%s:\n  expected one line like: %s\n  got: %s' "${1##*/}" "$2" "$got")"
}

# no_objects: nothing at all in this test's namespace (or under its key).
no_objects() {
	local left
	left=$(own_objects)
	[ -z "$left" ] || fail "IPC objects were created: $left"
}

# set_ipc_limit NAME VALUE: kernel.NAME (msgmax, msgmnb, msgmni, shmmax,
# shmall, shmmni) becomes VALUE in this test's private IPC namespace, and
# there only: the machine's own limits are never touched.
set_ipc_limit() {
	have_namespace || skip "needs a private IPC namespace to change kernel.$1 (never the machine's)"
	# shellcheck disable=SC2016 # $1 and $2 belong to sh -c
	if ! in_ns sh -c 'echo "$2" >"/proc/sys/kernel/$1"' _ "$1" "$2" 2>/dev/null ||
		[ "$(in_ns cat "/proc/sys/kernel/$1")" != "$2" ]; then
		skip "kernel.$1 is not writable in this test's IPC namespace (a user namespace?)"
	fi
}

# require_root: the cases with other users run programs as nobody and daemon.
require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root to run programs as nobody and daemon (setpriv)"
	getent passwd nobody daemon >/dev/null || skip "needs the users nobody and daemon"
}

# as USER CMD...: CMD (lab, lab_bg, lab_tty...) with the lab programs run as
# USER, in the test's namespace, under timeout, as lab always runs them.
as() {
	local user=$1
	shift
	local RUN_AS=(setpriv "--reuid=$(id -u "$user")" "--regid=$(id -g "$user")" --clear-groups
		--inh-caps=-all --)
	"$@"
}

# unprivileged: this test's lab programs run as an ordinary user (a mode
# that shuts out the owner, RLIMIT_NPROC, file permissions mean nothing to
# root): as IPC_LAB_RUN_AS when it is set, else as nobody when the tests run
# as root.  A runner that is not root is an ordinary user already.
unprivileged() {
	if [ "$(id -u)" = 0 ] && [ "${#RUN_AS[@]}" -eq 0 ]; then
		# shellcheck disable=SC2034 # read by run_as_student and student_dir
		IPC_LAB_RUN_AS=nobody
		run_as_student
	elif [ "$(id -u)" != 0 ] && [ "${#NS_ENTER[@]}" -gt 0 ] && [ "${#RUN_AS[@]}" -eq 0 ]; then
		# Not root: the programs run as root of a user namespace (unshare
		# -r), whose capabilities pass over every permission bit of the
		# user's own files and objects.  Without them, they are the owner
		# that the bits were written for.
		RUN_AS=(setpriv --bounding-set -all --inh-caps -all)
	fi
}

# start_on_fifo NAME PROG ARGS...: like lab_bg_started, the program's stdin
# a FIFO whose writing end we hold on IN_FD (close_input closes it: the end of
# input).
start_on_fifo() {
	rm -f "$BATS_TEST_TMPDIR/$1.in"
	mkfifo "$BATS_TEST_TMPDIR/$1.in"
	lab_bg -i "$BATS_TEST_TMPDIR/$1.in" "$@"
	# The background shell opens the FIFO for reading: this open meets it.
	exec {IN_FD}>"$BATS_TEST_TMPDIR/$1.in"
	wait_for "$1" "$2 to start" program_started "$1"
	PROGRAM_PID=$(program_pid "$1")
}
close_input() {
	exec {IN_FD}>&-
	IN_FD=
}

# start_held_check: shm-check in the background (as "check"), its child held
# by the shim right after its shmat, on a FIFO whose writing end we hold on
# HOLD_FD; returns once the child waits there and the parent in waitpid.
# The parent's pid in $PROGRAM_PID, the child's in $CHILD_PID.
start_held_check() {
	[ -p "$BATS_TEST_TMPDIR/hold" ] || mkfifo "$BATS_TEST_TMPDIR/hold"
	# Open read-write: the child's open for reading does not wait for us.
	exec {HOLD_FD}<>"$BATS_TEST_TMPDIR/hold"
	SHIM_CHILD_WAIT=$BATS_TEST_TMPDIR/hold LD_PRELOAD=$SHIM lab_bg_started check shm-check -k "$KEY"
	wait_for check "shm-check's child" has_child "$PROGRAM_PID"
	CHILD_PID=$(pgrep -P "$PROGRAM_PID")
	wait_for check "the child to be held after its shmat" blocked_in_pipe_read "$CHILD_PID"
	wait_for check "the parent to wait for its child" blocked_in_waitpid "$PROGRAM_PID"
}

# release_held_child: let start_held_check's child go on.
release_held_child() {
	echo >&"$HOLD_FD"
	close_hold
}
close_hold() {
	exec {HOLD_FD}>&-
	HOLD_FD=
}

# signal_status SIG: the shell's status for a program killed by SIG.
signal_status() { echo $((128 + $(kill -l "$1"))); }

# has_child PID: PID has a child process.
has_child() { pgrep -P "$1" >/dev/null; }

# blocked_in_msgsnd PID, blocked_in_msgrcv PID, blocked_in_waitpid PID.
blocked_in_msgsnd() { is_blocked_in "$1" do_msgsnd; }
blocked_in_msgrcv() { is_blocked_in "$1" do_msgrcv; }
blocked_in_waitpid() { sleeping_in "$1" do_wait kernel_wait4; }

# msgmnb: the bytes a new queue holds (msg_qbytes), in this namespace.
msgmnb() { in_ns cat /proc/sys/kernel/msgmnb; }

# msgsnd_waits_with PID FIELD VALUE: PID waits in msgsnd, and the field of
# the test's queue (queue_field) has this value.
msgsnd_waits_with() { blocked_in_msgsnd "$1" && queue_field_is "$KEY" "$2" "$3"; }

# segment_id_gone SHMID: no segment has this id any more (not even marked).
segment_id_gone() { ! segment_id_field "$1" shmid >/dev/null; }

# ended_or NAME CMD...: the background program NAME has ended, or CMD holds.
ended_or() { ! kill -0 "${BG[$1]}" 2>/dev/null || "${@:2}"; }

# ------------------------------------------------------- numbers and keys

KEY_PROGRAMS=(msgqueue-chat:chat msgqueue-chat:chat-send msgqueue-chat:chat-recv
	msgtype-filter:typed-send msgtype-filter:typed-recv msgtype-filter:queue-stat
	shm-fork-check:shm-check shm-writer-reader:shm-write shm-writer-reader:shm-read
	shm-writer-reader:shm-stat shm-writer-reader:shm-producer shm-writer-reader:shm-consumer)

# bats test_tags=points:1
@test "keys: malformed or out of range after -k, in all twelve programs: one line, exit 2" {
	local entry prog key keys
	for entry in "${KEY_PROGRAMS[@]}"; do
		in_lab "${entry%%:*}"
		prog=${entry#*:}
		# One parser for all: every program gets four kinds of junk, one
		# program (typed-recv) the whole list.
		keys=('' -1 12x 0x100000000)
		[ "$prog" = typed-recv ] && keys=('' ' 1' '1 ' '+1' '-1' '0x' '0x100000000' '4294967296'
			'99999999999999999999' '12x' '08' '1e3')
		for key in "${keys[@]}"; do
			assert_usage_error "$prog: bad key '$key' from -k: expected a number such as 752364, 0x121212 or 041375" \
				"$prog" -k "$key"
		done
	done
	no_objects
}

# bats test_tags=points:1
@test "keys: malformed IPC_LAB_KEY in all twelve programs: one line naming it, exit 2; -k wins over it" {
	local entry prog key keys
	for entry in "${KEY_PROGRAMS[@]}"; do
		in_lab "${entry%%:*}"
		prog=${entry#*:}
		keys=(junk 0x1ffffffff)
		[ "$prog" = typed-send ] && keys=(junk '' ' 5' '0x1ffffffff' '-7')
		for key in "${keys[@]}"; do
			IPC_LAB_KEY=$key assert_usage_error \
				"$prog: bad key '$key' from IPC_LAB_KEY: expected a number such as 752364, 0x121212 or 041375" "$prog"
		done
	done
	no_objects
	# -k given: IPC_LAB_KEY is not even read.
	in_lab msgtype-filter
	IPC_LAB_KEY=junk run --separate-stderr lab typed-send -k "$KEY" 1:x
	assert_success
	assert_output "send mtype=1, mtext=x"
	IPC_LAB_KEY=junk run --separate-stderr lab queue-stat -k "$KEY" -r
	assert_success
	assert_line "messages: 1"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "keys: 0 (IPC_PRIVATE), however written, is refused with each program's own reason" {
	local entry prog zero reason
	declare -A reason=(
		[chat-send]="chat-recv could never open that queue"
		[chat-recv]="chat-send could never open that queue"
		[typed-send]="no other program could open that queue"
		[typed-recv]="that would be a new, empty queue"
		[queue-stat]="it names no existing queue"
		[shm-write]="no other program could find that segment"
		[shm-read]="no other program could find that segment"
		[shm-stat]="no other program could find that segment"
		[shm-producer]="shm-consumer could never find that segment"
		[shm-consumer]="shm-producer could never find that segment")
	for entry in "${KEY_PROGRAMS[@]}"; do
		prog=${entry#*:}
		[ -n "${reason[$prog]:-}" ] || continue # chat and shm-check take key 0
		in_lab "${entry%%:*}"
		for zero in 0 0x00000000; do
			assert_usage_error "$prog: key 0 is IPC_PRIVATE: ${reason[$prog]}" "$prog" -k "$zero"
		done
		IPC_LAB_KEY=0 assert_usage_error "$prog: key 0 is IPC_PRIVATE: ${reason[$prog]}" "$prog"
	done
	no_objects
}

# bats test_tags=points:1
@test "keys: the highest key, 0xffffffff, is a key like any other (no sign trouble)" {
	require_namespace
	run --separate-stderr lab typed-send -k 0xffffffff 2:top
	assert_success
	# /proc/sysvipc/msg prints the key as a signed int: -1.
	queue_exists -1
	run --separate-stderr lab queue-stat -k 4294967295
	assert_success
	assert_line "key: 0xffffffff"
	run --separate-stderr lab typed-recv -k 037777777777 -n -r
	assert_success
	assert_output "rcv rcv_ret=3, mtype=2, mtext=top"
	queue_gone -1
}

# bats test_tags=points:1
@test "modes: malformed or over 0777 in the nine programs that take -m: one line, exit 2, nothing made" {
	local entry prog mode modes args
	cd "$BATS_TEST_TMPDIR"
	for entry in msgqueue-chat:chat msgqueue-chat:chat-send msgqueue-chat:chat-recv \
		msgtype-filter:typed-send shm-fork-check:shm-check shm-writer-reader:shm-write \
		shm-writer-reader:shm-producer shm-writer-reader:shm-consumer mmap-file:mmap-write; do
		in_lab "${entry%%:*}"
		prog=${entry#*:}
		args=(-k "$KEY")
		case $prog in
		typed-send) args+=(1:x) ;;
		mmap-write) args=(made.txt text) ;;
		esac
		modes=(8 01000 +600 '')
		[ "$prog" = chat-send ] && modes=(8 0800 01000 1000 +600 -0 ' 600' '600 ' '' 0x1ff rw 6OO)
		for mode in "${modes[@]}"; do
			assert_usage_error "$prog: bad mode '$mode': expected octal such as 0600" "$prog" -m "$mode" "${args[@]}"
		done
	done
	no_objects
	[ ! -e made.txt ] || fail "mmap-write made its file"
	# The top of the range is a mode like any other.
	in_lab msgtype-filter
	lab typed-send -k "$KEY" -m 0777 1:x >/dev/null
	assert_equal "$(queue_field "$KEY" perms)" 777
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -t, -b and -c malformed or out of range: one line each, exit 2, the queue untouched" {
	local value
	lab typed-send -k "$KEY" 2: 2:abc >/dev/null
	for value in x 1.5 '' +2 ' 2' '2 ' - --1 0x2 -9223372036854775809 9223372036854775808; do
		assert_usage_error "typed-recv: bad message type '$value': expected an integer" typed-recv -k "$KEY" -t "$value"
	done
	for value in -1 16777217 +5 x '' 1k -0 ' 5' 99999999999999999999; do
		assert_usage_error "typed-recv: bad buffer size '$value': expected 0 to 16777216 bytes" typed-recv -k "$KEY" -b "$value"
	done
	for value in 0 -1 +1 x '' '1 ' 9223372036854775808; do
		assert_usage_error "typed-recv: bad count '$value': expected a positive integer" typed-recv -k "$KEY" -c "$value"
	done
	assert_equal "$(queue_field "$KEY" qnum)" 2
	assert_equal "$(queue_field "$KEY" lrpid)" 0
	# The ends of each range are accepted: -b 0 takes the empty message and
	# nothing longer (E2BIG, it stays queued); -b 16777216 and the largest
	# -c and -t are fine.
	run --separate-stderr lab typed-recv -k "$KEY" -b 0 -c 1
	assert_success
	assert_output "rcv rcv_ret=0, mtype=2, mtext="
	run --separate-stderr lab typed-recv -k "$KEY" -b 0
	assert_failure 1
	assert_output ""
	assert_one_line_like '^typed-recv: msgrcv queue [0-9]+: the message is longer than 0 bytes and stays queued \(-e cuts it, -b gives a bigger buffer\): Argument list too long \(E2BIG\)$'
	assert_equal "$(queue_field "$KEY" cbytes)" 3
	run --separate-stderr lab typed-recv -k "$KEY" -b 16777216 -c 9223372036854775807 -t -9223372036854775807 -n -r
	assert_success
	assert_output "rcv rcv_ret=3, mtype=2, mtext=abc"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "typed-send: a TYPE over LONG_MAX is refused before any queue; LONG_MAX itself travels" {
	local arg
	for arg in 9223372036854775808:x 18446744073709551617:x 0x10:x '1 :x' 1e2:x; do
		assert_usage_error "typed-send: bad message '$arg': expected TYPE:TEXT with TYPE a positive integer" \
			typed-send -k "$KEY" 1:first "$arg"
	done
	queue_gone "$KEY"
	run --separate-stderr lab typed-send -k "$KEY" 9223372036854775807:max
	assert_success
	assert_output "send mtype=9223372036854775807, mtext=max"
	run --separate-stderr lab typed-recv -k "$KEY" -t 9223372036854775807 -n -r
	assert_success
	assert_output "rcv rcv_ret=3, mtype=9223372036854775807, mtext=max"
}

# bats test_tags=points:1
@test "shm-check: -s malformed or out of range: one line naming the range, exit 2, no segment" {
	local size min
	in_lab shm-fork-check
	min=$(($(getconf LONG_BIT) / 8 + 1))
	for size in $((min - 1)) 0 -9 x 4k 1073741825 '' " $min" "+$min" 9223372036854775808 0x100 1.5; do
		assert_usage_error "shm-check: bad size '$size': expected $min to 1073741824 bytes" shm-check -k "$KEY" -s "$size"
	done
	no_objects
}

# bats test_tags=points:1
@test "shm-stat: -i malformed or out of range: one line, exit 2; a valid id with no segment: EINVAL, exit 1" {
	local id
	in_lab shm-writer-reader
	for id in x -1 2147483648 '' +1 ' 1' '1 ' 0x1 99999999999999999999; do
		assert_usage_error "shm-stat: bad segment id '$id': expected 0 to 2147483647" shm-stat -i "$id"
	done
	run --separate-stderr lab shm-stat -i 2147483647 -r
	assert_failure 1
	assert_output ""
	assert_one_line "shm-stat: shmctl IPC_STAT segment 2147483647: Invalid argument (EINVAL)"
	no_objects
}

# bats test_tags=points:1
@test "mmap-copy: -w malformed or out of range: one line, exit 2, no file; 1 and 1024 copy exactly" {
	local window
	in_lab mmap-copy
	mkdir "$BATS_TEST_TMPDIR/files"
	cd "$BATS_TEST_TMPDIR/files"
	head -c 300000 /dev/urandom >src
	for window in ' 1' 1.5 0x10 '2 ' -0 '' 1025 0 99999999999999999999; do
		assert_usage_error "mmap-copy: bad window '$window': expected 1 to 1024 (MiB)" mmap-copy -w "$window" src dst
	done
	run ls -A
	assert_output "src"
	for window in 1 1024; do
		run --separate-stderr lab mmap-copy -v -w "$window" src "dst$window"
		assert_success
		assert_output "copied 300000 bytes"
		cmp src "dst$window"
	done
}

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
	assert_failure 1
	assert_output ""
	assert_one_line "$(msgmax_line chat-send "$(queue_field "$KEY" msqid)")"
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
	assert_failure 1
	assert_output ""
	assert_one_line_like '^chat: msgsnd queue [0-9]+ \(a message of 45 bytes can never fit: the queue holds at most 40 bytes, its msg_qbytes\): Message too long \(EMSGSIZE\)$'
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "shmmax: shm-check -s over shmmax is EINVAL naming the limit: one line, exit 1, nothing made; shmmax itself fits" {
	in_lab shm-fork-check
	set_ipc_limit shmmax 4096
	run --separate-stderr lab shm-check -k "$KEY" -s 4097
	assert_failure 1
	assert_output ""
	assert_one_line "shm-check: shmget key $KEY_HEX, 4097 bytes (more than kernel.shmmax, the largest segment allowed: 4096 bytes, see /proc/sys/kernel/shmmax): Invalid argument (EINVAL)"
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
		assert_failure 1
		assert_output ""
		assert_one_line "${args%% *}: shmget key $KEY_HEX: Invalid argument (EINVAL)"
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
	assert_failure 1
	assert_output ""
	assert_one_line "shm-check: shmget key $KEY_HEX: No space left on device (ENOSPC)"
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
		assert_failure 1
		assert_output ""
		assert_one_line "${args#*:}: msgget key $KEY_HEX: No space left on device (ENOSPC)"
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

# start_chat_blocked_in_msgsnd INPUT: chat reading a FIFO we hold open, its
# child stopped, and the lines of INPUT sent, enough that the parent waits in
# msgsnd on a full queue; CHAT_PID and CHILD_PID are set.
start_chat_blocked_in_msgsnd() {
	start_on_fifo chat chat -k "$KEY"
	CHAT_PID=$PROGRAM_PID
	wait_for chat "chat's child" has_child "$CHAT_PID"
	CHILD_PID=$(pgrep -P "$CHAT_PID")
	wait_for chat "the child to wait in msgrcv" blocked_in_msgrcv "$CHILD_PID"
	kill -STOP "$CHILD_PID"
	wait_for chat "the child to stop" is_stopped "$CHILD_PID"
	cat "$1" >&"$IN_FD"
	wait_for chat "the parent to wait in msgsnd on a full queue" blocked_in_msgsnd "$CHAT_PID"
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
	assert_failure 1
	assert_output ""
	assert_one_line "queue-stat: msgget key $KEY_HEX: No such file or directory (ENOENT)"
	in_lab shm-writer-reader
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_failure 1
	assert_output ""
	assert_one_line "shm-read: shmget key $KEY_HEX (no segment has this key: run shm-write first, in the same folder or with the same -k or -p): No such file or directory (ENOENT)"
	run --separate-stderr lab shm-stat -k "$KEY" -r
	assert_failure 1
	assert_output ""
	assert_one_line "shm-stat: shmget key $KEY_HEX: No such file or directory (ENOENT)"
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
		assert_failure 1
		assert_output ""
		assert_one_line_like "^$prog: shmget key $KEY_HEX \\(segment $id under this key has 4096 bytes, not [0-9]+: it was made by another program; remove it with: ipcrm -M $KEY_HEX\\): Invalid argument \\(EINVAL\\)$"
	done
	assert_equal "$(segment_field "$KEY" nattch)" 0
	assert_equal "$(segment_field "$KEY" size)" 4096
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: not a producer's segment"
}

# --------------------------------------------------------- other users

# bats test_tags=points:1
@test "squatted key: chat meets nobody's queue under its -k: EEXIST with the ipcrm command, the queue untouched" {
	require_root
	in_lab msgqueue-chat
	as nobody lab chat-send -k "$KEY" <<<'planted'
	as daemon run --separate-stderr lab chat -k "$KEY" <<<'secret'
	assert_failure 1
	assert_output ""
	assert_one_line "chat: msgget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -Q $KEY_HEX): File exists (EEXIST)"
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
	assert_failure 1
	assert_output ""
	assert_one_line "shm-check: shmget key $KEY_HEX (in use, or left by a killed run? remove it with: ipcrm -M $KEY_HEX): File exists (EEXIST)"
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
	assert_failure 1
	assert_output ""
	assert_one_line "chat-send: msgget key $KEY_HEX (the queue belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
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
	assert_failure 1
	assert_output ""
	assert_one_line "shm-producer: shmget key $KEY_HEX (the segment belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
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
		assert_failure 1
		assert_output ""
		assert_one_line "${args%% *}: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
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
		assert_failure 1
		assert_output ""
		assert_one_line "${args%% *}: shmget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	done
	as nobody run --separate-stderr lab shm-stat -i "$id" -r
	assert_failure 1
	assert_output ""
	assert_one_line "shm-stat: shmctl IPC_STAT segment $id: Permission denied (EACCES)"
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
	assert_failure 1
	assert_output ""
	assert_one_line "chat-recv: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	assert_equal "$(queue_field "$KEY" qnum)" 2
	in_ns ipcrm -Q "$KEY_HEX"
	# shm-write -w -m 0400: it cannot attach what it made; -w removes it.
	in_lab shm-writer-reader
	run --separate-stderr lab shm-write -k "$KEY" -w -m 0400 </dev/null
	assert_failure 1
	assert_output ""
	assert_one_line_like '^shm-write: shmat segment [0-9]+: Permission denied \(EACCES\)$'
	segment_gone "$KEY"
	# typed-send -m 0200 sends; its own typed-recv may not read: the
	# message stays.
	in_lab msgtype-filter
	lab typed-send -k "$KEY" -m 0200 2:unread >/dev/null
	run --separate-stderr lab typed-recv -k "$KEY" -r
	assert_failure 1
	assert_output ""
	assert_one_line "typed-recv: msgget key $KEY_HEX (owned by another user, or its mode does not let you in): Permission denied (EACCES)"
	assert_equal "$(queue_field "$KEY" qnum)" 1
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "fork refused (RLIMIT_NPROC): chat, shm-check, mmap-fork, anon-share: one line, exit 1, nothing left" {
	unprivileged
	local RUN_AS=("${RUN_AS[@]}" prlimit --nproc=1 --)
	in_lab msgqueue-chat
	run --separate-stderr lab chat -k "$KEY" <<<'hello'
	assert_failure 1
	assert_output ""
	assert_one_line "chat: fork: Resource temporarily unavailable (EAGAIN)"
	in_lab shm-fork-check
	run --separate-stderr lab shm-check -k "$KEY"
	assert_failure 1
	assert_output ""
	assert_one_line "shm-check: fork: Resource temporarily unavailable (EAGAIN)"
	no_objects
	in_lab mmap-file
	student_dir "$BATS_TEST_TMPDIR/files"  # mmap-fork opens its file for writing
	printf 'a text of more than sixteen bytes\n' >"$BATS_TEST_TMPDIR/files/test.txt"
	run --separate-stderr lab mmap-fork "$BATS_TEST_TMPDIR/files/test.txt"
	assert_failure 1
	assert_output ""
	assert_one_line "mmap-fork: fork: Resource temporarily unavailable (EAGAIN)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/files/test.txt")" "a text of more than sixteen bytes"
	in_lab mmap-anon
	run --separate-stderr lab anon-share
	assert_failure 1
	assert_output ""
	assert_one_line "anon-share: fork: Resource temporarily unavailable (EAGAIN)"
}

# ------------------------------------------------- the end of input at a prompt

# bats test_tags=points:1
@test "end of input at chat-send's first prompt: the prompt's line is ended, 'end' is sent, exit 0" {
	in_lab msgqueue-chat
	run --separate-stderr lab_tty chat-send -k "$KEY" </dev/null
	assert_success
	assert_output $'Enter some text: \r'
	assert_equal "$(queue_field "$KEY" qnum)" 1
	# "end", a newline and a NUL, as if typed.
	assert_equal "$(queue_field "$KEY" cbytes)" 5
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_output "You wrote: end"
}

# bats test_tags=points:1
@test "end of input at typed-send's first prompt: nothing sent, exit 0, the queue left empty for others" {
	run --separate-stderr lab_tty typed-send -k "$KEY" </dev/null
	assert_success
	assert_output $'Enter the message text:\r'
	assert_equal "$(queue_field "$KEY" qnum)" 0
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "end of input at shm-producer's first prompt: the line is ended, 'end' handed over, both exit 0" {
	in_lab shm-writer-reader
	lab_bg_started consumer shm-consumer -k "$KEY"
	wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$PROGRAM_PID"
	run --separate-stderr lab_tty shm-producer -k "$KEY" </dev/null
	assert_success
	assert_output $'Enter some text: \r'
	wait_bg consumer
	assert_equal "$status" 0
	file_one_line "$BATS_TEST_TMPDIR/consumer.out" "You wrote: end"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "end of input at shm-write -w's prompt: the line is ended, the segment removed, exit 0" {
	in_lab shm-writer-reader
	run --separate-stderr lab_tty shm-write -k "$KEY" -w </dev/null
	assert_success
	assert_output --regexp $'^shmid : [0-9]+\r\nPress Enter to detach and remove the segment: \r$'
	assert_equal "$stderr" ""
	segment_gone "$KEY"
}

# ------------------------------------------- NUL bytes, CRLF, a 1 MiB line

# odd_input FILE: lines with NUL bytes (first, inside, last), CRLF endings,
# a bare CR, an empty line, a 1 MiB line cycling through the bytes 0 to 250
# (the newline, 10, made 11), and a last line without a newline.  No line
# starts with, and no piece of a cut line could start with, an end word
# ("end", "exit"): the cut rule does not apply, pieces() need not know it.
odd_input() {
	perl -e '
		binmode STDOUT;
		print "plain line\n", "nul\0in\0the middle\0\n", "\0starts with a NUL\n",
			"crlf line\r\n", "\r\n", "\n";
		print join("", map { my $b = $_ % 251; chr($b == 10 ? 11 : $b) } 0 .. 1048575), "\n";
		print "after the long line\r\n", "no newline at the end";' >"$1"
}

# pieces CAPACITY TEMPLATE <INPUT: what a receiver prints for INPUT, each line
# cut into pieces of at most CAPACITY bytes (an empty line is one empty
# piece).  TEMPLATE is a perl expression of $piece, $length, $shown (the
# piece up to its first NUL: what a receiver prints of it) and $line (the
# line's index, from 0).
pieces() {
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	perl -e '
		my ($capacity, $template) = @ARGV;
		binmode STDIN;
		binmode STDOUT;
		my $line = 0;
		while (my $text = <STDIN>) {
			chomp $text;
			my $sent = 0;
			do {
				my $piece = substr($text, $sent, $capacity);
				my $length = length $piece;
				(my $shown = $piece) =~ s/\0.*//s;
				print eval $template;
				die $@ if $@;
				$sent += $length;
			} while ($sent < length $text);
			$line++;
		}' "$@"
}

# assert_same_bytes EXPECTED GOT: the two files are equal, byte for byte.
assert_same_bytes() {
	cmp "$1" "$2" >/dev/null ||
		fail "$(printf '%s and %s differ: %s (%s and %s bytes)' "${1##*/}" "${2##*/}" \
			"$(cmp "$1" "$2" 2>&1 | head -n 1)" "$(stat -c %s "$1")" "$(stat -c %s "$2")")"
}

# bats test_tags=points:1
@test "chat-send to chat-recv: NUL bytes, CRLF and a 1 MiB line: every piece arrives, printed up to its first NUL" {
	local t=$BATS_TEST_TMPDIR
	in_lab msgqueue-chat
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	# 510 bytes of a line a message, then its newline (in the last) and a NUL.
	{ pieces 510 '"You wrote: $shown\n"' <"$t/input"; echo 'You wrote: end'; } >"$t/expected"
	lab_bg_receiving recv chat-recv -k "$KEY"
	run --separate-stderr lab chat-send -k "$KEY" <"$t/input"
	assert_success
	assert_equal "$stderr" ""
	wait_bg recv
	assert_equal "$status" 0
	assert_same_bytes "$t/expected" "$t/recv.out"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-send to typed-recv: NUL bytes, CRLF and a 1 MiB line: every byte sent, rcv_ret all of it, printed up to a NUL" {
	local t=$BATS_TEST_TMPDIR count
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables
	pieces 50 '"send mtype=" . ($line % 2 + 1) . ", mtext=$piece\n"' <"$t/input" >"$t/expected-send"
	# shellcheck disable=SC2016
	pieces 50 '"rcv rcv_ret=$length, mtype=" . ($line % 2 + 1) . ", mtext=$shown\n"' <"$t/input" >"$t/expected-recv"
	count=$(wc -l <"$t/expected-recv")
	lab typed-send -k "$KEY" </dev/null # the queue, empty
	lab_bg_receiving recv typed-recv -k "$KEY" -t 0 -c "$count" -r
	lab typed-send -k "$KEY" <"$t/input" >"$t/send.out" 2>"$t/send.err" ||
		fail "typed-send: exit $?: $(cat "$t/send.err")"
	assert_equal "$(cat "$t/send.err")" ""
	assert_same_bytes "$t/expected-send" "$t/send.out"
	wait_bg recv
	assert_equal "$status" 0
	assert_same_bytes "$t/expected-recv" "$t/recv.out"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: NUL bytes, CRLF and a 1 MiB line: every piece arrives, printed up to its first NUL" {
	local t=$BATS_TEST_TMPDIR
	in_lab msgqueue-chat
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	{ pieces 256 '"new message: $shown\n"' <"$t/input"; printf 'new message: exit\nchat ended\n'; } >"$t/expected"
	lab chat -k "$KEY" <"$t/input" >"$t/chat.out" 2>"$t/chat.err" ||
		fail "chat: exit $?: $(cat "$t/chat.err")"
	assert_same_bytes "$t/expected" "$t/chat.out"
	assert_equal "$(cat "$t/chat.err")" ""
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-producer to shm-consumer: NUL bytes, CRLF and a 1 MiB line arrive exactly as sent" {
	local t=$BATS_TEST_TMPDIR
	in_lab shm-writer-reader
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	{ pieces 2048 '"You wrote: $piece\n"' <"$t/input"; echo 'You wrote: end'; } >"$t/expected"
	lab_bg_started consumer shm-consumer -k "$KEY"
	wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$PROGRAM_PID"
	run --separate-stderr lab shm-producer -k "$KEY" <"$t/input"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	wait_bg consumer
	assert_equal "$status" 0
	assert_same_bytes "$t/expected" "$t/consumer.out"
	segment_gone "$KEY"
}

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
		kill "-$sig" "$PROGRAM_PID"
		wait_bg send
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/send.err")" ""
		assert_equal "$(queue_field "$KEY" cbytes)" $((fit * 502))
		drain_chat_queue "$BATS_TEST_TMPDIR/queued"
	done
}

# bats test_tags=points:1
@test "chat-send waiting for a line: SIGTERM, SIGINT, SIGHUP leave the queue and the line already sent" {
	local sig
	in_lab msgqueue-chat
	for sig in "${SIGNALS[@]}"; do
		start_on_fifo send chat-send -k "$KEY"
		echo "sent before SIG$sig" >&"$IN_FD"
		wait_for send "the line to be queued" queue_field_is "$KEY" qnum 1
		wait_for send "chat-send to wait for the next line" blocked_in_pipe_read "$PROGRAM_PID"
		kill "-$sig" "$PROGRAM_PID"
		wait_bg send
		close_input
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/send.err")" ""
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
		kill "-$sig" "$PROGRAM_PID"
		wait_bg send
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/send.err")" ""
		assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/send.out")" "$fit"
		assert_sent_is_queued
	done
}

# bats test_tags=points:1
@test "typed-send waiting for a line: SIGTERM, SIGINT, SIGHUP leave the queue and the message sent" {
	local sig
	for sig in "${SIGNALS[@]}"; do
		start_on_fifo send typed-send -k "$KEY"
		lines_of_50 "$BATS_TEST_TMPDIR/line" 1
		cat "$BATS_TEST_TMPDIR/line" >&"$IN_FD"
		wait_for send "the message to be queued" queue_field_is "$KEY" qnum 1
		wait_for send "typed-send to wait for the next line" blocked_in_pipe_read "$PROGRAM_PID"
		kill "-$sig" "$PROGRAM_PID"
		wait_bg send
		close_input
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/send.err")" ""
		assert_sent_is_queued
	done
}

# bats test_tags=points:1
@test "typed-recv without -r waiting in msgrcv: SIGINT and SIGHUP leave the queue and its messages" {
	local sig
	lab typed-send -k "$KEY" 1:kept 3:kept-too >/dev/null
	for sig in INT HUP; do
		lab_bg_receiving recv typed-recv -k "$KEY"
		kill "-$sig" "$PROGRAM_PID"
		wait_bg recv
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/recv.out")" ""
		assert_equal "$(cat "$BATS_TEST_TMPDIR/recv.err")" ""
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
		start_on_fifo producer shm-producer -k "$KEY"
		echo "handed over before SIG$sig" >&"$IN_FD"
		wait_for consumer "the text to be printed" grep -q "before SIG$sig" "$BATS_TEST_TMPDIR/consumer.out"
		wait_for producer "shm-producer to wait for the next line" blocked_in_pipe_read "$PROGRAM_PID"
		kill "-$sig" "$PROGRAM_PID"
		wait_bg producer
		close_input
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/producer.err")" ""
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
		kill "-$sig" "$PROGRAM_PID"
		wait_bg producer
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/producer.err")" ""
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

# full_fifo NAME: $BATS_TEST_TMPDIR/NAME becomes a FIFO whose buffer is full,
# held open on FULL_FD: a program printing into it waits in write.
full_fifo() {
	mkfifo "$BATS_TEST_TMPDIR/$1"
	exec {FULL_FD}<>"$BATS_TEST_TMPDIR/$1"
	dd if=/dev/zero of="$BATS_TEST_TMPDIR/$1" bs=4096 count=1024 oflag=nonblock 2>/dev/null || true
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
		kill "-$sig" "$PROGRAM_PID"
		wait_bg stat
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/stat.err")" ""
		queue_gone "$KEY"
		in_lab shm-writer-reader
		lab shm-write -k "$KEY" >/dev/null
		lab_bg_started stat shm-stat -k "$KEY" -r
		wait_for stat "shm-stat to wait in write" blocked_in_pipe_write "$PROGRAM_PID"
		kill "-$sig" "$PROGRAM_PID"
		wait_bg stat
		assert_equal "$status" "$(signal_status "$sig")"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/stat.err")" ""
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
	wait_for chat "chat's child" has_child "$CHAT_PID"
	child=$(pgrep -P "$CHAT_PID")
	wait_for chat "the child to wait in msgrcv" blocked_in_msgrcv "$child"
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
	mkfifo "$BATS_TEST_TMPDIR/chat.in"
	SHIM_FORK_RETURNS_AFTER_CHILD_EXIT=chat LD_PRELOAD=$SHIM \
		lab_bg -i "$BATS_TEST_TMPDIR/chat.in" chat chat -k "$KEY"
	exec {IN_FD}>"$BATS_TEST_TMPDIR/chat.in"
	wait_for chat "chat to start" program_started chat
	CHAT_PID=$(program_pid chat)
	wait_for chat "chat's child" has_child "$CHAT_PID"
	child=$(pgrep -P "$CHAT_PID")
	wait_for chat "the child to wait in msgrcv" blocked_in_msgrcv "$child"
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
	start_on_fifo producer shm-producer -k "$KEY"
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

# -------------------------------------- read-only and full file systems

# in_mount_ns SCRIPT ARGS...: bash -c SCRIPT in a private mount namespace,
# where it may mount a tmpfs that nobody else sees and that goes away with
# it (as root: unshare -m; otherwise, where allowed, with a user namespace).
# The lab program is given in ARGS as "${RUN_AS[@]}" "$LAB_DIR/PROG", so it
# runs as lab runs it; the whole runs under timeout.
in_mount_ns() {
	local how=(-m)
	[ "$(id -u)" = 0 ] || how=(-r -m)
	unshare "${how[@]}" true 2>/dev/null ||
		skip "needs a private mount namespace (unshare ${how[*]}) to mount a small tmpfs"
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" unshare "${how[@]}" bash -c "$@"
}

# bats test_tags=points:1
@test "mmap-copy onto a full disk: ENOSPC in one line, exit 1, the old DST as it was, no temporary file" {
	local t=$BATS_TEST_TMPDIR
	in_lab mmap-copy
	head -c $((2 * 1024 * 1024)) /dev/urandom >"$t/src"
	mkdir "$t/tiny"
	# shellcheck disable=SC2016 # $1... belong to bash -c
	run --separate-stderr in_mount_ns '
		dir=$1 src=$2
		shift 2
		mount -t tmpfs -o size=1m,mode=1777 tmpfs "$dir" || exit 99
		echo "old content" >"$dir/dst"
		chmod 666 "$dir/dst"
		"$@" "$src" "$dir/dst"
		echo "status $?"
		cat "$dir/dst"
		ls -A "$dir"' _ "$t/tiny" "$t/src" "${RUN_AS[@]}" "$LAB_DIR/mmap-copy"
	assert_success
	assert_output $'status 1\nold content\ndst'
	assert_one_line_like "^mmap-copy: reserve 2097152 bytes for '$t/tiny/\\.dst\\.mmap-copy-[A-Za-z0-9]{6}': No space left on device \\(ENOSPC\\)$"
}

# bats test_tags=points:1
@test "mmap-copy and a read-only mount: into it EROFS, the old DST kept; out of it, a whole copy" {
	local t=$BATS_TEST_TMPDIR
	in_lab mmap-copy
	head -c 100000 /dev/urandom >"$t/src"
	mkdir "$t/ro" "$t/out"
	# shellcheck disable=SC2016 # $1... belong to bash -c
	run --separate-stderr in_mount_ns '
		dir=$1 src=$2 out=$3
		shift 3
		mount -t tmpfs -o size=1m,mode=1777 tmpfs "$dir" || exit 99
		cp "$src" "$dir/dst"
		chmod 644 "$dir/dst"
		mount -o remount,bind,ro "$dir" || exit 99  # bind: allowed in a user namespace too
		"$@" "$src" "$dir/dst" 2>&1
		echo "status $?"
		cmp "$src" "$dir/dst" && echo "dst kept"
		ls -A "$dir"
		"$@" -v "$dir/dst" "$out/copy"
		echo "status $?"
		cmp "$src" "$out/copy" && echo "copy whole"' _ "$t/ro" "$t/src" "$t/out" "${RUN_AS[@]}" "$LAB_DIR/mmap-copy"
	assert_success
	assert_output "mmap-copy: create a temporary file in '$t/ro' (for '$t/ro/dst'): Read-only file system (EROFS)
status 1
dst kept
dst
copied 100000 bytes
status 0
copy whole"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "files the user may not write or read: EACCES in one line from mmap-fork, mmap-write, mmap-read, mmap-copy; nothing changed" {
	local t=$BATS_TEST_TMPDIR
	unprivileged
	printf 'a text of more than sixteen bytes\n' >"$t/readonly.txt"
	printf 'secret\n' >"$t/unreadable.txt"
	chmod 0444 "$t/readonly.txt"
	chmod 0000 "$t/unreadable.txt"
	in_lab mmap-file
	run --separate-stderr lab mmap-fork "$t/readonly.txt"
	assert_failure 1
	assert_output ""
	assert_one_line "mmap-fork: open $t/readonly.txt: Permission denied (EACCES)"
	run --separate-stderr lab mmap-write "$t/readonly.txt" 'new text'
	assert_failure 1
	assert_one_line "mmap-write: open $t/readonly.txt: Permission denied (EACCES)"
	assert_equal "$(cat "$t/readonly.txt")" "a text of more than sixteen bytes"
	run --separate-stderr lab mmap-read "$t/readonly.txt"
	assert_success
	assert_output "a text of more than sixteen bytes"
	run --separate-stderr lab mmap-read "$t/unreadable.txt"
	assert_failure 1
	assert_output ""
	assert_one_line "mmap-read: open $t/unreadable.txt: Permission denied (EACCES)"
	in_lab mmap-copy
	run --separate-stderr lab mmap-copy "$t/unreadable.txt" "$t/copy"
	assert_failure 1
	assert_output ""
	assert_one_line "mmap-copy: open source '$t/unreadable.txt': Permission denied (EACCES)"
	[ ! -e "$t/copy" ] || fail "mmap-copy made $t/copy"
}

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
	assert_failure 1
	assert_output ""
	assert_one_line_like '^chat-recv: msgrcv queue [0-9]+: Argument list too long \(E2BIG\)$'
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
