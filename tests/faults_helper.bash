# faults_helper.bash - what the fault tests (tests/faults-*.bats) share.
#
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
# lab's own file (tests/LAB.bats) are not repeated in these files: these
# are the angles they do not take.
#
# The files split this matrix by topic: faults-numbers (numbers and keys),
# faults-limits (kernel limits, missing objects, wrong sizes), faults-users
# (other users), faults-input (the end of input, odd bytes), faults-signals
# (signals during blocking calls, the peer gone), faults-files (read-only
# and full file systems), faults-more (the rest).  Each loads lab_helper,
# then this file, and calls faults_setup_file, faults_setup and
# faults_teardown.
# shellcheck shell=bash
# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr

# faults_setup_file: the shim of the moments no test could catch otherwise
# (tests/shims/faults.c); another user (IPC_LAB_RUN_AS) loads it too.
faults_setup_file() {
	build_shim faults
	chmod 755 "$BATS_FILE_TMPDIR"
	chmod 644 "$SHIM"
}

faults_setup() {
	lab_setup msgtype-filter
	IN_FD=
	FULL_FD=
	HOLD_FD=
}

faults_teardown() {
	# The FIFOs a test holds open (lab_bg_on_fifo, full_fifo, start_held_check).
	[ -z "${IN_FD:-}" ] || exec {IN_FD}>&-
	[ -z "${HOLD_FD:-}" ] || exec {HOLD_FD}>&-
	[ -z "${FULL_FD:-}" ] || exec {FULL_FD}>&-
	lab_teardown
}

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

# assert_error_only LINE, assert_error_only_like REGEX: the last `run
# --separate-stderr` failed with status 1, printed nothing on stdout, and
# its stderr is that one line.
assert_error_only() {
	assert_failure 1
	assert_output ""
	assert_one_line "$1"
}
assert_error_only_like() {
	assert_failure 1
	assert_output ""
	assert_one_line_like "$1"
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

# killed_quietly NAME SIG: SIG to the background program NAME (its pid in
# $PROGRAM_PID), which dies of it (status 128 + SIG), saying nothing.
killed_quietly() {
	kill "-$2" "$PROGRAM_PID"
	wait_bg "$1"
	assert_equal "$status" "$(signal_status "$2")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/$1.err")" ""
}

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

# start_chat_blocked_in_msgsnd INPUT: chat reading a FIFO we hold open, its
# child stopped, and the lines of INPUT sent, enough that the parent waits in
# msgsnd on a full queue; CHAT_PID and CHILD_PID are set.
start_chat_blocked_in_msgsnd() {
	lab_bg_on_fifo chat chat -k "$KEY"
	CHAT_PID=$PROGRAM_PID
	wait_chat_child_in_msgrcv
	kill -STOP "$CHILD_PID"
	wait_for chat "the child to stop" is_stopped "$CHILD_PID"
	cat "$1" >&"$IN_FD"
	wait_for chat "the parent to wait in msgsnd on a full queue" blocked_in_msgsnd "$CHAT_PID"
}

# wait_chat_child_in_msgrcv: chat (started as "chat", its pid in $CHAT_PID)
# has its child, which waits in msgrcv; the child's pid in $CHILD_PID.
wait_chat_child_in_msgrcv() {
	wait_for chat "chat's child" has_child "$CHAT_PID"
	CHILD_PID=$(pgrep -P "$CHAT_PID")
	wait_for chat "the child to wait in msgrcv" blocked_in_msgrcv "$CHILD_PID"
}
