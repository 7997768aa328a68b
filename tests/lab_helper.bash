# lab_helper.bash - what every ipc-labs test file shares.
#
# Each test gets:
#   - its own private IPC namespace when `unshare -i` (or `unshare -r -i`)
#     works here, so tests cannot see each other's queues nor the machine's;
#     without one, they still pass, using keys no one else uses;
#   - its own key, $KEY ($KEY_HEX in hex);
#   - `lab PROG ARGS...`: runs a lab program under timeout, in the namespace;
#     `lab_tty PROG ARGS...` does the same on a pseudo-terminal;
#   - `lab_bg [-i FILE] NAME PROG ARGS...`: the same in the background, stdout and
#     stderr in $BATS_TEST_TMPDIR/NAME.out and NAME.err, pid in ${BG[NAME]};
#     `lab_bg_started` and `lab_bg_on_fifo` (stdin a FIFO the test writes
#     to) also wait until the program runs, its pid in $PROGRAM_PID;
#   - `build_shim NAME`: tests/shims/NAME.c built as a library to preload;
#   - a check at teardown that nothing is left running and no IPC object is
#     left behind: a leak fails the test.
# No test orders processes with a fixed sleep: `wait_until` polls a condition
# with a deadline, `wait_for NAME` does the same but fails at once if the
# background program NAME has ended, and `wait_bg` waits for it to end.
# A failing assertion prints at most the first and last lines of long output.
# The grader's tests load grade_helper.bash too; the fault tests,
# faults_helper.bash.
# shellcheck shell=bash
# shellcheck disable=SC2034 # KEY_HEX, status...: set here, read by the tests
# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# bats-support prints every failure message through batslib_err: cap it, so
# that a program spewing thousands of lines fails in a screenful.  When an
# assertion on a `run lab ...` fails, the message ends with the command and,
# under run --separate-stderr, its stderr (bats-assert shows neither).
FAIL_LINES=${FAIL_LINES:-40}
batslib_err() {
	local text
	if (($# > 0)); then text=$(printf '%s\n' "$@"); else text=$(cat -); fi
	case " ${FUNCNAME[*]} " in
	*" assert_success "* | *" assert_failure "* | *" assert_output "* | *" refute_output "* | \
		*" assert_line "* | *" refute_line "*)
		text+=$(last_lab_command)
		;;
	esac
	awk -v max="$FAIL_LINES" '
		{ line[NR] = $0 }
		END {
			if (NR <= max) { for (i = 1; i <= NR; i++) print line[i]; exit }
			half = int(max / 2)
			for (i = 1; i <= half; i++) print line[i]
			printf "  ... %d lines cut ...\n", NR - 2 * half
			for (i = NR - half + 1; i <= NR; i++) print line[i]
		}' <<<"$text" >&2
}

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
LAB_TIMEOUT=${LAB_TIMEOUT:-10}   # seconds any one program may run
WAIT_TIMEOUT=${WAIT_TIMEOUT:-5}  # seconds wait_until waits for a condition
KILL_AFTER=2                     # then SIGKILL, for a program that ignores SIGTERM

declare -gA BG=()

# lab_setup LAB: call from setup() with the lab's folder name.
lab_setup() {
	# IPC_LAB_BUILD=DIR: test the programs built in DIR/labs (make sanitize).
	LAB_DIR="${IPC_LAB_BUILD:-$TOP}/labs/$1"
	RUN_AS=()
	[ "${IPC_LAB_GRADING:-}" != 1 ] || run_as_student
	# A key from this test's own process id (below 2^22): unique among the
	# tests running now.  Bits 22 to 27 come from the run (scripts/run-tests
	# sets IPC_LAB_RUN_SLOT), so that two suites run at once without
	# namespaces can each find what they alone left behind.
	KEY=$((0x10000000 + ((${IPC_LAB_RUN_SLOT:-0} & 63) << 22) + (BASHPID & 0x3fffff)))
	KEY_HEX=$(printf '0x%08x' "$KEY")
	unset IPC_LAB_KEY
	NS_PID=
	NS_ENTER=()
	start_namespace
}

# The namespace lives as long as a holder process (sleep) that teardown kills;
# each program joins it with nsenter.
start_namespace() {
	local flags
	[ "${IPC_LAB_NO_NAMESPACE:-}" = 1 ] && return 0
	if unshare -i true 2>/dev/null; then
		flags=(-i)
		NS_ENTER=(-i)
	elif unshare -r -i true 2>/dev/null; then
		flags=(-r -i)
		NS_ENTER=(-U -i --preserve-credentials)
	else
		return 0
	fi
	# unshare execs sh, which execs sleep: one process, $!.  Its "ready" says
	# the namespace exists (joining earlier would join our own): one read,
	# no polling.
	local ready
	exec {ready}< <(exec unshare "${flags[@]}" sh -c 'echo ready; exec sleep 3600' 3>&- </dev/null)
	NS_PID=$!
	read -r -u "$ready" _ || { echo "the namespace holder did not start" >&2; return 1; }
	exec {ready}<&-
	NS_ENTER=(nsenter -t "$NS_PID" "${NS_ENTER[@]}" --)
}

have_namespace() { [ -n "$NS_PID" ]; }

# IPC_LAB_GRADING=1 (scripts/grade): every lab program runs as a student's
# is run, through RUN_AS: tests/student-exec (fds 0-2 only, umask 022), then
# its limits (processes, file size, address space, CPU seconds), then, with
# IPC_LAB_RUN_AS=USER (grade as root), as USER.  The test's own files
# ($BATS_TEST_TMPDIR: NAME.out, NAME.err, the trace) stay in a folder the
# student cannot write, so no link planted there can turn a write of the
# test (run as root) elsewhere; a program writes where the test made a
# folder for it with student_dir.
run_as_student() {
	local user=${IPC_LAB_RUN_AS:-} dir
	RUN_AS=("$TOP/tests/student-exec" prlimit --nproc=64 --fsize=$((768 << 20))
		--as=$((1 << 30)) --cpu=60 --)
	[ -n "$user" ] || return 0
	umask 002 # see student_dir
	RUN_AS+=(setpriv "--reuid=$(id -u "$user")" "--regid=$(id -g "$user")" --clear-groups
		--inh-caps=-all --bounding-set=-all --)
	# The grader user reaches the folders student_dir makes, and no more.
	dir=$BATS_TEST_TMPDIR
	while [ "$dir" != / ] && [ "$dir" != "$BATS_RUN_TMPDIR" ]; do
		chmod a+x "$dir"
		dir=$(dirname "$dir")
	done
	chmod a+x "$BATS_RUN_TMPDIR"
}

# student_dir DIR...: make folders where the lab programs may write.  When
# grading as root, they belong to the grader user and its group, and are
# set-group-ID: what the test makes in them (an input file, a subfolder)
# takes that group, and the test's umask 002 (run_as_student) leaves it
# group-writable, so the program may write it too.  What the test makes
# anywhere else stays root's alone.
student_dir() {
	mkdir -p "$@"
	[ -n "${IPC_LAB_RUN_AS:-}" ] || return 0
	chown "$IPC_LAB_RUN_AS:" "$@"
	chmod 2775 "$@"
}

# Tests of the articles' own keys need a namespace: without one, they could
# meet a student's real queue on a shared machine.
require_namespace() {
	have_namespace || skip "needs a private IPC namespace (unshare -i)"
}

# in_ns CMD...: run CMD in this test's namespace (or here, without one).
# When grading, the programs' objects belong to the grader user, and root
# may lack CAP_SYS_ADMIN to remove them (a container with Docker's default
# capabilities): an ipcrm that fails as root is tried again as that user.
in_ns() {
	if [ "$1" = ipcrm ] && [ "${#RUN_AS[@]}" -gt 0 ]; then
		"${NS_ENTER[@]}" "$@" 2>/dev/null || "${NS_ENTER[@]}" "${RUN_AS[@]}" "$@"
	else
		"${NS_ENTER[@]}" "$@"
	fi
}

lab() {
	note_lab_command lab "$@"
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/$1" "${@:2}"
}

# note_lab_command FUNCTION PROG ARGS...: what lab or lab_tty runs, for a
# failure's report (last_lab_command): `run` calls them in a subshell, so a
# file, not a variable.  Under run --separate-stderr, stderr is not stdout.
note_lab_command() {
	[ -n "${BATS_TEST_TMPDIR:-}" ] || return 0
	local kept=merged
	[ /dev/fd/1 -ef /dev/fd/2 ] || kept=separate
	{
		printf '%s\n' "$kept" "$*"
		printf '%q ' "./$2" "${@:3}"
		echo
	} >"$BATS_TEST_TMPDIR/.lab-command" 2>/dev/null || true
}

# last_lab_command: when the last `run` ran lab or lab_tty, a few lines that
# say the command (as typed in the lab's folder) and, when run kept stderr
# apart (--separate-stderr), what the program wrote there.
last_lab_command() {
	local record=$BATS_TEST_TMPDIR/.lab-command kept ran command
	[ -n "${BATS_RUN_COMMAND:-}" ] && [ -f "$record" ] || return 0
	{ read -r kept && read -r ran && read -r command; } <"$record" || return 0
	[ "$ran" = "$BATS_RUN_COMMAND" ] || return 0
	printf '\n-- the command (in %s) --\n%s\n' "${LAB_DIR#"$TOP"/}" "$command"
	if [ "$kept" = separate ]; then
		if [ -z "${stderr:-}" ]; then
			printf -- '-- its stderr: empty --\n'
		else
			printf -- '-- its stderr --\n%s\n' "$(head -n 10 <<<"$stderr")"
			[ "${#stderr_lines[@]}" -le 10 ] || printf '  ... %d more lines\n' $((${#stderr_lines[@]} - 10))
			printf -- '--\n'
		fi
	fi
}

# lab_tty PROG ARGS...: like lab, but the program's stdin and stdout are a
# terminal (script(1) makes a pseudo-terminal and types our stdin into it).
lab_tty() {
	local command
	note_lab_command lab_tty "$@"
	command=$(printf '%q ' "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/$1" "${@:2}")
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" script -qec "$command" /dev/null
}

# lab_bg [-i FILE] [-s SIG] NAME PROG ARGS...: stdin from FILE (default
# /dev/null); -s SIG starts the program with SIG ignored, as nohup does.
# The background shell opens FILE itself, so a FIFO's open does not block us.
lab_bg() {
	local input=/dev/null ignore=()
	while [ "${1:0:1}" = - ]; do
		case $1 in
		-i) input=$2 ;;
		-s) ignore=(env "--ignore-signal=$2") ;;
		esac
		shift 2
	done
	local name=$1
	shift
	# Not through the function lab: then $! is timeout itself, not a subshell.
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${ignore[@]}" "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/$1" "${@:2}" \
		<"$input" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	BG[$name]=$!
}

# The lab program's own pid: the child of timeout (nsenter execs it).
# Fails (quietly) while there is none yet, or when NAME is not running.
program_pid() {
	[ -n "${BG[$1]:-}" ] || return 1
	pgrep -P "${BG[$1]}" | head -n 1 | grep .
}

# lab_bg_started [LAB_BG-OPTIONS] NAME PROG ARGS...: lab_bg, then wait
# until the program itself runs; its pid in $PROGRAM_PID.
lab_bg_started() {
	lab_bg "$@"
	while [ "${1:0:1}" = - ]; do shift 2; done
	wait_for "$1" "$2 to start" program_started "$1"
	PROGRAM_PID=$(program_pid "$1")
}

# lab_bg_on_fifo NAME PROG ARGS...: lab_bg_started, the program's stdin a
# FIFO ($BATS_TEST_TMPDIR/NAME.in) whose writing end the test holds on
# IN_FD: what it writes there is the program's input, and close_input is
# its end.  (A test that uses it closes IN_FD in its teardown.)
lab_bg_on_fifo() {
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

# full_fifo NAME: $BATS_TEST_TMPDIR/NAME becomes a FIFO whose buffer is
# full, held open on FULL_FD: a program printing into it blocks in write.
# (A test that uses it closes FULL_FD in its teardown.)
full_fifo() {
	mkfifo "$BATS_TEST_TMPDIR/$1"
	exec {FULL_FD}<>"$BATS_TEST_TMPDIR/$1"
	dd if=/dev/zero of="$BATS_TEST_TMPDIR/$1" bs=4096 count=1024 oflag=nonblock 2>/dev/null || true
}

# program_started NAME: the background program NAME runs (quietly).
program_started() { program_pid "$1" >/dev/null; }

# lab_bg_receiving [LAB_BG-OPTIONS] NAME PROG ARGS...: lab_bg_started, then
# wait until the program is blocked in msgrcv.
lab_bg_receiving() {
	lab_bg_started "$@"
	while [ "${1:0:1}" = - ]; do shift 2; done
	wait_for "$1" "$2 to block in msgrcv" is_blocked_in "$PROGRAM_PID" do_msgrcv
}

# wait_bg NAME: wait for a background program; its exit status in $status.
wait_bg() {
	status=0
	wait "${BG[$1]}" || status=$?
	unset "BG[$1]"
}

# wait_until WHAT CMD...: poll CMD until it succeeds, at most WAIT_TIMEOUT s.
wait_until() {
	local what=$1 deadline=$((SECONDS + WAIT_TIMEOUT))
	shift
	until "$@" >/dev/null; do  # a pid printed by the check is not news
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "gave up waiting for $what (${WAIT_TIMEOUT}s)" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_for NAME WHAT CMD...: wait_until, for a condition that only the
# background program NAME can bring about: if NAME has ended, there is no
# point in waiting; fail at once, with its status and its last words.
wait_for() {
	local name=$1 what=$2 deadline=$((SECONDS + WAIT_TIMEOUT)) code=0
	shift 2
	until "$@" >/dev/null; do  # a pid printed by the check is not news
		if ! kill -0 "${BG[$name]}" 2>/dev/null; then
			wait "${BG[$name]}" || code=$?
			unset "BG[$name]"
			echo "waiting for $what: $name had already ended (status $code); its stderr:" >&2
			head -n 5 "$BATS_TEST_TMPDIR/$name.err" | sed 's/^/  /' >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "gave up waiting for $what (${WAIT_TIMEOUT}s); $name is still running" >&2
			return 1
		fi
		sleep 0.02
	done
}

# A process is blocked in a system call: sleeping, and (where the kernel
# tells) in the function named, e.g. do_msgrcv.
is_blocked_in() {
	local pid=$1 function=$2 state wchan
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" = S ] || return 1
	wchan=$(cat "/proc/$pid/wchan" 2>/dev/null) || return 0
	[ "$wchan" = 0 ] || [ "$wchan" = "$function" ]
}

is_stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }

# ---- System V state, read from /proc/sysvipc inside the namespace ----

# sysvipc msg|shm: the table without its header line.
sysvipc() { in_ns cat "/proc/sysvipc/$1" | tail -n +2; }

# queue_field KEY COLUMN: a column of /proc/sysvipc/msg for the queue with
# that key (key, msqid, perms, cbytes, qnum, lspid, lrpid, ...).
queue_field() {
	local column
	case $2 in
	key) column=1 ;; msqid) column=2 ;; perms) column=3 ;;
	cbytes) column=4 ;; qnum) column=5 ;; lspid) column=6 ;; lrpid) column=7 ;;
	*) return 2 ;;
	esac
	sysvipc msg | awk -v key="$(($1))" -v c="$column" '$1 == key { print $c; found = 1 } END { exit !found }'
}

# queue_field_is KEY COLUMN VALUE: for wait_until.
queue_field_is() { [ "$(queue_field "$1" "$2")" = "$3" ]; }

queue_exists() { queue_field "$1" key >/dev/null; }
queue_gone() { ! queue_exists "$1"; }

# The objects this test can be blamed for: all of them in its namespace,
# else those under its own key.
own_objects() {
	local kind
	for kind in msg shm; do
		if have_namespace; then
			sysvipc "$kind" | awk -v k="$kind" '{ print k, $1, $2 }'
		else
			sysvipc "$kind" | awk -v k="$kind" -v a="$KEY" '$1 == a { print k, $1, $2 }'
		fi
	done
}

lab_teardown() {
	local name pid problems=() left
	# A program still running is a failure: kill it, then say so.
	for name in "${!BG[@]}"; do
		pid=${BG[$name]}
		if kill -0 "$pid" 2>/dev/null; then
			problems+=("$name (pid $pid) was still running")
			# timeout leads its own process group: kill all of it.
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
	left=$(own_objects)
	if [ -n "$left" ]; then
		problems+=("IPC objects left behind (kind key id): $(echo "$left" | paste -sd ';')")
		# Not in a namespace: remove them, so one leak fails one test only.
		have_namespace || echo "$left" | while read -r kind _ id; do
			if [ "$kind" = msg ]; then in_ns ipcrm -q "$id"; else in_ns ipcrm -m "$id"; fi
		done
	fi
	if [ -n "$NS_PID" ]; then
		kill "$NS_PID" 2>/dev/null
		wait "$NS_PID" 2>/dev/null
	fi
	if [ "${#problems[@]}" -gt 0 ]; then
		printf 'teardown: %s\n' "${problems[@]}" >&2
		return 1
	fi
}

# repeat CHAR N: a string of N copies of CHAR.  Builtins only, no fork:
# tests call it in loops while a program's time limit runs, and 100 calls
# of the earlier `printf | tr` took 8 of chat's 10 s on a loaded machine.
# Doubling, because bash's ${var//} takes seconds on 100 000 characters.
repeat() {
	local text=$1
	while ((${#text} < $2)); do text+=$text; done
	printf '%s' "${text:0:$2}"
}

# build_shim NAME [DIR]: tests/shims/NAME.c built into DIR/NAME.so (default
# $BATS_FILE_TMPDIR: call it from setup_file), a library a test preloads
# (LD_PRELOAD=$SHIM) to stop or steer a lab program at a given moment; its
# path in $SHIM, exported.  make check builds the shims with -Werror.
build_shim() {
	SHIM=${2:-$BATS_FILE_TMPDIR}/$1.so
	export SHIM
	cc -shared -fPIC -o "$SHIM" "$TOP/tests/shims/$1.c" -ldl
}

# ---- assertions ----

# assert_help PROG START: PROG -h prints its usage on stdout, the first line
# beginning with START, and exits 0 with nothing on stderr.
assert_help() {
	run --separate-stderr lab "$1" -h
	assert_success
	[[ ${lines[0]:-} == "$2"* ]] || fail "$1 -h: the first line does not begin with '$2': $output"
	assert_equal "$stderr" ""
}

# assert_bad_usage PROG ARGS...: exit 2, nothing on stdout, usage on stderr.
assert_bad_usage() {
	run --separate-stderr lab "$@" </dev/null
	assert_failure 2
	assert_output ""
	[[ $stderr == *"usage: $1 "* ]] || fail "$*: no usage on stderr: $stderr"
}


# assert_output_lines LINE...: $output holds exactly these lines.
assert_output_lines() { assert_output "$(printf '%s\n' "$@")"; }

# assert_file_lines FILE LINE...: FILE holds exactly these lines.
assert_file_lines() {
	local file=$1
	shift
	run cat "$file"
	local expected
	expected=$(printf '%s\n' "$@")
	assert_output "$expected"
}

# assert_file_text FILE TEXT: FILE holds exactly TEXT, byte for byte (a
# NUL included, which bash's $output would drop); shows both with od -c.
assert_file_text() {
	cmp -s "$1" <(printf '%s' "$2") && return 0
	{
		echo "-- expected (od -c):"
		printf '%s' "$2" | od -c | head -n 8
		echo "-- $(basename "$1") (od -c):"
		od -c "$1" | head -n 8
	} | fail
}

# ---- shared memory (shm labs) ----

# segment_field KEY COLUMN: a column of /proc/sysvipc/shm for the segment with
# that key (key, shmid, perms, size, cpid, lpid, nattch, uid).  perms is octal and
# gains 1000 (SHM_DEST) when the segment is marked for removal, whose key
# then reads 0: find such a segment by id, with segment_id_field.
segment_field() { shm_table_field 1 "$(($1))" "$2"; }

# segment_id_field SHMID COLUMN: the same, for the segment with that id.
segment_id_field() { shm_table_field 2 "$1" "$2"; }

shm_table_field() {
	local column
	case $3 in
	key) column=1 ;; shmid) column=2 ;; perms) column=3 ;; size) column=4 ;;
	cpid) column=5 ;; lpid) column=6 ;; nattch) column=7 ;; uid) column=8 ;;
	*) return 2 ;;
	esac
	sysvipc shm | awk -v by="$1" -v v="$2" -v c="$column" \
		'$by == v { print $c; found = 1 } END { exit !found }'
}

segment_exists() { segment_field "$1" key >/dev/null; }
segment_gone() { ! segment_exists "$1"; }

# cpu_ticks PID: the CPU time PID has used (user + system), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# assert_idle PID: over one second (a measurement window, not a way to order
# processes), PID uses less than 5% of a core.  A busy loop would use 100%.
assert_idle() {
	local hz before after
	hz=$(getconf CLK_TCK)
	before=$(cpu_ticks "$1")
	sleep 1
	after=$(cpu_ticks "$1")
	[ $(((after - before) * 100)) -lt $((5 * hz)) ] ||
		fail "pid $1 used $((after - before)) of $hz clock ticks in one second while waiting"
}

# sleeping_in PID FUNCTION...: PID sleeps, at this instant, in one of these
# kernel functions.  Only /proc/PID/wchan is read: is_blocked_in reads the
# state, then wchan, and a process that wakes in between (the shm programs
# wake every 200 ms to look for a removed segment) shows wchan 0, which
# is_blocked_in accepts.  Where the kernel shows 0 for every process, the
# state check is all there is.
sleeping_in() {
	local pid=$1 wchan function
	if ! wchan=$(cat "/proc/$pid/wchan" 2>/dev/null); then
		# Gone, or not ours to read (another user's process, and root
		# without CAP_SYS_PTRACE, as in a container): the state alone.
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = S ]
		return
	fi
	for function in "${@:2}"; do
		[ "$wchan" = "$function" ] && return 0
	done
	[ "$wchan" = 0 ] && ! wchan_shown && is_blocked_in "$pid" "$2"
}

# wchan_shown: this kernel names the function a process sleeps in (this
# shell sleeps in wait while cat runs, so it must show a name).
wchan_shown() {
	local shell=$BASHPID
	[ "$(cat "/proc/$shell/wchan")" != 0 ]
}

# Sleeping in a futex (sem_wait), in read or write on a pipe, in nanosleep:
# the names differ between kernel versions.
blocked_in_futex() { sleeping_in "$1" futex_do_wait futex_wait_queue futex_wait_queue_me; }
blocked_in_pipe_read() { sleeping_in "$1" anon_pipe_read pipe_read; }
blocked_in_pipe_write() { sleeping_in "$1" anon_pipe_write pipe_write; }
blocked_in_nanosleep() { sleeping_in "$1" hrtimer_nanosleep do_nanosleep; }

# process_gone PID: PID has ended (a zombie counts as ended).
process_gone() {
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ] || ! kill -0 "$1" 2>/dev/null
}

# ---- mmap labs: tools some tests need (taskset, strace) ----
# Each runs the program as `lab` does: under timeout, as $IPC_LAB_RUN_AS
# when it is set (RUN_AS).

require_taskset() {
	if ! command -v taskset >/dev/null || ! taskset -c 0 true 2>/dev/null; then
		skip "needs taskset and CPU 0"
	fi
}

require_strace() {
	if ! command -v strace >/dev/null || ! strace -qq -o /dev/null true 2>/dev/null; then
		skip "needs strace, allowed to trace here"
	fi
}

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

# traced SYSCALLS PROG ARGS...: run PROG under strace -f; the trace, one line
# per call with the caller's pid first, in $BATS_TEST_TMPDIR/trace.
traced() {
	# LeakSanitizer cannot work under ptrace (make sanitize): no leak check here.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" strace -f -qq -e "trace=$1" -o "$BATS_TEST_TMPDIR/trace" \
		"${RUN_AS[@]}" "$LAB_DIR/$2" "${@:3}"
}

# progress TEXT: a "# TEXT" line in the TAP stream at once (bats passes fd 3
# through), for a test that waits long: what it waits for, while it waits.
progress() { echo "# $*" >&3; }
