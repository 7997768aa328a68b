#!/usr/bin/env bats
# labs/mmap-file: mmap-fork, mmap-write, mmap-read, mmap-pitfalls (article 002,
# sections 5.1.4 and 5.1.5).  Every statement of the lab's contract, run for
# real; every file lives in the test's own $BATS_TEST_TMPDIR.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup() {
	lab_setup mmap-file
	# The programs' working folder: mmap-fork's default file is ./test.txt.
	WORK=$BATS_TEST_TMPDIR/work
	student_dir "$WORK"
	cd "$WORK" || return 1
}
teardown() { lab_teardown; }

CHILD_TEXT='nihao a, son!!!'

# assert_file_bytes FILE PRINTF-FORMAT: FILE holds exactly these bytes.
assert_file_bytes() {
	local expected=$BATS_TEST_TMPDIR/expected
	# shellcheck disable=SC2059 # the format is the point
	printf "$2" >"$expected"
	cmp "$1" "$expected" ||
		fail "$1 holds $(od -An -c "$1" | head -n 4), expected $(od -An -c "$expected" | head -n 4)"
}

file_size() { stat -c %s "$1"; }

# assert_error_line PROG NAME [ENAME]: stderr is one line in the suite's
# format, "PROG: WHAT: strerror text (ENAME)", and WHAT names NAME (the file
# at fault).  With ENAME, the errno must be that one; without, any errno
# (where the kernel does not decide it, the program may choose).
assert_error_line() {
	local prog=$1 name=$2 errno_name=${3:-E[A-Z0-9]+}
	[[ $stderr != *$'\n'* ]] || fail "more than one line on stderr: $stderr"
	[[ $stderr =~ ^$prog:\ (.+):\ [^:]+\ \(($errno_name)\)$ ]] ||
		fail "expected '$prog: WHAT: strerror text (${3:-ENAME})', got: $stderr"
	[[ ${BASH_REMATCH[1]} == *"$name"* ]] || fail "the error does not name $name: $stderr"
}

# assert_failed_on PROG NAME [ENAME]: the last run exited 1, printed nothing
# on stdout, and its one error line names NAME (assert_error_line).
assert_failed_on() {
	assert_failure 1
	assert_output ""
	assert_error_line "$@"
}

# to_full_disk PROG ARGS...: lab, with stdout on /dev/full (every write: ENOSPC).
to_full_disk() { lab "$@" >/dev/full; }

# pinned_to_one_cpu CMD...: CMD, and every process it starts, on CPU 0 only
# (taskset pins this subshell; children inherit it), so that parent and
# child take turns in whatever order the scheduler chooses.
pinned_to_one_cpu() {
	(
		taskset -p -c 0 "$BASHPID" >/dev/null || exit 99
		"$@"
	)
}

# ---- tools some tests need: strace, a private mount namespace ----
# Each runs the program as `lab` does: under timeout, as $IPC_LAB_RUN_AS
# when it is set (RUN_AS), in the test's IPC namespace where it matters.

# traced_fd PATH FLAGS-REGEX: the descriptor the traced program got from
# openat(PATH, FLAGS...), or fail.
traced_fd() {
	local fd
	fd=$(sed -n -E "s/.* openat\(AT_FDCWD, \"$1\", $2\) *= ([0-9]+)\$/\1/p" "$BATS_TEST_TMPDIR/trace" | tail -n 1)
	[ -n "$fd" ] || fail "no openat of $1 with flags $2: $(grep -F "\"$1\"" "$BATS_TEST_TMPDIR/trace")"
	echo "$fd"
}

# Mounts made inside `unshare -m` vanish with it: root only.
require_mount_namespace() {
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		skip "needs root and a private mount namespace (unshare -m)"
	fi
}

# read_only DIR PROG ARGS...: PROG runs with DIR mounted read-only (a bind
# mount in a private mount namespace; nobody else sees it).
read_only() {
	local dir=$1
	shift
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner shell
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" unshare -m bash -c \
		'mount --bind -o ro "$1" "$1" && shift && exec "$@"' _ "$dir" "${RUN_AS[@]}" "$LAB_DIR/$1" "${@:2}"
}

# on_full_tmpfs DIR PROG ARGS...: PROG runs with a 64 KiB tmpfs on DIR,
# filled to the last block, holding `keep` (1 byte, "x", its block allocated)
# and `sparse` (1 byte long, but a hole: no block yet).  The files there
# when PROG ends are listed after its output, as "left: NAME SIZE".
on_full_tmpfs() {
	local dir=$1
	shift
	# shellcheck disable=SC2016 # $1... belong to the inner shell
	timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" unshare -m bash -c '
		dir=$1
		shift
		mount -t tmpfs -o size=64k,mode=1777 tmpfs "$dir" || exit 99
		printf x >"$dir/keep"
		truncate -s 1 "$dir/sparse"
		chmod 666 "$dir/keep" "$dir/sparse"
		dd if=/dev/zero of="$dir/fill" bs=4096 2>/dev/null
		"$@"
		code=$?
		for file in "$dir"/*; do echo "left: ${file##*/} $(stat -c %s "$file")"; done
		exit "$code"' _ "$dir" "${RUN_AS[@]}" "$LAB_DIR/$1" "${@:2}"
}

FULL_FILL="left: fill $((60 * 1024))"

# ------------------------------------------------------------ mmap-fork

# bats test_tags=points:1
@test "mmap-fork: the child's text reaches the parent and test.txt" {
	printf 'a line of text that is long enough\n' >test.txt
	run --separate-stderr lab mmap-fork
	assert_success
	assert_output "read data : $CHILD_TEXT"
	assert_equal "$stderr" ""
	# The text and its NUL over the first 16 bytes; the rest, and the size,
	# as they were.
	assert_file_bytes test.txt "$CHILD_TEXT\\0hat is long enough\\n"
}

# bats test_tags=points:1
@test "mmap-fork FILE: any file; the parent prints up to the NUL, not the rest" {
	printf '%s' "$(repeat z 200)" >other
	run --separate-stderr lab mmap-fork other
	assert_success
	assert_output "read data : $CHILD_TEXT"
	assert_equal "$(file_size other)" 200
	assert_file_bytes other "$CHILD_TEXT\\0$(repeat z 184)"
	[ ! -e test.txt ] || fail "mmap-fork other created test.txt"
}

# bats test_tags=points:1
@test "mmap-fork: the parent reads after the child has written, 50 runs on one CPU" {
	require_taskset
	run --separate-stderr pinned_to_one_cpu fork_runs 50
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort | uniq -c | awk '{ $1 = $1; print }')" \
		"50 read data : $CHILD_TEXT"
}

# fork_runs N: mmap-fork N times, each on a fresh test.txt; stops at a failure.
fork_runs() {
	local run
	for run in $(seq "$1"); do
		printf '%s\n' "$(repeat . 40)" >test.txt
		lab mmap-fork || { echo "run $run: exit $?"; return 1; }
	done
}

# bats test_tags=points:1
@test "mmap-fork: one MAP_SHARED mapping; the child writes, the parent prints" {
	require_strace
	printf 'a line of text that is long enough\n' >test.txt
	run --separate-stderr traced openat,mmap,clone,clone3,fork,write mmap-fork
	assert_success
	local trace=$BATS_TEST_TMPDIR/trace parent child fd
	parent=$(head -n 1 "$trace" | awk '{ print $1 }')
	child=$(sed -n 's/.*clone.*= \([0-9][0-9]*\)$/\1/p' "$trace")
	[ -n "$child" ] || fail "no fork in the trace: $(cat "$trace")"
	fd=$(traced_fd test.txt 'O_RDWR[|A-Z_]*') || return 1
	grep -Eq "^$parent +mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE, MAP_SHARED, $fd, 0\) *= 0x" "$trace" ||
		fail "no MAP_SHARED read-write mapping of test.txt: $(grep 'mmap(NULL' "$trace")"
	grep -q "^$parent  *write(1, \"read data : $CHILD_TEXT\\\\n\", 28) *= 28$" "$trace" ||
		fail "the parent did not print the line: $(grep 'write(1' "$trace")"
	! grep -q "^$child  *write(1," "$trace" || fail "the child printed"
}

# bats test_tags=points:1
@test "mmap-fork: a missing file is ENOENT, and is not created" {
	run --separate-stderr lab mmap-fork
	assert_failed_on mmap-fork test.txt ENOENT
	[ ! -e test.txt ] || fail "test.txt was created"
}

# bats test_tags=points:1
@test "mmap-fork: an empty file is a clear error (there is nothing to map), and stays empty" {
	: >test.txt
	run --separate-stderr lab mmap-fork
	assert_failed_on mmap-fork test.txt
	assert_equal "$(file_size test.txt)" 0
}

# bats test_tags=points:1
@test "mmap-fork: a file shorter than the text is grown to hold it and its NUL" {
	printf 'hi' >test.txt
	run --separate-stderr lab mmap-fork
	assert_success
	assert_output "read data : $CHILD_TEXT"
	assert_file_bytes test.txt "$CHILD_TEXT\\0"
}

# bats test_tags=points:1
@test "mmap-fork: a directory or a FIFO is refused at once" {
	mkdir dir
	mkfifo fifo
	run --separate-stderr lab mmap-fork dir
	assert_failed_on mmap-fork dir
	run --separate-stderr lab mmap-fork fifo
	assert_failed_on mmap-fork fifo
}

# bats test_tags=points:1
@test "mmap-fork: a file on a read-only mount is EROFS, and unchanged" {
	require_mount_namespace
	mkdir ro
	printf 'a line of text that is long enough\n' >ro/test.txt
	run --separate-stderr read_only ro mmap-fork ro/test.txt
	assert_failed_on mmap-fork ro/test.txt EROFS
	assert_file_bytes ro/test.txt 'a line of text that is long enough\n'
}

# bats test_tags=points:1
@test "mmap-fork: a full disk is ENOSPC when the file needs a block, not SIGBUS in the child" {
	require_mount_namespace
	mkdir small
	run --separate-stderr on_full_tmpfs small mmap-fork small/sparse
	assert_failure 1
	assert_output "$FULL_FILL
left: keep 1
left: sparse 1"
	assert_error_line mmap-fork small/sparse ENOSPC
	# A block already there is enough: growing to 16 bytes needs no new one.
	run --separate-stderr on_full_tmpfs small mmap-fork small/keep
	assert_success
	assert_output "read data : $CHILD_TEXT
$FULL_FILL
left: keep 16
left: sparse 1"
}

# bats test_tags=points:1
@test "mmap-fork: output that cannot be written is exit 1 with an error line" {
	printf 'a line of text that is long enough\n' >test.txt
	run --separate-stderr to_full_disk mmap-fork
	assert_failure 1
	assert_equal "$stderr" "mmap-fork: write standard output: No space left on device (ENOSPC)"
}

# ----------------------------------------------------- mmap-write, mmap-read

# bats test_tags=points:1
@test "mmap-write creates FILE (mode 0600) holding TEXT and its NUL; mmap-read prints it" {
	umask 022
	run --separate-stderr lab mmap-write shared.txt 'hello through a file'
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %a shared.txt)" 600
	assert_file_bytes shared.txt 'hello through a file\0'
	run --separate-stderr lab mmap-read shared.txt
	assert_success
	assert_output "hello through a file"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "mmap-write -m MODE: the mode of a new file, less the umask; an old file keeps its own" {
	umask 0
	lab mmap-write -m 0640 a.txt one
	assert_equal "$(stat -c %a a.txt)" 640
	umask 027
	lab mmap-write -m 0666 b.txt two
	assert_equal "$(stat -c %a b.txt)" 640
	lab mmap-write -m 0604 a.txt three
	assert_equal "$(stat -c %a a.txt)" 640
}

# bats test_tags=points:1
@test "mmap-write: a longer file keeps its size and tail; mmap-read stops at the NUL" {
	printf 'an older and much longer text\n' >shared.txt
	lab mmap-write shared.txt 'new'
	assert_file_bytes shared.txt 'new\0lder and much longer text\n'
	run --separate-stderr lab mmap-read shared.txt
	assert_success
	assert_output "new"
}

# bats test_tags=points:1
@test "mmap-write: a shorter file is grown just enough for TEXT and its NUL" {
	printf 'ab' >shared.txt
	lab mmap-write shared.txt 'longer text'
	assert_file_bytes shared.txt 'longer text\0'
	lab mmap-write shared.txt ''
	assert_file_bytes shared.txt '\0onger text\0'
	run --separate-stderr lab mmap-read shared.txt
	assert_success
	assert_output ""
	assert_equal "${#lines[@]}" 0
}

# bats test_tags=points:1
@test "mmap-read: the text's bytes as they are, and a file without NUL up to its end" {
	lab mmap-write shared.txt $'tab\there %s %d\nsecond line'
	run --separate-stderr lab mmap-read shared.txt
	assert_success
	assert_output $'tab\there %s %d\nsecond line'
	printf 'no NUL here, and no newline' >plain.txt
	run --separate-stderr lab mmap-read plain.txt
	assert_success
	assert_output "no NUL here, and no newline"
}

# bats test_tags=points:1
@test "mmap-write and mmap-read are two unrelated processes: the file is all they share" {
	lab mmap-write shared.txt 'first'
	lab mmap-write shared.txt 'second'
	run --separate-stderr lab mmap-read shared.txt
	assert_output "second"
	run --separate-stderr lab mmap-read "$WORK/shared.txt"
	assert_output "second"
}

# bats test_tags=points:1
@test "mmap-write msyncs the bytes it wrote; mmap-read maps read-only (strace)" {
	require_strace
	local fd trace=$BATS_TEST_TMPDIR/trace
	run --separate-stderr traced openat,mmap,msync mmap-write shared.txt hello
	assert_success
	fd=$(traced_fd shared.txt 'O_RDWR\|O_CREAT[|A-Z_]*, 0?600') || return 1
	grep -Eq "mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE, MAP_SHARED, $fd, 0\) *= 0x" "$trace" ||
		fail "no shared read-write mapping: $(grep 'mmap(NULL' "$trace")"
	grep -Eq 'msync\(0x[0-9a-f]+, [0-9]+, MS_SYNC\) *= 0$' "$trace" ||
		fail "no msync(MS_SYNC): $(grep msync "$trace")"
	run --separate-stderr traced openat,mmap mmap-read shared.txt
	assert_success
	assert_output hello
	fd=$(traced_fd shared.txt 'O_RDONLY[|A-Z_]*') || return 1
	grep -Eq "mmap\(NULL, [0-9]+, PROT_READ, MAP_SHARED, $fd, 0\) *= 0x" "$trace" ||
		fail "no read-only shared mapping: $(grep 'mmap(NULL' "$trace")"
}

# bats test_tags=points:1
@test "mmap-read and mmap-write at the same time: a reader never sees half a text" {
	local a b run out torn=0
	a=$(repeat a 100000)
	b=$(repeat b 100000)
	lab mmap-write shared.txt "$a"
	(
		for run in $(seq 40); do
			lab mmap-write shared.txt "$b" && lab mmap-write shared.txt "$a" || exit 1
		done
	) 3>&- &
	local writer=$!
	for run in $(seq 80); do
		out=$(lab mmap-read shared.txt)
		[[ $out == "$a" || $out == "$b" ]] || torn=$((torn + 1))
	done
	wait "$writer" || fail "a writer failed"
	assert_equal "$torn" 0
}

# bats test_tags=points:1
@test "mmap-write: a read-only place is EROFS, for a new file and an old one; mmap-read still works" {
	require_mount_namespace
	mkdir ro
	printf 'old text\n' >ro/old.txt
	run --separate-stderr read_only ro mmap-write ro/new.txt text
	assert_failure 1
	assert_error_line mmap-write ro/new.txt EROFS
	[ ! -e ro/new.txt ] || fail "ro/new.txt was created"
	run --separate-stderr read_only ro mmap-write ro/old.txt text
	assert_failure 1
	assert_error_line mmap-write ro/old.txt EROFS
	assert_file_bytes ro/old.txt 'old text\n'
	run --separate-stderr read_only ro mmap-read ro/old.txt
	assert_success
	assert_output "old text"
}

# bats test_tags=points:1
@test "mmap-write: a full disk is ENOSPC, not SIGBUS; the text goes where a block is free" {
	require_mount_namespace
	mkdir small
	run --separate-stderr on_full_tmpfs small mmap-write small/new.txt 'some text'
	assert_failure 1
	assert_error_line mmap-write small/new.txt ENOSPC
	# The new file was created before the disk said no: it stays, empty.
	assert_output "$FULL_FILL
left: keep 1
left: new.txt 0
left: sparse 1"
	run --separate-stderr on_full_tmpfs small mmap-write small/sparse 'some text'
	assert_failure 1
	assert_error_line mmap-write small/sparse ENOSPC
	assert_line "left: sparse 1"
	# keep's first block exists: 10 bytes fit in it without a new one.
	run --separate-stderr on_full_tmpfs small mmap-write small/keep 'some text'
	assert_success
	assert_equal "$stderr" ""
	assert_line "left: keep 10"
}

# bats test_tags=points:1
@test "mmap-write: a directory is EISDIR, a FIFO is an error, at once" {
	mkdir dir
	mkfifo fifo
	run --separate-stderr lab mmap-write dir text
	assert_failure 1
	assert_error_line mmap-write dir EISDIR
	run --separate-stderr lab mmap-write fifo text
	assert_failure 1
	assert_error_line mmap-write fifo
}

# bats test_tags=points:1
@test "mmap-read: missing, empty, a directory, a FIFO: one error line each, exit 1" {
	mkdir dir
	mkfifo fifo
	: >empty
	run --separate-stderr lab mmap-read missing
	assert_failure 1
	assert_error_line mmap-read missing ENOENT
	run --separate-stderr lab mmap-read empty
	assert_failed_on mmap-read empty
	run --separate-stderr lab mmap-read dir
	assert_failed_on mmap-read dir
	# A FIFO with no writer would block a plain open(O_RDONLY) for ever.
	run --separate-stderr lab mmap-read fifo
	assert_failed_on mmap-read fifo
}

# truncated_under FILE PROG ARGS...: PROG in the background with its test
# hook, which stops it (SIGSTOP) once FILE is mapped; then FILE is cut to 0
# bytes, and PROG goes on: its next touch of the mapping is a SIGBUS.  Its
# status in $status, its stdout and stderr in run.out and run.err.
truncated_under() {
	local file=$1 pid
	shift
	MMAP_FILE_TEST_STOP=1 lab_bg_started run "$@"
	pid=$PROGRAM_PID
	wait_for run "$1 to stop with the file mapped" is_stopped "$pid"
	truncate -s 0 "$file"
	kill -CONT "$pid"
	wait_bg run
}

# bats test_tags=points:1
@test "mmap-read: a file truncated under its mapping: one line, exit 1, not a silent SIGBUS" {
	lab mmap-write shared.txt 'hello through a file'
	truncated_under shared.txt mmap-read shared.txt
	assert_equal "$status" 1
	assert_file_lines "$BATS_TEST_TMPDIR/run.err" \
		"mmap-read: read shared.txt: SIGBUS, the file shrank while mapped: No data available (ENODATA)"
	assert_file_lines "$BATS_TEST_TMPDIR/run.out"
}

# bats test_tags=points:1
@test "mmap-write: a file truncated under its mapping: one line, exit 1, not a silent SIGBUS" {
	truncated_under shared.txt mmap-write shared.txt 'hello through a file'
	assert_equal "$status" 1
	assert_file_lines "$BATS_TEST_TMPDIR/run.err" \
		"mmap-write: write shared.txt: SIGBUS, the file shrank while mapped: No data available (ENODATA)"
	assert_file_lines "$BATS_TEST_TMPDIR/run.out"
}

# bats test_tags=points:1
@test "mmap-read: output that cannot be written is exit 1 with an error line" {
	lab mmap-write shared.txt hello
	run --separate-stderr to_full_disk mmap-read shared.txt
	assert_failure 1
	assert_equal "$stderr" "mmap-read: write standard output: No space left on device (ENOSPC)"
}

# ------------------------------------------------------------ mmap-pitfalls

# What this kernel answers (Linux, x86-64 and arm64 alike), with the
# machine's page size where the question names one.
pitfall_lines() {
	local page
	page=$(getconf PAGESIZE)
	cat <<EOF
munmap(ptr + 1, len): EINVAL
mmap PROT_READ|PROT_WRITE, MAP_SHARED, O_RDONLY fd: EACCES
mmap PROT_READ|PROT_WRITE, MAP_PRIVATE, O_RDONLY fd: ok
mmap offset 1000: EINVAL
mmap offset $page (the page size): ok
mmap length 0: EINVAL
mmap PROT_WRITE alone, MAP_SHARED, O_RDWR fd: ok
mapping with PROT_WRITE alone, read and written: ok
mmap PROT_READ|PROT_WRITE, MAP_SHARED, O_WRONLY fd: EACCES
mmap PROT_WRITE alone, MAP_SHARED, O_WRONLY fd: EACCES
mmap one page of a new 0-byte file: ok
one page of a new 0-byte file, read and written: SIGBUS
one page of a new file grown by ftruncate, read and written: ok
a 100-byte file, byte $((page - 1)) read and written: ok
a 100-byte file, byte $page read and written: SIGBUS
close(fd) after mmap, then the mapping read and written: ok
EOF
}

# bats test_tags=points:1
@test "mmap-pitfalls: one well-formed line per question, each answered as this kernel does" {
	mkdir scratch
	TMPDIR=$WORK/scratch run --separate-stderr lab mmap-pitfalls
	assert_success
	assert_equal "$stderr" ""
	local line
	for line in "${lines[@]}"; do
		[[ $line =~ ^[^:]+[^\ ]:\ (ok|E[A-Z0-9]+|SIG[A-Z0-9]+)$ ]] || fail "malformed line: '$line'"
	done
	assert_output "$(pitfall_lines)"
	# The scratch files were removed.
	run ls -A scratch
	assert_output ""
}

# bats test_tags=points:1
@test "mmap-pitfalls: the answers are observed, not written in: a different mmap answers differently" {
	command -v cc >/dev/null || skip "needs a C compiler for the LD_PRELOAD shim"
	# An mmap that refuses PROT_WRITE alone with EPERM (tests/shims).
	build_shim mmap-write-eperm "$BATS_TEST_TMPDIR"
	run --separate-stderr timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${RUN_AS[@]}" \
		env TMPDIR="$WORK" LD_PRELOAD="$SHIM" "$LAB_DIR/mmap-pitfalls"
	assert_success
	# The three questions that map PROT_WRITE alone now say EPERM.
	assert_output "$(pitfall_lines | sed -e 's/^\(mmap PROT_WRITE alone, MAP_SHARED, O_RDWR fd\): ok$/\1: EPERM/' \
		-e 's/^\(mapping with PROT_WRITE alone, read and written\): ok$/\1: EPERM/' \
		-e 's/^\(mmap PROT_WRITE alone, MAP_SHARED, O_WRONLY fd\): EACCES$/\1: EPERM/')"
}

# scratch_files_in DIR: from the trace, the names of the files made in DIR
# (openat with O_CREAT), one a line; fails if nothing at all was opened there
# (a file made with O_TMPFILE on DIR itself has no name to remove).
scratch_files_in() {
	local trace=$BATS_TEST_TMPDIR/trace
	grep -Eq "openat\(AT_FDCWD, \"$1(/[^\"]*)?\", " "$trace" ||
		fail "no file made in $1: $(grep openat "$trace" | tail -n 3)"
	sed -n -E "s|.* openat\(AT_FDCWD, \"($1/[^\"]+)\", [A-Z_|]*O_CREAT[A-Z_|]*.*\) *= [0-9]+\$|\1|p" "$trace" | sort -u
}

# unlinked_in DIR: from the trace, the names removed in DIR, one a line.
unlinked_in() {
	sed -n -E "s|.* unlink(at\(AT_FDCWD, )?\(?\"($1/[^\"]+)\".*\) *= 0\$|\2|p" "$BATS_TEST_TMPDIR/trace" | sort -u
}

# bats test_tags=points:1
@test "mmap-pitfalls: its scratch files are made in TMPDIR (default /tmp) and removed" {
	require_strace
	mkdir scratch
	TMPDIR=$WORK/scratch run --separate-stderr traced openat,unlink,unlinkat mmap-pitfalls
	assert_success
	local made
	made=$(scratch_files_in "$WORK/scratch") || return 1
	assert_equal "$(unlinked_in "$WORK/scratch")" "$made"
	run ls -A scratch
	assert_output ""
	# Without TMPDIR, in /tmp; an empty TMPDIR counts as none.
	TMPDIR='' run --separate-stderr traced openat,unlink,unlinkat mmap-pitfalls
	assert_success
	made=$(scratch_files_in /tmp) || return 1
	assert_equal "$(unlinked_in /tmp)" "$made"
}

# bats test_tags=points:1
@test "mmap-pitfalls: a SIGBUS in its child leaves no core file behind" {
	ulimit -c unlimited 2>/dev/null || skip "cannot raise the core size limit"
	TMPDIR=$WORK run --separate-stderr lab mmap-pitfalls
	assert_success
	assert_line "one page of a new 0-byte file, read and written: SIGBUS"
	run ls -A
	assert_output ""
}

# bats test_tags=points:1
@test "mmap-pitfalls: a TMPDIR that does not exist is a clear error, exit 1" {
	TMPDIR=$WORK/missing run --separate-stderr lab mmap-pitfalls
	assert_failed_on mmap-pitfalls "$WORK/missing" ENOENT
}

# ---------------------------------------------------------------- usage

# bats test_tags=points:1
@test "-h prints usage on stdout and exits 0" {
	local prog
	for prog in mmap-fork mmap-write mmap-read mmap-pitfalls; do
		assert_help "$prog" "usage: $prog"
	done
}

# bats test_tags=points:1
@test "bad usage: usage on stderr, exit 2, and no file is touched" {
	printf 'untouched text here\n' >test.txt
	local args
	for args in "-z" "-k 1" "test.txt extra"; do
		# shellcheck disable=SC2086 # split the arguments on purpose
		assert_bad_usage mmap-fork $args
	done
	for args in "" "new.txt" "-z new.txt x" "-m 8 new.txt x" "-m x new.txt x" "-m 01000 new.txt x" "-m" "new.txt a b"; do
		# shellcheck disable=SC2086
		assert_bad_usage mmap-write $args
	done
	for args in "" "-z test.txt" "test.txt extra"; do
		# shellcheck disable=SC2086
		assert_bad_usage mmap-read $args
	done
	assert_bad_usage mmap-pitfalls extra
	assert_bad_usage mmap-pitfalls -z
	assert_file_bytes test.txt 'untouched text here\n'
	run ls -A
	assert_output "test.txt"
}
