#!/usr/bin/env bats
# labs/mmap-copy: mmap-copy (article 002, section 5.1.6).
# Every statement of the lab's contract (docs/mmap-copy.md, Programs), and
# each defect of the article's copy that the lab fixes, run for real.  Files
# live in $BATS_TEST_TMPDIR.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

MIB=$((1024 * 1024))

setup() {
	lab_setup mmap-copy
	# A folder of its own: bats keeps files of its own in $BATS_TEST_TMPDIR.
	# When grading, it belongs to the grader user (student_dir).
	T=$BATS_TEST_TMPDIR/files
	student_dir "$T"
	export MMAP_COPY_TEST_STOP= # only the tests that ask for the hook get it
}
teardown() { lab_teardown; }

# Programs run as `lab` runs them: under timeout, as $IPC_LAB_RUN_AS when
# it is set (RUN_AS), in the test's IPC namespace where it matters.

# owned_by_runner FILE...: with IPC_LAB_RUN_AS, the user the program runs as
# owns FILE, so that it may read it whatever its mode (0400, 0600...).
owned_by_runner() {
	[ -z "${IPC_LAB_RUN_AS:-}" ] || chown "$IPC_LAB_RUN_AS" "$@"
}

# random FILE BYTES: FILE holds BYTES random bytes.
random() { head -c "$2" /dev/urandom >"$1"; }

# temp_files DIR: the temporary files mmap-copy makes (.NAME.mmap-copy-XXXXXX).
temp_files() { find "$1" -maxdepth 1 -name '.*.mmap-copy-*' -printf '%f\n'; }

assert_no_temp_file() {
	local left
	left=$(temp_files "$1")
	[ -z "$left" ] || fail "a temporary file was left in $1: $left"
}

# assert_untouched FILE SAVED INODE: FILE still has SAVED's bytes and its inode.
assert_untouched() {
	cmp "$1" "$2" || fail "$1 was changed"
	assert_equal "$(stat -c %i "$1")" "$3"
}

# The one error line, exit 1, nothing on stdout.
assert_error_line() {
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "$1"
}

# start_stopped_copy [-s SIG] NAME ARGS...: mmap-copy in the background
# (lab_bg; -s SIG: with SIG ignored), with its test hook, which makes it stop
# itself (SIGSTOP) after its first window; waits until it has stopped, its
# pid in $COPY_PID.
start_stopped_copy() {
	local options=()
	if [ "$1" = -s ]; then
		options=(-s "$2")
		shift 2
	fi
	local name=$1
	shift
	MMAP_COPY_TEST_STOP=1
	lab_bg_started "${options[@]}" "$name" mmap-copy "$@"
	MMAP_COPY_TEST_STOP=
	COPY_PID=$PROGRAM_PID
	wait_for "$name" "mmap-copy to stop after its first window" is_stopped "$COPY_PID"
}

# ------------------------------------------------------------ the contract

# bats test_tags=points:1
@test "mmap-copy: -h prints the usage on stdout, exit 0" {
	run --separate-stderr lab mmap-copy -h
	assert_success
	assert_line -n 0 "usage: mmap-copy [-v] [-w MIB] SRC DST"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "mmap-copy: bad usage exits 2 with the usage on stderr, before any file is made" {
	echo data >"$T/src"
	cd "$T"
	assert_bad_usage mmap-copy
	assert_bad_usage mmap-copy src
	assert_bad_usage mmap-copy src dst extra
	assert_bad_usage mmap-copy -x src dst
	assert_bad_usage mmap-copy src dst -w
	local window
	for window in 0 1025 -1 +2 1x '' 64M 99999999999999999999; do
		assert_bad_usage mmap-copy -w "$window" src dst
		[[ $stderr == *"bad window '$window'"* ]] || fail "-w '$window': $stderr"
	done
	run ls -A "$T"
	assert_output "src"
}

# bats test_tags=points:1
@test "mmap-copy: copies SRC to DST, silent on success" {
	printf 'line one\nline two\n\0binary\377\n' >"$T/src"
	run --separate-stderr lab mmap-copy "$T/src" "$T/dst"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	cmp "$T/src" "$T/dst"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: -v prints 'copied N bytes'" {
	random "$T/src" 12345
	run --separate-stderr lab mmap-copy -v "$T/src" "$T/dst"
	assert_success
	assert_output "copied 12345 bytes"
	assert_equal "$stderr" ""
	cmp "$T/src" "$T/dst"
}

# bats test_tags=points:1
@test "mmap-copy: an empty source gives an empty DST (the article's mmap of length 0 fails)" {
	: >"$T/empty"
	echo 'old content' >"$T/dst"
	run --separate-stderr lab mmap-copy -v "$T/empty" "$T/dst"
	assert_success
	assert_output "copied 0 bytes"
	assert_equal "$(stat -c %s "$T/dst")" 0
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: sizes around page and window boundaries, with 1 MiB windows" {
	local size
	for size in 1 4095 4096 4097 $((MIB - 1)) $MIB $((MIB + 1)) $((3 * MIB + 5)); do
		random "$T/src" "$size"
		run --separate-stderr lab mmap-copy -v -w 1 "$T/src" "$T/dst"
		assert_success
		assert_output "copied $size bytes"
		cmp "$T/src" "$T/dst" || fail "size $size: the copy differs"
	done
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: an existing DST is replaced, longer or shorter" {
	random "$T/src" 5000
	random "$T/dst" 9000
	lab mmap-copy "$T/src" "$T/dst"
	cmp "$T/src" "$T/dst"
	random "$T/src" 100
	lab mmap-copy "$T/src" "$T/dst"
	cmp "$T/src" "$T/dst"
}

# bats test_tags=points:1
@test "mmap-copy: a 512 MiB copy is identical byte for byte, and RSS stays under two windows" {
	[ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null ||
		skip "needs GNU time (/usr/bin/time -f %M) to measure the maximum RSS"
	local LAB_TIMEOUT=$((LAB_TIMEOUT * 3)) # 512 MiB to disk, on a busy machine too
	random "$T/src" $((512 * MIB))
	run --separate-stderr timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "${RUN_AS[@]}" \
		/usr/bin/time -f %M "$LAB_DIR/mmap-copy" -v "$T/src" "$T/dst"
	assert_success
	assert_output "copied $((512 * MIB)) bytes"
	cmp "$T/src" "$T/dst"
	# GNU time prints KiB.  Two 64 MiB windows would be 131072 KiB; the
	# source's pages leave as they are copied, so one window and a bit.
	local rss_kib=${stderr##*$'\n'}
	((rss_kib < 2 * 64 * 1024)) || fail "maximum RSS $rss_kib KiB, not under two windows (131072 KiB)"
	rm -f "$T/src" "$T/dst"
}

# bats test_tags=points:1
@test "mmap-copy: a file bigger than the address space it may use, a window at a time" {
	# With 256 MiB of virtual memory (ulimit -v), mapping a 512 MiB file
	# whole, as the article does, fails with ENOMEM; two 64 MiB windows fit.
	[ -z "${ASAN_OPTIONS:-}" ] ||
		skip "an AddressSanitizer build reserves terabytes of address space: ulimit -v cannot apply"
	local LAB_TIMEOUT=$((LAB_TIMEOUT * 3)) # 512 MiB to disk, on a busy machine too
	random "$T/src" $((512 * MIB))
	# The limit comes last, after RUN_AS's own (when grading), which it lowers.
	run --separate-stderr timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "${RUN_AS[@]}" \
		prlimit --as=$((256 * MIB)) -- "$LAB_DIR/mmap-copy" -v "$T/src" "$T/dst"
	assert_success
	assert_output "copied $((512 * MIB)) bytes"
	cmp "$T/src" "$T/dst"
	rm -f "$T/src" "$T/dst"
}

# bats test_tags=points:1
@test "mmap-copy: SRC's permission bits are kept, whatever the umask; set-user-ID is not" {
	local mode
	echo data >"$T/src"
	for mode in 600 640 755 444 400 777 4755; do
		chmod "$mode" "$T/src"
		owned_by_runner "$T/src"
		rm -f "$T/dst"
		(umask 077 && lab mmap-copy "$T/src" "$T/dst") || fail "mode $mode: the copy failed"
		assert_equal "$(stat -c %a "$T/dst")" "$(printf '%o' $((8#$mode & 8#777)))"
		cmp "$T/src" "$T/dst"
	done
	# An existing DST gets SRC's mode too, not its own old one.
	chmod 640 "$T/src"
	chmod 666 "$T/dst"
	lab mmap-copy "$T/src" "$T/dst"
	assert_equal "$(stat -c %a "$T/dst")" 640
}

# ------------------------------------------------------------ the same file

# a_file_to_copy_onto_itself: $T/file, 10000 random bytes, saved in
# $T/saved; its inode in $INODE.
a_file_to_copy_onto_itself() {
	random "$T/file" 10000
	cp "$T/file" "$T/saved"
	INODE=$(stat -c %i "$T/file")
}

# assert_same_file_refused SRC DST: mmap-copy SRC DST, both names of
# a_file_to_copy_onto_itself's file, is refused in one line naming both.
assert_same_file_refused() {
	run --separate-stderr lab mmap-copy "$1" "$2"
	assert_error_line "mmap-copy: '$1' and '$2' are the same file (inode $INODE), nothing was copied: Invalid argument (EINVAL)"
}

# bats test_tags=points:1
@test "mmap-copy: a file onto itself by the same path is refused, the file untouched" {
	a_file_to_copy_onto_itself
	assert_same_file_refused "$T/file" "$T/file"
	assert_untouched "$T/file" "$T/saved" "$INODE"
	# Another spelling of the same path.
	cd "$T"
	run --separate-stderr lab mmap-copy file ./../"${T##*/}"/file
	assert_failure 1
	assert_untouched "$T/file" "$T/saved" "$INODE"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a file onto a hard link of itself is refused, both untouched" {
	a_file_to_copy_onto_itself
	ln "$T/file" "$T/link"
	assert_same_file_refused "$T/file" "$T/link"
	assert_untouched "$T/file" "$T/saved" "$INODE"
	assert_equal "$(stat -c %h "$T/file")" 2
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a symlink onto its target and a file onto a symlink to it are refused" {
	a_file_to_copy_onto_itself
	ln -s file "$T/symlink"
	assert_same_file_refused "$T/symlink" "$T/file"
	assert_same_file_refused "$T/file" "$T/symlink"
	assert_untouched "$T/file" "$T/saved" "$INODE"
	assert_equal "$(readlink "$T/symlink")" file
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a DST that is a symlink to another file is replaced; its target is not" {
	echo new >"$T/src"
	echo target >"$T/target"
	ln -s target "$T/dst"
	ln -s missing "$T/dangling"
	lab mmap-copy "$T/src" "$T/dst"
	lab mmap-copy "$T/src" "$T/dangling"
	[ -f "$T/dst" ] && [ ! -L "$T/dst" ] || fail "dst is still a symlink"
	[ -f "$T/dangling" ] && [ ! -L "$T/dangling" ] || fail "dangling is still a symlink"
	cmp "$T/src" "$T/dst"
	cmp "$T/src" "$T/dangling"
	assert_equal "$(cat "$T/target")" target
	[ ! -e "$T/missing" ] || fail "the dangling symlink's target was created"
}

# ------------------------------------------------------------ what cannot be copied

# bats test_tags=points:1
@test "mmap-copy: a FIFO as the source is a clear error, at once, with no DST" {
	mkfifo "$T/fifo"
	# No writer ever comes: opening the FIFO must not wait for one.
	run --separate-stderr lab mmap-copy "$T/fifo" "$T/dst"
	assert_error_line "mmap-copy: source '$T/fifo' is a FIFO, not a regular file: Invalid argument (EINVAL)"
	[ ! -e "$T/dst" ] || fail "DST was created"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a directory or a device as the source is a clear error, with no DST" {
	mkdir "$T/folder"
	run --separate-stderr lab mmap-copy "$T/folder" "$T/dst"
	assert_error_line "mmap-copy: source '$T/folder' is a directory, not a regular file: Is a directory (EISDIR)"
	# /dev/zero would even map, and copy nothing: it is refused too.
	run --separate-stderr lab mmap-copy /dev/zero "$T/dst"
	assert_error_line "mmap-copy: source '/dev/zero' is a character device, not a regular file: Invalid argument (EINVAL)"
	[ ! -e "$T/dst" ] || fail "DST was created"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a missing source is ENOENT" {
	run --separate-stderr lab mmap-copy "$T/missing" "$T/dst"
	assert_error_line "mmap-copy: open source '$T/missing': No such file or directory (ENOENT)"
	[ ! -e "$T/dst" ] || fail "DST was created"
}

# bats test_tags=points:1
@test "mmap-copy: a DST that is a directory is refused, nothing made in it" {
	echo data >"$T/src"
	mkdir "$T/folder"
	run --separate-stderr lab mmap-copy "$T/src" "$T/folder"
	assert_error_line "mmap-copy: destination '$T/folder' is a directory: name the copy, e.g. '$T/folder/src': Is a directory (EISDIR)"
	run ls -A "$T/folder"
	assert_output ""
}

# bats test_tags=points:1
@test "mmap-copy: a DST that is a FIFO is refused, one line, and stays a FIFO" {
	echo data >"$T/src"
	mkfifo "$T/fifo"
	run --separate-stderr lab mmap-copy "$T/src" "$T/fifo"
	assert_error_line "mmap-copy: destination '$T/fifo' is a FIFO, not a regular file: it is not replaced: Invalid argument (EINVAL)"
	[ -p "$T/fifo" ] || fail "the FIFO was replaced: $(stat -c %F "$T/fifo")"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a DST that is a device node is refused, one line, the node kept" {
	# A node of our own, in the test's folder, never the real /dev/null.
	mknod "$T/null" c 1 3 2>/dev/null || skip "needs mknod (root)"
	echo data >"$T/src"
	run --separate-stderr lab mmap-copy "$T/src" "$T/null"
	assert_error_line "mmap-copy: destination '$T/null' is a character device, not a regular file: it is not replaced: Invalid argument (EINVAL)"
	[ -c "$T/null" ] || fail "the device node was replaced: $(stat -c %F "$T/null")"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a DST in a folder that does not exist is ENOENT" {
	echo data >"$T/src"
	run --separate-stderr lab mmap-copy "$T/src" "$T/nowhere/dst"
	assert_error_line "mmap-copy: create a temporary file in '$T/nowhere' (for '$T/nowhere/dst'): No such file or directory (ENOENT)"
}

# bats test_tags=points:1
@test "mmap-copy: a DST in a read-only place is a clear error, nothing created" {
	echo data >"$T/src"
	mkdir "$T/readonly"
	# shellcheck disable=SC2016 # $1... belong to bash -c
	run --separate-stderr in_mount_ns '
		dir=$1
		shift
		mount -t tmpfs -o ro,size=1m tmpfs "$dir" || exit 99
		"$@"
		status=$?
		ls -A "$dir"
		exit "$status"' _ "$T/readonly" "${RUN_AS[@]}" "$LAB_DIR/mmap-copy" "$T/src" "$T/readonly/dst"
	assert_error_line "mmap-copy: create a temporary file in '$T/readonly' (for '$T/readonly/dst'): Read-only file system (EROFS)"
}

# bats test_tags=points:1
@test "mmap-copy: a full disk (a 1 MiB tmpfs) is ENOSPC before any byte is copied, not SIGBUS" {
	random "$T/big" $((2 * MIB))
	random "$T/small" $((512 * 1024))
	mkdir "$T/tiny"
	# In the tmpfs: a copy that does not fit fails and leaves nothing; one
	# that fits is then made and is whole.
	# shellcheck disable=SC2016 # $1... belong to bash -c
	run --separate-stderr in_mount_ns '
		dir=$1 big=$2 small=$3
		shift 3
		mount -t tmpfs -o size=1m tmpfs "$dir" || exit 99
		"$@" "$big" "$dir/dst"
		echo "status $?"
		ls -A "$dir"
		"$@" "$small" "$dir/dst"
		echo "status $?"
		cmp "$small" "$dir/dst" && echo identical' _ "$T/tiny" "$T/big" "$T/small" \
		"${RUN_AS[@]}" "$LAB_DIR/mmap-copy"
	assert_success
	assert_output $'status 1\nstatus 0\nidentical'
	[[ $stderr =~ ^"mmap-copy: reserve 2097152 bytes for '$T/tiny/.dst.mmap-copy-"[A-Za-z0-9]{6}"': No space left on device (ENOSPC)"$ ]] ||
		fail "unexpected stderr: $stderr"
}

# ------------------------------------------------------------ never a partial DST

# bats test_tags=points:1
@test "mmap-copy: during the copy DST is untouched and a temporary file sits beside it" {
	random "$T/src" $((3 * MIB + 7))
	mkdir "$T/out"
	echo 'old content' >"$T/out/dst"
	start_stopped_copy copy -w 1 "$T/src" "$T/out/dst"
	# Half done: the old DST as it was, the copy in a temporary file in
	# DST's folder with all its space reserved (posix_fallocate).
	assert_equal "$(cat "$T/out/dst")" 'old content'
	local temp
	temp=$(temp_files "$T/out")
	[[ $temp =~ ^\.dst\.mmap-copy-[A-Za-z0-9]{6}$ ]] || fail "no temporary file in DST's folder: '$temp'"
	assert_equal "$(stat -c %s "$T/out/$temp")" $((3 * MIB + 7))
	assert_equal "$(stat -c %a "$T/out/$temp")" "$(stat -c %a "$T/src")"
	kill -CONT "$COPY_PID"
	wait_bg copy
	assert_equal "$status" 0
	cmp "$T/src" "$T/out/dst"
	assert_no_temp_file "$T/out"
}

# stopped_by SIGNAL STATUS: the signal during a copy removes the temporary
# file, leaves the old DST as it was, and kills mmap-copy with that signal.
stopped_by() {
	random "$T/src" $((3 * MIB))
	echo 'old content' >"$T/dst"
	start_stopped_copy copy -w 1 "$T/src" "$T/dst"
	[ -n "$(temp_files "$T")" ] || fail "no temporary file during the copy"
	# The signal waits while the process is stopped; SIGCONT delivers it.
	kill "-$1" "$COPY_PID"
	kill -CONT "$COPY_PID"
	wait_bg copy
	assert_equal "$status" "$2"
	assert_equal "$(cat "$T/dst")" 'old content'
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: SIGTERM during the copy removes the temporary file, DST untouched" {
	stopped_by TERM 143
}

# bats test_tags=points:1
@test "mmap-copy: SIGINT during the copy removes the temporary file, DST untouched" {
	stopped_by INT 130
}

# bats test_tags=points:1
@test "mmap-copy: SIGHUP during the copy removes the temporary file, DST untouched" {
	stopped_by HUP 129
}

# bats test_tags=points:1
@test "mmap-copy: SIGQUIT during the copy removes the temporary file, DST untouched" {
	stopped_by QUIT 131
}

# bats test_tags=points:1
@test "mmap-copy: SIGPIPE during the copy removes the temporary file, DST untouched" {
	stopped_by PIPE 141
}

# bats test_tags=points:1
@test "mmap-copy: a SIGHUP ignored at start (nohup) stays ignored" {
	random "$T/src" $((3 * MIB))
	start_stopped_copy -s HUP copy -v -w 1 "$T/src" "$T/dst"
	kill -HUP "$COPY_PID"
	kill -CONT "$COPY_PID"
	wait_bg copy
	assert_equal "$status" 0
	assert_file_lines "$BATS_TEST_TMPDIR/copy.out" "copied $((3 * MIB)) bytes"
	cmp "$T/src" "$T/dst"
}

# bats test_tags=points:1
@test "mmap-copy: a source that shrinks during the copy: SIGBUS caught, a clear error, no DST" {
	random "$T/src" $((3 * MIB))
	start_stopped_copy copy -w 1 "$T/src" "$T/dst"
	# Another process cuts the source to 1.5 MiB: the second window's
	# mapping now reaches past the end of the file.
	truncate -s $((3 * MIB / 2)) "$T/src"
	kill -CONT "$COPY_PID"
	wait_bg copy
	assert_equal "$status" 1
	assert_file_lines "$BATS_TEST_TMPDIR/copy.err" \
		"mmap-copy: read source '$T/src' at byte $((3 * MIB / 2)): SIGBUS, the file shrank to $((3 * MIB / 2)) bytes during the copy: No data available (ENODATA)"
	[ ! -e "$T/dst" ] || fail "a partial DST was left"
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: a source that shrinks keeps the old DST as it was" {
	random "$T/src" $((3 * MIB))
	echo 'old content' >"$T/dst"
	start_stopped_copy copy -w 1 "$T/src" "$T/dst"
	truncate -s 0 "$T/src"
	kill -CONT "$COPY_PID"
	wait_bg copy
	assert_equal "$status" 1
	grep -q 'the file shrank to 0 bytes during the copy' "$BATS_TEST_TMPDIR/copy.err" ||
		fail "unexpected stderr: $(cat "$BATS_TEST_TMPDIR/copy.err")"
	assert_equal "$(cat "$T/dst")" 'old content'
	assert_no_temp_file "$T"
}

# bats test_tags=points:1
@test "mmap-copy: -v into a full stdout is exit 1 with one error line" {
	echo data >"$T/src"
	run --separate-stderr bash -c '"$@" >/dev/full' _ \
		timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/mmap-copy" -v "$T/src" "$T/dst"
	assert_failure 1
	assert_equal "$stderr" "mmap-copy: write standard output: No space left on device (ENOSPC)"
}
